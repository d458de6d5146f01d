"""INITIATIVE mentions: named programmes, mechanisms, campaigns, service brands, slogans.

Three mechanisms, all driven by ``rules/initiative.yaml``:

* a lexicon of well-known national names, found quoted or not (``五社联动``);
* quoted terms (“…”, ‘…’; 「」 is folded to “” by normalization) classified by slogan
  shapes, cue words inside or right after the quote, or a verb right before it;
* unquoted names built from a trigger verb and a head word (``实施…工程``) and a few
  naming shapes (``武汉英才计划``, ``7·20…支援行动``, ``莞铜协作``).

The normalized value is the source text of the span: quotes excluded, line breaks
removed, a space between two Han characters of a quoted brand kept (``心向融 暖敖镇``).
A name that differs from a longer one of the same document by a few dropped characters
(a headline abbreviation) takes the longer one as its value.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import regex
from pydantic import Field, model_validator

from ..doc import Doc
from ..rules import RuleEntry, load_entries
from ..spans import Hit, RulesetAttrs

_SPACES = regex.compile(r"\s+")

# The stage's declaration, checked by the pipeline at start-up (bulletin_nlp.pipeline).
REQUIRES = ("articles", "hits:PLACE")
ASSIGNS = ("hits:INITIATIVE",)
RULES: tuple[str, ...] = ("initiative",)

TYPE = "INITIATIVE"
RULES_NAME = "initiative"

Kind = Literal[
    "lexicon",
    "stop",
    "slogan",
    "suffix_cue",
    "lead_cue",
    "follow_cue",
    "unquoted",
    "generic_head",
    "place_abbrev",
    "place_pair",
]
_TERM_KINDS = {"lexicon", "stop", "suffix_cue", "lead_cue", "generic_head", "place_abbrev"}
_PATTERN_KINDS = {"slogan", "follow_cue", "unquoted", "place_pair"}

# Quoted text holding clause punctuation is a phrase or a list, not one name.
_CLAUSE_PUNCT = regex.compile(r"[，。；：、！？,;:!?\n]")
# Between quoted items of one list: “牵手计划”、“三区计划”和“社工黔行”等…
_LIST_GLUE = regex.compile(r"[、和与及或]?")
_HAN = regex.compile(r"\p{Han}")
_ADMIN_SUFFIX = regex.compile(
    r"(?:特别行政区|自治区|自治州|自治县|地区|街道|省|市|县|区|旗|盟|镇|乡|村)$"
)
_QUOTE_PAIRS = {"“": "”", "‘": "’"}
_QUOTE_MARK = regex.compile("[“‘”’]")
_LINE_BREAK = regex.compile("\n")
MIN_QUOTED, MAX_QUOTED = 2, 30


class InitiativeRule(RuleEntry):
    """One entry of ``rules/initiative.yaml`` (see its description for the kinds)."""

    kind: Kind
    terms: list[str] = Field(default_factory=list)
    pattern: str | None = None
    trigger: str | None = None
    chain: str | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> InitiativeRule:
        if self.kind in _TERM_KINDS and not self.terms:
            raise ValueError(f"kind {self.kind!r} needs 'terms'")
        if self.kind in _PATTERN_KINDS and not self.pattern:
            raise ValueError(f"kind {self.kind!r} needs 'pattern'")
        if (self.trigger or self.chain) and self.kind != "unquoted":
            raise ValueError("'trigger' and 'chain' only apply to kind 'unquoted'")
        for label, value in (
            ("pattern", self.pattern),
            ("trigger", self.trigger),
            ("chain", self.chain),
        ):
            if value is not None:
                try:
                    regex.compile(value)
                except regex.error as exc:
                    raise ValueError(f"{label} does not compile: {exc}") from exc
        if self.kind in {"unquoted", "place_pair"} and "(?P<name>" not in (self.pattern or ""):
            raise ValueError("pattern needs a group 'name'")
        if self.kind == "place_pair" and "(?P<pair>" not in (self.pattern or ""):
            raise ValueError("pattern needs a group 'pair'")
        return self


@dataclass(frozen=True)
class Unquoted:
    """A compiled unquoted rule: the name pattern, preceded by its trigger, and its chain."""

    id: str
    pattern: regex.Pattern[str]
    chain: regex.Pattern[str] | None
    trigger_ends: regex.Pattern[str] | None = None  # the trigger, matched right to left


def right_to_left(pattern: str) -> regex.Pattern[str] | None:
    """``pattern`` compiled to match right to left (None if it cannot be)."""
    try:
        return regex.compile(f"(?r)(?:{pattern})")
    except regex.error:
        return None


def find_triggered(
    pattern: regex.Pattern[str],
    trigger_ends: regex.Pattern[str] | None,
    text: str,
    *,
    overlapped: bool,
) -> list[regex.Match[str]]:
    """``pattern.finditer(text, overlapped=overlapped)`` for a pattern ``(?<=trigger)…``.

    The lookbehind is tried at every offset, which is slow; so the offsets where the
    trigger ends are found first (``trigger_ends``: :func:`right_to_left`, scanned
    overlapped, which yields every end, empty matches too) and the pattern is tried
    there only. Without ``trigger_ends`` (or for a pattern matching empty text) this is
    the plain scan.
    """
    if trigger_ends is None:
        return list(pattern.finditer(text, overlapped=overlapped))
    found: list[regex.Match[str]] = []
    resume = 0  # where a plain scan would go on searching
    for pos in sorted({m.end() for m in trigger_ends.finditer(text, overlapped=True)}):
        if pos < resume:
            continue
        m = pattern.match(text, pos)
        if m is None:
            continue
        if m.end() == m.start():
            return list(pattern.finditer(text, overlapped=overlapped))
        found.append(m)
        resume = pos + 1 if overlapped else m.end()
    return found


@dataclass(frozen=True)
class Rules:
    """The compiled rule set."""

    version: str
    lexicon: regex.Pattern[str] | None
    lexicon_id: dict[str, str]
    stop: frozenset[str]
    slogans: tuple[tuple[str, regex.Pattern[str]], ...]
    suffix_cues: tuple[tuple[str, tuple[str, ...]], ...]
    lead_cues: tuple[tuple[str, tuple[str, ...]], ...]
    follow_cues: tuple[tuple[str, regex.Pattern[str]], ...]
    unquoted: tuple[Unquoted, ...]
    generic_heads: tuple[str, ...]
    abbrevs: frozenset[str]
    place_pairs: tuple[tuple[str, regex.Pattern[str]], ...]


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """Load and compile ``rules/initiative.yaml`` once per process."""
    version, entries = load_entries(RULES_NAME, InitiativeRule)
    lexicon_id: dict[str, str] = {}
    stop: set[str] = set()
    slogans, suffix, lead, follow, unquoted, pairs = [], [], [], [], [], []
    heads: list[str] = []
    abbrevs: set[str] = set()
    for e in entries:
        if e.kind == "lexicon":
            lexicon_id.update({t: e.id for t in e.terms})
        elif e.kind == "stop":
            stop.update(e.terms)
        elif e.kind == "slogan":
            slogans.append((e.id, regex.compile(e.pattern or "")))
        elif e.kind == "suffix_cue":
            suffix.append((e.id, tuple(e.terms)))
        elif e.kind == "lead_cue":
            lead.append((e.id, tuple(e.terms)))
        elif e.kind == "follow_cue":
            follow.append((e.id, regex.compile(e.pattern or "")))
        elif e.kind == "unquoted":
            body = e.pattern or ""
            full = f"(?<={e.trigger}){body}" if e.trigger else body
            chain = regex.compile(f"(?:{e.chain}){body}") if e.chain else None
            ends = right_to_left(e.trigger) if e.trigger else None
            unquoted.append(Unquoted(e.id, regex.compile(full), chain, ends))
        elif e.kind == "generic_head":
            heads.extend(e.terms)
        elif e.kind == "place_abbrev":
            abbrevs.update(e.terms)
        elif e.kind == "place_pair":
            pairs.append((e.id, regex.compile(e.pattern or "")))
    terms = sorted(lexicon_id, key=len, reverse=True)
    lexicon = regex.compile("|".join(regex.escape(t) for t in terms)) if terms else None
    return Rules(
        version=version,
        lexicon=lexicon,
        lexicon_id=lexicon_id,
        stop=frozenset(stop),
        slogans=tuple(slogans),
        suffix_cues=tuple(suffix),
        lead_cues=tuple(lead),
        follow_cues=tuple(follow),
        unquoted=tuple(unquoted),
        generic_heads=tuple(heads),
        abbrevs=frozenset(abbrevs),
        place_pairs=tuple(pairs),
    )


@dataclass(frozen=True)
class Quote:
    """A quoted stretch of ``doc.norm``: content offsets, excluding the quote marks."""

    start: int
    end: int
    nested: bool  # holds another quotation inside


def find_quotes(text: str) -> list[Quote]:
    """Balanced “…” and ‘…’ pairs in ``text``, innermost and outermost alike."""
    stack: list[tuple[str, int, bool]] = []  # (open mark, content start, has nested)
    found: list[Quote] = []
    for m in _QUOTE_MARK.finditer(text):
        i, ch = m.start(), m.group()
        if ch in _QUOTE_PAIRS:
            if stack:
                mark, start, _nested = stack[-1]
                stack[-1] = (mark, start, True)
            stack.append((ch, i + 1, False))
        else:
            # Close the nearest matching opener; unmatched openers above it are dropped.
            for depth in range(len(stack) - 1, -1, -1):
                if _QUOTE_PAIRS[stack[depth][0]] == ch:
                    _mark, start, nested = stack[depth]
                    del stack[depth:]
                    found.append(Quote(start, i, nested))
                    break
    return sorted(found, key=lambda q: q.start)


class FlatText:
    """``doc.norm`` with line breaks removed, so names broken by a missed join still match."""

    def __init__(self, norm: str) -> None:
        self.text = norm.replace("\n", "")
        # The flat offset where each line break was dropped, ascending: the normalized
        # offset of flat offset k is k plus the number of breaks dropped at or before k.
        self._breaks = [m.start() - k for k, m in enumerate(_LINE_BREAK.finditer(norm))]

    def _norm(self, k: int) -> int:
        return k + bisect_right(self._breaks, k)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a flat span back to normalized offsets."""
        return self._norm(start), self._norm(end - 1) + 1


