"""DATE ranges and two-digit years as properties (issue 15).

A random valid range (start <= end) is written the ways bulletins write it: each side at
a random precision, the right side leaving out the year (or year and month) it shares
with the left where a reader can still tell, a left side leaving out its year, every
separator, Arabic or Chinese numerals, PDF spaces (``12 月 5 日``). The normalizer and the
DATE stage (through the pipeline, on a sentence embedding the text) must give back
exactly the generated range, never an inverted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin_nlp.dates import normalize_date
from bulletin_nlp.pipeline import process_text

SEPARATORS = ["至", "到", "-", "—", "——", "–", "～", "~", "－"]
CN = "〇一二三四五六七八九"
Y, YM, YMD = 1, 2, 3  # precisions: how many of year, month, day a side holds


@dataclass(frozen=True)
class Case:
    text: str
    ref_year: int  # the article's year
    expected: str


def cn_number(n: int) -> str:
    """12 -> 十二, 20 -> 二十, 31 -> 三十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN[tens] + "十")
    return head + (CN[ones] if ones or not tens else "")


def iso(d: date, precision: int) -> str:
    return d.isoformat()[: {Y: 4, YM: 7, YMD: 10}[precision]]


def after(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """``a`` lies after ``b``, compared on the units both hold."""
    k = min(len(a), len(b))
    return a[:k] > b[:k]


@st.composite
def ranges(draw: st.DrawFn) -> Case:
    start = draw(st.dates(date(1990, 1, 1), date(2045, 12, 31)))
    end = start + timedelta(days=draw(st.integers(0, 800)))
    p1, p2 = draw(st.sampled_from([Y, YM, YMD])), draw(st.sampled_from([Y, YM, YMD]))
    if p1 == Y and p2 == Y and start.year == end.year:
        p2 = YM  # 2022年至2022年 is no range a bulletin writes
    chinese = draw(st.booleans())
    spaced = draw(st.booleans())
    two_digit = (
        draw(st.booleans())
        and min(p1, p2) >= YM
        and 1950 <= start.year
        and end.year <= 2049
        and not chinese
    )

    md1 = (start.month, start.day)[: p1 - 1]
    md2 = (end.month, end.day)[: p2 - 1]
    # The right side leaves out its year when the reader takes it from the left: the same
    # year, or the next one when the month and day run backwards (12月28日至1月5日).
    right_year = (
        p2 == Y
        or p1 == Y
        or not draw(st.booleans())
        or not (
            (end.year == start.year and not after(md1, md2))
            or (end.year == start.year + 1 and after(md1, md2))
        )
    )
    # ... and its month too when only the day differs (6月18日至19日).
    right_month = not (
        not right_year
        and p1 == YMD
        and p2 == YMD
        and (start.year, start.month) == (end.year, end.month)
        and draw(st.booleans())
    )
    # The left side leaves out its year when the right side's, or the article's, tells it
    # (a bare year on the right needs one on the left: 2022年6月至2023年).
    left_year = p1 == Y or p2 == Y or draw(st.booleans())
    if not left_year and right_year:
        left_year = not (
            (start.year == end.year and not after(md1, md2))
            or (start.year == end.year - 1 and after(md1, md2))
        )
    # The article's year matters only when neither side writes one.
    ref_year = start.year if not (left_year or right_year) else draw(st.integers(1990, 2045))

    def year(y: int) -> list[str]:
        if two_digit:
            return [f"{y % 100:02d}", "年"]
        return ["".join(CN[int(c)] for c in str(y)) if chinese else str(y), "年"]

    def num(n: int) -> str:
        return cn_number(n) if chinese else str(n)

    def side(d: date, p: int, with_year: bool, with_month: bool, bare_day: bool) -> list[str]:
        parts = year(d.year) if with_year else []
        if p >= YM and with_month:
            parts += [num(d.month), "月"]
        if p == YMD:
            parts += [num(d.day)] if bare_day else [num(d.day), "日"]
        return parts

    # 1月3至2月10: days without 日 on both sides, both with their month.
    bare_days = p1 == p2 == YMD and right_month and not chinese and draw(st.booleans())
    if p2 == YMD and not right_month:
        sep = draw(st.sampled_from([*SEPARATORS, "、"]))  # 6月18日、19日
    else:
        sep = draw(st.sampled_from(SEPARATORS))
    tokens = [
        *side(start, p1, left_year, True, bare_days),
        sep,
        *side(end, p2, right_year, right_month, bare_days),
    ]
    text = (" " if spaced else "").join(tokens)
    return Case(text, ref_year, f"{iso(start, p1)}/{iso(end, p2)}")


def assert_forward(value: str) -> None:
    first, _, last = value.partition("/")
    k = min(len(first), len(last))
    assert first[:k] <= last[:k], value


@settings(max_examples=600, deadline=None)
@given(ranges())
def test_range_normalizes_to_the_generated_one(case: Case) -> None:
    value = normalize_date(case.text, case.ref_year)
    assert value == case.expected, case
    assert_forward(value)


@settings(max_examples=300, deadline=None)
@given(ranges())
def test_range_in_a_sentence_through_the_pipeline(case: Case) -> None:
    lead = f"{case.ref_year}年1月1日，民政部召开会议。"
    doc = process_text(f"{lead}活动于{case.text}举行。", stages=("date",), use_model=False)
    found = [(m.text, m.norm) for m in doc.mentions if m.type == "DATE" and m.start >= len(lead)]
    assert found == [(case.text, case.expected)], case


# Any two sides, in any order: the result is the range, forward, or nothing at all.
@st.composite
def any_pair(draw: st.DrawFn) -> str:
    def side() -> str:
        shape = draw(st.sampled_from(["Y", "YM", "YMD", "M", "MD", "D"]))
        parts = {
            "Y": f"{draw(st.integers(1990, 2045))}年",
            "M": f"{draw(st.integers(1, 12))}月",
            "D": f"{draw(st.integers(1, 31))}日",
        }
        return "".join(parts[unit] for unit in shape)

    return side() + draw(st.sampled_from([*SEPARATORS, "、"])) + side()


@settings(max_examples=500, deadline=None)
@given(any_pair(), st.one_of(st.none(), st.integers(1990, 2045)))
def test_no_range_comes_out_inverted(text: str, ref_year: int | None) -> None:
    value = normalize_date(text, ref_year)
    if value and "/" in value and not value.startswith("-"):
        assert_forward(value)
    lead = f"{ref_year}年1月1日，民政部召开会议。" if ref_year else "民政部召开会议。"
    doc = process_text(f"{lead}活动于{text}举行。", stages=("date",), use_model=False)
    for m in doc.mentions:
        if m.type == "DATE" and m.norm and "/" in m.norm and not m.norm.startswith("-"):
            assert_forward(m.norm)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(1, 28),
    st.sampled_from(["ymd", "ym", "end", "range"]),
    st.integers(1990, 2045),
)
def test_two_digit_years(yy: int, m: int, d: int, form: str, ref_year: int) -> None:
    full = yy + (2000 if yy < 50 else 1900)
    text, expected = {
        "ymd": (f"{yy:02d}年{m}月{d}日", f"{full}-{m:02d}-{d:02d}"),
        "ym": (f"{yy:02d}年{m}月", f"{full}-{m:02d}"),
        "end": (f"{yy:02d}年底", f"{full}-12"),
        "range": (f"{yy:02d}年{m}月至{(yy + 1) % 100:02d}年{m}月", ""),
    }[form]
    if form == "range":
        if yy == 49:  # 49 -> 2049, 50 -> 1950: not a forward range
            return
        expected = f"{full}-{m:02d}/{full + 1}-{m:02d}"
    assert normalize_date(text, ref_year) == expected
    lead = f"{ref_year}年1月1日，民政部召开会议。"
    doc = process_text(f"{lead}活动于{text}举行。", stages=("date",), use_model=False)
    found = [(m.text, m.norm) for m in doc.mentions if m.type == "DATE" and m.start >= len(lead)]
    assert found == [(text, expected)]
