"""Role facts: a person's titles (from the PERSON stage) linked to organizations."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from typing import TYPE_CHECKING

import regex

from .. import PIPELINE_VERSION
from ..doc import Doc
from ..extract.person import load_rules as person_rules
from ..resolve.org import (
    _has_level,
    article_level_name,
    hit_place,
    level_place_name,
    org_rules,
    place_body_name,
)
from ..spans import Hit, PersonAttrs
from ..versions import ruleset_version
from .model import RoleFact

if TYPE_CHECKING:
    from ..gazetteer import Place

_WORD_CHAR = regex.compile(r"[\p{Han}A-Za-z0-9]")

#: Work counts (organizations and places examined), by lookup; only ever added to.
WORK: Counter[str] = Counter()

# Words before a title's office: 副市长, 常务副局长, 执行会长 hold 市, 局, 会.
_TITLE_HEAD = regex.compile(r"^(?:常务|执行|驻会|名誉)?副?")


def build_role_facts(doc: Doc, kept: list[Hit]) -> list[RoleFact]:
    """Role triples: a person's titles (``PersonAttrs.roles``) linked to an organization.

    A title's organization is the ORG mention right before it (``民政厅二级巡视员``);
    a later title of a chain inherits it (``总局党委书记、副局长赵平``); a chain with none
    takes the organization of the previous person when only ``、``/``，`` separate them,
    else the one the same title had earlier in the article, else the latest organization
    of the article its office names (``局长`` → the article's ``…局``). A place's head
    (``副市长``) is its government's (``南京市人民政府``). An office title after a name
    (``张伟局长``) is found the same way. Bylines (``记者``) are never role facts; a role
    with no organization is none either.
    """

    text = doc.norm
    org_hits = [h for h in kept if h.type == "ORG"]
    org_at_end = {h.end: h for h in org_hits}
    rules = person_rules()
    titles = rules.titles
    earlier_orgs = _EarlierOrgs(doc, org_hits)
    governments = _Governments(doc)

    def orgs_before(article: int, pos: int) -> _Earlier:
        return earlier_orgs.before(article, pos)

    out: list[RoleFact] = []
    seen: set[tuple[str, str, str]] = set()
    title_org: dict[tuple[int, str], str] = {}
    prev: tuple[int, int, str | None] | None = None  # (person end, sentence start, org)
    for h in kept:
        attrs = h.attrs
        if h.type != "PERSON" or not isinstance(attrs, PersonAttrs):
            continue
        via, chain = attrs.via, attrs.roles
        if via not in ("title", "list", "post_title"):
            continue
        if via == "post_title" and not chain:
            continue
        sent = doc.sentence_at(h.start)
        sent_start = sent.start if sent else -1
        article = doc.article_index(h.start)
        if attrs.role in rules.bylines:  # 记者 张敏: a byline, not an office
            prev = (h.end, sent_start, None)
            continue
        current: str | None = None
        if chain and via == "title":
            first = chain[0].span[0]
            gap = text[prev[0] : first] if prev else ""
            if prev and prev[1] == sent_start and gap in ("、", "，", ",", "；"):
                current = prev[2]
        if via == "post_title":  # 民政局张伟局长: the organization before the name
            before = org_at_end.get(h.start)
            current = str(before.norm) if before is not None else None
        links: list[tuple[str, str | None]] = []
        for i, link in enumerate(chain if via in ("title", "post_title") else []):
            (s, e), role = link.span, link.role
            org_hit = org_at_end.get(s) if via == "title" else None
            if org_hit is None and via == "title":
                # An organization may end inside the title (街道党工委|书记 read as
                # 党工委书记): the role is the rest of the title.
                for k in range(e - 1, s, -1):
                    inner = org_at_end.get(k)
                    if inner is not None:
                        if inner.start < s and text[k:e] in titles:
                            org_hit, role = inner, text[k:e]
                        break
            government = governments.of(role, h.start if via == "post_title" else s)
            if org_hit is not None:
                current = str(org_hit.norm)
            elif government is not None:
                links.append((role, government))  # 县委常委、副县长: not the committee's
                continue
            elif i == 0 and current is None:
                earlier = orgs_before(article, s if via == "title" else h.start)
                current = _bare_reference(text, s, earlier) if via == "title" else None
                if current is None and (article, role) not in title_org:
                    current = _office_reference(role, earlier)
            org = current or title_org.get((article, role))
            links.append((role, org))
        for role, org in links:
            if org is None:
                continue
            title_org[(article, role)] = org
            key = (str(h.norm), role, org)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                RoleFact(
                    person=key[0],
                    role=role,
                    org=org,
                    person_span=doc.raw_span(h.start, h.end),
                    # Provenance of the PERSON hit whose titles name the role, as its
                    # mention has it (a model's hit would carry no ruleset).
                    rule_id=h.rule_id,
                    extractor=h.extractor,
                    ruleset_version=(
                        ruleset_version() if h.extractor == "rule" else PIPELINE_VERSION
                    ),
                )
            )
        prev = (h.end, sent_start, links[-1][1] if links else current)
    return out


def _office(role: str) -> str:
    """What a head's title is the head of: 副市长 → 市, 局长 → 局 ("" if not a head)."""
    if not role.endswith("长") or len(role) < 2:
        return ""
    return _TITLE_HEAD.sub("", role[:-1])


def _office_reference(role: str, earlier: _Earlier) -> str | None:
    """The organization a bare head's title refers back to (``张伟局长`` after
    ``南京市民政局``): the latest earlier ORG of the article whose name ends in the office
    (局, 处, 厅), when the office is a body suffix of the ORG rules."""

    office = _office(role)
    if not office or office not in {s.text for s in org_rules().suffixes}:
        return None
    return earlier.last_ending(office)


def _bare_reference(text: str, pos: int, earlier: _Earlier) -> str | None:
    """The organization a bare body word before a title refers to (``，联合会党委书记`` after
    ``中国社会工作联合会``): the latest earlier ORG of the article whose name ends in it."""

    for suffix in org_rules().suffixes:  # longest first
        word = suffix.text
        start = pos - len(word)
        if len(word) < 2 or start < 0 or not text.startswith(word, start):
            continue
        if start > 0 and _WORD_CHAR.match(text[start - 1]):
            return None  # part of a longer name the ORG rules did not take
        return earlier.last_ending(word)
    return None


class _EarlierOrgs:
    """The ORG hits of each article in order, with what each name ends in indexed, so
    that the latest earlier ORG ending in a word is one bisect away."""

    def __init__(self, doc: Doc, org_hits: list[Hit]) -> None:
        self.doc = doc
        self.by_article: dict[int, list[Hit]] = {}
        for o in org_hits:
            self.by_article.setdefault(doc.article_index(o.start), []).append(o)
        self.ends = {art: [o.end for o in hits] for art, hits in self.by_article.items()}
        self.ordered = {  # ends in order (always, after resolve_overlaps): bisect them
            art: all(a <= b for a, b in zip(ends, ends[1:], strict=False))
            for art, ends in self.ends.items()
        }
        self.ending: dict[tuple[int, str], list[int]] = {}  # (article, word) -> indexes

    def before(self, article: int, pos: int) -> _Earlier:
        if self.ordered.get(article, True):
            count = bisect_right(self.ends.get(article, []), pos)  # hits[:count] end by pos
            return _Earlier(self, article, count)
        # ORG hits overlap (never after resolve_overlaps): filter as written
        hits = self.by_article.get(article, [])
        return _Earlier(self, article, -1, [o for o in hits if o.end <= pos])

    def indexes_ending(self, article: int, word: str) -> list[int]:
        key = (article, word)
        found = self.ending.get(key)
        if found is None:
            hits = self.by_article.get(article, [])
            WORK["organizations indexed"] += len(hits)
            found = self.ending[key] = [i for i, o in enumerate(hits) if str(o.norm).endswith(word)]
        return found


class _Earlier:
    """The ORG hits of an article that end at or before a position, in order."""

    def __init__(
        self, orgs: _EarlierOrgs, article: int, count: int, hits: list[Hit] | None = None
    ) -> None:
        self.orgs, self.article, self.count, self.hits = orgs, article, count, hits

    def last_ending(self, word: str) -> str | None:
        """The name of the latest of them whose name ends in ``word``."""
        if self.hits is not None:
            for org in reversed(self.hits):
                if str(org.norm).endswith(word):
                    return str(org.norm)
            return None
        found = self.orgs.indexes_ending(self.article, word)
        k = bisect_left(found, self.count)  # found[:k] are among the first count hits
        if k == 0:
            return None
        return str(self.orgs.by_article[self.article][found[k - 1]].norm)


class _Governments:
    """The governments of heads' titles in a document, the places of each article
    indexed once (``resolve.org.article_level_name`` sorts all of them on every call)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.places: dict[int, _ArticlePlaces] | None = None

    def of(self, role: str, pos: int) -> str | None:
        """The government a place's head (副市长, 县长) belongs to: the place written
        right before the title (南京市副市长), else the article's place of that level."""

        level = _office(role)
        if len(level) != 1 or level not in org_rules().levels:
            return None
        name = self._level_name(pos, level)
        return place_body_name(name, "政府") if name else None

    def _level_name(self, pos: int, level: str) -> str | None:
        """``resolve.org.article_level_name(doc, pos, level)``, from the index."""
        from ..gazetteer import gazetteer

        doc = self.doc
        if self.places is None:
            self.places = _index_places(doc)
        art = doc.article_index(pos)
        places = self.places.get(art)
        if places is None:
            places = _ArticlePlaces([], [])
        if not places.ordered:
            return article_level_name(doc, pos, level)  # nested places: as written
        own, within = places.named(level)
        count = bisect_right(places.ends, pos)  # the places ending at or before pos
        for at, names in (own, within):  # before pos, nearest first
            k = bisect_left(at, count)
            if k > 0:
                return names[k - 1]
        if doc.articles and doc.articles[art].place:
            main = gazetteer().by_adcode.get(str(doc.articles[art].place))
            if main is not None:
                name = level_place_name([(main.name, main)], level)
                if name:
                    return name
        for at, names in (own, within):  # after pos, first first
            k = bisect_left(at, count)
            if k < len(at):
                return names[k]
        return None


class _ArticlePlaces:
    """An article's PLACE hits as ``resolve.org.doc_place_groups`` reads them, in order."""

    def __init__(self, ends: list[int], places: list[tuple[str, Place]]) -> None:
        self.ends = ends
        self.places = places
        self.ordered = all(a <= b for a, b in zip(ends, ends[1:], strict=False))
        self.by_level: dict[str, tuple[tuple[list[int], list[str]], ...]] = {}

    def named(self, level: str) -> tuple[tuple[list[int], list[str]], ...]:
        """Indexes and names of the places of the level (a place's own name), then of the
        places lying in one (the name of the place above), each judged once."""
        found = self.by_level.get(level)
        if found is None:
            WORK["places indexed"] += len(self.places)
            own: tuple[list[int], list[str]] = ([], [])
            within: tuple[list[int], list[str]] = ([], [])
            for i, (surface, place) in enumerate(self.places):
                name = level_place_name([(surface, place)], level)
                if name:
                    target = own if _has_level(place, level) else within
                    target[0].append(i)
                    target[1].append(name)
            found = self.by_level[level] = (own, within)
        return found


def _index_places(doc: Doc) -> dict[int, _ArticlePlaces]:
    """Per article, its PLACE hits resolved as ``resolve.org.doc_place_groups`` does."""
    rows: dict[int, tuple[list[int], list[tuple[str, Place]]]] = {}
    for hit in sorted(doc.hits_of("PLACE"), key=lambda h: h.start):
        found = hit_place(doc, hit)
        if found is not None:
            ends, places = rows.setdefault(doc.article_index(hit.start), ([], []))
            ends.append(hit.end)
            places.append(found)
    return {art: _ArticlePlaces(ends, places) for art, (ends, places) in rows.items()}
