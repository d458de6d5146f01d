"""ORG references that need the whole document: aliases, sub-bodies, level words, short forms.

Runs after :mod:`.org` has collected the anchored names; every rule here maps a partial
name to a full name the same document (preferably the same article) establishes.

Each lookup goes through an index built once per document (by name, body or ending,
with the candidates sorted by position), so a document's cost grows with its length,
not with its length squared; the order of the answers is the one a sort of all
candidates by (other article, distance) would give.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ahocorasick
import regex

from ..resolve.org import child_name, expand_body, local_body, place_body_name, split_place

if TYPE_CHECKING:
    from ..resolve.org import Suffix
    from .org import Context

#: Work counts of the ORG stage (candidates and positions examined), by finder. Only ever
#: added to; the linearity tests read the difference over one run.
WORK: Counter[str] = Counter()


# The candidate lives here, beside the finders that resolve it: :mod:`.org` imports this
# module, which needs nothing of it at run time (no import cycle).
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
    level: str | None = None  # deictic: the level word that names the article's place
    prefix: str = ""  # a word before the place or level word (中共, 团)
    stem: str | None = None  # the name its organs start with (中共南京市委), if not canonical
    anchor: Cand | None = None  # a parent named by a level word (市委|组织部), resolved first
    place_name: str | None = None  # the canonical place a place's body is named by


_FIRST = (-1, -1)  # sorts before every candidate's order
_LAST = (1 << 62, 0)  # sorts after every candidate's order

Item = tuple[int, tuple[int, int]]  # (position, order of the candidate)
Rank = tuple[int, int, tuple[int, int]]  # (other article, distance, order)


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _established(ctx: Context) -> list[Cand]:
    """Candidates with a canonical name of their own (a level word's once resolved)."""
    return [c for c in ctx.all_accepted() if c.canonical and c.how != "sub"]


class _Nearest:
    """Candidates filed under keys, looked up nearest first: those of the article holding
    the position first, then by the distance of their start to it, then in the order of
    ``ctx.all_accepted()``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.everywhere: dict[Hashable, list[Item]] = {}
        self.by_article: dict[tuple[Hashable, int], list[Item]] = {}
        self.cands: dict[tuple[int, int], Cand] = {}

    def add(self, key: Hashable, cand: Cand) -> None:
        order = self.ctx.order(cand)
        self.cands[order] = cand
        item = (cand.start, order)
        insort(self.everywhere.setdefault(key, []), item)
        art = self.ctx.doc.article_index(cand.start)
        insort(self.by_article.setdefault((key, art), []), item)

    def nearest(
        self, key: Hashable, pos: int, *, same_article: bool = False
    ) -> tuple[Rank, Cand] | None:
        """The first candidate under ``key`` in that order, with its rank."""
        WORK["nearest lookups"] += 1
        items = self.by_article.get((key, self.ctx.doc.article_index(pos)))
        other = 0
        if not items:
            items = None if same_article else self.everywhere.get(key)
            other = 1  # none of them is in the article (it has none under the key)
            if not items:
                return None
        i = bisect_left(items, (pos, _FIRST))
        best: tuple[int, tuple[int, int]] | None = None
        if i < len(items):  # the first at or after pos: the lowest order of its start
            best = (items[i][0] - pos, items[i][1])
        if i > 0:  # the last start before pos, the lowest order of that start
            start = items[i - 1][0]
            first = items[bisect_left(items, (start, _FIRST))]
            if best is None or (pos - start, first[1]) < best:
                best = (pos - start, first[1])
        assert best is not None
        return (other, best[0], best[1]), self.cands[best[1]]


def _established_now(ctx: Context, cand: Cand) -> None:
    """File a candidate that the reference pass has just given a canonical name."""
    if not cand.canonical or cand.how == "sub":
        return
    if "compounds" in ctx.index:
        _file_compound(ctx, cand)
    if "parents" in ctx.index:
        _file_parent(ctx, cand)


# -- aliases ---------------------------------------------------------------------------------


def find_aliases(ctx: Context) -> None:
    """``X（以下简称“Y”）``: Y, there and later, is X."""
    norm = ctx.doc.norm
    cues = "|".join(regex.escape(c) for c in ctx.rules.alias_cues)
    pattern = regex.compile(r"（(?:" + cues + r")[“\"]?([\p{Han}A-Za-z]{2,12})[”\"]?）")
    rule_id = ctx.rules.rule_of.get("alias_cue", "alias")
    matches = list(pattern.finditer(norm))
    where = _occurrences(norm, {m.group(1) for m in matches})
    scanned: set[str] = set()
    for m in matches:
        owners = [c for c in ctx.accepted.get(m.start(), []) if c.canonical or c.how == "sub"]
        if not owners:
            continue
        owner = min(owners, key=lambda c: c.start)
        alias = m.group(1)
        ctx.accept(
            Cand(
                m.start(1),
                m.end(1),
                alias,
                owner.group,
                "alias",
                owner.canonical,
                rule_id,
                parent=None,
                body="",
            )
        )
        ctx.aliases[alias] = owner
        if alias in scanned and not _overlaps_itself(alias):
            # An earlier scan judged every later occurrence: each it took is covered now,
            # each it left is left again.
            continue
        scanned.add(alias)
        for s in _chain(where[alias], len(alias), m.end()):
            e = s + len(alias)
            WORK["alias occurrences"] += 1
            if (
                s in ctx.bounds
                and e in ctx.bounds
                and not ctx.covered(s, e)
                and not ctx.in_title(s, e)
            ):
                ctx.accept(Cand(s, e, alias, owner.group, "alias", owner.canonical, rule_id))


def _occurrences(text: str, words: set[str]) -> dict[str, list[int]]:
    """Every start of each word in ``text`` (overlapping ones too), in one pass."""
    found: dict[str, list[int]] = {w: [] for w in words}
    if not any(words):
        return found
    auto = ahocorasick.Automaton()
    for w in words:
        if w:
            auto.add_word(w, w)
    auto.make_automaton()
    for last, w in auto.iter(text):
        found[w].append(last + 1 - len(w))
    return found


def _chain(starts: list[int], length: int, pos: int) -> Iterable[int]:
    """The starts ``regex.finditer`` gives from ``pos``: left to right, none overlapping."""
    free = pos
    for s in starts[bisect_left(starts, pos) :]:
        if s >= free:
            yield s
            free = s + length


def _overlaps_itself(word: str) -> bool:
    """Whether two occurrences of ``word`` can overlap (哈哈: a prefix is also a suffix)."""
    return any(word[:k] == word[-k:] for k in range(1, len(word)))


# -- sub-bodies ------------------------------------------------------------------------------


def _variant(a: str, b: str) -> bool:
    """Near-identical names: same head and tail, one a subsequence of the other."""
    if a == b or min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 4:
        return a == b
    short, long = sorted((a, b), key=len)
    return a[:2] == b[:2] and a[-2:] == b[-2:] and _is_subsequence(short, long)


def _compounds(ctx: Context) -> tuple[_Nearest, dict[tuple[str, str], set[str]]]:
    """Known compounds (a parent and a body) by body, and their bodies by the first and
    last two characters (what a variant shares)."""
    index = ctx.index.get("compounds")
    if index is None:
        index = ctx.index["compounds"] = (_Nearest(ctx), {})
        for c in _established(ctx):
            _file_compound(ctx, c)
    return index  # type: ignore[no-any-return]


def _file_compound(ctx: Context, c: Cand) -> None:
    if c.parent and c.body and c.how != "deictic":
        near, bodies = ctx.index["compounds"]
        near.add(c.body, c)
        bodies.setdefault((c.body[:2], c.body[-2:]), set()).add(c.body)


def _match_component(ctx: Context, cand: Cand, text: str) -> bool:
    """Resolve ``text`` as the body of a known compound (exactly, then as a variant); the
    nearest compound wins, one of the same article first."""
    near, bodies = _compounds(ctx)
    found = near.nearest(text, cand.start)
    if found is None:
        options = [
            near.nearest(body, cand.start)
            for body in bodies.get((text[:2], text[-2:]), ())
            if _variant(body, text)
        ]
        found = min((o for o in options if o is not None), key=lambda o: o[0], default=None)
    if found is None:
        return False
    c = found[1]
    assert c.parent is not None
    cand.canonical, cand.parent, cand.body = c.parent + c.body, c.parent, c.body
    return True


def _parents(ctx: Context) -> tuple[dict[str, list[Item]], dict[tuple[int, int], Cand]]:
    """Established candidates by group, sorted by end."""
    index = ctx.index.get("parents")
    if index is None:
        index = ctx.index["parents"] = ({}, {})
        for c in _established(ctx):
            _file_parent(ctx, c)
    return index  # type: ignore[no-any-return]


def _file_parent(ctx: Context, c: Cand) -> None:
    by_group, cands = ctx.index["parents"]
    order = ctx.order(c)
    cands[order] = c
    insort(by_group.setdefault(c.group, []), (c.end, order))


def _last_parent(ctx: Context, groups: Iterable[str], lo: int, pos: int) -> Cand | None:
    """The established candidate of one of ``groups`` inside [lo, pos) that ends last (of a
    tie, the first in ``ctx.all_accepted()``)."""
    by_group, cands = _parents(ctx)
    best: tuple[int, tuple[int, int]] | None = None
    for group in groups:
        items = by_group.get(group, [])
        found = None
        i = bisect_right(items, (pos, _LAST))  # items[:i] end at or before pos
        while i > 0:
            i -= 1
            end, order = items[i]
            WORK["parents examined"] += 1
            if end <= lo or (found is not None and end < found[0]):
                break  # nothing earlier can start at lo or later, or end later
            if cands[order].start >= lo:
                found = (end, order)  # lower orders of the same end come next
        if found is not None and (
            best is None or found[0] > best[0] or (found[0] == best[0] and found[1] < best[1])
        ):
            best = found
    return cands[best[1]] if best is not None else None


def resolve_sub(ctx: Context, cand: Cand) -> None:
    """A sub-body: a known compound with this body, a variant of one, or the nearest parent."""
    if cand.wide_start is not None:
        wide = ctx.doc.norm[cand.wide_start : cand.end]
        if _match_component(ctx, cand, wide):
            cand.start, cand.text = cand.wide_start, wide
            ctx.widened(cand)
            return
    if _match_component(ctx, cand, cand.text):
        return
    suffix = cand.suffix
    if suffix is None:
        return
    doc = ctx.doc
    if suffix.scope == "sentence":
        sent = doc.sentence_at(cand.start)
        lo = sent.start if sent else cand.start
    else:
        art = doc.articles[doc.article_index(cand.start)] if doc.articles else None
        lo = art.start if art else 0
    parent = _last_parent(ctx, suffix.parents, lo, cand.start)
    if parent is not None:
        canon = parent.canonical or parent.text
        name = child_name(parent.stem or canon, cand.text)
        cand.canonical, cand.parent, cand.body = name, canon, cand.text


# -- level words -----------------------------------------------------------------------------


def _fuller(ctx: Context) -> _Nearest:
    """Names with a place (or source lines) by each ending that a level word's name has
    (福建省民政厅 under 省民政厅): what a level word may stand for."""
    near = ctx.index.get("fuller")
    if near is None:
        near = ctx.index["fuller"] = _Nearest(ctx)
        wanted = {c.text for c in ctx.all_accepted() if c.how == "deictic"}
        for c in _established(ctx):
            if c.how in ("place", "source"):
                for k in range(1, len(c.text)):
                    if c.text[k:] in wanted:
                        near.add(c.text[k:], c)
    return near  # type: ignore[no-any-return]


def resolve_deictic(ctx: Context, cand: Cand) -> None:
    """``省民政厅`` → the article's 福建省民政厅; ``市委`` → 中共铜仁市委员会; ``民政厅`` (a
    level implied) → 福建省民政厅; ``团市委`` → 共青团南京市委员会.

    The nearest evidence before it wins: a fuller name of the article ending in it
    (福建省民政厅 … 省民政厅) or a place of its level (南通市政协原主席、市慈善总会); then
    one after it, then the article's place.
    """
    implied = cand.level is not None and not cand.text[len(cand.prefix) :].startswith(cand.level)
    fuller: Cand | None = None
    if not implied:
        nearest = _fuller(ctx).nearest(cand.text, cand.start)  # the same article's first
        fuller = nearest[1] if nearest is not None else None
    level = cand.level or cand.text[0]
    found = ctx.level_place(cand.start, level)
    place_at = found[1] if found else -2
    if fuller is not None and not (
        found
        and 0 <= place_at < cand.start
        and (fuller.start >= cand.start or place_at > fuller.start)
    ):
        cand.canonical, cand.stem, cand.place_name = (
            fuller.canonical,
            fuller.stem,
            fuller.place_name,
        )
        return
    body = cand.text[len(cand.prefix) :] if implied else cand.text[len(cand.prefix) + 1 :]
    if found:
        name = found[0]
        local = local_body(name, body, cand.prefix)
        cand.canonical = place_body_name(name, body, cand.prefix)
        cand.stem = local[1] if local else None
        cand.place_name = name
        return
    # A level word no place of the article names: as written, unless the level was only
    # implied (民政厅 of no province is no name).
    cand.canonical = None if implied else expand_body(cand.text)


def resolve_child(cand: Cand) -> None:
    """``市委组织部`` once ``市委`` is named: its canonical name with the body."""
    anchor = cand.anchor
    if anchor is None or anchor.canonical is None:
        return
    cand.canonical = child_name(anchor.stem or anchor.canonical, cand.body)
    cand.parent = anchor.canonical
    cand.place_name = anchor.place_name


# -- a place shared by a list ------------------------------------------------------------------

_LIST_SEP = regex.compile(r"、|，|,|及|和|与|以及")


def find_shared_places(ctx: Context) -> None:
    """``当涂县政府及发改委、民政局、卫计委`` : bare bodies listed after a place's body are
    that place's (当涂县民政局). A bare body is a short form the rules expand (发改委, 残联)
    or a ministry's body with a local suffix (民政局, 财政局)."""
    norm = ctx.doc.norm
    words = _bare_bodies(ctx)
    if not words:
        return
    longest = max(map(len, words))
    rule_id = ctx.rules.rule_of.get("abbrev", "shared")
    heads = [
        c
        for c in ctx.all_accepted()
        if c.canonical and c.place_name and c.how in ("place", "deictic")
    ]
    for head in sorted(heads, key=lambda c: c.end):
        pos = head.end
        while True:
            sep = _LIST_SEP.match(norm, pos)
            if sep is None:
                break
            start = sep.end()
            word = next(
                (
                    norm[start : start + n]
                    for n in range(min(longest, len(norm) - start), 1, -1)
                    if norm[start : start + n] in words and start + n in ctx.bounds
                ),
                None,
            )
            if word is None:
                break
            end = start + len(word)
            taken = ctx.overlapping(start, end)
            if any(c.canonical for c in taken):
                break
            name = place_body_name(head.place_name or "", word)
            ctx.accept(
                Cand(start, end, word, "gov", "shared", name, rule_id, place_name=head.place_name)
            )
            pos = end


