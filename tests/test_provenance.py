"""Provenance is sacred: every stored span's raw[start:end] is the source text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bulletin_nlp.doc import Doc
from bulletin_nlp.ingest import ingest

from .conftest import SAMPLES


def test_every_mention_reproduces_raw(corpus_docs: dict[str, Doc]) -> None:
    for doc in corpus_docs.values():
        for m in doc.mentions:
            assert doc.raw[m.start : m.end] == m.text
            assert m.text == m.text.strip(), "a span never starts or ends with whitespace"


def test_every_stored_span_reproduces_raw(db_path: Path) -> None:
    ingest([SAMPLES], db_path)
    conn = sqlite3.connect(db_path)
    raws = dict(conn.execute("select id, raw from documents"))
    assert len(raws) == 5
    for table in ("sentences", "mentions"):
        rows = conn.execute(f"select doc_id, start, end, text from {table}").fetchall()
        assert rows or table == "mentions"
        for doc_id, start, end, text in rows:
            assert raws[doc_id][start:end] == text
    for doc_id, hs, he, _headline in conn.execute(
        "select doc_id, headline_start, headline_end, headline from articles where headline != ''"
    ):
        assert raws[doc_id][hs:he].strip()


def test_every_stored_fact_points_at_its_figure(db_path: Path) -> None:
    ingest([SAMPLES], db_path)
    conn = sqlite3.connect(db_path)
    raws = dict(conn.execute("select id, raw from documents"))
    mentions = {
        (doc_id, s, e)
        for doc_id, s, e in conn.execute("select doc_id, start, end from mentions where type = 'QUANTITY'")
    }
    rows = conn.execute(
        "select doc_id, quantity_start, quantity_end, quantity_text, evidence_start, "
        "evidence_end, evidence_text from facts"
    ).fetchall()
    assert len(rows) == len(mentions) > 50
    for doc_id, qs, qe, qtext, es, ee, etext in rows:
        assert raws[doc_id][qs:qe] == qtext
        assert raws[doc_id][es:ee] == etext
        assert es <= qs < qe <= ee, "the figure lies inside its evidence"
        assert (doc_id, qs, qe) in mentions
