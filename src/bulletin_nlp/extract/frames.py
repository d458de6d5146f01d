"""The frames stage: the time and place each article speaks from, read from the article
itself and nothing else.

* ``Article.year``: the year of the article's own date: its publication line
  (``发布时间：2019-05-24``, ``2021-04-07 09:58 黑龙江日报``) if it prints one, else the
  first year its headline or lead fixes (``2023年3月22日，…``; not a deadline, not
  ``2021年以来``). A year its body names in passing is no date (a history). An article
  with no date of its own is dated by its issue: ``--issue-year`` or the masthead, else
  the year the page's dated articles share (a newsletter page's articles come from one
  issue: ``4月24日，…`` in a 2022 issue is 2022-04-24). An article's own date always wins
  over its neighbours'.
* ``Article.place``: the first place of its headline unless another is named at least
  twice as often, else its most frequent place;
  places of a dateline (新华社北京…电) and of publication lines are where the report was
  filed or printed, not what it is about; an article that names no place but speaks of
  itself at a region's level (全省) takes the region of the outlet it names
  (来源：大众日报 → 山东省, ``outlet`` entries of ``rules/place.yaml``).
"""

from __future__ import annotations

import datetime
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..date_spans import anchor_year, date_matches
from ..dates import cn_int, explicit_year
from ..doc import Article, Doc
from ..gazetteer import gazetteer, place_rules
from ..spans import Hit

REQUIRES = ("articles", "sentences", "hits:PLACE")
ASSIGNS = ("date_matches", "article.year", "article.date", "article.place")
RULES = ("date", "structure")
LEAD_SENTENCES = 2  # the dated lead: headline plus the first sentences of the body
LEAD_CHARS = 150  # lead length when the structure stage found no sentences


def lead_spans(doc: Doc, index: int) -> list[tuple[int, int]]:
    """The headline and the first sentences of article ``index`` (normalized offsets)."""
    art = doc.articles[index]
    spans = [art.headline_span] if art.headline_span else []
    body = [
        s
        for s in doc.sentences_within(art.start, art.end)
        if s.article == index
        and not (art.headline_span and art.headline_span[0] <= s.start < art.headline_span[1])
        and not any(m[0] <= s.start < m[1] for m in art.meta_spans)
    ]
    if body:
        spans += [(s.start, s.end) for s in body[:LEAD_SENTENCES]]
    elif not doc.sentences:
        spans.append((art.start, min(art.end, art.start + LEAD_CHARS)))
    return spans


class _Within:
    """Items with a ``start`` that start in a range: a bisect over their sorted starts,
    computed once, so that an article-by-article pass stays linear in a long document."""

    def __init__(self, items: Sequence[Any]) -> None:
        self.items = sorted(items, key=lambda x: x.start)  # stable: ties keep their order
        self.starts = [x.start for x in self.items]

    def __call__(self, start: int, end: int) -> list[Any]:
        return self.items[bisect_left(self.starts, start) : bisect_left(self.starts, end)]


def _own_year(doc: Doc, index: int, within: _Within) -> int | None:
    art = doc.articles[index]
    for s, e in art.meta_spans:  # the publication line dates the article
        for m in within(s, e):
            if (year := anchor_year(doc, m)) is not None:
                return year
    for s, e in lead_spans(doc, index):
        for m in within(s, e):
            if (year := anchor_year(doc, m)) is not None:
                return year
    return None


def _outside(hit: Hit, art: Article) -> bool:
    spans = [art.dateline_span] if art.dateline_span else []
    return any(s <= hit.start < e for s, e in [*spans, *art.meta_spans])


def _self_level(text: str) -> str | None:
    """The level an article names itself by (我县 → county), the lowest one it uses."""
    found = [
        rule.levels[0]
        for rule in place_rules()[1]
        if rule.kind == "self_scope" and any(w in text for w in rule.surfaces)
    ]
    for level in ("county", "city", "province"):
        if level in found:
            return level
    return None


