"""The schema: tables, indexes and views, opening a database (refusing one that is not
ours or is newer), and bringing an older one up to date (:data:`SCHEMA_VERSION`).

Migrations are additive and run in one transaction when a database of an older version
is opened for writing; a read-only opening gets what an older database lacks for reading
as temporary tables and views instead.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Self

from .. import PIPELINE_VERSION
from ..errors import StoreError
from .columns import STORED
from .connection import StoreBase, db_timeout, now, store_error

# 2: batch columns, runs and reviews are part of every database at this version (1 had
# them added on open), so an up-to-date database opens without checking its tables.
# 3: ``facts_view`` keeps the extracted values of corrected fields (``original_*``); the
# findings of `check` are stored (``check_runs``, ``check_findings``).
# 4: roles and entities carry rule provenance (``rule_id``, ``extractor``,
# ``ruleset_version``) as mentions do; entities count their mentions per provenance
# (``sources``).
# 5: an index on entities (type, adcode): ``facts_view`` names each fact's place from
# them, and without it read every entity per fact (a 200-bulletin check took 3.9 s, 0.17 s
# with it).
SCHEMA_VERSION = 5

#: The table that marks a database as bulletin-nlp's: commands refuse to write into (or
#: read from) any SQLite file that lacks it and does not have this project's layout.
MARKER_TABLE = "bulletin_nlp"
APPLICATION = "bulletin-nlp"
# Tables and columns a database made before the marker table has; one with them is ours.
_OUR_TABLES = {
    "documents": {"id", "path", "name", "sha256", "raw", "encoding"},
    "sentences": {"id", "doc_id", "start", "end", "text", "grams"},
    "mentions": {"id", "doc_id", "type", "start", "end", "text", "norm"},
    "facts": {"id", "doc_id", "metric", "value", "place", "year", "quantity_start"},
}
#: Rule provenance, as mentions carry it: added to roles and entities at version 4.
PROVENANCE: dict[str, type] = {"rule_id": str, "extractor": str, "ruleset_version": str}

# Keyed by the fact's stable id; the anchor columns (document name, figure and evidence
# text) let a decision follow its fact when an updated bulletin changes the ids.
# Correction columns are null where the editor kept the extracted value.
_REVIEWS_SQL = """create table if not exists reviews (
    fact_id text primary key,
    doc_name text, doc_sha256 text,
    quantity_text text, evidence_text text, quantity_start integer,
    status text not null, value real, metric text, place text, place_name text,
    year integer,
    note text, reviewer text, decided_at text, original text)"""
# An editor's corrections (reviews) replace the extracted metric, value, place and year;
# the extracted value of each corrected field is kept beside it (``original_*``, null
# where the editor kept the extracted value). review_status is 'unreviewed' until someone
# decides. Its columns are those of ``columns.EXPORTED`` and a few more (tests check).
_FACTS_VIEW_SQL = """create view if not exists facts_view as
select f.id, d.name as doc, a.headline, a.source,
       coalesce(r.metric, f.metric) as metric, f.subject,
       coalesce(r.value, f.value) as value, f.unit, f.approx,
       coalesce(r.place, f.place) as place,
       coalesce(r.place_name, e.name, case when coalesce(r.place, f.place) = '100000'
                then '全国' end, coalesce(r.place, f.place)) as place_name, f.org,
       coalesce(r.year, f.year) as year, f.modality, f.qualifier,
       f.quantity_text, f.evidence_text,
       f.quantity_start, f.quantity_end, f.evidence_start, f.evidence_end,
       coalesce(r.status, 'unreviewed') as review_status, r.note as review_note,
       r.reviewer, r.decided_at,
       case when r.status = 'corrected' and r.value is not null and r.value is not f.value
            then f.value end as original_value,
       case when r.status = 'corrected' and r.metric is not null and r.metric is not f.metric
            then f.metric end as original_metric,
       case when r.status = 'corrected' and r.place is not null and r.place is not f.place
            then f.place end as original_place,
       case when r.status = 'corrected' and r.year is not null and r.year is not f.year
            then f.year end as original_year,
       case when r.status = 'corrected' and r.place is not null and r.place is not f.place
            then coalesce((select x.name from entities x where x.type = 'PLACE'
                           and x.adcode = f.place and x.level != 'township'
                           order by x.id limit 1),
                          case when f.place = '100000' then '全国' end, f.place)
            end as original_place_name,
       f.rule_id, f.article_id
