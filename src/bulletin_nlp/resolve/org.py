"""ORG rules and canonical names: the lexicon, the suffix groups, and name normalization.

:func:`org_rules` loads ``rules/org.yaml`` and ``rules/org_lexicon.yaml`` once per process.
:func:`canonical_compound` builds the canonical name of a place + body or parent + sub-body
compound (``河南浚县民政局`` → ``浚县民政局``, ``中社联党办`` → ``中国社会工作联合会党办``,
``武汉市委人才办`` → ``中共武汉市委人才工作领导小组办公室``). :func:`resolve_org` gives
the canonical name of any organization name as a document uses it, for the facts and roles
stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Literal

import regex
from pydantic import Field, model_validator

from ..gazetteer import Place, gazetteer
from ..rules import RuleEntry, load_entries

if TYPE_CHECKING:
    from ..doc import Doc
    from ..spans import Hit

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
    "local_body",
    "outlet",
    "party_tail",
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
    # suffix: a level word alone before it names the article's body (市委, 县委)
    level_alone: bool = False
    # suffix: the suffix alone is a body's whole name (纪委, 组织部); it needs a parent
    bare: bool = False
    # suffix: a suffix that implies the level of its place (厅: 省): 民政厅 -> 福建省民政厅
    implied_levels: dict[str, str] = Field(default_factory=dict)
    # suffix: a place's body needs a word that is not generic (江永县基层社工站 is none)
    named_body: bool = False
    # suffix: a lone short place form is written out (济南慈善总会 -> 济南市慈善总会)
    full_place: bool = False
    # local_body: the body word after a place (委, 人大常委会, 政协), the canonical
    # template of the place's body ({place} its name), the stem its organs' names start
    # with, and the words that may stand before the place (中共, 团)
    head: str | None = None
    template: str | None = None
    stem: str | None = None
    prefixes: list[str] = Field(default_factory=list)
    require_prefix: bool = False
    # outlet: a pattern whose group `name` (or `name2`) is a news outlet's name
    pattern: str | None = None

    @model_validator(mode="after")
    def _fields_of_kind(self) -> OrgRule:
        if self.kind == "suffix" and not (self.group and self.policy and self.values):
            raise ValueError("a suffix entry needs group, policy and values")
        if self.kind == "outlet":
            if not self.pattern:
                raise ValueError("an outlet entry needs a pattern")
            try:
                compiled = regex.compile(self.pattern)
            except regex.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from exc
            if "name" not in compiled.groupindex:
                raise ValueError("an outlet pattern needs a group named name")
        if self.kind == "local_body":
            if not (self.head and self.template and "{place}" in self.template):
                raise ValueError("a local_body entry needs head and a template with {place}")
            if self.stem is not None and "{place}" not in self.stem:
                raise ValueError("a local_body stem needs {place}")
            if self.require_prefix and not self.prefixes:
                raise ValueError("a local_body entry that requires a prefix needs prefixes")
        if self.kind in ("party", "party_tail") and not self.prefix:
            raise ValueError(f"a {self.kind} entry needs prefix")
        if self.kind == "party_tail" and not self.pairs:
            raise ValueError("a party_tail entry needs pairs")
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
    level_alone: bool = False
    bare: bool = False
    implied_level: str | None = None
    named_body: bool = False
    full_place: bool = False


@dataclass(frozen=True, slots=True)
class LocalBody:
    """A place's own body (``委`` after a place: ``中共{place}委员会``)."""

    head: str
    template: str
    stem: str | None
    prefixes: tuple[str, ...]
    require_prefix: bool
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
    local_bodies: tuple[LocalBody, ...] = ()  # longest head first
    outlets: tuple[tuple[regex.Pattern[str], tuple[str, ...], str], ...] = ()
    party_tails: tuple[tuple[str, str, str], ...] = ()  # (tail, full, prefix): 党委
    local_prefixes: tuple[str, ...] = ()  # longest first
    # Bodies of the national ministries (民政 of 民政部): a province's department of the
    # same body (民政厅) is named by it.
    ministry_bodies: frozenset[str] = frozenset()

    # Tuples for ``str.startswith``/``endswith``, which test them in one call.
    @cached_property
    def long_follow(self) -> tuple[str, ...]:
        """Words that follow a name of two characters or more (titles: 处长)."""
        return tuple(t for t in self.follow if len(t) > 1)

    @cached_property
    def level_alone_suffixes(self) -> tuple[str, ...]:
        """Suffixes that may follow a level word alone (市委)."""
        return tuple(x.text for x in self.suffixes if x.level_alone)

    @cached_property
    def long_suffixes(self) -> tuple[str, ...]:
        """Suffixes of two characters or more."""
        return tuple(x.text for x in self.suffixes if len(x.text) > 1)


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
            e.level_alone,
            e.bare,
            e.implied_levels.get(v),
            e.named_body,
            e.full_place,
        )
        for e in entries
        if e.kind == "suffix"
        for v in e.values
    ]
    local = [
        LocalBody(
            e.head or "",
            e.template or "",
            e.stem,
            tuple(e.prefixes),
            e.require_prefix,
            e.id,
        )
        for e in entries
        if e.kind == "local_body"
    ]
    local.sort(key=lambda b: len(b.head), reverse=True)
    ministries = {
        name[:-1]
        for lex in lex_entries
        if lex.group == "national"
        for name in [lex.canonical, *lex.aliases]
        if name.endswith("部") and len(name) >= 3 and not name.startswith(("中共", "中央"))
    }
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
        local_bodies=tuple(local),
        local_prefixes=tuple(sorted({x for b in local for x in b.prefixes}, key=len, reverse=True)),
        ministry_bodies=frozenset(ministries),
        party_tails=tuple(
            (k, v, e.prefix or "")
            for e in entries
            if e.kind == "party_tail"
            for k, v in e.pairs.items()
        ),
        outlets=tuple(
            (regex.compile(e.pattern), tuple(e.values), e.id)
            for e in entries
            if e.kind == "outlet" and e.pattern
        ),
    )


