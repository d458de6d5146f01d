"""The number reader against an independent oracle (issue 15: figures never silently wrong).

Hypothesis draws a value; ``cn2an`` (or plain string formatting) writes it the way
bulletins do: ``3千万``, ``1.2亿``, ``一万七千余``, ``两百多``, ``百分之一点五七``, full-width
digits and separators, spaced digits, thousands groups, signs. Reading the text back
must give exactly the drawn value; a form that is not one number must give None.
The strategies are shared with ``test_quantity_spans.py`` (figures inside sentences).
"""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin_nlp.extract.quantity import lexicon
from bulletin_nlp.numbers import parse_number, parse_quantity

EXAMPLES = 300  # per property (each written form is one); the file runs in about 10 s

_FULL_WIDTH = str.maketrans("0123456789,.-%", "０１２３４５６７８９，．－％")


def expected(value: Decimal) -> int | float:
    """What the reader returns for ``value``: an int when integral, else a float."""
    return int(value) if value == value.to_integral_value() else float(value)


def chinese(value: Decimal | int, mode: str = "low") -> str:
    """``value`` as a Chinese numeral, written by cn2an (the oracle); a decimal without
    trailing zeros (一点五, not 一点五零)."""
    digits = format(Decimal(value).normalize(), "f") if isinstance(value, Decimal) else str(value)
    text: str = cn2an.an2cn(digits, mode)
    return text


def liang(text: str) -> str:
    """两 for 二 before 百/千/万/亿 where it heads a place (两百, 一万两千; not 十二万)."""
    out = []
    for i, ch in enumerate(text):
        nxt = text[i + 1 : i + 2]
        prev = text[i - 1 : i]
        out.append("两" if ch == "二" and nxt in ("百", "千", "万", "亿") and prev != "十" else ch)
    return "".join(out)


def decimals(places: int, max_value: int) -> st.SearchStrategy[Decimal]:
    """Non-negative decimals with at most ``places`` digits after the point."""
    scale = 10**places
    return st.integers(0, max_value * scale).map(lambda n: Decimal(n) / scale)


def _round(n: int, zeros: int) -> int:
    return max(n, 1) * 10**zeros


# (text, value) pairs: each strategy is one written form of a figure.
standard_chinese = st.integers(0, 10**16 - 1).map(lambda n: (chinese(n), Decimal(n)))
financial_chinese = st.integers(1, 10**16 - 1).map(lambda n: (chinese(n, "up"), Decimal(n)))
liang_chinese = st.integers(2, 10**12).map(lambda n: (liang(chinese(n)), Decimal(n)))
chinese_decimal = decimals(4, 10**8).map(lambda d: (chinese(d), d))
# 3千万, 5百万, 2千亿, 8千: one Arabic digit and a multiplier.
arabic_multiplier = st.tuples(
    st.integers(1, 9),
    st.sampled_from(
        [("十", 10), ("百", 100), ("千", 1000), ("万", 10**4), ("十万", 10**5)]
        + [("百万", 10**6), ("千万", 10**7), ("亿", 10**8), ("千亿", 10**11), ("万亿", 10**12)]
    ),
).map(lambda t: (f"{t[0]}{t[1][0]}", Decimal(t[0] * t[1][1])))
# 1.2亿, 73.7万, 4.78万亿: an Arabic decimal scaled by 万/亿.
scaled_decimal = st.tuples(
    decimals(2, 9999), st.sampled_from([("万", 10**4), ("亿", 10**8), ("万亿", 10**12)])
).map(lambda t: (f"{t[0]}{t[1][0]}", t[0] * t[1][1]))
# 一万七千余, 两百多, 十余: a round Chinese figure with an inexact tail, read as written.
inexact_chinese = st.tuples(st.integers(1, 99), st.integers(1, 7), st.sampled_from("余多")).map(
    lambda t: (liang(chinese(_round(t[0], t[1]))) + t[2], Decimal(_round(t[0], t[1])))
)
# 80余万, 10多万, 3千余万: an inexact figure before its magnitude.
inexact_magnitude = st.tuples(
    st.integers(1, 99), st.integers(1, 3), st.sampled_from("余多"), st.sampled_from("万亿")
).map(
    lambda t: (
        f"{t[0] * 10 ** (t[1] - 1)}{t[2]}{t[3]}",
        Decimal(t[0] * 10 ** (t[1] - 1)) * (10**4 if t[3] == "万" else 10**8),
    )
)
# 百分之一点五七, 百分之三十, 百分之2.4: a rate, whose value is in percent.
percent_chinese = decimals(3, 999).map(lambda d: ("百分之" + chinese(d), d))
percent_arabic = decimals(3, 999).map(lambda d: (f"百分之{d}", d))
# 82,225.00 and 82，225.00: thousands groups, ASCII or full-width comma.
grouped = st.tuples(decimals(2, 10**12), st.sampled_from([",", "，"])).map(
    lambda t: (f"{t[0]:,.2f}".replace(",", t[1]), t[0])
)
# ８２，２２５．００: full-width digits and separators throughout.
full_width = decimals(2, 10**12).map(lambda d: (f"{d:,.2f}".translate(_FULL_WIDTH), d))
# 1 2 3 4: digits spaced out by PDF extraction.
spaced = st.integers(0, 10**12).map(lambda n: (" ".join(str(n)), Decimal(n)))


