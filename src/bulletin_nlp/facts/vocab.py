"""The vocabularies of the fact stage, loaded once: the metrics (``rules/metrics.yaml``)
and the cue words, patterns and field precedences (``rules/facts.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, model_validator

from ..rules import RuleEntry, load_entries

FIELDS = ("metric", "place", "year", "modality", "org", "qualifier")


class FieldCase(BaseModel):
    """An example that is a test: in ``text``, the fact of ``figure`` (its compact text;
    ``nth`` occurrence) has the fields given (``place`` as a name or adcode)."""

    model_config = ConfigDict(extra="forbid")

    text: str
    figure: str
    nth: int = 0
    metric: str | None = None
    place: str | None = None
    year: int | None = None
    modality: str | None = None
    org: str | None = None
    qualifier: str | None = None
    value: float | None = None
    expect_null: list[str] = []  # fields that must come out null

    def expected(self) -> dict[str, Any]:
        """The fields this case checks, with their values."""
        out: dict[str, Any] = {f: getattr(self, f) for f in FIELDS if getattr(self, f) is not None}
        if self.value is not None:
            out["value"] = self.value
        out.update({f: None for f in self.expect_null})
        return out


class MetricEntry(RuleEntry):
    """A metric of ``rules/metrics.yaml``."""

    label: str
    unit: str | None
    units: list[str]
    cues: list[str]
    patterns: list[str] = []  # regular-expression cues, read in the figure's clause
    verbs: list[str] = []  # verbs that, nearest before the figure in its clause, decide
    cases: list[FieldCase] = []

    @model_validator(mode="after")
    def _patterns_compile(self) -> MetricEntry:
        for p in self.patterns:
            try:
                regex.compile(p)
            except regex.error as exc:
                raise ValueError(f"pattern {p!r} does not compile: {exc}") from exc
        return self


class FactCueEntry(RuleEntry):
    """A cue list or a field's precedence in ``rules/facts.yaml``."""

    kind: Literal[
        "target",
        "not_target",
        "scope",
        "level",
        "qualifier",
        "breakdown",
        "base",
        "as_of",
        "period",
        "frame",
        "base_open",
        "base_close",
        "now",
        "since",
        "report",
        "distribute",
        "decline",
        "rate",
        "incidental",
        "band",
        "target_frame",
        "result",
        "reporter_before",
        "reporter_after",
        "sub_kind",
        "category",
        "national_org",
        "generic_head",
        "precedence",
    ]
    description: str = ""
    words: list[str] = []
    patterns: list[str] = []
    scope: Literal["article", "nation", "province", "city", "county"] | None = None
    field: Literal["metric", "place", "year", "modality", "org", "qualifier"] | None = None
    metric: str | None = None  # the metric a sub_kind entry's words are sub-kinds of
    steps: list[str] = []
    cases: list[FieldCase] = []

    @model_validator(mode="after")
    def _precedence_has_field_and_steps(self) -> FactCueEntry:
        if self.kind == "precedence" and (self.field is None or not self.steps):
            raise ValueError("a precedence entry needs a field and its steps")
        for p in self.patterns:
            try:
                regex.compile(p)
            except regex.error as exc:
                raise ValueError(f"pattern {p!r} does not compile: {exc}") from exc
        return self


@dataclass(frozen=True)
class CueIndex:
    """The cues of the metrics that take one unit.

    ``pattern`` matches any of them, longest first; ``entries`` gives each cue's
    (rank, metric) pairs, rank being its place in vocabulary order (metric, then cue).
    """

    pattern: regex.Pattern[str]
    entries: dict[str, tuple[tuple[int, MetricEntry], ...]]


@dataclass(frozen=True, eq=False)  # hashed by identity: one instance per process
class FactRules:
    """Every vocabulary the resolvers read, by kind."""

    metrics: tuple[MetricEntry, ...]
    cues: dict[str, tuple[FactCueEntry, ...]]  # by kind
    precedence: dict[str, tuple[str, ...]]  # field -> step names, first wins
    cue_index: dict[str, CueIndex]  # by unit

    def words(self, kind: str) -> tuple[str, ...]:
        """The words of every entry of ``kind``, longest first."""
        return _words(self, kind)

    def patterns(self, kind: str) -> tuple[regex.Pattern[str], ...]:
        """The compiled patterns of every entry of ``kind``."""
        return _patterns(self, kind)

    def metric_patterns(self, metric_id: str) -> tuple[regex.Pattern[str], ...]:
        """The compiled pattern cues of one metric."""
        return _metric_patterns(self, metric_id)

    def all_cues(self) -> tuple[str, ...]:
        """Every metric cue, of any unit."""
        return _all_cues(self)

    def sub_kinds(self) -> dict[str, tuple[str, ...]]:
        """Sub-kinds by metric (社会团体 of ``social_organizations``), longest first."""
        return _sub_kinds(self)

    def scope(self) -> dict[str, str]:
        """Scope words (全市, 全国, …) and what each scopes to."""
        return {w: c.scope or "article" for c in self.cues.get("scope", ()) for w in c.words}


@lru_cache(maxsize=64)
def _words(rules: FactRules, kind: str) -> tuple[str, ...]:
    found = {w for c in rules.cues.get(kind, ()) for w in c.words}
    return tuple(sorted(found, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=64)
def _patterns(rules: FactRules, kind: str) -> tuple[regex.Pattern[str], ...]:
    return tuple(regex.compile(p) for c in rules.cues.get(kind, ()) for p in c.patterns)


@lru_cache(maxsize=4)
def _all_cues(rules: FactRules) -> tuple[str, ...]:
    return tuple(sorted({c for m in rules.metrics for c in m.cues}, key=len, reverse=True))


@lru_cache(maxsize=4)
def _sub_kinds(rules: FactRules) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for c in rules.cues.get("sub_kind", ()):
        out.setdefault(c.metric or "", []).extend(c.words)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


@lru_cache(maxsize=64)
def _metric_patterns(rules: FactRules, metric_id: str) -> tuple[regex.Pattern[str], ...]:
    entry = next((m for m in rules.metrics if m.id == metric_id), None)
    return tuple(regex.compile(p) for p in entry.patterns) if entry else ()


@lru_cache(maxsize=1)
def fact_rules() -> FactRules:
    """The metric vocabulary and fact cues, loaded once per process."""
    _v, metrics = load_entries("metrics", MetricEntry)
    _v2, cues = load_entries("facts", FactCueEntry)
    by_kind: dict[str, list[FactCueEntry]] = {}
    for c in cues:
        by_kind.setdefault(c.kind, []).append(c)
    precedence: dict[str, tuple[str, ...]] = {
        c.field: tuple(c.steps) for c in by_kind.get("precedence", []) if c.field
    }
    cue_index: dict[str, CueIndex] = {}
    for unit in {u for m in metrics for u in m.units}:
        entries: dict[str, list[tuple[int, MetricEntry]]] = {}
        ranked = enumerate((cue, m) for m in metrics if unit in m.units for cue in m.cues)
        for rank, (cue, m) in ranked:
            entries.setdefault(cue, []).append((rank, m))
        longest_first = sorted(entries, key=len, reverse=True)
        cue_index[unit] = CueIndex(
            regex.compile("|".join(regex.escape(c) for c in longest_first)),
            {cue: tuple(pairs) for cue, pairs in entries.items()},
        )
    return FactRules(
        metrics=tuple(metrics),
        cues={k: tuple(v) for k, v in by_kind.items()},
        precedence=precedence,
        cue_index=cue_index,
    )
