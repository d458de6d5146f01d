"""The write path: one document's rows replace what its path held, in one transaction,
with editors' decisions and entity counts carried over; and the ``runs`` bookkeeping of
a batch."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from typing import TYPE_CHECKING, Any

from .. import PIPELINE_VERSION
from ..errors import StoreError
from .connection import INT64, StoreBase, StoreUnavailable, now, store_error
from .rows import (
    Provenance,
    document_rows,
    entity_rows,
    parse_sources,
    provenance_columns,
    stored_norm,
)

if TYPE_CHECKING:  # doc.py imports pydantic, which a no-op re-ingest must not import
    from ..doc import Doc

#: Stored entities read per query (SQLite allows a few hundred parameters everywhere).
_IDS_PER_QUERY = 500

#: The tables holding one document's rows, deleted children first.
_DOCUMENT_TABLES = ("facts", "roles", "mentions", "sentences", "articles", "documents")


def check_rows(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Refuse a document whose rows SQLite cannot store faithfully: an integer beyond 64
    bits (a figure of 2^63 or more) or a value that is not a finite number. Raises a
    :class:`StoreError` naming the document, the figure and the reason."""
    lo, hi = INT64
    for table, table_rows in rows.items():
        for row in table_rows:
            for column, value in row.items():
                # Exact types first: strings and None, most of the values, cost one test.
                kind = type(value)
                if kind is str or value is None:
                    continue
                bad = (isinstance(value, int) and not lo <= value <= hi) or (
                    isinstance(value, float) and not math.isfinite(value)
                )
                if bad:
                    _refuse(rows, table, row, column, value)


def _refuse(
    rows: dict[str, list[dict[str, Any]]], table: str, row: dict[str, Any], column: str, value: Any
) -> None:
    path = rows["documents"][0]["path"]
    figure = row.get("quantity_text") or row.get("text") or ""
    where = f" in {figure!r}" if figure else ""
    raise StoreError(
        f"{path}: figure {value}{where} cannot be stored ({table}.{column}: "
        "beyond the 64-bit range SQLite keeps, or not a finite number)"
    )


