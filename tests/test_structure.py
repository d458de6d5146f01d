"""Articles, headlines and source lines of the five sample bulletins, as a reader sees them."""

from __future__ import annotations

import pytest

from bulletin_nlp.doc import Doc
from bulletin_nlp.normalize import fold
from bulletin_nlp.pipeline import process_text

# Written down after reading each file: (headline, source) per article, in reading order.
EXPECTED = {
    "000_44766cfa53dbf2a3.txt": [
        ("持证社工人数达73.7万 / 全国社会工作者职业资格考试报名人数大幅增长", "据民政部官网"),
        ("中国社会工作联合会会长陈存根一行赴中国煤炭地质总局座谈交流", None),
        ("中国社会工作联合会副会长乔恒一行赴恒华科技考察调研", None),
        ("中国社会工作联合会积极支援吉林省新冠疫情防控", None),
    ],
    "001_2334c34440bd53e7.txt": [
        (
            "2023年新增7473人，全市持证社工达25271人 / 浙江台州加强社工人才队伍建设",
            "据《台州日报》",
        ),
        ("紧扣民生所需武汉社工专业人才已近2万人", "据《长江日报》"),
        (
            "内蒙古鄂托克前旗加强“五社联动”机制建设 / "
            "内蒙古鄂托克前旗：党建引领“五社联动”为基层治理“提速赋能”",
            "据鄂托克前旗民政局",
        ),
    ],
    # Column layout: two headlines are printed after the bodies they belong to.
    "002_368af51edcac6a52.txt": [
        (
            "中国社会工作联合会召开7·20河南暴雨灾害工作支援行动总结会陈存根出席并讲话",
            "据中国社会工作联合会官网",
        ),
        ("浙江温州：社工考试报考人数创历史新高", "据温州民政"),
        ("辽宁沈阳：9城区2022年6月底实现乡镇（街道）社工站全覆盖", "据《辽沈晚报》"),
        ("贵州铜仁：“六抓六强”工作法为社工人才队伍建设开启新征程", "据铜仁市民政局"),
    ],
    "003_97ebb4bc4085e2f5.txt": [
        ("“推进‘五社联动’关爱‘一小一老’” / 2023年社会工作主题宣传活动将于3月下旬举行", None),
        ("福建：推动社会工作助力乡村振兴", "据东南网"),
        (
            "中国社会工作联合会妇女与婚姻家庭工作委员会更名换届大会暨“凝聚社会力量建设幸福家庭”主题交流会召开",
            "据中国社会工作联合会",
        ),
    ],
    "004_20afdbe1c563e6d4.txt": [
        (
            "吉林省社会工作座谈会召开 / 中国社会工作联合会副会长乔恒出席并讲话",
            "据“长春朝阳”微信公众号",
        ),
        ("《河南省“十四五”民政事业发展规划》出台大力发展社会工作", "据民政部官网"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_articles_match_a_reader(corpus_docs: dict[str, Doc], name: str) -> None:
    doc = corpus_docs[name]
    assert [(a.headline, a.source) for a in doc.articles] == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sentence_spans_reproduce_raw_text(corpus_docs: dict[str, Doc], name: str) -> None:
    doc = corpus_docs[name]
    assert doc.sentences
    for sent in doc.sentences:
        start, end = doc.raw_span(sent.start, sent.end)
        assert fold(doc.raw[start:end]) == fold(doc.norm[sent.start : sent.end])
        assert (
            doc.raw[start] == doc.norm[sent.start] or fold(doc.raw[start]) == doc.norm[sent.start]
        )


def test_stranded_headline_belongs_to_its_article(corpus_docs: dict[str, Doc]) -> None:
    doc = corpus_docs["002_368af51edcac6a52.txt"]
    pos = doc.norm.index("浙江温州：")
    assert doc.articles[doc.article_index(pos)].source == "据温州民政"


def test_table_of_contents_is_not_an_article(corpus_docs: dict[str, Doc]) -> None:
    doc = corpus_docs["000_44766cfa53dbf2a3.txt"]
    assert all("最后一米" not in a.headline for a in doc.articles)
    assert "08版" not in doc.norm and "08 版" in doc.raw


def test_sentences_split_at_sentence_end(corpus_docs: dict[str, Doc]) -> None:
    doc = corpus_docs["000_44766cfa53dbf2a3.txt"]
    texts = [doc.norm[s.start : s.end] for s in doc.sentences]
    assert "一方有难，八方支援。" in texts
    assert "（据民政部官网）" in texts


@pytest.mark.parametrize("text", ["本报记者张胜男", "■ 本报记者 皮磊\n\n", "记者从市民政局获悉"])
def test_byline_only_text_is_one_article(text: str) -> None:
    from bulletin_nlp.pipeline import process_text

    doc = process_text(text, "t.txt", use_model=False)
    assert len(doc.articles) == 1
    assert doc.sentences


def test_indented_lines_open_paragraphs_and_the_masthead_is_no_article() -> None:
    """A headline above an indented paragraph stays a headline (not wrapped into it), and
    the issue line of the masthead (2024年第12期) belongs to no article."""
    text = (
        "社会工作简讯\n2024年第12期（总第156期）内蒙古自治区民政厅编\n\n"
        "鄂尔多斯市东胜区开展社会工作服务\n"
        "　　6月以来，东胜区民政局引入社会工作服务中心，在5个街道开展儿童关爱服务，\n"
        "直接服务儿童1800余人次。\n\n"
        "包头市举办社会工作者职业水平考试考前辅导\n"
        "　　7月6日至7日，包头市民政局举办考前辅导培训班，全市近400名考生参加培训。\n"
    )
    doc = process_text(text, use_model=False)
    assert [a.headline for a in doc.articles] == [
        "鄂尔多斯市东胜区开展社会工作服务",
        "包头市举办社会工作者职业水平考试考前辅导",
    ]
    assert [f["place"] for f in doc.facts] == ["150602", "150602", "150200"]
    assert doc.issue_year == 2024  # from the masthead: dates the articles without a year
    assert [f["year"] for f in doc.facts] == [2024, 2024, 2024]
