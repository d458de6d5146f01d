"""Linear time on long documents (issue 20), counted rather than timed.

The structure (with its tables), PLACE, frames, ORG and PERSON stages, the quantity and
role facts and the model stage's gate are run over a document and over the same document twice, and the lines of their
code that run are counted (``sys.settrace``): every lookup over candidates, hits or places executes lines
per item examined, so a stage that compares each candidate with all the others runs
four times the lines on a document twice as long. A linear stage runs about twice the
lines. Layouts: paragraphs, lines without blank lines between them, no line breaks at
all (one article of one paragraph, as some PDF text comes), and a table pasted as
unpunctuated text.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin_nlp import doc as doc_module
from bulletin_nlp import gazetteer, tables
from bulletin_nlp.doc import Doc
from bulletin_nlp.extract import _org_refs, frames, model, org, person, place
from bulletin_nlp.facts import build, build_quantity_facts, build_role_facts, context, roles
from bulletin_nlp.facts import metric as f_metric
from bulletin_nlp.facts import modality as f_modality
from bulletin_nlp.facts import org as f_org
from bulletin_nlp.facts import place as f_place
from bulletin_nlp.facts import qualifier as f_qualifier
from bulletin_nlp.facts import year as f_year
from bulletin_nlp.normalize import normalize
from bulletin_nlp.pipeline import components
from bulletin_nlp.resolve.overlaps import resolve_overlaps
from bulletin_nlp.spans import MENTION_TYPES
from bulletin_nlp.structure import analyze

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "corpus").glob("*.txt")) + sorted(
    (ROOT / "corpus" / "realworld" / "dev").glob("*.txt")
)
TABLE_ROW = "杭州市 社工站 1200个 持证社工 3500人 志愿者 2.1万人 "
# Doubling the input may cost a little more than double (a longer document has a few
# more names to tell apart); a stage that compares all pairs costs about four times.
MAX_RATIO = 2.3
TRACED = frozenset(
    str(m.__file__)
    for m in (
        *(org, _org_refs, person, frames, roles, model, doc_module, place, tables),
        *(build, context, f_metric, f_modality, f_org, f_place, f_qualifier, f_year),
    )
)


WITH_GAZETTEER = TRACED | {str(gazetteer.__file__)}


def counted(run: Callable[[], Any], files: frozenset[str] = TRACED) -> int:
    """Lines of the ``files`` (the modules of the stages) that ``run()`` executes."""
    lines = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal lines
        if event == "line":
            lines += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename in files else None

    sys.settrace(calls)
    try:
        run()
    finally:
        sys.settrace(None)
    return lines


def work(text: str, files: frozenset[str] = TRACED) -> dict[str, int]:
    """Lines run by the structure, PLACE, frames, ORG and PERSON stages, the facts and
    the model's gate."""
    doc = Doc(path="long.txt", raw=text)
    doc.norm, doc.nmap = normalize(text)
    out: dict[str, int] = {"structure and tables": counted(lambda: analyze(doc), files)}
    for comp in components():
        if comp.name == "model":
            continue
        if comp.name in ("place", "frames", "org", "person"):
            found: list[Any] = []
            out[comp.name] = counted(lambda c=comp, f=found: f.extend(c.run(doc)), files)
            doc.hits.extend(found)
        else:
            doc.hits.extend(comp.run(doc))
    kept = resolve_overlaps(doc.hits)
    out["roles"] = counted(lambda: build_role_facts(doc, kept), files)
    out["quantity facts"] = counted(lambda: build_quantity_facts(doc, kept), files)
    taken = bytearray(len(doc.norm))
    for hit in doc.hits:
        if hit.type in MENTION_TYPES:
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
    gate = model.Gate(doc, taken)
    sentences = [(s.start, s.end) for s in doc.sentences]
    out["model gate"] = counted(lambda: [gate.windows(s, e, 20) for s, e in sentences], files)
    return out


def layout(texts: list[str], kind: str) -> str:
    if kind == "paragraphs":
        return "\n\n".join(texts)
    if kind == "lines":
        return "\n".join(line for t in texts for line in t.splitlines() if line.strip())
    return "".join(t.replace("\n", "") for t in texts)


def assert_linear(text: str, twice: str, files: frozenset[str] = TRACED) -> None:
    work(text[:200], files)  # first calls build the stages' tables: not the document's work
    once, double = work(text, files), work(twice, files)
    for stage, lines in once.items():
        assert double[stage] <= MAX_RATIO * max(lines, 50), (stage, lines, double[stage])


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    kind=st.sampled_from(["paragraphs", "lines", "flat"]),
    picks=st.lists(st.sampled_from(SOURCES), min_size=4, max_size=8, unique=True),
)
def test_doubling_a_document_doubles_the_work(kind: str, picks: list[Path]) -> None:
    texts = [p.read_text(encoding="utf-8") for p in picks]
    assert_linear(layout(texts, kind), layout(texts + texts, kind))


@pytest.mark.parametrize("layout_kind", ["lines", "flat"])
def test_a_dozen_bulletins_doubled_is_linear(layout_kind: str) -> None:
    """Deterministic and long enough for a per-figure scan of everything before it to
    show (a headline's figure once read the whole document as its sentence)."""
    texts = [p.read_text(encoding="utf-8") for p in SOURCES[:12]]
    # With the gazetteer's resolver counted too: an ambiguous place name weighs the
    # resolved places around it, 32 on each side at most. A document of a few bulletins
    # has fewer, so its names weigh more of them when it doubles; a dozen has more, and
    # doubling it doubles the work (it tripled when every place of the article counted).
    assert_linear(layout(texts, layout_kind), layout(texts * 2, layout_kind), WITH_GAZETTEER)


@pytest.mark.parametrize("rows", [600])
def test_unpunctuated_table_text_is_linear(rows: int) -> None:
    # Long enough that a sentence is cut at structure.SENTENCE_MAX many times over, and
    # that a figure checking every body of its one-paragraph table shows (_reporter did).
    assert_linear(TABLE_ROW * rows, TABLE_ROW * rows * 2)


def test_a_quadratic_lookup_is_caught() -> None:
    """The measure itself: a lookup over all candidates per candidate is not linear."""

    def pairs(n: int) -> int:
        items = list(range(n))
        return counted(lambda: [[x for x in items if x < y] for y in items], frozenset([__file__]))

    assert pairs(200) > 3 * pairs(100)
