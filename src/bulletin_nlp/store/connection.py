"""What every job of the store shares: the connection a :class:`StoreBase` holds, how long
it waits for another writer, and how a database error reads to a user."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StoreError

if TYPE_CHECKING:  # read commands (facts, search) stay light: no sqlite-utils import
    import sqlite_utils

#: Seconds a connection waits for another writer's lock before giving up
#: (``$BULLETIN_NLP_DB_TIMEOUT``, default 30).
DB_TIMEOUT_ENV = "BULLETIN_NLP_DB_TIMEOUT"
#: SQLite's integers are 64-bit: a larger figure cannot be stored.
INT64 = (-(2**63), 2**63 - 1)


def db_timeout() -> float:
    """How long to wait for a database locked by another writer."""
    try:
        return float(os.environ.get(DB_TIMEOUT_ENV, "30"))
    except ValueError:
        return 30.0


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


def now() -> str:
    """The current UTC time as stored (ISO 8601, whole seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreBase:
    """A connection to a bulletin database and its path; the schema, write and query
    jobs of :class:`~bulletin_nlp.store.Store` build on it."""

    def __init__(self, conn: sqlite3.Connection, path: str):
        self.conn = conn
        self.path = path

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """The sqlite-utils view of the connection, made on first use: importing
        sqlite-utils (and numpy through it) is most of a no-op re-ingest's time."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)
