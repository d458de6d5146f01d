"""Role facts: a person's titles (from the PERSON stage) linked to organizations."""

from __future__ import annotations

import regex

from ..doc import Doc
from ..spans import Hit
from .model import RoleFact

# Words before a title's office: 副市长, 常务副局长, 执行会长 hold 市, 局, 会.
_TITLE_HEAD = regex.compile(r"^(?:常务|执行|驻会|名誉)?副?")


def build_role_facts(doc: Doc, kept: list[Hit]) -> list[RoleFact]:
    """Role triples: a person's titles (``attrs["roles"]``) linked to an organization.

    A title's organization is the ORG mention right before it (``民政厅二级巡视员``);
    a later title of a chain inherits it (``总局党委书记、副局长赵平``); a chain with none
    takes the organization of the previous person when only ``、``/``，`` separate them,
    else the one the same title had earlier in the article, else the latest organization
    of the article its office names (``局长`` → the article's ``…局``). A place's head
    (``副市长``) is its government's (``南京市人民政府``). An office title after a name
    (``张伟局长``) is found the same way. Bylines (``记者``) are never role facts; a role
    with no organization is none either.
    """
    from ..extract.person import load_rules as person_rules

    text = doc.norm
    org_hits = [h for h in kept if h.type == "ORG"]
    org_at_end = {h.end: h for h in org_hits}
    rules = person_rules()
    titles = rules.titles

    def orgs_before(article: int, pos: int) -> list[Hit]:
        return [o for o in org_hits if o.end <= pos and doc.article_index(o.start) == article]

    out: list[RoleFact] = []
    seen: set[tuple[str, str, str]] = set()
    title_org: dict[tuple[int, str], str] = {}
    prev: tuple[int, int, str | None] | None = None  # (person end, sentence start, org)
    for h in kept:
        via = h.attrs.get("via")
        if h.type != "PERSON" or via not in ("title", "list", "post_title"):
            continue
        chain = [c for c in h.attrs.get("roles") or [] if isinstance(c, dict)]
        if via == "post_title" and not chain:
            continue
        sent = doc.sentence_at(h.start)
        sent_start = sent.start if sent else -1
        article = doc.article_index(h.start)
        if h.attrs.get("role") in rules.bylines:  # 记者 张敏: a byline, not an office
            prev = (h.end, sent_start, None)
            continue
        current: str | None = None
        if chain and via == "title":
            first = int(chain[0]["span"][0])  # type: ignore[index]
            gap = text[prev[0] : first] if prev else ""
            if prev and prev[1] == sent_start and gap in ("、", "，", ",", "；"):
                current = prev[2]
        if via == "post_title":  # 民政局张伟局长: the organization before the name
            before = org_at_end.get(h.start)
            current = str(before.norm) if before is not None else None
        links: list[tuple[str, str | None]] = []
        for i, link in enumerate(chain if via in ("title", "post_title") else []):
            s, e = link["span"]  # type: ignore[misc]
            role = str(link["role"])
            org_hit = org_at_end.get(int(s)) if via == "title" else None
            if org_hit is None and via == "title":
                # An organization may end inside the title (街道党工委|书记 read as
                # 党工委书记): the role is the rest of the title.
                for k in range(int(e) - 1, int(s), -1):
                    inner = org_at_end.get(k)
                    if inner is not None:
                        if inner.start < int(s) and text[k : int(e)] in titles:
                            org_hit, role = inner, text[k : int(e)]
                        break
            government = _government(doc, role, h.start if via == "post_title" else int(s))
            if org_hit is not None:
                current = str(org_hit.norm)
            elif government is not None:
                links.append((role, government))  # 县委常委、副县长: not the committee's
                continue
            elif i == 0 and current is None:
                earlier = orgs_before(article, int(s) if via == "title" else h.start)
                current = _bare_reference(text, int(s), earlier) if via == "title" else None
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
                    person=key[0], role=role, org=org, person_span=doc.raw_span(h.start, h.end)
                )
            )
        prev = (h.end, sent_start, links[-1][1] if links else current)
    return out


def _office(role: str) -> str:
    """What a head's title is the head of: 副市长 → 市, 局长 → 局 ("" if not a head)."""
    if not role.endswith("长") or len(role) < 2:
        return ""
    return _TITLE_HEAD.sub("", role[:-1])


def _government(doc: Doc, role: str, pos: int) -> str | None:
    """The government a place's head (副市长, 县长) belongs to: the place written right
    before the title (南京市副市长), else the article's place of that level."""
    from ..resolve_org import article_level_name, org_rules, place_body_name

    level = _office(role)
    if len(level) != 1 or level not in org_rules().levels:
        return None
    name = article_level_name(doc, pos, level)
    return place_body_name(name, "政府") if name else None


def _office_reference(role: str, earlier: list[Hit]) -> str | None:
    """The organization a bare head's title refers back to (``张伟局长`` after
    ``南京市民政局``): the latest earlier ORG of the article whose name ends in the office
    (局, 处, 厅), when the office is a body suffix of the ORG rules."""
    from ..resolve_org import org_rules

    office = _office(role)
    if not office or office not in {s.text for s in org_rules().suffixes}:
        return None
    for org in reversed(earlier):
        if str(org.norm).endswith(office):
            return str(org.norm)
    return None


def _bare_reference(text: str, pos: int, earlier: list[Hit]) -> str | None:
    """The organization a bare body word before a title refers to (``，联合会党委书记`` after
    ``中国社会工作联合会``): the latest earlier ORG of the article whose name ends in it."""
    from ..resolve_org import org_rules

    for suffix in org_rules().suffixes:  # longest first
        word = suffix.text
        start = pos - len(word)
        if len(word) < 2 or start < 0 or not text.startswith(word, start):
            continue
        if start > 0 and regex.match(r"[\p{Han}A-Za-z0-9]", text[start - 1]):
            return None  # part of a longer name the ORG rules did not take
        for org in reversed(earlier):
            if str(org.norm).endswith(word):
                return str(org.norm)
        return None
    return None
