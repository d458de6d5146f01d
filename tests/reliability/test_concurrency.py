"""Readers while an ingest writes: ``Store.facts`` (a fresh connection per query, as the
review server opens one per request) and a raw sqlite reader never error and never see
a document without all of its rows."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from bulletin_nlp.store import Store

from .conftest import per_document_counts, small_corpus
from .test_crash import ingest_cmd, run_env


def test_readers_see_consistent_data_while_ingest_writes(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path / "corpus", copies=2)
    db = tmp_path / "live.db"
    errors: list[str] = []
    seen_docs: list[int] = []
    seen_facts: list[int] = []
    snapshots: list[dict[str, tuple[int, ...]]] = []
    done = threading.Event()

    def store_reader() -> None:
        while not done.is_set():
            try:
                store = Store.open_existing(db)
                try:
                    rows = store.facts()
                finally:
                    store.db.conn.close()
                assert all(r["doc"] and r["evidence_text"] is not None for r in rows)
                seen_facts.append(len(rows))
            except Exception as exc:  # noqa: BLE001 - any error is a failure
                errors.append(f"Store.facts: {type(exc).__name__}: {exc}")
            time.sleep(0.01)

    def raw_reader() -> None:
        conn = sqlite3.connect(db, timeout=5, isolation_level=None)
        try:
            while not done.is_set():
                try:
                    conn.execute("begin")  # one read transaction: one consistent view
                    tables = {r[0] for r in conn.execute("select name from sqlite_master")}
                    if "documents" in tables:
                        n = conn.execute("select count(*) from documents").fetchone()[0]
                        orphans = conn.execute(
                            "select count(*) from facts f left join documents d "
                            "on d.id = f.doc_id where d.id is null"
                        ).fetchone()[0]
                        per_doc = {
                            r[0]: tuple(r[1:])
                            for r in conn.execute(
                                "select d.path, "
                                "(select count(*) from articles x where x.doc_id = d.id), "
                                "(select count(*) from sentences x where x.doc_id = d.id), "
                                "(select count(*) from mentions x where x.doc_id = d.id), "
                                "(select count(*) from facts x where x.doc_id = d.id), "
                                "(select count(*) from roles x where x.doc_id = d.id) "
                                "from documents d"
                            )
                        }
                        assert orphans == 0, "facts without their document"
                        seen_docs.append(n)
                        snapshots.append(per_doc)
                    conn.execute("commit")
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"raw reader: {type(exc).__name__}: {exc}")
                    if conn.in_transaction:
                        conn.execute("rollback")
                time.sleep(0.005)
        finally:
            conn.close()

    writer = subprocess.Popen(
        ingest_cmd(corpus, db), env=run_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    while not db.exists() and writer.poll() is None:
        time.sleep(0.005)
    readers = [threading.Thread(target=f) for f in (store_reader, raw_reader)]
    for t in readers:
        t.start()
    out, err = writer.communicate(timeout=120)
    time.sleep(0.05)
    done.set()
    for t in readers:
        t.join()
    assert writer.returncode == 0, err.decode()
    assert errors == []
    final = per_document_counts(db)
    assert len(final) == 10
    # Every document a reader saw was complete: its counts are the final ones.
    for per_doc in snapshots:
        for path, counts in per_doc.items():
            assert counts == final[path], path
    assert seen_docs == sorted(seen_docs)  # committed documents never disappear
    assert seen_facts == sorted(seen_facts)
    assert len(set(seen_docs)) >= 2, f"readers never overlapped the writes: {seen_docs}"
