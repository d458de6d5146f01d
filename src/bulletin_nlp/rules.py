"""Load and validate the rule files in ``rules/`` (rules are data, code holds mechanisms).

Every rule file is YAML with a ``version`` and a list of ``entries``. Each extractor
declares a pydantic model for its entries; :func:`load_entries` validates every entry and
reports *all* bad ones at once, naming the file, the entry and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import regex
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import RulesError
from .versions import rules_dir as rules_dir  # re-exported: callers import them from here
from .versions import ruleset_version as ruleset_version

E = TypeVar("E", bound=BaseModel)

#: Every rules file loaded so far and the entry model that validates it (for `rules check`).
REGISTRY: dict[str, type[BaseModel]] = {}


class Examples(BaseModel):
    """Strings an entry must find (``match``) and must not find (``no_match``)."""

    model_config = ConfigDict(extra="forbid")

    match: list[str] = Field(default_factory=list)
    no_match: list[str] = Field(default_factory=list)


class RuleEntry(BaseModel):
    """Fields every rule entry has."""

    model_config = ConfigDict(extra="forbid")

    id: str
    examples: Examples = Field(default_factory=Examples)


class PatternEntry(RuleEntry):
    """An entry holding one regular expression (compiled at load time)."""

    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            regex.compile(value)
        except regex.error as exc:
            raise ValueError(f"pattern does not compile: {exc}") from exc
        return value


# libyaml's loader parses the rule files about ten times faster than the pure-Python one.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """Parse YAML text safely (libyaml when installed); raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"{path}: rules file not found") from None
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise RulesError(f"{path}:{where}: YAML syntax error: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping with 'version' and 'entries'")
    return data


def load_entries(name: str, model: type[E], directory: Path | None = None) -> tuple[str, list[E]]:
    """Validate ``<rules>/<name>.yaml`` against ``model``; return (version, entries).

    Raises :class:`RulesError` listing every invalid entry with its index and id.
    """
    if directory is None:
        REGISTRY[name] = model
    path = (directory or rules_dir()) / f"{name}.yaml"
    data = _read_yaml(path)
    problems: list[str] = []
    unknown = set(data) - {"version", "description", "entries"}
    if unknown:
        problems.append(f"unknown top-level keys: {sorted(unknown)}")
    version = str(data.get("version", ""))
    if not version:
        problems.append("missing 'version'")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        problems.append("'entries' must be a list")
        raw_entries = []
    entries: list[E] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_entries):
        label = raw.get("id", "?") if isinstance(raw, dict) else "?"
        try:
            entry = model.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "entry"
                problems.append(f"entry {index} (id={label}): {loc}: {err['msg']}")
            continue
        entry_id = getattr(entry, "id", None)
        if entry_id in seen:
            problems.append(f"entry {index} (id={entry_id}): duplicate id")
        seen.add(str(entry_id))
        entries.append(entry)
    if problems:
        raise RulesError(f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return version, entries
