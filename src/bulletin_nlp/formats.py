"""Input formats: bytes of a bulletin file to text, with the encoding and format recorded.

``.txt`` and ``.md`` are decoded as they are (UTF-8 with or without BOM, UTF-16/32,
GB18030/GBK, others detected by charset-normalizer). ``.html``/``.htm`` are parsed with
selectolax and reduced to their visible text, one paragraph per block element. ``.pdf``
needs the optional ``pdf`` extra (pypdf). For HTML and PDF the *extracted text* is what
the pipeline sees and what the store keeps as ``raw``: offsets refer to it, not to the
file's bytes.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

#: File suffix -> format name; folders are searched for these.
FORMATS: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Chinese encodings charset-normalizer may name; GB18030 is their superset, so a file it
# calls GB2312 or GBK but that holds a character beyond them still decodes.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True, slots=True)
class Source:
    """A decoded input: its text, how its bytes were decoded, and its format."""

    text: str
    encoding: str
    format: str


def format_of(path: str | Path) -> str:
    """The format name of a file from its suffix (``text`` when unknown)."""
    return FORMATS.get(Path(path).suffix.lower(), "text")


#: Largest input file read, in bytes (``$BULLETIN_NLP_MAX_BYTES``): the pipeline holds a
#: whole document in memory several times over, so a huge file is refused up front
#: rather than exhausting memory. Bulletins are tens of kilobytes.
MAX_BYTES_ENV = "BULLETIN_NLP_MAX_BYTES"
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


def max_bytes() -> int:
    """The input size limit in bytes."""
    import os

    try:
        return int(os.environ.get(MAX_BYTES_ENV, DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


def read_bytes(path: str | Path) -> bytes:
    """A file's bytes; :class:`InputError` naming the file and the reason otherwise."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a file")
    try:
        size, limit = p.stat().st_size, max_bytes()
        if size > limit:  # checked before reading: never load the file
            raise InputError(
                f"{p}: file too large ({size:,} bytes; the limit is {limit:,} bytes, "
                f"set ${MAX_BYTES_ENV} to raise it)"
            )
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except PermissionError:
        raise InputError(f"{p}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None


def read_source(path: str | Path) -> Source:
    """Read and decode one bulletin file of any supported format."""
    return decode_source(read_bytes(path), str(path))


def decode_source(data: bytes, path: str, fmt: str | None = None) -> Source:
    """Turn a file's bytes into text according to its format (from ``path`` if not given)."""
    fmt = fmt or format_of(path)
    if fmt == "html":
        text, enc = html_text(data, path)
    elif fmt == "pdf":
        text, enc = pdf_text(data, path), "pdf"
    else:
        text, enc = decode_text(data, path)
    if not text.strip():
        what = "no text" if fmt in ("html", "pdf") else "empty file"
        raise InputError(f"{path}: {what}")
    return Source(text, enc, fmt)


# -- plain text ---------------------------------------------------------------------


def decode_text(data: bytes, path: str = "<bytes>", declared: str | None = None) -> tuple[str, str]:
    """Decode bytes: BOM, else a declared charset, else UTF-8, else detection.

    Returns (text, encoding) with the codec that decoded them, so the store can record
    it (``utf-8``, ``utf-8-sig``, ``utf-16``, ``utf-16-le``, ``gb18030``...).
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return _strict(data, enc, path), enc
    if declared:
        codec = _codec(declared)
        if codec:
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                pass  # a wrong declaration is common: detect instead
    if b"\x00" in data[:4096]:  # text in UTF-8 or GB18030 never holds a NUL byte
        sniffed = _utf16_without_bom(data)
        if sniffed:
            return _strict(data, sniffed, path), sniffed
        raise InputError(f"{path}: binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _detect(data, path)


def _codec(name: str) -> str | None:
    """Python's name of a codec, or None if Python does not know it."""
    try:
        found = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return "gb18030" if found in _GB_FAMILY else found


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without BOM: NUL bytes (UTF-8 and GB18030 text has none) and a decoding
    that reads as text. Chinese-only UTF-16 has no NULs; detection handles it."""
    if len(data) % 2:
        return None
    best, score = None, 0.9  # at least 90 % plausible characters
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            sample = data[:8192].decode(enc)
        except UnicodeDecodeError:
            continue
        plausible = sum(1 for c in sample if _textual(c)) / max(1, len(sample))
        if plausible > score:
            best, score = enc, plausible
    return best


def _textual(ch: str) -> bool:
    """Printable ASCII, line breaks, CJK ideographs and punctuation, full-width forms."""
    code = ord(ch)
    return (
        0x20 <= code < 0x7F
        or ch in "\n\r\t"
        or 0x4E00 <= code <= 0x9FFF
        or 0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFFEF
        or 0x2000 <= code <= 0x206F
    )


def _detect(data: bytes, path: str) -> tuple[str, str]:
    """Ask charset-normalizer; prefer GB18030 for the Chinese encodings it names."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency; kept usable without it
        best = None
    else:
        best = from_bytes(data).best()
    candidates: list[str] = []
    if best is not None:
        enc = _codec(best.encoding) or best.encoding
        candidates.append(enc)
    candidates.append("gb18030")
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise InputError(f"{path}: cannot decode (not UTF-8, UTF-16 or GB18030)")


def _strict(data: bytes, enc: str, path: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: invalid {enc} at byte {exc.start}") from None


# -- HTML ---------------------------------------------------------------------------

# Elements whose content is not shown; elements that start a new paragraph.
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "object"})
_BLOCK = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav "
    "ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
