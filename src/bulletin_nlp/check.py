"""Consistency checks over the stored facts (``bulletin-nlp check``).

Each check reads the facts as an editor sees them (corrected values, rejected facts
left out) and reports :class:`Finding` s naming the facts involved and their evidence:

* ``breakdown_sum``: the parts of a breakdown (``其中，助理社会工作者4792人，…``: facts
  whose metric was inherited from the total before them in the sentence) do not add up
  to that total, or add up to more than it;
* ``share_mismatch`` / ``growth_mismatch``: a stated share (part / total) or growth
  rate (new / old - 1) disagrees with the two figures given beside it;
* ``conflict``: one metric, place, year (and qualifier) reported with values in
  different articles that disagree beyond what their rounding and approx flags allow;
* ``implausible``: a share over 100%, a year before 1980 or more than 15 years ahead,
  a count with a fractional part;
* ``target_unreported``: a target whose deadline year is over with no actual figure for
  that metric and place from that year or later.

Figures are compared as intervals: ``73.7万`` (737000) stands for 736500-737500, so it
agrees with ``737,000``; ``2.6万`` (25500-26500) disagrees with ``25271``. The
vocabulary (count units, share and growth metrics, open-ended "over" words) is data in
``rules/check.yaml``.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .rules import RuleEntry, load_entries
from .store import Store, stable_id

FIRST_YEAR = 1980
YEARS_AHEAD = 15
INHERIT_RULE = "facts.metric.breakdown_inherit"
# Relative slack on top of rounding, for figures computed in floating point.
_EPS = 1e-12

Kind = Literal[
    "breakdown_sum",
    "share_mismatch",
    "growth_mismatch",
    "conflict",
    "implausible",
    "target_unreported",
]


class CheckEntry(RuleEntry):
    """A word list of ``rules/check.yaml``."""

    kind: Literal["count_units", "share_metrics", "growth_metrics", "open_over"]
    description: str = ""
    words: list[str]


@dataclass(frozen=True)
class CheckRules:
    count_units: frozenset[str]
    share_metrics: frozenset[str]
    growth_metrics: frozenset[str]
    open_over: tuple[str, ...]
    breakdown: tuple[str, ...]
    scope: tuple[str, ...]
    labels: dict[str, str]


@lru_cache(maxsize=1)
def check_rules() -> CheckRules:
    """The check vocabulary, plus breakdown and scope cues and metric labels from the
    fact rules (loaded once per process)."""
    from .facts import fact_rules

    _v, entries = load_entries("check", CheckEntry)
    words: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        words[e.kind].extend(e.words)
    facts = fact_rules()
    return CheckRules(
        count_units=frozenset(words["count_units"]),
        share_metrics=frozenset(words["share_metrics"]),
        growth_metrics=frozenset(words["growth_metrics"]),
        open_over=tuple(words["open_over"]),
        breakdown=facts.words("breakdown"),
        scope=tuple(facts.scope()),
        labels={m.id: m.label for m in facts.metrics},
    )


class FindingFact(BaseModel):
    """A fact involved in a finding, with its evidence span (raw offsets)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    doc: str
    doc_id: str
    metric: str
    value: float
    unit: str | None
    approx: str | None
    place: str | None
    place_name: str | None
    year: int | None
    modality: str | None
    qualifier: str | None
    quantity_text: str
    quantity_start: int
    quantity_end: int
    evidence_text: str
    evidence_start: int
    evidence_end: int
    review_status: str


