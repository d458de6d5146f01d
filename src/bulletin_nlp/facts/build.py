"""Quantity facts: one per QUANTITY mention, each field decided by its own resolver
(``metric``, ``place``, ``year``, ``modality``, ``org``, ``qualifier``), each trying the
steps ``rules/facts.yaml`` lists for it (``facts.precedence.<field>``), first match wins."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from ..doc import Doc
from ..errors import RulesError
from ..spans import Hit
from . import metric, modality, org, place, qualifier, year
from .context import DocContext, Figure, Step, run_steps
from .model import QuantityFact
from .vocab import FIELDS, FactRules, MetricEntry, fact_rules

#: Each field's resolver steps by name; ``rules/facts.yaml`` orders them.
RESOLVERS: dict[str, dict[str, Step]] = {
    "metric": metric.STEPS,
    "place": place.STEPS,
    "year": year.STEPS,
    "modality": modality.STEPS,
    "org": org.STEPS,
    "qualifier": qualifier.STEPS,
}


@lru_cache(maxsize=1)
def checked_rules() -> FactRules:
    """The fact rules, with every precedence checked against the resolvers' steps."""
    rules = fact_rules()
    problems = []
    for field in FIELDS:
        steps = rules.precedence.get(field)
        if not steps:
            problems.append(f"facts.precedence.{field}: missing")
            continue
        unknown = [s for s in steps if s not in RESOLVERS[field]]
        if unknown:
            known = ", ".join(sorted(RESOLVERS[field]))
            problems.append(f"facts.precedence.{field}: unknown steps {unknown} (known: {known})")
    if problems:
        raise RulesError("rules/facts.yaml: " + "; ".join(problems))
    return rules


def resolve_figure(fig: Figure, ctx: DocContext) -> QuantityFact:
    """Decide every field of one figure's fact, in dependency order."""
    found: dict[str, str | None] = {}
    for field in ("metric", "place", "year", "modality", "org", "qualifier"):
        value, step = run_steps(field, RESOLVERS[field], fig, ctx)
        fig.resolved[field] = value
        fig.resolved[f"{field}_step"] = step
        found[field] = step
    chosen = fig.resolved["metric"]
    if not isinstance(chosen, MetricEntry):
        chosen = None  # a step that found the figure counts no metric of the vocabulary
    ctx.previous.append((fig, chosen))
    ctx.add_resolved(fig)
    y = fig.resolved["year"]
    mod: Literal["actual", "target"] = (
        "target" if fig.resolved["modality"] == "target" else "actual"
    )
    if y is not None and mod == "actual" and found["year"] != "previous_result":
        ctx.last_actual_year[fig.article_index] = y
    doc = ctx.doc
    rs, re_ = doc.raw_span(fig.start, fig.end)
    es, ee = doc.raw_span(*fig.clause)
    return QuantityFact(
        metric=chosen.id if chosen else "other",
        subject=None if chosen else qualifier.subject(fig, ctx),
        value=fig.norm.get("value", 0),
        unit=fig.unit,
        approx=str(fig.norm.get("approx", "exact")),
        place=fig.resolved["place"],
        org=fig.resolved["org"],
        year=y,
        modality=mod,
        qualifier=fig.resolved["qualifier"],
        quantity_span=(rs, re_),
        evidence_span=(es, ee),
        rule_id=f"facts.metric.{found['metric']}" if chosen else "facts.other",
    )


def _in_headline(fig: Figure) -> bool:
    span = fig.article.headline_span if fig.article is not None else None
    return span is not None and span[0] <= fig.start < span[1]


def build_quantity_facts(doc: Doc, kept: list[Hit]) -> list[QuantityFact]:
    """One fact per QUANTITY mention, in reading order.

    Headline figures are resolved after the body ones, so that a headline figure can
    take what its article's body says of the same figure."""
    ctx = DocContext(doc, kept, checked_rules())
    figures = [ctx.figure(q) for q in ctx.by_type.get("QUANTITY", [])]
    order = sorted(range(len(figures)), key=lambda i: (_in_headline(figures[i]), i))
    facts: dict[int, QuantityFact] = {i: resolve_figure(figures[i], ctx) for i in order}
    return [facts[i] for i in range(len(figures))]
