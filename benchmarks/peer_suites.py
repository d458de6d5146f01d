"""Score bulletin_nlp's normalizers on the Recognizers-Text Chinese test specs.

The specs (MIT, Microsoft; see SOURCE.md in the specs folder) list input strings with the
spans and values Recognizers-Text expects. We run our *normalizers* on each expected span
(``Text``): ``parse_number`` for NumberModel, ``parse_quantity`` for PercentModel and
CurrencyModel, ``bulletin_nlp.dates.normalize_date`` for DateExtractor/DateParser. Cases
whose convention differs from our contract (FACTS.md) are out of scope; each is counted
under the reason printed with it. Cases with no expected result are scored separately
as negatives (the normalizer must refuse the whole input).

    python benchmarks/peer_suites.py [--specs DIR] [--failures N] [--strict]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SPECS = Path(__file__).parents[1].parent / "shared/data/peer-tests/recognizers-text"


@dataclass
class Case:
    """One expected span (or one negative input) of a spec file."""

    text: str
    expected: Any
    scope: str | None = None  # None when in scope, else the reason it is not
    negative: bool = False


@dataclass
class Result:
    """Scores of one spec file."""

    name: str
    target: float | None
    passed: int = 0
    total: int = 0
    neg_passed: int = 0
    neg_total: int = 0
    out: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def _load(specs: Path, rel: str) -> list[dict[str, Any]]:
    return json.loads((specs / rel).read_text(encoding="utf-8"))


def _close(got: Any, expected: float) -> bool:
    return isinstance(got, int | float) and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)


# --- NumberModel ------------------------------------------------------------------------

_NUMBER_SCOPE: list[tuple[str, str]] = [
    (r"[eE^]|\d\s*[kKmM]\b|[kKmM]$", "scientific or English notation (2e5, 2^5, 40k, 2.5 M)"),
    (r"/", "fractions with '/' (ambiguous with dates such as 12/1)"),
    (r"打", "dozens (一打 = 12): colloquial, not in bulletins"),
    (r"兆", "兆 (million or trillion depending on usage)"),
    (r"半", "半 (half) in idioms such as 半百"),
]


def number_cases(specs: Path) -> Iterator[Case]:
    for case in _load(specs, "Number/NumberModel.json"):
        if not case["Results"]:
            yield Case(case["Input"], None, negative=True)
        for res in case["Results"]:
            text = res["Text"]
            reason = next((why for pat, why in _NUMBER_SCOPE if re.search(pat, text)), None)
            yield Case(text, float(res["Resolution"]["value"]), reason)


def check_number(case: Case) -> tuple[bool, Any]:
    from bulletin_nlp.numbers import parse_number

    got = parse_number(case.text)
    if case.negative:
        return got is None, got
    return _close(got, case.expected), got


# --- PercentModel -----------------------------------------------------------------------

_PERCENT_SCOPE: list[tuple[str, str]] = [
    (r"[成折]", "成/折 (tenths, discounts): commerce conventions"),
    (r"个\s*百\s*分\s*点|個\s*百\s*分\s*點", "percentage points: our contract keeps unit 个百分点"),
    (r"[kK]", "k suffix (English notation)"),
]


def percent_cases(specs: Path) -> Iterator[Case]:
    for case in _load(specs, "Number/PercentModel.json"):
        if not case["Results"]:
            yield Case(case["Input"], None, negative=True)
        for res in case["Results"]:
            text = res["Text"]
            reason = next((why for pat, why in _PERCENT_SCOPE if re.search(pat, text)), None)
            yield Case(text, float(res["Resolution"]["value"].rstrip("%")), reason)


def check_percent(case: Case) -> tuple[bool, Any]:
    from bulletin_nlp.extract.quantity import lexicon
    from bulletin_nlp.numbers import parse_quantity

    got = parse_quantity(case.text, lexicon())
    if case.negative:
        return got is None or got["unit"] != "%", got
    return got is not None and got["unit"] == "%" and _close(got["value"], case.expected), got


# --- CurrencyModel ----------------------------------------------------------------------

# ISO code -> our canonical unit (rules/quantity.yaml); other currencies are out of scope.
_ISO_UNIT = {
    "CNY": "元",
    "USD": "美元",
    "EUR": "欧元",
    "HKD": "港元",
    "JPY": "日元",
    "GBP": "英镑",
    "CHF": "瑞士法郎",
}
_CURRENCY_SCOPE: list[tuple[str, str]] = [
    (r"[$￥¥]", "currency symbols ($20, ￥300)"),
    (r"[元钱].+[角毛分銭]|又", "compound amounts (五元三毛, 50元6角三分)"),
    (r"兆", "兆 (million or trillion depending on usage)"),
    (r"块", "colloquial 块 (also a classifier: 一块蛋糕)"),
    (r"^人民币", "currency name before the amount (人民币 50元)"),
]


def currency_cases(specs: Path) -> Iterator[Case]:
    for case in _load(specs, "NumberWithUnit/CurrencyModel.json"):
        if not case["Results"]:
            yield Case(case["Input"], None, negative=True)
        for res in case["Results"]:
            text, resolution = res["Text"], res["Resolution"]
            reason = next((why for pat, why in _CURRENCY_SCOPE if re.search(pat, text)), None)
            unit = _ISO_UNIT.get(resolution.get("isoCurrency") or "")
            if reason is None and resolution.get("value") is None:
                reason = "a currency name without an amount"
            if reason is None and unit is None:
                reason = "currency outside the bulletin lexicon (naira, bitcoin, NT dollar)"
            value = float(resolution["value"]) if resolution.get("value") else None
            yield Case(text, (value, unit), reason)


def check_currency(case: Case) -> tuple[bool, Any]:
    from bulletin_nlp.extract.quantity import lexicon
    from bulletin_nlp.numbers import parse_quantity

    got = parse_quantity(case.text, lexicon())
    if case.negative:
        return got is None, got
    value, unit = case.expected
    return got is not None and got["unit"] == unit and _close(got["value"], value), got


# --- DateExtractor / DateParser ---------------------------------------------------------

_DATE_SCOPE: list[tuple[str, str]] = [
    (r"农历|正月|腊月|初[一二三四五六七八九十]|大年", "lunar calendar"),
    (
        r"^[^\d〇零一二三四五六七八九十两]{2}[一二三四五六七八九十]+年",
        "imperial era years (雍正四年)",
    ),
    (r"星期|礼拜|禮拜|周[一二三四五六日天]|週", "weekdays (need a full reference date)"),
    (
        r"明天|后天|後天|前天|昨[天日]|今天|最近|本月|上周|下周|这个|去年本月",
        "day- or week-relative words (need a full reference date; FACTS resolves against"
        " the article year, and 最近 is vague)",
    ),
    (r"^\d{1,2}\s*[日号]$", "day of month only (needs a reference month)"),
    (r"^\d+ \d+ \d+$", "space-separated digits (normalized text drops spaces)"),
    (r"^\d{1,2}[-./]\d{1,2}(?:[-./]\d{2,4})?$", "numeric formats not starting with a 4-digit year"),
]


def _date_scope(text: str) -> str | None:
    return next((why for pat, why in _DATE_SCOPE if re.search(pat, text)), None)


def _expected_date(res: dict[str, Any], ref_year: int) -> tuple[str | None, str | None]:
    """Our ISO value for a parser result, or (None, reason) when out of scope."""
    timex = res["Value"]["Timex"]
    past = res["Value"].get("PastResolution", {}).get("date")
    if past == "0001-01-01":
        return None, "invalid calendar dates (RT resolves them to 0001-01-01)"
    if timex.endswith("02-29") and timex.startswith("XXXX"):
        return None, "leap day without a year (RT moves it to the nearest leap year)"
    return timex.replace("XXXX", str(ref_year)), None


def date_parser_cases(specs: Path) -> Iterator[Case]:
    for case in _load(specs, "DateTime/DateParser.json"):
        ref_year = int(case["Context"]["ReferenceDateTime"][:4])
        for res in case["Results"]:
            reason = _date_scope(res["Text"])
            expected, why = _expected_date(res, ref_year)
            yield Case(res["Text"], (expected, ref_year), reason or why)


def date_extractor_cases(specs: Path) -> Iterator[Case]:
    for case in _load(specs, "DateTime/DateExtractor.json"):
        for res in case["Results"]:
            yield Case(res["Text"], (True, None), _date_scope(res["Text"]))


def _normalize_date() -> Callable[..., str | None] | None:
    try:
        from bulletin_nlp.dates import normalize_date
    except ImportError:
        return None
    return normalize_date


def check_date(case: Case) -> tuple[bool, Any]:
    normalize_date = _normalize_date()
    assert normalize_date is not None
    expected, ref_year = case.expected
    got = normalize_date(case.text, ref_year)
    if expected is True:
        return got is not None, got
    return got == expected, got


# --- runner -----------------------------------------------------------------------------

SUITES: list[tuple[str, str, float, Callable[[Path], Iterator[Case]], Callable[..., Any]]] = [
    ("Number/NumberModel.json", "parse_number", 0.90, number_cases, check_number),
    ("Number/PercentModel.json", "parse_quantity", 0.90, percent_cases, check_percent),
    ("NumberWithUnit/CurrencyModel.json", "parse_quantity", 0.90, currency_cases, check_currency),
    ("DateTime/DateExtractor.json", "normalize_date", 0.80, date_extractor_cases, check_date),
    ("DateTime/DateParser.json", "normalize_date", 0.80, date_parser_cases, check_date),
]


def run_suite(
    specs: Path,
    name: str,
    target: float,
    cases: Callable[[Path], Iterator[Case]],
    check: Callable[[Case], tuple[bool, Any]],
) -> Result:
    result = Result(name, target)
    for case in cases(specs):
        if case.scope is not None:
            result.out[case.scope] += 1
            continue
        ok, got = check(case)
        if case.negative:
            result.neg_total += 1
            result.neg_passed += ok
            if not ok:
                result.failures.append(f"negative {case.text!r}: got {got!r}")
            continue
        result.total += 1
        result.passed += ok
        if not ok:
            result.failures.append(f"{case.text!r}: expected {case.expected!r}, got {got!r}")
    return result


def report(result: Result, func: str, show: int) -> bool:
    """Print one suite; return whether it meets its target."""
    met = result.target is None or result.rate >= result.target
    print(f"== {result.name}  ({func})")
    print(
        f"   in scope: {result.passed}/{result.total} = {result.rate:.1%}"
        f"   target >= {result.target:.0%}: {'met' if met else 'MISSED'}"
    )
    if result.neg_total:
        print(f"   negatives (whole input refused): {result.neg_passed}/{result.neg_total}")
    if result.out:
        print(f"   out of scope: {sum(result.out.values())}")
        for why, n in result.out.most_common():
            print(f"     {n:4d}  {why}")
    for line in result.failures[:show]:
        print(f"   FAIL {line}")
    if len(result.failures) > show:
        print(f"   ... {len(result.failures) - show} more failures (--failures N)")
    print()
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=Path, default=DEFAULT_SPECS, help="specs folder")
    parser.add_argument("--failures", type=int, default=10, help="failures to list per file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if not args.specs.is_dir():
        print(f"specs folder not found: {args.specs}", file=sys.stderr)
        return 2
    all_met = True
    for name, func, target, cases, check in SUITES:
        if func == "normalize_date" and _normalize_date() is None:
            print(f"== {name}  (normalize_date)\n   dates module not available\n")
            continue
        all_met &= report(run_suite(args.specs, name, target, cases, check), func, args.failures)
    return 1 if args.strict and not all_met else 0


if __name__ == "__main__":
    sys.exit(main())
