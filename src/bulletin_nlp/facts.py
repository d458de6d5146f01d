"""Quantity facts and role facts from the resolved mentions of a document (FACTS.md).

One quantity fact per QUANTITY mention. Its metric comes from the cue word nearest the
figure in its clause (``rules/metrics.yaml``), falling back to the sentence; place, year
and organization from the mentions around it, then from the article; modality from
target cues. The vocabularies are data in ``rules/metrics.yaml`` and ``rules/facts.yaml``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict

from .doc import Article, Doc
from .rules import RuleEntry, load_entries
from .spans import Hit

NATIONAL = "100000"
_CLAUSE_SPLIT = "，。；！？：\n"
_YEAR = regex.compile(r"(\d{4})")


class MetricEntry(RuleEntry):
    """A metric of ``rules/metrics.yaml``."""

    label: str
    unit: str | None
    units: list[str]
    cues: list[str]


class FactCueEntry(RuleEntry):
    """A cue list of ``rules/facts.yaml``."""

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
    ]
    description: str = ""
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
class CueIndex:
    """The cues of the metrics that take one unit.

    ``pattern`` matches any of them, longest first; ``entries`` gives each cue's
    (rank, metric) pairs, rank being its place in vocabulary order (metric, then cue).
    """

    pattern: regex.Pattern[str]
    entries: dict[str, tuple[tuple[int, MetricEntry], ...]]


@dataclass(frozen=True)
class FactRules:
    metrics: tuple[MetricEntry, ...]
    target_words: tuple[str, ...]
    target_patterns: tuple[regex.Pattern[str], ...]
    not_target: tuple[regex.Pattern[str], ...]
    scope: dict[str, str]
    levels: tuple[str, ...]
    qualifiers: tuple[str, ...]
    breakdown: tuple[str, ...]
    base: tuple[str, ...]
    as_of: tuple[str, ...]
    period: tuple[str, ...]
    frame: tuple[str, ...]
    cue_index: dict[str, CueIndex]  # by unit


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

    scope: dict[str, str] = {
        w: c.scope or "article" for c in by_kind.get("scope", []) for w in c.words
    }
    patterns = tuple(regex.compile(p) for c in by_kind.get("target", []) for p in c.patterns)
    not_target = tuple(
        regex.compile(p) for c in by_kind.get("not_target", []) for p in c.patterns
    )
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
        target_words=words("target"),
        target_patterns=patterns,
        not_target=not_target,
        scope=scope,
        levels=words("level"),
        qualifiers=words("qualifier"),
        breakdown=words("breakdown"),
        base=words("base"),
        as_of=words("as_of"),
        period=words("period"),
        frame=words("frame"),
        cue_index=cue_index,
    )


def _clause(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end) inside [lo, hi)."""
    return _segment(text, lo, hi, start, end, _CLAUSE_SPLIT)


def _cue_hits(
    text: str, lo: int, hi: int, unit: str, rules: FactRules, min_len: int = 1
) -> list[tuple[int, int, MetricEntry]]:
    """Cue occurrences in text[lo:hi] of metrics that take ``unit``; a cue inside a
    longer cue occurrence (``服务`` in ``社会工作服务站``) does not count."""
    index = rules.cue_index.get(unit)
    if index is None:
        return []
    # A shorter cue starting where a longer one does lies inside it: only the longest
    # cue at each offset can count, and an occurrence inside another lies inside the
    # longest one starting where that other one starts.
    ranked: list[tuple[int, int, int, MetricEntry]] = []  # (rank, start, end, metric)
    for m in index.pattern.finditer(text, lo, hi, overlapped=True):
        s, e = m.span()
        if e - s >= min_len:
            ranked.extend((rank, s, e, metric) for rank, metric in index.entries[m.group()])
    # In vocabulary order, each cue's occurrences left to right: ties go to the first.
    ranked.sort(key=lambda r: (r[0], r[1]))
    found = [(s, e, m) for _r, s, e, m in ranked]
    spans = {(s, e) for s, e, _m in found}
    return [
        (s, e, m)
        for s, e, m in found
        if not any(os <= s and e <= oe and (os, oe) != (s, e) for os, oe in spans)
    ]


