"""A figure's qualifier (a certificate level, 新增, 累计) and, for a figure of no known
metric, its subject, in the order ``facts.precedence.qualifier`` gives.

Steps:
- ``level``: a certificate level named in the clause (助理社会工作师);
- ``decline``: a decline word right before the figure (``比上年减少0.2万个``): the word;
- ``sub_kind``: a sub-kind of the metric named in the figure's list item or clause
  (社会团体, 基金会 for ``social_organizations``);
- ``qualifier_word``: a qualifier word in the clause (新增, 累计, 试点).
"""

from __future__ import annotations

from .context import DocContext, Figure, Step


def _level(fig: Figure, ctx: DocContext) -> str | None:
    clause = ctx.text[fig.clause[0] : fig.clause[1]]
    return next((w for w in ctx.rules.words("level") if w in clause), None)


def _decline(fig: Figure, ctx: DocContext) -> str | None:
    head = ctx.text[max(fig.clause[0], fig.start - 8) : fig.start]
    found = [(head.rfind(w), w) for w in ctx.rules.words("decline") if w in head]
    return max(found)[1] if found else None


def _sub_kind(fig: Figure, ctx: DocContext) -> str | None:
    chosen = fig.resolved.get("metric")
    kinds = ctx.rules.sub_kinds().get(getattr(chosen, "id", ""), ())
    for lo, hi in (fig.item, fig.clause):
        text = ctx.text[lo:hi]
        found = [w for w in kinds if w in text]
        if found:
            return found[0]
    return None


def _qualifier_word(fig: Figure, ctx: DocContext) -> str | None:
    clause = ctx.text[fig.clause[0] : fig.clause[1]]
    return next((w for w in ctx.rules.words("qualifier") if w in clause), None)


def subject(fig: Figure, ctx: DocContext) -> str | None:
    """What a figure of metric ``other`` counts: its table row's label, else its clause
    without the figure."""
    cell = ctx.cell_of(fig)
    if cell is not None and cell.label:
        return cell.label
    cs, ce = fig.clause
    text = ctx.text
    return (text[cs : fig.start] + text[fig.end : ce]).strip("，、 ") or None


STEPS: dict[str, Step] = {
    "level": _level,
    "decline": _decline,
    "sub_kind": _sub_kind,
    "qualifier_word": _qualifier_word,
}
