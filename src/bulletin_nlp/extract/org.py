"""ORG mentions: named organizations, with their canonical full names.

Four sources of candidates, all in ``doc.norm`` offsets:

1. the lexicon of well-known bodies and their aliases (``中社联``);
2. suffix rules (``…局``, ``…协会``, ``…社工站``): from the suffix, a walk leftwards over
   jieba tokens collects the name until a stop (punctuation, a stop word, a function word,
   a verb that is not a name word). A place, a known organization or a national prefix at
   the left edge anchors the name (``台州市民政局``, ``中社联党办``, ``中国丝路集团``);
   without one, the name must be distinctive (``丝路国际公益基金``) or, for sub-bodies
   (``婚姻家庭工作委员会``, ``慈善社工处``, ``政法委``), have a parent organization nearby.
   A place's own bodies (``南京市委``, ``浚县人大常委会``, ``市政协``) are named by the
   ``local_body`` templates (``中共南京市委员会``), their organs by the templates' stems
   (``市委组织部`` → ``中共南京市委组织部``); a district carries its city;
3. source lines ``（据…）``, newspaper titles ``《…日报》`` and news outlets outside
   brackets (``红网时刻衡阳3月10日讯``, ``来源：大众日报``, a header beside a timestamp);
4. references resolved against the whole document (:mod:`._org_refs`): aliases
   introduced by ``（以下简称“…”）``, level words (``省民政厅``, ``市委``, ``团市委``: the
   article's place of that level, the nearest evidence first), an implied level
   (``民政厅`` in a Fujian article), bodies listed after a place's body (``当涂县政府及
   发改委、民政局``), bare suffixes (``总局``), short company names (``恒华科技``) and
   near-identical variants.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import ahocorasick
import regex

from ..doc import Doc
from ..gazetteer import Place, gazetteer
from ..resolve.org import (
    OrgRules,
    Suffix,
    canonical_compound,
    canonical_place,
    expand_body,
    full_place,
    level_place_name,
    local_body,
    org_rules,
    split_place,
    with_party_prefix,
)
from ..segment import PosTokens, word_freq
from ..spans import Hit, OrgAttrs
from ._org_refs import WORK, Cand, resolve_references

# The stage's declaration, checked by the pipeline at start-up (bulletin_nlp.pipeline).
REQUIRES = ("articles", "hits:PLACE", "place_matches", "article.place")
ASSIGNS = ("hits:ORG",)
RULES: tuple[str, ...] = ("org", "org_lexicon", "place")

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
# Places of the article read as the context of a place name, on each side of it: the
# nearest decide (gazetteer.resolve stops at the first that tells), so a window keeps a
# long article's lookups bounded.
CONTEXT_PLACES = 64


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
    # The reference finders' per-document indexes (:mod:`._org_refs`), built once.
    index: dict[Any, Any] = field(default_factory=dict)
    _longest: int = 0  # the longest accepted span: what an overlap test must look behind
    _end_rank: dict[int, int] = field(default_factory=dict)  # end -> order of its key
    _order: dict[int, tuple[int, int]] = field(default_factory=dict)  # id -> order

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
        return te == s and (
            word in rules.stop
            or word in rules.cross
            or pos in rules.stop_pos
            or (word[0] in rules.stop and word[1:] in rules.levels)  # 我区|许继社区
        )

    def _gazetteer_places(self) -> set[tuple[int, int]]:
        """Gazetteer names at token starts; townships (城关镇) only where a name may start."""
        spans: set[tuple[int, int]] = set()
        gaz = gazetteer()
        found = self.doc.place_matches  # start -> surfaces, longest first
        prev_end = -1
        norm = self.doc.norm
        # A place also starts after a body's prefix inside a token (中共|南京市委).
        prefixed = {
            s
            for s in found
            for x in self.rules.local_prefixes
            if len(x) > 1 and norm.endswith(x, 0, s) and s - len(x) in self.tokens
        }
        for s in sorted(found):  # token starts without a surface add nothing
            if s < prev_end or (s not in self.tokens and s not in prefixed):
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

    @cached_property
    def gaps(self) -> frozenset[int]:
        return space_gaps(self.doc)

    @cached_property
    def _article_places(self) -> dict[int, list[tuple[int, str, Place]]]:
        """Per article: (start, surface, place) of every place span, the place resolved
        as the place stage did (its adcode), else among the article's places."""
        doc, gaz = self.doc, gazetteer()
        staged: dict[tuple[int, int], str] = {}
        for hit in doc.hits_of("PLACE"):
            if isinstance(hit.norm, dict) and hit.norm.get("adcode"):
                staged[(hit.start, hit.end)] = str(hit.norm["adcode"])
        out: dict[int, list[tuple[int, str, Place]]] = {}
        for s, e in self.places:
            surface = doc.norm[s:e]
            art = doc.article_index(s)
            adcode = staged.get((s, e))
            place: Place | None = None
            if adcode is not None:
                fits = [v.place for v in gaz.variants_of(surface) if v.place.adcode == adcode]
                place = fits[0] if fits else gaz.by_adcode.get(adcode)
            if place is None:
                earlier = out.get(art, [])
                known = [p for _s, _t, p in reversed(earlier[-CONTEXT_PLACES:])]
                parts = split_place(surface, known)
                place = parts[-1][1] if parts else None
            if place is not None:
                out.setdefault(art, []).append((s, surface, place))
        return out

    @cached_property
    def _article_starts(self) -> dict[int, list[int]]:
        """Per article: the starts of its places (for bisecting)."""
        return {art: [x[0] for x in group] for art, group in self._article_places.items()}

    def _main_place(self, art: int) -> Place | None:
        doc = self.doc
        if doc.articles and doc.articles[art].place:
            return gazetteer().by_adcode.get(str(doc.articles[art].place))
        return None

    def context_places(self, pos: int) -> list[Place]:
        """Places of the article holding ``pos``: the nearest before it first, its main
        place, those after it (at most :data:`CONTEXT_PLACES` on each side)."""
        art = self.doc.article_index(pos)
        places = self._article_places.get(art, [])
        i = bisect_left(self._article_starts.get(art, []), pos)  # places[:i] start before
        before = places[max(0, i - CONTEXT_PLACES) : i]
        after = places[i : i + CONTEXT_PLACES]
        WORK["context places"] += len(before) + len(after)
        main = self._main_place(art)
        return [
            *(p for _s, _t, p in reversed(before)),
            *([main] if main is not None else []),
            *(p for _s, _t, p in after),
        ]

    def level_place(self, pos: int, level_char: str) -> tuple[str, int] | None:
        """(name, start) of the article's place of the level ``level_char`` names (市 in
        市委 at ``pos``): among the places before it, then the article's main place (start
        -1), then those after (start ``pos``); a place's own name or one it lies in."""
        art = self.doc.article_index(pos)
        starts, names = self._level_names(art, level_char)
        i = bisect_left(starts, pos)  # the nearest place of the level before pos: i - 1
        WORK["level places"] += 1
        if i > 0:
            return names[i - 1], starts[i - 1]
        main = self._main_place(art)
        if main is not None:
            name = level_place_name([(main.name, main)], level_char)
            if name:
                return name, -1
        if i < len(starts):
            return names[i], pos
        return None

    def _level_names(self, art: int, level_char: str) -> tuple[list[int], list[str]]:
        """Starts and names of the article's places that name a place of the level
        ``level_char`` (in order), each place judged once (one sweep per article)."""
        key = ("level", art, level_char)
        found = self.index.get(key)
        if found is None:
            starts: list[int] = []
            names: list[str] = []
            for s, t, p in self._article_places.get(art, []):
                name = level_place_name([(t, p)], level_char)
                if name:
                    starts.append(s)
                    names.append(name)
            found = self.index[key] = (starts, names)
        return found

    def accept(self, cand: Cand) -> None:
        cands = self.accepted.get(cand.end)
        if cands is None:
            cands = self.accepted[cand.end] = []
            self._end_rank[cand.end] = len(self._end_rank)
        self._order[id(cand)] = (self._end_rank[cand.end], len(self._order))
        cands.append(cand)
        self.widened(cand)

    def widened(self, cand: Cand) -> None:
        """Note a candidate's span (after its start moved left)."""
        self._longest = max(self._longest, cand.end - cand.start)

    def order(self, cand: Cand) -> tuple[int, int]:
        """Where ``cand`` stands in :meth:`all_accepted` (a sort key)."""
        return self._order[id(cand)]

    def all_accepted(self) -> list[Cand]:
        return [c for cands in self.accepted.values() for c in cands]

    def overlapping(self, start: int, end: int) -> list[Cand]:
        """Accepted candidates overlapping [start, end): only ends up to the longest
        accepted span beyond ``end`` can, so only those are looked at."""
        hi = end + self._longest
        WORK["overlap positions"] += hi - start
        out: list[Cand] = []
        get = self.accepted.get
        for e in range(start + 1, hi):
            cands = get(e)
            if cands:
                out.extend(c for c in cands if c.start < end and start < c.end)
        return out

    def covered(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps an accepted candidate."""
        return bool(self.overlapping(start, end))

    @cached_property
    def title_spans(self) -> list[tuple[int, int]]:
        """Insides of 《…》 titles (names there belong to the document title)."""
        return [
            (m.start() + 1, m.end() - 1) for m in regex.finditer(r"《[^《》]*》", self.doc.norm)
        ]

    @cached_property
    def _title_starts(self) -> list[int]:
        return [s for s, _e in self.title_spans]

    def in_title(self, start: int, end: int) -> bool:
        # Titles do not overlap: only the last one starting at or before ``start`` can hold it.
        i = bisect_right(self._title_starts, start) - 1
        return i >= 0 and end <= self.title_spans[i][1]

    @cached_property
    def sorted_gaps(self) -> list[int]:
        return sorted(self.gaps)


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
    WORK["token positions"] += p - ts
    for e in range(p - 1, ts, -1):
        if e in ctx.place_end or e in ctx.accepted:
            ts = e
            break
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
    if _ORDINAL.fullmatch(unit.text) or unit.text in rules.levels:
        return False  # 县|民政局: jieba tags a lone level word as a function word
    if unit.pos in rules.stop_pos:
        return True
    if not unit.pos.startswith("v") or unit.pos == "vn" or unit.text in rules.name_words:
        return False
    return word_freq(unit.text) >= rules.rare_verb_freq


def _person_like(unit: Unit) -> bool:
    """An unknown word tagged as a person's name (张文与…): a conjunction after it joins two."""
    return unit.pos.startswith("nr") and word_freq(unit.text) == 0


def _ends_org(ctx: Context, unit: Unit) -> bool:
    return unit.kind in ("org", "place") or unit.text.endswith(ctx.rules.long_suffixes)


def _named_activity(ctx: Context, unit: Unit, floor: int) -> bool:
    """A stop word that is also a name word, after a generic noun, names the body's field
    (社会|建设委员会, 城乡|建设局) rather than acting on it."""
    if unit.text not in ctx.rules.name_words:
        return False
    left = _unit_ending_at(ctx, unit.start, floor)
    return left is not None and left.kind == "tok" and left.text in ctx.rules.generic


def _placed_brand(ctx: Context, unit: Unit, floor: int) -> list[Unit]:
    """Single characters jieba reads as words, right after a place, that make an unknown
    brand (泉州市|煌|兴|职业培训中心): the units right to left, or [] if they do not."""
    run: list[Unit] = []
    cur: Unit | None = unit
    while cur is not None and cur.kind == "tok" and len(cur.text) == 1 and len(run) < 3:
        if cur.text in ctx.rules.stop or cur.text in ctx.rules.cross:
            return []
        run.append(cur)
        cur = _unit_ending_at(ctx, cur.start, floor)
    brand = "".join(u.text for u in reversed(run))
    if len(run) < 2 or word_freq(brand) or cur is None or cur.kind != "place":
        return []
    return run


def _level_after_org(ctx: Context, left: Unit, unit: Unit) -> bool:
    """``unit`` is a level word (市) right after the organization ``left`` (市委市政府)."""
    return left.kind == "org" and unit.kind == "tok" and unit.text in ctx.rules.levels


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
        elif _stops(ctx, unit) and not _named_activity(ctx, unit, floor):
            brand = _placed_brand(ctx, unit, floor)
            if not brand:
                break
            units += brand
            p = brand[-1].start
            continue
        if units and _level_after_org(ctx, unit, units[-1]):
            break  # 市委|市政府: the level word opens a second body
        units.append(unit)
        p = unit.start
    units.reverse()
    # jieba glues a function word onto an unknown name (由林达, 了泽东): cut it off.
    if units and units[0].kind == "tok" and len(units[0].text) >= 2:
        head = units[0]
        if head.text[0] in ctx.rules.stop | ctx.rules.cross and (
            word_freq(head.text) == 0 or head.text[1:] in ctx.rules.levels  # 我|县, 日|省
        ):
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
        unit.text in rules.generic
        or unit.text in rules.cross
        or unit.text in rules.name_words
        or _generic_compound(rules, unit.text)
    )


