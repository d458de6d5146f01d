"""Every example of every rules file, run against the stage its entry belongs to.

The examples are parsed in one place (:class:`bulletin_nlp.rules.Example`: a text, the
spans marked in it, the value expected for the last one); what a `match` or a `no_match`
example asserts depends on the rules file and the kind of entry, as each file's
description says and ``CHECKERS`` below implements. The `cases` of rules/facts.yaml and
rules/metrics.yaml are examples too: in a text, the fact of a figure has the fields given.
An entry without any example fails ``bulletin-nlp rules check`` unless
rules/examples_exempt.yaml gives the reason (tested here too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import regex

from bulletin_nlp.dates import date_rules, find_dates, normalize_date
from bulletin_nlp.doc import Doc
from bulletin_nlp.facts import FieldCase
from bulletin_nlp.gazetteer import gazetteer
from bulletin_nlp.gold import place_norm
from bulletin_nlp.normalize import compact
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.rules import Example
from bulletin_nlp.ruleset import exemptions, missing_examples, rule_files
from bulletin_nlp.spans import Hit
from bulletin_nlp.structure import BYLINE_MAX

FILES = rule_files()

Span = tuple[int, int]


# ---- running the pipeline ---------------------------------------------------------------


def run(text: str, stage: str | None = None) -> Doc:
    """The pipeline over ``text``: up to ``stage`` (and the stages it needs) or whole;
    never the model (these are the rules' examples)."""
    stages = (stage,) if stage else None
    return process_text(text, "example.txt", stages=stages, use_model=False)


def hits(doc: Doc, type_: str) -> list[tuple[Span, Hit]]:
    """The stage hits of one type (before overlaps are resolved), in raw offsets."""
    return [(doc.raw_span(h.start, h.end), h) for h in doc.hits if h.type == type_]


def attr(hit: Hit, name: str) -> Any:
    attrs: Any = hit.attrs
    return attrs.get(name) if isinstance(attrs, dict) else getattr(attrs, name, None)


def no_value(file: str, ex: Example) -> None:
    assert ex.norm is None, f"{file} examples give no '=> value': {ex}"


# ---- what an example asserts, per rules file ----------------------------------------------


def check_org(entry: Any, ex: Example, match: bool) -> None:
    """ORG (org.yaml, org_lexicon.yaml): a match example yields an ORG mention with exactly
    each marked span, the last one with the canonical name after ``=>``; a no_match
    example yields no ORG mention at all."""
    doc = run(ex.text)
    found = {(m.start, m.end): m.norm for m in doc.mentions if m.type == "ORG"}
    if not match:
        assert found == {}
        return
    for span in ex.spans:
        assert span in found, (ex.text[span[0] : span[1]], found)
    if ex.norm is not None:
        assert found[ex.spans[-1]] == ex.norm


def check_person(entry: Any, ex: Example, match: bool) -> None:
    """PERSON: a match example yields a PERSON hit for each marked span whose value is
    the name (or the value after ``=>``); a no_match example yields no PERSON hit."""
    found = {span: h.norm for span, h in hits(run(ex.text, "person"), "PERSON")}
    if not match:
        assert found == {}
        return
    for i, (start, end) in enumerate(ex.spans):
        want = ex.norm if ex.norm is not None and i == len(ex.spans) - 1 else ex.text[start:end]
        assert found.get((start, end)) == want, (want, found)


def check_place(entry: Any, ex: Example, match: bool) -> None:
    """PLACE: a match example yields exactly one PLACE hit per marked span (the whole
    text when none is marked) and no other, the last one of the place after ``=>`` (full
    name or adcode); a no_match example yields no PLACE hit. For self_scope entries a
    match example is an article that names itself by level (我县): its place is the one
    of the marked PLACE; for outlet entries, an article that names no place: its place is
    the outlet's region."""
    if entry.kind == "self_scope":
        no_value("place self_scope", ex)
        assert match, "self_scope examples are articles (match)"
        doc = run(ex.text)
        places = {span: h.norm["adcode"] for span, h in hits(doc, "PLACE")}
        assert ex.spans[-1] in places, places
        assert doc.articles[0].place == places[ex.spans[-1]]
        return
    if entry.kind == "outlet":
        no_value("place outlet", ex)
        assert match, "outlet examples are articles (match)"
        assert run(ex.text).articles[0].place == gazetteer().by_full_name[entry.target].adcode
        return
    found = hits(run(ex.text, "place"), "PLACE")
    if not match:
        assert [ex.text[s:e] for (s, e), _h in found] == []
        return
    assert [span for span, _h in found] == list(ex.spans), [ex.text[s:e] for (s, e), _h in found]
    if ex.norm is not None:
        assert ex.norm in (found[-1][1].norm["name"], found[-1][1].norm["adcode"])


def check_quantity(entry: Any, ex: Example, match: bool) -> None:
    """QUANTITY: a match example yields a hit of exactly the marked span (the whole text
    when none is marked) and no other overlapping it; for unit and context_unit entries
    that hit is of this entry, for direction entries it carries the entry's direction. A
    no_match example yields no QUANTITY hit. For exclude entries the examples say whether
    the pattern itself matches (and no QUANTITY overlaps its match)."""
    no_value("quantity", ex)
    found = hits(run(ex.text, "quantity"), "QUANTITY")
    if entry.kind == "exclude":
        m = regex.search(entry.pattern, ex.text)
        if not match:
            assert m is None
            return
        assert m, "the pattern should match"
        assert not [s for (s, e), _h in found if s < m.end() and m.start() < e]
        return
    if not match:
        assert [ex.text[s:e] for (s, e), _h in found] == []
        return
    ((start, end),) = ex.spans
    exact = [h for span, h in found if span == (start, end)]
    assert exact, f"expected {ex.text[start:end]!r}, got {[ex.text[s:e] for (s, e), _ in found]}"
    assert not [h for (s, e), h in found if h not in exact and s < end and start < e]
    if entry.kind in ("unit", "context_unit"):
        assert exact[0].rule_id == entry.id
    if entry.kind == "direction":
        assert attr(exact[0], "direction") == entry.direction


# The normalizer reads relative dates of examples against this day.
REF_DATE = date(2020, 6, 15)


def check_date(entry: Any, ex: Example, match: bool) -> None:
    """DATE. An extract pattern: a match example yields a DATE hit of this entry with
    exactly the marked span (the whole text when none is marked), of the value after
    ``=>`` if given; a no_match example yields no hit of this entry. A normalizer-only
    pattern (``extract: false``): the pattern matches the whole (folded) match example,
    which normalizes (to the value after ``=>``, against 2020-06-15) and which the scanner
    finds. Any other entry (fragment, offsets, cues, eras, variants): a match example with
    nothing marked is a whole date expression that normalizes (to the value after ``=>``,
    against 2020-06-15); one with marked spans is running text where the extractor finds
    a DATE at each (the last of the value after ``=>``; its article is dated by its own
    text), and for the prospective cues the marked date is a target that does not date
    its article; a no_match example normalizes to nothing and yields no DATE."""
    rules = date_rules()
    if entry.kind == "pattern" and not entry.extract:
        assert match, "a normalizer-only pattern has match examples only"
        pattern = next(p for p in rules.patterns if p.id == entry.id)
        assert pattern.regex.fullmatch(ex.text.translate(rules.fold))
        value = normalize_date(ex.text, REF_DATE.year, REF_DATE)
        assert value is not None
        if ex.norm is not None:
            assert value == ex.norm
        assert find_dates(ex.text, extended=True)  # the scanner finds it too
        return
    if entry.kind == "pattern":
        found = hits(run(ex.text, "date"), "DATE")
        mine = {span: h.norm for span, h in found if h.rule_id == entry.id}
        if not match:
            assert mine == {}
            return
        for span in ex.spans:
            assert span in mine, (ex.text[span[0] : span[1]], [(s, h.rule_id) for s, h in found])
        if ex.norm is not None:
            assert mine[ex.spans[-1]] == ex.norm
        return
    if not match:
        assert normalize_date(ex.text, REF_DATE.year, REF_DATE) is None
        assert hits(run(ex.text, "date"), "DATE") == []
        return
    if not ex.marked:
        value = normalize_date(ex.text, REF_DATE.year, REF_DATE)
        assert value is not None
        if ex.norm is not None:
            assert value == ex.norm
        return
    doc = run(ex.text, "date")
    spans = {span: h.norm for span, h in hits(doc, "DATE")}
    for span in ex.spans:
        assert span in spans, (ex.text[span[0] : span[1]], spans)
    if ex.norm is not None:
        assert spans[ex.spans[-1]] == ex.norm
    if entry.kind == "cues" and entry.name.startswith("prospective"):
        target = spans[ex.spans[-1]]
        assert target and doc.articles[0].year != int(target[:4])


def check_document(entry: Any, ex: Example, match: bool) -> None:
    """DOCUMENT: a match example of a not_title_* entry is a text the rule catches, so no
    DOCUMENT is found in it; one of a title_suffix entry yields a DOCUMENT (the rule keeps
    the title a document); one of any other entry yields a hit of that entry whose text is
    in the example (each marked span a hit of it, if marked). A no_match example yields
    no DOCUMENT."""
    no_value("document", ex)
    doc = run(ex.text, "document")
    found = hits(doc, "DOCUMENT")
    if not match or entry.kind.startswith("not_title"):
        assert found == []
        return
    mine = [(span, h) for span, h in found if entry.kind == "title_suffix" or h.rule_id == entry.id]
    assert mine, f"{entry.id} found nothing in {ex.text!r}"
    assert all(doc.raw_text(h.start, h.end) in ex.text for _span, h in mine)
    if ex.marked:
        assert set(ex.spans) <= {span for span, _h in mine}


def check_initiative(entry: Any, ex: Example, match: bool) -> None:
    """INITIATIVE: a match example of a stop or generic_head entry is a text the list
    catches, so no INITIATIVE is found in it; one of a place_abbrev entry yields an
    INITIATIVE (of a place_pair rule) in it; one of any other entry yields a hit of that
    entry whose text is in the example (the whole example for a lexicon entry). A no_match
    example yields no INITIATIVE."""
    no_value("initiative", ex)
    doc = run(ex.text, "initiative")
    found = hits(doc, "INITIATIVE")
    if not match or entry.kind in ("stop", "generic_head"):
        assert found == []
        return
    texts = [
        doc.raw_text(h.start, h.end)
        for _span, h in found
        if h.rule_id == entry.id or entry.kind == "place_abbrev"
    ]
    assert texts, f"{entry.id} found nothing in {ex.text!r}"
    assert all(t in ex.text for t in texts)
    if entry.kind == "lexicon":
        assert texts == [ex.text]


def check_structure(entry: Any, ex: Example, match: bool) -> None:
    """Structure cues: the pattern matches a match example (a byline is also a short line)
    and does not match a no_match example."""
    no_value("structure", ex)
    found = regex.search(entry.pattern, ex.text) is not None
    if entry.id == "structure.byline":
        found = found and len(ex.text) <= BYLINE_MAX
    assert found is match


def check_facts(entry: Any, ex: Example, match: bool) -> None:
    """Fact cues: a word or a pattern of the entry is in a match example, none in a
    no_match example (what the cue does to a fact is in the entry's `cases`)."""
    no_value("facts", ex)
    found = any(w in ex.text for w in entry.words) or any(
        regex.search(p, ex.text) for p in entry.patterns
    )
    assert found is match


def check_metrics(entry: Any, ex: Example, match: bool) -> None:
    """Metrics: the first fact of a match example is of this metric; no fact of a
    no_match example is."""
    no_value("metrics", ex)
    facts = run(ex.text).facts
    if not match:
        assert entry.id not in [f["metric"] for f in facts]
        return
    assert facts and facts[0]["metric"] == entry.id, facts


def check_check(entry: Any, ex: Example, match: bool) -> None:
    """`check` vocabulary: an open_over word is in a match example and none in a no_match
    example."""
    no_value("check", ex)
    assert entry.kind == "open_over", f"no examples for {entry.kind} entries"
    assert any(w in ex.text for w in entry.words) is match


CHECKERS: dict[str, Callable[[Any, Example, bool], None]] = {
    "org": check_org,
    "org_lexicon": check_org,
    "person": check_person,
    "place": check_place,
    "quantity": check_quantity,
    "date": check_date,
    "document": check_document,
    "initiative": check_initiative,
    "structure": check_structure,
    "facts": check_facts,
    "metrics": check_metrics,
    "check": check_check,
}


# ---- the examples -------------------------------------------------------------------------


def _examples() -> list[Any]:
    out = []
    entry: Any
    for name, entries in FILES.items():
        for entry in entries:
            examples = getattr(entry, "examples", None)
            for polarity in ("match", "no_match"):
                for i, ex in enumerate(getattr(examples, polarity, [])):
                    out.append(
                        pytest.param(
                            name,
                            entry,
                            polarity == "match",
                            ex,
                            id=f"{name}:{entry.id}:{polarity}{i}",
                        )
                    )
    return out


def _cases() -> list[Any]:
    out = []
    entry: Any
    for name, entries in FILES.items():
        for entry in entries:
            for i, case in enumerate(getattr(entry, "cases", [])):
                out.append(pytest.param(entry.id, case, id=f"{name}:{entry.id}:case{i}"))
    return out


EXAMPLES = _examples()
CASES = _cases()


def test_every_rules_file_has_a_checker() -> None:
    assert sorted(set(FILES) - set(CHECKERS)) == []


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 1050
    assert len(CASES) >= 30


def test_every_entry_has_an_example_or_an_exemption() -> None:
    assert missing_examples(FILES, exemptions()) == []


@pytest.mark.parametrize(("file", "entry", "match", "example"), EXAMPLES)
def test_rule_example(file: str, entry: Any, match: bool, example: Example) -> None:
    CHECKERS[file](entry, example, match)


@pytest.mark.parametrize(("entry_id", "case"), CASES)
def test_fact_case(entry_id: str, case: FieldCase) -> None:
    """In the case's text, the ``nth`` fact of its figure has the fields given."""
    doc = run(case.text)
    facts = [f for f in doc.facts if compact(doc.raw[slice(*f["quantity_span"])]) == case.figure]
    assert len(facts) > case.nth, f"{entry_id}: no fact for {case.figure!r}"
    fact = facts[case.nth]
    expected = case.expected()
    if expected.get("place") is not None:
        norm = place_norm(expected["place"])
        expected["place"] = norm["adcode"] if norm else expected["place"]
    got = {k: fact.get(k) for k in expected}
    assert got == expected, f"{entry_id}: {case.text}"