from facts f join documents d on d.id = f.doc_id
left join articles a on a.id = f.article_id
left join reviews r on r.fact_id = f.id
left join entities e on e.type = 'PLACE' and e.adcode = coalesce(r.place, f.place)
    and e.id = (select min(id) from entities x where x.type = 'PLACE'
                and x.adcode = coalesce(r.place, f.place) and x.level != 'township')"""
#: The column of ``facts_view`` that only the current schema has: a database whose view
#: lacks it gets the view again.
_FACTS_VIEW_NEWEST = "original_value"
# The findings of `bulletin-nlp check` as last stored (by an ingest, by `check` when they
# changed, by a review decision): one row per finding, the facts involved beside them.
_CHECK_SQL = (
    """create table if not exists check_runs (
    id integer primary key, checked_at text, trigger text, ingest_run integer
        references runs(id), today text, findings integer, errors integer,
    warnings integer, kinds text)""",
    """create table if not exists check_findings (
    id text primary key, run_id integer references check_runs(id), kind text,
    severity text, message text, message_en text, metric text, place text,
    place_name text, year integer, facts integer, docs integer, fact_ids text,
    doc_names text)""",
    """create table if not exists check_finding_facts (
    finding_id text references check_findings(id), fact_id text references facts(id),
    doc_id text references documents(id), quantity_text text, value real, unit text,
    evidence_text text, primary key (finding_id, fact_id))""",
)
_MENTIONS_VIEW_SQL = """create view if not exists mentions_view as
select m.id, d.name as doc, m.type, m.text, m.norm, m.start, m.end,
       m.extractor, m.rule_id
from mentions m join documents d on d.id = m.doc_id"""


def _layout(conn: sqlite3.Connection) -> tuple[str, list[str]]:
    """Whose database this is: ``ours`` (the marker table), ``legacy`` (ours from before
    the marker), ``empty`` (no table at all) or ``foreign``; and its table names."""
    names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
    if MARKER_TABLE in names:
        try:
            row = conn.execute(
                f"select value from [{MARKER_TABLE}] where key = 'application'"
            ).fetchone()
        except sqlite3.OperationalError:
            row = None
        return ("ours" if row and row[0] == APPLICATION else "foreign"), names
    if not names:
        return "empty", names
    for table, columns in _OUR_TABLES.items():
        if table not in names:
            return "foreign", names
        have = {r[1] for r in conn.execute(f"pragma table_info([{table}])")}
        if not columns <= have:
            return "foreign", names
    return "legacy", names


def _not_ours(path: str | Path, names: list[str]) -> StoreError:
    """The error for a SQLite file that another application made."""
    shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
    return StoreError(
        f"{path}: not a bulletin-nlp database (it holds other tables: {shown}); "
        "give --db a new file or one bulletin-nlp made"
    )


def _check_version(path: Path, conn: sqlite3.Connection) -> tuple[str, list[str], int]:
    """The layout, table names and schema version of an open database; a foreign one or
    one written by a newer release is closed and refused before anything changes."""
    try:
        layout, names = _layout(conn)
        found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError:
        conn.close()
        raise
    if layout == "foreign":
        conn.close()
        raise _not_ours(path, names)
    if found > SCHEMA_VERSION:  # written by a newer release: do not touch it
        conn.close()
        raise StoreError(
            f"{path}: database schema version {found} is newer than this "
            f"bulletin-nlp's ({SCHEMA_VERSION}): upgrade bulletin-nlp"
        )
    return layout, names, found


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection: ``mode=ro``; ``immutable=1`` when that cannot open (a WAL
    database in a read-only folder without its ``-shm`` file, where no writer can be)."""
    uri = path.absolute().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=db_timeout())
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        text = str(exc)
        if "unable to open" not in text and "readonly" not in text and "read-only" not in text:
            raise
    conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=db_timeout())
    return conn


