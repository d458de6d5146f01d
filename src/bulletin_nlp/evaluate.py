"""Score extraction output against gold JSON (FACTS.md "Scoring")."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from .spans import MENTION_TYPES

FACT_FIELDS = ("metric", "place", "year", "modality", "org", "approx")


class PRF(BaseModel):
    """Precision, recall and F1 with the counts behind them."""

    model_config = ConfigDict(extra="forbid")

    tp: int = 0
    fp: int = 0
    fn: int = 0
    norm_ok: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def norm_accuracy(self) -> float:
        return self.norm_ok / self.tp if self.tp else 0.0


class Report(BaseModel):
    """Scores of one evaluation run."""

    model_config = ConfigDict(extra="forbid")

    mentions: dict[str, PRF]
    facts: PRF
    fact_fields: dict[str, float]
    roles: PRF
    field_counts: dict[str, int] = {}
    errors: list[dict[str, Any]] = []


def norm_equal(kind: str, gold: Any, system: Any) -> bool:
    """Whether two normalized values agree (numbers compared as numbers)."""
    if kind == "QUANTITY" and isinstance(gold, dict) and isinstance(system, dict):
        try:
            same_value = abs(float(gold["value"]) - float(system["value"])) < 1e-6
        except (KeyError, TypeError, ValueError):
            return False
        return (
            same_value
            and gold.get("unit") == system.get("unit")
            and gold.get("approx") == system.get("approx")
        )
    if kind == "PLACE" and isinstance(gold, dict) and isinstance(system, dict):
        return str(gold.get("adcode")) == str(system.get("adcode"))
    return bool(gold == system)


def score_document(gold: dict[str, Any], system: dict[str, Any], report: Report) -> None:
    """Add one document's counts to ``report``."""
    doc = gold.get("doc", "?")
    g_m = {(m["type"], m["start"], m["end"]): m for m in gold["mentions"]}
    s_m = {(m["type"], m["start"], m["end"]): m for m in system.get("mentions", [])}
    for key, gm in g_m.items():
        prf = report.mentions[key[0]]
        sm = s_m.get(key)
        if sm is None:
            prf.fn += 1
            report.errors.append({"doc": doc, "kind": "missed", **_brief(gm)})
            continue
        prf.tp += 1
        if norm_equal(key[0], gm["norm"], sm["norm"]):
            prf.norm_ok += 1
        else:
            report.errors.append(
                {"doc": doc, "kind": "norm", **_brief(gm), "system_norm": sm["norm"]}
            )
    for key, sm in s_m.items():
        if key not in g_m and key[0] in report.mentions:
            report.mentions[key[0]].fp += 1
            report.errors.append({"doc": doc, "kind": "spurious", **_brief(sm)})
    _score_facts(gold.get("facts", []), system.get("facts", []), report, doc)
    g_r = Counter((r["person"], r["role"], r["org"]) for r in gold.get("roles", []))
    s_r = Counter((r["person"], r["role"], r["org"]) for r in system.get("roles", []))
    tp = sum((g_r & s_r).values())
    report.roles.tp += tp
    report.roles.fp += sum(s_r.values()) - tp
    report.roles.fn += sum(g_r.values()) - tp


def _brief(m: dict[str, Any]) -> dict[str, Any]:
    return {"type": m["type"], "start": m["start"], "end": m["end"], "text": m["text"], "norm": m["norm"]}


def _score_facts(gold: list[dict], system: list[dict], report: Report, doc: str) -> None:
    used: set[int] = set()
    counts = report.field_counts
    for gf in gold:
        gs, ge = gf["quantity_span"]
        # value: of the gold figures the system read at all (a fact over the same span),
        # how many it read right
        over = [sf for sf in system if sf["quantity_span"][0] < ge and gs < sf["quantity_span"][1]]
        if over:
            counts["read"] = counts.get("read", 0) + 1
            if any(_same_value(gf, sf) for sf in over):
                counts["value"] = counts.get("value", 0) + 1
        match = None
        for i, sf in enumerate(system):
            if i in used:
                continue
            ss, se = sf["quantity_span"]
            if ss < ge and gs < se and _same_value(gf, sf):
                match = i
                break
        if match is None:
            report.facts.fn += 1
            report.errors.append({"doc": doc, "kind": "fact-missed", "fact": gf})
            continue
        used.add(match)
        sf = system[match]
        counts["matched"] = counts.get("matched", 0) + 1
        for name in FACT_FIELDS:
            if _field_ok(name, gf, sf):
                counts[name] = counts.get(name, 0) + 1
        if all(_field_ok(n, gf, sf) for n in ("metric", "place", "year")):
            report.facts.tp += 1
        else:
            report.facts.fn += 1
            report.facts.fp += 1
            report.errors.append({"doc": doc, "kind": "fact-wrong", "gold": gf, "system": sf})
    for i, sf in enumerate(system):
        if i not in used:
            report.facts.fp += 1
            report.errors.append({"doc": doc, "kind": "fact-spurious", "fact": sf})


