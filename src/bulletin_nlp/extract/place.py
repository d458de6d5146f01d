"""PLACE stage: gazetteer names found by an Aho-Corasick automaton, joined into compounds.

A mention is a chain of nested names (``浙江台州``, ``吉林省长春市``, ``浚县王庄镇``): a head
that may stand alone, then parts that each lie within the part before. Guards against hits
inside ordinary words: the head must start on a jieba token boundary, a bare short form
(``台州``, not ``台州市``) must also end on one, and a two-character bare head right after a
lone surname token is a person's given name (``王海宁``). Ambiguous names (``朝阳区``,
``永昌街道``) take the candidate nearest the places of the same article, earlier ones first,
then later ones; townships the context cannot pin down are dropped.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from ..doc import Doc
from ..gazetteer import OFFICIAL, Gazetteer, Place, Variant, gazetteer
from ..segment import tokenize
from ..spans import Hit, PlaceAttrs

# The stage's declaration, checked by the pipeline at start-up (bulletin_nlp.pipeline).
REQUIRES = ("articles",)
ASSIGNS = ("hits:PLACE", "place_matches")
RULES: tuple[str, ...] = ("place",)

COMPOUND = "place-compound"


@dataclass(slots=True)
class _Part:
    """One name of a chain: its span and the places it may be."""

    start: int
    end: int
    variants: list[Variant]


@dataclass(slots=True)
class _Chain:
    """A candidate mention; ``place`` is set once resolved."""

    parts: list[_Part]
    place: Place | None = None

    @property
    def start(self) -> int:
        return self.parts[0].start

    @property
    def end(self) -> int:
        return self.parts[-1].end


# pyahocorasick looks a character up among a node's children one by one, and the root has
# thousands of them (every first character of a place name): scanning Chinese text cost
# ~0.4 µs a character. So names and text are spelled in a two-letter code first, one
# letter from each of two small alphabets (at most 64 children per node); characters of no
# name all become one letter pair of their own. A code match is a real match when it
# starts on a letter pair, that is when it ends on an odd offset.
_CODE_BASE = 0x100  # code letters: U+0100..; the first letter < _CODE_BASE + 64 <= the second
_CODE_WIDTH = 64
_NO_NAME = chr(_CODE_BASE + 2 * _CODE_WIDTH) * 2  # a character that is in no name


class _CodeTable(dict[int, str]):
    """``str.translate`` table: a name character to its letter pair, any other to _NO_NAME."""

    def __missing__(self, key: int) -> str:
        self[key] = _NO_NAME  # kept: the next lookup of this character stays in C
        return _NO_NAME


@lru_cache(maxsize=1)
def _code_table() -> _CodeTable:
    chars = sorted({c for surface in gazetteer().surfaces() for c in surface})
    if len(chars) > _CODE_WIDTH * _CODE_WIDTH:
        raise ValueError("gazetteer names use too many characters for the two-letter code")
    return _CodeTable(
        (
            ord(c),
            chr(_CODE_BASE + i // _CODE_WIDTH) + chr(_CODE_BASE + _CODE_WIDTH + i % _CODE_WIDTH),
        )
        for i, c in enumerate(chars)
    )


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    """Every gazetteer surface in the two-letter code, valued by its length in characters."""
    table = _code_table()
    auto = ahocorasick.Automaton()
    for surface in gazetteer().surfaces():
        auto.add_word(surface.translate(table), len(surface))
    auto.make_automaton()
    return auto


def _bare(gaz: Gazetteer, surface: str, variants: list[Variant]) -> bool:
    """A surface without its level suffix (台州, not 台州市): needs a token boundary after it."""
    return all(v.rule_id != OFFICIAL and v.rule_id != gaz.township_rule for v in variants) and (
        surface[-1] not in _suffix_chars()
    )


@lru_cache(maxsize=1)
def _suffix_chars() -> frozenset[str]:
    """Last characters of official names (省, 市, 县, 州...): data-driven level suffixes."""
    gaz = gazetteer()
    return frozenset(p.name[-1] for p in gaz.by_adcode.values())


def gazetteer_matches(text: str) -> dict[int, list[str]]:
    """Every gazetteer surface in ``text``, by start offset, longest first. The stage
    keeps them on the Doc (``Doc.place_matches``) for the ORG stage and the model's gate."""
    found: dict[int, list[str]] = {}
    for code_end, length in _automaton().iter(text.translate(_code_table())):
        if code_end % 2:  # on a letter pair: see _CODE_BASE
            end = (code_end + 1) // 2
            found.setdefault(end - length, []).append(text[end - length : end])
    for surfaces in found.values():
        surfaces.sort(key=len, reverse=True)
    return found


