"""`export`: CSV, JSON Lines and Parquet rows equal `facts --format json` for the same filters."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bulletin_nlp.cli import main
from bulletin_nlp.export import COLUMNS, write_csv, write_jsonl
from bulletin_nlp.ingest import ingest
from bulletin_nlp.store import Store

from .conftest import CORPUS, SAMPLES

FILTERS = [
    [],
    ["--place", "浙江省"],
    ["--metric", "certified_social_workers", "--year", "2021-2023"],
    ["--modality", "target"],
    ["--place", "贵州省", "--limit", "3"],
    ["--metric", "持证社会工作者人数", "--status", "all"],  # a label, as the id
    ["--status", "rejected"],  # none rejected: no rows
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("export") / "bulletins.db"
    assert not ingest([SAMPLES], path).failed
    return str(path)


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _facts_json(db: str, filters: list[str]) -> list[dict[str, Any]]:
    return list(json.loads(_invoke("facts", "--db", db, "--format", "json", *filters)))


def _typed(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row with its cells read back as the exported types ('' is a missing value)."""
    return {k: None if v == "" else COLUMNS[k](v) for k, v in row.items()}


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: " ".join(f) or "all")
def test_csv_and_jsonl_equal_facts_json(db: str, tmp_path: Path, filters: list[str]) -> None:
    expected = _facts_json(db, filters)
    csv_path, jsonl_path = tmp_path / "f.csv", tmp_path / "f.jsonl"
    out = _invoke("export", "--db", db, "--format", "csv", "--out", str(csv_path), *filters)
    assert out == f"{csv_path}: {len(expected)} facts\n"
    _invoke("export", "--db", db, "--format", "jsonl", "--out", str(jsonl_path), *filters)
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == list(COLUMNS)
        assert [_typed(r) for r in reader] == expected
    lines = jsonl_path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == expected


def test_every_row_carries_its_raw_evidence(db: str, tmp_path: Path) -> None:
    path = tmp_path / "all.jsonl"
    _invoke("export", "--db", db, "--format", "jsonl", "--out", str(path))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == Store.open_existing(db).db["facts"].count > 0
    raws = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    for r in rows:
        raw = raws[r["doc"]]
        assert raw[r["evidence_start"] : r["evidence_end"]] == r["evidence_text"]
        assert raw[r["quantity_start"] : r["quantity_end"]] == r["quantity_text"]
        assert r["evidence_start"] <= r["quantity_start"] < r["quantity_end"] <= r["evidence_end"]


def test_stdout_export_equals_file_export(db: str, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    _invoke("export", "--db", db, "--format", "csv", "--out", str(path), "--place", "湖北省")
    result = CliRunner().invoke(
        main, ["export", "--db", db, "--format", "csv", "--out", "-", "--place", "湖北省"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == path.read_bytes()
    assert result.stdout_bytes.startswith(b"id,doc,metric,")
    assert (
        result.stdout_bytes.count(b"\r\n") == len(Store.open_existing(db).facts(place="湖北省")) + 1
    )


@pytest.mark.parametrize("filters", [[], ["--place", "浙江省"], ["--status", "rejected"]])
def test_parquet_equals_facts_json(db: str, tmp_path: Path, filters: list[str]) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "f.parquet"
    _invoke("export", "--db", db, "--format", "parquet", "--out", str(path), *filters)
    table = pq.read_table(path)
    assert table.schema.names == list(COLUMNS)
    assert str(table.schema.field("year").type) == "int64"
    assert table.to_pylist() == _facts_json(db, filters)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "parquet", "--out", "-"], "parquet cannot go to stdout"),
        (
            ["--format", "csv", "--out", "/nonexistent-dir/f.csv"],
            "/nonexistent-dir/f.csv: cannot write",
        ),
        (["--format", "csv", "--out", "-", "--year", "20x1"], "bad year filter '20x1'"),
        (["--format", "xml", "--out", "-"], "Invalid value for '--format'"),
        (["--format", "csv", "--out", "-", "--metric", "no_such_metric"], "unknown metric"),
        (["--format", "jsonl", "--out", "-", "--excel"], "--excel is for CSV"),
    ],
)
def test_export_errors(db: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["export", "--db", db, *args])
    assert result.exit_code != 0
    assert message in result.output


def test_excel_csv_starts_with_a_utf8_bom(db: str, tmp_path: Path) -> None:
    """Excel reads a CSV as UTF-8 only after a byte order mark (else 浙江省 is mojibake)."""
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    args = ["--format", "csv", "--place", "浙江省"]
    _invoke("export", "--db", db, *args, "--out", str(plain))
    out = _invoke("export", "--db", db, *args, "--excel", "--out", str(excel))
    data = excel.read_bytes()
    assert data[:3] == b"\xef\xbb\xbf" and data[3:] == plain.read_bytes()
    assert data[3:].startswith(b"id,doc,metric,") and "浙江省".encode() in data
    rows = data.count(b"\r\n") - 1
    assert out == f"{excel}: {rows} facts\n"
    assert excel.read_text(encoding="utf-8-sig").startswith("id,doc,metric,")
    stdout = CliRunner().invoke(main, ["export", "--db", db, *args, "--excel", "--out", "-"])
    assert stdout.exit_code == 0 and stdout.stdout_bytes == data
    with excel.open(encoding="utf-8-sig", newline="") as fh:
        assert [r["place_name"] for r in csv.DictReader(fh)][0].startswith("浙江省")


def test_export_without_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["export", "--db", str(tmp_path / "none.db"), "--format", "csv", "--out", "-"]
    )
    assert result.exit_code == 1
    assert "none.db: no such database" in result.output


_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1
)
_values = {
    str: st.none() | _text,
    int: st.none() | st.integers(-(2**62), 2**62),
    float: st.none() | st.floats(allow_nan=False),
}
_rows = st.lists(st.fixed_dictionaries({k: _values[t] for k, t in COLUMNS.items()}), max_size=5)


@given(_rows)
def test_csv_round_trip_of_any_text(rows: list[dict[str, Any]]) -> None:
    """Commas, quotes, newlines and Chinese in evidence survive CSV."""
    buf = io.StringIO(newline="")
    write_csv(rows, buf)
    buf.seek(0)
    assert [_typed(r) for r in csv.DictReader(buf)] == rows


@given(_rows)
def test_jsonl_round_trip_of_any_text(rows: list[dict[str, Any]]) -> None:
    buf = io.StringIO()
    write_jsonl(rows, buf)
    assert [json.loads(line) for line in buf.getvalue().split("\n") if line] == rows