# -- places inside names ---------------------------------------------------------------------


def split_place(text: str, context: Sequence[Place] = ()) -> list[tuple[str, Place]] | None:
    """Split a place prefix into its parts (``河南浚县`` → 河南, 浚县), or None if unknown.

    ``context``: places the text is read among (an article's), nearest first; they pick
    among same-named places (鼓楼区 of 南京市 or of 福州市).
    """
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
                known = [p for _s, p in reversed(parts)] + list(context)
                parts.append((text[i:j], gaz.resolve(fits, known)[0][0]))
                i = j
                break
        else:
            return None
    return parts or None


def own_name(place: Place) -> str:
    """The name a place's bodies carry: a district carries its city (``南京市鼓楼区``);
    a province, city, county, banner or county-level city stands alone."""
    if place.level == "county" and place.name.endswith("区") and place.parent:
        parent = gazetteer().by_adcode.get(place.parent)
        if parent is not None:
            return parent.name + place.name
    return place.name


def canonical_place(text: str, context: Sequence[Place] = ()) -> str:
    """The place part of a canonical org name.

    The innermost place above a township names it (``贵州省铜仁市`` → ``铜仁市``, ``河南浚县``
    → ``浚县``, ``滁州天长市`` → ``天长市``, ``温州`` → ``温州市``); a district carries its
    city (``鼓楼区`` → ``南京市鼓楼区``, the one ``context`` picks).
    Unknown text stays as written.
    """
    parts = split_place(text, context)
    if parts is None:
        return text
    if len(parts) >= 2 and parts[0][1].level == "province":
        parts = parts[1:]
    if parts[-1][1].level != "township":  # 滁州天长市 -> 天长市, 鼓楼区 -> 南京市鼓楼区
        return own_name(parts[-1][1])
    return "".join(surface for surface, _p in parts)