def _best_metric(
    text: str,
    lo: int,
    hi: int,
    q: Hit,
    unit: str,
    rules: FactRules,
    *,
    after: bool,
    min_len: int = 1,
) -> MetricEntry | None:
    """The metric whose cue is nearest the figure in text[lo:hi].

    With ``after``, a cue following the figure wins over one before it, and of those the
    last one, the head of the noun phrase: in ``15个区级社会工作服务指导中心`` the
    classifier's noun (指导中心) names what is counted. A longer cue wins a tie.
    """
    best: tuple[int, int, int, MetricEntry] | None = None
    for s, e, metric in _cue_hits(text, lo, hi, unit, rules, min_len):
        if e <= q.start:
            key = (1 if after else 0, q.start - e, -(e - s))
        elif s >= q.end:
            if not after:
                continue
            key = (0, -e, -(e - s))  # the noun phrase's head is its last cue
        else:
            continue
        if best is None or key < best[:3]:
            best = (*key, metric)
    return best[3] if best else None


def _segment(text: str, lo: int, hi: int, start: int, end: int, stops: str) -> tuple[int, int]:
    s = start
    while s > lo and text[s - 1] not in stops:
        s -= 1
    e = end
    while e < hi and text[e] not in stops:
        e += 1
    return s, e


def _year_of(iso: str, prefer_end: bool) -> int | None:
    parts = iso.split("/")
    chosen = parts[-1] if prefer_end else parts[0]
    m = _YEAR.match(chosen)
    return int(m.group(1)) if m else None


class _ByStart:
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


def _article_place(text: str, art: Article, places: list[Hit], rules: FactRules) -> str | None:
    """The article's place, or the nation when the article speaks of 全国 more often than
    of its own main place (a national report that mentions one province in passing)."""
    nation_words = [w for w, scope in rules.scope.items() if scope == "nation"]
    nation = sum(text.count(w, art.start, art.end) for w in nation_words)
    own = sum(
        1
        for h in places
        if art.start <= h.start < art.end
        and isinstance(h.norm, dict)
        and str(h.norm.get("adcode")) == art.place
    )
    if nation and nation > own:
        return NATIONAL
    return art.place


def _adcode(hit: Hit) -> str | None:
    return str(hit.norm.get("adcode")) if isinstance(hit.norm, dict) else None


def _list_place(text: str, places: _ByStart, hit: Hit) -> str | None:
    """The place of a figure whose nearest place is ``hit``: when ``hit`` ends a list
    (``王庄镇、小河镇、上乐村镇``) the figure covers them all, so their common ancestor."""
    members = [hit]
    ordered = places.hits
    i = bisect_left(places.starts, hit.start)
    while ordered[i] != hit:  # the first equal one, as list.index finds it
        i += 1
    while i > 0 and text[ordered[i - 1].end : ordered[i].start] in ("、", "和", "及", "与", "，"):
        i -= 1
        members.append(ordered[i])
    codes = [c for c in (_adcode(h) for h in members) if c]
    if not codes:
        return None
    return common_ancestor(codes)


def common_ancestor(codes: list[str]) -> str:
    """The lowest place containing every adcode (``100000`` for different provinces)."""
    first = codes[0]
    if all(c == first for c in codes):
        return first
    if all(c[:4] == first[:4] for c in codes):
        return first[:4] + "00"
    if all(c[:2] == first[:2] for c in codes):
        return first[:2] + "0000"
    return NATIONAL


# Mentions whose words are names, not cues (计划 in 童伴计划, 将 in a title).
_NAMED = frozenset({"INITIATIVE", "DOCUMENT", "ORG"})
_MASK = "\u25a1"  # □: same length, so offsets stay valid


# What may stand before a date that opens a clause: spaces and opening quotes, after
# the start of the sentence or the end of a clause.
_OPENERS = " \u3000“‘\"'"
_CLAUSE_ENDS = "，,：:；;"


def _frames(text: str, lo: int, d: Hit, rules: FactRules) -> bool:
    """Whether date ``d`` stands as a clause of its own (``2022年，…``, ``据介绍，2023年，…``):
    then it sets the time of everything its sentence (from ``lo``) reports after it."""
    k = d.start
    while k > lo and text[k - 1] in _OPENERS:
        k -= 1
    if k > lo and text[k - 1] not in _CLAUSE_ENDS:
        return False
    return any(text.startswith(w, d.end) for w in rules.frame)


def _has_target(rules: FactRules, head: str, before: str) -> bool:
    """A target cue in the clause before the figure, or a deadline in the sentence."""
    return any(w in head for w in rules.target_words) or any(
        p.search(before) for p in rules.target_patterns
    )


