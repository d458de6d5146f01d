"""QUANTITY stage: cases beyond the examples of rules/quantity.yaml (those run in
tests/test_rule_examples.py)."""

from __future__ import annotations

import pytest

from bulletin_nlp.doc import Doc
from bulletin_nlp.extract import quantity
from bulletin_nlp.spans import Hit, QuantityAttrs


def run(text: str, dates: list[tuple[int, int]] = ()) -> list[Hit]:
    doc = Doc(path="example.txt", raw=text, norm=text, nmap=list(range(len(text))))
    doc.hits = [Hit(s, e, "DATE", "", "test") for s, e in dates]
    return quantity.extract(doc)


CASES = [
    # text, expected (span text, value, unit, approx) in order
    (
        "孟志强谈道，2021年报考总人数更是达到了80余万人，目前，全国共有73.7万人取得证书",
        [("80余万人", 800000, "人", "over"), ("73.7万人", 737000, "人", "exact")],
    ),
    ("持证社工人数达73.7万\n全国社会工作者", [("73.7万", 737000, "人", "exact")]),
    ("连续三年每年报考人数突破1.3万。", [("突破1.3万", 13000, "人", "over")]),
    (
        "筹集社会慈善资金近6万元，为辖区困境儿童",
        [("近6万元", 60000, "元", "under")],
    ),
    ("较2022年同比增长115.83%，", [("115.83%", 115.83, "%", "exact")]),
    ("分为助理社会工作者、社会工作者和高级社会工作者三个级别", []),
    ("构建区、街道、社区三级社会工作服务体系", []),
    ("就委员会换届后的工作提出三点期望", []),
    ("宣传活动内容主要包括以下三方面", []),
    ("在推动两地社会工作专业服务", []),
    ("市、县、乡、村（社区）四级社工平台初步形成", []),
    ("陈存根一行赴中国煤炭地质总局", []),
    ("中国社会工作联合会召开7·20河南暴雨灾害工作支援行动总结会", []),
    ("吉林大学第一医院", []),
    ("以社区为平台的“五社联动”社区治理机制", []),
    (
        "自2019年以来，考试报名人数以每年10余万人的数量逐年递增",
        [("10余万人", 100000, "人", "over")],
    ),
    (
        "目前铜仁市已建成1个市级社工指导中心、13个乡镇社工站",
        [
            ("1个", 1, "个", "exact"),
            ("13个", 13, "个", "exact"),
        ],
    ),
    # issue 15: the whole figure or nothing
    ("项目投入资金3千万元。", [("3千万元", 30000000, "元", "exact")]),
    ("占比为百分之一点五七。", [("百分之一点五七", 1.57, "%", "exact")]),
    ("项目总额82，225.00元。", [("82，225.00元", 82225, "元", "exact")]),
    ("增长率为-1.18%，", [("-1.18%", -1.18, "%", "exact")]),
    ("对50万元（含）以上的项目", [("50万元（含）以上", 500000, "元", "over")]),
    ("资金小于40万。", [("小于40万", 400000, "元", "under")]),
    (
        "查处案件1293起，撤销登记2060起。",
        [("1293起", 1293, "起", "exact"), ("2060起", 2060, "起", "exact")],
    ),
    ("降到不足1千家", [("不足1千家", 1000, "家", "under")]),
    ("共有1,2345人参加", []),
    ("共有3万45人参加", []),
    ("2022，345人参加", [("345人", 345, "人", "exact")]),
    ("出现负增长。", []),
    ("编号G20人", []),
]


DIRECTIONS = [
    # issue 15: a change word before the figure; the value stays as written
    ("同比下降1.2%，", "down"),
    ("减少了1.06万个", "down"),
    ("同比负增长3.5%，", "down"),
    ("同比增长115.83%，", "up"),
    ("比上年增加442个", "up"),
    ("增长率为-1.18%，", None),
    ("全市共有215家", None),
    ("我市将改造提升25个", None),  # upgraded sites, not a rise
]


@pytest.mark.parametrize(("text", "direction"), DIRECTIONS)
def test_direction(text: str, direction: str | None) -> None:
    (hit,) = run(text)
    assert isinstance(hit.attrs, QuantityAttrs)
    assert hit.attrs.direction == direction


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_cases(text: str, expected: list[tuple[str, float, str, str]]) -> None:
    got = [
        (text[h.start : h.end], h.norm["value"], h.norm["unit"], h.norm["approx"])
        for h in run(text)
    ]
    assert got == expected


def test_no_quantity_overlaps_a_date() -> None:
    text = "服务75天"
    assert [text[h.start : h.end] for h in run(text)] == ["75天"]
    assert run(text, dates=[(2, 5)]) == []
