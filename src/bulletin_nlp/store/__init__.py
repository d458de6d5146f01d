"""The SQLite store (the only package importing sqlite-utils), split by job:

- :mod:`.schema`: tables, indexes, views, opening a database and upgrading an older one;
- :mod:`.write`: the write path (one document's rows in one transaction) and ``runs``;
- :mod:`.rows`: a processed document as rows, with stable ids;
- :mod:`.query`: facts as reviewed, one fact, search, and their filters;
- :mod:`.fts`: the bigram tokenizer of the full-text index;
- :mod:`.columns`: what a fact row is, the one definition the ``facts`` table, the
  export, the CLI's JSON and CSV, and Datasette's ``facts_browse`` derive from;
- :mod:`.connection`: what they share (the connection, lock timeout, errors).

:class:`Store` is one object with the methods of each job.
"""

from __future__ import annotations

from .columns import FACT_COLUMNS, Column
from .connection import DB_TIMEOUT_ENV, INT64, StoreUnavailable, db_timeout, store_error
from .fts import bigrams, fts_query
from .query import (
    STATUS_FILTERS,
    QueryMixin,
    check_limit,
    like_escape,
    metric_labels,
    place_prefix,
    status_where,
    unknown_metric,
    year_range,
)
from .rows import document_rows, place_level, stable_id
from .schema import APPLICATION, MARKER_TABLE, SCHEMA_VERSION, SchemaMixin
from .write import WriteMixin, check_rows


class Store(SchemaMixin, WriteMixin, QueryMixin):
    """A bulletin database. Use :meth:`open`, :meth:`open_existing` or
    :meth:`open_readonly` to create or open one."""


__all__ = [
    "APPLICATION",
    "DB_TIMEOUT_ENV",
    "FACT_COLUMNS",
    "INT64",
    "MARKER_TABLE",
    "SCHEMA_VERSION",
    "STATUS_FILTERS",
    "Column",
    "Store",
    "StoreUnavailable",
    "bigrams",
    "check_limit",
    "check_rows",
    "db_timeout",
    "document_rows",
    "fts_query",
    "like_escape",
    "metric_labels",
    "place_level",
    "place_prefix",
    "stable_id",
    "status_where",
    "store_error",
    "unknown_metric",
    "year_range",
]