_SPACES = re.compile(r"[ \t\r\n\f]+")


def html_text(data: bytes, path: str = "<bytes>") -> tuple[str, str]:
    """Visible text of an HTML page: a blank line between blocks, a newline per ``<br>``.

    Whitespace inside text collapses as a browser shows it (kept inside ``<pre>``).
    """
    declared = _META_CHARSET.search(data[:4096])
    markup, enc = decode_text(data, path, declared.group(1).decode("ascii") if declared else None)
    try:
        from selectolax.lexbor import LexborHTMLParser
    except ImportError:  # pragma: no cover - a dependency
        raise InputError(f"{path}: HTML needs selectolax (pip install selectolax)") from None
    tree = LexborHTMLParser(markup)
    root = tree.body or tree.root
    if root is None:
        return "", enc
    return _render(root), enc


def _render(root: object) -> str:
    """Walk the tree without recursion (deep pages would overflow the stack)."""
    parts: list[str] = []
    # Stack of (node, leaving) pairs: block elements emit a paragraph break on both sides.
    stack: list[tuple[object, bool, bool]] = [(root, False, False)]
    while stack:
        node, leaving, in_pre = stack.pop()
        tag = node.tag  # type: ignore[attr-defined]
        if leaving:
            parts.append("\n\n")
            continue
        if tag == "-text":
            text = node.text_content or ""  # type: ignore[attr-defined]
            parts.append(text if in_pre else _SPACES.sub(" ", text))
            continue
        if tag in _HIDDEN or tag in ("-comment", "!doctype"):
            continue
        if tag == "br":
            parts.append("\n")
            continue
        block = tag in _BLOCK
        if block:
            parts.append("\n\n")
            stack.append((node, True, in_pre))
        children = list(node.iter(include_text=True))  # type: ignore[attr-defined]
        pre = in_pre or tag in ("pre", "textarea")
        stack.extend((child, False, pre) for child in reversed(children))
    return _tidy("".join(parts))


def _tidy(text: str) -> str:
    """Trim spaces around line breaks and keep at most one blank line between blocks."""
    lines = [line.strip(" ") for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


# -- PDF ----------------------------------------------------------------------------


def pdf_text(data: bytes, path: str = "<bytes>") -> str:
    """Text of every page (pypdf, the optional ``pdf`` extra), pages a blank line apart."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:
        raise InputError(
            f"{path}: PDF input needs the optional extra: pip install 'bulletin-nlp[pdf]'"
        ) from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{path}: encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{path}: unreadable PDF ({exc})") from None
    return "\n\n".join(p.strip("\n") for p in pages) + "\n"
