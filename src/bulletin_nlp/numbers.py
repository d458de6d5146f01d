"""Read Arabic and Chinese numerals and whole quantity strings.

``parse_number`` turns ``73.7万``, ``一千二百三十四``, ``二〇三五``, ``十余`` or ``737,000``
into a number (``int`` when integral). ``parse_quantity`` reads a reported figure with its
approximation words and unit: ``80余万人`` -> ``{value: 800000, unit: 人, approx: over}``.

The numeral tables below are the writing system itself (a closed class), so they live in
code; units and approximation words are vocabulary and come from ``rules/quantity.yaml``
through a :class:`QuantityLexicon`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import regex

# Variant and financial numerals folded to the everyday forms before parsing.
_FOLD = str.maketrans(
    {
        "壹": "一", "弌": "一", "贰": "二", "貳": "二", "貮": "二", "兩": "两", "倆": "两",
        "俩": "两", "叁": "三", "參": "三", "肆": "四", "伍": "五", "陆": "六", "陸": "六",
        "柒": "七", "捌": "八", "玖": "九", "拾": "十", "佰": "百", "仟": "千", "萬": "万",
        "億": "亿", "點": "点", "負": "负", "幾": "几", "個": "个", "○": "〇", "−": "-",
        "％": "%",
    }
)  # fmt: skip
DIGITS: dict[str, int] = {
    "〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000}
# Markers of an inexact count inside a numeral: 十余, 三万多, 二十几万.
INNER_APPROX = "余多几"
# A leading 百分之 / 千分之 / 百万分之 (no digit before the denominator): a rate, whose
# value we give in percent.
_PER = regex.compile(r"^([百千万]+)分之")
_PER_VALUE = {"百": 100, "千": 1000, "万": 10_000}

_ARABIC = regex.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
_TOKEN = regex.compile(r"\d+(?:\.\d+)?|[〇零一二两三四五六七八九]|[十百千]")
# Digit-by-digit numerals (二〇三五, 三六七): three or more digits, or any with a zero;
# two plain digits are a vague "three or four" (三四个), not 34.
_DIGIT_SEQ = regex.compile(r"[〇零一二三四五六七八九]{3,}|(?=.*[〇零])[〇零一二三四五六七八九]{2}")
# A decimal numeral scaled by 万/亿: 一点五万, 三点五亿.
_SCALED_DECIMAL = regex.compile(r"(.*点[〇零一二三四五六七八九]+)([万亿]+)")

# The shape of one written figure in running text, for finding figures (the extractors
# build their patterns from it): Arabic runs with thousands groups (``,`` or ``，``, only
# between groups of three) and decimals, Chinese digits and multipliers, mixed forms
# (3千万, 2千5百, 1千零20, 3万4000), 点 decimals, inner approximation marks (一万七千余,
# 两百多), a leading sign and a 百分之 prefix. It is deliberately wider than what reads
# (1,2345 and 1.2.3 match): a figure that matches but does not parse is one unreadable
# figure, never a shorter readable one inside it. An Arabic digit never glues to a Chinese
# digit (100一线, 统一3家): only to a multiplier or a zero.
SIGNS = "-−－负"
# No written figure is longer (the longest, 一千二百三十四万五千六百七十八亿..., is ~40).
MAX_NUMERAL_CHARS = 64
CN_DIGIT_CHARS = "〇零一二两三四五六七八九"
CN_MULTIPLIER_CHARS = "十百千万亿"
ARABIC_PATTERN = r"(?:\d{1,3}(?:[,，]\d{3})+(?![\d]|[,，]\d)|\d+(?:,\d+)*)(?:\.\d+)*"
NUMERAL_PATTERN = (
    rf"[{SIGNS}]?(?:[百千万]分之)?"
    rf"(?:{ARABIC_PATTERN}|[{CN_DIGIT_CHARS}{CN_MULTIPLIER_CHARS}])"
    rf"(?:(?<!\d)[{CN_DIGIT_CHARS}]|[{CN_MULTIPLIER_CHARS}{INNER_APPROX}]"
    rf"|(?<=[〇零{CN_MULTIPLIER_CHARS}]){ARABIC_PATTERN}|点(?=[{CN_DIGIT_CHARS}]))*"
)
# Text just before a figure that shows the figure started earlier: a digit, a decimal
# point or ASCII comma (only ever inside numbers after normalization), or a thousands
# group and its separator (12，|345).
_THOUSANDS_HEAD = regex.compile(r"(?<![\d.])\d{1,3}(?:[,，]\d{3})*[,，]$")
_THOUSANDS_TAIL = regex.compile(r"\d{3}(?!\d)")
_NUMERAL_CHARS = frozenset("0123456789.," + CN_DIGIT_CHARS + CN_MULTIPLIER_CHARS + SIGNS)


def continues_left(text: str, start: int) -> bool:
    """Whether a figure found at ``text[start:]`` is the tail of a longer written one.

    True after a digit, a Chinese numeral, a sign, a decimal point or an ASCII comma (only
    ever inside numbers after normalization), and after a thousands group with its
    separator when the figure starts with a group of three (``12，|345``). A ``，`` after
    four digits (``2022，345``) is punctuation.
    """
    if start <= 0:
        return False
    before = text[start - 1]
    if before in _NUMERAL_CHARS:
        return True
    return (
        before == "，"
        and _THOUSANDS_TAIL.match(text, start) is not None
        and _THOUSANDS_HEAD.search(text, max(0, start - 64), start) is not None
    )


def fold(text: str) -> str:
    """Drop whitespace, fold full-width forms and variant numerals."""
    text = "".join(ch for ch in text if not ch.isspace())
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_FOLD)


def _to_number(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _section(text: str) -> Decimal | None:
    """A numeral below 万 (or an Arabic number): 两千四百五, 1千零20, 五, 4000."""
    if _ARABIC.fullmatch(text):
        return Decimal(text.replace(",", ""))
    tokens = _TOKEN.findall(text)
    if not tokens or "".join(tokens) != text:
        return None
    total = Decimal(0)
    pending: Decimal | None = None
    pending_cn = False  # the pending value is one Chinese digit (so 四百五 means 450)
    last_unit: int | None = None
    after_zero = False
    for i, tok in enumerate(tokens):
        if tok in SMALL_UNITS:
            unit = SMALL_UNITS[tok]
            if last_unit is not None and unit >= last_unit:
                return None
            if pending is None and last_unit is not None and not after_zero:
                return None  # 千百: a unit with no digit in mid-numeral
            total += (pending if pending is not None else Decimal(1)) * unit
            pending, last_unit, after_zero = None, unit, False
            continue
        if pending is not None:
            return None  # two digits in a row: 三四, 5五
        if tok in DIGITS and DIGITS[tok] == 0:
            if last_unit is None:
                if len(tokens) == 1:
                    return Decimal(0)
                if i == 0 and tokens[1] in SMALL_UNITS:
                    continue  # 零十 = 10
                return None
            after_zero = True
            continue
        if tok in DIGITS:
            pending, pending_cn = Decimal(DIGITS[tok]), True
        else:
            pending, pending_cn = Decimal(tok), len(tok) == 1
    if pending is not None:
        if last_unit is None:
            total += pending
        elif after_zero:
            if pending >= last_unit:
                return None  # 1千零2000
            total += pending  # 1千零20
        elif pending_cn:
            total += pending * last_unit / 10  # abbreviated: 两千四百五 = 2450, 3千5 = 3500
        elif last_unit / 10 <= pending < last_unit and pending == pending.to_integral_value():
            total += pending  # 1千200
        else:
            return None  # 1千20 (which place?), 1千2000, 1千2.5
    return total


def _integer_part(text: str) -> Decimal | None:
    """A numeral with 万/亿 multipliers, split at the last (largest-scoped) big unit."""
    idx, big = text.rfind("亿"), "亿"
    if idx < 0:
        idx, big = text.rfind("万"), "万"
    if idx < 0:
        return _section(text)
    high_text, low_text = text[:idx], text[idx + 1 :]
    if not high_text:
        return None  # 万 alone is not a number
    high = _integer_part(high_text)
    if high is None:
        return None
    mult = BIG_UNITS[big]
    if not low_text:
        return high * mult
    if low_text[0] in "〇零":
        low = _integer_part(low_text[1:]) if len(low_text) > 1 else Decimal(0)
    elif low_text in DIGITS or (len(low_text) == 1 and low_text.isdigit()):
        # Abbreviated: 一万三 = 13000, 13万5 = 135000. After a round head (十万五, 3千万5)
        # the place the digit fills is unclear.
        if high % 10 != 0 or high != high.to_integral_value():
            low = Decimal(DIGITS.get(low_text, 0) or int(low_text)) * mult / 10
        else:
            return None
    else:
        low = _integer_part(low_text)
        if low is not None and _ARABIC.fullmatch(low_text) and low < mult / 10:
            return None  # 3万45: a bare tail that fills no place (3万零45 would)
    if low is None or low >= mult:
        return None
    return high * mult + low


def _parse(text: str) -> tuple[Decimal, bool] | None:
    """(value, inexact) for a folded numeral, or None."""
    if not text or len(text) > MAX_NUMERAL_CHARS:
        return None
    sign = Decimal(1)
    if text[0] in "-负":
        sign, text = Decimal(-1), text[1:]
    per = _PER.match(text)
    if per:
        denominator = Decimal(1)
        for ch in per.group(1):
            denominator *= _PER_VALUE[ch]
        inner = _parse(text[per.end() :])
        return None if inner is None else (sign * inner[0] * 100 / denominator, inner[1])
    if "分之" in text:
        frac = _fraction(text)
        return None if frac is None else (sign * frac, False)
    if _ARABIC.fullmatch(text):
        return sign * Decimal(text.replace(",", "")), False
    inexact = False
    stripped = text
    for mark in INNER_APPROX:
        if mark in stripped:
            if stripped.startswith(mark) or stripped.count(mark) > 1:
                return None
            if stripped[stripped.index(mark) + 1 :].strip("万亿"):
                return None  # 一万多三千: digits after the mark
            inexact = True
            stripped = stripped.replace(mark, "")
    if inexact and len(stripped) < len(text) - 1:
        return None  # 十余多
    value = _plain(stripped)
    return None if value is None else (sign * value, inexact)


def _plain(text: str) -> Decimal | None:
    """An unsigned numeral without approximation marks."""
    if not text:
        return None
    scaled = _SCALED_DECIMAL.fullmatch(text)
    if scaled:
        head = _plain(scaled.group(1))
        if head is None:
            return None
        for ch in scaled.group(2):
            head *= BIG_UNITS[ch]
        return head  # 一点五万 = 15000
    if "点" in text:
        whole, _, frac = text.partition("点")
        head = _plain(whole) if whole else None
        if head is None or not frac or any(ch not in DIGITS or ch == "两" for ch in frac):
            return None
        return head + Decimal("0." + "".join(str(DIGITS[ch]) for ch in frac))
    if _DIGIT_SEQ.fullmatch(text):
        return Decimal("".join(str(DIGITS[ch]) for ch in text))  # 二〇三五 = 2035
    if _ARABIC.fullmatch(text):
        return Decimal(text.replace(",", ""))
    return _integer_part(text)


def _fraction(text: str) -> Decimal | None:
    """五分之一 = 0.2, 3又一千分之23 = 3.023."""
    whole = Decimal(0)
    if "又" in text:
        head, _, text = text.partition("又")
        parsed = _plain(head)
        if parsed is None:
            return None
        whole = parsed
    den_text, _, num_text = text.partition("分之")
    den, num = _plain(den_text), _parse(num_text)
    if den is None or num is None or den == 0 or num[1]:
        return None
    return whole + num[0] / den


def parse_number(text: str) -> int | float | None:
    """The value of an Arabic or Chinese numeral, or None if ``text`` is not one.

    Approximation marks inside the numeral are read as the round figure (``十余`` -> 10,
    ``三万多`` -> 30000); a leading ``百分之`` gives the value in percent (``百分之三十`` -> 30).
    """
    parsed = _parse(fold(text))
    return None if parsed is None else _to_number(parsed[0])


@dataclass(frozen=True)
class UnitForm:
    """A written unit (``人次``, ``亿元``) and what it normalizes to."""

    form: str
    unit: str
    factor: Decimal = Decimal(1)


@dataclass(frozen=True)
class QuantityLexicon:
    """Units and approximation words, as loaded from ``rules/quantity.yaml``."""

    units: tuple[UnitForm, ...]
    before: dict[str, str] = field(default_factory=dict)  # 约 -> about
    after: dict[str, str] = field(default_factory=dict)  # 以上 -> over
    inner: str = "over"  # approx of 余/多/几 inside the numeral

    def unit_suffix(self, text: str) -> UnitForm | None:
        """The longest unit form ``text`` ends with."""
        lengths, by_form = self._units_by_form
        for n in lengths:
            if n <= len(text):
                found = by_form.get(text[len(text) - n :])
                if found is not None:
                    return found
        return None

    @cached_property
    def _units_by_form(self) -> tuple[tuple[int, ...], dict[str, UnitForm]]:
        """Form lengths, longest first, and each form's (first) unit."""
        by_form: dict[str, UnitForm] = {}
        for uf in self.units:
            by_form.setdefault(uf.form, uf)
        return _lengths(by_form), by_form

    @cached_property
    def _before_lengths(self) -> tuple[int, ...]:
        return _lengths(self.before)

    @cached_property
    def _after_lengths(self) -> tuple[int, ...]:
        return _lengths(self.after)


