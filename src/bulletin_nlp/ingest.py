"""Ingest bulletin files into the store: skip unchanged ones, report failures per file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .errors import BulletinError
from .io import expand_paths, read_text
from .rules import ruleset_version
from .store import Store


class IngestResult(BaseModel):
    """What one ingest run did."""

    model_config = ConfigDict(extra="forbid")

    processed: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    failed: dict[str, str] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)


def ingest(
    paths: list[str | Path],
    db_path: str | Path,
    *,
    issue_year: int | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> IngestResult:
    """Process files (or folders of them) into the database at ``db_path``."""
    import hashlib

    from .pipeline import process_text

    store = Store.open(db_path)
    ruleset = ruleset_version()
    result = IngestResult()
    for path in expand_paths(list(paths)):
        name = str(path)
        try:
            text, enc = read_text(path)
            sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if store.is_current(name, sha, ruleset):
                result.skipped.append(name)
                continue
            doc = process_text(text, name, encoding=enc, issue_year=issue_year)
            store.write_document(doc, ruleset)
            result.processed.append(name)
        except BulletinError as exc:
            result.failed[name] = str(exc)
            if on_error:
                on_error(name, str(exc))
    result.counts = store.counts()
    return result
