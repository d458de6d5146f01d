"""DATE: the normalizer, the article-year rule and the extractor (the examples of
rules/date.yaml run in tests/test_rule_examples.py)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
import yaml

from bulletin_nlp.dates import (
    InvertedRange,
    cn_int,
    date_rules,
    find_dates,
    normalize_date,
    resolve,
)
from bulletin_nlp.doc import Article, Doc, Sentence
from bulletin_nlp.errors import RulesError
from bulletin_nlp.extract import date as date_stage
from bulletin_nlp.extract import frames
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.rules import rules_dir

# (text, ref_year, expected ISO or None)
NORMALIZE_CASES = [
    ("2022年", None, "2022"),
    ("2022 年", None, "2022"),
    ("2022年4月", None, "2022-04"),
    ("2022年4月份", None, "2022-04"),
    ("2022年4月26日", None, "2022-04-26"),
    ("4月26日", 2022, "2022-04-26"),
    ("4月26日", None, "--04-26"),
    ("12 月 5 日", 2021, "2021-12-05"),
    ("4月28号", 2022, "2022-04-28"),
    ("2022年第二季度", None, "2022-Q2"),
    ("第四季度", 2022, "2022-Q4"),
    ("今年一季度", 2023, "2023-Q1"),
    ("第二季度", None, None),
    ("今年前三季度", 2022, "2022-01/2022-09"),
    ("2011年三季末", None, "2011-09"),
    ("三季度末", 2022, "2022-09"),
    ("今年前9个月", 2015, "2015-01/2015-09"),
    ("前3个月", 2015, None),
    ("到2025年", None, "2025"),
    ("截至2022年底", None, "2022-12"),
    ("自2019年以来", None, "2019"),
    ("2023 年 3 月 21 日至 31 日", None, "2023-03-21/2023-03-31"),
    ("2023年3月21日至31日", 2020, "2023-03-21/2023-03-31"),
    ("6月18日、19日", 2022, "2022-06-18/2022-06-19"),
    ("6月18日、19日", None, "--06-18/--06-19"),
    ("6月17日、18日和19日", 2022, "2022-06-17/2022-06-19"),
    ("6月18—19日", 2022, "2022-06-18/2022-06-19"),
    ("7月4日到7月6日", 2019, "2019-07-04/2019-07-06"),
    ("2021年12月28日至2022年1月5日", None, "2021-12-28/2022-01-05"),
    ("1—10月", 2022, "2022-01/2022-10"),
    ("2021—2025年", None, "2021/2025"),
    ("2021年至2025年", None, "2021/2025"),
    ("3月下旬", 2023, "2023-03-21/2023-03-31"),
    ("3月上旬", 2023, "2023-03-01/2023-03-10"),
    ("3月中旬", 2023, "2023-03-11/2023-03-20"),
    ("2月下旬", 2024, "2024-02-21/2024-02-29"),
    ("2月下旬", 2023, "2023-02-21/2023-02-28"),
    ("3月下旬", None, "--03-21/--03-31"),
    ("年底", 2022, "2022-12"),
    ("年底", None, "--12"),
    ("2022年年底", None, "2022-12"),
    ("2025年底", None, "2025-12"),
    ("2022年末", None, "2022-12"),
    ("2023年初", None, "2023-01"),
    ("6月底", 2022, "2022-06"),
    ("2022年6月底", None, "2022-06"),
    ("6月底", None, "--06"),
    ("今年上半年", 2022, "2022-01/2022-06"),
    ("下半年", 2022, "2022-07/2022-12"),
    ("十四五", None, "2021/2025"),
    ("“十四五”", None, "2021/2025"),
    ("十三五", None, "2016/2020"),
    ("十五五", None, "2026/2030"),
    ("十二五", None, "2011/2015"),
    ("十五", None, "2001/2005"),
    ("今年", 2022, "2022"),
    ("今年", None, None),
    ("去年", 2022, "2021"),
    ("上年", 2023, "2022"),
    ("上年度", 2023, "2022"),
    ("明年", 2022, "2023"),
    ("前年", 2022, "2020"),
    ("明年年底", 2021, "2022-12"),
    ("明年年底前", 2021, "2022-12"),
    ("明年年底", None, None),
    ("今年4月", 2022, "2022-04"),
    ("去年12月1日", 2022, "2021-12-01"),
    ("2023年度", None, "2023"),
    ("二〇三五年", None, "2035"),
    ("二〇二二年四月二十六日", None, "2022-04-26"),
    ("二零零四年八月十五", None, "2004-08-15"),
    ("两千零四年八月十五", None, "2004-08-15"),
    ("五月三十一日", None, "--05-31"),
    ("2010-01-29", None, "2010-01-29"),
    ("2010.01.29", None, "2010-01-29"),
    ("2020/1/2", None, "2020-01-02"),
    ("07年", None, "2007"),
    ("05/05/89", None, "1989-05-05"),
    ("民国三年", None, "1914"),
    ("29日", 2022, "---29"),
    # not dates
    ("近日", 2022, None),
    ("日前", 2022, None),
    ("目前", 2022, None),
    ("近年来", 2022, None),
    ("多年来", 2022, None),
    ("全年", 2022, None),
    ("第三次分配", 2022, None),
    ("7·20", 2022, None),
    ("3个月", 2022, None),
    ("13月5日", 2022, None),
    ("4月32日", 2022, None),
    ("", 2022, None),
]


@pytest.mark.parametrize(("text", "ref_year", "expected"), NORMALIZE_CASES)
def test_normalize_date(text: str, ref_year: int | None, expected: str | None) -> None:
    assert normalize_date(text, ref_year) == expected


# Ranges and two-digit years (issue 15), in a 2021 article: (text, expected ISO or None).
# Each left side (Y, YM, YMD, M, MD, D) with each right side the language allows; every
# separator bulletins use; PDF spaces. None: an inverted range, no value and no mention.
RANGE_CASES = [
    # left Y
    ("2022年至2023年", "2022/2023"),
    ("2022—2025年", "2022/2025"),
    ("2022年至2023年6月", "2022/2023-06"),
    ("2022年到2023年6月30日", "2022/2023-06-30"),
    ("2022年至2023年底", "2022/2023-12"),
    # left YM
    ("2022年6月至2023年", "2022-06/2023"),
    ("2022年12月至2023年1月", "2022-12/2023-01"),
    ("2017年五月至2018年四月", "2017-05/2018-04"),
    ("2022年6月至2023年1月15日", "2022-06/2023-01-15"),
    ("2022年3月至2023年底", "2022-03/2023-12"),
    ("2023年3月至5月", "2023-03/2023-05"),
    ("2023年3月至5月10日", "2023-03/2023-05-10"),
    ("2023年12月至1月", "2023-12/2024-01"),
    # left YMD
    ("2022年6月1日至2023年", "2022-06-01/2023"),
    ("2022年6月1日至2023年5月", "2022-06-01/2023-05"),
    ("2021年12月28日至2022年1月5日", "2021-12-28/2022-01-05"),
    ("2023年3月5日至5月", "2023-03-05/2023-05"),
    ("2023年3月5日至5月10日", "2023-03-05/2023-05-10"),
    ("2023年12月28日至1月5日", "2023-12-28/2024-01-05"),
    ("2023年3月21日至31日", "2023-03-21/2023-03-31"),
    ("2023年6月18日、19日", "2023-06-18/2023-06-19"),
    # left M
    ("11月至2022年2月", "2021-11/2022-02"),
    ("11月至2022年2月10日", "2021-11/2022-02-10"),
    ("3月至5月", "2021-03/2021-05"),
    ("3月份至5月份", "2021-03/2021-05"),
    ("1—10月", "2021-01/2021-10"),
    ("12月至1月", "2021-12/2022-01"),
    ("3月至5月10日", "2021-03/2021-05-10"),
    ("3月至年底", "2021-03/2021-12"),
    ("今年10月至明年3月", "2021-10/2022-03"),
    # left MD
    ("12月28日至2022年1月5日", "2021-12-28/2022-01-05"),
    ("12月28日至2022年1月", "2021-12-28/2022-01"),
    ("3月5日至5月", "2021-03-05/2021-05"),
    ("3月21日—4月2日", "2021-03-21/2021-04-02"),
    ("12月28日至1月5日", "2021-12-28/2022-01-05"),
    ("1月3至2月10", "2021-01-03/2021-02-10"),
    ("6月18日、19日", "2021-06-18/2021-06-19"),
    ("6月17日、18日和19日", "2021-06-17/2021-06-19"),
    ("3月5日至年底", "2021-03-05/2021-12"),
    # left D
    ("28日至5月2日", "2021-04-28/2021-05-02"),
    ("28日至1月2日", "2020-12-28/2021-01-02"),
    # separators
    ("3月21日至4月2日", "2021-03-21/2021-04-02"),
    ("3月21日到4月2日", "2021-03-21/2021-04-02"),
    ("3月21日-4月2日", "2021-03-21/2021-04-02"),
    ("3月21日—4月2日", "2021-03-21/2021-04-02"),
    ("3月21日——4月2日", "2021-03-21/2021-04-02"),
    ("3月21日–4月2日", "2021-03-21/2021-04-02"),
    ("3月21日～4月2日", "2021-03-21/2021-04-02"),
    ("3月21日~4月2日", "2021-03-21/2021-04-02"),
    ("3月21日－4月2日", "2021-03-21/2021-04-02"),
    # PDF spaces
    ("12 月 28 日 - 1 月 5 日", "2021-12-28/2022-01-05"),
    ("2021 年 12 月 28 日 至 2022 年 1 月 5 日", "2021-12-28/2022-01-05"),
    ("2022 — 2025 年", "2022/2025"),
    # two-digit years with 年: 00-49 -> 20xx, 50-99 -> 19xx
    ("15年3月2日", "2015-03-02"),
    ("19年底", "2019-12"),
    ("89年3月", "1989-03"),
    ("00年1月1日", "2000-01-01"),
    ("49年10月", "2049-10"),
    ("50年10月", "1950-10"),
    ("17年5月至18年4月", "2017-05/2018-04"),
    ("18年10月1日到19年2月3日", "2018-10-01/2019-02-03"),
    # inverted, nothing borrowed to roll over
    ("2023年5月至2022年3月", None),
    ("2025年至2022年", None),
    ("3月21日至2日", None),
    ("2023年3月21日至2023年3月2日", None),
]


@pytest.mark.parametrize(("text", "expected"), RANGE_CASES)
def test_normalize_range(text: str, expected: str | None) -> None:
    assert normalize_date(text, 2021) == expected


LEAD = "2021年4月26日，民政部召开会议。"


def _pipeline_dates(sentence: str, lead: str = LEAD) -> list[tuple[str, str | None]]:
    """DATE mentions (compact text, norm) after a dated lead, through the pipeline."""
    doc = process_text(lead + sentence, stages=("date",), use_model=False)
    return [
        ("".join(m.text.split()), m.norm)
        for m in doc.mentions
        if m.type == "DATE" and m.start >= len(lead)
    ]


@pytest.mark.parametrize(("text", "expected"), RANGE_CASES)
def test_range_in_a_sentence(text: str, expected: str | None) -> None:
    found = _pipeline_dates(f"活动于{text}举行。")
    assert found == ([("".join(text.split()), expected)] if expected else [])


# Through the stage only: a bare day takes the month of the date before it (the lead's).
@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("18日至19日，举行论坛。", [("18日至19日", "2021-04-18/2021-04-19")]),
        ("18日、19日，举行论坛。", [("18日、19日", "2021-04-18/2021-04-19")]),
        ("18日—19日，举行论坛。", [("18日—19日", "2021-04-18/2021-04-19")]),
        ("28日至2日，举行论坛。", []),  # inverted: a month is never rolled over
        ("18日至19日内完成。", [("18日", "2021-04-18")]),
    ],
)
def test_bare_day_ranges_take_the_previous_month(
    sentence: str, expected: list[tuple[str, str | None]]
) -> None:
    assert _pipeline_dates(sentence) == expected


def test_inverted_range_is_logged_not_stored(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bulletin_nlp"):
        assert _pipeline_dates("活动于2023年5月至2022年3月举行。") == []
    assert "2023年5月至2022年3月" in caplog.text
    assert "ends before it starts" in caplog.text


def test_inverted_range_does_not_date_the_article() -> None:
    text = "2023年5月至2022年3月，开展服务。2月21日，召开会议。"
    doc = _doc(text, [(0, len(text))])
    assert _dates(doc) == [("2月21日", "--02-21")]


@pytest.mark.parametrize(
    ("groups", "ref_year"),
    [
        ({"m": "3", "d": "21", "d2": "2"}, 2021),
        ({"y": "2023", "m": "5", "y2": "2022", "m2": "3"}, None),
        ({"m": "12", "d": "28", "m2": "1", "d2": "5"}, None),  # year end, year unknown
    ],
)
def test_resolve_raises_on_inverted_ranges(groups: dict[str, str], ref_year: int | None) -> None:
    with pytest.raises(InvertedRange):
        resolve(groups, ref_year)


# (text, reference date, expected) for words that need a full reference date
REF_DATE_CASES = [
    ("明天", date(2017, 3, 22), "2017-03-23"),
    ("昨日", date(2018, 7, 30), "2018-07-29"),
    ("大后天", date(2017, 3, 22), "2017-03-25"),
    ("上周一", date(2017, 3, 22), "2017-03-13"),
    ("这个星期一", date(2017, 3, 22), "2017-03-20"),
    ("下下周日", date(2024, 11, 15), "2024-12-01"),
    ("上上個週三", date(2024, 11, 15), "2024-10-30"),
    ("本月十日", date(2017, 3, 22), "2017-03-10"),
    ("去年本月十日", date(2017, 3, 22), "2016-03-10"),
    ("下个月", date(2017, 12, 5), "2018-01"),
    ("1月19日", date(2017, 3, 22), "2017-01-19"),
    ("今年", date(2017, 3, 22), "2017"),
]


@pytest.mark.parametrize(("text", "ref", "expected"), REF_DATE_CASES)
def test_normalize_with_reference_date(text: str, ref: date, expected: str) -> None:
    assert normalize_date(text, None, ref) == expected


@pytest.mark.parametrize("text", ["明天", "上周一", "本月十日"])
def test_reference_date_words_need_a_date(text: str) -> None:
    assert normalize_date(text, 2022) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), ("十二", 12), ("二十三", 23), ("三十一", 31), ("二〇三五", 2035),
     ("两千零四", 2004), ("十", 10), ("三六七", 367), ("x", None)],
)  # fmt: skip
def test_cn_int(text: str, value: int | None) -> None:
    assert cn_int(text) == value


def test_find_dates_offsets() -> None:
    text = "4月26日，民政部举行2022年第二季度例行新闻发布会"
    assert find_dates(text, 2022) == [(0, 5, "2022-04-26"), (11, 20, "2022-Q2")]


# ---------------------------------------------------------------- the stage


def _doc(text: str, articles: list[tuple[int, int]] | None = None) -> Doc:
    """A document whose normalized text is ``text`` (one sentence per 。)."""
    doc = Doc(path="t.txt", raw=text, norm=text, nmap=list(range(len(text))))
    for i, (start, end) in enumerate(articles or []):
        doc.articles.append(Article(start=start, end=end))
        cut = start
        for pos in range(start, end):
            if text[pos] == "。" or pos == end - 1:
                doc.sentences.append(Sentence(cut, pos + 1, i, 0))
                cut = pos + 1
    return doc


def _run_date(doc: Doc) -> list:
    """The DATE stage after the stage it requires (frames: date shapes, each article's
    own year and day)."""
    frames.extract(doc)
    return date_stage.extract(doc)


def _dates(doc: Doc) -> list[tuple[str, str | None]]:
    return [(doc.norm[h.start : h.end], h.norm) for h in _run_date(doc)]


def test_stage_dates_articles_from_their_leads_and_the_bulletin() -> None:
    a = "2021年全国考试报名结束。截至目前共有1万人。明年年底前完成。"
    b = "12月5日，总结会召开。到2025年，建成体系。"
    doc = _doc(a + b, [(0, len(a)), (len(a), len(a + b))])
    assert _dates(doc) == [
        ("2021年", "2021"),
        ("明年年底", "2022-12"),
        ("12月5日", "2021-12-05"),
        ("2025年", "2025"),
    ]
    assert [art.year for art in doc.articles] == [2021, 2021]


def test_deadline_years_do_not_date_the_article() -> None:
    text = "到2025年，建成体系。2月21日，召开会议。"
    doc = _doc(text, [(0, len(text))])
    assert _dates(doc) == [("2025年", "2025"), ("2月21日", "--02-21")]
    assert doc.articles[0].year is None


@pytest.mark.parametrize(
    ("lead", "year"),
    [
        ("2024年上半年，全县开展服务。", 2024),
        ("2024年3月下旬，全县开展服务。", 2024),
        ("2024年前三季度，全县开展服务。", 2024),
        ("2024年第一季度，全县开展服务。", 2024),
        # Month and year ends are often deadlines or looked back on: no anchor.
        ("2024年6月底前，全县完成建设。", None),
        ("截至2023年底，全县共有社工站13个。", None),
    ],
)
def test_parts_of_a_year_date_the_article(lead: str, year: int | None) -> None:
    text = lead + "今年第三季度，全县将新增社工室。"
    doc = _doc(text, [(0, len(text))])
    dates = dict(_dates(doc))
    assert doc.articles[0].year == year
    assert dates["今年第三季度"] == (f"{year}-Q3" if year else None)


def test_issue_year_is_the_last_resort() -> None:
    doc = _doc("2月21日，召开会议。", [(0, 10)])
    doc.issue_year = 2024
    assert _dates(doc) == [("2月21日", "2024-02-21")]


def test_dates_inside_titles_are_left_to_the_title() -> None:
    text = "印发《河南省“十四五”民政事业发展规划》，明确了“十四五”时期目标。"
    doc = _doc(text)
    hits = _run_date(doc)
    assert [(h.start, h.end, h.norm) for h in hits] == [(25, 28, "2021/2025")]


def test_bare_day_takes_the_previous_month() -> None:
    text = "2022年6月17日，会议开幕。18日，举行论坛。"
    assert _dates(_doc(text)) == [("2022年6月17日", "2022-06-17"), ("18日", "2022-06-18")]


def test_relative_words_inside_other_words_are_not_dates() -> None:
    assert _dates(_doc("以上年龄段的老人，每年年底考核。")) == []


# ---------------------------------------------------------------- rules/date.yaml


def test_rules_load() -> None:
    rules = date_rules()
    assert rules.patterns
    raw = yaml.safe_load((rules_dir() / "date.yaml").read_text(encoding="utf-8"))
    assert raw["version"] == rules.version


def test_a_fragment_that_uses_itself_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "date.yaml").write_text(
        'version: "1"\nentries:\n'
        "  - {id: frag.a, kind: fragment, name: A, pattern: 'x{B}'}\n"
        "  - {id: frag.b, kind: fragment, name: B, pattern: 'y{A}'}\n"
        "  - {id: date.p, kind: pattern, pattern: '{A}', examples: {match: [xy]}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("BULLETIN_NLP_RULES", str(tmp_path))
    date_rules.cache_clear()
    try:
        with pytest.raises(RulesError, match="uses itself"):
            date_rules()
    finally:
        monkeypatch.undo()
        date_rules.cache_clear()