def display(doc: Doc, start: int, end: int, keep_spaces: bool) -> str:
    """The source text of a normalized span, line breaks removed.

    With ``keep_spaces``, one space is kept between two Han characters (a quoted brand
    written in two halves); every other whitespace run is dropped.
    """
    raw = doc.raw_text(start, end) if doc.nmap else doc.norm[start:end]
    parts = regex.split(r"(\s+)", raw)
    out: list[str] = []
    for k, part in enumerate(parts):
        if not part or not part.isspace():
            out.append(part)
            continue
        before = parts[k - 1][-1:] if k else ""
        after = parts[k + 1][:1] if k + 1 < len(parts) else ""
        if keep_spaces and "\n" not in part and _HAN.match(before) and _HAN.match(after):
            out.append(" ")
    return "".join(out)


def _compact(text: str) -> str:
    return _SPACES.sub("", text)


def _place_abbrevs(doc: Doc, rules: Rules) -> frozenset[str]:
    """Provincial abbreviations plus the first character (both, for two) of each PLACE."""
    chars = set(rules.abbrevs)
    for hit in doc.hits_of("PLACE"):
        stem = _ADMIN_SUFFIX.sub("", _compact(doc.norm[hit.start : hit.end]))
        if len(stem) == 2:
            chars.update(stem)
        elif stem:
            chars.add(stem[0])
    return frozenset(chars)


