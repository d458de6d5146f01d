"""The SQLite store (the only module importing sqlite-utils).

Rows carry raw offsets and stable ids hashed from (document sha256, span, kind), so
re-ingesting the same file never duplicates anything and ids survive re-runs.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from . import PIPELINE_VERSION
from .doc import Doc
from .errors import StoreError

SCHEMA_VERSION = 1


def stable_id(*parts: object) -> str:
    """A short stable hash of the parts (document sha256, span, kind...)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:20]


def _runs(text: str) -> list[tuple[str, bool]]:
    """Split text into (run, is_cjk) runs of Latin/digit words and of CJK characters."""
    runs: list[tuple[str, bool]] = []
    for ch in text:
        kind = None if not ch.isalnum() else not ch.isascii()
        if kind is None:
            runs.append(("", False))
        elif runs and runs[-1][0] and runs[-1][1] == kind:
            runs[-1] = (runs[-1][0] + ch, kind)
        else:
            runs.append((ch, kind))
    return [r for r in runs if r[0]]


def _tokens(text: str, *, query: bool = False) -> list[str]:
    out: list[str] = []
    runs = _runs(text)
    for i, (run, cjk) in enumerate(runs):
        if not cjk:
            out.append(run.lower())
            continue
        last_of_query = query and i == len(runs) - 1
        if len(run) == 1:
            out.append(run + ("*" if last_of_query else ""))
            continue
        out.extend(run[k : k + 2] for k in range(len(run) - 1))
        if not last_of_query:
            out.append(run[-1])  # a run's last character, so a query may continue past it
    return out


def bigrams(text: str) -> str:
    """Index text for FTS: CJK character bigrams (plus each run's last character) and words.

    FTS5's default tokenizer treats a run of CJK as one token, so ``社工`` would never
    match inside ``社工站``; bigrams make every two-character query findable.
    """
    return " ".join(_tokens(text))


def fts_query(query: str) -> str:
    """Turn a user query into an FTS5 MATCH expression over bigrams (terms ANDed)."""
    terms = []
    for word in query.split():
        tokens = _tokens(word, query=True)
        if not tokens:
            continue
        prefix = tokens[-1].endswith("*")
        body = " ".join(t.rstrip("*").replace('"', '""') for t in tokens)
        terms.append(f'"{body}"' + ("*" if prefix else ""))
    return " AND ".join(terms)


