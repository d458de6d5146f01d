"""Resolve overlapping hits into non-nesting mentions (FACTS.md: the outermost wins)."""

from __future__ import annotations

from ..spans import Hit


def resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep a set of non-overlapping hits: longer spans first, then higher priority.

    A span that overlaps an already kept one is dropped, so ``台州市民政局`` (ORG) wins
    over ``台州市`` (PLACE) inside it.
    """
    order = sorted(hits, key=lambda h: (-(h.end - h.start), -h.priority, -h.score, h.start))
    kept: list[Hit] = []
    # One byte per offset, 1 where a kept span lies: an overlap test is one C-level find.
    taken = bytearray(max((h.end for h in hits), default=0))
    for hit in order:
        if hit.end <= hit.start:
            continue
        if taken.find(1, hit.start, hit.end) >= 0:
            continue
        kept.append(hit)
        taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
    kept.sort(key=lambda h: (h.start, h.end))
    return kept