def _candidate(text: str, q: Quote, rules: Rules) -> bool:
    """Whether a quoted term can be a name at all (cues decide whether it is one)."""
    content = _compact(text[q.start : q.end])
    if content in rules.stop or content in rules.lexicon_id:
        return False  # the lexicon pass finds lexicon terms, quoted or not
    if q.nested or not MIN_QUOTED <= len(content) <= MAX_QUOTED:
        return False
    return not _CLAUSE_PUNCT.search(content) and bool(_HAN.search(content))


def _classify_quote(text: str, q: Quote, rules: Rules) -> str | None:
    """The id of the rule that makes a candidate quoted term an INITIATIVE, if any."""
    content = _compact(text[q.start : q.end])
    for rule_id, pattern in rules.slogans:
        if pattern.search(content):
            return rule_id
    for rule_id, cues in rules.suffix_cues:
        if content.endswith(cues) and content not in cues:
            return rule_id
    before = text[max(0, q.start - 1 - 4) : q.start - 1]
    for rule_id, cues in rules.lead_cues:
        if before.endswith(cues):
            return rule_id
    return None


def _follow_rule(text: str, quotes: list[Quote], k: int, rules: Rules) -> str | None:
    """A follow cue after quote ``k`` or after the list of quotes that ``k`` starts."""
    pos = quotes[k].end + 1
    j = k
    while True:
        for rule_id, pattern in rules.follow_cues:
            if pattern.match(text, pos):
                return rule_id
        glue = _LIST_GLUE.match(text, pos)
        nxt = pos + (glue.end() - glue.start() if glue else 0)
        if j + 1 < len(quotes) and quotes[j + 1].start == nxt + 1 and text[nxt] in "“‘":
            j += 1
            pos = quotes[j].end + 1
            continue
        return None


