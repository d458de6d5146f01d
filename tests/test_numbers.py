"""Numeral and quantity-string normalizers (bulletin_nlp.numbers)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulletin_nlp.extract.quantity import lexicon
from bulletin_nlp.numbers import fold, parse_number, parse_quantity

NUMBERS = [
    # Arabic
    ("0", 0),
    ("7473", 7473),
    ("737,000", 737000),
    ("1,050,000,000", 1050000000),
    ("115.83", 115.83),
    ("10,000.233", 10000.233),
    (".5", 0.5),
    ("-10000", -10000),
    ("４，５６５", 4565),
    ("２．２", 2.2),
    # Arabic with 万/亿 multipliers
    ("73.7万", 737000),
    ("1.65万", 16500),
    ("1.75万", 17500),
    ("4.78万亿", 4780000000000),
    ("10万万", 1000000000),
    ("１１.92亿", 1192000000),
    ("1,100万", 11000000),
    ("1,100.9亿", 110090000000),
    ("3万4000", 34000),
    ("25万6千", 256000),
    ("5亿1万4千6百", 500014600),
    ("1千零20", 1020),
    ("2千零30万", 20300000),
    ("1000  万", 10000000),
    # Chinese
    ("两", 2),
    ("〇", 0),
    ("零", 0),
    ("十", 10),
    ("十五", 15),
    ("二十", 20),
    ("一百", 100),
    ("两百", 200),
    ("九百九十九", 999),
    ("一千二百三十四", 1234),
    ("一千零一", 1001),
    ("一千零五十", 1050),
    ("四万五千六百二十二", 45622),
    ("一百零一万一千", 1011000),
    ("一百零一万零三千零十二", 1013012),
    ("五亿零六", 500000006),
    ("四亿五千六百四十二万零一十五", 456420015),
    ("一万五千亿", 1500000000000),
    ("二十一万亿", 21000000000000),
    ("四万万", 400000000),
    ("零十", 10),
    ("一百零十万", 1100000),
    ("一万零十二", 10012),
    # abbreviated tails
    ("两千四百五", 2450),
    ("四百五", 450),
    ("一万三", 13000),
    ("九十二万四", 924000),
    ("百三", 130),
    ("千三", 1300),
    # digit-by-digit (years, codes)
    ("二〇三五", 2035),
    ("二零零四", 2004),
    # variant and financial numerals
    ("壹佰伍拾", 150),
    ("肆佰陸拾", 460),
    ("兩千四百五", 2450),
    ("十萬柒仟捌佰伍拾肆", 107854),
    # approximation marks read as the round figure
    ("十余", 10),
    ("三万多", 30000),
    ("10余万", 100000),
    ("80余万", 800000),
    ("2万余", 20000),
    ("十 余 万", 100000),
    ("二十几万", 200000),
    ("一百零几万", 1000000),
    ("四百多", 400),
    # decimals and signs
    ("十五点七", 15.7),
    ("零点五", 0.5),
    ("一千六点五", 1600.5),
    ("两千万点五五四四", 20000000.5544),
    ("四百亿点零五零", 40000000000.05),
    ("负三十二", -32),
    ("负1.1", -1.1),
    # fractions and percent prefixes
    ("五分之一", 0.2),
    ("一百分之二", 0.02),
    ("3又一千分之23", 3.023),
    ("负一又二分之一", -1.5),
    ("百分之三十", 30),
    ("百分之2.4", 2.4),
    ("千分之一", 0.1),
    # issue 15: whole figures in the forms bulletins print
    ("3千万", 30_000_000),
    ("1千", 1000),
    ("百分之一点五七", 1.57),
    ("82，225.00", 82225),
    ("８２，２２５．００", 82225),
    ("-1.18", -1.18),
    ("－1.18", -1.18),
    ("负1.18", -1.18),
    ("1 2 3 4", 1234),
    ("一万七千余", 17000),
    ("两百多", 200),
    ("一点五万", 15000),
    ("三点五亿", 350_000_000),
    ("3千5", 3500),
    ("1千200", 1200),
    ("13万5", 135000),
    ("一万十三", 10013),
]

NOT_NUMBERS = [
    "",
    "万",
    "万万",
    "亿",
    "两两",
    "一切",
    "四川",
    "人",
    "十百",
    "三四",
    "5五",
    "余十",
    "多",
    "几十",
    "半百",
    "2e5",
    "40k",
    "十余多",
    "点五",
    "1.2.3",
    # issue 15: not one number, so never a part of one
    "1,2345",
    "1，2345",
    "1234,567",
    "3万45",  # 30045 or 34500? a bare tail that fills no place
    "1千20",
    "十万五",  # which place the 五 fills after a round head is unclear
    "3千万5",
    "一万多三千",  # digits after an inner approximation mark
    "1千2000",
    "--5",
]


@pytest.mark.parametrize(("text", "value"), NUMBERS)
def test_parse_number(text: str, value: float) -> None:
    got = parse_number(text)
    assert got == pytest.approx(value, rel=1e-12)
    assert isinstance(got, int) == isinstance(value, int)


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


QUANTITIES = [
    ("73.7 万人", 737000, "人", "exact"),
    ("73.7万", 737000, None, "exact"),
    ("80余万人", 800000, "人", "over"),
    ("10余万人", 100000, "人", "over"),
    ("近6万元", 60000, "元", "under"),
    ("115.83%", 115.83, "%", "exact"),
    ("115.83％", 115.83, "%", "exact"),
    ("约1.75万人", 17500, "人", "about"),
    ("突破1.3万", 13000, None, "over"),
    ("2万余人", 20000, "人", "over"),
    ("500人以上", 500, "人", "over"),
    ("14000人次以上", 14000, "人次", "over"),
    ("不足50人", 50, "人", "under"),
    ("不到3成", None, None, None),
    ("300人左右", 300, "人", "about"),
    ("超过8万人", 80000, "人", "over"),
    ("逾千人", 1000, "人", "over"),
    ("1万余人次", 10000, "人次", "over"),
    ("三万多人", 30000, "人", "over"),
    ("两名", 2, "名", "exact"),
    ("八人", 8, "人", "exact"),
    ("1700万元", 17000000, "元", "exact"),
    ("38.3万元", 383000, "元", "exact"),
    ("36.57亿元", 3657000000, "元", "exact"),
    ("8亿元人民币", 800000000, "元", "exact"),
    ("1200亿美元", 120000000000, "美元", "exact"),
    ("1.95港元", 1.95, "港元", "exact"),
    ("一千元", 1000, "元", "exact"),
    ("近400场", 400, "场", "under"),
    ("9000余人次", 9000, "人次", "over"),
    ("75天", 75, "天", "exact"),
    ("3个月", 3, "个月", "exact"),
    ("10个", 10, "个", "exact"),
    ("9城区", 9, "个", "exact"),
    ("19部门", 19, "个", "exact"),
    ("30余项", 30, "项", "over"),
    ("近700家", 700, "家", "under"),
    ("2300余名", 2300, "名", "over"),
    ("百分之三十", 30, "%", "exact"),
    ("百分之２．４", 2.4, "%", "exact"),
    ("千分之２．４", 0.24, "%", "exact"),
    ("-22.2%", -22.2, "%", "exact"),
    ("负3.9%", -3.9, "%", "exact"),
    ("2.5个百分点", 2.5, "个百分点", "exact"),
    ("100%", 100, "%", "exact"),
    ("7473", 7473, None, "exact"),
    # issue 15
    ("3千万元", 30_000_000, "元", "exact"),
    ("82，225.00元", 82225, "元", "exact"),
    ("-1.18%", -1.18, "%", "exact"),
    ("百分之一点五七", 1.57, "%", "exact"),
    ("50万元（含）以上", 500000, "元", "over"),
    ("50万元(含)以上", 500000, "元", "over"),
    ("10万元（含）以下", 100000, "元", "under"),
    ("小于40万", 400000, None, "under"),
    ("低于5%", 5, "%", "under"),
    ("不高于10%", 10, "%", "under"),
    ("至少2名", 2, "名", "over"),
    ("大于100万元", 1000000, "元", "over"),
    ("高于95%", 95, "%", "over"),
    ("1293起", 1293, "起", "exact"),
    ("不足1千家", 1000, "家", "under"),
]

NOT_QUANTITIES = ["人", "万人", "近日", "以上", "约", "三个级别", "一行", "家庭", "%", "百分之"]


@pytest.mark.parametrize(("text", "value", "unit", "approx"), QUANTITIES)
def test_parse_quantity(text: str, value: float | None, unit: str | None, approx: str) -> None:
    got = parse_quantity(text, lexicon())
    if value is None:
        assert got is None
        return
    assert got == {"value": pytest.approx(value, rel=1e-12), "unit": unit, "approx": approx}
    assert isinstance(got["value"], int) == isinstance(value, int)


@pytest.mark.parametrize("text", NOT_QUANTITIES)
def test_parse_quantity_rejects(text: str) -> None:
    assert parse_quantity(text, lexicon()) is None


def test_fold_keeps_one_to_one_digits() -> None:
    assert fold("１２ 万 人") == "12万人"
    assert fold("貳萬") == "二万"


_CN_DIGITS = "零一二三四五六七八九"


def _section_cn(n: int) -> str:
    """Write 0 < n < 10000 the standard way (一千零五, 二十, 一百一十)."""
    out = ""
    zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit_value % 10
        if digit:
            if zero and out:
                out += "零"
            out += _CN_DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return out


def _to_chinese(n: int) -> str:
    """Standard Chinese numeral for 0 < n < 10**12, as an independent oracle."""
    parts = []
    for big_value, big in ((10**8, "亿"), (10**4, "万"), (1, "")):
        chunk = n // big_value % 10**4
        if chunk:
            if parts and chunk < 1000 and parts[-1] != "零":
                parts.append("零")
            parts.append(_section_cn(chunk) + big)
        elif parts and parts[-1] != "零":
            parts.append("零")
    return "".join(parts).rstrip("零")


@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_chinese_round_trip(n: int) -> None:
    assert parse_number(_to_chinese(n)) == n


@given(st.integers(min_value=0, max_value=10**15))
def test_arabic_round_trip(n: int) -> None:
    assert parse_number(str(n)) == n
    assert parse_number(f"{n:,}") == n
