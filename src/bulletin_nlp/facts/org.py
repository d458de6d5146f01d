"""The organization a figure is about or reported by, in the order
``facts.precedence.org`` gives.

Steps:
- ``clause_org``: the organization named last before the figure in its clause.
"""

from __future__ import annotations

from .context import DocContext, Figure, Step


def _clause_org(fig: Figure, ctx: DocContext) -> str | None:
    hit = ctx.org_index.nearest_before(fig.start, fig.clause[0])
    return str(hit.norm) if hit is not None else None


STEPS: dict[str, Step] = {"clause_org": _clause_org}
