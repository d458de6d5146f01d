"""The CLI: exact behaviour through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bulletin_nlp.cli import main

from .conftest import CORPUS, SAMPLES


def test_extract_json_prints_one_line_per_file() -> None:
    result = CliRunner().invoke(main, ["extract", str(CORPUS / "000_44766cfa53dbf2a3.txt"), "--json"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().split("\n")
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["doc"] == "000_44766cfa53dbf2a3.txt"
    assert set(record) == {"doc", "mentions", "facts", "roles"}
    raw = (CORPUS / "000_44766cfa53dbf2a3.txt").read_text(encoding="utf-8")
    for m in record["mentions"]:
        assert raw[m["start"] : m["end"]] == m["text"]


def test_ingest_then_search(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(SAMPLES), "--db", db])
    assert result.exit_code == 0, result.output
    assert "5 documents, 16 articles" in result.output
    result = runner.invoke(main, ["search", "社工", "--db", db, "--limit", "3"])
    assert result.exit_code == 0
    assert len(result.output.strip().split("\n")) == 3
    assert "社工" in result.output


def test_missing_file_is_reported_and_batch_goes_on(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    good = CORPUS / "004_20afdbe1c563e6d4.txt"
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "nope.txt"), str(good), "--db", db])
    assert result.exit_code == 1
    assert "nope.txt: no such file" in result.output
    assert "1 documents" in result.output


def test_search_without_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["search", "社工", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "none.db: no such database" in result.output