def _signed(pair: tuple[str, Decimal], sign: str) -> tuple[str, Decimal]:
    return sign + pair[0], -pair[1]


# -1.18, －1.18, 负1.18, 负一点一八: a leading sign.
signed = st.tuples(
    st.one_of(decimals(2, 10**6).map(lambda d: (str(d), d)), chinese_decimal),
    st.sampled_from(["-", "－", "负"]),
).map(lambda t: _signed(*t))

FORMS = {
    "standard_chinese": standard_chinese,
    "financial_chinese": financial_chinese,
    "liang_chinese": liang_chinese,
    "chinese_decimal": chinese_decimal,
    "arabic_multiplier": arabic_multiplier,
    "scaled_decimal": scaled_decimal,
    "inexact_chinese": inexact_chinese,
    "inexact_magnitude": inexact_magnitude,
    "percent_chinese": percent_chinese,
    "percent_arabic": percent_arabic,
    "grouped": grouped,
    "full_width": full_width,
    "spaced": spaced,
    "signed": signed,
}
#: Every written form at once: what figures inside sentences are drawn from.
figures = st.one_of(*FORMS.values())


@pytest.mark.parametrize("form", FORMS)
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_reads_every_written_form(form: str, data: st.DataObject) -> None:
    text, value = data.draw(FORMS[form], label="written figure")
    got = parse_number(text)
    assert got == expected(value), text
    assert isinstance(got, int) == isinstance(expected(value), int), text


# 1,2345 and 12，34: a comma that does not separate groups of three is not a thousands
# form, so the text is no number (never 1 or 2345).
_bad_groups = st.lists(st.integers(1, 5), min_size=1, max_size=3).filter(
    lambda sizes: any(n != 3 for n in sizes)
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(1, 999), _bad_groups, st.sampled_from([",", "，"]), st.data())
def test_rejects_commas_outside_groups_of_three(
    head: int, sizes: list[int], comma: str, data: st.DataObject
) -> None:
    groups = [data.draw(st.text("0123456789", min_size=n, max_size=n)) for n in sizes]
    text = comma.join([str(head), *groups])
    assert parse_number(text) is None, text


# A head of four or more digits before a comma is no thousands form either.
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(1000, 10**8), st.integers(0, 999), st.sampled_from([",", "，"]))
def test_rejects_long_heads(head: int, group: int, comma: str) -> None:
    assert parse_number(f"{head}{comma}{group:03d}") is None


@settings(max_examples=EXAMPLES, deadline=None)
@given(figures, st.sampled_from(["人", "万元", "元", "个", "起"]))
def test_quantity_value_is_the_figure_times_the_unit(pair: tuple[str, Decimal], unit: str) -> None:
    text, value = pair
    if text.startswith("百分之"):
        unit = ""  # a rate carries its own unit
    elif unit == "万元" and any(c in text for c in "万亿"):
        unit = "元"  # 一亿零一万元 is 100010000 元, not 一亿零一 万元
    got = parse_quantity(text + unit, lexicon())
    assert got is not None, text + unit
    assert got["value"] == expected(value * (10_000 if unit == "万元" else 1)), text + unit
