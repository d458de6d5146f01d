"""Resolve overlapping hits into non-nesting mentions (FACTS.md: the outermost wins)."""

from __future__ import annotations

from .spans import Hit


def resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep a set of non-overlapping hits: longer spans first, then higher priority.

    A span that overlaps an already kept one is dropped, so ``台州市民政局`` (ORG) wins
    over ``台州市`` (PLACE) inside it.
    """
    order = sorted(hits, key=lambda h: (-(h.end - h.start), -h.priority, -h.score, h.start))
    kept: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for hit in order:
        if hit.end <= hit.start:
            continue
        if any(hit.start < e and s < hit.end for s, e in taken):
            continue
        kept.append(hit)
        taken.append((hit.start, hit.end))
    kept.sort(key=lambda h: (h.start, h.end))
    return kept
