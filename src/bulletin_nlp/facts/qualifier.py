"""A figure's qualifier (a certificate level, 新增, 累计) and, for a figure of no known
metric, its subject, in the order ``facts.precedence.qualifier`` gives.

Steps:
- ``level``: a certificate level named in the clause (助理社会工作师);
- ``qualifier_word``: a qualifier word in the clause (新增, 累计, 试点).
"""

from __future__ import annotations

from .context import DocContext, Figure, Step


def _level(fig: Figure, ctx: DocContext) -> str | None:
    clause = ctx.text[fig.clause[0] : fig.clause[1]]
    return next((w for w in ctx.rules.words("level") if w in clause), None)


def _qualifier_word(fig: Figure, ctx: DocContext) -> str | None:
    clause = ctx.text[fig.clause[0] : fig.clause[1]]
    return next((w for w in ctx.rules.words("qualifier") if w in clause), None)


def subject(fig: Figure, ctx: DocContext) -> str | None:
    """What a figure of metric ``other`` counts: its clause without the figure."""
    cs, ce = fig.clause
    text = ctx.text
    return (text[cs : fig.start] + text[fig.end : ce]).strip("，、 ") or None


STEPS: dict[str, Step] = {"level": _level, "qualifier_word": _qualifier_word}