def _bare_bodies(ctx: Context) -> frozenset[str]:
    rules = ctx.rules
    local = [s.text for s in rules.suffixes if s.group == "gov" and len(s.text) == 1]
    return frozenset(
        [short for short, _full in rules.abbrev]
        + [body + x for body in rules.ministry_bodies for x in local]
    )


# -- bare suffixes and short names -------------------------------------------------------------


def find_bare_refs(ctx: Context) -> None:
    """``总局`` alone, in an article naming exactly one ``…总局``."""
    norm = ctx.doc.norm
    rule_id = ctx.rules.rule_of.get("bare_ref", "bare")
    # The canonical names of each article. A name taken here adds its owner, whose name
    # the article has already: the owners of a word in an article stay the same.
    names: dict[int, set[str]] | None = None
    owners_of: dict[tuple[str, int], set[str]] = {}
    for word in ctx.rules.bare_refs:
        for m in regex.finditer(regex.escape(word), norm):
            s, e = m.span()
            if s not in ctx.bounds or e not in ctx.bounds or ctx.covered(s, e):
                continue
            art = ctx.doc.article_index(s)
            if names is None:
                names = {}
                for c in _established(ctx):
                    names.setdefault(ctx.doc.article_index(c.start), set()).add(str(c.canonical))
            owners = owners_of.get((word, art))
            if owners is None:
                owners = owners_of[(word, art)] = {
                    n for n in names.get(art, ()) if n.endswith(word) and n != word
                }
                WORK["bare owners"] += len(names.get(art, ()))
            owners = set(owners)
            if len(owners) == 1:
                owner = owners.pop()
                ctx.accept(Cand(s, e, word, "gov", "bare", owner, rule_id))