def _generic_compound(rules: OrgRules, word: str) -> bool:
    """``word`` is a generic, national or level word before a generic one (行业协会)."""
    plain = rules.generic | rules.nation | rules.levels
    return any(word[:k] in plain and word[k:] in rules.generic for k in range(1, len(word)))


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


def _generic_body(ctx: Context, units: list[Unit]) -> bool:
    """The words between a place and a suffix are all generic (基层, 乡镇)."""
    return bool(units) and all(u.kind == "tok" and u.text in ctx.rules.generic for u in units)


def _prefix_of(ctx: Context, text: str) -> str:
    """The local-body prefix ``text`` starts with (团 of 团市委, 中共), or ""."""
    return next((x for x in ctx.rules.local_prefixes if text.startswith(x)), "")


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
            parent = head.org
            if parent.canonical is None:  # 市委|组织部: named once its parent is
                return Cand(
                    head.start,
                    e,
                    norm[head.start : e],
                    suffix.group,
                    "org",
                    None,
                    suffix.rule_id,
                    suffix,
                    body=body,
                    anchor=parent,
                )
            canon = canonical_compound(parent.stem or parent.canonical or head.text, "org", body)
            return Cand(
                head.start,
                e,
                norm[head.start : e],
                suffix.group,
                "org",
                canon,
                suffix.rule_id,
                suffix,
                parent=parent.canonical,
                body=body,
            )
        if head.kind == "place":
            j = i
            while j + 1 < len(units) and units[j + 1].kind == "place":
                j += 1
            if suffix.place_bodies and not norm.startswith(suffix.place_bodies, units[j].end):
                return None
            if suffix.level_alone and not (
                norm[units[j].end - 1] in ctx.rules.levels
                and split_place(norm[head.start : units[j].end])
            ):
                return None  # 向阳村委, 义和社区委: no Party committee of a place
            start, prefix = head.start, ""
            if (
                i > 0
                and units[i - 1].kind == "tok"
                and units[i - 1].text in ctx.rules.local_prefixes
            ):
                start, prefix = units[i - 1].start, units[i - 1].text  # 中共|南京市委
            place_text = norm[head.start : units[j].end]
            body = norm[units[j].end : e]
            if suffix.named_body and _generic_body(ctx, units[j + 1 :]):
                parts = split_place(norm[head.start : units[j].end])
                if parts and parts[-1][1].level != "township":
                    return None  # 江永县基层社工站: the county's stations, none named
            context = ctx.context_places(head.start)
            if suffix.normalize_place:
                place = canonical_place(place_text, context)
            else:
                place = full_place(place_text) if suffix.full_place else place_text
            canon = canonical_compound(place, "place", body, False, context, prefix)
            found = local_body(place, body, prefix)
            return Cand(
                start,
                e,
                norm[start:e],
                suffix.group,
                "place",
                canon,
                suffix.rule_id,
                suffix,
                prefix=prefix,
                stem=found[1] if found else None,
                place_name=place,
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
    deictic = _deictic(ctx, first, suffix, e, ctx.place_end) if first is not None else None
    if deictic is not None:
        return deictic
    start = first.start if first else s
    text = norm[start:e]
    if (
        suffix.implied_level
        and first is not None
        and text[: -len(suffix.text)] in ctx.rules.ministry_bodies
    ):
        # 民政厅 alone: the department of the article's province (民政部's body).
        return Cand(
            start,
            e,
            text,
            suffix.group,
            "deictic",
            None,
            suffix.rule_id,
            suffix,
            level=suffix.implied_level,
        )
    if (
        suffix.policy == "name"
        and any(_distinctive(ctx, u) for u in units)
        or (suffix.policy == "proper" and any(_proper(ctx, u) for u in units))
    ):
        return Cand(start, e, text, suffix.group, "name", expand_body(text), suffix.rule_id, suffix)
    if suffix.policy == "parent" and (e - start - len(suffix.text) >= 2 or suffix.bare):
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


def _known_body(body: str) -> bool:
    """A body the rules know by its short form (卫计委, 人社局)."""
    return expand_body(body) != body


def _after_levels(ctx: Context, pos: int) -> bool:
    """``pos`` follows a bracket of level words: 县（市、区）民政局 are every county's."""
    norm = ctx.doc.norm
    if pos == 0 or norm[pos - 1] != "）":
        return False
    q = norm.rfind("（", max(0, pos - 8), pos)
    inner = norm[q + 1 : pos - 1] if q >= 0 else ""
    return bool(inner) and all(ch in ctx.rules.levels or ch == "、" for ch in inner)


def _deictic(
    ctx: Context, first: Unit, suffix: Suffix, e: int, place_ends: Container[int]
) -> Cand | None:
    """A name opened by a level word (省民政厅, 市委组织部, 团市委): the article's place of
    that level is its place; resolved later."""
    rules = ctx.rules
    prefix = _prefix_of(ctx, first.text)
    word = first.text[len(prefix) :]
    if not (
        first.kind == "tok"
        and suffix.group in rules.level_groups
        and word
        and word[0] in rules.levels
        and (
            word in rules.levels
            or word in rules.party
            or word_freq(first.text) == 0  # jieba's 市人|社局
            or prefix
            or _known_body(ctx.doc.norm[first.start + len(prefix) + 1 : e])  # 市卫|计委
        )
        and first.start not in place_ends
        and not _after_levels(ctx, first.start)
    ):
        return None
    start = first.start
    text = ctx.doc.norm[start:e]
    if len(text) - len(prefix) < 3 and not suffix.level_alone:
        return None
    return Cand(
        start,
        e,
        text,
        suffix.group,
        "deictic",
        None,
        suffix.rule_id,
        suffix,
        level=word[0],
        prefix=prefix,
    )


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
    if len(word) > te - e and word[e - te :] in ctx.rules.follow:
        return True
    # A title starts there, across jieba's tokens (分配处|处长 cut 处处|长孙).
    return ctx.doc.norm.startswith(ctx.rules.long_follow, e)


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
    if any(ctx.doc.norm.endswith(k, 0, e) for k, _full in ctx.rules.abbrev if len(k) > len(word)):
        return True  # 市卫|计委: a short form the rules know
    if e - s == 1 and _level_alone(ctx, e) and _level_word(ctx, ctx.doc.norm[ts:s]):
        return True  # 市委, 团市委: a level word and the suffix
    if pos.startswith("v") or _stops(ctx, Unit(ts, te, word, "tok", pos)):
        return False
    if pos in _PROPER_POS:
        return True
    freq = word_freq(word)
    return not (len(word) == 2 and freq > 0 or e - s == 1 and freq >= _COMMON_FREQ)


def _level_alone(ctx: Context, e: int) -> bool:
    """Whether the suffix ending at ``e`` may follow a level word alone (市委)."""
    return ctx.doc.norm.endswith(ctx.rules.level_alone_suffixes, 0, e)


def _level_word(ctx: Context, text: str) -> bool:
    """``text`` is a level word, after a local-body prefix or not (市, 团市)."""
    word = text[len(_prefix_of(ctx, text)) :]
    return len(word) == 1 and word in ctx.rules.levels


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
        if cand.text.endswith(rules.not_org_heads):
            continue  # 民政局报告厅: a room, not a body
        if cand.text == suffix.text and cand.how not in ("org", "place") and not suffix.bare:
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
        for end in range(s, e + 1):
            cands = ctx.accepted.get(end)
            if cands:
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


_SPACE_RUN = regex.compile("[ \t\u3000\xa0]+")


def space_gaps(doc: Doc) -> frozenset[int]:
    """Offsets of ``doc.norm`` where the source had spaces (not line breaks) that
    normalization removed: 报道员 王磊 赵晨 is 报道员王磊赵晨 in the normalized text.

    An offset ``i`` counts when the raw characters between those of ``i - 1`` and ``i``
    are all spaces: they lie in one run of spaces that ends right before ``i``'s
    character. So only the runs are visited, not every character of the document.
    """
    raw, nmap = doc.raw, doc.nmap
    n = min(len(doc.norm), len(nmap))
    gaps: set[int] = set()
    for m in _SPACE_RUN.finditer(raw):
        a, b = m.span()
        i = bisect_left(nmap, b, 0, n)
        while 0 < i < n and nmap[i] == b:
            if a - 1 <= nmap[i - 1] < b - 1:
                gaps.add(i)
            i += 1
    return frozenset(gaps)


def find_outlets(ctx: Context) -> None:
    """News outlets named outside brackets: a news opening (``红网时刻衡阳3月10日讯``,
    ``深圳特区报讯``: the place and date after the name are not part of it), a page header
    beside a timestamp (``新华网 2012-07-14 20:31``), an unbracketed source (``来源：大众日报``).
    The ``outlet`` patterns of the rules name the span ``name``; a pattern with ``values``
    takes only names that end in one of them."""
    norm = ctx.doc.norm
    rules = ctx.rules
    for pattern, endings, rule_id in rules.outlets:
        for m in pattern.finditer(norm):
            for group in ("name", "name2"):
                if group not in pattern.groupindex or m.start(group) < 0:
                    continue
                s, e = m.span(group)
                gaps = ctx.sorted_gaps  # 温州商报 浏览次数: the name ends at the first gap
                k = bisect_right(gaps, s)
                if k < len(gaps) and gaps[k] < e:
                    e = gaps[k]
                s, e = _strip_source(ctx, s, e)
                text = norm[s:e]
                if len(text) < 2 or endings and not text.endswith(endings):
                    continue
                if any(word in text for word in rules.not_source):
                    continue
                if any(c.start == s and c.end == e for c in ctx.accepted.get(e, [])):
                    continue
                lex = rules.lexicon.get(text)
                ctx.accept(
                    Cand(s, e, text, "media", "source", lex.canonical if lex else text, rule_id)
                )


def _strip_source(ctx: Context, s: int, e: int) -> tuple[int, int]:
    """An outlet's name without the words after it (微信公众号) nor, in a news opening, the
    place the report was filed from (红网时刻|衡阳)."""
    norm = ctx.doc.norm
    text = norm[s:e]
    for word in ctx.rules.source_strip:
        if text.endswith(word) and len(text) > len(word):
            e -= len(word)
            break
    for k in range(s + 2, e - 1):
        if split_place(norm[k:e]):
            return s, k
    return s, e


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
    ctx = Context(doc, org_rules())
    find_lexicon(ctx)
    find_suffixed(ctx)
    find_sources(ctx)
    find_media_titles(ctx)
    find_outlets(ctx)
    cands = resolve_references(ctx)
    kept: list[Cand] = []
    # One byte per offset, 1 where a kept candidate lies (every finder's span has a length).
    taken = bytearray(len(doc.norm) + 1)
    for cand in sorted(cands, key=lambda c: (-(c.end - c.start), c.start)):
        if cand.canonical is None or taken.find(1, cand.start, cand.end) >= 0:
            continue
        kept.append(cand)
        taken[cand.start : cand.end] = b"\x01" * (cand.end - cand.start)
    kept.sort(key=lambda c: c.start)
    return [
        Hit(
            c.start,
            c.end,
            "ORG",
            c.canonical,
            c.rule_id,
            priority=_SOURCE_PRIORITY if c.how == "source" else _PRIORITY,
            attrs=OrgAttrs(group=c.group, how=c.how, parent=c.parent),
        )
        for c in kept
    ]
