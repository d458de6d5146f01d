"""The layout cues of ``rules/structure.yaml`` (sources, datelines, bylines, headings),
compiled once: the normalizer needs them to keep article ends apart, the structure stage
to find articles."""

from __future__ import annotations

from functools import lru_cache

import regex

from .rules import PatternEntry, load_entries


@lru_cache(maxsize=1)
def layout_cues() -> dict[str, regex.Pattern[str]]:
    """Each ``structure.*`` pattern by its short name (``source``, ``dateline``, …)."""
    _version, entries = load_entries("structure", PatternEntry)
    return {e.id.split(".", 1)[1]: regex.compile(e.pattern) for e in entries}