def _without_names(text: str, kept: list[Hit], rules: FactRules) -> str:
    """``text`` with named mentions and ``not_target`` phrases blanked out."""
    chars = list(text)
    for h in kept:
        if h.type in _NAMED:
            chars[h.start : h.end] = _MASK * (h.end - h.start)
    out = "".join(chars)
    for pattern in rules.not_target:
        out = pattern.sub(lambda m: _MASK * len(m.group()), out)
    return out


def build_quantity_facts(doc: Doc, kept: list[Hit]) -> list[QuantityFact]:
    """One fact per QUANTITY mention, in reading order."""
    rules = fact_rules()
    text = doc.norm
    by_type: dict[str, list[Hit]] = {}
    for h in kept:
        by_type.setdefault(h.type, []).append(h)
    places = by_type.get("PLACE", [])
    place_index = _ByStart(places)
    org_index = _ByStart(by_type.get("ORG", []))
    all_dates = by_type.get("DATE", [])
    sentence_dates: dict[tuple[int, int], list[Hit]] = {}
    article_places: dict[int, str | None] = {}
    facts: list[QuantityFact] = []
    previous: list[tuple[Hit, MetricEntry | None, int]] = []  # (hit, metric, sentence start)
    last_actual_year: dict[int, int] = {}  # article index -> year of its last dated result
    plain: str | None = None  # the text without names, made when first needed
    for q in by_type.get("QUANTITY", []):
        norm = q.norm if isinstance(q.norm, dict) else {}
        unit = str(norm.get("unit", ""))
        sent = doc.sentence_at(q.start)
        lo, hi = (sent.start, sent.end) if sent else (0, len(text))
        cs, ce = _clause(text, lo, hi, q.start, q.end)
        art_index = doc.article_index(q.start)
        art = doc.articles[art_index] if doc.articles else None
        clause = text[cs:ce]
        level = next((w for w in rules.levels if w in clause), None)
        breakdown_at = max((text.rfind(w, lo, q.start) for w in rules.breakdown), default=-1)

        metric: MetricEntry | None = None
        how = "other"
        if level and breakdown_at >= 0:
            # A breakdown "其中，助理社会工作者4792人" counts the same thing as the
            # figure before it (skipping figures in other units, such as a share).
            for _hit, m, s_start in reversed(previous):
                if s_start == lo and m is not None and unit in m.units:
                    metric, how = m, "inherit"
                    break
        if metric is None:
            # The list item (between 、), then the clause, then earlier in the sentence.
            ss, se = _segment(text, cs, ce, q.start, q.end, "、")
            metric = _best_metric(text, ss, se, q, unit, rules, after=True)
            how = "item"
            if metric is None:
                metric, how = _best_metric(text, cs, ce, q, unit, rules, after=False), "clause"
            if metric is None:
                metric = _best_metric(text, lo, q.start, q, unit, rules, after=False, min_len=3)
                how = "sentence"
        previous.append((q, metric, lo))

        # Place: in the clause, then a scope word, then earlier in the sentence, then article.
        place_hit = place_index.nearest_before(q.start, cs)
        place: str | None = None
        head = text[cs : q.start]  # the clause before the figure
        scope_word = next((w for w in rules.scope if w in head), None)
        if place_hit is not None:
            place = _list_place(text, place_index, place_hit)
        elif scope_word:
            place = (
                NATIONAL if rules.scope[scope_word] == "nation" else (art.place if art else None)
            )
        else:
            sent_place = place_index.nearest_before(q.start, lo)
            if sent_place is not None:
                place = _list_place(text, place_index, sent_place)
            elif art is not None:
                if art_index not in article_places:
                    article_places[art_index] = _article_place(text, art, places, rules)
                place = article_places[art_index]

        # Modality: target cues before the figure in its sentence, outside names
        # (童伴计划) and achieved phrases (争取资金).
        is_target = _has_target(rules, head, text[lo : q.start])
        if is_target:  # confirm it with names and achieved phrases blanked out
            if plain is None:
                plain = _without_names(text, kept, rules)
            is_target = _has_target(rules, plain[cs : q.start], plain[lo : q.start])
        # Year: a date in the clause (not a comparison base), else in the sentence before
        # the figure, else the article's year.
        year = None
        dates = sentence_dates.get((lo, hi))
        if dates is None:
            dates = [d for d in all_dates if lo <= d.start and d.end <= hi]
            sentence_dates[(lo, hi)] = dates
        for d in sorted(dates, key=lambda d: abs(d.start - q.start)):
            in_clause = cs <= d.start < ce
            pre = text[max(lo, d.start - 3) : d.start]
            as_of = any(pre.endswith(w) for w in rules.as_of)
            period = any(
                text.startswith(w, d.end) or text.startswith(w, d.end + 1) for w in rules.period
            )
            # Outside the clause only a deadline ("到2025年，…"), an as-of date
            # ("截至2022年底，…"), a period ("“十三五”时期，…") or a date standing as
            # its own clause (:func:`_frames`) before the figure counts.
            if not in_clause and not (
                d.end <= q.start and (is_target or as_of or period or _frames(text, lo, d, rules))
            ):
                continue
            if any(pre.endswith(b) for b in rules.base):
                continue  # a comparison base: "较2022年同比增长"
            year = _year_of(str(d.norm), prefer_end=True)
            if year is not None:
                break
        article_year = art.year if art is not None else None
        if year is not None and article_year is not None and year > article_year and not is_target:
            # A figure tied to a year after the article's own is a plan, not a result.
            is_target = any(
                cs <= d.start < ce and (_year_of(str(d.norm), prefer_end=True) or 0) > article_year
                for d in dates
            )
        if year is None and art is not None:
            year = art.year
        if year is None and not is_target:
            # An undated figure in an article without a year of its own shares the year of
            # the last dated result before it in the same article ("截至2023年底，…").
            year = last_actual_year.get(art_index)
        elif year is not None and not is_target:
            last_actual_year[art_index] = year
        if year is None:
            year = doc.issue_year

        org_hit = org_index.nearest_before(q.start, cs)
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
                rule_id=f"facts.metric.{how}" if metric else "facts.other",
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
    from .extract.person import load_rules as person_rules

    text = doc.norm
    org_hits = [h for h in kept if h.type == "ORG"]
    org_at_end = {h.end: h for h in org_hits}
    titles = person_rules().titles

    def orgs_before(article: int, pos: int) -> list[Hit]:
        return [o for o in org_hits if o.end <= pos and doc.article_index(o.start) == article]

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
        for i, link in enumerate(chain if h.attrs.get("via") == "title" else []):
            s, e = link["span"]  # type: ignore[misc]
            role = str(link["role"])
            org_hit = org_at_end.get(int(s))
            if org_hit is None:
                # An organization may end inside the title (街道党工委|书记 read as
                # 党工委书记): the role is the rest of the title.
                for k in range(int(e) - 1, int(s), -1):
                    inner = org_at_end.get(k)
                    if inner is not None:
                        if inner.start < int(s) and text[k : int(e)] in titles:
                            org_hit, role = inner, text[k : int(e)]
                        break
            if org_hit is not None:
                current = str(org_hit.norm)
            elif i == 0 and current is None:
                current = _bare_reference(text, int(s), orgs_before(article, int(s)))
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
                RoleFact(
                    person=key[0], role=role, org=org, person_span=doc.raw_span(h.start, h.end)
                )
            )
        prev = (h.end, sent_start, links[-1][1] if links else current)
    return out