def _insert_many(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the keys of the first, with one ``executemany``."""
    columns = list(rows[0])
    sql = (
        f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
        f"values ({', '.join('?' for _ in columns)})"
    )
    conn.executemany(sql, [[row[c] for c in columns] for row in rows])


class WriteMixin(StoreBase):
    """Storing documents and recording the runs that store them."""

    # -- runs --------------------------------------------------------------------

    def start_run(self, ruleset: str, executor: str, workers: int, files: int) -> int:
        """Record a run as started; runs left ``running`` by a killed process are closed."""
        conn = self.conn
        try:
            with conn:
                conn.execute("update runs set status = 'interrupted' where status = 'running'")
                cur = conn.execute(
                    "insert into runs (started_at, status, pipeline_version, ruleset_version, "
                    "executor, workers, files, processed, skipped, failed, duplicates, "
                    "unsupported, chars) values (?, 'running', ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0)",
                    [now(), PIPELINE_VERSION, ruleset, executor, workers, files],
                )
        except sqlite3.Error as exc:  # locked by another writer, read-only...
            raise store_error(self.path, exc) from None
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, **fields: Any) -> None:
        """Store a run's final counts (``processed``, ``failures`` as a dict...)."""
        if isinstance(fields.get("failures"), dict):
            fields["failures"] = json.dumps(fields["failures"], ensure_ascii=False)
        fields.setdefault("finished_at", now())
        sets = ", ".join(f"[{k}] = ?" for k in fields)
        try:
            with self.conn:
                self.conn.execute(
                    f"update runs set {sets} where id = ?", [*fields.values(), run_id]
                )
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest runs, newest first."""
        return list(self.db.query("select * from runs order by id desc limit ?", [limit]))

    # -- what is stored ------------------------------------------------------------

    def current_sources(self) -> dict[str, tuple[str | None, str, str, str | None]]:
        """path -> (source sha256, pipeline, ruleset and model version) of every document.

        One query for the whole batch, so skipping unchanged files costs a dict lookup.
        """
        return {
            r[0]: (r[1], r[2], r[3], r[4])
            for r in self.conn.execute(
                "select path, source_sha256, pipeline_version, ruleset_version, model_version "
                "from documents"
            )
        }

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

    # -- writing -----------------------------------------------------------------

    def write_document(
        self, doc: Doc, ruleset: str, *, source_sha256: str | None = None, fmt: str | None = None
    ) -> str:
        """Store ``doc`` (replacing an older version of the same path) in one transaction."""
        return self.write_rows(document_rows(doc, ruleset, source_sha256=source_sha256, fmt=fmt))

    def write_rows(
        self,
        rows: dict[str, list[dict[str, Any]]],
        *,
        run: tuple[int, dict[str, int]] | None = None,
    ) -> str:
        """Store one document's rows (from :func:`document_rows`) in one transaction,
        replacing what its path held before (its mentions, facts, roles, sentences...).
        ``run``: (run id, counts) to set on that ``runs`` row in the same transaction, so
        a run killed at any moment counts exactly the documents it committed."""
        return self.write_many([rows], run=run)[0]

    def write_many(
        self,
        batch: list[dict[str, list[dict[str, Any]]]],
        *,
        run: tuple[int, dict[str, int]] | None = None,
    ) -> list[str]:
        """Store several documents' rows in one transaction: all of them or, on an error,
        none (the caller may then store them one by one to find the bad one). Returns
        their ids. ``run`` as in :meth:`write_rows`.

        The single writer of a batch must keep up with several extraction workers: a
        commit per document costs more than its rows, and the entities of a whole batch
        are merged and upserted at once.
        """
        if not batch:
            return []
        for rows in batch:
            check_rows(rows)
        first = batch[0]["documents"][0]["path"]
        name = first if len(batch) == 1 else f"{first} (and {len(batch) - 1} more)"
        try:
            with self.conn:
                self._replace(batch)
                if run is not None:
                    run_id, counts = run
                    sets = ", ".join(f"[{k}] = ?" for k in counts)
                    self.conn.execute(
                        f"update runs set {sets} where id = ?", [*counts.values(), run_id]
                    )
        except sqlite3.Error as exc:
            error = store_error(self.path, exc)
            if isinstance(error, StoreUnavailable):  # no document can be stored now
                raise error from None
            raise StoreError(f"{name}: cannot store ({exc})") from None
        except (OverflowError, ValueError) as exc:
            raise StoreError(f"{name}: cannot store ({exc})") from None
        return [str(rows["documents"][0]["id"]) for rows in batch]

    def _replace(self, batch: list[dict[str, list[dict[str, Any]]]]) -> None:
        """Replace documents' rows inside the caller's transaction."""
        conn = self.conn
        for rows in batch:
            doc = rows["documents"][0]
            # What this path held, and this very document if stored under another path.
            olds = conn.execute(
                "select id from documents where path = ? or id = ?", [doc["path"], doc["id"]]
            ).fetchall()
            for (old_id,) in olds:
                self._forget_entities(old_id)
                self._delete(old_id)
            for table, table_rows in rows.items():
                if table_rows and table != "entities":
                    _insert_many(conn, table, table_rows)
        self._add_entities([row for rows in batch for row in rows.get("entities", [])])
        # Pruned once, after the additions: an entity a replaced document took to zero
        # but another document of the batch mentions keeps its row and aliases.
        conn.execute("delete from entities where mentions <= 0")
        for rows in batch:
            doc = rows["documents"][0]
            self._relink_reviews(str(doc["id"]), str(doc["name"]))

    def _relink_reviews(self, doc_id: str, doc_name: str) -> None:
        """Move decisions whose fact is gone (an updated bulletin changes the ids) onto the
        new fact with the same figure and evidence text in this document, if any."""
        conn = self.conn
        orphans = conn.execute(
            "select fact_id, quantity_text, evidence_text, quantity_start from reviews r "
            "where doc_name = ? and not exists (select 1 from facts f where f.id = r.fact_id)",
            [doc_name],
        ).fetchall()
        for old_id, quantity, evidence, old_start in orphans:
            new = conn.execute(
                "select id from facts f where doc_id = ? and quantity_text = ? "
                "and evidence_text = ? and not exists (select 1 from reviews r "
                "where r.fact_id = f.id) order by abs(quantity_start - ?) limit 1",
                [doc_id, quantity, evidence, old_start or 0],
            ).fetchone()
            if new is not None:
                conn.execute(
                    "update reviews set fact_id = ?, doc_sha256 = ? where fact_id = ?",
                    [new[0], doc_id, old_id],
                )

    def _forget_entities(self, doc_id: str) -> None:
        """Take a stored document's mentions out of the entity counts (and their sources)
        before replacing it; rows left at zero are pruned by the caller."""
        conn = self.conn
        rows = conn.execute(
            "select type, norm, text, rule_id, extractor, ruleset_version from mentions "
            "where doc_id = ?",
            [doc_id],
        )
        for row in entity_rows((t, stored_norm(n), x, r, e, v) for t, n, x, r, e, v in rows):
            old = conn.execute("select sources from entities where id = ?", [row["id"]]).fetchone()
            if old is None:
                continue
            sources = parse_sources(old[0]) - parse_sources(row["sources"])
            self._update_entity(row["id"], -row["mentions"], sources)

    def _add_entities(self, rows: list[dict[str, Any]]) -> None:
        """Upsert entities: merge aliases, add mention counts and their sources. Rows of
        one entity (from several documents) are merged first; the stored ones are read
        in one query per few hundred and updated with one ``executemany``."""
        conn = self.conn
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(row["id"], []).append(row)
        stored: dict[str, tuple[str, str | None]] = {}
        ids = list(groups)
        for i in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[i : i + _IDS_PER_QUERY]
            marks = ", ".join("?" for _ in chunk)
            query = f"select id, aliases, sources from entities where id in ({marks})"
            stored.update((r[0], (r[1], r[2])) for r in conn.execute(query, chunk))
        inserts: list[dict[str, Any]] = []
        updates: list[list[Any]] = []
        update_sql = ""
        for eid, group in groups.items():
            old = stored.get(eid)
            if old is None and len(group) == 1:
                inserts.append(group[0])  # new and seen once: the row as the worker made it
                continue
            aliases: set[str] = set()
            sources: Counter[Provenance] = Counter()
            if old is not None:
                aliases.update(json.loads(old[0]))
                sources += parse_sources(old[1])
            for row in group:
                aliases.update(json.loads(row["aliases"]))
                sources += parse_sources(row["sources"])
            mentions = sum(row["mentions"] for row in group)
            merged_aliases = json.dumps(sorted(aliases), ensure_ascii=False)
            columns = provenance_columns(sources)
            if old is None:
                inserts.append(
                    {**group[0], "aliases": merged_aliases, "mentions": mentions, **columns}
                )
                continue
            update_sql = update_sql or (
                "update entities set aliases = ?, mentions = mentions + ?, "
                + ", ".join(f"[{c}] = ?" for c in columns)
                + " where id = ?"
            )
            updates.append([merged_aliases, mentions, *columns.values(), eid])
        if inserts:
            _insert_many(conn, "entities", inserts)
        if updates:
            conn.executemany(update_sql, updates)

    def _update_entity(self, entity_id: str, added: int, sources: Counter[Provenance]) -> None:
        """Add ``added`` mentions (fewer when negative) to an entity, with its sources."""
        columns = provenance_columns(sources)
        sets = ", ".join(f"[{c}] = ?" for c in columns)
        self.conn.execute(
            f"update entities set mentions = mentions + ?, {sets} where id = ?",
            [added, *columns.values(), entity_id],
        )

    def _delete(self, doc_id: str) -> None:
        """Delete one document's rows (entities aside: see :meth:`_forget_entities`)."""
        for table in _DOCUMENT_TABLES:
            column = "id" if table == "documents" else "doc_id"
            self.conn.execute(f"delete from [{table}] where [{column}] = ?", [doc_id])