def full_place(text: str) -> str:
    """A lone short place form written out (``济南`` → ``济南市``); else ``text``."""
    parts = split_place(text)
    if parts and len(parts) == 1 and parts[0][1].level != "township":
        return parts[0][1].name
    return text


def _has_level(place: Place, level_char: str) -> bool:
    levels = LEVEL_OF_CHAR.get(level_char, ())
    if place.level == "province" and level_char == "市":  # 北京市, 上海市
        return place.name.endswith("市")
    return place.level in levels and place.name.endswith(level_char)


def level_place_name(places: Sequence[tuple[str, Place]], level_char: str) -> str | None:
    """The place of the level ``level_char`` names (市: a city), among ``places`` (surface,
    place) in order of preference: the first of that level, else the first that lies in
    one (鼓楼区 → 南京市 for 市). A district carries its city."""
    for surface, place in places:
        if _has_level(place, level_char):
            return surface if place.level == "township" else own_name(place)
    by_adcode = gazetteer().by_adcode
    for _surface, place in places:
        if place.level == "township":
            place = by_adcode.get(place.adcode, place)  # its county
            if _has_level(place, level_char):
                return own_name(place)
        parent = place.parent
        while parent is not None and parent in by_adcode:
            above = by_adcode[parent]
            if _has_level(above, level_char):
                return own_name(above)
            parent = above.parent
    return None


def hit_place(doc: Doc, hit: Hit) -> tuple[str, Place] | None:
    """(surface, place) of a resolved PLACE hit: the place its surface names with the
    hit's adcode (a merged district keeps its own name), else the adcode's place."""
    if not isinstance(hit.norm, dict):
        return None
    gaz = gazetteer()
    adcode = str(hit.norm.get("adcode") or "")
    surface = doc.norm[hit.start : hit.end]
    fits = [v.place for v in gaz.variants_of(surface) if v.place.adcode == adcode]
    place = fits[0] if fits else gaz.by_adcode.get(adcode)
    return (surface, place) if place is not None else None


def doc_place_groups(doc: Doc, pos: int) -> tuple[list[tuple[str, Place]], ...]:
    """(surface, place) of the PLACE hits of the article holding ``pos``: those before it
    (nearest first), the article's main place, those after it."""
    gaz = gazetteer()
    art = doc.article_index(pos)
    before: list[tuple[str, Place]] = []
    after: list[tuple[str, Place]] = []
    for hit in sorted(doc.hits_of("PLACE"), key=lambda h: h.start):
        if doc.article_index(hit.start) != art:
            continue
        pair = hit_place(doc, hit)
        if pair is not None:
            (before if hit.end <= pos else after).append(pair)
    main: list[tuple[str, Place]] = []
    if doc.articles and doc.articles[art].place:
        found = gaz.by_adcode.get(str(doc.articles[art].place))
        if found is not None:
            main = [(found.name, found)]
    return before[::-1], main, after


def article_level_name(doc: Doc, pos: int, level_char: str) -> str | None:
    """The article's place of the level ``level_char`` names (市 of 副市长 at ``pos``):
    among its places before ``pos``, then its main place, then those after."""
    for group in doc_place_groups(doc, pos):
        name = level_place_name(group, level_char)
        if name:
            return name
    return None


# -- bodies ----------------------------------------------------------------------------------


def expand_body(body: str) -> str:
    """Write out a short body form at the end of a name (``社工协会`` → ``社会工作协会``)."""
    for short, full in org_rules().abbrev:
        if body.endswith(full):
            return body
        if body.endswith(short):
            return body[: -len(short)] + full
    return body


def with_party_prefix(name: str) -> str:
    """``武汉市委人才办…`` → ``中共武汉市委…``: a local Party committee's organs take 中共;
    a body's Party committee is named in full (临渭区社会组织党委 → 中共临渭区社会组织委员会)."""
    rules = org_rules()
    for tail, full, prefix in rules.party_tails:
        if name.endswith(tail) and len(name) > len(tail):
            name = name[: -len(tail)] + full
            return name if name.startswith(prefix) else prefix + name
    if not rules.party_prefix or name.startswith(rules.party_prefix):
        return name
    for word in rules.party:
        at = name.find(word)
        if at >= 0 and not name.startswith("员", at + len(word)):
            return rules.party_prefix + name
    return name