def _level(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    return "city" if code[4:] == "00" else "county"


def main_place(doc: Doc, index: int, within: _Within) -> str | None:
    """The article's place: the first place of its headline, unless the article names
    another at least twice as often, else its most frequent; a
    place of its publication line (来源：镇海区人民政府) only when the text names none."""
    art = doc.articles[index]
    head = art.headline_span or (art.start, art.start)
    # The article's places and its headline's (a headline may stand before the article).
    candidates = within(art.start, art.end)
    if not (art.start <= head[0] and head[1] <= art.end):
        candidates = sorted(
            {id(h): h for h in [*within(*head), *candidates]}.values(), key=lambda h: h.start
        )
    placed = [
        h
        for h in candidates
        if isinstance(h.norm, dict)
        and not (art.dateline_span and art.dateline_span[0] <= h.start < art.dateline_span[1])
    ]
    own = [h for h in placed if not _outside(h, art)] or placed
    counts = Counter(str(h.norm["adcode"]) for h in own)
    level = _self_level(doc.norm[art.start : art.end])
    if not counts:
        return _outlet_place(doc, art, level)
    if level is not None:
        # The article names itself by level (我县): its place is the one of that level
        # it names most, when it names one (a visitor's city comes first in its lead).
        at_level = Counter({c: n for c, n in counts.items() if _level(c) == level})
        if at_level:
            best = max(at_level.values())
            return next(
                str(h.norm["adcode"]) for h in own if at_level[str(h.norm["adcode"])] == best
            )
    in_head = [str(h.norm["adcode"]) for h in own if head[0] <= h.start and h.end <= head[1]]
    top = max(counts.values())
    # The headline's first place, unless the article names another place more often.
    if in_head and counts[in_head[0]] * 2 > top:
        return in_head[0]
    return next(str(h.norm["adcode"]) for h in own if counts[str(h.norm["adcode"])] == top)


_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})  # 北京, 天津, 上海, 重庆


def _outlet_place(doc: Doc, art: Article, level: str | None) -> str | None:
    """The region of the outlet an article names (来源：大众日报), when the article names
    no place but speaks of itself at that region's level (全省)."""
    spans = [(art.start, art.end), *art.meta_spans]
    for s, e in spans:
        place = gazetteer().outlet_place(doc.norm[s:e])
        if place is not None:
            # A municipality (上海市) speaks of itself as a city (全市) too.
            levels = {_level(place.adcode)} | (
                {"city"} if place.adcode[:2] in _MUNICIPALITIES else set()
            )
            return place.adcode if level in levels else None
    return None


def issue_year(doc: Doc, own: list[int | None]) -> int | None:
    """The year of the issue a page belongs to: given (``--issue-year``, masthead), else
    the commonest own year of its articles (ties: the latest)."""
    if doc.issue_year is not None:
        return doc.issue_year
    counts = Counter(y for y in own if y is not None)
    return max(counts, key=lambda y: (counts[y], y)) if counts else None


def own_date(doc: Doc, index: int, within: _Within) -> datetime.date | None:
    """The day the article reports from: its dateline's (…3月10日电, 本报…讯 with a
    date), else its publication line's (2021-04-07 09:58). 昨天 and 今天 count from it."""
    art = doc.articles[index]
    spans = [s for s in lead_spans(doc, index)[-LEAD_SENTENCES:]][:1]
    candidates = [*spans, *art.meta_spans]
    for s, e in candidates:
        for m in within(s, e):
            groups = m.groups
            if "m" in groups and "d" in groups and not {"m2", "d2"} & groups.keys():
                year = explicit_year(groups) or art.year
                try:
                    if year is not None:
                        return datetime.date(
                            year, int(cn_int(groups["m"]) or 0), int(cn_int(groups["d"]) or 0)
                        )
                except ValueError:
                    continue
    return None


def extract(doc: Doc) -> list[Hit]:
    """Assign each article's year, date and place; adds no hits."""
    doc.date_matches = date_matches(doc)  # the date shapes, read here and by the DATE stage
    dates, places = _Within(doc.date_matches), _Within(doc.hits_of("PLACE"))
    own = [_own_year(doc, i, dates) for i in range(len(doc.articles))]
    fallback = issue_year(doc, own)
    for i, art in enumerate(doc.articles):
        art.year = own[i] if own[i] is not None else fallback
        art.date = own_date(doc, i, dates)
        art.place = main_place(doc, i, places)
    return []