def _same_value(g: dict, s: dict) -> bool:
    try:
        return abs(float(g["value"]) - float(s["value"])) < 1e-6 and g["unit"] == s["unit"]
    except (KeyError, TypeError, ValueError):
        return False


def _field_ok(name: str, g: dict, s: dict) -> bool:
    gv, sv = g.get(name), s.get(name)
    if name in ("place", "year") and gv is not None and sv is not None:
        return str(gv) == str(sv)
    return bool(gv == sv)


def evaluate(gold_dir: str | Path, corpus_dir: str | Path | None = None, **kw: Any) -> Report:
    """Run the pipeline over every gold document and score it."""
    from .pipeline import process_file, to_json

    gold_dir = Path(gold_dir)
    corpus = Path(corpus_dir) if corpus_dir else gold_dir.parent
    report = Report(
        mentions={t: PRF() for t in MENTION_TYPES}, facts=PRF(), fact_fields={}, roles=PRF()
    )
    for gold_path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        doc = process_file(corpus / gold["doc"], **kw)
        score_document(gold, to_json(doc), report)
    matched = report.field_counts.get("matched", 0)
    report.fact_fields = {
        n: (report.field_counts.get(n, 0) / matched if matched else 0.0) for n in FACT_FIELDS
    }
    read = report.field_counts.get("read", 0)
    report.fact_fields["value"] = report.field_counts.get("value", 0) / read if read else 0.0
    report.fact_fields["matched"] = float(matched)
    return report


def overall(report: Report) -> PRF:
    """Micro-averaged mention scores over all types."""
    total = PRF()
    for prf in report.mentions.values():
        total.tp += prf.tp
        total.fp += prf.fp
        total.fn += prf.fn
        total.norm_ok += prf.norm_ok
    return total


def frame_leaks(doc: Any) -> list[dict[str, Any]]:
    """Facts of ``doc`` (a processed :class:`~bulletin_nlp.doc.Doc`) whose year or place
    its own article does not explain: a year that is neither named by a date of the
    article nor the article's frame (its own date or its issue's), a place that is neither
    the nation, the article's place, nor above or at a place the article names. Each is a
    year or place that came from another article."""
    out: list[dict[str, Any]] = []
    places = doc.hits_of("PLACE")
    dates = doc.hits_of("DATE")
    for fact in doc.facts:
        qs = doc.norm_offset(fact["quantity_span"][0])
        index = doc.article_index(qs) if doc.articles else 0
        art = doc.articles[index] if doc.articles else None
        lo = min(art.start, art.headline_span[0] if art and art.headline_span else art.start) if art else 0
        hi = art.end if art else len(doc.norm)
        own_years = {art.year, doc.issue_year} if art else {doc.issue_year}
        for d in dates:
            if lo <= d.start < hi and isinstance(d.norm, str):
                own_years.update(int(p[:4]) for p in d.norm.split("/") if p[:4].isdigit())
        year = fact.get("year")
        if year is not None and year not in own_years:
            out.append({"doc": doc.name, "field": "year", "fact": fact, "value": year})
        place = fact.get("place")
        if place is None or place == "100000" or (art is not None and place == art.place):
            continue
        prefix = place.rstrip("0")
        prefix = prefix + "0" * (len(prefix) % 2)  # whole levels: 33, 3310, 331002
        named = [
            str(h.norm.get("adcode"))
            for h in places
            if lo <= h.start < hi and isinstance(h.norm, dict)
        ]
        if not any(code.startswith(prefix) for code in named):
            out.append({"doc": doc.name, "field": "place", "fact": fact, "value": place})
    return out
