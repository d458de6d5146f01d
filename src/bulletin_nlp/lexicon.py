"""Domain terms gathered from the rule lexicons, for the segmenter's user dictionary."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .rules import parse_yaml, rules_dir

# Keys of rule entries whose values are literal terms worth keeping whole.
_TERM_KEYS = ("name", "canonical", "term", "aliases", "terms", "words")


@lru_cache(maxsize=2)
def _terms_in(folder: str) -> tuple[str, ...]:
    found: list[str] = []
    for path in sorted(Path(folder).glob("*.yaml")):
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("entries") or []:
            if not isinstance(entry, dict):
                continue
            for key in _TERM_KEYS:
                value = entry.get(key)
                values = value if isinstance(value, list) else [value]
                found.extend(v for v in values if isinstance(v, str) and 2 <= len(v) <= 20)
    return tuple(dict.fromkeys(found))


def domain_terms() -> list[str]:
    """Every literal term the rule lexicons name (deduplicated, in file order)."""
    folder = rules_dir()
    return list(_terms_in(str(folder))) if folder.is_dir() else []
