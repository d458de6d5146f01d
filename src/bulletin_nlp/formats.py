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
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .errors import InputError

#: File suffix -> format name; folders are searched for these.
FORMATS: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
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

    try:
        return int(os.environ.get(MAX_BYTES_ENV, DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


def read_bytes(path: str | Path) -> bytes:
    """A regular file's bytes; :class:`InputError` naming the file and the reason otherwise.

    The file is opened without blocking and checked to be a regular file before a byte
    is read (a FIFO would wait forever, ``/dev/zero`` never ends), and the size limit is
    enforced while reading too: a file that grows, or a ``/proc`` file whose size says
    0, is cut off at the limit instead of exhausting memory.
    """
    p = Path(path)
    name = _shown(p)
    limit = max_bytes()
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, expected a file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{name}: is a directory, expected a file")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{name}: not a regular file ({file_kind(st.st_mode)})")
        if st.st_size > limit:  # checked before reading: never load the file
            raise InputError(_too_large(name, st.st_size, limit))
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise InputError(_too_large(name, size, limit, more=True))
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)


def _too_large(name: str, size: int, limit: int, *, more: bool = False) -> str:
    amount = f"over {limit:,} bytes" if more else f"{size:,} bytes"
    return (
        f"{name}: file too large ({amount}; the limit is {limit:,} bytes, "
        f"set ${MAX_BYTES_ENV} to raise it)"
    )


def file_kind(mode: int) -> str:
    """What a ``st_mode`` that is not a regular file names, for messages."""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def _shown(path: str | Path) -> str:
    """A path fit for a message (undecodable bytes of a name as ``%FF``, as
    :func:`bulletin_nlp.io.display_path` writes them)."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return re.sub("[\udc80-\udcff]", lambda m: f"%{ord(m.group()) - 0xDC00:02X}", text)
    return text


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
    elif fmt == "docx":
        text, enc = docx_text(data, path), "docx"
    else:
        text, enc = decode_text(data, path)
    if not text.strip():
        what = "no text" if fmt in ("html", "pdf", "docx") else "empty file"
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
            return _no_nul(_strict(data, enc, path), path), enc
    if declared:
        codec = _codec(declared)
        if codec and not codec.startswith(("utf-16", "utf-32")):  # those need a BOM
            try:
                return _no_nul(data.decode(codec), path), codec
            except UnicodeError:
                pass  # a wrong declaration is common: detect instead
    if b"\x00" in data:  # text in UTF-8 or GB18030 never holds a NUL byte
        sniffed = _utf16_without_bom(data)
        if sniffed:
            return _no_nul(_strict(data, sniffed, path), path), sniffed
        raise InputError(f"{path}: binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _detect(data, path)


def _no_nul(text: str, path: str) -> str:
    if "\x00" in text:
        raise InputError(f"{path}: binary file (NUL bytes), not text")
    return text


# Codecs a page may not declare: not text encodings of a document (``undefined`` fails
# on every byte; the escape codecs and UTF-7 decode markup into other markup).
_REFUSED_CODECS = {
    "undefined",
    "idna",
    "punycode",
    "unicode-escape",
    "raw-unicode-escape",
    "utf-7",
}


def _codec(name: str) -> str | None:
    """Python's name of a codec, or None if Python does not know it."""
    try:
        info = codecs.lookup(name.strip().lower())
    except LookupError:
        return None
    # base64, hex, zlib, rot13...: bytes-to-bytes or str-to-str codecs, not encodings.
    if not info._is_text_encoding or info.name in _REFUSED_CODECS:  # type: ignore[attr-defined]
        return None
    return "gb18030" if info.name in _GB_FAMILY else info.name


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without BOM, on clear evidence only: NUL bytes (UTF-8 and GB18030 text has
    none) in the high byte of ASCII characters, so mostly on one side of each byte pair and
    at least 1 % of the bytes, and a decoding that reads as text. A stray NUL in other
    text is no such evidence. Chinese-only UTF-16 without BOM has no NULs: not trusted."""
    if len(data) % 2:
        return None
    sample = data[:8192]
    low_first, high_first = sample[1::2].count(0), sample[0::2].count(0)
    nuls = low_first + high_first
    if nuls < max(2, len(sample) // 100):
        return None
    if low_first >= 0.75 * nuls:  # (a CJK character U+xx00 puts one on the other side)
        enc = "utf-16-le"
    elif high_first >= 0.75 * nuls:
        enc = "utf-16-be"
    else:
        return None
    try:
        text = sample.decode(enc)
    except UnicodeDecodeError:
        return None
    return enc if sum(1 for c in text if _textual(c)) > 0.9 * len(text) else None


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
    """Not UTF-8: GB18030 when it decodes the bytes into plausible text (the encoding of
    mainland bulletins), else what charset-normalizer names. UTF-16 and UTF-32 are
    trusted only with a BOM or NUL bytes (handled before): short GB18030 text often looks
    like UTF-16 to a detector, and decodes into garbage that way."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible(text):
        return text, "gb18030"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency; kept usable without it
        best = None
    else:
        best = from_bytes(data).best()
    if best is not None:
        enc = _codec(best.encoding) or best.encoding
        if not enc.replace("_", "-").startswith(("utf-16", "utf-32")):
            try:
                return data.decode(enc), enc
            except (UnicodeError, LookupError):
                pass
    if text is not None:
        return text, "gb18030"
    raise InputError(f"{path}: cannot decode (not UTF-8, UTF-16 or GB18030)")


