"""Quantity facts and role facts from the resolved mentions of a document (FACTS.md).

One quantity fact per QUANTITY mention. Its metric comes from the cue word nearest the
figure in its clause (``rules/metrics.yaml``), falling back to the sentence; place, year
and organization from the mentions around it, then from the article; modality from
target cues. The vocabularies are data in ``rules/metrics.yaml`` and ``rules/facts.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict

from .doc import Doc
from .rules import RuleEntry, load_entries
from .spans import Hit

NATIONAL = "100000"
_CLAUSE_SPLIT = "，。；！？：\n"


class MetricEntry(RuleEntry):
    """A metric of ``rules/metrics.yaml``."""

    label: str
    unit: str | None
    units: list[str]
    cues: list[str]


class FactCueEntry(RuleEntry):
    """A cue list of ``rules/facts.yaml``."""

    kind: Literal["target", "scope", "level", "qualifier", "breakdown", "base", "as_of"]
    words: list[str] = []
    patterns: list[str] = []
    scope: Literal["article", "nation"] | None = None


class QuantityFact(BaseModel):
    """A quantity fact in the FACTS.md machine-readable shape (raw offsets)."""

    model_config = ConfigDict(extra="forbid")

    metric: str
    subject: str | None = None
    value: float | int
    unit: str
    approx: str
    place: str | None
    org: str | None
    year: int | None
    modality: Literal["actual", "target"]
    qualifier: str | None = None
    quantity_span: tuple[int, int]
    evidence_span: tuple[int, int]
    rule_id: str = ""


class RoleFact(BaseModel):
    """A (person, role, org) triple."""

    model_config = ConfigDict(extra="forbid")

    person: str
    role: str
    org: str | None
    person_span: tuple[int, int] | None = None


@dataclass(frozen=True)
class FactRules:
    metrics: tuple[MetricEntry, ...]
    target_words: tuple[str, ...]
    target_patterns: tuple[regex.Pattern[str], ...]
    scope: dict[str, str]
    levels: tuple[str, ...]
    qualifiers: tuple[str, ...]
    breakdown: tuple[str, ...]
    base: tuple[str, ...]


@lru_cache(maxsize=1)
def fact_rules() -> FactRules:
    """The metric vocabulary and fact cues, loaded once per process."""
    _v, metrics = load_entries("metrics", MetricEntry)
    _v2, cues = load_entries("facts", FactCueEntry)
    by_kind: dict[str, list[FactCueEntry]] = {}
    for c in cues:
        by_kind.setdefault(c.kind, []).append(c)

    def words(kind: str) -> tuple[str, ...]:
        found = [w for c in by_kind.get(kind, []) for w in c.words]
        return tuple(sorted(set(found), key=len, reverse=True))

    scope = {w: c.scope or "article" for c in by_kind.get("scope", []) for w in c.words}
    patterns = tuple(regex.compile(p) for c in by_kind.get("target", []) for p in c.patterns)
    return FactRules(
        metrics=tuple(metrics),
        target_words=words("target"),
        target_patterns=patterns,
        scope=scope,
        levels=words("level"),
        qualifiers=words("qualifier"),
        breakdown=words("breakdown"),
        base=words("base"),
    )


def _clause(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end) inside [lo, hi)."""
    s = start
    while s > lo and text[s - 1] not in _CLAUSE_SPLIT:
        s -= 1
    e = end
    while e < hi and text[e] not in _CLAUSE_SPLIT:
        e += 1
    return s, e


