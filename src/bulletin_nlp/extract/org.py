"""ORG mentions: named organizations, with their canonical full names.

Four sources of candidates, all in ``doc.norm`` offsets:

1. the lexicon of well-known bodies and their aliases (``中社联``);
2. suffix rules (``…局``, ``…协会``, ``…社工站``): from the suffix, a walk leftwards over
   jieba tokens collects the name until a stop (punctuation, a stop word, a function word,
   a verb that is not a name word). A place, a known organization or a national prefix at
   the left edge anchors the name (``台州市民政局``, ``中社联党办``, ``中国丝路集团``);
   without one, the name must be distinctive (``丝路国际公益基金``) or, for sub-bodies
   (``婚姻家庭工作委员会``, ``慈善社工处``), have a parent organization nearby;
3. source lines ``（据…）`` and newspaper titles ``《…日报》``;
4. references resolved against the whole document (:mod:`._org_refs`): aliases
   introduced by ``（以下简称“…”）``, level words (``省民政厅``), bare suffixes
   (``总局``), short company names (``恒华科技``) and near-identical variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import ahocorasick
import regex

from ..doc import Doc
from ..gazetteer import gazetteer
from ..resolve_org import (
    OrgRules,
    Suffix,
    canonical_compound,
    canonical_place,
    expand_body,
    org_rules,
    split_place,
    with_party_prefix,
)
from ..segment import PosTokens, word_freq
from ..spans import Hit
from .place import _matches as gazetteer_matches

# Characters allowed inside a name; anything else ends the walk.
_NAME_CHAR = regex.compile(r"[\p{Han}A-Za-z]")
_ORDINAL = regex.compile(r"第[一二三四五六七八九十百零〇\d]+")
_MAX_NAME = 40  # characters a walk may cover
_PRIORITY, _SOURCE_PRIORITY = 1, 2
# A word this frequent in jieba's dictionary is a common word (互联网, 营业厅), not a name.
_COMMON_FREQ = 1000
# A name jieba's dictionary holds this often is a known entity (清华大学), not an ad-hoc word.
_KNOWN_NAME_FREQ = 10
# jieba tags of proper names and unknown words (a station or platform needs one to be named).
_PROPER_POS = frozenset({"nr", "nrfg", "nrt", "nz", "nt", "x", "eng", "j"})


@dataclass
class Cand:
    """An ORG candidate: span, canonical name (None until resolved) and how it was found."""

    start: int
    end: int
    text: str
    group: str
    how: str  # lexicon, place, org, nation, name, sub, deictic, source, alias, bare, short
    canonical: str | None
    rule_id: str
    suffix: Suffix | None = None
    parent: str | None = None  # canonical of the parent organization (org-anchored)
    body: str = ""  # the text after the anchor (sub-body of a parent)
    wide_start: int | None = None  # start if a conjunction is read as part of the name


@dataclass
class Unit:
    """A piece of the walk: a token, a place, a known organization or a bracketed place."""

    start: int
    end: int
    text: str
    kind: str  # tok, place, org, nation, paren
    pos: str = ""
    org: Cand | None = None


@lru_cache(maxsize=8)
def _locality_pattern(words: tuple[str, ...]) -> Any:
    """A two- or three-character Han stem, then one of the locality words (in order)."""
    return regex.compile(r"(\p{Han}{2,3}?)(?:" + "|".join(map(regex.escape, words)) + ")")


@dataclass
class Context:
    """Per-document views the finders share: tokens, places, accepted organizations."""

    doc: Doc
    rules: OrgRules
    # jieba.posseg tokens, tagged lazily around the offsets asked about; ``in`` tests a
    # token boundary. Tagging the whole document would cost more than all the rest.
    tokens: PosTokens = field(init=False)
    place_end: dict[int, list[int]] = field(default_factory=dict)  # end -> starts
    places: list[tuple[int, int]] = field(default_factory=list)
    accepted: dict[int, list[Cand]] = field(default_factory=dict)  # end -> candidates
    aliases: dict[str, Cand] = field(default_factory=dict)  # short name -> its owner

    def __post_init__(self) -> None:
        self.tokens = self.doc.pos_tokens
        self._find_places()

    @property
    def bounds(self) -> PosTokens:
        """Token boundaries (membership tests only)."""
        return self.tokens

    def _find_places(self) -> None:
        """PLACE hits of the place stage (gazetteer names when it found none) and localities."""
        # The place stage does not report places inside a longer token (武汉市委): the
        # gazetteer adds provinces, cities and counties; townships need the stage's context.
        spans = {(h.start, h.end) for h in self.doc.hits_of("PLACE")}
        spans |= self._gazetteer_places()
        spans |= self._localities(spans)
        self.places = sorted(spans)
        for s, e in self.places:
            self.place_end.setdefault(e, []).append(s)

    def _opens(self, s: int, place_ends: set[int]) -> bool:
        """Whether a name may start at ``s``: after punctuation, a stop word or a place."""
        if s == 0 or s in place_ends or not _NAME_CHAR.match(self.doc.norm[s - 1]):
            return True
        word, pos, _ts, te = self.tokens.at(s - 1)
        rules = self.rules
        return te == s and (word in rules.stop or word in rules.cross or pos in rules.stop_pos)

    def _gazetteer_places(self) -> set[tuple[int, int]]:
        """Gazetteer names at token starts; townships (城关镇) only where a name may start."""
        spans: set[tuple[int, int]] = set()
        gaz = gazetteer()
        found = gazetteer_matches(self.doc.norm)  # start -> surfaces, longest first
        prev_end = -1
        for s in sorted(found):  # token starts without a surface add nothing
            if s < prev_end or s not in self.tokens:
                continue
            surfaces = found[s]
            opens = self._opens(s, {prev_end})
            for surface in surfaces:
                if len(surface) < 2:
                    continue
                variants = [
                    v for v in gaz.variants_of(surface) if v.place.level != "township" or opens
                ]
                if variants and (any(v.standalone for v in variants) or s == prev_end):
                    j = s + len(surface)
                    spans.add((s, j))
                    prev_end = j
                    break
        return spans

    def _localities(self, spans: set[tuple[int, int]]) -> set[tuple[int, int]]:
        """Communities and villages (义和社区, 向阳村) where a name may start."""
        rules, norm = self.rules, self.doc.norm
        place_ends = {e for _s, e in spans}
        found: set[tuple[int, int]] = set()
        if not rules.locality:
            return found
        pattern = _locality_pattern(tuple(rules.locality))
        # A match has a two- or three-character stem before a locality word: try the
        # pattern only there (what an overlapped scan finds, without trying every offset).
        starts: set[int] = set()
        for locality in rules.locality:
            p = norm.find(locality, 2)
            while p >= 0:
                starts.update((p - 2, p - 3))
                p = norm.find(locality, p + 1)
        starts.discard(-1)
        for s in sorted(starts):
            m = pattern.match(norm, s)
            if m is None:
                continue
            stem = m.group(1)
            if not self._opens(s, place_ends):
                continue
            word, pos, ts, _te = self.tokens.at(s)
            if ts != s or stem in rules.generic or stem in rules.stop or word in rules.stop:
                continue
            if pos.startswith("v") or pos in rules.stop_pos:
                continue
            found.add(m.span())
        return found

    def accept(self, cand: Cand) -> None:
        self.accepted.setdefault(cand.end, []).append(cand)

    def all_accepted(self) -> list[Cand]:
        return [c for cands in self.accepted.values() for c in cands]

    def covered(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps an accepted candidate."""
        return any(c.start < end and start < c.end for c in self.all_accepted())

    @cached_property
    def title_spans(self) -> list[tuple[int, int]]:
        """Insides of 《…》 titles (names there belong to the document title)."""
        return [
            (m.start() + 1, m.end() - 1) for m in regex.finditer(r"《[^《》]*》", self.doc.norm)
        ]

    def in_title(self, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in self.title_spans)


