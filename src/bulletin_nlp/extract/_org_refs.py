"""ORG references that need the whole document: aliases, sub-bodies, level words, short forms.

Runs after :mod:`.org` has collected the anchored names; every rule here maps a partial
name to a full name the same document (preferably the same article) establishes.
"""

from __future__ import annotations

import regex

from ..resolve_org import child_name, expand_body, local_body, place_body_name, split_place
from .org import Cand, Context


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _near(ctx: Context, cands: list[Cand], pos: int) -> list[Cand]:
    """Candidates ordered: same article first, then by distance to ``pos``."""
    art = ctx.doc.article_index(pos)
    return sorted(cands, key=lambda c: (ctx.doc.article_index(c.start) != art, abs(c.start - pos)))


def _established(ctx: Context) -> list[Cand]:
    """Candidates with a canonical name of their own (a level word's once resolved)."""
    return [c for c in ctx.all_accepted() if c.canonical and c.how != "sub"]


# -- aliases ---------------------------------------------------------------------------------


def find_aliases(ctx: Context) -> None:
    """``X（以下简称“Y”）``: Y, there and later, is X."""
    norm = ctx.doc.norm
    cues = "|".join(regex.escape(c) for c in ctx.rules.alias_cues)
    pattern = regex.compile(r"（(?:" + cues + r")[“\"]?([\p{Han}A-Za-z]{2,12})[”\"]?）")
    rule_id = ctx.rules.rule_of.get("alias_cue", "alias")
    for m in pattern.finditer(norm):
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
        for later in regex.finditer(regex.escape(alias), norm, pos=m.end()):
            s, e = later.span()
            if (
                s in ctx.bounds
                and e in ctx.bounds
                and not ctx.covered(s, e)
                and not ctx.in_title(s, e)
            ):
                ctx.accept(Cand(s, e, alias, owner.group, "alias", owner.canonical, rule_id))


# -- sub-bodies ------------------------------------------------------------------------------


def _variant(a: str, b: str) -> bool:
    """Near-identical names: same head and tail, one a subsequence of the other."""
    if a == b or min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 4:
        return a == b
    short, long = sorted((a, b), key=len)
    return a[:2] == b[:2] and a[-2:] == b[-2:] and _is_subsequence(short, long)


def _match_component(ctx: Context, cand: Cand, text: str) -> bool:
    """Resolve ``text`` as the body of a known compound (exactly, then as a variant)."""
    compounds = _near(ctx, [c for c in _established(ctx) if c.parent and c.body], cand.start)
    compounds = [c for c in compounds if c.how != "deictic"]
    for same in (lambda body: body == text, lambda body: _variant(body, text)):
        for c in compounds:
            if same(c.body) and c.parent:
                cand.canonical, cand.parent, cand.body = c.parent + c.body, c.parent, c.body
                return True
    return False


def resolve_sub(ctx: Context, cand: Cand) -> None:
    """A sub-body: a known compound with this body, a variant of one, or the nearest parent."""
    if cand.wide_start is not None:
        wide = ctx.doc.norm[cand.wide_start : cand.end]
        if _match_component(ctx, cand, wide):
            cand.start, cand.text = cand.wide_start, wide
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
    parents = [
        c
        for c in _established(ctx)
        if c.group in suffix.parents and lo <= c.start and c.end <= cand.start
    ]
    if parents:
        parent = max(parents, key=lambda c: c.end)
        canon = parent.canonical or parent.text
        name = child_name(parent.stem or canon, cand.text)
        cand.canonical, cand.parent, cand.body = name, canon, cand.text


# -- level words -----------------------------------------------------------------------------


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
        full = [
            c
            for c in _established(ctx)
            if c.how in ("place", "source")
            and c.text.endswith(cand.text)
            and len(c.text) > len(cand.text)
        ]
        near = _near(ctx, full, cand.start)  # the same article's first
        fuller = near[0] if near else None
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
            taken = [c for c in ctx.all_accepted() if c.start < end and start < c.end]
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
    for word in ctx.rules.bare_refs:
        for m in regex.finditer(regex.escape(word), norm):
            s, e = m.span()
            if s not in ctx.bounds or e not in ctx.bounds or ctx.covered(s, e):
                continue
            art = ctx.doc.article_index(s)
            owners = {
                c.canonical
                for c in _established(ctx)
                if c.canonical
                and c.canonical.endswith(word)
                and c.canonical != word
                and ctx.doc.article_index(c.start) == art
            }
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
    for company in companies:
        core = _core(ctx, company)
        if len(core) < 4:
            continue
        for m in regex.finditer(regex.escape(core[:2]), norm):
            s = m.start()
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


def extend_places(ctx: Context) -> None:
    """``永昌街道社工站`` → the article's ``长春市朝阳区永昌街道社工站``: same name, fuller place."""
    full = [c for c in _established(ctx) if c.how == "place" and c.canonical]
    for cand in full:
        for c in _near(ctx, full, cand.start):
            if (
                len(c.text) > len(cand.text)
                and c.text.endswith(cand.text)
                and split_place(c.text[: -len(cand.text)])
                and ctx.doc.article_index(c.start) == ctx.doc.article_index(cand.start)
            ):
                cand.canonical = c.canonical
                break


def unify_variants(ctx: Context) -> None:
    """Near-identical free-standing names share one canonical name (the better established)."""
    # Only free-standing names: 长春市民政局 and 长春市朝阳区民政局 are two bodies.
    names = [c for c in ctx.all_accepted() if c.how == "name" and c.canonical]
    counts: dict[str, int] = {}
    for c in names:
        counts[c.canonical or ""] = counts.get(c.canonical or "", 0) + 1
    for c in names:
        for other in names:
            a, b = c.canonical or "", other.canonical or ""
            if a == b or not _variant(a, b):
                continue
            rank_a, rank_b = (counts[a], len(a)), (counts[b], len(b))
            if rank_b > rank_a:
                c.canonical = b


def resolve_references(ctx: Context) -> list[Cand]:
    """Resolve every partial name; returns all candidates (unresolved ones with canonical None)."""
    find_aliases(ctx)
    for cand in sorted(ctx.all_accepted(), key=lambda c: (c.start, c.end)):
        if cand.how == "sub" and cand.canonical is None:
            resolve_sub(ctx, cand)
        elif cand.how == "deictic":
            resolve_deictic(ctx, cand)
        elif cand.anchor is not None and cand.canonical is None:
            resolve_child(cand)
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
