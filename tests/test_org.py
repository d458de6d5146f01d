"""ORG stage: lexicon, suffix names with their left boundary, sources, references, canonical names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulletin_nlp.errors import RulesError
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.resolve.org import (
    OrgRule,
    canonical_place,
    expand_body,
    org_rules,
    resolve_org,
    with_party_prefix,
)
from bulletin_nlp.rules import load_entries

from .conftest import GOLD


def orgs(text: str) -> list[tuple[str, str]]:
    """(span text, canonical name) of every ORG mention of ``text``, in order."""
    doc = process_text(text)
    return [(m.text, m.norm) for m in doc.mentions if m.type == "ORG"]


# (text, expected ORG mentions as (text, canonical)). Negatives expect [].
CASES: list[tuple[str, list[tuple[str, str]]]] = [
    # lexicon and aliases
    ("4月26日，民政部举行新闻发布会", [("民政部", "民政部")]),
    (
        "由民政部和人力资源社会保障部共同建立",
        [("民政部", "民政部"), ("人力资源社会保障部", "人力资源和社会保障部")],
    ),
    (
        "中社联党办、卫辉市民政局",
        [("中社联党办", "中国社会工作联合会党办"), ("卫辉市民政局", "卫辉市民政局")],
    ),
    (
        "据民政部慈善事业促进和社会工作司副司长孟志强介绍",
        [("民政部慈善事业促进和社会工作司", "民政部慈善事业促进和社会工作司")],
    ),
    ("近日，民政部办公厅下发通知", [("民政部办公厅", "民政部办公厅")]),
    # place + body: the outermost span, the canonical named by its own jurisdiction
    ("11月24日，记者从台州市民政局新闻发布会上获悉", [("台州市民政局", "台州市民政局")]),
    ("总结会在河南浚县民政局召开", [("河南浚县民政局", "浚县民政局")]),
    ("近年来，贵州省铜仁市民政局积极探索", [("贵州省铜仁市民政局", "铜仁市民政局")]),
    (
        "日前，沈阳市民政局、沈阳市财政局联合发布通知",
        [("沈阳市民政局", "沈阳市民政局"), ("沈阳市财政局", "沈阳市财政局")],
    ),
    ("浚县残联理事长李利民", [("浚县残联", "浚县残疾人联合会")]),
    ("长春市社工协会会长唐天正", [("长春市社工协会", "长春市社会工作协会")]),
    ("今年，武汉市委人才办公布的名单", [("武汉市委人才办", "中共武汉市委人才工作领导小组办公室")]),
    ("浚县王庄镇、小河镇政府民政所负责人", [("小河镇政府民政所", "小河镇政府民政所")]),
    (
        "组建河南省高级社会工作师评审委员会，推动",
        [("河南省高级社会工作师评审委员会", "河南省高级社会工作师评审委员会")],
    ),
    (
        "调研长春市朝阳区永昌街道社工站建设情况",
        [("长春市朝阳区永昌街道社工站", "长春市朝阳区永昌街道社工站")],
    ),
    (
        "打造鄂托克前旗社会组织创新创业双孵化园，将其",
        [("鄂托克前旗社会组织创新创业双孵化园", "鄂托克前旗社会组织创新创业双孵化园")],
    ),
    (
        "南京市鼓楼区民政局、鼓楼区社会工作协会联合举办",
        [
            ("南京市鼓楼区民政局", "南京市鼓楼区民政局"),
            ("鼓楼区社会工作协会", "鼓楼区社会工作协会"),
        ],
    ),
    (
        "项目由上海市浦东新区乐耆社工服务社承接",
        [("上海市浦东新区乐耆社工服务社", "上海市浦东新区乐耆社工服务社")],
    ),
    # national prefixes, distinctive names, universities and hospitals
    ("具体事项可查询中国人事考试网、各省人事考试机构", [("中国人事考试网", "中国人事考试网")]),
    (
        "携手丝路国际公益基金、中国丝路集团等单位",
        [("丝路国际公益基金", "丝路国际公益基金"), ("中国丝路集团", "中国丝路集团")],
    ),
    (
        "中国生态文明研究与促进会驻会副会长王春益",
        [("中国生态文明研究与促进会", "中国生态文明研究与促进会")],
    ),
    ("向吉林大学中日联谊医院捐赠", [("吉林大学中日联谊医院", "吉林大学中日联谊医院")]),
    (
        "乐仁社会工作服务中心与成都市武侯区民政局签订协议",
        [
            ("乐仁社会工作服务中心", "乐仁社会工作服务中心"),
            ("成都市武侯区民政局", "成都市武侯区民政局"),
        ],
    ),
    (
        "江苏省社会工作协会会长张文与南京大学社会学院教授座谈",
        [("江苏省社会工作协会", "江苏省社会工作协会"), ("南京大学社会学院", "南京大学社会学院")],
    ),
    # parent + sub-body
    (
        "中社联心理健康工作委员会总干事林平光",
        [("中社联心理健康工作委员会", "中国社会工作联合会心理健康工作委员会")],
    ),
    (
        "中国社会工作联合会副会长乔恒、婚姻家庭工作委员会总干事孙长鸿",
        [
            ("中国社会工作联合会", "中国社会工作联合会"),
            ("婚姻家庭工作委员会", "中国社会工作联合会婚姻家庭工作委员会"),
        ],
    ),
    (
        "吉林省民政厅二级巡视员尤慧林、慈善社工处处长慕殿学",
        [("吉林省民政厅", "吉林省民政厅"), ("慈善社工处", "吉林省民政厅慈善社工处")],
    ),
    # level words resolved in the article
    (
        "由福建省民政厅主办。为贯彻落实要求，省民政厅在支持",
        [("福建省民政厅", "福建省民政厅"), ("省民政厅", "福建省民政厅")],
    ),
    (
        "贵州省铜仁市民政局积极探索。联合市委组织部等19部门",
        [("贵州省铜仁市民政局", "铜仁市民政局"), ("市委组织部", "中共铜仁市委组织部")],
    ),
    (
        "湖南省民政厅、省财政厅联合印发通知",
        [("湖南省民政厅", "湖南省民政厅"), ("省财政厅", "湖南省财政厅")],
    ),
    # sources
    ("活动圆满结束。（据《台州日报》）", [("台州日报", "台州日报")]),
    ("活动圆满结束。（据民政部官网）", [("民政部官网", "民政部官网")]),
    ("活动圆满结束。（据温州民政）", [("温州民政", "温州市民政局")]),
    ("活动圆满结束。（据“长春朝阳”微信公众号）", [("长春朝阳", "长春朝阳")]),
    ("活动圆满结束。（据东南网）", [("东南网", "东南网")]),
    ("据《中国社会报》报道，活动圆满结束", [("中国社会报", "中国社会报")]),
    # aliases, bare references, short names
    (
        "中国社会工作联合会妇女与婚姻家庭工作委员会（以下简称“委员会”）召开大会。委员会全体会员参加。",
        [
            (
                "中国社会工作联合会妇女与婚姻家庭工作委员会",
                "中国社会工作联合会妇女与婚姻家庭工作委员会",
            ),
            ("委员会", "中国社会工作联合会妇女与婚姻家庭工作委员会"),
            ("委员会", "中国社会工作联合会妇女与婚姻家庭工作委员会"),
        ],
    ),
    (
        "介绍了中国煤炭地质总局的发展历程。总局在新能源勘察方面",
        [("中国煤炭地质总局", "中国煤炭地质总局"), ("总局", "中国煤炭地质总局")],
    ),
    (
        "乔恒赴北京恒华伟业科技股份有限公司考察。乔恒对恒华科技给予肯定。恒华科技公司董事长表示",
        [
            ("北京恒华伟业科技股份有限公司", "北京恒华伟业科技股份有限公司"),
            ("恒华科技", "北京恒华伟业科技股份有限公司"),
            ("恒华科技公司", "北京恒华伟业科技股份有限公司"),
        ],
    ),
    # Party, congress and government bodies of a place (issue 16)
    ("中共南京市委召开会议", [("中共南京市委", "中共南京市委员会")]),
    (
        "南京市召开会议。市委组织部、市委社会工作部参加",
        [("市委组织部", "中共南京市委组织部"), ("市委社会工作部", "中共南京市委社会工作部")],
    ),
    (
        "福建省召开会议。省人大常委会副主任林芳出席",
        [("省人大常委会", "福建省人民代表大会常务委员会")],
    ),
    (
        "全国人大常委会社会建设委员会副主任委员郑功成",
        [("全国人大常委会社会建设委员会", "全国人民代表大会常务委员会社会建设委员会")],
    ),
    (
        "福建省召开会议。团省委、省工商联参加",
        [("团省委", "共青团福建省委员会"), ("省工商联", "福建省工商业联合会")],
    ),
    (
        "浚县召开会议。县委、县政府高度重视，县公安局参加",
        [("县委", "中共浚县委员会"), ("县政府", "浚县人民政府"), ("县公安局", "浚县公安局")],
    ),
    (
        "南京市召开会议。区委、市政协参加",
        [("区委", "区委"), ("市政协", "中国人民政治协商会议南京市委员会")],
    ),
    ("南京市鼓楼区召开会议。区委书记出席", [("区委", "中共南京市鼓楼区委员会")]),
    (
        "全市在市委市政府的领导下。（据《衡阳日报》）",
        [("市委", "中共衡阳市委员会"), ("市政府", "衡阳市人民政府"), ("衡阳日报", "衡阳日报")],
    ),
    ("南昌市召开会议。东湖区区委书记出席", [("东湖区区委", "中共南昌市东湖区委员会")]),
    # canonical names the lexicon or the article establishes
    ("全国妇联参加会议", [("全国妇联", "中华全国妇女联合会")]),
    (
        "南京市召开会议。团市委、市人大常委会参加",
        [("团市委", "共青团南京市委员会"), ("市人大常委会", "南京市人民代表大会常务委员会")],
    ),
    ("福建省推进社工建设。民政厅联合印发通知", [("民政厅", "福建省民政厅")]),
    ("南京市召开会议。鼓楼区民政局介绍经验", [("鼓楼区民政局", "南京市鼓楼区民政局")]),
    ("福州市召开会议。鼓楼区民政局介绍经验", [("鼓楼区民政局", "福州市鼓楼区民政局")]),
    ("滁州天长市民政局介绍经验", [("滁州天长市民政局", "天长市民政局")]),
    (
        "当涂县政府及发改委、民政局、残联负责人参加",
        [
            ("当涂县政府", "当涂县人民政府"),
            ("发改委", "当涂县发展和改革委员会"),
            ("民政局", "当涂县民政局"),
            ("残联", "当涂县残疾人联合会"),
        ],
    ),
    (
        "扬州市政协原主席、市慈善总会会长；南通市政协原主席、市慈善总会会长",
        [
            ("扬州市政协", "中国人民政治协商会议扬州市委员会"),
            ("市慈善总会", "扬州市慈善总会"),
            ("南通市政协", "中国人民政治协商会议南通市委员会"),
            ("市慈善总会", "南通市慈善总会"),
        ],
    ),
    # news outlets outside brackets
    ("红网时刻衡阳3月10日讯（通讯员 刘忠）3月10日，会议召开。", [("红网时刻", "红网时刻")]),
    ("新华网 2012-07-14 20:31\n会议召开。", [("新华网", "新华网")]),
    ("时间:2022-10-05 09:00 来源:大众日报\n会议召开。", [("大众日报", "大众日报")]),
    # negatives: generic nouns and unnamed bodies
    ("各地民政部门要强化组织领导", []),
    ("公募基金会、非营利组织、行业协会商会要加强自律", []),
    ("会议在管委会三楼会堂举行", []),
    ("民政厅印发通知", []),  # no province named: no name
    ("县（市）区慈善总会收到5007.5万元", []),
    ("江永县基层社工站项目揭牌", []),
    ("社会组织负责人畅所欲言", []),
    ("培育扶持社工机构，财政部门要将经费纳入预算", []),
    ("与共青团、残联、妇联、慈善总会等部门对接", []),
    ("截至目前，全省共建成乡镇（街道）社工站1286个", []),
    ("温州市共建成社会工作站141个", []),
    ("区级社会工作服务指导中心培育和督导社会组织", []),
    ("更像一个综合的家庭服务平台", []),
    ("成立社区基金，激发居民自治活力", []),
    ("形成一批具有品牌示范效应的优质社工站", []),
    ("服务队召开全队集体督导会议", []),
    ("在王庄镇、上乐村镇服务队开展10个个案", []),
    ("推动成立县级社会工作协会，建设县级社会工作指导中心", []),
    ("区社工站联合社区开展活动", []),
    ("在一家外贸公司工作", []),
    ("市中心可以解决购物", []),
    ("《台州市社会工作专业人才使用管理办法》", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_org_cases(text: str, expected: list[tuple[str, str]]) -> None:
    assert orgs(text) == expected


# -- canonical names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "canonical"),
    [
        ("河南浚县", "浚县"),
        ("滁州天长市", "天长市"),
        ("鄂尔多斯市鄂托克前旗", "鄂托克前旗"),
        ("江苏省南京市鼓楼区", "南京市鼓楼区"),
        ("贵州省铜仁市", "铜仁市"),
        ("浙江台州", "台州市"),
        ("温州", "温州市"),
        ("吉林省", "吉林省"),
        ("长春市朝阳区永昌街道", "长春市朝阳区永昌街道"),
        ("义和社区", "义和社区"),  # not in the gazetteer: as written
    ],
)
def test_canonical_place(place: str, canonical: str) -> None:
    assert canonical_place(place) == canonical


@pytest.mark.parametrize(
    ("body", "full"),
    [
        ("浚县残联", "浚县残疾人联合会"),
        ("长春市社工协会", "长春市社会工作协会"),
        ("民政局", "民政局"),
    ],
)
def test_expand_body(body: str, full: str) -> None:
    assert expand_body(body) == full


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("武汉市委组织部", "中共武汉市委组织部"),
        ("中共武汉市委组织部", "中共武汉市委组织部"),
        ("武汉市委员会", "武汉市委员会"),
        ("武汉市民政局", "武汉市民政局"),
        ("临渭区社会组织党委", "中共临渭区社会组织委员会"),
    ],
)
def test_party_prefix(name: str, canonical: str) -> None:
    assert with_party_prefix(name) == canonical


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("中共南京市委", "中共南京市委员会"),
        ("南京市委", "中共南京市委员会"),
        ("团南京市委", "共青团南京市委员会"),
        ("浚县人大常委会", "浚县人民代表大会常务委员会"),
        ("南京市政协", "中国人民政治协商会议南京市委员会"),
        ("全国人大常委会", "全国人民代表大会常务委员会"),
    ],
)
def test_resolve_org_writes_out_local_bodies(name: str, canonical: str) -> None:
    assert resolve_org(name) == canonical


def test_resolve_org_uses_document_and_lexicon() -> None:
    doc = process_text(
        "中国社会工作联合会妇女与婚姻家庭工作委员会（以下简称“委员会”）召开大会。委员会全体会员参加。"
    )
    doc.hits = [h for h in doc.hits if h.type == "ORG"]
    full = "中国社会工作联合会妇女与婚姻家庭工作委员会"
    assert resolve_org("委员会", doc) == full
    assert resolve_org("“委员会”", doc) == full
    assert resolve_org("中社联") == "中国社会工作联合会"
    assert resolve_org("人力资源社会保障部") == "人力资源和社会保障部"
    assert resolve_org("浚县残联") == "浚县残疾人联合会"
    assert resolve_org("某某公司") == "某某公司"


def test_rules_load_once_and_validate(tmp_path: Path) -> None:
    assert org_rules() is org_rules()
    (tmp_path / "org.yaml").write_text(
        'version: "1"\nentries:\n  - {id: s, kind: suffix, values: [局]}\n'
        "  - {id: p, kind: party, values: [市委]}\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as info:
        load_entries("org", OrgRule, tmp_path)
    assert "id=s" in str(info.value) and "needs group, policy and values" in str(info.value)
    assert "id=p" in str(info.value) and "needs prefix" in str(info.value)


# -- the dev gold ----------------------------------------------------------------------------


def test_dev_gold_org_scores(corpus_docs) -> None:
    """ORG on the five dev bulletins: F1 and canonical-name accuracy stay high."""
    tp = fp = fn = right = 0
    for path in sorted(GOLD.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        want = {(m["start"], m["end"]): m["norm"] for m in gold["mentions"] if m["type"] == "ORG"}
        doc = corpus_docs[gold["doc"]]
        got = {(m.start, m.end): m.norm for m in doc.mentions if m.type == "ORG"}
        both = want.keys() & got.keys()
        tp += len(both)
        fp += len(got.keys() - want.keys())
        fn += len(want.keys() - got.keys())
        right += sum(want[k] == got[k] for k in both)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.95, (tp, fp, fn)
    assert right / tp >= 0.97