# -- the left walk -------------------------------------------------------------------------


def _unit_ending_at(ctx: Context, p: int, floor: int) -> Unit | None:
    """The unit of text ending at ``p`` (not starting before ``floor``), or None at a stop."""
    norm = ctx.doc.norm
    if p <= floor:
        return None
    orgs = [c for c in ctx.accepted.get(p, []) if c.start >= floor]
    if orgs:
        org = min(orgs, key=lambda c: c.start)
        return Unit(org.start, p, org.text, "org", org=org)
    starts = [s for s in ctx.place_end.get(p, []) if s >= floor]
    if starts:
        s = min(starts)
        return Unit(s, p, norm[s:p], "place")
    ch = norm[p - 1]
    if ch == "）":
        q = norm.rfind("（", floor, p)
        inner = norm[q + 1 : p - 1] if q >= 0 else ""
        if inner and ")" not in inner and split_place(inner):
            return Unit(q, p, norm[q:p], "paren")
        return None
    if not _NAME_CHAR.match(ch):
        return None
    word, pos, ts, _te = ctx.tokens.at(p - 1)
    ts = max(ts, floor)
    # A place or an organization may end inside this token (小河|镇政府): split there.
    inner_ends = [e for e in ctx.place_end if ts < e < p] + [e for e in ctx.accepted if ts < e < p]
    if inner_ends:
        ts = max(inner_ends)
    text = norm[ts:p]
    if any(not _NAME_CHAR.match(c) for c in text):
        return None
    kind = "nation" if text in ctx.rules.nation else "tok"
    # A clipped token keeps its tag only if jieba knows the whole word as a name (清华|大学),
    # not for a generic one (外贸|公司).
    if text != word and not (pos in _PROPER_POS and word_freq(word) >= _KNOWN_NAME_FREQ):
        pos = ""
    return Unit(ts, p, text, kind, pos)


