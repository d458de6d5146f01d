"""Provenance is sacred: every stored span's raw[start:end] is the source text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bulletin_nlp.doc import Doc
from bulletin_nlp.ingest import ingest

from .conftest import CORPUS


def test_every_mention_reproduces_raw(corpus_docs: dict[str, Doc]) -> None:
    for doc in corpus_docs.values():
        for m in doc.mentions:
            assert doc.raw[m.start : m.end] == m.text
            assert m.text == m.text.strip(), "a span never starts or ends with whitespace"


def test_every_stored_span_reproduces_raw(db_path: Path) -> None:
    ingest([CORPUS], db_path)
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
