"""DATE stage: find date expressions in ``doc.norm``, date each article, normalize.

Order of work:

1. candidates from the extract patterns of ``rules/date.yaml``; those inside a title
   (``《…》``, a DOCUMENT or ORG swallows them) or cutting a jieba word are dropped;
2. each article's year (``Article.year``, read later by the fact stage) comes from its
   dated lead, else the bulletin, else ``doc.issue_year`` (:func:`dates.article_years`);
3. each hit is normalized against its article's year; a bare day (``19日``, ``18日至19日``)
   takes the month of the previous date in the same article. A range that would end
   before it starts (:class:`~bulletin_nlp.dates.InvertedRange`) yields no mention; the
   reason is logged.
"""

from __future__ import annotations

import logging

from ..dates import (
    DateMatch,
    InvertedRange,
    article_years,
    date_rules,
    explicit_year,
    resolve,
    scan,
    select,
)
from ..doc import Doc
from ..segment import TokenBounds
from ..spans import Hit

log = logging.getLogger(__name__)

TYPE = "DATE"
LEAD_SENTENCES = 2  # the dated lead: headline plus the first sentences of the body
LEAD_CHARS = 150  # lead length when the structure stage found no sentences
TITLE_MAX = 80  # a 《 further back than this does not enclose the span
_OPEN, _CLOSE = "《", "》"
_NUMERALS = frozenset("〇零○一二三四五六七八九十两")


def _in_title(text: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies inside ``《…》``."""
    left = text.rfind(_OPEN, max(0, start - TITLE_MAX), start)
    if left < 0 or _CLOSE in text[left:start]:
        return False
    right = text.find(_CLOSE, end, end + TITLE_MAX)
    return right >= 0 and _OPEN not in text[end:right] and "。" not in text[left:right]


def _on_word_bounds(doc: Doc, bounds: TokenBounds, m: DateMatch) -> bool:
    """A match opening with a word (``上年``, ``年底``) must not cut a word in two.

    It starts at a token boundary and ends at one, or is the head of a single token
    (``去年同期``): so ``以上年龄`` and ``三年前年轻人`` hold no date.
    """
    first = doc.norm[m.start]
    if first.isascii() or first in _NUMERALS:
        return True
    if m.start not in doc.token_bounds:
        return False
    if m.end in doc.token_bounds or m.end == len(doc.norm):
        return True
    return bounds.prev(m.end) == m.start


def _previous_token(doc: Doc, bounds: TokenBounds, pos: int) -> str:
    start = bounds.prev(pos)
    return doc.norm[start:pos] if start is not None else ""


def _prospective(doc: Doc, bounds: TokenBounds, m: DateMatch) -> bool:
    """A target or deadline year (``到2025年``, ``2022年前``, ``2022年将``)."""
    cues = date_rules().cues
    if _previous_token(doc, bounds, m.start) in cues.get("prospective_before", ()):
        return True
    after = doc.norm[m.end : m.end + 3]
    return any(after.startswith(c) for c in cues.get("prospective_after", ()))


def _lead_spans(doc: Doc, index: int) -> list[tuple[int, int]]:
    art = doc.articles[index]
    spans = [art.headline_span] if art.headline_span else []
    body = [
        s
        for s in doc.sentences
        if s.article == index
        and art.start <= s.start < art.end
        and not (art.headline_span and art.headline_span[0] <= s.start < art.headline_span[1])
    ]
    if body:
        spans += [(s.start, s.end) for s in body[:LEAD_SENTENCES]]
    elif not doc.sentences:
        spans.append((art.start, min(art.end, art.start + LEAD_CHARS)))
    return spans


def _lead_year(doc: Doc, index: int, anchors: list[tuple[int, int]]) -> int | None:
    """The first anchor year (position, year) inside the article's lead spans."""
    for start, end in _lead_spans(doc, index):
        for pos, year in anchors:
            if start <= pos < end:
                return year
    return None


def _inverted(m: DateMatch) -> bool:
    """Whether the match is a range that runs backwards whatever the article's year."""
    try:
        resolve(m.groups)
    except InvertedRange:
        return True
    return False


def extract(doc: Doc) -> list[Hit]:
    """DATE hits over ``doc.norm``; sets ``doc.articles[i].year``."""
    text = doc.norm
    bounds = doc.token_bounds  # lazy: only the runs asked about are segmented
    matches = select(
        [
            m
            for m in scan(text)
            if not _in_title(text, m.start, m.end) and _on_word_bounds(doc, bounds, m)
        ]
    )
    anchors: list[tuple[int, int]] = []
    for m in matches:
        year = explicit_year(m.groups)
        if m.rule.anchor and year is not None and not _prospective(doc, bounds, m):
            if not _inverted(m):
                anchors.append((m.start, year))
    anchored = {pos for pos, _year in anchors}

    years = article_years(
        [_lead_year(doc, i, anchors) for i in range(len(doc.articles))], doc.issue_year
    )
    for art, year in zip(doc.articles, years, strict=True):
        art.year = year

    hits: list[Hit] = []
    last_month: dict[int, tuple[str | None, str]] = {}  # article -> (year, month) it named
    for m in matches:
        article = doc.article_index(m.start) if doc.articles else -1
        ref_year = years[article] if doc.articles else doc.issue_year
        groups = dict(m.groups)
        if "d" in groups and not {"m", "m2"} & groups.keys() and article in last_month:
            # A bare day (``19日``, ``18日至19日``) continues the month of the previous date.
            prev_year, groups["m"] = last_month[article]
            if prev_year is not None:
                groups["y"] = prev_year
        try:
            iso = resolve(groups, ref_year)
        except InvertedRange as exc:
            span = text[m.start : m.end]
            log.info("%s: no DATE for %r at %d (%s): %s", doc.path, span, m.start, m.rule.id, exc)
            continue
        if "m" in m.groups and "m2" not in m.groups and iso:
            last_month[article] = (iso[:4] if iso[:4].isdigit() else None, m.groups["m"])
        hits.append(
            Hit(
                start=m.start,
                end=m.end,
                type=TYPE,
                norm=iso,
                rule_id=m.rule.id,
                attrs={"year": explicit_year(m.groups), "anchor": m.start in anchored},
            )
        )
    return hits
