"""The SQLite store (the only module importing sqlite-utils).

Rows carry raw offsets and stable ids hashed from (document sha256, span, kind), so
re-ingesting the same file never duplicates anything and ids survive re-runs.
"""

from __future__ import annotations

import hashlib
import json
import math
import operator
import re
import sqlite3
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import PIPELINE_VERSION
from .errors import StoreError

if TYPE_CHECKING:  # read commands (facts, search) stay light: no pydantic import
    import sqlite_utils

    from .doc import Doc

# 2: batch columns, runs and reviews are part of every database at this version (1 had
# them added on open), so an up-to-date database opens without checking its tables.
# 3: ``facts_view`` keeps the extracted values of corrected fields (``original_*``); the
# findings of `check` are stored (``check_runs``, ``check_findings``).
SCHEMA_VERSION = 3
#: Seconds a connection waits for another writer's lock before giving up
#: (``$BULLETIN_NLP_DB_TIMEOUT``, default 30).
DB_TIMEOUT_ENV = "BULLETIN_NLP_DB_TIMEOUT"


def db_timeout() -> float:
    """How long to wait for a database locked by another writer."""
    import os

    try:
        return float(os.environ.get(DB_TIMEOUT_ENV, "30"))
    except ValueError:
        return 30.0


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
#: SQLite's integers are 64-bit: a larger figure cannot be stored.
INT64 = (-(2**63), 2**63 - 1)


class StoreUnavailable(StoreError):
    """The database itself cannot take writes (disk full, I/O error, read-only): no
    further document can be stored, so a batch stops at the first one."""


def store_error(path: str | Path, exc: sqlite3.Error) -> StoreError:
    """A :class:`StoreError` naming the database and saying plainly what is wrong."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreUnavailable(
            f"{path}: database is locked by another writer (waited {db_timeout():g}s; "
            f"try again when it has finished, or raise ${DB_TIMEOUT_ENV})"
        )
    if "readonly" in text or "read-only" in text:
        return StoreUnavailable(f"{path}: read-only database, cannot write ({text})")
    if "full" in text:
        return StoreUnavailable(f"{path}: database or disk is full")
    if "disk I/O" in text:
        return StoreUnavailable(f"{path}: disk I/O error ({text})")
    return StoreError(f"{path}: not a usable SQLite database ({text})")


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
    shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
    return StoreError(
        f"{path}: not a bulletin-nlp database (it holds other tables: {shown}); "
        "give --db a new file or one bulletin-nlp made"
    )


def check_rows(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Refuse a document whose rows SQLite cannot store faithfully: an integer beyond 64
    bits (a figure of 2^63 or more) or a value that is not a finite number. Raises a
    :class:`StoreError` naming the document, the figure and the reason."""
    path = rows["documents"][0]["path"]
    for table, table_rows in rows.items():
        for row in table_rows:
            for column, value in row.items():
                bad = (
                    isinstance(value, int) and not INT64[0] <= value <= INT64[1]
                ) or (isinstance(value, float) and not math.isfinite(value))
                if not bad:
                    continue
                figure = row.get("quantity_text") or row.get("text") or ""
                where = f" in {figure!r}" if figure else ""
                raise StoreError(
                    f"{path}: figure {value}{where} cannot be stored ({table}.{column}: "
                    "beyond the 64-bit range SQLite keeps, or not a finite number)"
                )


