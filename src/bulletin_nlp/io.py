"""Read bulletin files into text, detecting the encoding and naming the file on failure."""

from __future__ import annotations

import codecs
from pathlib import Path

from .errors import InputError

SUFFIXES = (".txt", ".md")
_FALLBACKS = ("utf-8", "gb18030")


def decode(data: bytes, path: str = "<bytes>") -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM allowed), UTF-16 with BOM, or GB18030; return (text, encoding)."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", path), "utf-16"
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: binary file (NUL bytes), not text")
    for enc in _FALLBACKS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: cannot decode as UTF-8 or GB18030")


def _strict(data: bytes, enc: str, path: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: invalid {enc} at byte {exc.start}") from None


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a bulletin file; raise :class:`InputError` naming the file and the reason."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a file")
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except PermissionError:
        raise InputError(f"{p}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None
    text, enc = decode(data, str(p))
    if not text.strip():
        raise InputError(f"{p}: empty file")
    return text, enc


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files named directly, plus bulletin files found (recursively) in named folders."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            )
        else:
            out.append(p)
    return out