class Finding(BaseModel):
    """One problem: what kind, how bad, a plain-language message in Chinese
    (``message``) and in English (``message_en``), what it is about (metric, place,
    year) and the facts involved."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Kind
    severity: Literal["error", "warning"]
    message: str
    message_en: str
    metric: str | None = None
    place: str | None = None
    place_name: str | None = None
    year: int | None = None
    facts: list[FindingFact]

    @property
    def docs(self) -> list[str]:
        """The documents of the facts involved, each once, in order."""
        return list(dict.fromkeys(f.doc for f in self.facts))


@dataclass
class _Fact:
    """A stored fact with what the checks need."""

    row: dict[str, Any]
    lo: float
    hi: float

    def __getitem__(self, key: str) -> Any:
        return self.row.get(key)

    @property
    def value(self) -> float:
        return float(self.row["value"])


# -- figures as intervals -----------------------------------------------------------


_NUMBER_RE = re.compile(r"(\d[\d,]*)(?:\.(\d+))?\s*(万亿|亿|万|千)?")
_MULTIPLIER = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}


def _trailing_zeros_step(n: int) -> float:
    step = 1
    while n and n % 10 == 0:
        n //= 10
        step *= 10
    return float(step)


def rounding_step(value: float, approx: str | None = "exact", text: str = "") -> float:
    """The place value of the last digit a figure states, as written in ``text``:
    ``73.7万`` → 1000, ``2.6万`` → 1000, ``25271`` → 1, ``34.8%`` → 0.1, ``2万`` → 10000.

    Approximate figures are rounded at their last non-zero digit (``9000余`` → 1000,
    ``80余万`` → 100000). Without Arabic digits matching the value (``三万多``, or a
    corrected value), the value's own digits are used the same way.
    """
    if not math.isfinite(value):  # a stored correction from before values were checked
        return 1.0
    found = _NUMBER_RE.search(unicodedata.normalize("NFKC", "".join(text.split())))
    if found:
        whole, decimals, unit = found.group(1).replace(",", ""), found.group(2), found.group(3)
        mult = _MULTIPLIER.get(unit or "", 1.0)
        written = float(f"{whole}.{decimals or 0}") * mult
        if math.isclose(written, value, rel_tol=1e-9, abs_tol=1e-9):
            if decimals:
                return 10.0 ** -len(decimals) * mult
            return (_trailing_zeros_step(int(whole)) if approx != "exact" else 1.0) * mult
    if not float(value).is_integer():
        return 10.0 ** -len(f"{value:.6f}".rstrip("0").split(".")[1])
    if approx == "exact" and found:
        return 1.0  # a corrected value: as precise as typed
    return _trailing_zeros_step(abs(int(value)))


def interval(value: float, approx: str | None, text: str = "") -> tuple[float, float]:
    """The values a stated figure allows: exact ± half a rounding step; ``about`` ± a
    step; ``over`` up to a step more (``2万余``: 2-3万) or unbounded (``超过8万``);
    ``under`` up to a step less (``近2万``: 1-2万)."""
    step = rounding_step(value, approx, text)
    edge = step * 1e-6  # rounding intervals are half-open: 5629 and 5630 do not touch
    if approx == "about":
        return value - step, value + step
    if approx == "over":
        if any(w in text for w in check_rules().open_over):
            return value, math.inf
        return value, value + step - edge
    if approx == "under":
        return value - step + edge, value
    return value - step / 2, value + step / 2 - edge


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    slack = _EPS * max(1.0, abs(a[0]), abs(b[0]))
    return a[0] <= b[1] + slack and b[0] <= a[1] + slack


def _ratio(num: _Fact, den: _Fact) -> tuple[float, float]:
    """The interval of num / den (positive figures)."""
    lo = num.lo / den.hi if den.hi not in (0, math.inf) else 0.0
    hi = num.hi / den.lo if den.lo > 0 else math.inf
    return lo, hi


# -- loading ------------------------------------------------------------------------

_FACTS_SQL = """
select v.*, f.doc_id, s.id as sentence_id, s.text as sentence_text, s.start as sentence_start
from facts_view v join facts f on f.id = v.id
left join sentences s on s.doc_id = f.doc_id
    and f.quantity_start >= s.start and f.quantity_start < s.end