class Store:
    """A bulletin database. Use :meth:`open` to create or open one."""

    def __init__(self, db: sqlite_utils.Database, path: str):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the database at ``path``."""
        p = Path(path)
        if p.is_dir():
            raise StoreError(f"{p}: is a directory, expected a database file")
        try:
            conn = sqlite3.connect(str(p), timeout=30)
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA journal_mode=WAL")
            store = cls(db, str(p))
            store._ensure_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{p}: not a usable SQLite database ({exc})") from None
        return store

    @classmethod
    def open_existing(cls, path: str | Path) -> Store:
        """Open a database that must already exist (for read commands)."""
        if not Path(path).is_file():
            raise StoreError(f"{path}: no such database (run `bulletin-nlp ingest` first)")
        return cls.open(path)

    def _ensure_schema(self) -> None:
        db = self.db
        if "documents" not in db.table_names():
            db["documents"].create(
                {
                    "id": str,
                    "path": str,
                    "name": str,
                    "sha256": str,
                    "raw": str,
                    "encoding": str,
                    "ingested_at": str,
                    "pipeline_version": str,
                    "ruleset_version": str,
                },
                pk="id",
            )
            db["documents"].create_index(["path"], unique=True)
            db["articles"].create(
                {
                    "id": str,
                    "doc_id": str,
                    "idx": int,
                    "start": int,
                    "end": int,
                    "headline": str,
                    "headline_start": int,
                    "headline_end": int,
                    "source": str,
                    "year": int,
                    "place": str,
                },
                pk="id",
                foreign_keys=[("doc_id", "documents", "id")],
            )
            db["sentences"].create(
                {
                    "id": str,
                    "doc_id": str,
                    "article_id": str,
                    "idx": int,
                    "start": int,
                    "end": int,
                    "text": str,
                    "grams": str,
                },
                pk="id",
                foreign_keys=[("doc_id", "documents", "id"), ("article_id", "articles", "id")],
            )
            db["sentences"].enable_fts(["grams"], create_triggers=True)
            db["mentions"].create(
                {
                    "id": str,
                    "doc_id": str,
                    "type": str,
                    "start": int,
                    "end": int,
                    "text": str,
                    "norm": str,
                    "extractor": str,
                    "rule_id": str,
                    "ruleset_version": str,
                    "pipeline_version": str,
                    "score": float,
                },
                pk="id",
                foreign_keys=[("doc_id", "documents", "id")],
            )
            for table in ("articles", "sentences", "mentions"):
                db[table].create_index(["doc_id"])
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # -- writing -----------------------------------------------------------------

    def is_current(self, path: str, sha256: str, ruleset: str) -> bool:
        """Whether ``path`` is stored with this content and these versions."""
        rows = list(
            self.db.query(
                "select 1 from documents where path = ? and sha256 = ? "
                "and pipeline_version = ? and ruleset_version = ?",
                [path, sha256, PIPELINE_VERSION, ruleset],
            )
        )
        return bool(rows)

    def write_document(self, doc: Doc, ruleset: str) -> str:
        """Store ``doc`` (replacing an older version of the same path) in one transaction."""
        doc_id = doc.sha256
        raw_rows = _rows(doc, doc_id)
        conn = self.db.conn
        with conn:
            old = [r["id"] for r in self.db.query("select id from documents where path = ?", [doc.path])]
            for old_id in old:
                self._delete(old_id)
            self._delete(doc_id)
            self.db["documents"].insert(
                {
                    "id": doc_id,
                    "path": doc.path,
                    "name": doc.name,
                    "sha256": doc.sha256,
                    "raw": doc.raw,
                    "encoding": doc.encoding,
                    "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "pipeline_version": PIPELINE_VERSION,
                    "ruleset_version": ruleset,
                }
            )
            for table, rows in raw_rows.items():
                if rows:
                    self.db[table].insert_all(rows)
        return doc_id

    def _delete(self, doc_id: str) -> None:
        for table in ("mentions", "sentences", "articles", "documents"):
            column = "id" if table == "documents" else "doc_id"
            self.db.execute(f"delete from [{table}] where [{column}] = ?", [doc_id])

    # -- reading -----------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        return {t: self.db[t].count for t in ("documents", "articles", "sentences", "mentions")}

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Sentences matching ``query`` (two-character Chinese queries work)."""
        match = fts_query(query)
        if not match:
            return []
        sql = (
            "select s.id, d.name as doc, s.start, s.end, s.text, a.headline "
            "from sentences_fts f join sentences s on s.rowid = f.rowid "
            "join documents d on d.id = s.doc_id left join articles a on a.id = s.article_id "
            "where sentences_fts match ? order by d.name, s.start limit ?"
        )
        return list(self.db.query(sql, [match, limit]))


def _rows(doc: Doc, doc_id: str) -> dict[str, list[dict[str, Any]]]:
    articles = []
    art_ids = []
    for i, art in enumerate(doc.articles):
        start, end = doc.raw_span(art.start, art.end)
        aid = stable_id(doc.sha256, start, end, "article")
        art_ids.append(aid)
        hs = he = None
        if art.headline_span:
            hs, he = doc.raw_span(*art.headline_span)
        articles.append(
            {
                "id": aid,
                "doc_id": doc_id,
                "idx": i,
                "start": start,
                "end": end,
                "headline": art.headline,
                "headline_start": hs,
                "headline_end": he,
                "source": art.source,
                "year": art.year,
                "place": art.place,
            }
        )
    sentences = []
    for i, sent in enumerate(doc.sentences):
        start, end = doc.raw_span(sent.start, sent.end)
        text = doc.raw[start:end]
        sentences.append(
            {
                "id": stable_id(doc.sha256, start, end, "sentence"),
                "doc_id": doc_id,
                "article_id": art_ids[sent.article] if art_ids else None,
                "idx": i,
                "start": start,
                "end": end,
                "text": text,
                "grams": bigrams(doc.norm[sent.start : sent.end]),
            }
        )
    mentions = [
        {
            "id": stable_id(doc.sha256, m.start, m.end, m.type),
            "doc_id": doc_id,
            "type": m.type,
            "start": m.start,
            "end": m.end,
            "text": m.text,
            "norm": json.dumps(m.norm, ensure_ascii=False) if not isinstance(m.norm, str) else m.norm,
            "extractor": m.extractor,
            "rule_id": m.rule_id,
            "ruleset_version": m.ruleset_version,
            "pipeline_version": PIPELINE_VERSION,
            "score": m.score,
        }
        for m in doc.mentions
    ]
    return {"articles": articles, "sentences": sentences, "mentions": mentions}
