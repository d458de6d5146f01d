"""What a field resolver sees of a figure: its clause, list item, sentence, paragraph and
article, and per-document indexes of the mentions around it (built once per document).

Nothing here crosses an article boundary: every lookup of places, dates and
organizations is bounded by the figure's own article.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..doc import Article, Doc
from ..spans import Hit
from ..tables import Cell
from .vocab import FactRules, MetricEntry

NATIONAL = "100000"
CLAUSE_STOPS = "，。；！？：\n"
_MASK = "\u25a1"  # □: same length, so offsets stay valid
# Mentions whose words are names, not cues (计划 in 童伴计划, 将 in a title).
_NAMED = frozenset({"INITIATIVE", "DOCUMENT", "ORG"})


def segment(text: str, lo: int, hi: int, start: int, end: int, stops: str) -> tuple[int, int]:
    """The run around ``[start, end)`` inside ``[lo, hi)`` bounded by any of ``stops``."""
    s = start
    while s > lo and text[s - 1] not in stops:
        s -= 1
    e = end
    while e < hi and text[e] not in stops:
        e += 1
    return s, e


class ByStart:
    """Hits of one type sorted by start (stably), for lookups by position."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = sorted(hits, key=lambda h: h.start)
        self.starts = [h.start for h in self.hits]

    def nearest_before(self, pos: int, lo: int) -> Hit | None:
        """The hit inside [lo, pos) that starts last; of a tie, the first in list order."""
        best = None
        i = bisect_right(self.starts, pos) - 1
        while i >= 0 and self.starts[i] >= lo:
            if best is not None and self.starts[i] < best.start:
                break
            if self.hits[i].end <= pos:
                best = self.hits[i]  # lower indices of the same start come first
            i -= 1
        return best

    def within(self, lo: int, hi: int) -> list[Hit]:
        """Hits starting inside [lo, hi), in order."""
        return self.hits[bisect_left(self.starts, lo) : bisect_left(self.starts, hi)]

    def covering(self, pos: int, reach: int = 80) -> list[Hit]:
        """Hits with start <= pos < end (spans longer than ``reach`` are not looked for)."""
        return [h for h in self.within(pos - reach, pos + 1) if h.end > pos]

    def index_of(self, hit: Hit) -> int:
        """The position of ``hit`` (the first equal one, as list.index finds it)."""
        i = bisect_left(self.starts, hit.start)
        while self.hits[i] != hit:
            i += 1
        return i


@dataclass
class Figure:
    """One QUANTITY hit and the spans around it, in normalized offsets."""

    hit: Hit
    unit: str
    norm: dict[str, Any]
    sentence: tuple[int, int]
    clause: tuple[int, int]
    item: tuple[int, int]  # the list item (between 、) inside the clause
    paragraph: tuple[int, int]
    article_index: int
    article: Article | None
    resolved: dict[str, Any] = field(default_factory=dict)  # fields decided so far
    memo: dict[str, Any] = field(default_factory=dict)  # per-figure results steps share

    @property
    def start(self) -> int:
        return self.hit.start

    @property
    def end(self) -> int:
        return self.hit.end