def _core(ctx: Context, cand: Cand) -> str:
    """A company's distinctive core: 北京恒华伟业科技股份有限公司 → 恒华伟业科技."""
    text = cand.canonical or cand.text
    for form in ctx.rules.legal_forms:
        if text.endswith(form):
            text = text[: -len(form)]
            break
    for i in range(len(text) - 2, 1, -1):
        if split_place(text[:i]):
            return text[i:]
    return text


def find_short_names(ctx: Context) -> None:
    """``恒华科技`` (公司) for a company the document names in full."""
    norm = ctx.doc.norm
    rule_id = ctx.rules.rule_of.get("legal_form", "short")
    companies = [c for c in _established(ctx) if c.group == "company" and c.how != "short"]
    if not companies:
        return
    # Where each core's first two characters stand, found in one pass. A second company
    # with the same core finds every place the first has judged (taken or covered): it is
    # skipped.
    cores = [_core(ctx, c) for c in companies]
    starts = _pair_starts(norm, {core[:2] for core in cores if len(core) >= 4})
    done: set[str] = set()
    for company in companies:
        core = _core(ctx, company)
        if len(core) < 4 or core in done:
            continue
        done.add(core)
        if core[:2] not in starts:
            starts.update(_pair_starts(norm, {core[:2]}))
        for s in starts[core[:2]]:
            WORK["short name occurrences"] += 1
            if s not in ctx.bounds:
                continue
            for length in range(min(len(core) + 2, len(norm) - s), 2, -1):
                e = s + length
                x = norm[s:e]
                if x[-1] != core[-1] or e not in ctx.bounds or not _is_subsequence(x, core):
                    continue
                for form in ctx.rules.follow_forms:
                    if norm.startswith(form, e):
                        e += len(form)
                        break
                same = [c for c in ctx.accepted.get(e, []) if c.start == s and c.how == "name"]
                for c in same:
                    c.canonical, c.how, c.rule_id = company.canonical, "short", rule_id
                if not same and not ctx.covered(s, e):
                    ctx.accept(
                        Cand(s, e, norm[s:e], "company", "short", company.canonical, rule_id)
                    )
                break


