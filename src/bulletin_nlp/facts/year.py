"""The year a figure describes, in the order ``facts.precedence.year`` gives.

Steps:
- ``sentence_date``: a date in the figure's clause (not a comparison base: 较2022年), or
  before it in the sentence when it frames the figure: a deadline of a target
  (到2025年), an as-of date (截至2022年底), a period (“十三五”时期) or a date standing as
  a clause of its own (2022年，…);
- ``article_year``: the year of the figure's own article;
- ``previous_result``: in an article without a year, the year of the last dated result
  before the figure (never for a target);
- ``issue_year``: the issue year (``--issue-year`` or the masthead).
"""

from __future__ import annotations

from ..spans import Hit
from .context import DocContext, Figure, Step
from .modality import target_cue, year_of

# What may stand before a date that opens a clause: spaces and opening quotes, after
# the start of the sentence or the end of a clause.
_OPENERS = " \u3000“‘\"'"
_CLAUSE_ENDS = "，,：:；;"


def frames(text: str, lo: int, d: Hit, frame_words: tuple[str, ...]) -> bool:
    """Whether date ``d`` stands as a clause of its own (``2022年，…``): then it sets the
    time of everything its sentence (from ``lo``) reports after it."""
    k = d.start
    while k > lo and text[k - 1] in _OPENERS:
        k -= 1
    if k > lo and text[k - 1] not in _CLAUSE_ENDS:
        return False
    return any(text.startswith(w, d.end) for w in frame_words)


def _sentence_date(fig: Figure, ctx: DocContext) -> int | None:
    text, rules = ctx.text, ctx.rules
    lo, hi = fig.sentence
    cs, ce = fig.clause
    dates = [d for d in ctx.date_index.within(lo, hi) if d.end <= hi]
    is_target = target_cue(fig, ctx)
    as_of_words, period_words = rules.words("as_of"), rules.words("period")
    base_words, frame_words = rules.words("base"), rules.words("frame")
    for d in sorted(dates, key=lambda d: abs(d.start - fig.start)):
        in_clause = cs <= d.start < ce
        pre = text[max(lo, d.start - 3) : d.start]
        as_of = any(pre.endswith(w) for w in as_of_words)
        period = any(
            text.startswith(w, d.end) or text.startswith(w, d.end + 1) for w in period_words
        )
        if not in_clause and not (
            d.end <= fig.start and (is_target or as_of or period or frames(text, lo, d, frame_words))
        ):
            continue
        if any(pre.endswith(b) for b in base_words):
            continue  # a comparison base: "较2022年同比增长"
        year = year_of(str(d.norm), prefer_end=True)
        if year is not None:
            return year
    return None


def _article_year(fig: Figure, ctx: DocContext) -> int | None:
    return fig.article.year if fig.article is not None else None


def _previous_result(fig: Figure, ctx: DocContext) -> int | None:
    if target_cue(fig, ctx):
        return None
    return ctx.last_actual_year.get(fig.article_index)


def _issue_year(fig: Figure, ctx: DocContext) -> int | None:
    return ctx.doc.issue_year


STEPS: dict[str, Step] = {
    "sentence_date": _sentence_date,
    "article_year": _article_year,
    "previous_result": _previous_result,
    "issue_year": _issue_year,
}
