"""INITIATIVE stage: lexicon, quoted terms with cues, unquoted names (the rule-file examples
run in tests/test_rule_examples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_nlp.doc import Doc
from bulletin_nlp.evaluate import evaluate
from bulletin_nlp.extract import initiative
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.spans import Hit


def run(text: str, places: tuple[str, ...] = ()) -> tuple[Doc, list[Hit]]:
    """Normalize ``text``, add PLACE hits for ``places``, run only this stage."""
    doc = process_text(text, stages=())
    for place in places:
        start = doc.norm.index(place)
        doc.hits.append(Hit(start, start + len(place), "PLACE", place, "test"))
    return doc, initiative.extract(doc)


def found(text: str, places: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(raw text, value) of every hit, in order."""
    doc, hits = run(text, places)
    return [(doc.raw_text(h.start, h.end), h.norm) for h in hits]


CASES = [
    ("推进“五社联动”机制", [("五社联动", "五社联动")]),
    ("关爱“一小一老”，服务一老一小", [("一小一老", "一小一老"), ("一老一小", "一老一小")]),
    ("“推进‘五社联动’ 关爱‘一小一老’”", [("五社联动", "五社联动"), ("一小一老", "一小一老")]),
    ("「乡村筑梦工程」实施", [("乡村筑梦工程", "乡村筑梦工程")]),
    ("全面实现“应报尽报”“应培尽培”", [("应报尽报", "应报尽报"), ("应培尽培", "应培尽培")]),
    ("聚焦“一老一小一困一残”等群体", [("一老一小一困一残", "一老一小一困一残")]),
    ("实施“六抓六强”工作法", [("六抓六强", "六抓六强")]),
    (
        "打造了“心向融 暖敖镇”“益路同行 康乐牧人”等特色品牌",
        [("心向融 暖敖镇", "心向融 暖敖镇"), ("益路同行 康乐牧人", "益路同行 康乐牧人")],
    ),
    (
        "依托“牵手计划”、“三区计划”和“社工黔行”等服务项目",
        [("牵手计划", "牵手计划"), ("三区计划", "三区计划"), ("社工黔行", "社工黔行")],
    ),
    ("通过“送教上门”的形式", [("送教上门", "送教上门")]),
    ("“检察+社工”模式", [("检察+社工", "检察+社工")]),
    ("实施养老服务人才队伍建设工程。", [("养老服务人才队伍建设工程", "养老服务人才队伍建设工程")]),
    (
        "实施社会工作者培训计划和社会工作服务机构牵手计划，",
        [("社会工作服务机构牵手计划", "社会工作服务机构牵手计划")],
    ),
    ("公布的武汉英才计划名单", [("武汉英才计划", "武汉英才计划")]),
    ("开展国际社工\n日主题宣传活动，", [("国际社工\n日主题宣传活动", "国际社工日主题宣传活动")]),
    (
        "召开 7·20 河南暴雨\n灾害工作支援行动总结会。会上，7·20河南暴雨灾害社会工作支援行动",
        [
            ("7·20 河南暴雨\n灾害工作支援行动", "7·20河南暴雨灾害社会工作支援行动"),
            ("7·20河南暴雨灾害社会工作支援行动", "7·20河南暴雨灾害社会工作支援行动"),
        ],
    ),
]

NEGATIVES = [
    "打通了为民服务“最后一米”",
    "分析了双方在工作方向上的“契合点”",
    "围绕实现“双碳”目标",
    "切实增强“四个意识”、坚定“四个自信”",
    "打造人才集聚“强磁场”",
    "发挥好人才“孵化器”的作用",
    "推动“五社”有机融合",
    "采取“传、帮、带”方式",
    "“凝聚社会力量建设幸福家庭”主题交流会",
    "题为“维护妇女合法权益 构建和谐婚姻家庭关系”的重要讲话",
    "实施社会工作者培训计划，",
    "实施乡村振兴战略",
    "开展2023年社会工作主题宣传活动",
    "做好新形势下东西部协作",
    "实施闽宁协作社会工作服务机构",
    "明确了“十四五”时期",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_initiative_case(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_not_initiative(text: str) -> None:
    assert found(text) == []


def test_place_pair_uses_document_places() -> None:
    text = "东莞市与铜仁市结对。抓莞铜协作，抢抓莞铜东西部协作契机"
    assert found(text, places=("东莞市", "铜仁市")) == [
        ("莞铜协作", "莞铜协作"),
        ("莞铜东西部协作", "莞铜东西部协作"),
    ]
    assert found(text) == []  # 莞 and 铜 are no provincial abbreviations


def test_find_quotes_nested() -> None:
    quotes = initiative.find_quotes("“推进‘五社联动’”")
    assert [(q.start, q.end, q.nested) for q in quotes] == [(1, 9, True), (4, 8, False)]


def test_rules_load_once() -> None:
    assert initiative.load_rules() is initiative.load_rules()


def test_dev_gold_scores() -> None:
    """The whole pipeline on the dev gold keeps this type at F1 >= 0.92, values >= 0.95."""
    gold = Path(__file__).resolve().parents[1] / "corpus" / "gold"
    prf = evaluate(gold).mentions["INITIATIVE"]
    assert prf.f1 >= 0.92, prf
    assert prf.norm_accuracy >= 0.95, prf
