"""Validate the whole rules folder at once (``bulletin-nlp rules check``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .errors import RulesError
from .rules import REGISTRY, has_examples, load_entries, rules_dir

#: The file (``rules/<name>.yaml``) listing the entries that may go without an example.
EXEMPT = "examples_exempt"


class Exemption(BaseModel):
    """An entry allowed to carry no example (``<file>:<entry id>``) and why."""

    model_config = ConfigDict(extra="forbid")

    id: str
    reason: str


def _register() -> None:
    """Make every stage register the rules files it reads: run the pipeline once on a
    short text (and the ``check`` vocabulary, which no stage reads)."""
    from .pipeline import process_text

    process_text("2022年4月26日，民政部发布数据。", use_model=False)
    from .check import check_rules as _check_vocabulary  # `check` reads rules/check.yaml

    _check_vocabulary()


def rule_files(directory: Path | None = None) -> dict[str, list[BaseModel]]:
    """The validated entries of every rules file a stage reads, by file name (``org``,
    ``date`` …). Raises :class:`RulesError` listing every bad entry."""
    _register()
    folder = directory or rules_dir()
    problems: list[str] = []
    out: dict[str, list[BaseModel]] = {}
    for name, model in sorted(REGISTRY.items()):
        try:
            _version, entries = load_entries(name, model, folder)
            out[name] = list(entries)
        except RulesError as exc:
            problems.append(str(exc))
    if problems:
        raise RulesError("\n".join(problems))
    return out


def exemptions(directory: Path | None = None) -> dict[str, str]:
    """``<file>:<entry id>`` → reason, for each entry allowed to go without an example."""
    folder = directory or rules_dir()
    if not (folder / f"{EXEMPT}.yaml").exists():
        return {}
    _version, entries = load_entries(EXEMPT, Exemption, folder)
    return {e.id: e.reason for e in entries}


def missing_examples(files: dict[str, list[BaseModel]], exempt: dict[str, str]) -> list[str]:
    """Problems with examples: an entry without one that is not exempt, an exemption of
    an entry that does not exist or has examples after all."""
    problems: list[str] = []
    known: dict[str, bool] = {}
    for name, entries in files.items():
        for entry in entries:
            known[f"{name}:{getattr(entry, 'id', '?')}"] = has_examples(entry)
    for key, has in known.items():
        if not has and key not in exempt:
            name, _, entry_id = key.partition(":")
            problems.append(
                f"{name}.yaml: entry {entry_id} has no example (give it `examples` or list "
                f"{key} with a reason in {EXEMPT}.yaml)"
            )
    for key in exempt:
        if key not in known:
            problems.append(f"{EXEMPT}.yaml: {key} names no rule entry")
        elif known[key]:
            problems.append(f"{EXEMPT}.yaml: {key} has examples; drop its exemption")
    return problems


def check_rules(directory: Path | None = None) -> dict[str, int]:
    """Validate every ``rules/*.yaml`` against its entry model; return entries per file.

    Running the pipeline once on a short text makes every stage register the files it
    reads; a file no stage reads is reported too, since it would silently do nothing. An
    entry without an example fails unless ``rules/examples_exempt.yaml`` gives a reason.
    """
    folder = directory or rules_dir()
    problems: list[str] = []
    try:
        files = rule_files(folder)
    except RulesError as exc:
        problems.append(str(exc))
        files = {}
    counts = {name: len(entries) for name, entries in files.items()}
    try:
        exempt = exemptions(folder)
        counts[EXEMPT] = len(exempt)
    except RulesError as exc:
        problems.append(str(exc))
        exempt = {}
    if files:
        problems += missing_examples(files, exempt)
    for path in sorted(folder.glob("*.yaml")):
        if path.stem not in REGISTRY and path.stem != EXEMPT:
            problems.append(f"{path}: no stage reads this rules file")
    if problems:
        raise RulesError("\n".join(problems))
    return counts
