"""The model stage: the shipped spaCy NER, its switch, and how its spans join the rules'."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bulletin_nlp.cli import main
from bulletin_nlp.extract import STAGES, model
from bulletin_nlp.extract.person import load_rules as person_rules
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.resolve.org import lexicon_canonical
from bulletin_nlp.spans import Hit

# An organization and a person that no rule lexicon lists, and no rule cue licenses.
SENTENCE = "刘德胜带领阳光义工队赶赴现场。"
ORG = "阳光义工队"
PERSON = "刘德胜"


def _model_mentions(doc):
    return [(m.type, m.text) for m in doc.mentions if m.extractor == "model"]


def test_model_ships_inside_the_package() -> None:
    files = [p for p in model.MODEL_DIR.rglob("*") if p.is_file()]
    assert (model.MODEL_DIR / "meta.json") in files
    assert sum(p.stat().st_size for p in files) < 30_000_000
    assert model.model_version().startswith("zh_bulletin_ner-")
    assert set(model.load().get_pipe("ner").labels) == {"ORG", "PLACE", "PERSON"}


def test_model_is_the_last_stage() -> None:
    assert STAGES[-1] == "model"


def test_model_tags_names_the_lexicons_lack() -> None:
    assert lexicon_canonical(ORG) is None
    assert PERSON not in person_rules().leaders
    [ents] = model.predict([SENTENCE])
    found = {(SENTENCE[e.start : e.end], e.label) for e in ents}
    assert (ORG, "ORG") in found
    assert (PERSON, "PERSON") in found


def test_pipeline_keeps_model_spans_the_rules_missed() -> None:
    rules_only = process_text(SENTENCE, use_model=False)
    assert not [m for m in rules_only.mentions if m.text in (ORG, PERSON)]
    doc = process_text(SENTENCE, use_model=True)
    by_text = {m.text: m for m in doc.mentions if m.extractor == "model"}
    assert by_text[ORG].type == "ORG" and by_text[ORG].norm == ORG
    assert by_text[PERSON].type == "PERSON" and by_text[PERSON].norm == PERSON
    for m in by_text.values():
        assert m.rule_id == "model:zh_bulletin_ner"
        assert m.ruleset_version == model.model_version()
        assert model.THRESHOLD <= m.score <= 1.0


def test_rule_spans_win_over_model_spans() -> None:
    doc = process_text(SENTENCE, use_model=False)
    start = SENTENCE.index(PERSON)
    # Any earlier hit overlapping the name, even by one character, blocks the model span.
    doc.hits.append(Hit(start + 1, start + 2, "DATE", "2022", "test"))
    texts = {doc.norm[h.start : h.end] for h in model.extract(doc)}
    assert PERSON not in texts
    assert ORG in texts


def test_no_model_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _model_mentions(process_text(SENTENCE))  # on by default
    monkeypatch.setenv(model.ENV_OFF, "1")
    assert not model.enabled()
    assert not _model_mentions(process_text(SENTENCE))
    assert _model_mentions(process_text(SENTENCE, use_model=True))


def test_cli_no_model_flag(tmp_path) -> None:
    path = tmp_path / "b.txt"
    path.write_text(SENTENCE, encoding="utf-8")
    runner = CliRunner()
    with_model = runner.invoke(main, ["extract", str(path), "--json"])
    without = runner.invoke(main, ["extract", str(path), "--json", "--no-model"])
    assert with_model.exit_code == 0 and without.exit_code == 0
    texts = {m["text"] for m in json.loads(with_model.output)["mentions"]}
    assert {ORG, PERSON} <= texts
    assert not {ORG, PERSON} & {m["text"] for m in json.loads(without.output)["mentions"]}


@pytest.mark.parametrize(
    ("label", "text", "norm"),
    [
        ("PLACE", "台州市", {"name": "浙江省台州市", "adcode": "331000"}),
        ("PLACE", "浙江台州", {"name": "浙江省台州市", "adcode": "331000"}),
        ("PLACE", "加利福尼亚", None),  # no adcode: not kept
        ("ORG", "中社联", "中国社会工作联合会"),
        ("PERSON", "陈存根", "陈存根"),
    ],
)
def test_model_spans_are_normalized_by_the_resolvers(label: str, text: str, norm: object) -> None:
    doc = process_text(f"{text}。", use_model=False)
    doc.hits.clear()
    assert model._normalize(doc, label, 0, len(text)) == norm


@pytest.mark.parametrize(
    ("text", "span", "trimmed"),
    [
        ("《人民日报》", (0, 6), (1, 5)),
        ("“蓝天救援队”", (0, 7), (1, 6)),
        ("民政部", (0, 3), (0, 3)),
        ("（）", (0, 2), (2, 2)),
    ],
)
def test_trim_strips_brackets_and_quotes(
    text: str, span: tuple[int, int], trimmed: tuple[int, int]
) -> None:
    assert model._trim(text, *span) == trimmed


def test_pipeline_without_model_never_imports_spacy() -> None:
    code = (
        "import sys\n"
        "from bulletin_nlp.pipeline import process_text\n"
        "process_text('民政部在北京召开会议。', use_model=False)\n"
        "print('spacy' in sys.modules, 'thinc' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("label", "text", "end", "ok"),
    [
        ("ORG", "阳光义工队", None, True),
        ("ORG", "招商银行", None, True),
        ("ORG", "社区基金", None, False),  # nothing distinctive before the head
        ("ORG", "中华文化", None, False),  # national word + generic word
        ("ORG", "培训计划", None, False),  # a programme's head
        ("ORG", "社会组织", None, False),  # not_org in rules/org.yaml
        ("ORG", "福利彩票公益金", None, False),  # money (not_org_head), not a body
        ("ORG", "扶贫专项经费", None, False),
        ("ORG", "政府", None, False),  # a common dictionary word
        ("ORG", "外贸公司", None, False),  # a rule suffix: the ORG rules judged it
        ("ORG", "社工机构发展", None, False),  # 社工机构 = generic + generic
        ("ORG", "充分肯定", 3, False),  # ends inside the word 肯定
        ("ORG", "妇联、残联", None, False),  # punctuation inside
        ("PERSON", "刘德胜", None, True),
        ("PERSON", "矫正", None, False),  # no name shape
        ("PERSON", "and", None, False),
        ("PLACE", "北京", None, True),  # common, but places are the gazetteer's to judge
    ],
)
def test_plausible_applies_the_rules_checks(label: str, text: str, end: int | None, ok: bool) -> None:
    doc = process_text(f"{text}。", use_model=False)
    assert model.plausible(doc, label, 0, end or len(text)) is ok
