"""Every QUANTITY mention is a whole figure whose value its own text gives (issue 15).

For each mention the pipeline produces (over the sample corpus, the test bulletins and
hypothesis-drawn sentences that embed a written figure), two checks, written here
independently of the extractor:

- re-reading the mention's own text with the number reader gives exactly its value;
- the span neither starts nor ends inside a numeral: the character before it is no
  digit, Chinese numeral, sign, decimal point or thousands group of the same figure, and
  the character after it does not continue the figure.

So a span that drops a leading digit (``千万元`` of ``3千万元``), a sign (``1.18%`` of
``-1.18%``), a decimal part (``百分之一`` of ``百分之一点五七``) or a thousands group
(``225.00元`` of ``82，225.00元``) fails here even where its value agrees with its text.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin_nlp.doc import Doc
from bulletin_nlp.extract.quantity import lexicon
from bulletin_nlp.numbers import parse_quantity
from bulletin_nlp.pipeline import process_file, process_text
from bulletin_nlp.spans import QuantityAttrs

from .test_numbers_property import FORMS, expected

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    *sorted((ROOT / "corpus").glob("*.txt")),
    *sorted((ROOT / "tests" / "data").glob("*.txt")),
    *sorted((ROOT / "tests" / "data" / "pages").glob("*.txt")),
]

_ARABIC = set("0123456789０１２３４５６７８９")
_CHINESE = set("〇零一二两三四五六七八九十百千万亿")
_SIGNS = set("-－−负")
_POINTS = set(".．")
_SPACE = set(" \t\n\r\u3000\u00a0")


def _prev(raw: str, i: int) -> int:
    """Index of the last non-space character before ``i`` (-1 if none)."""
    i -= 1
    while i >= 0 and raw[i] in _SPACE:
        i -= 1
    return i


def _next(raw: str, i: int) -> int:
    """Index of the first non-space character at or after ``i`` (len if none)."""
    while i < len(raw) and raw[i] in _SPACE:
        i += 1
    return i


def _digit_run_before(raw: str, i: int) -> str:
    """The Arabic digits (spaces skipped) that end just before index ``i``."""
    out = ""
    j = _prev(raw, i)
    while j >= 0 and raw[j] in _ARABIC:
        out = raw[j] + out
        j = _prev(raw, j)
    return out


def starts_inside(raw: str, start: int) -> str | None:
    """Why ``raw[start:]`` begins inside a longer figure, or None."""
    i = _prev(raw, start)
    if i < 0:
        return None
    c = raw[i]
    if c in _ARABIC or c in _CHINESE or c in _SIGNS or c in _POINTS:
        return f"{c!r} before the span"
    if c in ",，":
        head = _digit_run_before(raw, i)
        if c == "," and head:
            return f"{head + c!r} before the span"  # a comma between digits is numeric
        j = _next(raw, start)
        tail = ""
        while j < len(raw) and raw[j] in _ARABIC and len(tail) < 4:
            tail += raw[j]
            j = _next(raw, j + 1)
        if 1 <= len(head) <= 3 and len(tail) == 3:
            return f"thousands group {head}，{tail} split"
    return None


def ends_inside(raw: str, end: int, text: str) -> str | None:
    """Why the figure ``text`` ending at ``end`` goes on after it, or None."""
    j = _next(raw, end)
    if j >= len(raw):
        return None
    c = raw[j]
    after = raw[_next(raw, j + 1)] if _next(raw, j + 1) < len(raw) else ""
    last = "".join(text.split())[-1]
    if c in _ARABIC and last in _ARABIC | _CHINESE:
        return f"digit {c!r} after the span"  # after a unit (9城区2022年) a new figure starts
    if (c in _POINTS or c in ",，") and after in _ARABIC and last in _ARABIC:
        return f"{c + after!r} after the span"
    if last in _ARABIC | _CHINESE and c in _CHINESE | set("余多几点"):
        return f"numeral {c!r} after the span"
    return None


def problems(doc: Doc) -> list[str]:
    """Every QUANTITY mention of ``doc`` that is not a whole, self-consistent figure."""
    out = []
    cells = {doc.raw_span(c.start, c.end): c for c in doc.table_cells}
    for m in doc.mentions:
        if m.type != "QUANTITY":
            continue
        where = f"{doc.name}:{m.start} {m.text!r}"
        # A table's figure reads with the unit its table gives (养老机构 | 万张 | 9.5 |).
        cell = cells.get((m.start, m.end)) if m.rule_id == "quantity.table_cell" else None
        reread = parse_quantity(m.text + (cell.unit or "") if cell else m.text, lexicon())
        if reread is None or reread["value"] != m.norm["value"]:
            out.append(f"{where}: value {m.norm['value']} but its text reads {reread}")
        if type(reread and reread["value"]) is not type(m.norm["value"]):
            out.append(f"{where}: value type differs from its text's")
        for why in (starts_inside(doc.raw, m.start), ends_inside(doc.raw, m.end, m.text)):
            if why:
                out.append(f"{where}: {why}")
    return out


@cache
def _processed(path: Path) -> Doc:
    return process_file(path, use_model=False)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_mention_of_a_bulletin_is_a_whole_figure(path: Path) -> None:
    doc = _processed(path)
    assert problems(doc) == []


# Sentences around a figure: (template, unit as written, the value's factor, forms).
# Financial numerals (壹拾, 伍佰) are read by the number reader but not found in running
# text: their characters are everyday words too (队伍, 陆续, 拾起).
_COUNT_FORMS = [
    f
    for f in FORMS
    if f not in ("signed", "percent_chinese", "percent_arabic", "financial_chinese")
]
TEMPLATES = [
    ("全市共有持证社工{figure}人。", "人", 1, _COUNT_FORMS),
    ("项目投入资金{figure}元，用于购买服务。", "元", 1, _COUNT_FORMS),
    ("筹集善款{figure}万元。", "万元", 10_000, _COUNT_FORMS),
    ("全年查处案件{figure}起，", "起", 1, _COUNT_FORMS),
    ("社会组织增长率为{figure}%，", "%", 1, ["signed", "scaled_decimal", "grouped"]),
    ("登记数量同比下降{figure}%。", "%", 1, ["chinese_decimal", "full_width", "spaced"]),
    ("占比为{figure}。", "", 1, ["percent_chinese", "percent_arabic"]),
]


@st.composite
def sentences(draw: st.DrawFn) -> tuple[str, str, Decimal]:
    """A sentence, the figure with its unit as embedded, and the value it states."""
    template, unit, factor, forms = draw(st.sampled_from(TEMPLATES))
    figure, value = draw(FORMS[draw(st.sampled_from(forms))])
    if unit == "万元" and any(c in figure for c in "万亿"):
        template, unit, factor = template.replace("万元", "元"), "元", 1
    return template.format(figure=figure), figure + unit, value * factor


def _chinese_below_ten(figure: str, value: Decimal) -> bool:
    """一人, 五元: a small Chinese numeral reads as an article or a definitional count."""
    return abs(value) < 10 and not any(c in "0123456789０１２３４５６７８９" for c in figure)


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sentences())
def test_every_mention_of_a_sentence_is_a_whole_figure(
    case: tuple[str, str, Decimal],
) -> None:
    text, figure, value = case
    doc = process_text(text, "generated.txt", stages=("date", "quantity"), use_model=False)
    assert problems(doc) == [], text
    if _chinese_below_ten(figure, value):
        return
    found = [
        m.norm["value"]
        for m in doc.mentions
        if m.type == "QUANTITY" and "".join(m.text.split()) == "".join(figure.split())
    ]
    assert found == [expected(value)], (text, [m.text for m in doc.mentions])


# The issue's table (issue 15), one line each: text -> (span, value, unit, approx, direction).
ISSUE_CASES = [
    ("项目投入资金3千万元。", "3千万元", 30_000_000, "元", "exact", None),
    ("占比为百分之一点五七。", "百分之一点五七", 1.57, "%", "exact", None),
    ("项目总额82，225.00元。", "82，225.00元", 82225, "元", "exact", None),
    ("项目总额８２，２２５．００元。", "８２，２２５．００元", 82225, "元", "exact", None),
    ("全市社会组织增长率为-1.18%，", "-1.18%", -1.18, "%", "exact", None),
    ("全市社会组织增长率为－1.18%，", "－1.18%", -1.18, "%", "exact", None),
    ("登记数量同比下降1.2%，", "1.2%", 1.2, "%", "exact", "down"),
    ("与2021年相比减少了1.06万个，", "1.06万个", 10600, "个", "exact", "down"),
    ("同比负增长3.5%，", "3.5%", 3.5, "%", "exact", "down"),
    ("同比增长115.83%，", "115.83%", 115.83, "%", "exact", "up"),
    ("对50万元（含）以上的项目进行审计。", "50万元（含）以上", 500000, "元", "over", None),
    ("资金小于40万。", "小于40万", 400000, "元", "under", None),
    ("对小于40万元的项目，", "小于40万元", 400000, "元", "under", None),
    ("规模50人以下。", "50人以下", 50, "人", "under", None),
    ("每站配备社工不少于3名。", "不少于3名", 3, "名", "over", None),
    ("每站至少2名专职社工。", "至少2名", 2, "名", "over", None),
    ("满意度高于95%。", "高于95%", 95, "%", "over", None),
    ("空置率低于5%。", "低于5%", 5, "%", "under", None),
    ("全年查处案件1293起，", "1293起", 1293, "起", "exact", None),
    ("撤销登记2060起。", "2060起", 2060, "起", "exact", None),
    ("社会组织降到不足1千家。", "不足1千家", 1000, "家", "under", None),
    ("服务1 2 3 4人次。", "1 2 3 4人次", 1234, "人次", "exact", None),
    ("共有一万七千余人参加。", "一万七千余人", 17000, "人", "over", None),
    ("吸引两百多人参加。", "两百多人", 200, "人", "over", None),
    ("总投资1.2亿元。", "1.2亿元", 120_000_000, "元", "exact", None),
]
# No mention: never a part of a figure that does not read whole (issue 15).
ISSUE_NOTHING = [
    "出现负增长。",
    "共有1,2345人参加。",
    "共有3万45人参加。",
    "编号G20人",
    "COVID-19例",
]


@pytest.mark.parametrize(("text", "span", "value", "unit", "approx", "direction"), ISSUE_CASES)
def test_issue_15_cases(
    text: str, span: str, value: float, unit: str, approx: str, direction: str | None
) -> None:
    doc = process_text(text, "issue15.txt", stages=("date", "quantity"), use_model=False)
    got = [m for m in doc.mentions if m.type == "QUANTITY"]
    assert [(m.text, m.norm) for m in got] == [
        (span, {"value": value, "unit": unit, "approx": approx})
    ]
    hit = next(h for h in doc.hits if h.type == "QUANTITY")
    assert isinstance(hit.attrs, QuantityAttrs)
    assert hit.attrs.direction == direction
    assert problems(doc) == []


@pytest.mark.parametrize("text", ISSUE_NOTHING)
def test_issue_15_no_partial_figure(text: str) -> None:
    doc = process_text(text, "issue15.txt", stages=("date", "quantity"), use_model=False)
    assert [m.text for m in doc.mentions if m.type == "QUANTITY"] == []


def test_an_unreadable_figure_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="bulletin_nlp.extract.quantity")
    process_text("共有1,2345人参加。", "issue15.txt", stages=("quantity",), use_model=False)
    assert "1,2345人" in caplog.text
    assert "does not read as one number" in caplog.text
