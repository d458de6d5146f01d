"""Role facts: a person's titles (from the PERSON stage) linked to organizations."""

from __future__ import annotations

import regex

from ..doc import Doc
from ..spans import Hit
from .model import RoleFact


def build_role_facts(doc: Doc, kept: list[Hit]) -> list[RoleFact]:
    """Role triples: a person's titles (``attrs["roles"]``) linked to an organization.

    A title's organization is the ORG mention right before it (``民政厅二级巡视员``);
    a later title of a chain inherits it (``总局党委书记、副局长赵平``); a chain with none
    takes the organization of the previous person when only ``、``/``，`` separate them,
    else the one the same title had earlier in the article. A role with no organization
    is not a role fact.
    """
    from ..extract.person import load_rules as person_rules

    text = doc.norm
    org_hits = [h for h in kept if h.type == "ORG"]
    org_at_end = {h.end: h for h in org_hits}
    titles = person_rules().titles

    def orgs_before(article: int, pos: int) -> list[Hit]:
        return [o for o in org_hits if o.end <= pos and doc.article_index(o.start) == article]

    out: list[RoleFact] = []
    seen: set[tuple[str, str, str]] = set()
    title_org: dict[tuple[int, str], str] = {}
    prev: tuple[int, int, str | None] | None = None  # (person end, sentence start, org)
    for h in kept:
        if h.type != "PERSON" or h.attrs.get("via") not in ("title", "list"):
            continue
        chain = [c for c in h.attrs.get("roles") or [] if isinstance(c, dict)]
        sent = doc.sentence_at(h.start)
        sent_start = sent.start if sent else -1
        article = doc.article_index(h.start)
        current: str | None = None
        if chain and h.attrs.get("via") == "title":
            first = int(chain[0]["span"][0])  # type: ignore[index]
            gap = text[prev[0] : first] if prev else ""
            if prev and prev[1] == sent_start and gap in ("、", "，", ",", "；"):
                current = prev[2]
        links: list[tuple[str, str | None]] = []
        for i, link in enumerate(chain if h.attrs.get("via") == "title" else []):
            s, e = link["span"]  # type: ignore[misc]
            role = str(link["role"])
            org_hit = org_at_end.get(int(s))
            if org_hit is None:
                # An organization may end inside the title (街道党工委|书记 read as
                # 党工委书记): the role is the rest of the title.
                for k in range(int(e) - 1, int(s), -1):
                    inner = org_at_end.get(k)
                    if inner is not None:
                        if inner.start < int(s) and text[k : int(e)] in titles:
                            org_hit, role = inner, text[k : int(e)]
                        break
            if org_hit is not None:
                current = str(org_hit.norm)
            elif i == 0 and current is None:
                current = _bare_reference(text, int(s), orgs_before(article, int(s)))
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