def _head_ok(gaz: Gazetteer, text: str, bounds: AbstractSet[int], start: int, surface: str) -> bool:
    if start not in bounds:
        return False
    variants = gaz.variants_of(surface)
    if not any(v.standalone for v in variants):
        return False
    end = start + len(surface)
    if (
        len(surface) >= 3
        and all(v.place.level == "township" for v in variants)
        and start + 1 in bounds
        and not any(b in bounds for b in range(start + 2, end))
        and (end in bounds or end == len(text))
    ):
        # 和村镇 in 模式和村镇银行: a lone first character, then one word (村镇).
        return False
    if _bare(gaz, surface, variants):
        # 王海宁: a lone surname token right before a two-character short form.
        if len(surface) == 2 and start >= 1 and text[start - 1] in gaz.surnames:
            if start - 1 in bounds or start == 1:
                return False
    return True


def _ends_ok(gaz: Gazetteer, text: str, bounds: AbstractSet[int], start: int, surface: str) -> bool:
    """A bare short form must end on a token boundary (迁安 in 搬迁安置 does not)."""
    end = start + len(surface)
    if end in bounds or end == len(text) or not _bare(gaz, surface, gaz.variants_of(surface)):
        return True
    return _word_follows(text, bounds, start, end)


def _word_follows(text: str, bounds: AbstractSet[int], start: int, end: int) -> bool:
    """jieba glued a word to the name (台湾同胞, 北京高校): the rest is a word of its own.

    Not when the rest is a single character (三明治 is no 三明).
    """
    nxt = next((b for b in range(end + 1, min(len(text), end + 6) + 1) if b in bounds), None)
    if nxt is None or nxt - end < 2 or any(b in bounds for b in range(start + 1, end)):
        return False
    rest = text[end:nxt]
    return [w for w, _s, _e in tokenize(rest)] == [rest]


def _extend(
    gaz: Gazetteer, text: str, bounds: AbstractSet[int], found: dict[int, list[str]], chain: _Chain
) -> None:
    """Append nested parts while the next name lies within the last one."""
    while True:
        last = chain.parts[-1]
        outer = [v.place for v in last.variants]
        for surface in found.get(last.end, []):
            inner = [
                v for v in gaz.variants_of(surface) if any(gaz.within(v.place, o) for o in outer)
            ]
            if not inner or not _ends_ok(gaz, text, bounds, last.end, surface):
                continue
            last.variants = [
                v for v in last.variants if any(gaz.within(i.place, v.place) for i in inner)
            ]
            chain.parts.append(_Part(last.end, last.end + len(surface), inner))
            break
        else:
            return


def _stopped(gaz: Gazetteer, text: str) -> set[int]:
    """Offsets covered by stop phrases (北京时间), where no mention may start."""
    covered: set[int] = set()
    for phrase in gaz.stop_phrases:
        at = text.find(phrase)
        while at >= 0:
            covered.update(range(at, at + len(phrase)))
            at = text.find(phrase, at + 1)
    return covered


