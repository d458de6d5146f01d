"""The organization a figure is about or reported by, in the order
``facts.precedence.org`` gives.

Steps:
- ``clause_org``: the organization named last before the figure in its clause, unless it
  heads a list of what is counted (``福州市榕树社会工作服务中心等7家``);
- ``sentence_subject``: the organization the sentence opens with (``区慈善总会已连续十年
  认领…，累计扶助金额超过180余万元``);
- ``reporter``: the organization the paragraph says the figures come from (``记者从福建省
  民政厅获悉``, ``据市民政局统计``, ``民政部副部长胡海峰介绍``), before the figure.
"""

from __future__ import annotations

from bisect import bisect_right

from ..spans import Hit
from .context import NULL, DocContext, Figure, Step

_SUBJECT_REACH = 4  # characters an opening organization may stand after the sentence start


def _is_member(hit: Hit, ctx: DocContext) -> bool:
    """An organization named as an example of what the figure counts (…中心等7家)."""
    return ctx.text.startswith("等", hit.end) or ctx.text.startswith("、", hit.end)


def _clause_org(fig: Figure, ctx: DocContext) -> object:
    hit = ctx.org_index.nearest_before(fig.start, fig.clause[0])
    if hit is None:
        return None
    return NULL if _is_member(hit, ctx) else str(hit.norm)


def _sentence_subject(fig: Figure, ctx: DocContext) -> str | None:
    lo = fig.sentence[0]
    opening = [h for h in ctx.org_index.within(lo, lo + _SUBJECT_REACH) if h.end <= fig.start]
    return str(opening[0].norm) if opening and not _is_member(opening[0], ctx) else None


def _reporter(fig: Figure, ctx: DocContext) -> str | None:
    text = ctx.text
    ps = fig.paragraph[0]
    before, after = ctx.rules.words("reporter_before"), ctx.rules.words("reporter_after")

    def reports(hit: Hit, stop: int) -> bool:
        head = text[max(ps, hit.start - 2) : hit.start]
        # The verb may follow the body directly or after a person's title and name
        # (民政部副部长胡海峰介绍).
        tail = text[hit.end : min(stop, hit.end + 12)]
        return any(head.endswith(w) for w in before) or any(w in tail for w in after)

    # The paragraph's bodies that report something, found once per paragraph (a figure
    # only checks them, not every body before it: a table pasted as one paragraph holds
    # hundreds of both).
    key = ("reporters", ps, fig.paragraph[1])
    cached = ctx.cache.get(key)
    if cached is None:
        found = [h for h in ctx.org_index.within(ps, fig.paragraph[1]) if reports(h, len(text))]
        cached = ctx.cache[key] = (found, [h.start for h in found])
    found, starts = cached
    for hit in reversed(found[: bisect_right(starts, fig.start)]):
        if hit.end <= fig.start and reports(hit, fig.start):
            return str(hit.norm)
    return None


STEPS: dict[str, Step] = {
    "clause_org": _clause_org,
    "sentence_subject": _sentence_subject,
    "reporter": _reporter,
}