where v.review_status != 'rejected'
order by v.doc, v.quantity_start
"""


def load_facts(store: Store) -> list[dict[str, Any]]:
    """Every fact as reviewed (corrected values, rejected ones left out), with its
    sentence."""
    return list(store.db.query(_FACTS_SQL))


def check(store: Store, today: date | None = None) -> list[Finding]:
    """Every finding in the database at ``store``."""
    return check_rows(load_facts(store), today)


def check_rows(rows: Iterable[dict[str, Any]], today: date | None = None) -> list[Finding]:
    """Every finding over fact rows (those of :func:`load_facts`)."""
    today = today or date.today()
    facts = []
    for row in rows:
        if row.get("value") is None:
            continue
        lo, hi = interval(float(row["value"]), row.get("approx"), row.get("quantity_text") or "")
        facts.append(_Fact(row, lo, hi))
    findings = [
        *_breakdowns(facts),
        *_shares_and_growth(facts),
        *_conflicts(facts),
        *_implausible(facts, today),
        *_targets(facts, today),
    ]
    order = {"error": 0, "warning": 1}
    findings.sort(key=lambda f: (order[f.severity], f.facts[0].doc, f.facts[0].quantity_start))
    return findings


# -- stored findings ----------------------------------------------------------------


def _signature(findings: Iterable[Finding]) -> set[tuple[Any, ...]]:
    return {
        (f.id, f.severity, f.message, f.message_en, tuple(sorted(x.id for x in f.facts)))
        for f in findings
    }


def stored_signature(store: Store) -> set[tuple[Any, ...]]:
    """What the stored findings say (to tell whether a new check changed anything)."""

    try:
        rows = store.conn.execute(
            "select id, severity, message, message_en, fact_ids from check_findings"
        ).fetchall()
    except sqlite3.Error:
        return set()
    return {(r[0], r[1], r[2], r[3], tuple(sorted(json.loads(r[4] or "[]")))) for r in rows}


def findings_changed(store: Store, findings: list[Finding]) -> bool:
    """Whether ``findings`` differ from those stored in the database."""
    return _signature(findings) != stored_signature(store)


def store_findings(
    store: Store,
    findings: list[Finding],
    *,
    trigger: str,
    today: date | None = None,
    ingest_run: int | None = None,
    commit: bool = True,
) -> int | None:
    """Replace the stored findings (``check_findings`` and the facts of each in
    ``check_finding_facts``) with ``findings``, recording the check in ``check_runs``
    (``trigger``: ingest, check or review); return its id. When they are the ones stored
    already, nothing is written and None is returned. With ``commit=False`` the change
    stays in the open transaction, for the caller to commit."""

    if not findings_changed(store, findings):
        return None
    conn = store.conn
    kinds = Counter(f.kind for f in findings)
    cur = conn.execute(
        "insert into check_runs (checked_at, trigger, ingest_run, today, findings, errors, "
        "warnings, kinds) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            datetime.now(UTC).isoformat(timespec="seconds"),
            trigger,
            ingest_run,
            (today or date.today()).isoformat(),
            len(findings),
            sum(f.severity == "error" for f in findings),
            sum(f.severity == "warning" for f in findings),
            json.dumps(dict(sorted(kinds.items())), ensure_ascii=False),
        ],
    )
    run_id = int(cur.lastrowid or 0)
    conn.execute("delete from check_finding_facts")
    conn.execute("delete from check_findings")
    conn.executemany(
        "insert or replace into check_findings (id, run_id, kind, severity, message, "
        "message_en, metric, place, place_name, year, facts, docs, fact_ids, doc_names) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                f.id,
                run_id,
                f.kind,
                f.severity,
                f.message,
                f.message_en,
                f.metric,
                f.place,
                f.place_name,
                f.year,
                len(f.facts),
                len(f.docs),
                json.dumps([x.id for x in f.facts]),
                json.dumps(f.docs, ensure_ascii=False),
            )
            for f in findings
        ],
    )
    conn.executemany(
        "insert or ignore into check_finding_facts (finding_id, fact_id, doc_id, "
        "quantity_text, value, unit, evidence_text) values (?, ?, ?, ?, ?, ?, ?)",
        [
            (f.id, x.id, x.doc_id, x.quantity_text, x.value, x.unit, x.evidence_text)
            for f in findings
            for x in f.facts
        ],
    )
    if commit:
        conn.commit()
    return run_id


# -- the checks ----------------------------------------------------------------------


def _finding(kind: Kind, severity: str, message: tuple[str, str], facts: list[_Fact]) -> Finding:
    """A finding over ``facts`` (the first one says what it is about), with its message
    in Chinese and in English."""
    members = [
        FindingFact.model_validate({k: f.row.get(k) for k in FindingFact.model_fields})
        for f in facts
    ]
    first = facts[0]
    return Finding(
        id=stable_id(kind, *sorted(f.id for f in members))[:12],
        kind=kind,
        severity=severity,  # type: ignore[arg-type]
        message=message[0],
        message_en=message[1],
        metric=first["metric"],
        place=first["place"],
        place_name=first["place_name"],
        year=first["year"],
        facts=members,
    )


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _shown(f: _Fact) -> str:
    """A figure as written, with its value when the text differs (``2.6万 (26,000 人)``)."""
    text = "".join(str(f["quantity_text"]).split())
    digits = _num(f.value).replace(",", "")
    if digits in text.replace(",", ""):
        return text
    return f"{text} ({_num(f.value)} {f['unit'] or ''})".replace(" )", ")")


def _label(f: _Fact) -> str:
    metric = str(f["metric"])
    label = check_rules().labels.get(metric)
    return f"{metric} ({label})" if label else metric


def _label_zh(f: _Fact) -> str:
    """The metric's Chinese label (its id where the rules give none)."""
    metric = str(f["metric"])
    return check_rules().labels.get(metric) or metric