def _pair_starts(text: str, pairs: set[str]) -> dict[str, list[int]]:
    """The starts of each pair of characters as ``regex.finditer`` finds them (no two
    overlapping), for all pairs in one pass."""
    found = _occurrences(text, pairs)
    return {pair: list(_chain(at, len(pair), 0)) for pair, at in found.items()}


def extend_places(ctx: Context) -> None:
    """``永昌街道社工站`` → the article's ``长春市朝阳区永昌街道社工站``: same name, fuller place."""
    full = [c for c in _established(ctx) if c.how == "place" and c.canonical]
    # Each name under each of its endings that another such name is, when what comes
    # before that ending is a place: the nearest fuller name of the article wins.
    texts = {c.text for c in full}
    is_place: dict[str, bool] = {}
    fuller = _Nearest(ctx)
    for c in full:
        for k in range(1, len(c.text)):
            tail = c.text[k:]
            if tail not in texts:
                continue
            head = c.text[:k]
            if head not in is_place:
                is_place[head] = bool(split_place(head))
            if is_place[head]:
                fuller.add(tail, c)
    for cand in full:
        found = fuller.nearest(cand.text, cand.start, same_article=True)
        if found is not None:
            cand.canonical = found[1].canonical


def unify_variants(ctx: Context) -> None:
    """Near-identical free-standing names share one canonical name (the better established).

    Each name, in document order, takes the first name after it in the sequence of all
    names (those before it as already unified, those after as found) that is a variant
    of its current one and better established (more often named, then longer), again
    and again. Variants share their first and last two characters, so only names that do
    are compared, and only at the next place each better-ranked variant stands.
    """
    # Only free-standing names: 长春市民政局 and 长春市朝阳区民政局 are two bodies.
    names = [c for c in ctx.all_accepted() if c.how == "name" and c.canonical]
    counts: dict[str, int] = {}
    for c in names:
        counts[c.canonical or ""] = counts.get(c.canonical or "", 0) + 1
    groups: dict[tuple[str, str], list[Cand]] = {}
    for c in names:
        a = c.canonical or ""
        groups.setdefault((a[:2], a[-2:]), []).append(c)
    for group in groups.values():
        if len({c.canonical for c in group}) > 1:
            _unify_group(group, counts)