def _stops(ctx: Context, unit: Unit) -> bool:
    """Whether a token unit cannot be part of a name."""
    rules = ctx.rules
    if unit.kind != "tok":
        return False
    if unit.text in rules.stop or unit.text in rules.follow:
        return True
    if _ORDINAL.fullmatch(unit.text):
        return False
    if unit.pos in rules.stop_pos:
        return True
    if not unit.pos.startswith("v") or unit.pos == "vn" or unit.text in rules.name_words:
        return False
    return word_freq(unit.text) >= rules.rare_verb_freq


def _person_like(unit: Unit) -> bool:
    """An unknown word tagged as a person's name (张文与…): a conjunction after it joins two."""
    return unit.pos.startswith("nr") and word_freq(unit.text) == 0


def _ends_org(ctx: Context, unit: Unit) -> bool:
    return unit.kind in ("org", "place") or any(
        unit.text.endswith(s.text) for s in ctx.rules.suffixes if len(s.text) > 1
    )


def walk_left(ctx: Context, start: int) -> list[Unit]:
    """The units of the name ending right before ``start``, left to right."""
    sent = ctx.doc.sentence_at(start)
    floor = max(start - _MAX_NAME, sent.start if sent else 0, 0)
    units: list[Unit] = []
    p = start
    while True:
        unit = _unit_ending_at(ctx, p, floor)
        if unit is None:
            break
        if unit.kind == "tok" and unit.text in ctx.rules.cross:
            left = _unit_ending_at(ctx, unit.start, floor)
            if left is None or _ends_org(ctx, left) or _stops(ctx, left) or _person_like(left):
                break
        elif _stops(ctx, unit):
            break
        units.append(unit)
        p = unit.start
    units.reverse()
    # jieba glues a function word onto an unknown name (由林达, 了泽东): cut it off.
    if units and units[0].kind == "tok" and len(units[0].text) >= 2:
        head = units[0]
        if head.text[0] in ctx.rules.stop | ctx.rules.cross and word_freq(head.text) == 0:
            units[0] = Unit(head.start + 1, head.end, head.text[1:], "tok", head.pos)
    return units


