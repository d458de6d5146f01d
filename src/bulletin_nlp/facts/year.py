"""The year a figure describes, in the order ``facts.precedence.year`` gives.

Steps:
- ``table_column``: a figure of a table whose column header is a year (2007年);
- ``headline_echo``: a figure in a headline takes the year of the same figure in its
  article's body (same unit; the same value, or one its approximation covers:
  ``突破89万个`` for ``89.2万个``);
- ``distributed``: a list after 分别/先后 hands its figures the listed years in order
  (``2019年至2021年…先后达到5万人、6万人和8万人``);
- ``comparison_base``: the figure of a comparison base takes the base's year
  (``与2021年的2.4万个相比``); every other figure ignores that date;
- ``sentence_date``: a date in the figure's clause, or before it in the sentence when it
  frames the figure: a deadline of a target (到2025年), an as-of date (截至2022年底), a
  period (“十三五”时期) or a date standing as a clause of its own (2022年，…); never a
  comparison base nor the start of a span (2018年以来);
- ``since``: a span running to the article's date (2018年以来…累计) gives the article's
  year, or null when the article has none;
- ``now_word``: 目前, 现有: the article's year, or null;
- ``paragraph_frame``: an as-of date, a period or a date standing as its own clause in
  an earlier sentence of the paragraph (the latest one) holds for the figures after it;
- ``report_year``: a statistics release whose headline names its year (2023年…统计数据)
  dates its undated figures; a yearly report named with its year (《2019年…统计公报》)
  dates figures of a sentence with 全年/年底 and no date of its own;
- ``article_year``: the year of the figure's own article;
- ``previous_result``: in an article without a year, the year of the last dated result
  before the figure (never for a target).

Nothing here reads another article: an article without a date of its own gives null.
"""

from __future__ import annotations

from bisect import bisect_left

import regex

from ..spans import Hit
from .context import NULL, DocContext, Figure, Step
from .modality import target_cue, year_of

_HAN = regex.compile(r"\p{Han}")

# What may stand before a date that opens a clause: spaces and opening quotes, after
# the start of the sentence or the end of a clause.
_OPENERS = " \u3000“‘\"'"
_CLAUSE_ENDS = "，,：:；;"
# What may join the years of a list: 2019年、2020年和2021年; 2019年至2021年.
_LIST_JOINS = ("、", "，", "和", "及", "与")
_RANGE_JOINS = ("至", "到", "-", "—", "–", "～", "~")
_FRAME_REACH = 2000  # characters: how far back a paragraph's frame may stand


def frames(text: str, lo: int, d: Hit, frame_words: tuple[str, ...]) -> bool:
    """Whether date ``d`` stands as a clause of its own (``2022年，…``) or opens its
    sentence (``2014年中国福利彩票年销售…``): then it sets the time of everything the
    sentence (from ``lo``) reports after it. Spans to now (以来) are excluded by callers."""
    k = d.start
    while k > lo and text[k - 1] in _OPENERS:
        k -= 1
    if k > lo and text[k - 1] not in _CLAUSE_ENDS:
        return False
    if _HAN.match(text, d.end, d.end + 1):
        # The sentence or clause opens with its time and the rest of the sentence lists
        # on: 2014年中国福利彩票年销售…; 去年享受低保的人口为4063万，特困人员472万
        return True
    return text.startswith(frame_words, d.end)


def base_scope(d: Hit, fig: Figure, ctx: DocContext) -> tuple[int, int] | None:
    """Where the figures of a comparison base lie when ``d`` is one (``较2022年的1000人``,
    ``与2021年的2.4万个相比``); None when ``d`` is no comparison base."""
    text, rules = ctx.text, ctx.rules
    cs, ce = fig.clause
    pre = text[max(cs, d.start - 3) : d.start]
    if pre.endswith(rules.words("base")):
        return d.end, d.end + 2  # the base figure follows the date directly (…年的1000人)
    if pre.endswith(rules.words("base_open")):
        close = min(
            (k for w in rules.words("base_close") if (k := text.find(w, d.end, ce)) >= 0),
            default=-1,
        )
        if close >= 0:
            return d.end, close
    return None