def find_chains(
    text: str, bounds: AbstractSet[int], found: dict[int, list[str]] | None = None
) -> list[_Chain]:
    """Candidate mentions in ``text`` (unresolved), left to right, not overlapping;
    ``found``: its :func:`gazetteer_matches`, when already read."""
    gaz = gazetteer()
    if found is None:
        found = gazetteer_matches(text)
    blocked = _stopped(gaz, text)
    chains: list[_Chain] = []
    free = 0  # where the last chain ended
    for i in sorted(found):
        if i < free or i in blocked:
            continue
        for surface in found[i]:
            if _head_ok(gaz, text, bounds, i, surface):
                variants = [v for v in gaz.variants_of(surface) if v.standalone]
                chain = _Chain([_Part(i, i + len(surface), variants)])
                _extend(gaz, text, bounds, found, chain)
                if len(chain.parts) == 1 and not _ends_ok(gaz, text, bounds, i, surface):
                    continue
                if (
                    chain.end not in bounds
                    and not any(b in bounds for b in range(i + 1, chain.end))
                    and not _word_follows(text, bounds, i, chain.end)
                ):
                    continue  # the name is the start of a longer word: 代县长
                chains.append(chain)
                free = chain.end
                break
    return chains


def _resolve_chain(gaz: Gazetteer, chain: _Chain, context: list[Place]) -> Place | None:
    """Resolve head to tail, each part in the light of the part before it."""
    known: list[Place] = []
    place: Place | None
    for part in chain.parts:
        candidates = [v.place for v in part.variants]
        if known:
            candidates = [p for p in candidates if gaz.within(p, known[-1])] or candidates
            place = gaz.resolve(candidates, known[::-1] + context)[0][0]
        else:
            place = gaz.choose(candidates, context)
            if place is None:
                return None
        known.append(place)
    return known[-1]


#: Resolved places on each side of an ambiguous name that make its context, nearest
#: first: enough for any article (its places cluster), and a long one (a yearbook run
#: into one article) no longer costs the square of its places.
_CONTEXT_PLACES = 32


def resolve_chains(chains: list[_Chain]) -> None:
    """Resolve chains of one article: unambiguous ones first, then the rest by context
    (the nearest resolved places before, then after it)."""
    gaz = gazetteer()
    for chain in chains:
        tail = {v.place for v in chain.parts[-1].variants}
        if len(tail) == 1 and next(iter(tail)).level != "township":
            chain.place = _resolve_chain(gaz, chain, [])
    first = [i for i, c in enumerate(chains) if c.place is not None]  # resolved at once
    before: list[Place] = []  # places of the chains before the current one, in order
    for index, chain in enumerate(chains):
        if chain.place is None:
            k = bisect_right(first, index)
            after = [
                p for i in first[k : k + _CONTEXT_PLACES] if (p := chains[i].place) is not None
            ]
            near = before[: -_CONTEXT_PLACES - 1 : -1]
            chain.place = _resolve_chain(gaz, chain, near + after)
        if chain.place is not None:
            before.append(chain.place)


def _hit(chain: _Chain) -> Hit:
    place = chain.place
    assert place is not None  # callers filter unresolved chains
    rule = chain.parts[0].variants[0].rule_id if len(chain.parts) == 1 else COMPOUND
    return Hit(
        chain.start,
        chain.end,
        "PLACE",
        place.norm(),
        rule,
        attrs=PlaceAttrs(level=place.level, parts=len(chain.parts)),
    )


def places_in(text: str, bounds: AbstractSet[int] | None = None) -> list[Hit]:
    """PLACE hits in a plain string, taken as one article (for tests and other stages)."""
    if bounds is None:
        bounds = frozenset(b for _w, s, e in tokenize(text) for b in (s, e))
    chains = find_chains(text, bounds)
    resolve_chains(chains)
    return [_hit(c) for c in chains if c.place is not None]


def extract(doc: Doc) -> list[Hit]:
    """PLACE hits over ``doc.norm``, chains resolved article by article."""
    doc.place_matches = gazetteer_matches(doc.norm)
    chains = find_chains(doc.norm, doc.token_bounds, doc.place_matches)
    groups: dict[int, list[_Chain]] = {}
    for chain in chains:
        key = doc.article_index(chain.start) if doc.articles else 0
        groups.setdefault(key, []).append(chain)
    hits: list[Hit] = []
    for group in groups.values():
        resolve_chains(group)
        hits.extend(_hit(c) for c in group if c.place is not None)
    return sorted(hits, key=lambda h: h.start)
