"""Normalization: wraps, spaces, full-width forms, page markers; offsets map back to raw."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin_nlp.normalize import fold, normalize


def norm(text: str) -> str:
    return normalize(text)[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12 月 5 日", "12月5日"),
        ("达到了 1.65 万人。", "达到了1.65万人。"),
        ("持证社工人数达 73.7 万", "持证社工人数达73.7万"),
        ("１２３４５人", "12345人"),
        ("ＡＢＣ公司", "ABC公司"),
        ("共737,000人", "共737,000人"),
        ("10:30开会", "10:30开会"),
        ("乡镇(街道)社工站", "乡镇（街道）社工站"),
        ("一方有难,八方支援", "一方有难，八方支援"),
        ("福建: 推动", "福建：推动"),
        ("「五社联动」", "“五社联动”"),
        ("公共场所 LED 显示屏", "公共场所LED显示屏"),
        ("Hello World", "Hello World"),
        ("提升 115.83%", "提升115.83%"),
        ("百分之５０％", "百分之50%"),
        ("社会工作者打通为民服务最后一米 08 版", "社会工作者打通为民服务最后一米"),
        ("标题\n- 3 -\n正文。", "标题\n\n正文。"),
        ("　　全角空格开头。", "全角空格开头。"),
        ("第一段。\r\n\r\n第二段。", "第一段。\n\n第二段。"),
    ],
)
def test_normalize_line(raw: str, expected: str) -> None:
    assert norm(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # A wrap after clause punctuation continues the sentence.
        ("深入村居,\n\n用脚步丈量民情民意。", "深入村居，用脚步丈量民情民意。"),
        # A page break inside a sentence of a long body paragraph is joined.
        (
            "孟志强谈道,自2019年以来,考试报名人数以每年10余\n\n万人的数量逐年大幅递增,创历史新高。",
            "孟志强谈道，自2019年以来，考试报名人数以每年10余万人的数量逐年大幅递增，创历史新高。",
        ),
        # A headline followed by a subtitle stays apart even though it holds a comma.
        (
            "2023年新增7473人,全市持证社工达25271人\n\n浙江台州加强社工人才队伍建设\n\n11月24日,记者获悉。",
            "2023年新增7473人，全市持证社工达25271人\n\n浙江台州加强社工人才队伍建设\n\n11月24日，记者获悉。",
        ),
        # A sentence end is a real break.
        ("第一句。\n第二句。", "第一句。\n第二句。"),
        # The source line stays its own paragraph.
        ("重建作出了积极贡献。\n（据中国社会工作联合会官网）", "重建作出了积极贡献。\n（据中国社会工作联合会官网）"),
    ],
)
def test_wraps(raw: str, expected: str) -> None:
    assert norm(raw) == expected


COLUMN_TEXT = (
    "12 月 5 日，中国社会工作联\n合会 7·20 河南暴雨灾害社会工\n作支援行动总结会在河南浚县\n"
    "民政局召开，会议采取线上线下\n相结合的方式。\n\n抓政策创新，强基础\n联合市委组织部等 19 部\n\n"
    "门制定印发了《关于加快推进\n铜仁市社会工作专业人才队伍\n建设的实施意见》。\n"
)


def test_column_layout_rejoins_words_and_keeps_subheadings() -> None:
    text = norm(COLUMN_TEXT)
    assert "中国社会工作联合会7·20河南暴雨灾害社会工作支援行动总结会在河南浚县民政局召开" in text
    assert "抓政策创新，强基础\n联合市委组织部等19部门制定印发了" in text


def test_offsets_map_each_char_to_its_source() -> None:
    raw = "12 月 5 日，中国社会工作联\n合会召开。"
    text, nmap = normalize(raw)
    assert len(nmap) == len(text)
    assert nmap == sorted(nmap)
    i = text.index("联合会")
    assert raw[nmap[i] : nmap[i + 2] + 1] == "联\n合会"


_pieces = st.sampled_from(
    list("社会工作者民政部台州市浙江人万元余近约，。、；：（）“”《》")
    + list("0123456789")
    + list("０１２３４５６７８９")
    + ["，", ",", "(", ")", "％", "%", ".", " ", "  ", "\u3000", "\n", "\n\n", "ＡＢ", "ab"]
)
generated = st.lists(_pieces, min_size=1, max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(generated, st.data())
def test_spans_map_back_to_raw(raw: str, data: st.DataObject) -> None:
    text, nmap = normalize(raw)
    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    rs, re_ = nmap[start], nmap[end - 1] + 1
    assert fold(raw[rs:re_]) == fold(text[start:end])


@settings(max_examples=300, deadline=None)
@given(generated)
def test_normalization_is_idempotent(raw: str) -> None:
    once = norm(raw)
    assert norm(once) == once


def test_an_indented_line_opens_a_paragraph() -> None:
    """A short headline above an indented paragraph stays its own line (the wide merged
    paragraph would otherwise make it look like a wrapped line), also when normalized again."""
    raw = (
        "鄂尔多斯市东胜区开展社会工作服务\n"
        "　　6月以来，东胜区民政局引入社会工作服务中心，在5个街道开展儿童关爱服务，直接\n"
        "服务儿童1800余人次，链接各类资源折合人民币约26万元，服务满意度达到98.5%。\n"
        "　　东胜区民政局表示，下一步将把项目经验推广到全区所有街道，惠及更多儿童。\n"
    )
    text, nmap = normalize(raw)
    assert text.split("\n")[0] == "鄂尔多斯市东胜区开展社会工作服务"
    assert "直接服务儿童" in text  # the wrapped line is still joined
    assert norm(text) == text
    assert len(nmap) == len(text) and nmap == sorted(nmap)
