"""DATE stage: find date expressions in ``doc.norm`` and normalize them.

Order of work:

1. candidates from the extract patterns of ``rules/date.yaml``; those inside a title
   (``《…》``, a DOCUMENT or ORG swallows them) or cutting a jieba word are dropped
   (:func:`bulletin_nlp.date_spans.date_matches`, shared with the frames stage);
2. each hit is normalized against its article's own year (``Article.year``, set by the
   frames stage), else the issue year; a bare day (``19日``, ``18日至19日``) takes the
   month of the previous date in the same article. A range that would end before it
   starts (:class:`~bulletin_nlp.dates.InvertedRange`) yields no mention; the reason is
   logged.
"""

from __future__ import annotations

import logging

from ..date_spans import anchor_year
from ..dates import InvertedRange, explicit_year, resolve
from ..doc import Doc
from ..spans import Hit

log = logging.getLogger(__name__)

TYPE = "DATE"
REQUIRES = ("articles", "sentences", "article.year")
ASSIGNS = ("hits:DATE",)
RULES = ("date",)


def extract(doc: Doc) -> list[Hit]:
    """DATE hits over ``doc.norm``, each resolved against its own article's year."""
    text = doc.norm
    matches = doc.date_matches
    hits: list[Hit] = []
    last_month: dict[int, tuple[str | None, str]] = {}  # article -> (year, month) it named
    for m in matches:
        article = doc.article_index(m.start) if doc.articles else -1
        own = doc.articles[article].year if doc.articles else None
        ref_year = own if own is not None else doc.issue_year
        groups = dict(m.groups)
        if "d" in groups and not {"m", "m2"} & groups.keys() and article in last_month:
            # A bare day (``19日``, ``18日至19日``) continues the month of the previous date.
            prev_year, groups["m"] = last_month[article]
            if prev_year is not None:
                groups["y"] = prev_year
        try:
            iso = resolve(groups, ref_year)
        except InvertedRange as exc:
            span = text[m.start : m.end]
            log.info("%s: no DATE for %r at %d (%s): %s", doc.path, span, m.start, m.rule.id, exc)
            continue
        if "m" in m.groups and "m2" not in m.groups and iso:
            last_month[article] = (iso[:4] if iso[:4].isdigit() else None, m.groups["m"])
        hits.append(
            Hit(
                start=m.start,
                end=m.end,
                type=TYPE,
                norm=iso,
                rule_id=m.rule.id,
                attrs={"year": explicit_year(m.groups), "anchor": anchor_year(doc, m) is not None},
            )
        )
    return hits
