"""DATE stage: find date expressions in ``doc.norm`` and normalize them.

Order of work:

1. candidates from the extract patterns of ``rules/date.yaml``; those inside a title
   (``《…》``, a DOCUMENT or ORG swallows them) or cutting a jieba word are dropped
   (:func:`bulletin_nlp.date_spans.date_matches`, found by the frames stage);
2. each hit is normalized against its article's own year and date (``Article.year``,
   ``Article.date``, set by the frames stage), else the issue year; an anaphoric year
   (``上年``) against the year its sentence, else its paragraph, names before it
   (截至2012年底…比上年 → 2011); a bare day (``19日``, ``18日至19日``) takes the month
   of the previous date in the same article. A range that would end before it starts
   (:class:`~bulletin_nlp.dates.InvertedRange`) yields no mention; the reason is logged.
"""

from __future__ import annotations

import logging

from ..date_spans import anchor_year
from ..dates import DateMatch, InvertedRange, date_rules, explicit_year, resolve
from ..doc import Doc
from ..spans import DateAttrs, Hit

log = logging.getLogger(__name__)

TYPE = "DATE"
REQUIRES = ("articles", "sentences", "date_matches", "article.year", "article.date")
ASSIGNS = ("hits:DATE",)
RULES = ("date",)


def _spoken_year(doc: Doc, matches: list[DateMatch], i: int, lo: int) -> int | None:
    """The year the text speaks of at ``matches[i]``: the explicit year of the last date
    before it in its sentence, else in its paragraph (``截至2012年底，全国共有…。全国共有
    社会团体27.1万个，比上年增长6.3%``: the paragraph still speaks of 2012), else after
    ``lo``."""
    sent = doc.sentence_at(matches[i].start)
    if sent is None:
        return None
    para = doc.paragraphs[sent.paragraph] if sent.paragraph < len(doc.paragraphs) else None
    lo = min(lo, para[0] if para else sent.start)
    for m in reversed(matches[:i]):
        if m.start < lo:
            break
        year = explicit_year(m.groups)
        if year is not None:
            return year
    return None


def extract(doc: Doc) -> list[Hit]:
    """DATE hits over ``doc.norm``, each resolved against its own article's year."""
    text = doc.norm
    matches = doc.date_matches
    hits: list[Hit] = []
    last_month: dict[int, tuple[str | None, str]] = {}  # article -> (year, month) it named
    anaphoric = set(date_rules().cues.get("anaphoric", ()))
    for i, m in enumerate(matches):
        article = doc.article_index(m.start) if doc.articles else -1
        art = doc.articles[article] if doc.articles else None
        own = art.year if art is not None else None
        ref_year = own if own is not None else doc.issue_year
        ref_date = art.date if art is not None else None
        groups = dict(m.groups)
        if groups.get("rel") in anaphoric:
            # 上年 is the year before the one the text speaks of (截至2012年底…比上年), not
            # before the article's.
            # An article without a year of its own (a statistics release) speaks of the
            # last year it named, in an earlier paragraph too.
            lo = art.start if art is not None and ref_year is None else len(text)
            ref_year = _spoken_year(doc, matches, i, lo) or ref_year
        if "d" in groups and not {"m", "m2"} & groups.keys() and article in last_month:
            # A bare day (``19日``, ``18日至19日``) continues the month of the previous date.
            prev_year, groups["m"] = last_month[article]
            if prev_year is not None:
                groups["y"] = prev_year
        try:
            iso = resolve(groups, ref_year, ref_date)
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
                attrs=DateAttrs(
                    year=explicit_year(m.groups), anchor=anchor_year(doc, m) is not None
                ),
            )
        )
    return hits