def local_body(place: str, body: str, prefix: str = "") -> tuple[str, str] | None:
    """(canonical name, stem) of a place's own body or one of its organs, by the
    ``local_body`` templates: (南京市, 委) → 中共南京市委员会; (南京市, 委组织部) →
    中共南京市委组织部; (南京市, 委, 团) → 共青团南京市委员会. None when no template fits."""
    rules = org_rules()
    if len(body) > 1 and place and body[0] == place[-1] and body[0] in rules.levels:
        body = body[1:]  # 东湖区|区委: the place's level word again
    for lb in rules.local_bodies:
        if prefix and prefix not in lb.prefixes or lb.require_prefix and not prefix:
            continue
        if body == lb.head:
            full = lb.template.format(place=place)
            return full, (lb.stem or lb.template).format(place=place)
        if lb.stem and body.startswith(lb.head):
            stem = lb.stem.format(place=place)
            name = stem + expand_body(body[len(lb.head) :])
            return name, name
    return None


def place_body_name(place: str, body: str, prefix: str = "") -> str:
    """Canonical name of ``place`` + ``body`` (``place`` already canonical)."""
    rules = org_rules()
    if any(short == body for short, _full in rules.abbrev) and not any(
        lb.head == body for lb in rules.local_bodies
    ):
        return with_party_prefix(place + expand_body(body))  # 市府办 -> …人民政府办公室
    found = local_body(place, body, prefix)
    if found is not None:
        return found[0]
    return with_party_prefix(place + expand_body(body))


def child_name(parent: str, body: str) -> str:
    """Canonical name of an organ of ``parent`` (a canonical name): a place's Party
    committee names its organs by its stem (中共南京市委员会 + 组织部 → 中共南京市委组织部)."""
    name = org_stem(parent) + expand_body(body)
    if any(name.endswith(tail) for tail, _f, _p in org_rules().party_tails):
        return with_party_prefix(name)
    return name


def org_stem(canonical: str) -> str:
    """The name a body's organs start with: its ``local_body`` stem, else itself."""
    for lb in org_rules().local_bodies:
        if not lb.stem:
            continue
        before, _, after = lb.template.partition("{place}")
        if (
            canonical.startswith(before)
            and canonical.endswith(after)
            and len(canonical) > len(before) + len(after)
        ):
            place = canonical[len(before) : len(canonical) - len(after)]
            if split_place(place):
                return lb.stem.format(place=place)
    return canonical


def canonical_compound(
    head: str,
    head_kind: str,
    body: str,
    normalize: bool = False,
    context: Sequence[Place] = (),
    prefix: str = "",
) -> str:
    """Canonical name of ``head`` + ``body`` where head is a place or a parent org.

    ``head`` is already canonical for a parent org; a place head is normalized when
    ``normalize`` (government bodies); others keep it as written (吉林大学). ``prefix``
    is a word written before the place (中共, 团).
    """
    if head_kind == "place":
        place = canonical_place(head, context) if normalize else head
        return place_body_name(place, body, prefix)
    return child_name(head, body)


def canonical_local(name: str) -> str | None:
    """The canonical name of a place's body written out (``中共南京市委`` → 中共南京市委员会,
    ``团南京市委``, ``浚县人大常委会``), else None."""
    rules = org_rules()
    for prefix in (*rules.local_prefixes, ""):
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix) :]
        for lb in rules.local_bodies:
            at = rest.find(lb.head, 2)
            while at > 0:
                place = rest[:at]
                parts = split_place(place)
                if parts and place[-1] in rules.levels:
                    found = local_body(canonical_place(place), rest[at:], prefix)
                    if found is not None:
                        return found[0]
                at = rest.find(lb.head, at + 1)
    return None


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
    return lexicon_canonical(name) or canonical_local(name) or expand_body(name)
