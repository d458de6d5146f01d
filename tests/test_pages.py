"""Whole pages written for the tests, in layouts the samples lack: several articles on a
page, sources inline and on their own lines, datelines, PDF wraps, a masthead, two-line
headlines. Each ``tests/data/pages/<name>.txt`` has a golden ``<name>.yaml``: the article
split a reader makes (headline, how the body begins, source) and the year and place of
each figure, which must come from its own article."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bulletin_nlp.doc import Doc
from bulletin_nlp.evaluate import frame_leaks
from bulletin_nlp.gold import place_norm
from bulletin_nlp.normalize import compact
from bulletin_nlp.pipeline import process_file

PAGES = Path(__file__).parent / "data" / "pages"
NAMES = sorted(p.stem for p in PAGES.glob("*.yaml"))


@pytest.fixture(scope="module")
def pages() -> dict[str, Doc]:
    return {n: process_file(PAGES / f"{n}.txt", use_model=False) for n in NAMES}


def _golden(name: str) -> dict:
    return yaml.safe_load((PAGES / f"{name}.yaml").read_text(encoding="utf-8"))


def _article_view(doc: Doc) -> list[dict[str, str | None]]:
    """What a reader checks of each article: headline (however its lines were joined),
    how the body begins, and the source line."""
    out = []
    for i, art in enumerate(doc.articles):
        head = art.headline_span or (art.start, art.start)
        body = [
            s
            for s in doc.sentences
            if s.article == i
            and not head[0] <= s.start < head[1]
            and not any(a <= s.start < b for a, b in art.meta_spans)
        ]
        begins = compact(doc.norm[body[0].start : body[0].end]) if body else ""
        out.append(
            {
                "headline": compact(art.headline.replace(" / ", "")),
                "begins": begins,
                "source": compact(art.source) if art.source else None,
            }
        )
    return out


@pytest.mark.parametrize("name", NAMES)
def test_page_splits_into_its_articles(pages: dict[str, Doc], name: str) -> None:
    expected = _golden(name)["articles"]
    found = _article_view(pages[name])
    assert len(found) == len(expected), [a["headline"] for a in found]
    for want, got in zip(expected, found, strict=True):
        assert got["headline"] == compact(want["headline"])
        assert got["begins"].startswith(compact(want["begins"])), got["begins"]
        assert got["source"] == (compact(want["source"]) if want.get("source") else None)


@pytest.mark.parametrize("name", NAMES)
def test_page_figures_take_year_and_place_from_their_own_article(
    pages: dict[str, Doc], name: str
) -> None:
    doc = pages[name]
    golden = _golden(name)
    if "issue_year" in golden:
        assert doc.issue_year == golden["issue_year"]
    facts = [(compact(doc.raw[slice(*f["quantity_span"])]), f) for f in doc.facts]
    wrong = []
    for want in golden["facts"]:
        k = next((i for i, (text, _f) in enumerate(facts) if text == want["quantity"]), None)
        assert k is not None, f"no fact for {want['quantity']}"
        _text, got = facts.pop(k)
        place = place_norm(want["place"])["adcode"] if want["place"] else None  # type: ignore[index]
        if (got["year"], got["place"]) != (want["year"], place):
            wrong.append((want["quantity"], (got["year"], got["place"]), (want["year"], place)))
    assert not wrong


ALL_BULLETINS = sorted(
    [*Path(__file__).parents[1].glob("corpus/*.txt"), *Path(__file__).parent.glob("data/*.txt")]
    + [*PAGES.glob("*.txt"), *Path(__file__).parents[1].glob("corpus/realworld/dev/*.txt")]
)


@pytest.mark.parametrize("path", ALL_BULLETINS, ids=lambda p: p.name)
def test_no_fact_takes_its_year_or_place_from_another_article(path: Path) -> None:
    doc = process_file(path, use_model=False)
    assert frame_leaks(doc) == []


def test_a_leak_is_caught() -> None:
    doc = process_file(PAGES / "multi_inline_sources.txt", use_model=False)
    fact = next(f for f in doc.facts if f["value"] == 3200)
    fact["year"], fact["place"] = 2017, "320800"  # as if from another article
    assert {(leak["field"], leak["value"]) for leak in frame_leaks(doc)} == {
        ("year", 2017),
        ("place", "320800"),
    }