class DocContext:
    """Per-document indexes and the running state the resolvers share."""

    def __init__(self, doc: Doc, kept: list[Hit], rules: FactRules) -> None:
        self.doc = doc
        self.text = doc.norm
        self.kept = kept
        self.rules = rules
        by_type: dict[str, list[Hit]] = {}
        for h in kept:
            by_type.setdefault(h.type, []).append(h)
        self.by_type = by_type
        # A dateline's place is where the report was filed, never a frame for figures.
        filed = [a.dateline_span for a in doc.articles if a.dateline_span]
        self.places = [
            h for h in by_type.get("PLACE", []) if not any(s <= h.start < e for s, e in filed)
        ]
        self.place_index = ByStart(self.places)
        self.org_index = ByStart(by_type.get("ORG", []))
        self.date_index = ByStart(by_type.get("DATE", []))
        self.quantity_index = ByStart(by_type.get("QUANTITY", []))
        self.doc_index = ByStart(by_type.get("DOCUMENT", []))
        self.named_index = ByStart(  # names and figures: words no cue or noun test reads
            [h for h in kept if h.type in ("PLACE", "ORG", "PERSON", "DATE", "QUANTITY")]
        )
        self.stage_places = ByStart(doc.hits_of("PLACE"))  # names inside ORG names too
        self.cells = {(c.start, c.end): c for c in doc.table_cells}
        self.previous: list[tuple[Figure, MetricEntry | None]] = []  # figures so far
        self.resolved: list[Figure] = []  # figures resolved so far, in resolution order
        # the same, by article: a headline looks for its twin in its own article only
        self.resolved_in: dict[int | None, list[Figure]] = {}
        self.last_actual_year: dict[int, int] = {}  # article -> year of its last result
        self.cache: dict[Any, Any] = {}

    def cell_of(self, fig: Figure) -> Cell | None:
        """The table cell the figure stands in, if it stands in one."""
        return self.cells.get((fig.start, fig.end))

    def list_intro(self, fig: Figure, reach: int = 400) -> tuple[int, int] | None:
        """The text that introduces the list or table the figure stands in (``…如下：``,
        ``其中：`` with the sentence before it): (start, colon); None outside a list."""
        text = self.text
        start, _end = self.article_bounds(fig)
        lo = max(start, fig.start - reach)
        colon = text.rfind("：", lo, fig.clause[0] + 1)
        if colon < 0 or "。" in text[colon : fig.start]:
            return None
        sent = self.doc.sentence_at(colon)
        intro_lo = sent.start if sent is not None else max(lo, text.rfind("\n", lo, colon) + 1)
        if text[intro_lo:colon].strip("，。 \n") in self.rules.words("breakdown"):
            # 其中： alone: the total stands in the sentence before
            before = self.doc.sentence_at(intro_lo - 1) if intro_lo > 0 else None
            intro_lo = before.start if before is not None else intro_lo
        return intro_lo, colon

    def body_twin(self, fig: Figure) -> Figure | None:
        """For a figure in its article's headline, the same figure in the body, resolved
        already (same unit; the same value, or one the headline's approximation covers)."""
        art = fig.article
        if art is None or art.headline_span is None:
            return None
        hs, he = art.headline_span
        if not hs <= fig.start < he:
            return None
        for other in self.resolved_in.get(fig.article_index, ()):
            if (
                other is not fig
                and not hs <= other.start < he
                and other.unit == fig.unit
                and same_figure(fig.norm, other.norm)
            ):
                return other
        return None

    def add_resolved(self, fig: Figure) -> None:
        """Record a figure whose fields are all decided."""
        self.resolved.append(fig)
        self.resolved_in.setdefault(fig.article_index, []).append(fig)

    def article_bounds(self, fig: Figure) -> tuple[int, int]:
        """The figure's article, headline included, in normalized offsets."""
        art = fig.article
        if art is None:
            return 0, len(self.text)
        start = art.start
        if art.headline_span is not None:
            start = min(start, art.headline_span[0])
        return start, max(art.end, fig.end)

    @cached_property
    def plain(self) -> str:
        """The text with named mentions and ``not_target`` phrases blanked out."""
        chars = list(self.text)
        for h in self.kept:
            if h.type in _NAMED:
                chars[h.start : h.end] = _MASK * (h.end - h.start)
        out = "".join(chars)
        for pattern in self.rules.patterns("not_target"):
            out = pattern.sub(lambda m: _MASK * len(m.group()), out)
        return out

    def figure(self, q: Hit) -> Figure:
        """The :class:`Figure` of QUANTITY hit ``q``."""
        doc = self.doc
        norm = q.norm if isinstance(q.norm, dict) else {}
        sent = doc.sentence_at(q.start)
        para = self._paragraph(q.start)
        # A figure outside every sentence (a headline's) reads its own paragraph, never
        # the whole document: that made each such figure cost the length of the text.
        if sent is not None:
            lo, hi = sent.start, sent.end
        else:
            lo, hi = (min(para[0], q.start), max(para[1], q.end))
        cs, ce = segment(self.text, lo, hi, q.start, q.end, CLAUSE_STOPS)
        item = segment(self.text, cs, ce, q.start, q.end, "、")
        art_index = doc.article_index(q.start) if doc.articles else 0
        art = doc.articles[art_index] if doc.articles else None
        return Figure(
            hit=q,
            unit=str(norm.get("unit", "")),
            norm=norm,
            sentence=(lo, hi),
            clause=(cs, ce),
            item=item,
            paragraph=para,
            article_index=art_index,
            article=art,
        )

    def _paragraph(self, pos: int) -> tuple[int, int]:
        paras = self.doc.paragraphs
        starts = self.cache.get("para_starts")
        if starts is None:
            starts = self.cache["para_starts"] = [p[0] for p in paras]
        i = bisect_right(starts, pos) - 1
        if i >= 0 and paras[i][0] <= pos <= paras[i][1]:
            return paras[i]
        return (pos, pos)


def same_figure(headline: dict[str, Any], body: dict[str, Any]) -> bool:
    """Whether a headline figure reports the body's figure, perhaps rounded the way its
    approximation says (``突破89万个`` for ``89.2万个``, ``近2万人`` for ``19858人``)."""
    try:
        h, b = float(headline.get("value", 0)), float(body.get("value", 0))
    except (TypeError, ValueError):
        return False
    if h == b:
        return True
    close = abs(h - b) <= 0.1 * max(abs(h), abs(b))
    approx = headline.get("approx")
    return close and (
        (approx == "over" and b >= h) or (approx == "under" and b <= h) or approx == "about"
    )


Step = Callable[[Figure, DocContext], Any]


class _DecidedNull:
    """A step's answer that the field is null (no later step may give it a value)."""

    def __repr__(self) -> str:
        return "NULL"


NULL: Any = _DecidedNull()


def run_steps(
    field_name: str, registry: dict[str, Step], fig: Figure, ctx: DocContext
) -> tuple[Any, str | None]:
    """Try the field's steps in the precedence ``rules/facts.yaml`` gives; the first
    that returns a value decides. Returns (value, step name) or (None, None)."""
    for name in ctx.rules.precedence[field_name]:
        value = registry[name](fig, ctx)
        if value is NULL:
            return None, name
        if value is not None:
            return value, name
    return None, None
