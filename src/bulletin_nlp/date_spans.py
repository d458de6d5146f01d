"""Which date shapes of a document are dates: not inside a title, not cutting a word; and
which of them anchor a year (explicit, not a deadline, not running backwards, not the start
of a span to now). Shared by the frames stage (an article's own year) and the DATE stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dates import DateMatch, InvertedRange, date_rules, explicit_year, resolve, scan, select

if TYPE_CHECKING:
    from .doc import Doc
    from .segment import TokenBounds

TITLE_MAX = 80  # a 《 further back than this does not enclose the span
_OPEN, _CLOSE = "《", "》"
_NUMERALS = frozenset("〇零○一二三四五六七八九十两")
_SINCE = ("以来", "至今")


def in_title(text: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies inside ``《…》``."""
    left = text.rfind(_OPEN, max(0, start - TITLE_MAX), start)
    if left < 0 or _CLOSE in text[left:start]:
        return False
    right = text.find(_CLOSE, end, end + TITLE_MAX)
    return right >= 0 and _OPEN not in text[end:right] and "。" not in text[left:right]


def on_word_bounds(doc: Doc, bounds: TokenBounds, m: DateMatch) -> bool:
    """A match opening with a word (``上年``, ``年底``) must not cut a word in two.

    It starts at a token boundary and ends at one, or is the head of a single token
    (``去年同期``): so ``以上年龄`` and ``三年前年轻人`` hold no date.
    """
    first = doc.norm[m.start]
    if first.isascii() or first in _NUMERALS:
        return True
    if m.start not in bounds:
        return False
    if m.end in bounds or m.end == len(doc.norm):
        return True
    return bounds.prev(m.end) == m.start


def _previous_token(doc: Doc, bounds: TokenBounds, pos: int) -> str:
    start = bounds.prev(pos)
    return doc.norm[start:pos] if start is not None else ""


def prospective(doc: Doc, m: DateMatch) -> bool:
    """A target or deadline year (``到2025年``, ``2022年前``, ``2022年将``)."""
    cues = date_rules().cues
    if _previous_token(doc, doc.token_bounds, m.start) in cues.get("prospective_before", ()):
        return True
    after = doc.norm[m.end : m.end + 3]
    return any(after.startswith(c) for c in cues.get("prospective_after", ()))


def inverted(m: DateMatch) -> bool:
    """Whether the match is a range that runs backwards whatever the article's year."""
    try:
        resolve(m.groups)
    except InvertedRange:
        return True
    return False


def date_matches(doc: Doc) -> list[DateMatch]:
    """The date shapes of the document that are dates, overlaps resolved."""
    text, bounds = doc.norm, doc.token_bounds
    return select(
        [
            m
            for m in scan(text)
            if not in_title(text, m.start, m.end) and on_word_bounds(doc, bounds, m)
        ]
    )


def anchor_year(doc: Doc, m: DateMatch) -> int | None:
    """The year a date fixes for its article, if it fixes one: an explicit year that is
    no deadline (到2025年), no backward range and no start of a span (2021年以来)."""
    year = explicit_year(m.groups)
    if year is None or not m.rule.anchor:
        return None
    if any(doc.norm.startswith(w, m.end) for w in _SINCE):
        return None
    if prospective(doc, m) or inverted(m):
        return None
    return year