def _best_metric(
    text: str, lo: int, hi: int, q: Hit, unit: str, rules: FactRules
) -> tuple[MetricEntry, str, int] | None:
    """The metric whose cue is nearest the figure in text[lo:hi] (a longer cue wins ties)."""
    best: tuple[int, int, MetricEntry, str] | None = None
    for metric in rules.metrics:
        if unit not in metric.units:
            continue
        for cue in metric.cues:
            pos = text.find(cue, lo, hi)
            while pos >= 0:
                cue_end = pos + len(cue)
                if cue_end <= q.start:
                    dist = q.start - cue_end
                elif pos >= q.end:
                    dist = pos - q.end + 1  # a cue after the figure is a little weaker
                else:
                    dist = 10_000  # overlaps the figure itself
                key = (dist, -len(cue))
                if best is None or key < best[:2]:
                    best = (dist, -len(cue), metric, cue)
                pos = text.find(cue, pos + 1, hi)
    if best is None or best[0] >= 10_000:
        return None
    return best[2], best[3], best[0]


def _year_of(iso: str, prefer_end: bool) -> int | None:
    parts = iso.split("/")
    chosen = parts[-1] if prefer_end else parts[0]
    m = regex.match(r"(\d{4})", chosen)
    return int(m.group(1)) if m else None


def _nearest_before(hits: list[Hit], pos: int, lo: int) -> Hit | None:
    best = None
    for h in hits:
        if lo <= h.start and h.end <= pos and (best is None or h.start > best.start):
            best = h
    return best


def build_quantity_facts(doc: Doc, kept: list[Hit]) -> list[QuantityFact]:
    """One fact per QUANTITY mention, in reading order."""
    rules = fact_rules()
    text = doc.norm
    by_type: dict[str, list[Hit]] = {}
    for h in kept:
        by_type.setdefault(h.type, []).append(h)
    facts: list[QuantityFact] = []
    previous: list[tuple[Hit, MetricEntry | None, int]] = []  # (hit, metric, sentence start)
    for q in by_type.get("QUANTITY", []):
        norm = q.norm if isinstance(q.norm, dict) else {}
        unit = str(norm.get("unit", ""))
        sent = doc.sentence_at(q.start)
        lo, hi = (sent.start, sent.end) if sent else (0, len(text))
        cs, ce = _clause(text, lo, hi, q.start, q.end)
        art = doc.articles[doc.article_index(q.start)] if doc.articles else None
        clause = text[cs:ce]
        level = next((w for w in rules.levels if w in clause), None)
        breakdown_at = max((text.rfind(w, lo, q.start) for w in rules.breakdown), default=-1)

        metric: MetricEntry | None = None
        cue = None
        inherited = False
        if level and breakdown_at >= 0:
            # A breakdown "其中，助理社会工作者4792人" counts the same thing as its total.
            for hit, m, s_start in reversed(previous):
                if s_start == lo and m is not None and hit.start < breakdown_at and unit in m.units:
                    metric, inherited = m, True
                    break
        if metric is None:
            found = _best_metric(text, cs, ce, q, unit, rules) or _best_metric(
                text, lo, hi, q, unit, rules
            )
            if found:
                metric, cue, _dist = found
        previous.append((q, metric, lo))

        # Place: in the clause, then a scope word, then earlier in the sentence, then article.
        places = by_type.get("PLACE", [])
        place_hit = _nearest_before(places, q.start, cs)
        place: str | None = None
        scope_word = next((w for w in rules.scope if w in text[cs : q.start]), None)
        if place_hit is not None:
            place = str(place_hit.norm.get("adcode")) if isinstance(place_hit.norm, dict) else None
        elif scope_word:
            place = NATIONAL if rules.scope[scope_word] == "nation" else (art.place if art else None)
        else:
            sent_place = _nearest_before(places, q.start, lo)
            if sent_place is not None and isinstance(sent_place.norm, dict):
                place = str(sent_place.norm.get("adcode"))
            elif art is not None:
                place = art.place

        # Modality: target cues before the figure in its sentence.
        before = text[lo : q.start]
        is_target = any(w in text[cs : q.start] for w in rules.target_words) or any(
            p.search(before) for p in rules.target_patterns
        )
        # Year: a date in the clause (not a comparison base), else in the sentence before
        # the figure, else the article's year.
        year = None
        dates = [d for d in by_type.get("DATE", []) if lo <= d.start and d.end <= hi]
        for d in sorted(dates, key=lambda d: abs(d.start - q.start)):
            if d.start > q.start and not (cs <= d.start < ce):
                continue
            pre = text[max(lo, d.start - 2) : d.start]
            if any(pre.endswith(b) for b in rules.base):
                continue
            year = _year_of(str(d.norm), prefer_end=True)
            if year is not None:
                break
        if year is None and art is not None:
            year = art.year
        if year is None:
            year = doc.issue_year

        orgs = by_type.get("ORG", [])
        org_hit = _nearest_before(orgs, q.start, cs)
        org = str(org_hit.norm) if org_hit is not None else None

        qualifier = level
        if qualifier is None:
            qualifier = next((w for w in rules.qualifiers if w in clause), None)
        subject = None
        if metric is None:
            subject = (text[cs : q.start] + text[q.end : ce]).strip("，、 ") or None
        rs, re_ = doc.raw_span(q.start, q.end)
        es, ee = doc.raw_span(cs, ce)
        facts.append(
            QuantityFact(
                metric=metric.id if metric else "other",
                subject=subject,
                value=norm.get("value", 0),
                unit=unit,
                approx=str(norm.get("approx", "exact")),
                place=place,
                org=org,
                year=year,
                modality="target" if is_target else "actual",
                qualifier=qualifier,
                quantity_span=(rs, re_),
                evidence_span=(es, ee),
                rule_id=("facts.inherit" if inherited else f"metric:{cue}") if metric else "facts.other",
            )
        )
    return facts


