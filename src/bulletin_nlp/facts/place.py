"""The place of a figure (an adcode), from the places ``facts.precedence.place`` lists,
first match wins.

Steps:
- ``distributed``: a list after 分别 hands its figures the listed places in order
  (``杭州市、宁波市社工站分别达到190个和150个``);
- ``clause_place``: the place named last before the figure in its clause; a list of
  places (``王庄镇、小河镇、上乐村镇``) gives their common ancestor;
- ``scope_word``: a scope word before the figure in its clause, at its level of the
  article's place (``全国`` → the nation, ``全市`` → the city of the article's place, even
  when that place is one of its districts, ``全省`` → its province);
- ``national_org``: a national body before the figure in its sentence (民政部) speaks of
  the nation;
- ``sentence_place``: the place named last before the figure in its sentence;
- ``article_place``: the article's place (the nation when the article speaks of 全国
  more often than of its own place).
"""

from __future__ import annotations

from ..gazetteer import gazetteer
from ..spans import Hit
from .context import NATIONAL, DocContext, Figure, Step
from .year import distributed_index

_DIRECT = ("11", "12", "31", "50")  # municipalities: city and province are one


def adcode(hit: Hit) -> str | None:
    return str(hit.norm.get("adcode")) if isinstance(hit.norm, dict) else None


def common_ancestor(codes: list[str]) -> str:
    """The lowest place containing every adcode (``100000`` for different provinces)."""
    first = codes[0]
    if all(c == first for c in codes):
        return first
    if all(c[:4] == first[:4] for c in codes):
        return first[:4] + "00"
    if all(c[:2] == first[:2] for c in codes):
        return first[:2] + "0000"
    return NATIONAL


def list_place(ctx: DocContext, hit: Hit) -> str | None:
    """The place of a figure whose nearest place is ``hit``: when ``hit`` ends a list
    (``王庄镇、小河镇、上乐村镇``) the figure covers them all, so their common ancestor."""
    text = ctx.text
    ordered = ctx.place_index.hits
    i = ctx.place_index.index_of(hit)
    members = [hit]
    while i > 0 and text[ordered[i - 1].end : ordered[i].start] in ("、", "和", "及", "与", "，"):
        i -= 1
        members.append(ordered[i])
    codes = [c for c in (adcode(h) for h in members) if c]
    return common_ancestor(codes) if codes else None


def article_place(fig: Figure, ctx: DocContext) -> str | None:
    """The article's place, or the nation when the article speaks of 全国 more often than
    of its own main place (a national report that mentions one province in passing)."""
    art = fig.article
    if art is None:
        return None
    key = ("article_place", fig.article_index)
    if key in ctx.cache:
        return ctx.cache[key]  # type: ignore[no-any-return]
    text = ctx.text
    nation_words = [w for w, scope in ctx.rules.scope().items() if scope == "nation"]
    nation = sum(text.count(w, art.start, art.end) for w in nation_words)
    own = sum(1 for h in ctx.place_index.within(art.start, art.end) if adcode(h) == art.place)
    place = NATIONAL if nation and nation > own else art.place
    lead_end = art.headline_span[1] if art.headline_span else art.start
    body = ctx.doc.sentences_within(lead_end, art.end)[:2]
    lead_end = max([lead_end, *(s.end for s in body)])
    if place is None and any(
        p.search(str(h.norm))
        for h in ctx.org_index.within(art.start, lead_end)
        for p in ctx.rules.patterns("national_org")
    ):
        place = NATIONAL  # an article whose lead is a national body's (民政部…介绍)
    ctx.cache[key] = place
    return place


def _clause_place(fig: Figure, ctx: DocContext) -> str | None:
    hit = ctx.place_index.nearest_before(fig.start, fig.clause[0])
    return list_place(ctx, hit) if hit is not None else None


def _level_of(code: str) -> str:
    """province, city or county, by the adcode's shape; a county-level city (县级市,
    恩平市) answers ``city`` too, for 全市 in its own articles means it."""
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    place = gazetteer().by_adcode.get(code)
    if place is not None and place.name.endswith("市"):
        return "county-city"
    return "county"


def at_level(code: str | None, level: str) -> str | None:
    """The place at ``level`` (province, city, county) containing ``code``, or None when
    ``code`` lies above that level."""
    if code is None or code == NATIONAL or level == "article":
        return code
    own = _level_of(code)
    if level == "province" or (level == "city" and code[:2] in _DIRECT):
        return code[:2] + "0000"
    if level == "city":
        if own == "province":
            return None
        return code if own in ("city", "county-city") else code[:4] + "00"
    # county: the place itself at county level; 全区 of a region (内蒙古) is the region
    return None if own == "city" else code


def _scope_word(fig: Figure, ctx: DocContext) -> str | None:
    """The place a scope word means: the article's place at the word's level, else the
    last place of that level named before the figure in the article."""
    cs = fig.clause[0]
    head = ctx.text[cs : fig.start]
    scopes = ctx.rules.scope()
    bases = ctx.rules.words("base") + ("占",)
    word = next(
        (
            w
            for w in scopes
            if (k := head.find(w)) >= 0 and not any(head[:k].endswith(b) for b in bases)
        ),
        None,
    )  # 占全省…的34.8%: the province is the base of the share, not its scope
    if word is None:
        return None
    level = scopes[word]
    if level == "nation":
        return NATIONAL
    found = at_level(article_place(fig, ctx), level)
    if found is not None:
        return found
    start, _end = ctx.article_bounds(fig)
    # Every place the place stage read, names of organizations included (廊坊市民政局).
    for hit in reversed(ctx.stage_places.within(start, fig.start)):
        code = adcode(hit)
        if code is not None and (found := at_level(code, level)) is not None:
            return found
    return article_place(fig, ctx)


def _national_org(fig: Figure, ctx: DocContext) -> str | None:
    """A national body before the figure in its sentence (民政部, 国务院) speaks of the
    nation, unless a place is named between them."""
    lo = fig.sentence[0]
    org = ctx.org_index.nearest_before(fig.start, lo)
    if org is None or not any(p.search(str(org.norm)) for p in ctx.rules.patterns("national_org")):
        return None
    if ctx.place_index.within(org.end, fig.start):
        return None
    return NATIONAL


def _distributed(fig: Figure, ctx: DocContext) -> str | None:
    found = distributed_index(fig, ctx)
    if found is None:
        return None
    at, index, count = found
    listed = _listed_places(ctx, ctx.place_index.within(fig.sentence[0], at))
    return listed[index] if len(listed) == count else None


def _listed_places(ctx: DocContext, places: list[Hit]) -> list[str]:
    """The adcodes of the last run of places joined by 、/和 (杭州市、宁波市)."""
    run: list[str] = []
    prev: Hit | None = None
    for h in places:
        code = adcode(h)
        if code is None:
            continue
        if prev is not None and ctx.text[prev.end : h.start] not in ("、", "和", "及", "与", "，"):
            run = []
        run.append(code)
        prev = h
    return run


def _sentence_place(fig: Figure, ctx: DocContext) -> str | None:
    hit = ctx.place_index.nearest_before(fig.start, fig.sentence[0])
    return list_place(ctx, hit) if hit is not None else None


STEPS: dict[str, Step] = {
    "distributed": _distributed,
    "clause_place": _clause_place,
    "scope_word": _scope_word,
    "national_org": _national_org,
    "sentence_place": _sentence_place,
    "article_place": article_place,
}
