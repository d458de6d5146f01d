"""Statistics tables pasted as text: each figure of a row with its row label, its column
and its unit.

Three shapes are read, all from the normalized text with the raw text for spacing:

* cells split by ``|`` on one line (``养老机构 | 个 | 712 |``), a header row naming the
  columns (``指标名称 | 单位 | 数量 |``), a unit column giving each row's unit;
* one cell per line, each ending in ``|`` (a web table flattened): a header of a label cell
  and year cells (``指标 | 2007 年 | … | 2014 年 |``), then rows of as many cells;
* a label, spaces and a figure (``养老服务驿站 45``, ``城市低保对象（万人） 3.2``).

A row's unit comes from its unit cell, else from its label (``（万人）``), else from a
``单位：个`` line above the table (``单位：亿元、万件`` gives one unit per row, in order).
A figure is never joined to the next line's text (see :mod:`bulletin_nlp.normalize`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import regex

from .normalize import is_table_row

if TYPE_CHECKING:
    from .doc import Doc

_SPACE = regex.compile(r"\s")

_NUMBER = regex.compile(r"^[-+－]?\d[\d,，]*(?:\.\d+)?$")
_YEAR_CELL = regex.compile(r"^(?P<y>(?:19|20)\d{2})年?(?:度)?$")
_UNIT_LINE = regex.compile(r"单位[：:]\s*(?P<units>[^|，。；\n（）()]{1,20})")
_LABEL_UNIT = regex.compile(r"[（(](?P<unit>[^（）()]{1,6})[）)]\s*$")
_SPACE_ROW = regex.compile(r"^(?P<label>\S.*?)\s+(?P<value>[-+－]?\d[\d,，]*(?:\.\d+)?)\s*$")
_UNIT_WORDS = regex.compile(r"^(?:[万亿千百]?(?:元|人|个|家|所|张|件|户|名|次|人次|项|处|床)|%)$")
_MAX_GAP = 3  # lines without a row that may separate two rows of one table
#: The longest table cell, in characters. A paragraph with a stray ``|`` (or a whole
#: document run into one line) is no table row: its "cells" would be paragraphs, and
#: every figure of a table reads its row label.
_MAX_CELL = 60


@dataclass(frozen=True, slots=True)
class Cell:
    """A figure of a table: its span in normalized offsets and what the table says of it."""

    start: int
    end: int
    label: str  # the row label (养老机构)
    column: str | None  # the column header, if any (2007年, 数量)
    unit: str | None  # the unit the table gives (万张, 亿元), if any

    @property
    def year(self) -> int | None:
        """The year the column header names (2007年), if it names one."""
        m = _YEAR_CELL.match(self.column or "")
        return int(m.group("y")) if m else None


def _lines(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, raw text) of each non-empty normalized line."""
    out = []
    pos = 0
    for line in doc.norm.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if line:
            out.append((start, end, doc.raw[doc.nmap[start] : doc.nmap[end - 1] + 1]))
    return out


def _split_cells(doc: Doc, start: int, end: int) -> list[tuple[int, int, str]]:
    """The ``|``-separated cells of a normalized line, stripped, with their offsets."""
    cells = []
    k = start
    text = doc.norm
    for piece in text[start:end].split("|"):
        a, b = k, k + len(piece)
        k = b + 1
        while a < b and text[a] in " \u3000":
            a += 1
        while b > a and text[b - 1] in " \u3000":
            b -= 1
        cells.append((a, b, text[a:b]))
    if cells and not cells[-1][2]:
        cells.pop()  # the row's closing |
    return cells


def _units_above(lines: list[tuple[int, int, str]], i: int) -> list[str]:
    """The units a ``单位：…`` line a few lines above line ``i`` gives."""
    for j in range(i - 1, max(-1, i - 4), -1):
        m = _UNIT_LINE.search(lines[j][2])
        if m:
            return [u.strip() for u in regex.split(r"[、，,/ ]+", m.group("units")) if u.strip()]
    return []


def read_tables(doc: Doc) -> list[Cell]:
    """Every figure of the tables of ``doc``, in reading order."""
    lines = _lines(doc)
    cells: list[Cell] = []
    header: list[str] = []
    unit_col: int | None = None
    flat: list[tuple[int, int, str]] = []  # one-cell-per-line cells awaiting their table
    flat_units: list[str] = []
    for i, (start, end, raw) in enumerate(lines):
        norm = doc.norm[start:end]
        if norm.endswith("|") and norm.count("|") == 1 and len(norm) <= _MAX_CELL + 1:
            if not flat:
                flat_units = _units_above(lines, i + 1)
            if _UNIT_LINE.search(norm) and not flat:
                continue  # 单位：亿元 | above the header: read by _units_above
            flat.extend(_split_cells(doc, start, end))
            continue
        if flat:
            cells.extend(_flat_table(flat, flat_units))
            flat = []
        if "|" in norm:
            row = _split_cells(doc, start, end)
            texts = [c[2] for c in row]
            if any(len(t) > _MAX_CELL for t in texts):
                continue
            numeric = [k for k, t in enumerate(texts) if _NUMBER.match(t)]
            if not numeric:
                if texts and any(t for t in texts[1:]):
                    header = texts  # a header row: 指标名称 | 单位 | 数量
                    unit_col = next((k for k, t in enumerate(texts) if t == "单位"), None)
                continue
            label = next((t for t in texts if t and not _NUMBER.match(t)), "")
            unit = texts[unit_col] if unit_col is not None and unit_col < len(texts) else None
            if unit is None:
                unit = next((t for t in texts[1:] if _UNIT_WORDS.match(t)), None)
            for k in numeric:
                a, b, _t = row[k]
                column = header[k] if k < len(header) else None
                cells.append(Cell(a, b, label, column, unit or _label_unit(label)))
            continue
        if is_table_row(raw):
            m = _SPACE_ROW.match(raw)
            if m is None:
                continue
            label = m.group("label").strip()
            value = _SPACE.sub("", m.group("value"))
            a, b = end - len(value), end
            if not _NUMBER.match(doc.norm[a:b]):
                continue
            units = _units_above(lines, i)
            cells.append(Cell(a, b, label, None, _label_unit(label) or (units[0] if units else None)))
    if flat:
        cells.extend(_flat_table(flat, flat_units))
    return cells


def _label_unit(label: str) -> str | None:
    m = _LABEL_UNIT.search(label)
    return m.group("unit") if m else None


def _flat_table(cells: list[tuple[int, int, str]], units: list[str]) -> list[Cell]:
    """A table flattened to one cell per line: a label cell and year cells make the
    header, then rows of as many cells (label first)."""
    texts = [c[2] for c in cells]
    k = 0
    while k < len(texts) and not texts[k]:
        k += 1
    if k >= len(texts):
        return []
    start = k + 1
    years = start
    while years < len(texts) and _YEAR_CELL.match(texts[years]):
        years += 1
    header = texts[k:years]
    width = len(header)
    if width < 2:
        return []
    out: list[Cell] = []
    rows = [cells[j : j + width] for j in range(years, len(cells), width)]
    for r, row in enumerate(rows):
        if len(row) < width or _NUMBER.match(row[0][2]):
            break
        label = row[0][2]
        unit = units[r] if r < len(units) else (units[0] if units else None)
        for col, (a, b, text) in enumerate(row[1:], start=1):
            if _NUMBER.match(text):
                out.append(Cell(a, b, label, header[col], _label_unit(label) or unit))
    return out