def _distinctive(ctx: Context, unit: Unit) -> bool:
    """A unit that makes a name a name: not a generic word, not a verb, two chars or more."""
    rules = ctx.rules
    if unit.kind != "tok" or len(unit.text) < 2:
        return False
    if unit.pos.startswith("v") and unit.pos != "vn":
        return False
    return not (
        unit.text in rules.generic or unit.text in rules.cross or unit.text in rules.name_words
    )


# -- candidates ------------------------------------------------------------------------------


# id(rules) -> (rules, automaton of the suffix texts): OrgRules holds dicts, so it cannot be
# an lru_cache key.
_SUFFIX_INDEX: dict[int, tuple[OrgRules, ahocorasick.Automaton]] = {}


def _suffix_automaton(rules: OrgRules) -> ahocorasick.Automaton:
    """Every suffix text, valued by its rule (the first rule of each text)."""
    cached = _SUFFIX_INDEX.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    by_text: dict[str, Suffix] = {}
    for suffix in rules.suffixes:
        if suffix.text:
            by_text.setdefault(suffix.text, suffix)
    auto = ahocorasick.Automaton()
    for text, suffix in by_text.items():
        auto.add_word(text, suffix)
    auto.make_automaton()
    _SUFFIX_INDEX[id(rules)] = (rules, auto)
    return auto


def _suffix_ends(ctx: Context) -> list[tuple[int, Suffix]]:
    """(end, the longest suffix rule ending there) for every offset where one ends, ascending."""
    longest: dict[int, Suffix] = {}
    for last, suffix in _suffix_automaton(ctx.rules).iter(ctx.doc.norm):
        found = longest.get(last + 1)
        if found is None or len(suffix.text) > len(found.text):
            longest[last + 1] = suffix
    return sorted(longest.items())


def _proper(ctx: Context, unit: Unit) -> bool:
    """A unit that looks like a proper name: a name tag or a word jieba does not know."""
    if not _distinctive(ctx, unit):
        return False
    return unit.pos in _PROPER_POS or word_freq(unit.text) == 0


def _licence(ctx: Context, units: list[Unit], suffix: Suffix, s: int, e: int) -> Cand | None:
    """Turn a walk into a candidate, or None when nothing licenses it."""
    norm = ctx.doc.norm
    anchors = [
        i
        for i, u in enumerate(units)
        if u.kind in ("place", "org", "nation") and u.kind in suffix.anchors
    ]
    if anchors:
        i = anchors[0]
        head = units[i]
        if head.kind == "org" and head.org is not None:
            body = norm[head.end : e]
            canon = canonical_compound(head.org.canonical or head.text, "org", body)
            return Cand(
                head.start,
                e,
                norm[head.start : e],
                suffix.group,
                "org",
                canon,
                suffix.rule_id,
                suffix,
                parent=head.org.canonical,
                body=body,
            )
        if head.kind == "place":
            j = i
            while j + 1 < len(units) and units[j + 1].kind == "place":
                j += 1
            if suffix.place_bodies and not norm.startswith(suffix.place_bodies, units[j].end):
                return None
            place_text = norm[head.start : units[j].end]
            canon = canonical_compound(
                place_text, "place", norm[units[j].end : e], suffix.normalize_place
            )
            return Cand(
                head.start,
                e,
                norm[head.start : e],
                suffix.group,
                "place",
                canon,
                suffix.rule_id,
                suffix,
            )
        text = norm[head.start : e]
        return Cand(
            head.start, e, text, suffix.group, "nation", expand_body(text), suffix.rule_id, suffix
        )
    # Without an anchor a conjunction is not crossed (平台优势与婚姻家庭工作委员会) unless a
    # known name says so later (妇女与婚姻家庭工作委员会): keep the wide start aside.
    wide = units[0].start if units else None
    cuts = [i for i, u in enumerate(units) if u.kind == "tok" and u.text in ctx.rules.cross]
    if cuts:
        units = units[cuts[-1] + 1 :]
    first = units[0] if units else None
    place_ends = {e2 for _s2, e2 in ctx.places}
    if (
        first is not None
        and suffix.group in ctx.rules.level_groups
        and first.text[0] in ctx.rules.levels
        and (
            first.text in ctx.rules.levels
            or first.text in ctx.rules.party
            or word_freq(first.text) == 0  # jieba's 市人|社局
        )
        and first.start not in place_ends
    ):
        text = norm[first.start : e]
        if len(text) < 3:
            return None
        return Cand(first.start, e, text, suffix.group, "deictic", None, suffix.rule_id, suffix)
    start = first.start if first else s
    text = norm[start:e]
    if (
        suffix.policy == "name"
        and any(_distinctive(ctx, u) for u in units)
        or (suffix.policy == "proper" and any(_proper(ctx, u) for u in units))
    ):
        return Cand(start, e, text, suffix.group, "name", expand_body(text), suffix.rule_id, suffix)
    if suffix.policy == "parent" and e - start - len(suffix.text) >= 2:
        return Cand(
            start,
            e,
            text,
            suffix.group,
            "sub",
            None,
            suffix.rule_id,
            suffix,
            wide_start=wide if cuts else None,
        )
    return None


