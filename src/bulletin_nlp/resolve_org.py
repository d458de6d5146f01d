"""ORG rules and canonical names: the lexicon, the suffix groups, and name normalization.

:func:`org_rules` loads ``rules/org.yaml`` and ``rules/org_lexicon.yaml`` once per process.
:func:`canonical_compound` builds the canonical name of a place + body or parent + sub-body
compound (``河南浚县民政局`` → ``浚县民政局``, ``中社联党办`` → ``中国社会工作联合会党办``,
``武汉市委人才办`` → ``中共武汉市委人才工作领导小组办公室``). :func:`resolve_org` gives
the canonical name of any organization name as a document uses it, for the facts and roles
stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import regex
from pydantic import Field, model_validator

from .gazetteer import Place, gazetteer
from .rules import RuleEntry, load_entries

if TYPE_CHECKING:
    from .doc import Doc

Kind = Literal[
    "suffix",
    "stop",
    "stop_pos",
    "cross",
    "name_word",
    "generic",
    "nation",
    "level",
    "party",
    "abbrev",
    "source_body",
    "source_strip",
    "bare_ref",
    "alias_cue",
    "media",
    "not_org",
    "not_org_head",
    "follow",
    "locality",
    "source_cue",
    "rare_verb",
    "not_source",
    "legal_form",
]
Policy = Literal["anchor", "name", "proper", "parent"]
Anchor = Literal["place", "org", "nation"]
_DEFAULT_ANCHORS: tuple[Anchor, ...] = ("place", "org", "nation")

# Level characters and the gazetteer levels they name (省民政厅, 市委组织部, 旗民政局).
LEVEL_OF_CHAR: dict[str, tuple[str, ...]] = {
    "省": ("province",),
    "市": ("city", "county"),
    "县": ("county",),
    "区": ("county",),
    "旗": ("county",),
    "州": ("city",),
    "盟": ("city",),
    "镇": ("township",),
    "乡": ("township",),
}


class OrgRule(RuleEntry):
    """One entry of ``rules/org.yaml``; which fields apply depends on ``kind``."""

    kind: Kind
    values: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)  # not_org: also kept whole by the segmenter
    group: str | None = None
    policy: Policy | None = None
    scope: Literal["sentence", "article"] = "article"
    parents: list[str] = Field(default_factory=list)
    anchors: list[Anchor] = Field(default_factory=lambda: list(_DEFAULT_ANCHORS))
    place_bodies: list[str] = Field(default_factory=list)  # see suffix.dept
    groups: list[str] = Field(default_factory=list)  # level: groups a level word may head
    max_freq: int | None = None  # rare_verb
    follow_forms: list[str] = Field(default_factory=list)  # legal_form: 恒华科技公司
    normalize_place: bool = False  # government bodies: 河南浚县民政局 -> 浚县民政局
    prefix: str | None = None
    pairs: dict[str, str] = Field(default_factory=dict)
    province_pairs: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> OrgRule:
        if self.kind == "suffix" and not (self.group and self.policy and self.values):
            raise ValueError("a suffix entry needs group, policy and values")
        if self.kind == "party" and not self.prefix:
            raise ValueError("a party entry needs prefix")
        if self.kind in ("abbrev", "source_body") and not self.pairs:
            raise ValueError(f"a {self.kind} entry needs pairs")
        if self.kind == "not_org" and not self.terms:
            raise ValueError("a not_org entry needs terms")
        return self


class OrgLexEntry(RuleEntry):
    """A well-known organization: canonical name, aliases and suffix group."""

    canonical: str
    aliases: list[str] = Field(default_factory=list)
    group: str


@dataclass(frozen=True, slots=True)
class Suffix:
    """An organization suffix and how a name ending in it is licensed."""

    text: str
    group: str
    policy: Policy
    scope: str
    parents: tuple[str, ...]
    anchors: tuple[str, ...]
    place_bodies: tuple[str, ...]
    normalize_place: bool
    rule_id: str


@dataclass(frozen=True, slots=True)
class LexName:
    """A lexicon surface: its canonical name, group and entry id."""

    canonical: str
    group: str
    rule_id: str


@dataclass(frozen=True)
class OrgRules:
    """Everything the ORG stage reads from the rule files, compiled once."""

    version: str
    suffixes: tuple[Suffix, ...]  # longest first
    stop: frozenset[str]
    stop_pos: frozenset[str]
    cross: frozenset[str]
    name_words: frozenset[str]
    rare_verb_freq: int
    generic: frozenset[str]
    nation: frozenset[str]
    levels: frozenset[str]
    level_groups: frozenset[str]
    party: tuple[str, ...]
    party_prefix: str
    abbrev: tuple[tuple[str, str], ...]  # longest short form first
    source_body: dict[str, str]
    source_body_province: dict[str, str]
    source_strip: tuple[str, ...]
    source_cues: tuple[str, ...]
    not_source: tuple[str, ...]
    legal_forms: tuple[str, ...]  # longest first
    follow_forms: tuple[str, ...]
    bare_refs: frozenset[str]
    alias_cues: tuple[str, ...]
    media: tuple[str, ...]
    not_org: frozenset[str]
    not_org_heads: tuple[str, ...]  # endings of money, not bodies (公益金, 经费)
    follow: frozenset[str]
    locality: tuple[str, ...]
    lexicon: dict[str, LexName]
    lexicon_re: regex.Pattern[str]
    rule_of: dict[str, str]  # kind -> entry id, for hits' rule ids


def _alternation(words: list[str]) -> regex.Pattern[str]:
    ordered = sorted(set(words), key=len, reverse=True)
    return regex.compile("|".join(regex.escape(w) for w in ordered) or r"(?!)")


@lru_cache(maxsize=1)
def org_rules() -> OrgRules:
    """The validated ORG rules (``rules/org.yaml`` + ``rules/org_lexicon.yaml``)."""
    version, entries = load_entries("org", OrgRule)
    lex_version, lex_entries = load_entries("org_lexicon", OrgLexEntry)

    def values(kind: str) -> list[str]:
        return [v for e in entries if e.kind == kind for v in e.values]

    suffixes = [
        Suffix(
            v,
            e.group or "",
            e.policy or "anchor",
            e.scope,
            tuple(e.parents),
            tuple(e.anchors),
            tuple(e.place_bodies),
            e.normalize_place,
            e.id,
        )
        for e in entries
        if e.kind == "suffix"
        for v in e.values
    ]
    suffixes.sort(key=lambda s: len(s.text), reverse=True)
    lexicon: dict[str, LexName] = {}
    for lex in lex_entries:
        for name in [lex.canonical, *lex.aliases]:
            lexicon[name] = LexName(lex.canonical, lex.group, f"lexicon.{lex.id}")
    abbrev = [(k, v) for e in entries if e.kind == "abbrev" for k, v in e.pairs.items()]
    party = [e for e in entries if e.kind == "party"]
    return OrgRules(
        version=f"{version}+{lex_version}",
        suffixes=tuple(suffixes),
        stop=frozenset(values("stop")),
        stop_pos=frozenset(values("stop_pos")),
        cross=frozenset(values("cross")),
        name_words=frozenset(values("name_word")),
        rare_verb_freq=max((e.max_freq or 0 for e in entries if e.kind == "rare_verb"), default=0),
        # A suffix word is never what makes a name distinctive (大学社会工作学院).
        generic=frozenset(values("generic")) | {s.text for s in suffixes},
        nation=frozenset(values("nation")),
        levels=frozenset(values("level")),
        level_groups=frozenset(g for e in entries if e.kind == "level" for g in e.groups),
        party=tuple(values("party")),
        party_prefix=party[0].prefix if party and party[0].prefix else "",
        abbrev=tuple(sorted(abbrev, key=lambda kv: len(kv[0]), reverse=True)),
        source_body={k: v for e in entries if e.kind == "source_body" for k, v in e.pairs.items()},
        source_body_province={
            k: v for e in entries if e.kind == "source_body" for k, v in e.province_pairs.items()
        },
        source_strip=tuple(sorted(values("source_strip"), key=len, reverse=True)),
        source_cues=tuple(sorted(values("source_cue"), key=len, reverse=True)),
        not_source=tuple(values("not_source")),
        legal_forms=tuple(sorted(values("legal_form"), key=len, reverse=True)),
        follow_forms=tuple(f for e in entries if e.kind == "legal_form" for f in e.follow_forms),
        bare_refs=frozenset(values("bare_ref")),
        alias_cues=tuple(sorted(values("alias_cue"), key=len, reverse=True)),
        media=tuple(values("media")),
        not_org=frozenset(t for e in entries if e.kind == "not_org" for t in e.terms),
        not_org_heads=tuple(values("not_org_head")),
        follow=frozenset(values("follow")),
        locality=tuple(values("locality")),
        lexicon=lexicon,
        lexicon_re=_alternation(list(lexicon)),
        rule_of={e.kind: e.id for e in entries},
    )


# -- places inside names ---------------------------------------------------------------------


def split_place(text: str) -> list[tuple[str, Place]] | None:
    """Split a place prefix into its parts (``河南浚县`` → 河南, 浚县), or None if unknown."""
    gaz = gazetteer()
    parts: list[tuple[str, Place]] = []
    i = 0
    while i < len(text):
        for j in range(min(len(text), i + gaz.max_len), i + 1, -1):
            variants = gaz.variants.get(text[i:j], [])
            if parts:
                fits = [v.place for v in variants if gaz.within(v.place, parts[-1][1])]
                fits = fits or [v.place for v in variants if v.standalone]
            else:
                fits = [v.place for v in variants if v.standalone]
            if fits:
                context = [p for _s, p in reversed(parts)]
                parts.append((text[i:j], gaz.resolve(fits, context)[0][0]))
                i = j
                break
        else:
            return None
    return parts or None


def canonical_place(text: str) -> str:
    """The place part of a canonical org name.

    A province in front of a lower place is dropped (``贵州省铜仁市`` → ``铜仁市``,
    ``河南浚县`` → ``浚县``); a lone short form gets its full name (``温州`` → ``温州市``).
    Unknown text stays as written.
    """
    parts = split_place(text)
    if parts is None:
        return text
    if len(parts) >= 2 and parts[0][1].level == "province":
        parts = parts[1:]
    if len(parts) == 1 and parts[0][1].level != "township":
        return parts[0][1].name
    return "".join(surface for surface, _p in parts)


def place_level_name(text: str, level_char: str) -> str | None:
    """The own name of the innermost place in ``text`` if it has the level ``level_char`` names."""
    parts = split_place(text)
    if not parts:
        return None
    place = parts[-1][1]
    if place.level not in LEVEL_OF_CHAR.get(level_char, ()):
        return None
    name = place.name if place.level != "township" else parts[-1][0]
    return name if name.endswith(level_char) else None


# -- bodies ----------------------------------------------------------------------------------


def expand_body(body: str) -> str:
    """Write out a short body form at the end of a name (``社工协会`` → ``社会工作协会``)."""
    for short, full in org_rules().abbrev:
        if body.endswith(short):
            return body[: -len(short)] + full
    return body


def with_party_prefix(name: str) -> str:
    """``武汉市委人才办…`` → ``中共武汉市委…``: a local Party committee's organs take 中共."""
    rules = org_rules()
    if not rules.party_prefix or name.startswith(rules.party_prefix):
        return name
    for word in rules.party:
        at = name.find(word)
        if at >= 0 and not name.startswith("员", at + len(word)):
            return rules.party_prefix + name
    return name


