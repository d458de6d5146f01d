"""Gold annotations: the YAML compiler reproduces the development gold's raw offsets
exactly, reports every problem with its file and entry, and the real-world set compiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulletin_nlp.gold import GoldError, compile_folder, compile_gold, draft_gold, place_norm

from .conftest import CORPUS, GOLD

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted(GOLD.glob("*.yaml")), ids=lambda p: p.stem)
def test_compiling_the_yaml_reproduces_the_json_gold(path: Path) -> None:
    assert compile_gold(path) == json.loads(path.with_suffix(".json").read_text("utf-8"))


@pytest.mark.parametrize("split", ["dev", "test"])
def test_the_real_world_json_is_the_compiled_yaml(split: str) -> None:
    folder = ROOT / "corpus" / "realworld" / split / "gold"
    paths = sorted(folder.glob("*.yaml"))
    assert len(paths) >= 25
    for path in paths:
        assert compile_gold(path) == json.loads(path.with_suffix(".json").read_text("utf-8"))


def test_problems_name_the_file_and_entry(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("台州市共有社工站12个。", encoding="utf-8")
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "a.yaml").write_text(
        "doc: a.txt\nmentions:\n  - [PLACE, 台州市, 浙江省台州市]\n  - [QUANTITY, 13个, "
        "{value: 13, unit: 个, approx: exact}]\n  - [PLACE, 火星, 火星]\nfacts: []\nroles: []\n",
        encoding="utf-8",
    )
    with pytest.raises(GoldError) as err:
        compile_folder(gold)
    message = str(err.value)
    assert "a.yaml" in message and "mention 2" in message and "text not found" in message
    assert not (gold / "a.json").exists()  # nothing is written unless all compiles


def test_a_quantity_without_a_fact_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("台州市共有社工站12个。", encoding="utf-8")
    (tmp_path / "gold").mkdir()
    path = tmp_path / "gold" / "a.yaml"
    path.write_text(
        "doc: a.txt\nmentions:\n  - [QUANTITY, 12个, {value: 12, unit: 个, approx: exact}]\n",
        encoding="utf-8",
    )
    with pytest.raises(GoldError, match="no fact"):
        compile_gold(path)


@pytest.mark.parametrize(
    ("name", "adcode"),
    [("全国", "100000"), ("浙江省台州市", "331000"), ("河南省鹤壁市浚县王庄镇", "410621")],
)
def test_place_names_resolve_to_adcodes(name: str, adcode: str) -> None:
    norm = place_norm(name)
    assert norm is not None and norm["adcode"] == adcode


def test_a_draft_compiles_back(tmp_path: Path) -> None:
    text = CORPUS / "003_97ebb4bc4085e2f5.txt"
    (tmp_path / "gold").mkdir()
    (tmp_path / text.name).write_text(text.read_text("utf-8"), encoding="utf-8")
    yaml_path = tmp_path / "gold" / "003.yaml"
    yaml_path.write_text(draft_gold(text, "https://example.org/x"), encoding="utf-8")
    compiled = compile_gold(yaml_path)
    assert compiled["url"] == "https://example.org/x" and compiled["mentions"]