class SchemaMixin(StoreBase):
    """Opening a database and keeping its schema current."""

    @classmethod
    def open(cls, path: str | Path) -> Self:
        """Open (creating if needed) the database at ``path`` for writing.

        A SQLite file that is not bulletin-nlp's (no marker table and not this project's
        layout) is refused before anything in it changes.
        """
        p = Path(path)
        if p.is_dir():
            raise StoreError(f"{p}: is a directory, expected a database file")
        try:
            conn = sqlite3.connect(str(p), timeout=db_timeout())
            layout, _names, found = _check_version(p, conn)
            # WAL: readers never block the writer, and a killed writer leaves the database
            # consistent (the last transaction is simply absent). NORMAL sync is safe in
            # WAL against process crashes; only a power loss may drop the last commits.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            store = cls(conn, str(p))
            if found < SCHEMA_VERSION or layout == "empty":  # new or older: create, upgrade
                store._setup_schema()
            elif layout == "legacy":  # ours, from before the marker table
                with conn:
                    store._mark()
        except sqlite3.DatabaseError as exc:
            raise store_error(p, exc) from None
        return store

    @classmethod
    def open_existing(cls, path: str | Path, *, write: bool = False) -> Self:
        """Open a database that must already exist: read-only (read commands never
        write, and work in a read-only folder), or for writing with ``write``."""
        p = Path(path)
        if p.is_dir():
            raise StoreError(f"{p}: is a directory, expected a database file")
        if not p.is_file():
            raise StoreError(f"{path}: no such database (run `bulletin-nlp ingest` first)")
        if write:
            return cls.open(p)
        return cls.open_readonly(p)

    @classmethod
    def open_readonly(cls, path: str | Path) -> Self:
        """Open an existing database without writing to it: ``mode=ro``, or ``immutable``
        where a WAL database sits in a folder it cannot create its index file in.

        A database of an older schema gets what it lacks as temporary tables and views
        (in this connection only); an empty database reads as an empty store.
        """
        p = Path(path)
        try:
            conn = _connect_readonly(p)
            layout, names, _found = _check_version(p, conn)
            if layout == "empty":  # being created by an ingest, or never written
                conn.close()
                memory = cls(sqlite3.connect(":memory:"), str(p))
                memory._setup_schema()
                return memory
            store = cls(conn, str(p))
            store._temporary_schema(names)
        except sqlite3.DatabaseError as exc:
            raise store_error(p, exc) from None
        return store

    def _temporary_schema(self, names: list[str]) -> None:
        """What an older database lacks for reading (``reviews``, a ``facts_view`` showing
        decisions), as temporary objects that shadow the stored ones."""
        if "reviews" not in names:
            self.conn.execute(_REVIEWS_SQL.replace("create table", "create temp table", 1))
        columns = [r[1] for r in self.conn.execute("pragma table_info(facts_view)")]
        if _FACTS_VIEW_NEWEST not in columns:
            self.conn.execute(_FACTS_VIEW_SQL.replace("create view", "create temp view", 1))
        for sql in _CHECK_SQL:
            table = sql.split("exists ", 1)[1].split(" ", 1)[0]
            if table not in names:
                self.conn.execute(sql.replace("create table", "create temp table", 1))
        views = {
            r[0] for r in self.conn.execute("select name from sqlite_master where type = 'view'")
        }
        if "mentions_view" not in views:
            self.conn.execute(_MENTIONS_VIEW_SQL.replace("create view", "create temp view", 1))

    def _mark(self) -> None:
        """Write the marker table that says this database is bulletin-nlp's."""
        self.conn.execute(
            f"create table if not exists [{MARKER_TABLE}] (key text primary key, value text)"
        )
        self.conn.executemany(
            f"insert or ignore into [{MARKER_TABLE}] (key, value) values (?, ?)",
            [("application", APPLICATION), ("created", now()), ("pipeline", PIPELINE_VERSION)],
        )

    def _setup_schema(self) -> None:
        """Create or upgrade the schema in one transaction, even when another process
        does the same: a reader opening a database its writer is still creating saw no
        tables, then could not write them (SQLite answers "locked" at once, without
        waiting, when a read transaction's snapshot went stale); it looks again."""
        deadline = time.monotonic() + db_timeout()
        while True:
            try:
                with self.db.atomic():  # all or nothing, even under SIGKILL
                    self._ensure_schema()
                    self._ensure_batch_schema()
                    self._ensure_review_schema()
                    self._ensure_provenance_schema()
                    self._mark()
                    # Set last: a database at this version has every table and column.
                    self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                return
            except sqlite3.OperationalError as exc:
                text = str(exc)
                raced = "locked" in text or "already exists" in text or "duplicate column" in text
                if not raced or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _ensure_schema(self) -> None:
        """The content tables, their indexes and views, in a database that has none."""
        db = self.db
        if "documents" in db.table_names():
            return
        db.table("documents").create(
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
        db.table("documents").create_index(["path"], unique=True)
        db.table("articles").create(
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
        db.table("sentences").create(
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
        db.table("sentences").enable_fts(["grams"], create_triggers=True)
        db.table("mentions").create(
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
        db.table("facts").create(
            {c.name: c.py_type for c in STORED},  # one definition of a fact row
            pk="id",
            foreign_keys=[("doc_id", "documents", "id"), ("article_id", "articles", "id")],
        )
        db.table("roles").create(
            {
                "id": str,
                "doc_id": str,
                "person": str,
                "role": str,
                "org": str,
                "person_start": int,
                "person_end": int,
                "pipeline_version": str,
                **PROVENANCE,
            },
            pk="id",
            foreign_keys=[("doc_id", "documents", "id")],
        )
        db.table("entities").create(
            {
                "id": str,
                "type": str,
                "name": str,
                "adcode": str,
                "level": str,
                "parent": str,
                "aliases": str,
                "mentions": int,
                **PROVENANCE,  # that most of its mentions share
                "sources": str,  # JSON [[rule id, extractor, ruleset version, mentions]...]
            },
            pk="id",
        )
        for table in ("articles", "sentences", "mentions", "facts", "roles"):
            db.table(table).create_index(["doc_id"])
        db.table("facts").create_index(["metric", "year"])
        db.table("facts").create_index(["place"])
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._create_views()

    def _ensure_batch_schema(self) -> None:
        """Columns and tables of batch ingest, added to older databases too."""
        db = self.db
        have = {c.name for c in db["documents"].columns}
        for column in ("source_sha256", "format", "model_version"):
            if column not in have:
                db.execute(f"alter table documents add column [{column}] text")
        if "runs" in db.table_names():
            run_columns = {c.name for c in db["runs"].columns}
            for column in ("duplicates", "unsupported"):
                if column not in run_columns:
                    db.execute(f"alter table runs add column [{column}] integer")
        if "runs" not in db.table_names():
            db.table("runs").create(
                {
                    "id": int,
                    "started_at": str,
                    "finished_at": str,
                    "status": str,  # running, done, failed (some files), interrupted
                    "pipeline_version": str,
                    "ruleset_version": str,
                    "executor": str,  # serial, processes, dask <address>
                    "workers": int,
                    "files": int,
                    "processed": int,
                    "skipped": int,
                    "failed": int,
                    "duplicates": int,  # same bytes as another file: not stored again
                    "unsupported": int,  # files of a folder in no format read here
                    "chars": int,
                    "seconds": float,
                    "failures": str,  # JSON {path: reason}
                },
                pk="id",
            )

    def _ensure_review_schema(self) -> None:
        """The ``reviews`` table (an editor's decision per fact, see review.py) and a
        ``facts_view`` showing it, added to older databases too."""
        self._create_reviews_table()
        columns = [r[1] for r in self.db.execute("pragma table_info(facts_view)")]
        if _FACTS_VIEW_NEWEST not in columns:
            self.db.execute("drop view if exists facts_view")
            self._create_views()

    def _ensure_provenance_schema(self) -> None:
        """Rule provenance on roles and entities (version 4), added to older databases:
        their existing rows keep nulls until their documents are extracted again."""
        for table in ("roles", "entities"):
            have = {r[1] for r in self.conn.execute(f"pragma table_info([{table}])")}
            for column in [*PROVENANCE, *(["sources"] if table == "entities" else [])]:
                if column not in have:
                    self.conn.execute(f"alter table [{table}] add column [{column}] text")
        self.conn.execute(
            "create index if not exists idx_entities_type_adcode on entities (type, adcode)"
        )

    def _create_reviews_table(self) -> None:
        """The ``reviews`` table and the tables of stored ``check`` findings."""
        self.db.execute(_REVIEWS_SQL)
        for sql in _CHECK_SQL:
            self.db.execute(sql)

    def _create_views(self) -> None:
        """``facts_view`` (facts as reviewed) and ``mentions_view``."""
        self._create_reviews_table()
        self.db.execute(_FACTS_VIEW_SQL)
        self.db.execute(_MENTIONS_VIEW_SQL)
