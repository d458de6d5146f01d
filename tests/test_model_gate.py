"""The model stage's gate and its cheaper parse (issue 20).

The stage parses only the stretches where a span it would keep may lie, and computes
the beam only for the sentences that hold such a span. What it finds on the real-world
development bulletins must not change; what it skips is most of the text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_nlp.extract import model
from bulletin_nlp.pipeline import process_file, process_text
from bulletin_nlp.spans import MENTION_TYPES

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "corpus" / "realworld" / "dev"


def _gate(text: str) -> tuple[model.Gate, int]:
    doc = process_text(text, use_model=False)
    taken = bytearray(len(doc.norm))
    for hit in doc.hits:
        if hit.type in MENTION_TYPES:
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
    return model.Gate(doc, taken), len(doc.norm)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("刘德胜带领阳光义工队赶赴现场。", ["刘德胜", "阳光义工队"]),  # a name, a team
        ("随后，扬州市慈善总会考察团又来到星海社区。", ["星海社区"]),  # a place's body
        ("高新区党工委、管委会负责同志陪同。", ["管委会"]),  # a name by itself
        ("沙特队以2比1战胜对手。", ["沙特队"]),
    ],
)
def test_gate_finds_where_a_name_may_be(text: str, found: list[str]) -> None:
    gate, end = _gate(text)
    spans = {text[s:e] for s, e in gate.candidates(0, end)}
    for name in found:
        assert any(name in span or span in name for span in spans), (name, spans)
    assert gate.may_add(0, end)


@pytest.mark.parametrize(
    "text",
    [
        "会议强调，要进一步加强社会工作专业人才队伍建设。",  # no name-like material
        "各地要全面提高服务质量和水平。",  # 全面, 高度: common words after surnames
        "民政部在北京召开会议。",  # every name is the rules'
    ],
)
def test_gate_skips_sentences_without_names(text: str) -> None:
    gate, end = _gate(text)
    assert not gate.may_add(0, end)


def test_windows_hold_the_candidates_with_context() -> None:
    text = "会议强调，要进一步加强社会工作专业人才队伍建设。刘德胜带领阳光义工队赶赴现场。"
    gate, end = _gate(text)
    windows = gate.windows(0, end, 4)
    assert windows and all(0 <= a < b <= end for a, b in windows)
    for s, e in gate.candidates(0, end):
        assert any(a <= max(0, s - 4) and min(end, e + 4) <= b for a, b in windows)
    assert sum(b - a for a, b in windows) < end


def test_quoted_slogans_are_no_orgs() -> None:
    doc = process_text("推行“无障碍”登记服务，张勇出席。", use_model=True)
    assert not [m for m in doc.mentions if m.extractor == "model" and m.type == "ORG"]
    assert model._quoted("推行“无障碍”登记", 3, 6)
    assert not model._quoted("《人民日报》", 1, 5)  # a paper's title is a name


@pytest.mark.parametrize("name", ["mt_12.txt", "mt_14.txt", "so_17.txt"])
def test_gate_keeps_what_the_model_finds_on_real_bulletins(name: str) -> None:
    """Every model span of the whole-text parse that the real-world gold confirms is
    found through the gate (管委会, 张勇, 赵桂锋, 黄文盈)."""
    doc = process_file(DEV / name, use_model=False)
    everywhere = {(h.start, h.end, h.type) for h in model.extract(doc, gated=False)}
    gated = {(h.start, h.end, h.type) for h in model.extract(doc)}
    assert everywhere and everywhere <= gated


def test_gate_skips_most_of_a_bulletin() -> None:
    model.GATE.clear()
    for path in sorted(DEV.glob("*.txt")):
        model.extract(process_file(path, use_model=False))
    seen, parsed = model.GATE["characters"], model.GATE["characters parsed"]
    assert seen > 5_000
    assert parsed < 0.15 * seen
    assert model.GATE["sentences in the beam"] <= model.GATE["sentences parsed"]
