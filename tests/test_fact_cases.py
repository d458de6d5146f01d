"""Every `cases` example of rules/facts.yaml and rules/metrics.yaml is a test: in its text,
the fact of its figure has the fields it gives (FACTS.md quantity facts)."""

from __future__ import annotations

import pytest

from bulletin_nlp.facts import FactCueEntry, FieldCase, MetricEntry
from bulletin_nlp.gold import place_norm
from bulletin_nlp.normalize import compact
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.rules import load_entries


def _cases() -> list[tuple[str, FieldCase]]:
    _v, cues = load_entries("facts", FactCueEntry)
    _v2, metrics = load_entries("metrics", MetricEntry)
    return [(e.id, c) for e in [*cues, *metrics] for c in e.cases]


CASES = _cases()


def test_there_are_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(
    ("entry_id", "case"), CASES, ids=[f"{e}:{c.figure}" for e, c in CASES]
)
def test_fact_case(entry_id: str, case: FieldCase) -> None:
    doc = process_text(case.text, "case.txt", use_model=False)
    facts = [f for f in doc.facts if compact(doc.raw[slice(*f["quantity_span"])]) == case.figure]
    assert len(facts) > case.nth, f"{entry_id}: no fact for {case.figure!r}"
    fact = facts[case.nth]
    expected = case.expected()
    if expected.get("place") is not None:
        norm = place_norm(expected["place"])
        expected["place"] = norm["adcode"] if norm else expected["place"]
    got = {k: fact.get(k) for k in expected}
    assert got == expected, f"{entry_id}: {case.text}"
