"""Normalize PDF-extraction text for the extractors, keeping a map back to raw offsets.

Every normalized character comes from exactly one raw character (possibly substituted:
full-width digits become ASCII, ``,`` becomes ``，``); characters are only ever *dropped*
(spaces, wrap newlines, page markers), never inserted. So ``nmap[i]`` is the raw offset
of ``norm[i]`` and any normalized span maps back to a raw span whose compact form, after
the same character folding, equals the normalized span's compact form.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

import regex

from .layout_cues import layout_cues

WHITESPACE = frozenset(" \t\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff\f\v")
# Sentence-final punctuation: a line ending in one of these never continues on the next.
TERMINAL = frozenset("。！？!?…")
# Clause punctuation: a line ending in one of these always continues.
CLAUSE = frozenset("，、；：,;:")
CLAUSE_INSIDE = frozenset("，；")
_ASCII_PUNCT = {",": "，", "(": "（", ")": "）", ";": "；", ":": "：", "!": "！", "?": "？"}
_QUOTES = {"「": "“", "」": "”", "『": "‘", "』": "’"}
_SPACES_RE = regex.compile("[" + regex.escape("".join(sorted(WHITESPACE))) + "]+")
_EOL_RE = regex.compile(r"\r\n?|\n")
# A table row pasted as text (养老服务驿站 45, 城市低保对象（万人） 3.2, 历下区 1746070元):
# a label, spaces, a figure with at most a short unit, nothing after it.
_ROW_RE = regex.compile(
    r"^\s*[^\s，。；：,;:]{1,30}\s{1,}[-+－]?\d[\d,，.]*\s*[^\s\d，。；,;]{0,4}"
    r"(?:[（(][^）)]{0,12}[）)])?\s*$"
)
# The same row as the normalizer keeps it: a label of no punctuation, then one figure with
# at most a short unit, at the end of the line.
_SQUEEZED_ROW_RE = regex.compile(
    r"^[^\s，。；：,;:、！？|]{1,30}?(?<![\d.,，])[-+－]?\d[\d,，.]*[^\s\d，。；,;、|]{0,4}"
    r"(?:[（(][^）)]{0,12}[）)])?$"
)
_CLOCK_RE = regex.compile(r"(?:[01]?\d|2[0-3])[:：][0-5]\d(?!\d)")
# Every character fold_char may change; a line without any is kept as it is.
_FOLDABLE_RE = regex.compile(
    "[\uff01-\uff5e\r" + regex.escape("".join(sorted(set(_QUOTES) | set(_ASCII_PUNCT)))) + "]"
)
# Table-of-contents and page markers: "社会工作者打通为民服务最后一米 08 版", "- 3 -".
# Spaces inside markers: every character normalization drops (zero-width ones too), so
# a marker hidden by a BOM or U+200B is still one and a second pass finds nothing new.
_S = r"[\s" + regex.escape("".join(sorted(WHITESPACE))) + "]"
PAGE_MARKER = regex.compile(rf"(?:^|{_S}+)(?:第{_S}*)?[A-Z]?\d{{1,3}}{_S}*版{_S}*$")
PAGE_NUMBER_LINE = regex.compile(
    rf"^{_S}*(?:[-—－]{_S}*\d{{1,3}}{_S}*[-—－]|第{_S}*\d{{1,3}}{_S}*页){_S}*$"
)
_MARKER_WORD = "版"  # every PAGE_MARKER match holds it


@dataclass(slots=True)
class Line:
    """A physical line after marker removal: its kept characters and their raw offsets."""

    text: str
    offsets: list[int]  # offsets[k] is the raw offset of text[k]
    newline: int | None  # raw offset of the line's "\n" (or lone "\r"), None at EOF
    width: int  # display columns of the raw content (CJK counts 2)
    had_marker: bool = False
    indent: int | None = None  # raw offset of the indentation opening the line, if any
    row: bool = False  # a table row as printed: label, then a figure (and cells with |)


def fold_char(ch: str, prev: str, nxt: str) -> str:
    """Unify one character for matching; 1:1 so offsets stay aligned."""
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        half = chr(code - 0xFEE0)
        if half.isalnum() or half in "%+-./#&*=@_~<>":
            return half
        if half in _ASCII_PUNCT:
            return _ASCII_PUNCT[half]
    if ch in _QUOTES:
        return _QUOTES[ch]
    if ch in _ASCII_PUNCT:
        # Keep separators inside numbers: 737,000 and 10:30.
        if ch in ",:" and prev.isdigit() and nxt.isdigit():
            return ch
        return _ASCII_PUNCT[ch]
    if ch == "\r":
        return "\n"
    return ch


class _Widths(dict[str, int]):
    """Display width per character, looked up once per distinct character."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return width


