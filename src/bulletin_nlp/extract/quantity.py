"""QUANTITY stage: reported figures, a number with its unit or classifier.

A candidate is ``[approx word] number [unit] [approx word]`` (``约1.75万人``,
``14000人次以上``), built from the vocabularies in ``rules/quantity.yaml``. It is kept
when it reads as a count: not inside a date, ordinal, rate denominator, range, slogan or
idiom (the ``exclude`` patterns), not an article-like ``一``, and a Chinese numeral below
ten only with a person classifier (``两名``, ``八人``; ``三个级别`` is definitional). A
figure with ``万``/``亿`` and no unit (``人数达73.7万``) takes its unit from a cue noun
earlier in the clause.

The number is the whole written figure (:data:`bulletin_nlp.numbers.NUMERAL_PATTERN`:
``3千万``, ``82，225.00``, ``-1.18``, ``百分之一点五七``). A figure that does not read in
full, or that starts inside a longer one, yields no hit and a logged reason, never a hit
for the part that reads. A change word right before the figure (``下降1.2%``) is kept as
``attrs.direction`` (``up``/``down``); the value stays as written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import regex
from pydantic import model_validator

from ..doc import Doc
from ..normalize import fold as compare_fold
from ..numbers import (
    CN_DIGIT_CHARS,
    INNER_APPROX,
    NUMERAL_PATTERN,
    SIGNS,
    QuantityLexicon,
    UnitForm,
    continues_left,
    fold,
    parse_quantity,
)
from ..rules import RuleEntry, load_entries
from ..spans import Direction, Hit, QuantityAttrs, TableCellAttrs

# The stage's declaration, checked by the pipeline at start-up (bulletin_nlp.pipeline).
REQUIRES = ("articles", "sentences", "table_cells", "hits:DATE")
ASSIGNS = ("hits:QUANTITY",)
RULES: tuple[str, ...] = ("quantity",)

log = logging.getLogger(__name__)

_CLAUSE_END = "，。；！？：\n"
_HAN = regex.compile(r"\p{Han}")
_COUNTING_CHARS = frozenset(CN_DIGIT_CHARS + "十百千")


class QuantityEntry(RuleEntry):
    """One entry of ``rules/quantity.yaml``; which fields apply depends on ``kind``."""

    kind: Literal["unit", "qualifier", "context_unit", "indefinite", "exclude", "direction"]
    forms: list[str] = []
    unit: str | None = None
    small_chinese: bool = False
    arabic_only: bool = False
    position: Literal["before", "after", "inner"] | None = None
    approx: Literal["about", "over", "under"] | None = None
    direction: Direction | None = None
    cues: list[str] = []
    not_after: list[str] = []
    pattern: str | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> QuantityEntry:
        need = {
            "unit": ("forms",),
            "qualifier": ("forms", "position", "approx"),
            "context_unit": ("cues", "unit"),
            "indefinite": ("forms",),
            "exclude": ("pattern",),
            "direction": ("forms", "direction"),
        }[self.kind]
        missing = [name for name in need if not getattr(self, name)]
        if missing:
            raise ValueError(f"kind {self.kind!r} needs {missing}")
        if self.pattern is not None:
            try:
                regex.compile(self.pattern)
            except regex.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from exc
        if self.kind == "qualifier" and self.position == "inner":
            unknown = [f for f in self.forms if len(f) != 1 or f not in INNER_APPROX]
            if unknown:
                raise ValueError(f"inner qualifiers the number reader knows are {INNER_APPROX}")
        return self


@dataclass(frozen=True)
class UnitRule:
    """What a written unit form means for extraction."""

    rule_id: str
    unit: str
    small_chinese: bool
    arabic_only: bool


@dataclass(frozen=True)
class Tables:
    """Everything the stage needs from the rules file, built once per process."""

    version: str
    lex: QuantityLexicon
    units: dict[str, UnitRule]
    context: tuple[tuple[str, str, str], ...]  # (cue noun, unit, rule id)
    indefinite: frozenset[str]
    not_after: dict[str, tuple[str, ...]]  # approximation word -> characters that capture it
    excludes: tuple[tuple[str, regex.Pattern[str]], ...]
    candidate: regex.Pattern[str]
    directions: tuple[tuple[str, Direction], ...]  # change word before a figure, longest first


def _alternation(forms: list[str]) -> str:
    """Longest first; each form also as folded (the lexicon's keys) and as normalized
    text writes it (full-width brackets: ``（含）以上``)."""
    written = set(forms) | {f.replace("(", "（").replace(")", "）") for f in forms}
    return "|".join(regex.escape(f) for f in sorted(written, key=len, reverse=True))


@lru_cache(maxsize=1)
def tables() -> Tables:
    """Load and compile ``rules/quantity.yaml`` (once per process)."""
    version, entries = load_entries("quantity", QuantityEntry)
    units: dict[str, UnitRule] = {}
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    inner: list[str] = []
    inner_approx = "over"
    context: list[tuple[str, str, str]] = []
    indefinite: set[str] = set()
    not_after: dict[str, tuple[str, ...]] = {}
    excludes: list[tuple[str, regex.Pattern[str]]] = []
    directions: dict[str, Direction] = {}
    for e in entries:
        if e.kind == "unit":
            for form in e.forms:
                units[fold(form)] = UnitRule(e.id, e.unit or form, e.small_chinese, e.arabic_only)
        elif e.kind == "qualifier" and e.approx is not None:
            if e.position == "inner":
                inner.extend(e.forms)
                inner_approx = e.approx
            else:
                table = before if e.position == "before" else after
                table.update({fold(f): e.approx for f in e.forms})
                not_after.update({fold(f): tuple(e.not_after) for f in e.forms})
        elif e.kind == "context_unit" and e.unit:
            context.extend((cue, e.unit, e.id) for cue in e.cues)
        elif e.kind == "indefinite":
            indefinite.update(e.forms)
        elif e.kind == "exclude" and e.pattern:
            excludes.append((e.id, regex.compile(e.pattern)))
        elif e.kind == "direction" and e.direction:
            directions.update({form: e.direction for form in e.forms})
    lex = QuantityLexicon(
        units=tuple(UnitForm(form, rule.unit) for form, rule in units.items()),
        before=before,
        after=after,
        inner=inner_approx,
    )
    pre = _alternation(list(before))
    post = _alternation(list(after))
    unit = _alternation(list(units))
    candidate = regex.compile(
        rf"(?P<pre>{pre})?(?P<num>{NUMERAL_PATTERN})(?P<unit>{unit})?(?P<post>{post})?"
    )
    return Tables(
        version,
        lex,
        units,
        tuple(context),
        frozenset(indefinite),
        not_after,
        tuple(excludes),
        candidate,
        tuple(sorted(directions.items(), key=lambda item: len(item[0]), reverse=True)),
    )


def lexicon() -> QuantityLexicon:
    """Units and approximation words for :func:`bulletin_nlp.numbers.parse_quantity`."""
    return tables().lex


def _is_han(ch: str) -> bool:
    return bool(ch) and bool(_HAN.match(ch))


class _Blocked:
    """Spans no figure may overlap, as one byte per offset: a test is one C-level find."""

    def __init__(self, spans: list[tuple[int, int]], size: int) -> None:
        self.covered = bytearray(size)  # 1 inside a span
        self.empty = bytearray(size + 1)  # 1 where an empty span lies
        for s, e in spans:
            if s < e:
                self.covered[s:e] = b"\x01" * (e - s)
            else:
                self.empty[s] = 1

    def overlaps(self, start: int, end: int) -> bool:
        """Whether some span ``(s, e)`` has ``s < end and start < e``."""
        return self.covered.find(1, start, end) >= 0 or self.empty.find(1, start + 1, end) >= 0


def _context_unit(text: str, start: int, t: Tables) -> tuple[str, str] | None:
    """(unit, rule id) from the cue noun nearest before ``start`` in its clause."""
    clause_start = max(text.rfind(ch, 0, start) for ch in _CLAUSE_END) + 1
    clause = text[clause_start:start]
    best: tuple[int, str, str] | None = None
    for cue, unit, rule_id in t.context:
        pos = clause.rfind(cue)
        if pos >= 0 and (best is None or pos + len(cue) > best[0]):
            best = (pos + len(cue), unit, rule_id)
    return (best[1], best[2]) if best else None


def _chinese_ok(num: str, rule: UnitRule | None, value: float, t: Tables) -> bool:
    """Whether a Chinese numeral reads as a reported count with this unit."""
    core = num.strip("余多几")
    if core in t.indefinite:
        return False
    if rule is not None and rule.arabic_only:
        return False
    small = abs(value) < 10 and not any(m in num for m in "万亿")
    return not small or (rule is not None and rule.small_chinese)


def _not_whole(text: str, start: int, num_start: int, num: str) -> str | None:
    """Why the figure ``num`` at ``num_start`` is not a whole written figure, or None."""
    before = text[num_start - 1 : num_start]
    if num[0] in SIGNS and num[0] != "负" and before.isascii() and before.isalnum():
        return f"{before + num!r}: a hyphen after a code or number, not a sign"
    if start != num_start:
        return None  # an approximation word before it: 约, 超过
    if continues_left(text, num_start):
        return f"starts inside a longer figure ({text[max(0, num_start - 8) : num_start]!r})"
    if before.isascii() and before.isalpha():
        return f"part of a code ({before + num!r})"
    return None


def _same_in_raw(doc: Doc, start: int, end: int) -> bool:
    """Whether the raw text behind a normalized span folds to the same characters."""
    if not doc.nmap:
        return True  # no offset map: the text is its own raw text
    return compare_fold(doc.raw_text(start, end)) == compare_fold(doc.norm[start:end])


def _direction(text: str, start: int, t: Tables) -> Direction | None:
    """``up``/``down`` when a change word ends right where the figure starts."""
    for word, direction in t.directions:
        if text.endswith(word, 0, start):
            return direction
    return None


def extract(doc: Doc) -> list[Hit]:
    """QUANTITY hits in ``doc.norm``."""
    t = tables()
    text = doc.norm
    bounds = doc.token_bounds
    spans = [m.span() for _id, pat in t.excludes for m in pat.finditer(text)]
    spans += [(h.start, h.end) for h in doc.hits_of("DATE")]
    blocked = _Blocked(spans, len(text))
    hits: list[Hit] = []
    for m in t.candidate.finditer(text):
        start, end = m.span()
        num_start, num_end = m.span("num")
        num = m.group("num")
        unit_text = m.group("unit")
        pre = m.group("pre")
        if pre and any(text.endswith(w, 0, start) for w in t.not_after.get(pre, ())):
            start = num_start  # 最近3天: the 近 belongs to another word
        core_end = m.end("unit") if unit_text else num_end
        if blocked.overlaps(num_start, core_end):
            continue  # tested first: it is cheaper than the word-boundary tests below
        after = text[end : end + 1]
        if unit_text and _is_han(after) and core_end == end and end not in bounds:
            continue  # 100家庭: the unit character starts another word
        # Unreadable or partial figures are logged only where they could have been one
        # (a digit and a unit or magnitude; a lone 万 in 亿元 or 万人 is no figure).
        figure_like = (bool(unit_text) or any(c in num for c in "万亿")) and any(
            c.isdigit() or c in _COUNTING_CHARS for c in num
        )
        why = _not_whole(text, start, num_start, num)
        if why is not None:
            if figure_like:
                log.info("%s:%d: no QUANTITY for %r: %s", doc.path, start, text[start:end], why)
            continue
        if "，" in num and not _same_in_raw(doc, start, end):
            # 12,⏎345: a wrapped line made the comma punctuation in one reading and a
            # thousands separator in the other; neither figure is safe to report.
            log.info(
                "%s:%d: no QUANTITY for %r: its raw text reads otherwise",
                doc.path,
                start,
                text[start:end],
            )
            continue
        rule = t.units.get(fold(unit_text)) if unit_text else None
        rule_id = rule.rule_id if rule else "unit.percent"
        digits = num.lstrip(SIGNS)
        is_chinese = not digits[0].isdigit() and digits[1:3] != "分之"
        if (
            is_chinese
            and start == num_start
            and _is_han(text[num_start - 1 : num_start])
            and num_start not in bounds
        ):
            continue  # 统一, 唯一: a numeral character inside a word
        norm = parse_quantity(text[start:end], t.lex)
        if norm is None:
            if figure_like:
                log.info(
                    "%s:%d: no QUANTITY for %r: %r does not read as one number",
                    doc.path,
                    start,
                    text[start:end],
                    num,
                )
            continue
        if is_chinese and not _chinese_ok(num, rule, norm["value"], t):
            continue
        if norm["unit"] is None:
            # A bare figure: only a magnitude (万/亿) at the end of a clause, with a cue.
            if not any(c in num for c in "万亿") or _is_han(after) or after.isalnum():
                continue
            found = _context_unit(text, num_start, t)
            if found is None:
                continue
            unit, rule_id = found
            value = norm["value"]
            norm = {"value": value, "unit": unit, "approx": norm["approx"]}
        direction = _direction(text, start, t)
        attrs = QuantityAttrs(text=text[start:end], ruleset=t.version, direction=direction)
        hits.append(Hit(start, end, "QUANTITY", norm, rule_id, attrs=attrs))
    return hits + _table_hits(doc, hits, blocked)


TABLE_RULE = "quantity.table_cell"


def _table_hits(doc: Doc, found: list[Hit], blocked: _Blocked) -> list[Hit]:
    """Figures of table rows that carry no unit of their own (``养老机构 | 个 | 712 |``,
    ``城市低保对象（万人） 3.2``): the table gives the unit. A cell no unit can be read
    for yields nothing."""
    taken = bytearray(len(doc.norm))
    for h in found:
        taken[h.start : h.end] = b"\x01" * (h.end - h.start)
    out: list[Hit] = []
    for cell in doc.table_cells:
        if taken.find(1, cell.start, cell.end) >= 0 or cell.unit is None:
            continue
        if blocked.overlaps(cell.start, cell.end):
            continue
        norm = parse_quantity(doc.norm[cell.start : cell.end] + cell.unit, lexicon())
        if norm is None or norm.get("unit") is None:
            log.info(
                "%s: table cell %r (%s): unreadable with unit %r",
                doc.path,
                doc.norm[cell.start : cell.end],
                cell.label,
                cell.unit,
            )
            continue
        attrs = TableCellAttrs(row=cell.label, column=cell.column, table_unit=cell.unit)
        out.append(Hit(cell.start, cell.end, "QUANTITY", norm, TABLE_RULE, attrs=attrs))
    return out


__all__ = ["QuantityEntry", "Tables", "extract", "lexicon", "tables"]