def canonical_compound(head: str, head_kind: str, body: str, normalize: bool = False) -> str:
    """Canonical name of ``head`` + ``body`` where head is a place or a parent org.

    ``head`` is already canonical for a parent org; a place head is normalized when
    ``normalize`` (government bodies); others keep it as written (吉林大学).
    """
    if head_kind == "place":
        place = canonical_place(head) if normalize else head
        return with_party_prefix(place + expand_body(body))
    return head + expand_body(body)


# -- references --------------------------------------------------------------------------------


def lexicon_canonical(name: str) -> str | None:
    """The canonical name of a lexicon organization or alias (``中社联``), else None."""
    hit = org_rules().lexicon.get(name)
    return hit.canonical if hit else None


def resolve_org(name: str, doc: Doc | None = None) -> str:
    """The canonical name of an organization as ``doc`` names it.

    Looks up, in order: ORG hits of the document with that text (so ``委员会`` after
    ``（以下简称“委员会”）`` resolves), canonical names the document already uses, the
    lexicon (``中社联`` → ``中国社会工作联合会``), then writes out short body forms.
    """
    name = name.strip("《》“”‘’「」\"' ")
    if doc is not None:
        counts: dict[str, int] = {}
        canon: set[str] = set()
        for hit in doc.hits_of("ORG"):
            if isinstance(hit.norm, str):
                canon.add(hit.norm)
                if doc.norm[hit.start : hit.end] == name:
                    counts[hit.norm] = counts.get(hit.norm, 0) + 1
        if counts:
            return max(counts, key=lambda k: counts[k])
        if name in canon:
            return name
    return lexicon_canonical(name) or expand_body(name)
