"""Role facts: titles linked to organizations across Party, congress and government bodies."""

from __future__ import annotations

import pytest

from bulletin_nlp.pipeline import process_text


def roles(text: str) -> set[tuple[str, str, str]]:
    doc = process_text(text, "t.txt", use_model=False)
    return {(r["person"], r["role"], r["org"]) for r in doc.roles}


def persons(text: str) -> list[str]:
    doc = process_text(text, "t.txt", use_model=False)
    return [m.norm for m in doc.mentions if m.type == "PERSON"]


# (text, the role facts it states: exactly these). Issue 16.
CASES: list[tuple[str, set[tuple[str, str, str]]]] = [
    # title chains across a Party committee and its organs
    (
        "南京市召开会议。中共南京市委副书记、政法委书记李明华出席",
        {("李明华", "副书记", "中共南京市委员会"), ("李明华", "书记", "中共南京市委政法委员会")},
    ),
    (
        "浚县召开会议。县委常委、宣传部部长黄丽主持",
        {("黄丽", "常委", "中共浚县委员会"), ("黄丽", "部长", "中共浚县委宣传部")},
    ),
    (
        "南京市召开会议。市委常委、组织部部长张伟主持",
        {("张伟", "常委", "中共南京市委员会"), ("张伟", "部长", "中共南京市委组织部")},
    ),
    ("浚县召开会议。县委书记刘洋出席", {("刘洋", "书记", "中共浚县委员会")}),
    ("南京市召开会议。鼓楼区委书记赵强介绍", {("赵强", "书记", "中共南京市鼓楼区委员会")}),
    (
        "浚县召开会议。县委常委、副县长张三出席",
        {("张三", "常委", "中共浚县委员会"), ("张三", "副县长", "浚县人民政府")},
    ),
    # congress, CPPCC and government heads
    (
        "南京市召开会议。市人大常委会副主任刘建国出席",
        {("刘建国", "副主任", "南京市人民代表大会常务委员会")},
    ),
    (
        "南京市召开会议。市政协副主席陈小红出席",
        {("陈小红", "副主席", "中国人民政治协商会议南京市委员会")},
    ),
    ("南京市召开会议。副市长王海燕出席", {("王海燕", "副市长", "南京市人民政府")}),
    ("会议在南京市召开，南京市副市长王海燕出席", {("王海燕", "副市长", "南京市人民政府")}),
    (
        "全国人大常委会社会建设委员会副主任委员郑功成作报告",
        {("郑功成", "副主任委员", "全国人民代表大会常务委员会社会建设委员会")},
    ),
    ("福建省推进社工建设。民政厅厅长吴南翔表示", {("吴南翔", "厅长", "福建省民政厅")}),
    # a name before its titles, a bare title referring back, a former holder
    (
        "浚县召开会议。周建军（县民政局党组书记、局长）表示",
        {("周建军", "党组书记", "浚县民政局"), ("周建军", "局长", "浚县民政局")},
    ),
    (
        "李健，济南市历下区民政局局长、党组书记，主持全面工作。",
        {("李健", "局长", "济南市历下区民政局"), ("李健", "党组书记", "济南市历下区民政局")},
    ),
    ("南京市民政局召开会议。张伟局长介绍了经验", {("张伟", "局长", "南京市民政局")}),
    (
        "扬州市政协原主席、市慈善总会会长洪锦华带领考察团",
        {
            ("洪锦华", "原主席", "中国人民政治协商会议扬州市委员会"),
            ("洪锦华", "会长", "扬州市慈善总会"),
        },
    ),
    (
        "渭南市民政局党组成员、纪检组长杨国强出席",
        {("杨国强", "党组成员", "渭南市民政局"), ("杨国强", "纪检组长", "渭南市民政局")},
    ),
    # bylines are PERSON mentions, never role facts
    ("南京日报记者张敏 通讯员刘洋", set()),
    ("报道员 王磊 赵晨 孙悦", set()),
    ("李娜供稿", set()),
    ("张伟局长在会上介绍了经验", set()),  # no bureau named: no organization to link
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_role_facts(text: str, expected: set[tuple[str, str, str]]) -> None:
    assert roles(text) == expected


# (text, PERSON mentions in order): bylines and their shapes.
BYLINES: list[tuple[str, list[str]]] = [
    ("记者 张敏 通讯员 刘洋", ["张敏", "刘洋"]),
    ("报道员 王磊 赵晨 孙悦", ["王磊", "赵晨", "孙悦"]),
    ("活动圆满结束。\n李娜供稿", ["李娜"]),
    ("编辑:薛鑫", ["薛鑫"]),
    ("救助困难群众1.45万人次。（张贵才 储晨亮 丁娟）\n", ["张贵才", "储晨亮", "丁娟"]),
    ("确定118人为走访对象。（盘锦日报 孙天健）\n", ["孙天健"]),
    ("社工王芳和同事们走访了困难家庭", ["王芳"]),
]


@pytest.mark.parametrize(("text", "expected"), BYLINES)
def test_byline_persons(text: str, expected: list[str]) -> None:
    assert persons(text) == expected