def _lengths(words: dict[str, Any]) -> tuple[int, ...]:
    """The distinct lengths of the keys, longest first."""
    return tuple(sorted({len(w) for w in words}, reverse=True))


def _longest_affix(
    text: str, table: dict[str, str], lengths: tuple[int, ...], *, prefix: bool
) -> str:
    """The longest word of ``table`` that ``text`` starts (ends) with; ``lengths``: theirs."""
    for n in lengths:
        if n <= len(text):
            word = text[:n] if prefix else text[len(text) - n :]
            if word in table:
                return word
    return ""


def parse_quantity(text: str, lex: QuantityLexicon) -> dict[str, Any] | None:
    """``{value, unit, approx}`` for a whole quantity string, or None.

    ``unit`` is None for a bare number (``突破1.3万``); the caller may supply it from
    context. ``万元``/``亿元`` become ``元`` with the value multiplied.
    """
    s = fold(text)
    approx = "exact"
    pre = _longest_affix(s, lex.before, lex._before_lengths, prefix=True)
    if pre:
        approx, s = lex.before[pre], s[len(pre) :]
    post = _longest_affix(s, lex.after, lex._after_lengths, prefix=False)
    if post and len(post) < len(s):
        if approx == "exact":
            approx = lex.after[post]
        s = s[: -len(post)]
    unit: str | None = None
    factor = Decimal(1)
    if s.endswith("%"):
        unit, s = "%", s[:-1]
    elif _PER.match(s.lstrip("-负")):
        unit = "%"
    else:
        uf = lex.unit_suffix(s)
        if uf is not None and len(uf.form) < len(s):
            unit, factor, s = uf.unit, uf.factor, s[: -len(uf.form)]
    parsed = _parse(s)
    if parsed is None:
        return None
    value, inexact = parsed
    if inexact and approx == "exact":
        approx = lex.inner
    return {"value": _to_number(value * factor), "unit": unit, "approx": approx}


__all__ = [
    "ARABIC_PATTERN",
    "CN_DIGIT_CHARS",
    "CN_MULTIPLIER_CHARS",
    "DIGITS",
    "INNER_APPROX",
    "NUMERAL_PATTERN",
    "SIGNS",
    "continues_left",
    "QuantityLexicon",
    "UnitForm",
    "fold",
    "parse_number",
    "parse_quantity",
]
