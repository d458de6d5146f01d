"""Read bulletin files into text, detecting the encoding and naming the file on failure;
find them in folders; write outputs safely; show untrusted text on a terminal safely.

The formats themselves (text encodings, HTML, PDF) live in :mod:`bulletin_nlp.formats`.
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from .errors import BulletinError, InputError
from .formats import FORMATS, decode_text, file_kind, read_source

SUFFIXES = tuple(FORMATS)


def decode(data: bytes, path: str = "<bytes>") -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM allowed), UTF-16, GB18030 or a detected encoding."""
    return decode_text(data, path)


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a bulletin file (any supported format); raise :class:`InputError` naming the
    file and the reason. Returns (text, encoding)."""
    source = read_source(path)
    return source.text, source.encoding


def expand_paths(
    paths: list[str | Path],
    on_error: Callable[[str, str], None] | None = None,
    unsupported: list[Path] | None = None,
) -> list[Path]:
    """Files named directly, plus bulletin files found (recursively) in named folders.

    An empty path is refused (``Path("")`` would mean the current folder). A folder that
    cannot be listed is reported through ``on_error(path, reason)``, or raised as an
    :class:`InputError` without it: never skipped in silence. Files of a folder that are
    of no format read here (``.xlsx``, a Word lock file ``~$a.docx``) are left out and,
    given ``unsupported``, appended to it (hidden ones such as ``.DS_Store`` are not).
    """
    out: list[Path] = []
    for raw in paths:
        if str(raw).strip() == "":
            raise InputError(f"{str(raw)!r}: empty path (give a file or a folder)")
        p = Path(raw)
        if not p.is_dir():
            out.append(p)
            continue

        def unreadable(exc: OSError, top: Path = p) -> None:
            where = display_path(exc.filename or top)
            reason = f"{where}: cannot read folder ({exc.strerror or exc})"
            if on_error is None:
                raise InputError(reason)
            on_error(where, reason)

        found: list[Path] = []
        for folder, _dirs, names in os.walk(p, onerror=unreadable):
            for name in names:
                f = Path(folder, name)
                suffix = f.suffix.lower()
                lock = name.startswith("~$") and suffix == ".docx"  # Word's lock file
                readable = suffix in SUFFIXES and not lock
                if readable and f.is_file():
                    found.append(f)
                elif unsupported is not None and not readable and not name.startswith("."):
                    if f.is_file():
                        unsupported.append(f)
        out.extend(sorted(found))
    return out


# -- names and text shown on a terminal ---------------------------------------------------

# C0 and C1 controls, DEL, and the bidirectional overrides and isolates that reorder what
# a terminal shows; lone surrogates (undecodable bytes of file names) are handled apart.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def display_path(path: str | Path) -> str:
    """A path as text that can be stored and printed: each byte of a file name that is
    not UTF-8 (``os.fsdecode`` keeps it as a lone surrogate) becomes ``%FF``. Not a
    backslash escape: a backslash separates folders in a Windows path."""
    text = os.fspath(path)
    if not _SURROGATE.search(text):
        return text
    return _ESCAPED_BYTE.sub(lambda m: f"%{ord(m.group()) - 0xDC00:02X}", text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object, *, newlines: bool = True) -> str:
    """``text`` with every control character a terminal would act on shown as an escape
    (``\\x1b``, ``\\u202e``): a bulletin or a file name cannot retitle the window, move
    the cursor or reorder the line. Tabs stay; newlines stay unless ``newlines`` is
    false; a CR before a LF is dropped."""
    s = display_path(str(text)).replace("\r\n", "\n")
    s = _SURROGATE.sub(_escape, s)  # a lone surrogate cannot even be encoded
    return (_UNSAFE if newlines else _UNSAFE_IN_LINE).sub(_escape, s)


def terminal_line(text: object) -> str:
    """Untrusted text (a bulletin's words, a file name) fit for one terminal line: line
    breaks as spaces, other control characters as escapes."""
    flat = str("" if text is None else text).replace("\r\n", " ").replace("\n", " ")
    return terminal_safe(flat, newlines=False)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def json_line(obj: Any, indent: int | None = None) -> str:
    """``obj`` as JSON (one line unless ``indent``), Chinese unescaped, and every
    character a terminal would act on escaped (``json.dumps`` leaves C1 controls and
    bidi overrides raw)."""
    return json_safe(json.dumps(obj, ensure_ascii=False, indent=indent))


def json_safe(text: str) -> str:
    """JSON text with C1 controls, bidi overrides and lone surrogates written as
    ``\\uXXXX`` escapes: the same JSON value, safe to print."""
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# -- outputs ------------------------------------------------------------------------------


class OutputError(BulletinError):
    """An output file cannot be written."""


_UMASK: int | None = None


def _new_file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file (0666 less the umask)."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def output_target(out: str | Path) -> Path:
    """Where writing ``out`` lands: through a symbolic link to its target (the link is
    kept). Refuses what is not a regular file (a device, a FIFO, a folder)."""
    target = Path(os.path.realpath(out))
    try:
        st = target.stat()
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise OutputError(
                f"{display_path(out)}: cannot write (no such folder {display_path(target.parent)})"
            ) from None
        return target
    except OSError as exc:
        raise OutputError(f"{display_path(out)}: cannot write ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{display_path(out)}: is a directory, expected a file")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"{display_path(out)}: not a regular file ({file_kind(st.st_mode)}); give a file path"
        )
    return target


@contextmanager
def replaced_on_success(out: str | Path) -> Iterator[Path]:
    """A temporary path beside ``out`` to write to; it replaces ``out`` (atomically, by
    rename) only when the block succeeds, and is removed otherwise. ``out`` itself is
    never truncated or unlinked, so a failed write leaves the old file as it was."""
    target = output_target(out)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{display_path(out)}: cannot write ({exc.strerror})") from None
    os.close(fd)
    try:
        yield Path(tmp)
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = _new_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)  # ours: created above
        raise


@contextmanager
def text_output(out: str | Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """A UTF-8 text file to write ``out`` through :func:`replaced_on_success`; every
    ``OSError`` (a full disk...) becomes one :class:`OutputError` naming ``out``."""
    try:
        with (
            replaced_on_success(out) as tmp,
            open(tmp, "w", encoding="utf-8", newline=newline) as fh,
        ):
            yield fh
    except OSError as exc:
        raise OutputError(f"{display_path(out)}: cannot write ({exc.strerror or exc})") from None


#: The only interface the local servers (review, Datasette) listen on.
LOOPBACK = "127.0.0.1"


def check_port(port: int, host: str = LOOPBACK) -> None:
    """Fail with a clear message unless ``port`` is free on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise BulletinError(
                f"port {port} on {host} is not free ({exc.strerror}): use --port"
            ) from None