def _starts_span(d: Hit, ctx: DocContext) -> bool:
    """A date that starts a span running to now (2018年以来)."""
    return ctx.text.startswith(ctx.rules.words("since"), d.end)


def _table_column(fig: Figure, ctx: DocContext) -> int | None:
    cell = ctx.cell_of(fig)
    return cell.year if cell is not None else None


def _headline_echo(fig: Figure, ctx: DocContext) -> object:
    twin = ctx.body_twin(fig)
    if twin is None:
        return None
    year = twin.resolved.get("year")
    return NULL if year is None else year


def listed_years(dates: list[Hit], text: str) -> list[int]:
    """The years a run of dates lists, ranges expanded (``2019年至2021年`` → three)."""
    years: list[int] = []
    prev: Hit | None = None
    for d in dates:
        iso = str(d.norm)
        first, last = year_of(iso, prefer_end=False), year_of(iso, prefer_end=True)
        if first is None or last is None:
            return []
        gap = text[prev.end : d.start] if prev is not None else ""
        if prev is not None and gap in _RANGE_JOINS and years:
            years.extend(range(years[-1] + 1, last + 1))
        elif prev is not None and gap not in _LIST_JOINS:
            years = list(range(first, last + 1))  # a new run starts here
        else:
            years.extend(range(first, last + 1))
        prev = d
    return years


def distributed_index(fig: Figure, ctx: DocContext) -> tuple[int, int, int] | None:
    """(position of the distributor word, index of the figure in the list after it, the
    list's length) when a 分别/先后 list holds the figure."""
    lo, hi = fig.sentence
    text = ctx.text
    at = max((text.rfind(w, lo, fig.start) for w in ctx.rules.words("distribute")), default=-1)
    if at < 0:
        return None
    ids = [id(q) for q in ctx.quantity_index.within(at, hi) if q.end <= hi]
    if id(fig.hit) not in ids or len(ids) < 2:
        return None
    return at, ids.index(id(fig.hit)), len(ids)


def _distributed(fig: Figure, ctx: DocContext) -> int | None:
    found = distributed_index(fig, ctx)
    if found is None:
        return None
    at, index, count = found
    years = listed_years(ctx.date_index.within(fig.sentence[0], at), ctx.text)
    return years[index] if len(years) == count else None


def _comparison_base(fig: Figure, ctx: DocContext) -> int | None:
    cs, ce = fig.clause
    for d in ctx.date_index.within(cs, ce):
        scope = base_scope(d, fig, ctx)
        if scope is not None and scope[0] <= fig.start < scope[1]:
            return year_of(str(d.norm), prefer_end=True)
    return None


def _sentence_date(fig: Figure, ctx: DocContext) -> int | None:
    text, rules = ctx.text, ctx.rules
    lo, hi = fig.sentence
    cs, ce = fig.clause
    dates = [d for d in ctx.date_index.within(lo, hi) if d.end <= hi]
    is_target = target_cue(fig, ctx)
    as_of_words, period_words = rules.words("as_of"), rules.words("period")
    frame_words = rules.words("frame")
    for d in sorted(dates, key=lambda d: abs(d.start - fig.start)):
        in_clause = cs <= d.start < ce
        pre = text[max(lo, d.start - 3) : d.start]
        as_of = pre.endswith(as_of_words)
        period = text.startswith(period_words, d.end) or text.startswith(period_words, d.end + 1)
        if not in_clause and not (
            d.end <= fig.start
            and (is_target or as_of or period or frames(text, lo, d, frame_words))
        ):
            continue
        if base_scope(d, fig, ctx) is not None or _starts_span(d, ctx):
            continue
        year = year_of(str(d.norm), prefer_end=True)
        if year is not None:
            return year
    return None


def _article_year_or_null(fig: Figure) -> object:
    year = fig.article.year if fig.article is not None else None
    return NULL if year is None else year


