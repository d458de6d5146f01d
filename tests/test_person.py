"""PERSON stage: names after titles, before titles, in lists, repeated; roles kept in attrs."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin_nlp.extract.person import find_persons, load_rules
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.spans import PersonAttrs, RoleLink

from .conftest import GOLD


def names(text: str) -> list[str]:
    return [h.norm for h in find_persons(text)]


def names_blocked(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [h.norm for h in find_persons(text, blocked_spans=spans)]


# (text, expected names in order). Negatives expect [].
CASES: list[tuple[str, list[str]]] = [
    ("中国社会工作联合会会长陈存根一行赴中国煤炭地质总局", ["陈存根"]),
    ("据民政部慈善事业促进和社会工作司副司长孟志强介绍，", ["孟志强"]),
    ("中国煤炭地质总局局长、党委副书记马刚表示，", ["马刚"]),
    ("中国煤炭地质总局党委书记、副局长赵平主持并介绍了", ["赵平"]),
    (
        "中国社会工作联合会负责人陈存根、副会长刘良玉、浚县民政局副局长李品参与此次会议。",
        ["陈存根", "刘良玉", "李品"],
    ),
    ("浚县残联理事长李利民，浚县王庄镇", ["李利民"]),
    ("■本报记者皮磊\n近日，民政部办公厅下发", ["皮磊"]),
    ("恒华科技公司董事长江春华对企业情况进行了全面介绍", ["江春华"]),
    ("婚姻家庭工作委员会总干事孙长鸿一行四人赴北京", ["孙长鸿"]),
    ("专家代表李敏兰、黄匡忠在会上作出重要发言", ["李敏兰", "黄匡忠"]),
    (
        "中国煤炭地质总局副局长王海宁、总工程师姚志祥，工会主席、规划发展部部长于运强等参加",
        ["王海宁", "姚志祥", "于运强"],
    ),
    ("吉林省民政厅二级巡视员尤慧林、慈善社工处处长慕殿学一行调研", ["尤慧林", "慕殿学"]),
    ("联合会党委书记、副会长周惠宣读了", ["周惠"]),
    ("副主任委员兼总干事孙长鸿作《管理办法》修改说明", ["孙长鸿"]),
    ("长春市社工协会会长唐天正及10余家社会组织负责人参加活动。", ["唐天正"]),
    ("贯彻落实习近平总书记关于发挥社会工作专业优势的重要指示精神", ["习近平"]),
    ("践行习近平生态文明思想，实现绿色发展", ["习近平"]),
    ("民政部党组书记、部长陆治原在会上强调", ["陆治原"]),
    ("北京师范大学教授王思斌表示，", ["王思斌"]),
    ("主任司马光明表示，", ["司马光明"]),
    ("社区主任刘华平、副主任李晓和社工王芳参加", ["刘华平", "李晓", "王芳"]),
    ("本报记者张三通讯员李红", ["张三", "李红"]),
    ("市民政局局长助理王刚介绍", ["王刚"]),
    ("钟南山先生说", ["钟南山"]),
    # repeats: once licensed, a bare name is a PERSON anywhere in the text
    ("陈存根出席并讲话。中国社会工作联合会会长陈存根指出", ["陈存根", "陈存根"]),
    ("副会长乔恒出席。乔恒认为，乔恒提出", ["乔恒", "乔恒", "乔恒"]),
    # issue 16: bylines, names before bracketed titles, titles after names, common names
    ("记者 张敏 通讯员 刘洋", ["张敏", "刘洋"]),
    ("报道员 王磊 赵晨 孙悦", ["王磊", "赵晨", "孙悦"]),
    ("李娜供稿", ["李娜"]),
    ("社工王芳和同事们走访", ["王芳"]),
    ("周建军（党组书记、局长）表示", ["周建军"]),
    ("会上，张伟局长介绍了经验", ["张伟"]),
    ("副主任委员郑功成作报告", ["郑功成"]),
    ("渭南市民政局党组成员、副局长忽绪庄出席", ["忽绪庄"]),
    # negatives: titles followed by non-names, junk words, unlicensed names
    ("社工蓝皮书发布", []),
    ("由高级社会工作师组成的专家团队", []),
    ("渭南市救助管理站站长表示", []),
    ("会长单位表示支持", []),
    ("局长助理表示", []),
    ("中国生态文明研究与促进会", []),
    ("慈善社工处处长表示", []),
    ("记者从台州市民政局新闻发布会上获悉", []),
    ("记者了解到，本次培训", []),
    ("提升社会工作专业人才的服务能力和督导水平，特别是", []),
    ("常委及专家顾问组负责人名单。", []),
    ("社会组织负责人畅所欲言", []),
    ("服务队队员、督导以及专家表示崇高的敬意", []),
    ("儿童主任及专业社会工作者", []),
    ("向雷锋同志学习", []),
    ("李强调了一下", []),
    ("王海宁参加了会议", []),  # a bare name without any licence in the text
    ("副局长于近日表示", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_names(text: str, expected: list[str]) -> None:
    assert names(text) == expected


# (text, name, role chain nearest last)
ROLE_CASES: list[tuple[str, str, list[str]]] = [
    ("中国煤炭地质总局党委书记、副局长赵平主持", "赵平", ["党委书记", "副局长"]),
    ("中国煤炭地质总局局长、党委副书记马刚表示", "马刚", ["局长", "党委副书记"]),
    ("联合会副会长兼秘书长康鹏宣读了", "康鹏", ["副会长", "秘书长"]),
    ("工会主席、规划发展部部长于运强等参加", "于运强", ["部长"]),
    ("中国生态文明研究与促进会驻会副会长王春益，", "王春益", ["驻会副会长"]),
    ("专家代表李敏兰、黄匡忠在会上", "黄匡忠", ["专家代表"]),
]


@pytest.mark.parametrize(("text", "name", "chain"), ROLE_CASES)
def test_roles_in_attrs(text: str, name: str, chain: list[str]) -> None:
    hit = next(h for h in find_persons(text) if h.norm == name)
    assert isinstance(hit.attrs, PersonAttrs)
    assert [r.role for r in hit.attrs.roles] == chain
    assert hit.attrs.role == chain[-1]
    assert hit.attrs.role_span is not None
    start, end = hit.attrs.role_span
    assert text[start:end] == chain[-1]
    assert end <= hit.start


def test_role_chain_crosses_a_titles_own_organization() -> None:
    text = "上海市社会工作者协会副会长、华东理工大学教授徐永祥出席。"
    orgs = [(0, 10), (14, 20)]  # 上海市社会工作者协会, 华东理工大学
    (hit,) = find_persons(text, blocked_spans=orgs, org_spans=orgs)
    assert isinstance(hit.attrs, PersonAttrs)
    assert hit.attrs.roles == (RoleLink("副会长", (10, 13)), RoleLink("教授", (20, 22)))
    # Without the ORG spans only the nearest title is known.
    (alone,) = find_persons(text, blocked_spans=orgs)
    assert isinstance(alone.attrs, PersonAttrs)
    assert [r.role for r in alone.attrs.roles] == ["教授"]


def test_hit_fields() -> None:
    (hit,) = find_persons("副司长孟志强介绍")
    assert (hit.start, hit.end, hit.type, hit.norm) == (3, 6, "PERSON", "孟志强")
    assert hit.rule_id == "title.government"
    assert hit.attrs == PersonAttrs(
        "title", role="副司长", role_span=(0, 3), roles=(RoleLink("副司长", (0, 3)),)
    )


def test_repeat_without_role() -> None:
    hits = find_persons("孟志强表示，副司长孟志强介绍")
    assert [(h.start, h.end) for h in hits] == [(0, 3), (9, 12)]
    assert hits[0].attrs == PersonAttrs("repeat")  # no role
    assert isinstance(hits[1].attrs, PersonAttrs)
    assert hits[1].attrs.via == "title"


def test_blocked_span_stops_a_name() -> None:
    # An ORG/PLACE hit that straddles the candidate wins: no PERSON.
    assert find_persons("会长陈存根表示", blocked_spans=[(4, 7)]) == []
    # One wholly inside the name does not block it (the longer span wins later).
    assert names_blocked("会长陈存根表示", [(2, 3)]) == ["陈存根"]


def test_rules_load_once() -> None:
    assert load_rules() is load_rules()
    rules = load_rules()
    assert "副会长" in rules.titles and "欧阳" in rules.double_surnames


# ---- whole pipeline -------------------------------------------------------------------


def test_pipeline_maps_wrapped_name_to_raw() -> None:
    raw = "中国社会工作联\n合会负责人陈存根、副会长刘良\n玉参与此次会议。"
    doc = process_text(raw, stages=("person",))
    persons = [m for m in doc.mentions if m.type == "PERSON"]
    assert [(m.text, m.norm) for m in persons] == [("陈存根", "陈存根"), ("刘良\n玉", "刘良玉")]
    assert all(raw[m.start : m.end] == m.text for m in persons)


def test_dev_gold_persons(corpus_docs) -> None:
    """Every gold PERSON span is found, and nothing else (dev set regression)."""
    found = gold = 0
    missing, extra = [], []
    for path in sorted(GOLD.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        doc = corpus_docs[data["doc"]]
        want = {(m["start"], m["end"]) for m in data["mentions"] if m["type"] == "PERSON"}
        got = {(m.start, m.end) for m in doc.mentions if m.type == "PERSON"}
        gold += len(want)
        found += len(want & got)
        missing += sorted(want - got)
        extra += sorted(got - want)
    assert gold and found / gold >= 0.92, missing
    assert len(extra) <= 0.08 * gold, extra


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["王磊", "赵晨", "报道员", "ab", " ", "  ", "\u3000", "\t", "\n", "\xa0", "，", " \n "]
        ),
        max_size=14,
    )
)
def test_space_gaps_are_the_offsets_after_removed_spaces(pieces: list[str]) -> None:
    """The offsets :func:`space_gaps` finds are exactly those whose raw character follows
    the previous kept one across nothing but spaces (none, a line break: no gap)."""
    from bulletin_nlp.doc import Doc
    from bulletin_nlp.extract.org import space_gaps
    from bulletin_nlp.normalize import normalize

    raw = "".join(pieces)
    doc = Doc(path="t.txt", raw=raw)
    doc.norm, doc.nmap = normalize(raw)
    nmap = doc.nmap
    expected = {
        i
        for i in range(1, min(len(doc.norm), len(nmap)))
        if nmap[i] - nmap[i - 1] > 1 and raw[nmap[i - 1] + 1 : nmap[i]].strip(" \t\u3000\xa0") == ""
    }
    assert space_gaps(doc) == expected