def _by_sentence(facts: list[_Fact]) -> dict[Any, list[_Fact]]:
    groups: dict[Any, list[_Fact]] = defaultdict(list)
    for f in facts:
        if f["sentence_id"] is not None:
            groups[f["sentence_id"]].append(f)
    return groups


def _breakdowns(facts: list[_Fact]) -> list[Finding]:
    """Parts after ``其中`` (metric inherited from the total) against their total."""
    out = []
    for sentence in _by_sentence(facts).values():
        parts_of: dict[int, list[_Fact]] = defaultdict(list)
        for i, f in enumerate(sentence):
            if f["rule_id"] != INHERIT_RULE:
                continue
            for j in range(i - 1, -1, -1):
                t = sentence[j]
                same = t["metric"] == f["metric"] and t["unit"] == f["unit"]
                if same and t["rule_id"] != INHERIT_RULE:
                    parts_of[j].append(f)
                    break
        for j, parts in parts_of.items():
            total = sentence[j]
            lo, hi = sum(p.lo for p in parts), sum(p.hi for p in parts)
            listed = " + ".join(f"{p['qualifier'] or ''} {_num(p.value)}".strip() for p in parts)
            unit = total["unit"] or ""
            added = _num(sum(p.value for p in parts))
            message: tuple[str, str]
            if lo > total.hi + _EPS * total.hi:
                message = (
                    f"总数之后列出的分项合计 {added} {unit}（{listed}），"
                    f"超过所述总数 {_shown(total)}。",
                    f"The parts listed after the total add up to {added} "
                    f"{unit} ({listed}), more than the stated total {_shown(total)}.",
                )
            elif len(parts) >= 2 and hi < total.lo - _EPS * total.lo:
                short = _num(total.value - sum(p.value for p in parts))
                message = (
                    f"总数之后列出的分项合计 {added} {unit}（{listed}），"
                    f"与所述总数 {_shown(total)} 不符（少 {short}）。",
                    f"The parts listed after the total add up to {added} "
                    f"{unit} ({listed}), not the stated total {_shown(total)} "
                    f"(short by {short}).",
                )
            else:
                continue
            out.append(_finding("breakdown_sum", "error", message, [total, *parts]))
    return out


def _is_percent(f: _Fact) -> bool:
    return f["unit"] == "%"


def _clause_scope(f: _Fact) -> set[str]:
    return {w for w in check_rules().scope if w in str(f["evidence_text"])}


def _shares_and_growth(facts: list[_Fact]) -> list[Finding]:
    rules = check_rules()
    out = []
    for sentence in _by_sentence(facts).values():
        for i, s in enumerate(sentence):
            if not _is_percent(s):
                continue
            if s["metric"] in rules.share_metrics:
                found = _share(sentence, i, rules)
            elif s["metric"] in rules.growth_metrics:
                found = _growth(sentence, i)
            else:
                found = None
            if found:
                out.append(found)
    return out


def _share(sentence: list[_Fact], i: int, rules: CheckRules) -> Finding | None:
    """A share against the figure right before it (the part) and its total: a figure of
    the same metric, or one the part is a breakdown of (``其中`` between them)."""
    s = sentence[i]
    part = next((f for f in reversed(sentence[:i]) if not _is_percent(f)), None)
    if part is None:
        return None
    text = str(s["sentence_text"] or "")
    base = s["sentence_start"] or 0
    candidates = []
    for t in sentence:
        if t is part or _is_percent(t) or t["unit"] != part["unit"] or t.hi <= part.lo:
            continue
        same_metric = t["metric"] == part["metric"] and t["metric"] != "other"
        between = text[t["quantity_end"] - base : part["quantity_start"] - base]
        broken_down = t["quantity_start"] < part["quantity_start"] and any(
            w in between for w in rules.breakdown
        )
        if same_metric or broken_down:
            candidates.append(t)
    if not candidates:
        return None
    total = min(candidates, key=lambda t: abs(t["quantity_start"] - part["quantity_start"]))
    if not _clause_scope(s) <= _clause_scope(total):
        return None  # "占全省…的34.8%": the base is a wider scope than the total given
    lo, hi = _ratio(part, total)
    if _overlap((lo * 100, hi * 100), (s.lo, s.hi)):
        return None
    ratio = f"{part.value / total.value * 100:.1f}%"
    message = (
        f"所述占比 {_shown(s)} 与旁边的数字不符：{_shown(part)} 占 {_shown(total)} 的 {ratio}。",
        f"The stated share {_shown(s)} does not match the figures beside it: "
        f"{_shown(part)} of {_shown(total)} is {ratio}.",
    )
    return _finding("share_mismatch", "error", message, [s, part, total])


