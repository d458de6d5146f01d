"""Chinese date expressions: find them and normalize them to ISO 8601 (FACTS.md DATE).

The shapes live in ``rules/date.yaml`` as regexes with named groups; this module only
reads the groups. Group names:

``y``/``y2`` year numeral (``2022``, ``二〇三五``, ``07``, ``两千零四``); ``rel``/``rel2`` a
relative year word (``今年``, ``上年``); ``era``/``ey`` a reign era and its year;
``m``/``m2``/``lm`` month (``lm``: 正/腊); ``d``/``d2``/``ld``/``ny`` day (``ld``: 初一-style,
``ny``: 大年…);
``relm``/``relday``/``relw``+``wd`` relative month, day and week-day words (need a
reference date); ``q`` quarter (``qend``: its last month); ``qn``/``mn`` the first n
quarters/months; ``half`` 上/下半年; ``xun``
上/中/下旬; ``mend`` month end/start; ``yend``/``yend2`` year end/start; ``plan`` the numeral
of a five-year-plan period (``十四`` of ``十四五``). A ``…2`` group is the right side of a
range; a range's side leaves out what it shares with the other (see :func:`_range`).

Output: ``2022``, ``2022-04``, ``2022-04-26``, ``2022-Q2``, ranges ``start/end``; a date
whose year is unknown keeps it unknown (``--04-26``, ``--04``, ``---26``), never guessed.
"""

from __future__ import annotations

import calendar
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import regex
from pydantic import model_validator

from .errors import RulesError
from .rules import RuleEntry, load_entries

_DIGIT_SPACES = regex.compile(r"(?<=\d)\s+(?=\d)")
_OTHER_SPACES = regex.compile(r"(?<!\d)\s+|\s+(?!\d)")

log = logging.getLogger(__name__)

RULES_NAME = "date"
_FRAGMENT_REF = regex.compile(r"\{([A-Z]+)\}")
# Enclosing marks a caller may leave on a span (FACTS.md: spans exclude them).
_ENCLOSING = "“”\"‘’'《》「」『』〈〉()（）【】 \t\r\n"

# Chinese numerals are the writing system (a closed class), so they live in code.
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_LUNAR_MONTHS = {"正": 1, "腊": 12}
_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
# First five-year plan 1953-57, second 1958-62; after three adjustment years the third
# began in 1966 and every later one follows on the previous.
_PLAN_ONE, _PLAN_THREE = 1953, 1966
_TWO_DIGIT_PIVOT = 50  # 07年 -> 2007, 89 -> 1989
_RANGE_KEYS = ("y2", "rel2", "m2", "d2", "yend2")  # groups of a range's right side


class InvertedRange(ValueError):
    """A date range whose end precedes its start, even after a year roll-over."""


class DateEntry(RuleEntry):
    """One entry of ``rules/date.yaml`` (see the file's description for the kinds)."""

    kind: Literal["fragment", "pattern", "offsets", "cues", "eras", "variants"]
    name: str | None = None
    pattern: str | None = None
    extract: bool = True
    anchor: bool = False
    offsets: dict[str, int] | None = None
    cues: list[str] | None = None
    eras: dict[str, int] | None = None
    variants: dict[str, str] | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> DateEntry:
        need = {
            "fragment": ("name", "pattern"),
            "pattern": ("pattern",),
            "offsets": ("name", "offsets"),
            "cues": ("name", "cues"),
            "eras": ("eras",),
            "variants": ("variants",),
        }[self.kind]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"kind {self.kind!r} needs {', '.join(missing)}")
        if self.variants and any(len(k) != 1 or len(v) != 1 for k, v in self.variants.items()):
            raise ValueError("variants must map one character to one character")
        return self


@dataclass(frozen=True, slots=True)
class DatePattern:
    """A compiled date shape."""

    id: str
    regex: regex.Pattern[str]
    extract: bool
    anchor: bool
    order: int