def _quoted_hits(doc: Doc, rules: Rules) -> list[tuple[int, int, str, bool]]:
    text = doc.norm
    quotes = find_quotes(text)
    out: list[tuple[int, int, str, bool]] = []
    for k, q in enumerate(quotes):
        if not _candidate(text, q, rules):
            continue
        rule_id = _classify_quote(text, q, rules) or _follow_rule(text, quotes, k, rules)
        if rule_id is not None:
            out.append((q.start, q.end, rule_id, True))
    return out


def _is_generic(name: str, rules: Rules) -> bool:
    return name in rules.stop or name.endswith(rules.generic_heads)


def _unquoted_hits(doc: Doc, flat: FlatText, rules: Rules) -> list[tuple[int, int, str, bool]]:
    text = flat.text
    out: list[tuple[int, int, str, bool]] = []
    for rule in rules.unquoted:
        for m in find_triggered(rule.pattern, rule.trigger_ends, text, overlapped=True):
            start, end = m.span("name")
            while True:
                if not _is_generic(m.group("name"), rules):
                    out.append((*flat.span(start, end), rule.id, False))
                nxt = rule.chain.match(text, end) if rule.chain else None
                if nxt is None:
                    break
                m, (start, end) = nxt, nxt.span("name")
    if rules.place_pairs:
        abbrevs = _place_abbrevs(doc, rules)
        for rule_id, pattern in rules.place_pairs:
            for m in pattern.finditer(text, overlapped=True):
                if all(c in abbrevs for c in m.group("pair")):
                    out.append((*flat.span(*m.span("name")), rule_id, False))
    if rules.lexicon is not None:
        for m in rules.lexicon.finditer(text):
            out.append((*flat.span(*m.span()), rules.lexicon_id[m.group()], False))
    return out


def _is_variant(short: str, long: str) -> bool:
    """``short`` is ``long`` with a few characters dropped inside (a headline abbreviation)."""
    if len(short) < 8 or len(short) >= len(long) or len(long) - len(short) > 4:
        return False
    if short[:3] != long[:3] or short[-3:] != long[-3:]:
        return False
    it = iter(long)
    return all(c in it for c in short)


def _canonical_values(values: list[str]) -> dict[str, str]:
    """Map each abbreviated variant to the longest name it abbreviates."""
    names = sorted(set(values), key=len, reverse=True)
    canon: dict[str, str] = {}
    for short in names:
        for long in names:
            if _is_variant(short, long):
                canon[short] = canon.get(long, long)
                break
    return canon


def extract(doc: Doc) -> list[Hit]:
    """INITIATIVE hits in ``doc.norm`` offsets."""
    rules = load_rules()
    flat = FlatText(doc.norm)
    found = _quoted_hits(doc, rules) + _unquoted_hits(doc, flat, rules)
    spans: list[tuple[int, int, str, str]] = []
    reach = -1  # end of the longest span kept so far: names inside it are parts of it
    for start, end, rule_id, quoted in sorted(found, key=lambda f: (f[0], -f[1])):
        if end <= reach:
            continue
        reach = end
        spans.append((start, end, rule_id, display(doc, start, end, keep_spaces=quoted)))
    canon = _canonical_values([value for *_rest, value in spans])
    return [
        Hit(start, end, TYPE, canon.get(value, value), rule_id, attrs=RulesetAttrs(rules.version))
        for start, end, rule_id, value in spans
    ]
