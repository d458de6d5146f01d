"""The one document object every stage works on: raw text, normalized text, offset map.

Stages read ``doc.norm`` and add :class:`~bulletin_nlp.spans.Hit` objects in normalized
offsets; :meth:`Doc.raw_span` maps any normalized span back to the raw source, so that
``doc.raw[start:end]`` is always the source characters.
"""

from __future__ import annotations

import datetime
import hashlib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .errors import OffsetError
from .spans import Hit, Mention

if TYPE_CHECKING:
    from .dates import DateMatch
    from .segment import PosTokens, TokenBounds
    from .tables import Cell


@dataclass(slots=True)
class Article:
    """An article in normalized offsets; ``headline`` and ``source`` are normalized text."""

    start: int
    end: int
    headline: str = ""
    headline_span: tuple[int, int] | None = None
    source: str | None = None
    source_span: tuple[int, int] | None = None
    dateline_span: tuple[int, int] | None = None  # where the report was filed (新华社北京…电)
    meta_spans: list[tuple[int, int]] = field(default_factory=list)  # publication lines
    year: int | None = None  # set by the frames stage: the year of the article's own date
    date: datetime.date | None = None  # set by the frames stage: its dateline or publication day
    place: str | None = None  # set by the frames stage: adcode of the article's main place


@dataclass(slots=True)
class Sentence:
    """A sentence in normalized offsets, with the index of its article and paragraph."""

    start: int
    end: int
    article: int
    paragraph: int


@dataclass
class Doc:
    """A bulletin: raw text as decoded plus everything the stages add."""

    path: str
    raw: str
    norm: str = ""
    nmap: list[int] = field(default_factory=list)  # nmap[i] = raw offset of norm[i]
    encoding: str = "utf-8"
    issue_year: int | None = None  # from --issue-year or the masthead; last resort for years
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)  # FACTS.md quantity facts
    roles: list[dict[str, Any]] = field(default_factory=list)  # FACTS.md role facts
    table_cells: list[Cell] = field(default_factory=list)  # set by structure: tables' figures
    date_matches: list[DateMatch] = field(default_factory=list)  # set by frames: date shapes
    # set by the place stage: every gazetteer surface by start offset, longest first
    place_matches: dict[int, list[str]] = field(default_factory=dict)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw.encode("utf-8")).hexdigest()

    @property
    def name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span ``[start, end)`` to raw offsets."""
        if not 0 <= start < end <= len(self.norm):
            raise OffsetError(f"{self.path}: span [{start}, {end}) outside normalized text")
        return self.nmap[start], self.nmap[end - 1] + 1

    def raw_text(self, start: int, end: int) -> str:
        """The raw source characters behind a normalized span."""
        rs, re_ = self.raw_span(start, end)
        return self.raw[rs:re_]

    def norm_offset(self, raw_offset: int) -> int:
        """The first normalized index whose raw offset is at or after ``raw_offset``."""
        return bisect_right(self.nmap, raw_offset - 1)

    def article_index(self, pos: int) -> int:
        """Index of the article holding normalized offset ``pos``.

        Uses the sentence's article (a stranded headline belongs to its article even
        when it is printed elsewhere), else the last article starting before ``pos``.
        """
        sent = self.sentence_at(pos)
        if sent is not None:
            return sent.article
        # The last index i with articles[i].start <= pos (articles need not be sorted):
        # a bisect over the sorted starts, each carrying the highest index up to it.
        arts = self.articles
        key = (id(arts), len(arts), arts[0].start if arts else -1, arts[-1].start if arts else -1)
        cached = self.__dict__.get("_article_starts")
        if cached is None or cached[0] != key:
            pairs = sorted((a.start, i) for i, a in enumerate(arts))
            highest, best_so_far = [], 0
            for _start, i in pairs:
                best_so_far = max(best_so_far, i)
                highest.append(best_so_far)
            cached = (key, [s for s, _i in pairs], highest)
            self.__dict__["_article_starts"] = cached
        k = bisect_right(cached[1], pos) - 1
        return cached[2][k] if k >= 0 else 0

    def sentences_within(self, start: int, end: int) -> list[Sentence]:
        """The sentences starting in [start, end), in order (a bisect, not a scan: an
        article-by-article pass over a long document stays linear)."""
        self.sentence_at(start)  # builds (or checks) the cached start list
        starts = self.__dict__["_sentence_starts"][1]
        return self.sentences[bisect_left(starts, start) : bisect_left(starts, end)]

    def sentence_at(self, pos: int) -> Sentence | None:
        """The sentence holding normalized offset ``pos``, if any."""
        # The start list is kept between calls (rebuilt when the sentences change): built
        # per call it made a one-line document of n sentences cost n² (issue 9).
        sents = self.sentences
        cached = self.__dict__.get("_sentence_starts")
        if (
            cached is None
            or cached[0] is not sents
            or len(cached[1]) != len(sents)
            or (sents and cached[1][-1] != sents[-1].start)
        ):
            cached = (sents, [s.start for s in sents])
            self.__dict__["_sentence_starts"] = cached
        i = bisect_right(cached[1], pos) - 1
        if i >= 0:
            sent = sents[i]
            if sent.start <= pos < sent.end:
                return sent
        return None

    @cached_property
    def token_bounds(self) -> TokenBounds:
        """Normalized offsets where a jieba token starts or ends (for boundary checks).

        A lazy set: only the runs of text that a check asks about are segmented (the
        whole-document segmentation used to be a third of the pipeline's time).
        """
        from .segment import TokenBounds

        return TokenBounds(self.norm)

    @cached_property
    def pos_tokens(self) -> PosTokens:
        """jieba.posseg tokens of the normalized text, tagged lazily around the offsets
        asked about; shares the dictionary paths of :attr:`token_bounds`."""
        from .segment import PosTokens

        return PosTokens(self.norm, self.token_bounds.routes)

    def hits_of(self, *types: str) -> list[Hit]:
        """Hits added so far by earlier stages, of the given types."""
        return [h for h in self.hits if h.type in types]