def _growth(sentence: list[_Fact], i: int) -> Finding | None:
    """A growth rate against the two nearest figures of one metric and qualifier."""
    g = sentence[i]
    groups: dict[tuple[Any, ...], list[_Fact]] = defaultdict(list)
    for f in sentence:
        if not _is_percent(f) and f["metric"] != "other":
            groups[(f["metric"], f["unit"], f["qualifier"])].append(f)
    pairs = []
    for group in groups.values():
        if len(group) >= 2:
            near = sorted(group, key=lambda f: abs(f["quantity_start"] - g["quantity_start"]))[:2]
            pairs.append(sorted(near, key=lambda f: f["quantity_start"]))
    if len(pairs) != 1:
        return None  # no pair, or several: which two the rate compares is unclear
    a, b = pairs[0]
    rate = (g.lo / 100, g.hi / 100)
    for new, old in ((a, b), (b, a)):
        lo, hi = _ratio(new, old)
        change = (lo - 1, hi - 1)
        if _overlap(change, rate) or _overlap((-change[1], -change[0]), rate):
            return None
    new, old = (a, b) if a.value >= b.value else (b, a)
    actual = f"{(new.value / old.value - 1) * 100:+.1f}%"
    message = (
        f"所述增长 {_shown(g)} 与旁边的数字不符：从 {_shown(old)} 到 {_shown(new)} 为 {actual}。",
        f"The stated growth {_shown(g)} does not match the figures beside it: from "
        f"{_shown(old)} to {_shown(new)} is {actual}.",
    )
    return _finding("growth_mismatch", "error", message, [g, a, b])


def _where(f: _Fact) -> str:
    place = f["place_name"] or f["place"] or "?"
    qualifier = f" ({f['qualifier']})" if f["qualifier"] else ""
    return f"{place}, {f['year']}{qualifier}"


def _where_zh(f: _Fact) -> str:
    place = f["place_name"] or f["place"] or "?"
    qualifier = f"（{f['qualifier']}）" if f["qualifier"] else ""
    return f"{place} {f['year']}年{qualifier}"


def _unmatched(a: list[_Fact], b: list[_Fact]) -> bool:
    """Whether some figure of ``a`` agrees with no figure of ``b``."""
    return any(not any(_overlap((x.lo, x.hi), (y.lo, y.hi)) for y in b) for x in a)


def _conflicts(facts: list[_Fact]) -> list[Finding]:
    """One metric, place, year, qualifier, modality and unit; articles whose figures
    disagree beyond rounding.

    Figures of one article are never compared with each other (an article may give two
    figures of one key for different things), so two articles conflict when each gives
    a figure that agrees with none of the other's: copies of one article, or an article
    that repeats one of another's figures, do not. One finding per key, however many
    articles: its message gives each distinct value once, with how many bulletins say it.
    """
    groups: dict[tuple[Any, ...], list[_Fact]] = defaultdict(list)
    for f in facts:
        if f["metric"] == "other" or f["place"] is None or f["year"] is None:
            continue
        key = (f["metric"], f["place"], f["year"], f["qualifier"], f["modality"], f["unit"])
        groups[key].append(f)
    out = []
    for group in groups.values():
        articles: dict[tuple[Any, Any], list[_Fact]] = defaultdict(list)
        for f in group:
            articles[(f["doc"], f["article_id"])].append(f)
        if len(articles) < 2:
            continue
        # Articles with the same figures (copies) are compared once.
        kinds: dict[tuple[tuple[float, float], ...], list[tuple[Any, Any]]] = defaultdict(list)
        for where, members in articles.items():
            kinds[tuple(sorted({(f.lo, f.hi) for f in members}))].append(where)
        signatures = list(kinds)
        involved: set[tuple[Any, Any]] = set()
        for i, sa in enumerate(signatures):
            a = articles[kinds[sa][0]]
            for sb in signatures[i + 1 :]:
                b = articles[kinds[sb][0]]
                if _unmatched(a, b) and _unmatched(b, a):
                    involved.update(kinds[sa])
                    involved.update(kinds[sb])
        if not involved:
            continue
        shown = sorted(
            (f for where in involved for f in articles[where]),
            key=lambda f: (f["doc"], f["quantity_start"]),
        )
        out.append(_finding("conflict", "error", _conflict_message(shown), shown))
    return out


