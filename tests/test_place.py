"""PLACE extraction: compounds, guards against ordinary words, context (the rule-file
examples run in tests/test_rule_examples.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulletin_nlp.doc import Article, Doc
from bulletin_nlp.extract import frames
from bulletin_nlp.extract import place as place_stage
from bulletin_nlp.extract.place import places_in

ROOT = Path(__file__).resolve().parents[1]


def found(text: str) -> list[tuple[str, str, str]]:
    """(span text, full path name, adcode) of every PLACE hit in ``text``."""
    return [(text[h.start : h.end], h.norm["name"], h.norm["adcode"]) for h in places_in(text)]


CASES = [
    ("浙江台州加强社工人才队伍建设", [("浙江台州", "浙江省台州市", "331000")]),
    ("分别向位于吉林省长春市区的医院", [("吉林省长春市", "吉林省长春市", "220100")]),
    (
        "内蒙古鄂托克前旗加强机制建设",
        [("内蒙古鄂托克前旗", "内蒙古自治区鄂尔多斯市鄂托克前旗", "150623")],
    ),
    ("在支持新疆昌吉州举办", [("新疆昌吉州", "新疆维吾尔自治区昌吉回族自治州", "652300")]),
    ("开班仪式在泉州市惠安县举行", [("泉州市惠安县", "福建省泉州市惠安县", "350521")]),
    ("辽宁沈阳：9城区实现全覆盖", [("辽宁沈阳", "辽宁省沈阳市", "210100")]),
    ("通过东莞选派社工督导", [("东莞", "广东省东莞市", "441900")]),
    ("往返贵阳考试的交通费", [("贵阳", "贵州省贵阳市", "520100")]),
    ("两千多万台湾同胞", [("台湾", "台湾省", "710000")]),  # jieba glued 台湾同胞
    (
        "浚县王庄镇、小河镇政府",
        [
            ("浚县王庄镇", "河南省鹤壁市浚县王庄镇", "410621"),
            ("小河镇", "河南省鹤壁市浚县小河镇", "410621"),
        ],
    ),
    (
        "调研长春市朝阳区永昌街道社工站",
        [("长春市朝阳区永昌街道", "吉林省长春市朝阳区永昌街道", "220104")],
    ),
    ("加强合作", []),
    ("副市长王海宁表示", []),
    ("结对帮扶32个易地搬迁安置点社区", []),
    ("抓莞铜东西部协作契机", []),
    ("全省社会工作", []),
    ("辽宁沈阳：9城区", [("辽宁沈阳", "辽宁省沈阳市", "210100")]),
    ("任代县长", []),
    ("北京时间6月6日", []),
    ("吃三明治", []),
    ("调研组来到永昌街道社工站", []),  # ambiguous township, no context
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_places_in(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text) == expected


CONTEXT_CASES = [
    # 朝阳区 after 长春市 is 长春's, not Beijing's.
    ("长春市召开会议，朝阳区参加", "朝阳区", "220104"),
    ("北京市召开会议，朝阳区参加", "朝阳区", "110105"),
    # 和平区 in a list of 沈阳 districts.
    ("辽宁省沈阳市推进建设，和平区、沈河区完成", "和平区", "210102"),
    ("和平区、沈河区、大东区完成", "和平区", "210102"),
    ("天津市推进建设，和平区完成", "和平区", "120101"),
    # a later place of the same article helps too
    ("永昌街道社工站建设，长春市朝阳区积极推进", "永昌街道", "220104"),
]


@pytest.mark.parametrize(("text", "surface", "adcode"), CONTEXT_CASES)
def test_context_disambiguation(text: str, surface: str, adcode: str) -> None:
    hits = {span: code for span, _name, code in found(text)}
    assert hits[surface] == adcode


def _doc(text: str, headline_end: int) -> Doc:
    doc = Doc(path="t.txt", raw=text, norm=text, nmap=list(range(len(text))))
    doc.articles = [Article(0, len(text), text[:headline_end], (0, headline_end))]
    return doc


def test_extract_sets_article_place_from_headline() -> None:
    text = "贵州铜仁：工作法见成效\n东莞市派出督导，铜仁市建成社工站。"
    doc = _doc(text, 11)
    hits = place_stage.extract(doc)
    doc.hits.extend(hits)
    frames.extract(doc)  # the article's place is the frames stage's
    assert [(text[h.start : h.end], h.type) for h in hits] == [
        ("贵州铜仁", "PLACE"),
        ("东莞市", "PLACE"),
        ("铜仁市", "PLACE"),
    ]
    assert doc.articles[0].place == "520600"


def test_extract_article_place_falls_back_to_most_frequent() -> None:
    text = "社工站建设推进会召开\n福建省推进建设，泉州市惠安县举行培训，福建省表示。"
    doc = _doc(text, 10)
    doc.hits.extend(place_stage.extract(doc))
    frames.extract(doc)
    assert doc.articles[0].place == "350000"


def _gold_places() -> list[tuple[str, int, int, dict[str, str]]]:
    out = []
    for path in sorted((ROOT / "corpus" / "gold").glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        out += [
            (gold["doc"], m["start"], m["end"], m["norm"])
            for m in gold["mentions"]
            if m["type"] == "PLACE"
        ]
    return out


def test_dev_gold_places_are_found() -> None:
    """Every gold PLACE of the dev bulletins is a hit with the gold span and value."""
    from bulletin_nlp.pipeline import process_file

    gold = _gold_places()
    got = set()
    for name in sorted({doc for doc, *_ in gold}):
        doc = process_file(ROOT / "corpus" / name)
        for hit in place_stage.extract(doc):
            start, end = doc.raw_span(hit.start, hit.end)
            got.add((name, start, end, json.dumps(hit.norm, ensure_ascii=False)))
    missing = [
        g for g in gold if (g[0], g[1], g[2], json.dumps(g[3], ensure_ascii=False)) not in got
    ]
    assert missing == []