def _unify_group(group: list[Cand], counts: dict[str, int]) -> None:
    """:func:`unify_variants` over names that may be variants of each other."""
    values = sorted({c.canonical or "" for c in group})

    def rank(v: str) -> tuple[int, int]:
        return counts[v], len(v)

    better = {  # the variants of each name that would replace it
        a: [b for b in values if b != a and _variant(a, b) and rank(b) > rank(a)] for a in values
    }
    found_at: dict[str, list[int]] = {}  # positions of each name as found
    for k, c in enumerate(group):
        found_at.setdefault(c.canonical or "", []).append(k)
    unified_at: dict[str, list[int]] = {}  # positions of each name as unified so far
    for j, c in enumerate(group):
        a, t = c.canonical or "", 0
        while True:
            nxt: tuple[int, str] | None = None
            for b in better[a]:
                WORK["variant lookups"] += 1
                at = _next_at(unified_at.get(b, []), found_at.get(b, []), t, j)
                if at is not None and (nxt is None or at < nxt[0]):
                    nxt = (at, b)
            if nxt is None:
                break
            t, a = nxt[0] + 1, nxt[1]
        c.canonical = a
        unified_at.setdefault(a, []).append(j)


def _next_at(unified: list[int], found: list[int], t: int, j: int) -> int | None:
    """The first position at or after ``t`` holding the name: before ``j`` as unified,
    after ``j`` as found (``j`` itself holds the name being unified)."""
    if t < j:
        i = bisect_left(unified, t)
        if i < len(unified):
            return unified[i]
    i = bisect_right(found, max(t, j + 1) - 1)
    return found[i] if i < len(found) else None


def resolve_references(ctx: Context) -> list[Cand]:
    """Resolve every partial name; returns all candidates (unresolved ones with canonical None)."""
    find_aliases(ctx)
    for cand in sorted(ctx.all_accepted(), key=lambda c: (c.start, c.end)):
        if cand.how == "sub" and cand.canonical is None:
            resolve_sub(ctx, cand)
        elif cand.how == "deictic":
            resolve_deictic(ctx, cand)
            _established_now(ctx, cand)
        elif cand.anchor is not None and cand.canonical is None:
            resolve_child(cand)
            _established_now(ctx, cand)
    find_shared_places(ctx)
    for cand in ctx.all_accepted():
        if cand.how == "alias" and cand.canonical is None:
            owner = ctx.aliases.get(cand.text)
            cand.canonical = owner.canonical if owner else None
    extend_places(ctx)
    find_bare_refs(ctx)
    find_short_names(ctx)
    unify_variants(ctx)
    return ctx.all_accepted()