_WIDTHS = _Widths()


def _width(text: str) -> int:
    return sum(map(_WIDTHS.__getitem__, text))


def _is_ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _split_lines(raw: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    n = len(raw)
    while pos <= n:
        eol = _EOL_RE.search(raw, pos)
        newline: int | None = None
        if eol is None:
            end = nxt = n
        else:  # "\r\n" is one newline, at its "\n"
            end, nxt = eol.span()
            newline = nxt - 1
        content = raw[pos:end]
        had_marker = False
        keep_to = len(content)
        if PAGE_NUMBER_LINE.match(content):
            keep_to, had_marker = 0, True
        elif _MARKER_WORD in content:  # a cheap test first: most lines hold no marker
            m = PAGE_MARKER.search(content)
            if m:
                keep_to, had_marker = m.start(), True
        kept = content[:keep_to]
        while _MARKER_WORD in kept:  # "08 版 09 版": drop every trailing marker
            m = PAGE_MARKER.search(kept)
            if not m:
                break
            kept, had_marker = kept[: m.start()], True
        text, offsets = _squeeze(pos, kept)
        lead = len(kept) - len(kept.lstrip())
        indent = pos if text and (lead >= 2 or kept[:1] in ("\u3000", "\t")) else None
        # Read from the kept text, spaces dropped, so that normalizing the output again
        # takes the same decisions (idempotence).
        row = "|" in text or _SQUEEZED_ROW_RE.match(text) is not None
        lines.append(Line(text, offsets, newline, _width(text), had_marker, indent, row))
        if newline is None:
            break
        pos = nxt
    return lines


def _squeeze(base: int, text: str) -> tuple[str, list[int]]:
    """Drop whitespace (except between two Latin letters) and fold characters.

    Returns the kept text and the raw offset of each of its characters (``text`` starts
    at raw offset ``base``).
    """
    offsets = list(range(base, base + len(text)))
    if _SPACES_RE.search(text) is not None:
        pieces: list[str] = []
        kept: list[int] = []
        done = 0
        for m in _SPACES_RE.finditer(text):
            a, b = m.span()
            pieces.append(text[done:a])
            kept.extend(offsets[done:a])
            if a and b < len(text) and (
                (_is_ascii_letter(text[a - 1]) and _is_ascii_letter(text[b]))
                or (text[a - 1].isdigit() and _CLOCK_RE.match(text, b) is not None)
            ):
                # One space for the whole run, at its first character: between two Latin
                # words, and between a date and a clock time (2022-10-05 09:00), which
                # would otherwise read as one number.
                pieces.append(" ")
                kept.append(base + a)
            done = b
        pieces.append(text[done:])
        kept.extend(offsets[done:])
        text, offsets = "".join(pieces), kept
    # fold_char returns every other character as it is: visit only the foldable ones,
    # with their unfolded neighbours as context.
    folded: list[str] | None = None
    for m in _FOLDABLE_RE.finditer(text):
        k = m.start()
        ch = fold_char(text[k], text[k - 1] if k else "", text[k + 1 : k + 2])
        if ch != text[k]:
            if folded is None:
                folded = list(text)
            folded[k] = ch
    return ("".join(folded) if folded is not None else text), offsets


def is_table_row(raw_line: str) -> bool:
    """Whether a raw line is a table row as printed: cells with ``|``, or a label,
    spaces and a figure (``养老服务驿站 45``, ``城市低保对象（万人） 3.2``)."""
    return "|" in raw_line or _ROW_RE.match(raw_line) is not None


def _ends_terminal(text: str) -> bool:
    """A sentence ends the line, or a source closes it (``…12家。（据《XX日报》）``)."""
    core = text.rstrip("”’）)」』")
    if core and core[-1] in TERMINAL:
        return True
    return text[-1:] in "）)稿" and layout_cues()["source"].search(text) is not None


def _opens_source(text: str) -> bool:
    return layout_cues()["source_open"].match(text) is not None


def _crosses_word(left: str, right: str) -> bool:
    """True when segmentation puts a word across the boundary of ``left`` + ``right``."""
    from .segment import tokenize

    tail, head = left[-6:], right[:6]
    cut = len(tail)
    return any(s < cut < e and e - s >= 2 for _w, s, e in tokenize(tail + head))


def _block_is_body(lines: list[Line], start: int, window: int = 0) -> bool:
    """Whether the text from line ``start`` reads as body text.

    With ``window=0`` only the block up to the next blank line counts; otherwise the
    first ``window`` characters, across blank lines.
    """
    text = ""
    for line in lines[start:]:
        if not line.text and not window:
            break
        text += line.text
        if window and len(text) >= window:
            break
    return any(c in (text[:window] if window else text) for c in "。，；")


def _table_rows(lines: list[Line]) -> set[int]:
    """Lines that are rows of a table: row-like next to another row-like line, or right
    under a line ending in a colon (…如下：). A lone line ending in a figure is no table."""
    filled = [i for i, ln in enumerate(lines) if ln.text]
    rows: set[int] = set()
    for k, i in enumerate(filled):
        if not lines[i].row:
            continue
        prev = filled[k - 1] if k else None
        nxt = filled[k + 1] if k + 1 < len(filled) else None
        if (
            (prev is not None and (lines[prev].row or lines[prev].text[-1] in "：:"))
            or (nxt is not None and lines[nxt].row)
            or "|" in lines[i].text
        ):
            rows.add(i)
    return rows


def _join_decisions(lines: list[Line]) -> list[bool]:
    """For each line, whether it continues the previous non-blank line (a wrap)."""
    # A line is "full" (so it likely wraps) when it reaches most of the typical width of
    # body lines, taken as the upper quartile: on a page of one-line paragraphs the
    # headlines and source lines, however many, must not set the measure.
    widths = sorted(ln.width for ln in lines if ln.text)
    full = 0.75 * widths[3 * len(widths) // 4] if widths else 0
    joins = [False] * len(lines)
    table_rows = _table_rows(lines)
    prev_i: int | None = None
    para_text = ""
    blanks = 0
    for i, line in enumerate(lines):
        if not line.text:
            if prev_i is not None:
                blanks += 1
            continue
        text = line.text
        if prev_i is not None:
            prev = lines[prev_i]
            ptext = prev.text
            join = False
            if (
                _opens_source(text)
                or _opens_source(para_text)
                or prev.had_marker
                # Table rows: never a figure joined to the next row's label, nor the first
                # row of a table to the line that introduces it.
                or (i in table_rows and (prev_i in table_rows or ptext[-1] not in "，、；,;"))
                or ptext.endswith("|")
                or layout_cues()["news_opening"].match(text)
                or layout_cues()["meta"].match(text)
                or layout_cues()["meta"].match(ptext)
            ):
                join = False
            elif _ends_terminal(ptext):
                join = False
            elif blanks == 0:
                join = ptext[-1] in CLAUSE or prev.width >= full
            elif ptext[-1] != "：":
                # Across a blank line (a page or column break): join only a sentence in
                # progress into body text, never a headline into the next paragraph.
                sentence_open = ptext[-1] in CLAUSE or any(c in para_text for c in "，；。")
                join = (sentence_open and _block_is_body(lines, i)) or (
                    (prev.width >= full or "、" in para_text)
                    and _crosses_word(ptext, text)
                    and _block_is_body(lines, i, window=40)
                )
            joins[i] = join
            if not join:
                para_text = ""
        para_text += text
        prev_i = i
        blanks = 0
    return joins


def _paragraph_breaks(lines: list[Line]) -> list[Line]:
    """Where only some lines are indented ("　　近日，…"), an indented line opens a
    paragraph: a blank line is put before it (its "\n" stands for the indentation), so
    that a headline above it is never read as wrapped into it, now or when the
    normalized text is normalized again."""
    body = [ln for ln in lines if ln.text]
    indented = sum(ln.indent is not None for ln in body)
    if not 0 < indented <= len(body) // 2:
        return lines
    out: list[Line] = []
    for line in lines:
        if line.indent is not None and out and out[-1].text:
            out.append(Line("", [], line.indent, 0))
        out.append(line)
    return out


def _merge(lines: list[Line], joins: list[bool]) -> list[Line]:
    """Apply join decisions: wrapped lines become one logical line; at most one blank
    line is kept between logical lines, so the result reads as normalized text would."""
    out: list[Line] = []
    gap: Line | None = None
    for i, line in enumerate(lines):
        if not line.text:
            if out and gap is None:
                gap = line
            continue
        if out and joins and joins[i]:
            last = out[-1]
            # Widths add up character by character, so the joined line's is the sum.
            out[-1] = Line(
                last.text + line.text,
                last.offsets + line.offsets,
                line.newline,
                last.width + line.width,
                line.had_marker,
            )
        else:
            if gap is not None:
                out.append(gap)
            out.append(line)
        gap = None
    return out


def normalize(raw: str) -> tuple[str, list[int]]:
    """Return (normalized text, nmap) where ``nmap[i]`` is the raw offset of ``norm[i]``.

    Logical lines are separated by ``\\n``; a blank line between them becomes ``\\n\\n``.
    Joining is repeated until no line joins any more, so normalizing the output again
    changes nothing (idempotence).
    """
    lines = _paragraph_breaks(_merge(_split_lines(raw), []))
    while True:
        joins = _join_decisions(lines)
        if not any(joins):
            break
        lines = _merge(lines, joins)
    out: list[str] = []
    nmap: list[int] = []
    for i, line in enumerate(lines):
        if not line.text:
            continue
        if out:
            prev = lines[i - 1]
            breaks = [lines[i - 2].newline, prev.newline] if not prev.text else [prev.newline]
            for nl in breaks:
                if nl is not None:
                    out.append("\n")
                    nmap.append(nl)
        out.append(line.text)
        nmap.extend(line.offsets)
    return "".join(out), nmap


def compact(text: str) -> str:
    """Text with all whitespace removed (how the gold names spans)."""
    # str.split() drops exactly the isspace() characters; then the other WHITESPACE ones.
    return _SPACES_RE.sub("", "".join(text.split()))


def fold(text: str) -> str:
    """Compact and fold ``text`` as normalization would (for comparing raw to normalized)."""
    chars = compact(text)
    if _FOLDABLE_RE.search(chars) is None:  # most spans: nothing to fold
        return chars
    return "".join(
        fold_char(c, chars[k - 1] if k else "", chars[k + 1] if k + 1 < len(chars) else "")
        for k, c in enumerate(chars)
    )


def norm_index(nmap: list[int], raw_offset: int) -> int:
    """First normalized index at or after ``raw_offset``."""
    return bisect_right(nmap, raw_offset - 1)