def _since(fig: Figure, ctx: DocContext) -> object:
    lo = fig.sentence[0]
    before = [d for d in ctx.date_index.within(lo, fig.start) if d.end <= fig.start]
    if before and _starts_span(before[-1], ctx):
        return _article_year_or_null(fig)
    return None


def _now_word(fig: Figure, ctx: DocContext) -> object:
    head = ctx.text[fig.sentence[0] : fig.start]
    if any(w in head for w in ctx.rules.words("now")):
        return _article_year_or_null(fig)
    return None


def _paragraph_frame(fig: Figure, ctx: DocContext) -> int | None:
    text, rules = ctx.text, ctx.rules
    ps = fig.paragraph[0]
    lo = fig.sentence[0]
    intro = ctx.list_intro(fig)
    if intro is not None and intro[0] < ps:
        ps = intro[0]  # a list or table row: its introduction's frame holds (截至…如下：)
    strict_as_of = tuple(w for w in rules.words("as_of") if w.startswith("截"))
    period_words, frame_words = rules.words("period"), rules.words("frame")
    # The latest frame first, no further back than _FRAME_REACH: a one-line document is
    # one paragraph, and a frame that far back frames nothing any more.
    for d in reversed(ctx.date_index.within(max(ps, lo - _FRAME_REACH), lo)):
        if _starts_span(d, ctx) or base_scope(d, fig, ctx) is not None:
            continue
        sent = ctx.doc.sentence_at(d.start)
        s_lo = sent.start if sent else ps
        pre = text[max(s_lo, d.start - 3) : d.start]
        framing = (
            pre.endswith(strict_as_of)
            or text.startswith(period_words, d.end)
            or text.startswith(period_words, d.end + 1)
            or frames(text, s_lo, d, frame_words)
        )
        if framing:
            return year_of(str(d.norm), prefer_end=True)
    return None


def _report_year(fig: Figure, ctx: DocContext) -> int | None:
    art = fig.article
    if art is not None and art.headline:
        # A statistics release named by its period (2023年全市民政事业统计数据).
        for pattern in ctx.rules.patterns("report"):
            m = pattern.search(art.headline)
            if m:
                return int(m.group()[:4])
    lo, hi = fig.sentence
    sentence = ctx.text[lo:hi]
    if not any(w in sentence for w in ctx.rules.words("report")):
        return None
    # The nearest report title before the figure in its article: the titles are read
    # once per document, then found by bisection (a scan back per figure grew with the
    # square of a long article).
    starts, years = _report_titles(ctx)
    start, _end = ctx.article_bounds(fig)
    k = bisect_left(starts, fig.start) - 1
    return years[k] if k >= 0 and starts[k] >= start else None


def _report_titles(ctx: DocContext) -> tuple[list[int], list[int]]:
    """Starts and years of the document's titles that name a report's period, in order."""
    key = "report_titles"
    if key not in ctx.cache:
        starts: list[int] = []
        years: list[int] = []
        for doc_hit in ctx.doc_index.hits:
            title = str(doc_hit.norm)
            for pattern in ctx.rules.patterns("report"):
                m = pattern.search(title)
                if m:
                    starts.append(doc_hit.start)
                    years.append(int(m.group()[:4]))
                    break
        ctx.cache[key] = (starts, years)
    return ctx.cache[key]  # type: ignore[no-any-return]


def _article_year(fig: Figure, ctx: DocContext) -> int | None:
    return fig.article.year if fig.article is not None else None


def _previous_result(fig: Figure, ctx: DocContext) -> int | None:
    if target_cue(fig, ctx):
        return None
    return ctx.last_actual_year.get(fig.article_index)


STEPS: dict[str, Step] = {
    "table_column": _table_column,
    "headline_echo": _headline_echo,
    "distributed": _distributed,
    "comparison_base": _comparison_base,
    "sentence_date": _sentence_date,
    "since": _since,
    "now_word": _now_word,
    "paragraph_frame": _paragraph_frame,
    "report_year": _report_year,
    "article_year": _article_year,
    "previous_result": _previous_result,
}
