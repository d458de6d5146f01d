"""Validate the whole rules folder at once (``bulletin-nlp rules check``)."""

from __future__ import annotations

from pathlib import Path

from .errors import RulesError
from .rules import REGISTRY, load_entries, rules_dir


def check_rules(directory: Path | None = None) -> dict[str, int]:
    """Validate every ``rules/*.yaml`` against its entry model; return entries per file.

    Running the pipeline once on a short text makes every stage register the files it
    reads; a file no stage reads is reported too, since it would silently do nothing.
    """
    from .pipeline import process_text

    process_text("2022年4月26日，民政部发布数据。")
    from .check import check_rules as _check_vocabulary  # `check` reads rules/check.yaml

    _check_vocabulary()
    folder = directory or rules_dir()
    problems: list[str] = []
    counts: dict[str, int] = {}
    for name, model in sorted(REGISTRY.items()):
        try:
            _version, entries = load_entries(name, model, folder)
            counts[name] = len(entries)
        except RulesError as exc:
            problems.append(str(exc))
    for path in sorted(folder.glob("*.yaml")):
        if path.stem not in REGISTRY:
            problems.append(f"{path}: no stage reads this rules file")
    if problems:
        raise RulesError("\n".join(problems))
    return counts