def _bare_reference(text: str, pos: int, earlier: list[Hit]) -> str | None:
    """The organization a bare body word before a title refers to (``，联合会党委书记`` after
    ``中国社会工作联合会``): the latest earlier ORG of the article whose name ends in it."""
    from .resolve_org import org_rules

    for suffix in org_rules().suffixes:  # longest first
        word = suffix.text
        start = pos - len(word)
        if len(word) < 2 or start < 0 or not text.startswith(word, start):
            continue
        if start > 0 and regex.match(r"[\p{Han}A-Za-z0-9]", text[start - 1]):
            return None  # part of a longer name the ORG rules did not take
        for org in reversed(earlier):
            if str(org.norm).endswith(word):
                return str(org.norm)
        return None
    return None


def role_dict(role: RoleFact) -> dict[str, Any]:
    """A role fact with its person span (raw offsets) for the store."""
    span = role.person_span or (None, None)
    return {
        "person": role.person,
        "role": role.role,
        "org": role.org,
        "person_start": span[0],
        "person_end": span[1],
    }


def fact_dict(fact: QuantityFact) -> dict[str, Any]:
    """The FACTS.md shape of a quantity fact (plus the rule that chose its metric)."""
    data = fact.model_dump()
    if data["subject"] is None:
        data.pop("subject")
    data["quantity_span"] = list(fact.quantity_span)
    data["evidence_span"] = list(fact.evidence_span)
    return data