def _plausible(text: str) -> bool:
    """Whether decoded text reads as text: at least 90 % of it printable ASCII, CJK or
    common punctuation (see :func:`_textual`)."""
    sample = text[:8192]
    return sum(1 for c in sample if _textual(c)) >= 0.9 * len(sample)


def _strict(data: bytes, enc: str, path: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: invalid {enc} at byte {exc.start}") from None
    except UnicodeError as exc:
        raise InputError(f"{path}: invalid {enc} ({exc})") from None


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

    Whitespace inside text collapses as a browser shows it (kept inside ``<pre>``). A
    page nested deeper than :data:`MAX_NESTING` elements is read by a streaming reader
    instead of built into a tree: an HTML5 tree builder checks the open elements at each
    block tag, which costs time quadratic in the depth (200,000 nested ``<div>`` took
    minutes).
    """
    declared = _META_CHARSET.search(data[:4096])
    markup, enc = decode_text(data, path, declared.group(1).decode("ascii") if declared else None)
    if _nesting(markup) > MAX_NESTING:
        return _stream_render(markup), enc
    try:
        from selectolax.lexbor import LexborHTMLParser
    except ImportError:  # pragma: no cover - a dependency
        raise InputError(f"{path}: HTML needs selectolax (pip install selectolax)") from None
    tree = LexborHTMLParser(markup)
    root = tree.body or tree.root
    if root is None:
        return "", enc
    return _render(root), enc


#: Deepest element nesting parsed into a tree; deeper pages are read as a stream.
MAX_NESTING = 1000
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*?(/?)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def _nesting(markup: str) -> int:
    """How deep the page's elements nest, at most (end tags matched loosely)."""
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(markup):
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


# Elements that may stay in a <head>; any other start tag (or text) ends an unclosed head.
_HEAD_CONTENT = frozenset("base link meta noscript script style template title".split())


def _stream_render(markup: str) -> str:
    """The text :func:`_render` gives, from a streaming parse (linear in the page)."""

    parts: list[str] = []
    hidden: list[str] = []  # the hidden element being skipped, once per nesting level
    pre = 0

    class Reader(HTMLParser):
        def handle_starttag(self, tag: str, attrs: object) -> None:
            nonlocal pre
            if hidden == ["head"] and tag not in _HEAD_CONTENT:
                hidden.clear()  # the body starts: the head ended without its end tag
            elif hidden:
                if tag == hidden[-1] or (hidden == ["head"] and tag not in _VOID):
                    hidden.append(tag)  # the same element nested, or a head element
                return
            if tag in _HIDDEN or tag == "title":
                hidden.append(tag)
            elif tag == "br":
                parts.append("\n")
            elif tag in _BLOCK:
                parts.append("\n\n")
                if tag in _VOID:
                    parts.append("\n\n")
            if tag in ("pre", "textarea"):
                pre += 1

        def handle_startendtag(self, tag: str, attrs: object) -> None:
            if not hidden and tag == "br":
                parts.append("\n")
            elif not hidden and tag in _BLOCK:
                parts.append("\n\n")

        def handle_endtag(self, tag: str) -> None:
            nonlocal pre
            if hidden:
                if tag == hidden[-1]:
                    hidden.pop()
                return
            if tag in _BLOCK and tag not in _VOID:
                parts.append("\n\n")
            if tag in ("pre", "textarea") and pre:
                pre -= 1

        def handle_data(self, data: str) -> None:
            if hidden == ["head"] and data.strip():
                hidden.clear()
            if not hidden:
                parts.append(data if pre else _SPACES.sub(" ", data))

    reader = Reader(convert_charrefs=True)
    reader.feed(markup)
    reader.close()
    return _tidy("".join(parts))


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
    except Exception as exc:  # noqa: BLE001 - a hostile PDF trips pypdf anywhere
        # (NotImplementedError for an unknown /Encrypt /V, RecursionError for a deep
        # object graph...): the file is unreadable, not the program broken.
        raise InputError(f"{path}: unreadable PDF ({type(exc).__name__}: {exc})") from None
    return "\n\n".join(p.strip("\n") for p in pages) + "\n"


# -- Word ---------------------------------------------------------------------------

#: How much larger than the file a Word document may be once unpacked (a zip bomb is
#: refused before it is inflated).
DOCX_UNPACKED_FACTOR = 8


def docx_text(data: bytes, path: str = "<bytes>") -> str:
    """Text of a Word document (python-docx, the optional ``docx`` extra): paragraphs
    and tables in document order, one paragraph per line (an empty paragraph is an
    empty line), each table row as ``cell | cell |`` (a table pasted as text)."""

    try:
        import docx
        from docx.table import Table
    except ImportError:
        raise InputError(
            f"{path}: Word input needs the optional extra: pip install 'bulletin-nlp[docx]'"
        ) from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputError(f"{path}: unreadable Word document (not a .docx: {exc})") from None
    limit = max(len(data), 1 << 20) * DOCX_UNPACKED_FACTOR
    if unpacked > limit:
        raise InputError(
            f"{path}: Word document too large once unpacked ({unpacked:,} bytes; at most {limit:,})"
        )
    lines: list[str] = []
    try:
        document = docx.Document(io.BytesIO(data))
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = [" ".join(c.text.split()) for c in row.cells]
                    lines.append(" | ".join(cells) + " |")
            else:
                lines.append(block.text)
    except Exception as exc:  # noqa: BLE001 - a broken .docx trips its reader anywhere
        raise InputError(
            f"{path}: unreadable Word document ({type(exc).__name__}: {exc})"
        ) from None
    return "\n".join(lines) + "\n"
