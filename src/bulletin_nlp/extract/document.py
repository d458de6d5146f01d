"""DOCUMENT mentions: titles of policies, plans, notices and laws.

Driven by ``rules/document.yaml``:

* ``《…》`` titles (the outermost pair; ``〈〉`` and inner ``《》`` stay part of the title),
  except newspapers, periodicals and programmes, which the ORG stage owns;
* aliases: ``《…的通知》（以下简称《通知》）`` makes this and every later ``《通知》`` a
  DOCUMENT valued as the full title; a generic ``《规划》`` without an alias takes the latest
  earlier title of its article ending in ``规划``;
* unbracketed titles after a publishing verb (``联合发布关于…的通知``).

The normalized value is the source text of the title without brackets or whitespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import regex
from pydantic import Field, model_validator

from ..doc import Doc
from ..rules import RuleEntry, load_entries
from ..spans import Hit, RulesetAttrs
from .initiative import FlatText, find_triggered, right_to_left

_SPACES = regex.compile(r"\s+")

# The stage's declaration, checked by the pipeline at start-up (bulletin_nlp.pipeline).
REQUIRES = ("articles",)
ASSIGNS = ("hits:DOCUMENT",)
RULES: tuple[str, ...] = ("document",)

TYPE = "DOCUMENT"
RULES_NAME = "document"
MAX_TITLE = 120  # longer "titles" come from an unbalanced 《

Kind = Literal[
    "not_title_suffix",
    "title_suffix",
    "not_title_follow",
    "alias",
    "short_title",
    "bracketed",
    "unbracketed",
]
_TERM_KINDS = {"not_title_suffix", "title_suffix", "short_title"}
_PATTERN_KINDS = {"not_title_follow", "alias", "unbracketed"}


class DocumentRule(RuleEntry):
    """One entry of ``rules/document.yaml`` (see its description for the kinds)."""

    kind: Kind
    terms: list[str] = Field(default_factory=list)
    pattern: str | None = None
    trigger: str | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> DocumentRule:
        if self.kind in _TERM_KINDS and not self.terms:
            raise ValueError(f"kind {self.kind!r} needs 'terms'")
        if self.kind in _PATTERN_KINDS and not self.pattern:
            raise ValueError(f"kind {self.kind!r} needs 'pattern'")
        if self.trigger and self.kind != "unbracketed":
            raise ValueError("'trigger' only applies to kind 'unbracketed'")
        for label, value in (("pattern", self.pattern), ("trigger", self.trigger)):
            if value is not None:
                try:
                    regex.compile(value)
                except regex.error as exc:
                    raise ValueError(f"{label} does not compile: {exc}") from exc
        if self.kind == "unbracketed" and "(?P<title>" not in (self.pattern or ""):
            raise ValueError("pattern needs a group 'title'")
        return self


@dataclass(frozen=True)
class Rules:
    """The compiled rule set; ``*_id`` fields are the rule ids hits carry."""

    version: str
    not_suffix: tuple[str, ...]
    title_suffix: tuple[str, ...]
    not_follow: tuple[regex.Pattern[str], ...]
    alias: tuple[tuple[str, regex.Pattern[str]], ...]
    short_titles: frozenset[str]
    short_id: str
    bracketed_id: str
    unbracketed: tuple[tuple[str, regex.Pattern[str], regex.Pattern[str] | None], ...]


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """Load and compile ``rules/document.yaml`` once per process."""
    version, entries = load_entries(RULES_NAME, DocumentRule)
    not_suffix: list[str] = []
    title_suffix: list[str] = []
    not_follow, alias, unbracketed = [], [], []
    short: set[str] = set()
    short_id = bracketed_id = ""
    for e in entries:
        if e.kind == "not_title_suffix":
            not_suffix.extend(e.terms)
        elif e.kind == "title_suffix":
            title_suffix.extend(e.terms)
        elif e.kind == "not_title_follow":
            not_follow.append(regex.compile(e.pattern or ""))
        elif e.kind == "alias":
            alias.append((e.id, regex.compile(e.pattern or "")))
        elif e.kind == "short_title":
            short.update(e.terms)
            short_id = short_id or e.id
        elif e.kind == "bracketed":
            bracketed_id = bracketed_id or e.id
        elif e.kind == "unbracketed":
            body = e.pattern or ""
            full = f"(?<={e.trigger}){body}" if e.trigger else body
            ends = right_to_left(e.trigger) if e.trigger else None
            unbracketed.append((e.id, regex.compile(full), ends))
    return Rules(
        version=version,
        not_suffix=tuple(not_suffix),
        title_suffix=tuple(title_suffix),
        not_follow=tuple(not_follow),
        alias=tuple(alias),
        short_titles=frozenset(short),
        short_id=short_id or "document.short_title",
        bracketed_id=bracketed_id or "document.bracketed",
        unbracketed=tuple(unbracketed),
    )


# What find_titles reads: the marks, and a line break right after another.
_TITLE_MARK = regex.compile(r"[《》]|(?<=\n)\n")


def find_titles(text: str) -> list[tuple[int, int]]:
    """Content spans of the outermost balanced ``《…》`` pairs in ``text``."""
    found: list[tuple[int, int]] = []
    depth, start = 0, 0
    for m in _TITLE_MARK.finditer(text):
        i, ch = m.start(), m.group()
        if ch == "《":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0 and 0 < i - start <= MAX_TITLE and "\n\n" not in text[start:i]:
                found.append((start, i))
        elif ch == "\n" and depth:  # preceded by another "\n"
            depth = 0  # a paragraph break ends an unclosed 《
    return found


def value_of(doc: Doc, start: int, end: int) -> str:
    """The source text of a title span without whitespace."""
    raw = doc.raw_text(start, end) if doc.nmap else doc.norm[start:end]
    return _SPACES.sub("", raw)


def _is_document(text: str, start: int, end: int, rules: Rules) -> bool:
    title = _SPACES.sub("", text[start:end])
    if title.endswith(rules.not_suffix) and not title.endswith(rules.title_suffix):
        return False
    return not any(p.match(text, end + 1) for p in rules.not_follow)


@dataclass
class _Title:
    start: int
    end: int
    value: str
    rule_id: str


def _bracketed(doc: Doc, rules: Rules) -> list[_Title]:
    """Bracketed titles in order, with aliases and generic short titles resolved."""
    text = doc.norm
    aliases: dict[str, str] = {}
    out: list[_Title] = []
    prev: _Title | None = None
    for start, end in find_titles(text):
        if not _is_document(text, start, end, rules):
            continue
        value = value_of(doc, start, end)
        rule_id = rules.bracketed_id
        gap = text[prev.end + 1 : start - 1] if prev else ""
        alias_rule = next((rid for rid, p in rules.alias if prev and p.search(gap)), None)
        if alias_rule and prev is not None:
            aliases[value] = prev.value
            value, rule_id = prev.value, alias_rule
        elif value in aliases:
            value, rule_id = aliases[value], next(rid for rid, _p in rules.alias)
        elif value in rules.short_titles:
            rule_id = rules.short_id
            value = _latest_full(doc, out, start, value)
        title = _Title(start, end, value, rule_id)
        out.append(title)
        prev = title
    return out


def _latest_full(doc: Doc, titles: list[_Title], pos: int, short: str) -> str:
    """The latest earlier full title of the same article ending in ``short``."""
    article = doc.article_index(pos) if doc.articles else 0
    for t in reversed(titles):
        if doc.articles and doc.article_index(t.start) != article:
            break
        if t.value != short and t.value.endswith(short):
            return t.value
    return short


def _unbracketed(doc: Doc, rules: Rules, taken: list[_Title]) -> list[_Title]:
    out: list[_Title] = []
    flat = FlatText(doc.norm)  # a verb and its title may sit on lines left unjoined
    for rule_id, pattern, trigger_ends in rules.unbracketed:
        for m in find_triggered(pattern, trigger_ends, flat.text, overlapped=False):
            start, end = flat.span(*m.span("title"))
            if any(t.start < end and start < t.end for t in taken + out):
                continue
            out.append(_Title(start, end, value_of(doc, start, end), rule_id))
    return out


def extract(doc: Doc) -> list[Hit]:
    """DOCUMENT hits in ``doc.norm`` offsets."""
    rules = load_rules()
    titles = _bracketed(doc, rules)
    titles += _unbracketed(doc, rules, titles)
    return [
        Hit(t.start, t.end, TYPE, t.value, t.rule_id, attrs=RulesetAttrs(rules.version))
        for t in sorted(titles, key=lambda t: t.start)
    ]
