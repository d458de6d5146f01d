"""Shared fixtures of the reliability suite: a CLI runner, a stored database, snapshots.

Long runs (the 50,000-example fuzz, the 20-point crash test, the 1 MB line) carry the
``slow`` marker and are deselected unless ``BULLETIN_NLP_SLOW=1`` is set::

    BULLETIN_NLP_SLOW=1 .venv/bin/pytest tests/reliability -m slow
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bulletin_nlp.cli import main

ROOT = Path(__file__).resolve().parents[2]
CORPUS_FILES = sorted((ROOT / "corpus").glob("*.txt"))
SLOW_ENV = "BULLETIN_NLP_SLOW"
#: Tables holding what ingest stored (``runs`` is a log of attempts, so left out).
DATA_TABLES = ("documents", "articles", "sentences", "mentions", "facts", "roles", "entities")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"slow: a long reliability run, deselected unless {SLOW_ENV}=1"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(SLOW_ENV, "").strip() not in ("", "0"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture(autouse=True)
def _no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules alone: these tests are about robustness, and the model is slow to load."""
    monkeypatch.setenv("BULLETIN_NLP_NO_MODEL", "1")


def cli(*args: str | Path) -> Result:
    """Run ``bulletin-nlp ARGS`` in this process (stderr kept apart in ``result.stderr``)."""
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(db: Path, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, list[tuple]]:
    """Every row of the data tables, sorted: equal snapshots mean nothing changed."""
    conn = sqlite3.connect(db)
    try:
        return {t: sorted(map(tuple, conn.execute(f"select * from [{t}]"))) for t in tables}
    finally:
        conn.close()


def copy_db(src: Path, dest: Path) -> Path:
    """A consistent copy of a (WAL) database through SQLite's backup API."""
    with sqlite3.connect(src) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    a.close()
    b.close()
    return dest


def per_document_counts(db: Path) -> dict[str, tuple[int, ...]]:
    """path -> (articles, sentences, mentions, facts, roles) of every stored document."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "select d.path, "
            + ", ".join(
                f"(select count(*) from {t} x where x.doc_id = d.id)"
                for t in ("articles", "sentences", "mentions", "facts", "roles")
            )
            + " from documents d"
        ).fetchall()
    finally:
        conn.close()
    return {r[0]: tuple(r[1:]) for r in rows}


@pytest.fixture(scope="session")
def stored_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding one sample bulletin (built once; copy it with ``stored_db``)."""
    folder = tmp_path_factory.mktemp("stored")
    src = folder / CORPUS_FILES[0].name
    shutil.copy(CORPUS_FILES[0], src)
    with pytest.MonkeyPatch.context() as mp:  # --no-model sets the variable: undo it
        mp.setenv("BULLETIN_NLP_NO_MODEL", "1")
        result = cli("ingest", src, "--db", folder / "template.db", "--no-model")
    assert result.exit_code == 0, result.output
    return folder / "template.db"


@pytest.fixture()
def stored_db(stored_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of a database that already holds one bulletin."""
    return copy_db(stored_template, tmp_path / "stored.db")


def small_corpus(folder: Path, copies: int = 2) -> Path:
    """``copies`` variants of each sample bulletin (distinct bytes, so distinct documents)."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(copies):
        for src in CORPUS_FILES:
            text = src.read_text(encoding="utf-8")
            (folder / f"{src.stem}_{k}.txt").write_text(text + f"\n副本{k}\n", encoding="utf-8")
    return folder