def find_lexicon(ctx: Context) -> None:
    """Lexicon names and aliases that end where a name may end (民政部 but not 民政部门;
    民政部党组成员 although jieba cuts 民政|部党组)."""
    norm = ctx.doc.norm
    for m in ctx.rules.lexicon_re.finditer(norm):
        if not _is_end(ctx, m.end()) or ctx.in_title(m.start(), m.end()):
            continue
        lex = ctx.rules.lexicon[m.group()]
        ctx.accept(
            Cand(m.start(), m.end(), m.group(), lex.group, "lexicon", lex.canonical, lex.rule_id)
        )


def _is_end(ctx: Context, e: int) -> bool:
    """Whether a name may end at ``e``: a token end, or inside a token that glues on a title
    (总局局长)."""
    if e in ctx.bounds:
        return True
    word, _pos, _ts, te = ctx.tokens.at(e)
    return len(word) > te - e and word[e - te :] in ctx.rules.follow


def _suffix_token_ok(ctx: Context, s: int, e: int) -> bool:
    """Whether a suffix that is the tail of a longer jieba token really ends a name.

    Not when the token is a verb (主办, 督办) or a common two-character word (格局, 内部,
    场所): only name-like tokens (社会保障部, 镇政府, 考试网) end in a suffix.
    """
    word, pos, ts, te = ctx.tokens.at(e - 1)
    if te != e:
        return True
    if ts >= s:  # the suffix is the token: 所 as a particle (人所称) is none
        return not (e - s == 1 and pos in ctx.rules.stop_pos)
    if word in ctx.rules.name_words:
        return True
    if pos.startswith("v") or _stops(ctx, Unit(ts, te, word, "tok", pos)):
        return False
    if pos in _PROPER_POS:
        return True
    freq = word_freq(word)
    return not (len(word) == 2 and freq > 0 or e - s == 1 and freq >= _COMMON_FREQ)


def find_suffixed(ctx: Context) -> None:
    """Names ending in an org suffix, shortest end first so inner names anchor outer ones."""
    norm = ctx.doc.norm
    rules = ctx.rules
    for e, suffix in _suffix_ends(ctx):
        if ctx.accepted.get(e) or not _is_end(ctx, e):
            continue
        s = e - len(suffix.text)
        if not _suffix_token_ok(ctx, s, e):
            continue
        cand = _licence(ctx, walk_left(ctx, s), suffix, s, e)
        if cand is None or ctx.in_title(cand.start, cand.end):
            continue
        if any(norm.endswith(t, 0, e) and len(t) >= len(cand.text) for t in rules.not_org):
            continue
        if cand.text == suffix.text and cand.how not in ("org", "place"):
            continue
        ctx.accept(cand)


