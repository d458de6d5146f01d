"""DOCUMENT stage: 《》 titles, aliases, unbracketed titles (the rule-file examples run in
tests/test_rule_examples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_nlp.doc import Doc
from bulletin_nlp.evaluate import evaluate
from bulletin_nlp.extract import document
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.spans import Hit


def run(text: str) -> tuple[Doc, list[Hit]]:
    """Normalize ``text`` and run only this stage."""
    doc = process_text(text, stages=())
    return doc, document.extract(doc)


def found(text: str) -> list[tuple[str, str]]:
    """(raw text, value) of every hit, in order."""
    doc, hits = run(text)
    return [(doc.raw_text(h.start, h.end), h.norm) for h in hits]


NOTICE = "关于组织开展2023年社会工作主题宣传活动的通知"
PLAN = "河南省“十四五”民政事业发展规划"

CASES = [
    (
        "出台《台州市社会工作专业人才使用管理办法》等文件",
        [("台州市社会工作专业人才使用管理办法", "台州市社会工作专业人才使用管理办法")],
    ),
    # The value keeps the source's half-width brackets; normalization only folds what
    # the extractors read.
    ("《实施办法(试行)》", [("实施办法(试行)", "实施办法(试行)")]),
    (
        "《关于转发〈关于加强岗位开发的实施意见〉的通知》",
        [
            (
                "关于转发〈关于加强岗位开发的实施意见〉的通知",
                "关于转发〈关于加强岗位开发的实施意见〉的通知",
            )
        ],
    ),
    (
        "《关于\n印发沈阳市方案的通知》",
        [("关于\n印发沈阳市方案的通知", "关于印发沈阳市方案的通知")],
    ),
    (
        f"下发《{NOTICE}》(以下简称《通知》)。《通知》提出",
        [(NOTICE, NOTICE), ("通知", NOTICE), ("通知", NOTICE)],
    ),
    (
        f"印发《{PLAN}》（以下简称《规划》）。《规划》依据《“十四五”民政事业发展规划》",
        [
            (PLAN, PLAN),
            ("规划", PLAN),
            ("规划", PLAN),
            ("“十四五”民政事业发展规划", "“十四五”民政事业发展规划"),
        ],
    ),
    (f"印发《{PLAN}》。《规划》提出", [(PLAN, PLAN), ("规划", PLAN)]),
    ("《规划》提出", [("规划", "规划")]),
    (
        "联合发布\n关于加快推进乡镇（街道）社工站建设工作的通知，全面提升",
        [
            (
                "关于加快推进乡镇（街道）社工站建设工作的通知",
                "关于加快推进乡镇（街道）社工站建设工作的通知",
            )
        ],
    ),
    (
        "率先出台镇街社工站规范化建设评估指引，推进",
        [("镇街社工站规范化建设评估指引", "镇街社工站规范化建设评估指引")],
    ),
    (
        "宣读了《关于同意委员会更名换届的批复》，",
        [("关于同意委员会更名换届的批复", "关于同意委员会更名换届的批复")],
    ),
]

NEGATIVES = [
    "（据《台州日报》）",
    "(据《辽沈晚报》)",
    "据《长江日报》报道",
    "登上《中国社会工作》杂志",
    "通知要求，各地区要加强组织领导",
    "制定活动方案，周密组织实施",
    "先后出台多个文件促进社会工作专业化",
    "贯彻落实习近平总书记关于发挥社会工作专业优势的重要指示精神",
    "《未闭合的书名号\n\n下一段》",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_document_case(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_not_document(text: str) -> None:
    assert found(text) == []


def test_find_titles_outermost() -> None:
    assert document.find_titles("《甲《乙》丙》和《丁》") == [(1, 6), (9, 10)]


def test_rules_load_once() -> None:
    assert document.load_rules() is document.load_rules()


def test_dev_gold_scores() -> None:
    """The whole pipeline on the dev gold keeps this type at F1 >= 0.92, values >= 0.95."""
    gold = Path(__file__).resolve().parents[1] / "corpus" / "gold"
    prf = evaluate(gold).mentions["DOCUMENT"]
    assert prf.f1 >= 0.92, prf
    assert prf.norm_accuracy >= 0.95, prf
