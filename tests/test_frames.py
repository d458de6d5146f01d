"""The frames stage: each article's year and place come from the article itself; the
stages declare what they need and the pipeline checks their order."""

from __future__ import annotations

import pytest

from bulletin_nlp.pipeline import (
    Component,
    PipelineError,
    check_order,
    components,
    process_text,
)

TWO_ARTICLES = (
    "温州新增社工机构12家\n2023年，温州市新增社会工作服务机构12家。（据《温州日报》）\n\n"
    "宁波社区社会组织蓬勃发展\n宁波市民政局介绍，今年全市共有社区社会组织3200家。（来源：宁波市民政局）\n\n"
    "台州社工站全覆盖\n2021年5月，台州市建成社工站131个。（据《台州日报》）\n\n"
    "丽水社工助老\n2023年3月，丽水市投入资金300万元。（据丽水网）\n"
)


def test_an_article_keeps_its_own_date_and_an_undated_one_takes_the_issues() -> None:
    doc = process_text(TWO_ARTICLES, "p.txt", use_model=False)
    assert [a.year for a in doc.articles] == [2023, 2023, 2021, 2023]
    assert [f["year"] for f in doc.facts] == [2023, 2023, 2023, 2021, 2023]
    dates = {m.text: m.norm for m in doc.mentions if m.type == "DATE"}
    assert dates["今年"] == "2023"


def test_a_given_issue_year_dates_the_undated_articles_only() -> None:
    doc = process_text(TWO_ARTICLES, "p.txt", issue_year=2024, use_model=False)
    assert [a.year for a in doc.articles] == [2023, 2024, 2021, 2023]
    dates = {m.text: m.norm for m in doc.mentions if m.type == "DATE"}
    assert dates["今年"] == "2024"


def test_an_article_alone_without_a_date_has_no_year() -> None:
    doc = process_text(
        "宁波市民政局介绍，今年全市共有社区社会组织3200家。", "p.txt", use_model=False
    )
    assert doc.articles[0].year is None and doc.facts[0]["year"] is None


@pytest.mark.parametrize(
    ("line", "year"),
    [
        ("时间:2022-10-05 09:00 来源:大众日报", 2022),
        ("2021-04-07 09:58   黑龙江日报 投搞 打印 收藏", 2021),
        ("来源:庆城县民政局 发布时间:2019-05-24 11:10:00", 2019),
        ("北京青年报客户端 2024-03-08 11:13", 2024),
    ],
)
def test_a_publication_line_dates_its_article(line: str, year: int) -> None:
    text = f"全省社区社会组织持续发展\n{line}\n记者近日获悉，目前，全省共有社区社会组织1.2万个，今年新增300个。\n"
    doc = process_text(text, "p.txt", use_model=False)
    assert doc.articles[0].year == year
    assert doc.articles[0].headline == "全省社区社会组织持续发展"
    assert [f["year"] for f in doc.facts] == [year, year]


def test_a_span_to_now_does_not_date_the_article() -> None:
    doc = process_text(
        "河北省民政厅透露，2021年以来，全省累计建成社工站2200个。", "p.txt", use_model=False
    )
    assert doc.articles[0].year is None and doc.facts[0]["year"] is None


def test_a_datelines_place_is_not_the_articles() -> None:
    doc = process_text(
        "新华社北京3月5日电 记者从民政部获悉，截至2023年底，共有社会组织89.2万个。",
        "p.txt",
        use_model=False,
    )
    assert doc.articles[0].place is None


def test_the_declared_order_is_checked() -> None:
    comps = components()
    assert [c.name for c in comps][:3] == ["place", "frames", "date"]
    swapped = (comps[1], comps[0], *comps[2:])  # frames before place
    with pytest.raises(PipelineError, match="stage 'frames' requires hits:PLACE"):
        check_order(swapped)
    no_frames = tuple(c for c in comps if c.name != "frames")
    with pytest.raises(PipelineError, match="stage 'date' requires date_matches, article.year"):
        check_order(no_frames)


def test_a_missing_stage_is_an_error() -> None:
    from bulletin_nlp.pipeline import component

    with pytest.raises(PipelineError, match="no module bulletin_nlp.extract.nonesuch"):
        component("nonesuch")


def test_a_component_declares_what_it_needs() -> None:
    comp = Component("x", lambda doc: [], requires=("hits:ORG",), assigns=(), rules=())
    with pytest.raises(PipelineError, match="stage 'x' requires hits:ORG"):
        check_order((comp,))


@pytest.mark.parametrize(
    ("text", "word", "iso"),
    [
        (
            "中国青年报客户端 2025-10-11 14:07:25\n中国青年报客户端北京10月10日电 国务院新闻办今天上午举行发布会。",
            "今天",
            "2025-10-10",
        ),
        (
            "沧浪培育社会组织\n2012-9-29 来源：苏州日报\n在昨天下午的微公益创投大赛中，28个项目中标。",
            "昨天",
            "2012-09-28",
        ),
        ("截至2012年底，全国共有社会组织49.9万个，比上年增长8.1%。", "上年", "2011"),
        # the paragraph still speaks of its year; so does an undated release's next paragraph
        ("2019年，全省社会组织达3.1万个。全年登记社会团体120个，比上年增加5个。", "上年", "2018"),
        (
            "截至2019年底，全省共有社会组织3.1万个。\n全省共有基金会120个，比上年增加5个。",
            "上年",
            "2018",
        ),
        ("2024年3月5日讯 2019年，全省建成社工站300个。\n全省社工站比上年增加5个。", "上年", "2023"),
    ],
)
def test_relative_dates_count_from_the_articles_own_day_or_sentence(
    text: str, word: str, iso: str
) -> None:
    doc = process_text(text, "p.txt", use_model=False)
    assert {m.text: m.norm for m in doc.mentions if m.type == "DATE"}[word] == iso


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # names no place, says 全省, printed by a provincial paper: that province
        (
            "社区社会组织发展迅速\n时间：2022-10-05 来源：大众日报\n记者获悉，目前全省发展社区社会组织1.2万个。",
            "370000",
        ),
        ("记者获悉，全省建成社工站300个。（据《南方日报》）", "440000"),
        # speaks of a city (全市): a provincial paper does not say which
        ("记者获悉，全市建成社工站30个。（据《南方日报》）", None),
        # names a place of its own: the outlet is not asked
        ("记者获悉，全省建成社工站300个，杭州市120个。（据《南方日报》）", "330100"),
    ],
)
def test_an_article_naming_no_place_speaks_from_its_outlets_region(
    text: str, place: str | None
) -> None:
    doc = process_text(text, "p.txt", use_model=False)
    assert doc.articles[0].place == place