def find_sources(ctx: Context) -> None:
    """Source lines ``（据《台州日报》）``, ``（据“长春朝阳”微信公众号）``, ``（据温州民政）``."""
    norm = ctx.doc.norm
    rules = ctx.rules
    cues = "|".join(regex.escape(c) for c in rules.source_cues) or "据"
    for m in regex.finditer(r"（(?:" + cues + r")([^（）\n]{2,40})）", norm):
        s, e = m.start(1), m.end(1)
        text = norm[s:e]
        if any(word in text for word in rules.not_source):
            continue
        for word in rules.source_strip:
            if text.endswith(word) and len(text) > len(word):
                e -= len(word)
                text = text[: -len(word)]
                break
        if len(text) >= 2 and text[0] in "《“" and text[-1] in "》”":
            s, e, text = s + 1, e - 1, text[1:-1]
        if len(text) < 2 or not all(_NAME_CHAR.match(c) for c in text):
            continue
        if any(c.start == s for c in ctx.accepted.get(e, [])):
            continue  # the suffix rules found this very name
        # Drop partial candidates inside the source name: the source is the whole name.
        for cands in ctx.accepted.values():
            cands[:] = [c for c in cands if not (s <= c.start and c.end <= e)]
        lex = rules.lexicon.get(text)
        canon = lex.canonical if lex else _source_canonical(ctx, text)
        ctx.accept(
            Cand(
                s,
                e,
                text,
                lex.group if lex else "media",
                "source",
                canon,
                rules.rule_of.get("source_cue", "source"),
            )
        )


def _source_canonical(ctx: Context, text: str) -> str:
    """``温州民政`` → ``温州市民政局``: a place followed by a short body name."""
    rules = ctx.rules
    for short, full in rules.source_body.items():
        if text.endswith(short) and len(text) > len(short):
            parts = split_place(text[: -len(short)])
            if parts:
                level = parts[-1][1].level
                body = rules.source_body_province.get(short, full) if level == "province" else full
                return with_party_prefix(canonical_place(text[: -len(short)]) + body)
    return text


_TITLE = regex.compile(r"《([^《》\n]{2,20})》")


def find_media_titles(ctx: Context) -> None:
    """Newspapers named in 《》 (``《台州日报》``), outside source lines too."""
    for m in _TITLE.finditer(ctx.doc.norm):
        text = m.group(1)
        if not text.endswith(ctx.rules.media) or ctx.covered(m.start(1), m.end(1)):
            continue
        lex = ctx.rules.lexicon.get(text)
        ctx.accept(
            Cand(
                m.start(1),
                m.end(1),
                text,
                "media",
                "source",
                lex.canonical if lex else text,
                ctx.rules.rule_of.get("media", "media"),
            )
        )


def extract(doc: Doc) -> list[Hit]:
    """ORG hits of ``doc`` with canonical names, non-overlapping (the outermost kept)."""
    from ._org_refs import resolve_references

    ctx = Context(doc, org_rules())
    find_lexicon(ctx)
    find_suffixed(ctx)
    find_sources(ctx)
    find_media_titles(ctx)
    cands = resolve_references(ctx)
    kept: list[Cand] = []
    for cand in sorted(cands, key=lambda c: (-(c.end - c.start), c.start)):
        if cand.canonical is None or any(k.start < cand.end and cand.start < k.end for k in kept):
            continue
        kept.append(cand)
    kept.sort(key=lambda c: c.start)
    return [
        Hit(
            c.start,
            c.end,
            "ORG",
            c.canonical,
            c.rule_id,
            priority=_SOURCE_PRIORITY if c.how == "source" else _PRIORITY,
            attrs={"group": c.group, "how": c.how, "parent": c.parent},
        )
        for c in kept
    ]