@dataclass(frozen=True, slots=True)
class DateRules:
    """Everything ``rules/date.yaml`` holds, compiled."""

    version: str
    patterns: tuple[DatePattern, ...]
    offsets: dict[str, dict[str, int]]
    cues: dict[str, tuple[str, ...]]
    eras: dict[str, int]
    fold: dict[int, str]
    foldable: regex.Pattern[str]  # any character ``fold`` changes


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date shape found in a text: offsets, the pattern and its non-empty groups."""

    start: int
    end: int
    rule: DatePattern
    groups: dict[str, str]


def _alternation(words: Sequence[str]) -> str:
    return "(?:" + "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


@lru_cache(maxsize=1)
def date_rules() -> DateRules:
    """Load, expand and compile ``rules/date.yaml`` once per process."""
    version, entries = load_entries(RULES_NAME, DateEntry)
    offsets = {e.name: dict(e.offsets) for e in entries if e.name and e.offsets}
    cues = {e.name: tuple(e.cues) for e in entries if e.name and e.cues}
    eras: dict[str, int] = {}
    fold: dict[int, str] = {}
    for e in entries:
        eras.update(e.eras or {})
        fold.update({ord(k): v for k, v in (e.variants or {}).items()})
    fragments = {e.name: e.pattern for e in entries if e.kind == "fragment" and e.name}
    # Lexicon-made fragments: the relative words and era names as alternations.
    for name, key in (("REL", "year"), ("RELM", "month"), ("RELDAY", "day"), ("RELW", "week")):
        fragments[name] = _alternation(list(offsets.get(key, {})) or ["(?!)"])
    fragments["ERA"] = _alternation(list(eras) or ["(?!)"])

    problems: list[str] = []

    def expand(entry_id: str, pattern: str, within: tuple[str, ...] = ()) -> str:
        """Replace each ``{NAME}``; a fragment may use other fragments, never itself."""

        def sub(m: regex.Match[str]) -> str:
            name = m.group(1)
            if name not in fragments:
                problems.append(f"{entry_id}: unknown fragment {{{name}}}")
                return ""
            if name in within:
                problems.append(f"{entry_id}: fragment {{{name}}} uses itself")
                return ""
            return "(?:" + expand(entry_id, str(fragments[name]), (*within, name)) + ")"

        return _FRAGMENT_REF.sub(sub, pattern)

    patterns: list[DatePattern] = []
    for e in entries:
        if e.kind != "pattern" or e.pattern is None:
            continue
        source = expand(e.id, e.pattern)
        try:
            compiled = regex.compile(source)
        except regex.error as exc:
            problems.append(f"{e.id}: expanded pattern does not compile: {exc}")
            continue
        patterns.append(DatePattern(e.id, compiled, e.extract, e.anchor, len(patterns)))
    if problems:
        raise RulesError(f"{RULES_NAME}.yaml: " + "; ".join(problems))
    foldable = regex.compile(
        "[" + regex.escape("".join(sorted(map(chr, fold)))) + "]" if fold else "(?!)"
    )
    return DateRules(version, tuple(patterns), offsets, cues, eras, fold, foldable)


# ---------------------------------------------------------------- numerals


def cn_int(text: str) -> int | None:
    """Read ``12``, ``十二``, ``二十三``, ``二〇三五`` (digit by digit) or ``两千零四``."""
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if not any(c in _CN_UNITS for c in text):
        if not all(c in _CN_DIGITS for c in text):
            return None
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[c]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _year(text: str) -> int | None:
    """A year numeral; two-digit years (``07``, ``零八``) are read around a pivot."""
    value = cn_int(text)
    if value is None:
        return None
    written_digits = len(text) if not any(c in _CN_UNITS for c in text) else 4
    if written_digits == 2:
        value += 2000 if value < _TWO_DIGIT_PIVOT else 1900
    return value


def _day(text: str) -> int | None:
    return cn_int(text.removeprefix("初"))


# ---------------------------------------------------------------- formatting


def _fmt_year(y: int) -> str:
    return f"{y:04d}"


def _fmt_month(y: int | None, m: int) -> str:
    return f"{_fmt_year(y)}-{m:02d}" if y is not None else f"--{m:02d}"


def _fmt_date(y: int | None, m: int | None, d: int) -> str:
    if m is None:
        return f"---{d:02d}"
    return f"{_fmt_year(y)}-{m:02d}-{d:02d}" if y is not None else f"--{m:02d}-{d:02d}"


def _last_day(y: int | None, m: int) -> int:
    return calendar.monthrange(2000 if y is None else y, m)[1]  # 2000: a leap year


# ---------------------------------------------------------------- resolving


class _Unresolved(Exception):
    """The expression needs a reference year or date that was not given."""


def _shift_month(y: int, m: int, delta: int) -> tuple[int, int]:
    index = y * 12 + (m - 1) + delta
    return index // 12, index % 12 + 1


def explicit_year(groups: dict[str, str]) -> int | None:
    """The calendar year written in the expression itself (not a relative word)."""
    if "y" in groups:
        return _year(groups["y"])
    if "era" in groups:
        return _era_year(groups)
    return None


def _era_year(groups: dict[str, str]) -> int | None:
    base = date_rules().eras.get(groups["era"])
    n = 1 if groups.get("ey") == "元" else cn_int(groups.get("ey", ""))
    return None if base is None or n is None else base + n - 1


def _base_year(groups: dict[str, str], ref_year: int | None) -> int | None:
    """The year the expression names, or the reference year when it names none."""
    year = explicit_year(groups)
    if year is not None:
        return year
    if "rel" in groups:
        if ref_year is None:
            raise _Unresolved
        return ref_year + date_rules().offsets["year"][groups["rel"]]
    return ref_year


def _month_day(groups: dict[str, str]) -> tuple[int | None, int | None]:
    month = cn_int(groups["m"]) if "m" in groups else _LUNAR_MONTHS.get(groups.get("lm", ""))
    day = None
    for key in ("d", "ld", "ld2", "ny"):
        if key in groups:
            day = _day(groups[key])
            if key in ("ny", "ld2"):
                month = 1  # 大年初一, 正月初一: the first month
    return month, day


def resolve(
    groups: dict[str, str], ref_year: int | None = None, ref_date: date | None = None
) -> str | None:
    """The ISO 8601 value of a matched date shape (its non-empty named groups).

    None when the shape needs a reference it was not given or names no valid date;
    raises :class:`InvertedRange` for a range whose end would precede its start.
    """
    if ref_year is None and ref_date is not None:
        ref_year = ref_date.year
    try:
        return _resolve(groups, ref_year, ref_date)
    except _Unresolved:
        return None


def _resolve(g: dict[str, str], ref_year: int | None, ref_date: date | None) -> str | None:
    rules = date_rules()
    if "plan" in g:
        n = cn_int(g["plan"])
        if not n:
            return None
        start = _PLAN_ONE + 5 * (n - 1) if n < 3 else _PLAN_THREE + 5 * (n - 3)
        return f"{_fmt_year(start)}/{_fmt_year(start + 4)}"
    if "relday" in g:
        if ref_date is None:
            raise _Unresolved
        return (ref_date + timedelta(days=rules.offsets["day"][g["relday"]])).isoformat()
    if "relw" in g:
        if ref_date is None:
            raise _Unresolved
        monday = ref_date - timedelta(days=ref_date.weekday())
        monday += timedelta(weeks=rules.offsets["week"][g["relw"]])
        return (monday + timedelta(days=_WEEKDAYS[g["wd"]] - 1)).isoformat()

    year = _base_year(g, ref_year)
    month, day = _month_day(g)
    if "relm" in g:
        if ref_date is None:
            raise _Unresolved
        base_year = year if ("rel" in g or "y" in g) and year is not None else ref_date.year
        year, month = _shift_month(base_year, ref_date.month, rules.offsets["month"][g["relm"]])
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None

    if "q" in g:
        q = cn_int(g["q"])
        if not q or not 1 <= q <= 4:
            return None
        if "qend" in g:
            return _fmt_month(year, 3 * q)
        return f"{_fmt_year(year)}-Q{q}" if year is not None else None
    if "qn" in g or "mn" in g:
        n = cn_int(g.get("qn") or g["mn"])
        last = (n or 0) * (3 if "qn" in g else 1)
        return _month_span(year, 1, last) if 1 <= last <= 12 else None
    if "half" in g:
        return _month_span(year, 1, 6) if g["half"] == "上" else _month_span(year, 7, 12)
    if "xun" in g and month is not None:
        first = {"上": 1, "中": 11, "下": 21}[g["xun"]]
        last = {"上": 10, "中": 20, "下": _last_day(year, month)}[g["xun"]]
        return f"{_fmt_date(year, month, first)}/{_fmt_date(year, month, last)}"
    if "mend" in g and month is not None:
        return _fmt_month(year, month)
    if "yend" in g:
        return _fmt_month(year, 1 if g["yend"] == "初" else 12)

    if any(k in g for k in _RANGE_KEYS):
        return _range(g, (year, month, day), ref_year)
    if day is not None:
        return _fmt_date(year, month, day)
    if month is not None:
        return _fmt_month(year, month)
    return _fmt_year(year) if year is not None else None


def _month_span(year: int | None, first: int, last: int) -> str:
    return f"{_fmt_month(year, first)}/{_fmt_month(year, last)}"


_Side = tuple[int | None, int | None, int | None]  # year, month, day; None: not known


def _range(g: dict[str, str], left: _Side, ref_year: int | None) -> str | None:
    """A range ``start/end``; each side at the precision written (``2022/2023-06``).

    A side takes what it leaves out from the other: the right side the year, or the year
    and month, above its first written unit (``2023年3月21日至31日``); a left side without a
    year the right side's written year (``12月28日至2022年1月5日``), else the reference
    year; a bare left day the right side's month (``28日至5月2日``). A range whose end then
    precedes its start rolls the borrowed year or month over (``12月28日至1月5日`` ends the
    next year); when nothing was borrowed it raises :class:`InvertedRange`.
    """
    year, month, day = left
    if "y2" in g:
        year2 = _year(g["y2"])
    elif "rel2" in g:
        if ref_year is None:
            raise _Unresolved
        year2 = ref_year + date_rules().offsets["year"][g["rel2"]]
    else:
        year2 = None
    month2 = cn_int(g["m2"]) if "m2" in g else None
    if "yend2" in g:
        month2 = 1 if g["yend2"] == "初" else 12
    day2 = _day(g["d2"]) if "d2" in g else None
    if month2 is not None and not 1 <= month2 <= 12:
        return None
    if day2 is not None and not 1 <= day2 <= 31:
        return None

    right_dated = year2 is not None
    left_dated = any(k in g for k in ("y", "rel", "era"))
    if not right_dated:
        year2 = year
        if month2 is None and day2 is not None:
            month2 = month  # 6月18日至19日: the day alone
    elif not left_dated:
        year = year2
    left_month_borrowed = month is None and day is not None and month2 is not None
    if left_month_borrowed:
        month = month2

    start: _Side = (year, month, day)
    end: _Side = (year2, month2, day2)
    if _inverted(start, end):
        start, end = _roll_over(start, end, right_dated, left_dated, left_month_borrowed, g)
    first, last = _fmt_side(*start), _fmt_side(*end)
    return f"{first}/{last}" if first and last else None


def _roll_over(
    start: _Side,
    end: _Side,
    right_dated: bool,
    left_dated: bool,
    left_month_borrowed: bool,
    g: dict[str, str],
) -> tuple[_Side, _Side]:
    """Move the borrowed year or month so that the range runs forward, or raise."""
    (year, month, day), (year2, month2, day2) = start, end
    if left_month_borrowed and month is not None:
        if year is not None:
            start = (*_shift_month(year, month, -1), day)  # 28日至1月2日
        elif month > 1:
            start = (None, month - 1, day)
    elif not right_dated and "m2" in g:
        if year2 is not None:
            end = (year2 + 1, month2, day2)  # 12月28日至1月5日
    elif not left_dated and right_dated and year is not None:
        start = (year - 1, month, day)  # 12月28日至2022年1月5日
    if _inverted(start, end):
        reason = "its year is unknown" if year is None else "nothing to roll over"
        raise InvertedRange(f"range ends before it starts ({reason}): {start} > {end}")
    return start, end


def _inverted(start: _Side, end: _Side) -> bool:
    """Whether the earliest day of ``start`` lies after the latest day of ``end``."""

    def bound(side: _Side, last: bool) -> tuple[int, int, int]:
        y, m, d = side
        # A bare day (month not known) compares with the other side's bare day.
        mm = 0 if m is None and d is not None else m or (12 if last else 1)
        return (y or 0, mm, d or (31 if last else 1))

    return bound(start, last=False) > bound(end, last=True)


def _fmt_side(y: int | None, m: int | None, d: int | None) -> str | None:
    if d is not None:
        return _fmt_date(y, m, d)
    if m is not None:
        return _fmt_month(y, m)
    return _fmt_year(y) if y is not None else None


# ---------------------------------------------------------------- scanning


def _groups(m: regex.Match[str]) -> dict[str, str]:
    return {k: v for k, v in m.groupdict().items() if v}


def scan(text: str, *, extended: bool = False) -> list[DateMatch]:
    """Every candidate date shape in ``text`` (overlapping; see :func:`select`).

    ``extended`` adds the normalizer-only shapes (``extract: false``), which are too
    ambiguous for running bulletin text. Offsets are those of ``text``.
    """
    rules = date_rules()
    # One character for one: offsets stay valid. Most texts hold none to fold.
    folded = text.translate(rules.fold) if rules.foldable.search(text) else text
    found: list[DateMatch] = []
    for pat in rules.patterns:
        if not (pat.extract or extended):
            continue
        for m in pat.regex.finditer(folded):
            if m.end() > m.start():
                found.append(DateMatch(m.start(), m.end(), pat, _groups(m)))
    return found


def select(matches: Sequence[DateMatch]) -> list[DateMatch]:
    """Non-overlapping matches, longest first, then by pattern order; in text order."""
    taken: list[DateMatch] = []
    used: set[int] = set()
    for m in sorted(matches, key=lambda x: (x.start - x.end, x.rule.order, x.start)):
        if used.isdisjoint(range(m.start, m.end)):
            taken.append(m)
            used.update(range(m.start, m.end))
    return sorted(taken, key=lambda x: x.start)


def _prepare(text: str) -> str:
    """Fold widths and variants, drop enclosing marks and spaces (keep digit-digit ones)."""
    text = unicodedata.normalize("NFKC", text).translate(date_rules().fold)
    text = text.strip(_ENCLOSING)
    text = _DIGIT_SPACES.sub(" ", text)
    return _OTHER_SPACES.sub("", text)


def normalize_date(
    text: str, ref_year: int | None = None, ref_date: date | None = None
) -> str | None:
    """ISO 8601 value of a whole date expression, or None if it is not one.

    ``ref_year`` resolves relative words (``今年``) and dates without a year; without it
    such dates keep the year unknown (``--06-18``). ``ref_date`` additionally resolves
    day, week and month words (``昨天``, ``上周一``, ``本月十日``).
    """
    rules = date_rules()
    expr = _prepare(text)
    if not expr or expr in rules.cues.get("vague", ()):
        return None
    for candidate in _variants(expr, rules):
        for pat in rules.patterns:
            m = pat.regex.fullmatch(candidate)
            if m:
                try:
                    return resolve(_groups(m), ref_year, ref_date)
                except InvertedRange as exc:
                    log.info("not a date: %r (%s): %s", text, pat.id, exc)
                    return None
    return None


def _variants(expr: str, rules: DateRules) -> list[str]:
    """The expression, then without a leading and/or trailing modifier (到…, …前)."""
    out = [expr]
    for word in sorted(rules.cues.get("strip_before", ()), key=len, reverse=True):
        if expr.startswith(word) and len(expr) > len(word):
            out.append(expr[len(word) :])
            break
    for text in list(out):
        for word in sorted(rules.cues.get("strip_after", ()), key=len, reverse=True):
            if text.endswith(word) and len(text) > len(word):
                out.append(text[: -len(word)])
                break
    return out


def find_dates(
    text: str,
    ref_year: int | None = None,
    ref_date: date | None = None,
    *,
    extended: bool = False,
) -> list[tuple[int, int, str | None]]:
    """``(start, end, iso)`` of each date in ``text`` (no document context, no jieba).

    An inverted range (:class:`InvertedRange`) is left out and logged.
    """
    found = []
    for m in select(scan(text, extended=extended)):
        try:
            found.append((m.start, m.end, resolve(m.groups, ref_year, ref_date)))
        except InvertedRange as exc:
            log.info(
                "not a date: %r at %d (%s): %s", text[m.start : m.end], m.start, m.rule.id, exc
            )
    return found
