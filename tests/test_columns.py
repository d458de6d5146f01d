"""One definition of a fact row (store/columns.py): the stored ``facts`` table, the
export and CLI columns, ``facts_view``, Datasette's ``facts_browse`` and the metadata
describing them all agree with it."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin_nlp import datasette_app as serve
from bulletin_nlp.cli import main
from bulletin_nlp.export import COLUMNS, write_csv
from bulletin_nlp.pipeline import process_file
from bulletin_nlp.store import Store, document_rows
from bulletin_nlp.store.columns import BROWSED, EXPORTED, FACT_COLUMNS, STORED, names
from bulletin_nlp.versions import ruleset_version

from .conftest import CORPUS_FILES


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Two sample bulletins stored (rules only), prepared for Datasette."""
    path = tmp_path_factory.mktemp("columns") / "bulletins.db"
    s = Store.open(path)
    for file in CORPUS_FILES[:2]:
        s.write_document(process_file(file, use_model=False), ruleset_version())
    serve.prepare(s)
    return s


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"pragma table_info([{table}])")]


def test_the_definition_names_each_column_once() -> None:
    assert len({c.name for c in FACT_COLUMNS}) == len(FACT_COLUMNS)
    assert all(c.stored or c.exported or c.browsed for c in FACT_COLUMNS)
    assert all("/ " in c.description for c in FACT_COLUMNS)  # 中文 / English


def test_stored_facts_table_and_rows_follow_the_definition(store: Store) -> None:
    assert _columns(store.conn, "facts") == names(STORED)
    types = {r[1]: r[2].lower() for r in store.conn.execute("pragma table_info(facts)")}
    # sqlite-utils writes a float column as FLOAT (real affinity, as ``real`` has).
    assert {n: t.replace("float", "real") for n, t in types.items()} == {
        c.name: c.sql_type for c in STORED
    }
    rows = document_rows(process_file(CORPUS_FILES[0], use_model=False), ruleset_version())
    assert rows["facts"] and all(list(f) == names(STORED) for f in rows["facts"])


def test_export_cli_and_facts_view_follow_the_definition(store: Store) -> None:
    assert list(COLUMNS) == names(EXPORTED)
    assert COLUMNS == {c.name: c.py_type for c in EXPORTED}
    out = io.StringIO()
    write_csv([], out)
    assert out.getvalue().strip().split(",") == names(EXPORTED)
    assert set(names(EXPORTED)) <= set(_columns(store.conn, "facts_view"))
    result = CliRunner().invoke(main, ["facts", "--db", store.path, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and all(list(r) == names(EXPORTED) for r in rows)
    csv_out = CliRunner().invoke(main, ["facts", "--db", store.path, "--format", "csv"])
    assert csv_out.output.splitlines()[0].split(",") == names(EXPORTED)


def test_datasette_table_and_metadata_follow_the_definition(store: Store) -> None:
    assert _columns(store.conn, "facts_browse") == names(BROWSED)
    tables = serve.build_metadata(store)["databases"][Path(store.path).stem]["tables"]
    assert tables["facts"]["columns"] == {c.name: c.description for c in STORED}
    assert tables["facts_browse"]["columns"] == {c.name: c.description for c in BROWSED}
    # The metadata template describes no fact column itself: one definition only.
    spec = serve.spec().tables
    assert not spec["facts"].columns and not spec["facts_browse"].columns
