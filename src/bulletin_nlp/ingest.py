"""Ingest bulletin files into the store: skip unchanged ones, report failures per file.

The orchestration (parallel workers, dask, progress, the ``runs`` table) lives in
:mod:`bulletin_nlp.batch`; this is the entry point for Python and notebooks, with a
pydantic result. ``bulletin-nlp ingest`` calls :func:`bulletin_nlp.batch.run_batch`
itself: importing pydantic would cost a no-op re-run of an unchanged archive half its time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class IngestResult(BaseModel):
    """What one ingest run did."""

    model_config = ConfigDict(extra="forbid")

    processed: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    failed: dict[str, str] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)
    run_id: int = 0
    seconds: float = 0.0
    chars: int = 0


def ingest(
    paths: list[str | Path],
    db_path: str | Path,
    *,
    issue_year: int | None = None,
    on_error: Callable[[str, str], None] | None = None,
    workers: int = 1,
    dask: str | None = None,
    progress: bool | None = False,
) -> IngestResult:
    """Process files (or folders of them) into the database at ``db_path``.

    Unchanged files (same bytes, pipeline and ruleset version) are skipped without
    loading the pipeline; ``workers`` > 1 extracts in a process pool, ``dask`` (an
    address or ``local``) on a dask cluster; either way this process alone writes.
    """
    from .batch import run_batch

    stats, counts = run_batch(
        paths,
        db_path,
        issue_year=issue_year,
        workers=workers,
        dask=dask,
        progress=progress,
        on_error=on_error,
    )
    return IngestResult(
        processed=stats.processed,
        skipped=stats.skipped,
        failed=stats.failed,
        counts=counts,
        run_id=stats.run_id,
        seconds=round(stats.seconds, 3),
        chars=stats.chars,
    )
