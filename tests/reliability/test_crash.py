"""Crash safety: ``bulletin-nlp ingest`` killed with SIGKILL at points spread over its
runtime leaves a sound database (integrity ok, no half-stored document), and a rerun ends
exactly where an uninterrupted run does.

tests/test_batch.py kills one run mid-way and resumes; this kills at many points, from
interpreter start-up and schema creation to the last commit. 5 points by default, 20 in
the ``slow`` run.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bulletin_nlp.ingest import ingest

from .conftest import DATA_TABLES, per_document_counts, small_corpus, snapshot

BIN = Path(sys.executable).with_name("bulletin-nlp")
#: documents.ingested_at differs between runs; the other tables must match row for row.
COMPARED = tuple(t for t in DATA_TABLES if t != "documents")


def ingest_cmd(corpus: Path, db: Path) -> list[str]:
    return [str(BIN), "ingest", str(corpus), "--db", str(db), "--no-model", "--no-progress"]


def run_env() -> dict[str, str]:
    # Each document committed as it comes: the most commit points for a kill to land
    # between (the writer's default holds a quarter second of documents, which in a
    # corpus this small is all of them; tests/test_batch.py kills a batched run).
    return {**os.environ, "BULLETIN_NLP_NO_MODEL": "1", "BULLETIN_NLP_COMMIT_SECONDS": "0"}


def documents(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute("select id, path, sha256, raw, encoding from documents"))
    finally:
        conn.close()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An uninterrupted run: its duration, per-document counts and rows."""
    folder = tmp_path_factory.mktemp("crash")
    corpus = small_corpus(folder / "corpus", copies=2)
    db = folder / "whole.db"
    started = time.perf_counter()
    subprocess.run(ingest_cmd(corpus, db), check=True, env=run_env(), capture_output=True)
    seconds = time.perf_counter() - started
    return {
        "folder": folder,
        "corpus": corpus,
        "seconds": seconds,
        "counts": per_document_counts(db),
        "rows": snapshot(db, COMPARED),
        "documents": documents(db),
    }


def stored_count(db: Path) -> int:
    """Documents committed so far (-1 before the schema exists)."""
    if not db.exists():
        return -1
    try:
        conn = sqlite3.connect(db, timeout=0.1)
        try:
            return int(conn.execute("select count(*) from documents").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return -1


def kill_and_check(baseline: dict[str, Any], db: Path, point: tuple[float, int]) -> int:
    """Kill an ingest at ``point``, check the database, rerun; return how many documents
    the killed run had committed.

    ``point`` is (delay, after_docs): with after_docs < 0, kill ``delay`` seconds after
    start (start-up, imports, schema); else once ``after_docs`` documents are committed
    (0: the schema exists), plus ``delay`` seconds: so kills land all over the writing
    phase however loaded the machine is.
    """
    delay, after_docs = point
    proc = subprocess.Popen(
        ingest_cmd(baseline["corpus"], db),
        env=run_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if after_docs >= 0:
        while proc.poll() is None and stored_count(db) < after_docs:
            time.sleep(0.005)
    time.sleep(delay)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    committed = 0
    if db.exists():
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        finally:
            conn.close()
        if db.stat().st_size:
            counts = per_document_counts(db) if _has_documents(db) else {}
            committed = len(counts)
            for path, per_doc in counts.items():  # all of a document, or none of it
                assert per_doc == baseline["counts"][path], path
                assert per_doc[0] > 0 and per_doc[1] > 0, path  # articles, sentences
    result = ingest([baseline["corpus"]], db)
    assert not result.failed
    assert len(result.skipped) == committed
    assert per_document_counts(db) == baseline["counts"]
    assert snapshot(db, COMPARED) == baseline["rows"]
    assert documents(db) == baseline["documents"]
    conn = sqlite3.connect(db)
    statuses = {r[0] for r in conn.execute("select status from runs")}
    conn.close()
    assert "running" not in statuses  # the killed run is recorded as interrupted
    return committed


def _has_documents(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return bool(conn.execute("select 1 from sqlite_master where name = 'documents'").fetchone())
    finally:
        conn.close()


def test_sigkill_at_5_points(baseline: dict[str, Any], tmp_path: Path) -> None:
    points = [(0.3, -1), (0.0, 0), (0.05, 2), (0.1, 5), (0.02, 9)]
    committed = [kill_and_check(baseline, tmp_path / f"kill{k}.db", p) for k, p in enumerate(points)]
    assert any(0 < c < len(baseline["counts"]) for c in committed), committed


@pytest.mark.slow
def test_sigkill_at_20_random_points(baseline: dict[str, Any], tmp_path: Path) -> None:
    rng = random.Random(20)
    total = baseline["seconds"]
    n = len(baseline["counts"])
    points = [(rng.uniform(0.05, 1.0), -1) for _ in range(4)]
    points += [(rng.uniform(0.0, 0.15), rng.randrange(0, n)) for _ in range(16)]
    committed = [kill_and_check(baseline, tmp_path / f"kill{k}.db", p) for k, p in enumerate(points)]
    print(f"\nuninterrupted run {total:.2f}s, {n} documents; kill points {points}; "
          f"documents committed when killed {committed}")
    assert sum(0 < c < n for c in committed) >= 10, committed