def _conflict_message(shown: list[_Fact]) -> tuple[str, str]:
    """Each distinct value once, most-reported first, with how many bulletins give it."""
    by_value: dict[float, list[_Fact]] = defaultdict(list)
    for f in shown:
        by_value[f.value].append(f)
    ranked = sorted(by_value.values(), key=lambda fs: (-len({f["doc"] for f in fs}), fs[0].value))
    zh, en = [], []
    for fs in ranked:
        docs = len({f["doc"] for f in fs})
        zh.append(f"{_shown(fs[0])}（{docs} 份简报）")
        en.append(f"{_shown(fs[0])} ({docs} bulletin{'s' if docs != 1 else ''})")
    first = shown[0]
    target = first["modality"] == "target"
    what_zh = "目标" if target else "数字"
    what_en = "target" if target else "figure"
    return (
        f"{_where_zh(first)} {_label_zh(first)}：不同文章给出的{what_zh}不一致，"
        f"超出四舍五入的范围：{'；'.join(zh)}。",
        f"Different articles give different {_label(first)} {what_en}s for "
        f"{_where(first)}, more than rounding allows: {'; '.join(en)}.",
    )


def _implausible(facts: list[_Fact], today: date) -> list[Finding]:
    rules = check_rules()
    out = []
    for f in facts:
        problems: list[tuple[str, str]] = []
        if f["metric"] in rules.share_metrics and _is_percent(f) and f.lo > 100:
            problems.append((f"占比 {_shown(f)} 超过100%", f"a share of {_shown(f)} is over 100%"))
        year = f["year"]
        if year is not None and year < FIRST_YEAR:
            problems.append(
                (f"年份 {year} 早于 {FIRST_YEAR} 年", f"the year {year} is before {FIRST_YEAR}")
            )
        if year is not None and year > today.year + YEARS_AHEAD:
            problems.append(
                (
                    f"年份 {year} 超出今后 {YEARS_AHEAD} 年",
                    f"the year {year} is more than {YEARS_AHEAD} years ahead",
                )
            )
        if f["unit"] in rules.count_units and not float(f.value).is_integer():
            problems.append(
                (f"计数 {_shown(f)} 带有小数", f"a count of {_shown(f)} has a fractional part")
            )
        if problems:
            message = (
                f"数值不合理（{_label_zh(f)}）：" + "；".join(p[0] for p in problems) + "。",
                f"Implausible {_label(f)}: " + "; ".join(p[1] for p in problems) + ".",
            )
            out.append(_finding("implausible", "error", message, [f]))
    return out


def _targets(facts: list[_Fact], today: date) -> list[Finding]:
    """Targets whose deadline year is over with no actual figure reported since."""
    actual: dict[tuple[str, str], list[int]] = defaultdict(list)
    targets: dict[tuple[str, str, int], list[_Fact]] = defaultdict(list)
    for f in facts:
        if f["metric"] == "other" or f["place"] is None or f["year"] is None:
            continue
        if f["modality"] == "target":
            if f["year"] < today.year:
                targets[(f["metric"], f["place"], f["year"])].append(f)
        else:
            actual[(f["metric"], f["place"])].append(int(f["year"]))
    out = []
    for (metric, place, year), group in targets.items():
        if any(y >= year for y in actual.get((metric, place), [])):
            continue
        first = group[0]
        shown = ", ".join(sorted({_shown(f) for f in group}))
        where = first["place_name"] or place
        message = (
            f"{where} {_label_zh(first)} 的 {year} 年目标（{shown}）已过期限，数据库中没有"
            f"该指标、该地点 {year} 年及以后的实际数字。",
            f"The {year} target for {_label(first)} in {where} "
            f"({shown}) is past its deadline, and no actual figure for this metric and "
            f"place from {year} or later has been reported.",
        )
        out.append(_finding("target_unreported", "warning", message, group))
    return out
