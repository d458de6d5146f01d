"""The metric of a figure: the cue word of ``rules/metrics.yaml`` nearest the figure,
looked for in the places ``facts.precedence.metric`` lists, first match wins.

Steps:
- ``breakdown_inherit``: a part of a breakdown (``其中，助理社会工作者4792人``) counts the
  same thing as the figure before it in the sentence;
- ``list_item``: a cue in the figure's list item (between 、), the head noun after the
  figure winning (``15个区级社会工作服务指导中心``);
- ``clause``: the nearest cue before the figure in its clause;
- ``sentence``: the nearest long cue (three characters or more) earlier in the sentence.
"""

from __future__ import annotations

from .context import DocContext, Figure, Step
from .vocab import FactRules, MetricEntry


def cue_hits(
    text: str, lo: int, hi: int, unit: str, rules: FactRules, min_len: int = 1
) -> list[tuple[int, int, MetricEntry]]:
    """Cue occurrences in text[lo:hi] of metrics that take ``unit``; a cue inside a
    longer cue occurrence (``服务`` in ``社会工作服务站``) does not count."""
    index = rules.cue_index.get(unit)
    if index is None:
        return []
    ranked: list[tuple[int, int, int, MetricEntry]] = []  # (rank, start, end, metric)
    for m in index.pattern.finditer(text, lo, hi, overlapped=True):
        s, e = m.span()
        if e - s >= min_len:
            ranked.extend((rank, s, e, metric) for rank, metric in index.entries[m.group()])
    # In vocabulary order, each cue's occurrences left to right: ties go to the first.
    ranked.sort(key=lambda r: (r[0], r[1]))
    found = [(s, e, m) for _r, s, e, m in ranked]
    spans = {(s, e) for s, e, _m in found}
    return [
        (s, e, m)
        for s, e, m in found
        if not any(os <= s and e <= oe and (os, oe) != (s, e) for os, oe in spans)
    ]


def best_metric(
    text: str,
    lo: int,
    hi: int,
    fig: Figure,
    rules: FactRules,
    *,
    after: bool,
    min_len: int = 1,
) -> MetricEntry | None:
    """The metric whose cue is nearest the figure in text[lo:hi].

    With ``after``, a cue following the figure wins over one before it, and of those the
    last one, the head of the noun phrase. A longer cue wins a tie.
    """
    best: tuple[int, int, int, MetricEntry] | None = None
    for s, e, metric in cue_hits(text, lo, hi, fig.unit, rules, min_len):
        if e <= fig.start:
            key = (1 if after else 0, fig.start - e, -(e - s))
        elif s >= fig.end:
            if not after:
                continue
            key = (0, -e, -(e - s))  # the noun phrase's head is its last cue
        else:
            continue
        if best is None or key < best[:3]:
            best = (*key, metric)
    return best[3] if best else None


def _breakdown_inherit(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    text, rules = ctx.text, ctx.rules
    cs, ce = fig.clause
    lo = fig.sentence[0]
    clause = text[cs:ce]
    if not any(w in clause for w in rules.words("level")):
        return None
    if max((text.rfind(w, lo, fig.start) for w in rules.words("breakdown")), default=-1) < 0:
        return None
    # Skipping figures in other units (a share between the total and its parts).
    for prev, m in reversed(ctx.previous):
        if prev.sentence[0] == lo and m is not None and fig.unit in m.units:
            return m
    return None


def _list_item(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    ss, se = fig.item
    return best_metric(ctx.text, ss, se, fig, ctx.rules, after=True)


def _clause(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    cs, ce = fig.clause
    return best_metric(ctx.text, cs, ce, fig, ctx.rules, after=False)


def _sentence(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    lo = fig.sentence[0]
    return best_metric(ctx.text, lo, fig.start, fig, ctx.rules, after=False, min_len=3)


STEPS: dict[str, Step] = {
    "breakdown_inherit": _breakdown_inherit,
    "list_item": _list_item,
    "clause": _clause,
    "sentence": _sentence,
}