def build_role_facts(doc: Doc, kept: list[Hit]) -> list[RoleFact]:
    """Role triples: a person's titles (``attrs["roles"]``) linked to an organization.

    A title's organization is the ORG mention right before it (``民政厅二级巡视员``);
    a later title of a chain inherits it (``总局党委书记、副局长赵平``); a chain with none
    takes the organization of the previous person when only ``、``/``，`` separate them,
    else the one the same title had earlier in the article. A role with no organization
    is not a role fact.
    """
    text = doc.norm
    org_at_end = {h.end: h for h in kept if h.type == "ORG"}
    out: list[RoleFact] = []
    seen: set[tuple[str, str, str]] = set()
    title_org: dict[tuple[int, str], str] = {}
    prev: tuple[int, int, str | None] | None = None  # (person end, sentence start, org)
    for h in kept:
        if h.type != "PERSON" or h.attrs.get("via") not in ("title", "list"):
            continue
        chain = [c for c in h.attrs.get("roles") or [] if isinstance(c, dict)]
        sent = doc.sentence_at(h.start)
        sent_start = sent.start if sent else -1
        article = doc.article_index(h.start)
        current: str | None = None
        if chain and h.attrs.get("via") == "title":
            first = int(chain[0]["span"][0])  # type: ignore[index]
            gap = text[prev[0] : first] if prev else ""
            if prev and prev[1] == sent_start and gap in ("、", "，", ",", "；"):
                current = prev[2]
        links: list[tuple[str, str | None]] = []
        for link in chain if h.attrs.get("via") == "title" else []:
            s, _e = link["span"]  # type: ignore[misc]
            role = str(link["role"])
            org_hit = org_at_end.get(int(s))
            if org_hit is not None:
                current = str(org_hit.norm)
            org = current or title_org.get((article, role))
            links.append((role, org))
        for role, org in links:
            if org is None:
                continue
            title_org[(article, role)] = org
            key = (str(h.norm), role, org)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                RoleFact(person=key[0], role=role, org=org, person_span=doc.raw_span(h.start, h.end))
            )
        prev = (h.end, sent_start, links[-1][1] if links else current)
    return out


def fact_dict(fact: QuantityFact) -> dict[str, Any]:
    """The FACTS.md shape of a quantity fact."""
    data = fact.model_dump(exclude={"rule_id"})
    if data["subject"] is None:
        data.pop("subject")
    data["quantity_span"] = list(fact.quantity_span)
    data["evidence_span"] = list(fact.evidence_span)
    return data