def stable_id(*parts: object) -> str:
    """A short stable hash of the parts (document sha256, span, kind...)."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:20]


# Runs of ASCII letters/digits, and of other alphanumeric (CJK) characters: in ``re``,
# ``[^\W_]`` is exactly ``str.isalnum``.
_RUN_RE = re.compile(r"[A-Za-z0-9]+|[^\W_\x00-\x7f]+")


def _runs(text: str) -> list[tuple[str, bool]]:
    """Split text into (run, is_cjk) runs of Latin/digit words and of CJK characters."""
    return [(run, not run[0].isascii()) for run in _RUN_RE.findall(text)]


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
        out.extend(map(operator.add, run, run[1:]))  # the bigrams, without a Python loop
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
# decides.
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


class Store:
    """A bulletin database. Use :meth:`open` to create or open one."""

    def __init__(self, conn: sqlite3.Connection, path: str):
        self.conn = conn
        self.path = path

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """The sqlite-utils view of the connection, made on first use: importing
        sqlite-utils (and numpy through it) is most of a no-op re-ingest's time."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the database at ``path`` for writing.

        A SQLite file that is not bulletin-nlp's (no marker table and not this project's
        layout) is refused before anything in it changes.
        """
        p = Path(path)
        if p.is_dir():
            raise StoreError(f"{p}: is a directory, expected a database file")
        try:
            conn = sqlite3.connect(str(p), timeout=db_timeout())
            try:
                layout, names = _layout(conn)
                found = conn.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.DatabaseError:
                conn.close()
                raise
            if layout == "foreign":
                conn.close()
                raise _not_ours(p, names)
            if found > SCHEMA_VERSION:  # written by a newer release: do not touch it
                conn.close()
                raise StoreError(
                    f"{p}: database schema version {found} is newer than this "
                    f"bulletin-nlp's ({SCHEMA_VERSION}): upgrade bulletin-nlp"
                )
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
    def open_existing(cls, path: str | Path, *, write: bool = False) -> Store:
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
    def open_readonly(cls, path: str | Path) -> Store:
        """Open an existing database without writing to it: ``mode=ro``, or ``immutable``
        where a WAL database sits in a folder it cannot create its index file in.

        A database of an older schema gets what it lacks as temporary tables and views
        (in this connection only); an empty database reads as an empty store.
        """
        p = Path(path)
        try:
            conn = _connect_readonly(p)
            try:
                layout, names = _layout(conn)
                found = conn.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.DatabaseError:
                conn.close()
                raise
            if layout == "foreign":
                conn.close()
                raise _not_ours(p, names)
            if found > SCHEMA_VERSION:
                conn.close()
                raise StoreError(
                    f"{p}: database schema version {found} is newer than this "
                    f"bulletin-nlp's ({SCHEMA_VERSION}): upgrade bulletin-nlp"
                )
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
        views = {r[0] for r in self.conn.execute("select name from sqlite_master where type = 'view'")}
        if "mentions_view" not in views:
            self.conn.execute(_MENTIONS_VIEW_SQL.replace("create view", "create temp view", 1))

    def _mark(self) -> None:
        """Write the marker table that says this database is bulletin-nlp's."""
        self.conn.execute(
            f"create table if not exists [{MARKER_TABLE}] (key text primary key, value text)"
        )
        self.conn.executemany(
            f"insert or ignore into [{MARKER_TABLE}] (key, value) values (?, ?)",
            [("application", APPLICATION), ("created", _now()), ("pipeline", PIPELINE_VERSION)],
        )

    def _setup_schema(self) -> None:
        """Create or upgrade the schema in one transaction, even when another process
        does the same: a reader opening a database its writer is still creating saw no
        tables, then could not write them (SQLite answers "locked" at once, without
        waiting, when a read transaction's snapshot went stale); it looks again."""
        import time

        deadline = time.monotonic() + db_timeout()
        while True:
            try:
                with self.db.atomic():  # all or nothing, even under SIGKILL
                    self._ensure_schema()
                    self._ensure_batch_schema()
                    self._ensure_review_schema()
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
        db = self.db
        if "documents" not in db.table_names():
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
                {
                    "id": str,
                    "doc_id": str,
                    "article_id": str,
                    "metric": str,
                    "subject": str,
                    "value": float,
                    "unit": str,
                    "approx": str,
                    "place": str,
                    "org": str,
                    "year": int,
                    "modality": str,
                    "qualifier": str,
                    "quantity_start": int,
                    "quantity_end": int,
                    "quantity_text": str,
                    "evidence_start": int,
                    "evidence_end": int,
                    "evidence_text": str,
                    "rule_id": str,
                    "ruleset_version": str,
                    "pipeline_version": str,
                },
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

    def _create_reviews_table(self) -> None:
        self.db.execute(_REVIEWS_SQL)
        for sql in _CHECK_SQL:
            self.db.execute(sql)

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
                    [_now(), PIPELINE_VERSION, ruleset, executor, workers, files],
                )
        except sqlite3.Error as exc:  # locked by another writer, read-only...
            raise store_error(self.path, exc) from None
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, **fields: Any) -> None:
        """Store a run's final counts (``processed``, ``failures`` as a dict...)."""
        if isinstance(fields.get("failures"), dict):
            fields["failures"] = json.dumps(fields["failures"], ensure_ascii=False)
        fields.setdefault("finished_at", _now())
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

    # -- writing -----------------------------------------------------------------

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

    def write_rows(
        self,
        rows: dict[str, list[dict[str, Any]]],
        *,
        run: tuple[int, dict[str, int]] | None = None,
    ) -> str:
        """Store one document's rows (from :func:`document_rows`) in one transaction,
        replacing what its path held before (its mentions, facts, roles, sentences...).
        ``run``: (run id, counts) to set on that ``runs`` row in the same transaction, so
        a run killed at any moment counts exactly the documents it committed.

        Plain ``executemany`` inserts: the single writer of a batch must keep up with
        several extraction workers.
        """
        doc = rows["documents"][0]
        check_rows(rows)
        try:
            with self.conn:
                self._replace(rows)
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
            raise StoreError(f"{doc['path']}: cannot store ({exc})") from None
        except (OverflowError, ValueError) as exc:
            raise StoreError(f"{doc['path']}: cannot store ({exc})") from None
        return str(doc["id"])

    def _replace(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        """Replace a document's rows inside the caller's transaction."""
        doc = rows["documents"][0]
        conn = self.conn
        same_path = conn.execute("select id from documents where path = ?", [doc["path"]])
        olds = {r[0] for r in same_path}
        olds.add(doc["id"])
        for old_id in olds:
            self._forget_entities(old_id)
            self._delete(old_id)
        for table, table_rows in rows.items():
            if table_rows and table != "entities":
                _insert_many(conn, table, table_rows)
        self._add_entities(rows.get("entities", []))
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
        """Take a stored document's mentions out of the entity counts before replacing it."""
        conn = self.conn
        rows = conn.execute("select type, norm, text from mentions where doc_id = ?", [doc_id])
        triples = [(t, _stored_norm(n), x) for t, n, x in rows]
        for row in _entity_rows(triples):
            conn.execute(
                "update entities set mentions = mentions - ? where id = ?",
                [row["mentions"], row["id"]],
            )
        conn.execute("delete from entities where mentions <= 0")

    def _add_entities(self, rows: list[dict[str, Any]]) -> None:
        """Upsert entities: merge aliases and add mention counts."""
        conn = self.conn
        for row in rows:
            old = conn.execute("select aliases from entities where id = ?", [row["id"]]).fetchone()
            if old is None:
                _insert_many(conn, "entities", [row])
                continue
            aliases = sorted(set(json.loads(old[0])) | set(json.loads(row["aliases"])))
            conn.execute(
                "update entities set aliases = ?, mentions = mentions + ? where id = ?",
                [json.dumps(aliases, ensure_ascii=False), row["mentions"], row["id"]],
            )

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

    def write_document(
        self, doc: Doc, ruleset: str, *, source_sha256: str | None = None, fmt: str | None = None
    ) -> str:
        """Store ``doc`` (replacing an older version of the same path) in one transaction."""
        return self.write_rows(document_rows(doc, ruleset, source_sha256=source_sha256, fmt=fmt))

    def _create_views(self) -> None:
        self._create_reviews_table()
        self.db.execute(_FACTS_VIEW_SQL)
        self.db.execute(_MENTIONS_VIEW_SQL)

    def _delete(self, doc_id: str) -> None:
        for table in ("facts", "roles", "mentions", "sentences", "articles", "documents"):
            column = "id" if table == "documents" else "doc_id"
            self.conn.execute(f"delete from [{table}] where [{column}] = ?", [doc_id])

    # -- reading -----------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        tables = ("documents", "articles", "sentences", "mentions", "facts", "roles", "entities")
        try:
            return {
                t: self.conn.execute(f"select count(*) from [{t}]").fetchone()[0] for t in tables
            }
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def resolve_place(self, place: str) -> str:
        """An adcode for a place name or a six-digit code: stored entities first, then the
        gazetteer. A code must name a known place (``1`` is no prefix of anything)."""
        place = place.strip()
        if place in ("全国", "中国", "100000"):
            return "100000"
        try:
            if _ADCODE_RE.fullmatch(place):
                known = self.conn.execute(
                    "select 1 from entities where type = 'PLACE' and adcode = ? limit 1", [place]
                ).fetchone()
                if known is None:
                    from .gazetteer import gazetteer

                    if place not in gazetteer().by_adcode:
                        raise StoreError(f"unknown place code: {place!r}")
                return place
            rows = self.conn.execute(
                "select adcode from entities where type = 'PLACE' and adcode is not null "
                "and (name = ? or exists (select 1 from json_each(aliases) where value = ?)) "
                "order by mentions desc limit 1",
                [place, place],
            ).fetchall()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None
        if rows:
            return str(rows[0][0])
        from .gazetteer import lookup

        found = lookup(place) if place else None
        if found is None:
            raise StoreError(f"unknown place: {place!r}")
        return str(found.adcode)

    def facts(
        self,
        *,
        metric: str | None = None,
        place: str | None = None,
        year: str | None = None,
        org: str | None = None,
        modality: str | None = None,
        limit: int | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        """Facts as reviewed (corrected values, with the extracted ones in ``original_*``)
        matching the filters; ``metric`` is an id or a label (an unknown one is refused,
        with the valid ids); ``place`` includes every place below it; ``year`` is
        ``YYYY`` or ``YYYY-YYYY``; ``status`` is one of :data:`STATUS_FILTERS` (default:
        every fact but the rejected ones); ``limit``, if given, at least 1."""
        where: list[str] = []
        params: list[Any] = []
        if metric:
            where.append("metric = ?")
            params.append(self.resolve_metric(metric))
        if place:
            prefix = place_prefix(self.resolve_place(place))
            where.append("place is not null and place like ?")
            params.append(prefix + "%")
        if year:
            y1, y2 = year_range(year)
            where.append("year between ? and ?")
            params.extend([y1, y2])
        if org:
            # A % or _ the user typed is a character, not a LIKE wildcard.
            where.append("(org = ? or org like ? escape '\\')")
            params.extend([org, f"%{like_escape(org)}%"])
        if modality:
            where.append("modality = ?")
            params.append(modality)
        where.extend(status_where(status))
        sql = "select * from facts_view"
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by doc, quantity_start"
        if limit is not None:
            sql += f" limit {check_limit(limit)}"
        return self._query(sql, params)

    def resolve_metric(self, metric: str) -> str:
        """A metric id for an id or a label (``持证社会工作者人数`` →
        ``certified_social_workers``); an unknown one is refused with the valid ids and
        the closest match."""
        text = metric.strip()
        labels = metric_labels()
        try:
            stored = [r[0] for r in self.conn.execute("select distinct metric from facts")]
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None
        known = {**labels, **{m: labels.get(m, m) for m in stored if m}}
        if text in known:
            return text
        by_label = {label: mid for mid, label in known.items()}
        if text in by_label:
            return by_label[text]
        folded = {mid.lower(): mid for mid in known}
        if text.lower() in folded:
            return folded[text.lower()]
        raise StoreError(unknown_metric(text, known))

    def _query(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """Rows as dicts; a database error becomes one :class:`StoreError` naming the file."""
        try:
            cursor = self.conn.execute(sql, params)
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor]
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def fact(self, fact_id: str) -> dict[str, Any]:
        """One fact with its document's raw text and article (for `show`)."""
        rows = self._query(
            "select v.*, d.raw, d.path, a.start as article_start from facts_view v "
            "join facts f on f.id = v.id join documents d on d.id = f.doc_id "
            "left join articles a on a.id = f.article_id where v.id = ? "
            "or v.id like ? escape '\\'",
            [fact_id, like_escape(fact_id) + "%"],
        )
        if not rows:
            raise StoreError(f"no fact with id {fact_id!r}")
        if len(rows) > 1:
            raise StoreError(f"fact id {fact_id!r} is ambiguous: give more characters")
        return rows[0]

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Sentences matching ``query`` (two-character Chinese queries work); ``limit``
        at least 1."""
        limit = check_limit(limit)
        match = fts_query(query)
        if not match:
            return []
        sql = (
            "select s.id, d.name as doc, s.start, s.end, s.text, a.headline "
            "from sentences_fts f join sentences s on s.rowid = f.rowid "
            "join documents d on d.id = s.doc_id left join articles a on a.id = s.article_id "
            "where sentences_fts match ? order by d.name, s.start limit ?"
        )
        return self._query(sql, [match, limit])


_ADCODE_RE = re.compile(r"[0-9]{6}")
_YEAR_RE = re.compile(r"\s*([0-9]{4})\s*(?:-\s*([0-9]{4})\s*)?")

#: What ``status`` (``--status``) may ask for: ``accepted`` is every fact an editor kept
#: (accepted, or accepted with a correction), ``all`` includes the rejected ones. Without
#: it, every fact but the rejected ones.
STATUS_FILTERS = ("accepted", "corrected", "unreviewed", "rejected", "all")


def status_where(status: str | None) -> list[str]:
    """The SQL conditions on ``review_status`` for a ``status`` filter."""
    if status is None:
        return ["review_status != 'rejected'"]
    if status not in STATUS_FILTERS:
        raise StoreError(f"unknown review status {status!r}: use {', '.join(STATUS_FILTERS)}")
    if status == "all":
        return []
    if status == "accepted":
        return ["review_status in ('accepted', 'corrected')"]
    return [f"review_status = '{status}'"]


def metric_labels() -> dict[str, str]:
    """Metric id → label from ``rules/metrics.yaml`` (read as plain YAML: a query command
    loads neither the rule models nor their regexes), plus ``other``."""
    import yaml

    from .versions import rules_dir

    try:
        data = yaml.safe_load((rules_dir() / "metrics.yaml").read_text(encoding="utf-8"))
        entries = data.get("entries", []) if isinstance(data, dict) else []
        labels = {str(e["id"]): str(e.get("label", e["id"])) for e in entries if "id" in e}
    except (OSError, yaml.YAMLError, TypeError, KeyError):
        labels = {}
    labels.setdefault("other", "其他（见 subject）")
    return labels


def unknown_metric(text: str, known: dict[str, str]) -> str:
    """Why ``text`` names no metric: the closest id or label, and every valid id."""
    import difflib

    by_label = {label: mid for mid, label in known.items()}
    close = difflib.get_close_matches(text.lower(), list(known), n=1, cutoff=0.6)
    if not close:
        near = difflib.get_close_matches(text, list(by_label), n=1, cutoff=0.4)
        close = [by_label[near[0]]] if near else []
    if not close:  # a part of a label (持证社工 in 持证社会工作者人数 is not, 持证 is)
        close = [mid for label, mid in by_label.items() if text and text in label][:1]
    hint = f": did you mean {close[0]} ({known[close[0]]})?" if close else "."
    valid = ", ".join(sorted(known))
    return f"unknown metric {text!r}{hint} Give an id or its label: {valid}"


def year_range(year: str) -> tuple[int, int]:
    """``YYYY`` or ``YYYY-YYYY`` as (first, last), refusing a range that runs backwards."""
    found = _YEAR_RE.fullmatch(year)
    if not found:
        raise StoreError(f"bad year filter {year!r}: use YYYY or YYYY-YYYY (2021-2023)")
    y1 = int(found.group(1))
    y2 = int(found.group(2) or y1)
    if y1 > y2:
        raise StoreError(
            f"bad year filter {year!r}: the range runs backwards ({y1} comes after {y2}; "
            f"use {y2}-{y1})"
        )
    return y1, y2


def check_limit(limit: int) -> int:
    """A row limit: a whole number from 1 to 2^63-1 (0 or a negative would mean none)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= INT64[1]:
        raise StoreError(f"bad limit {limit!r}: give a whole number from 1 to {INT64[1]}")
    return limit


def like_escape(text: str) -> str:
    """``text`` for a LIKE pattern with ``escape '\\'``: its % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _stored_norm(value: str | None) -> Any:
    """A mention's norm as the pipeline gave it (dicts are stored as JSON)."""
    if value and value[0] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _insert_many(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    sql = (
        f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
        f"values ({', '.join('?' for _ in columns)})"
    )
    conn.executemany(sql, [[row[c] for c in columns] for row in rows])


def document_rows(
    doc: Doc,
    ruleset: str,
    *,
    source_sha256: str | None = None,
    fmt: str | None = None,
    model_version: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every row one document puts in the store, keyed by table (``documents`` first).

    Pure data (picklable), so extraction workers build it and the single writer only
    inserts it.
    """
    document = {
        "id": doc.sha256,
        "path": doc.path,
        "name": doc.name,
        "sha256": doc.sha256,
        "raw": doc.raw,
        "encoding": doc.encoding,
        "ingested_at": _now(),
        "pipeline_version": PIPELINE_VERSION,
        "ruleset_version": ruleset,
        "source_sha256": source_sha256,
        "format": fmt,
        "model_version": model_version,  # the model stage's, None when it did not run
    }
    return {"documents": [document], **_rows(doc, doc.sha256, ruleset)}


def _rows(doc: Doc, doc_id: str, ruleset: str) -> dict[str, list[dict[str, Any]]]:
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
    facts = []
    for f in doc.facts:
        qs, qe = f["quantity_span"]
        es, ee = f["evidence_span"]
        nq = doc.norm_offset(qs)
        art_id = art_ids[doc.article_index(nq)] if art_ids else None
        facts.append(
            {
                "id": stable_id(doc.sha256, qs, qe, "fact"),
                "doc_id": doc_id,
                "article_id": art_id,
                "metric": f["metric"],
                "subject": f.get("subject"),
                "value": f["value"],
                "unit": f["unit"],
                "approx": f["approx"],
                "place": f["place"],
                "org": f["org"],
                "year": f["year"],
                "modality": f["modality"],
                "qualifier": f.get("qualifier"),
                "quantity_start": qs,
                "quantity_end": qe,
                "quantity_text": doc.raw[qs:qe],
                "evidence_start": es,
                "evidence_end": ee,
                "evidence_text": doc.raw[es:ee],
                "rule_id": f.get("rule_id", ""),
                "ruleset_version": ruleset,
                "pipeline_version": PIPELINE_VERSION,
            }
        )
    roles = [
        {
            "id": stable_id(doc.sha256, r["person"], r["role"], r["org"], "role"),
            "doc_id": doc_id,
            "person": r["person"],
            "role": r["role"],
            "org": r["org"],
            "person_start": r.get("person_start"),
            "person_end": r.get("person_end"),
            "pipeline_version": PIPELINE_VERSION,
        }
        for r in doc.roles
    ]
    return {
        "articles": articles,
        "sentences": sentences,
        "mentions": mentions,
        "facts": facts,
        "roles": roles,
        "entities": _entities(doc),
    }


def _entities(doc: Doc) -> list[dict[str, Any]]:
    """Canonical entities of the document's mentions, with the surface forms seen."""
    return _entity_rows([(m.type, m.norm, m.text) for m in doc.mentions])


def _entity_rows(mentions: list[tuple[str, Any, str]]) -> list[dict[str, Any]]:
    """Entity rows of (type, norm, text) mentions: one per canonical entity, counted."""
    from .normalize import compact

    found: dict[str, dict[str, Any]] = {}
    for mtype, norm, text in mentions:
        if mtype in ("DATE", "QUANTITY"):
            continue
        adcode = level = parent = None
        if mtype == "PLACE" and isinstance(norm, dict):
            name = str(norm.get("name"))
            adcode = str(norm.get("adcode"))
            level, parent = place_level(adcode, name)
        else:
            name = str(norm)
        eid = stable_id(mtype, name, adcode or "")
        row = found.setdefault(
            eid,
            {
                "id": eid,
                "type": mtype,
                "name": name,
                "adcode": adcode,
                "level": level,
                "parent": parent,
                "aliases": set(),
                "mentions": 0,
            },
        )
        row["aliases"].add(compact(text))
        row["mentions"] += 1
    for row in found.values():
        row["aliases"] = json.dumps(sorted(row["aliases"]), ensure_ascii=False)
    return list(found.values())


def place_level(adcode: str, name: str) -> tuple[str, str | None]:
    """Level and parent adcode of a place from its 6-digit code (townships keep the
    county's code, so a name ending below county level marks them)."""
    if adcode == "100000":
        return "nation", None
    if adcode.endswith("0000"):
        return "province", "100000"
    if adcode.endswith("00"):
        return "city", adcode[:2] + "0000"
    if name.endswith(("街道", "镇", "乡", "社区", "村", "苏木")):
        return "township", adcode
    return "county", adcode[:4] + "00"


def place_prefix(adcode: str) -> str:
    """The adcode prefix shared by a place and every place below it."""
    if adcode == "100000":
        return ""
    if adcode.endswith("0000"):
        return adcode[:2]
    if adcode.endswith("00"):
        return adcode[:4]
    return adcode
