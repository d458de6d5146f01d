"""Export facts as CSV, JSON Lines or Parquet: the rows of ``facts --format json``, each
with its raw evidence text and offsets into the source document."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import BulletinError
from .io import OutputError, display_path, replaced_on_success, text_output
from .store import Store
from .store.columns import EXPORTED

#: Exported columns and their types (those of ``bulletin-nlp facts --format json``), from
#: the one definition of a fact row.
COLUMNS: dict[str, type] = {c.name: c.py_type for c in EXPORTED}
FORMATS = ("csv", "jsonl", "parquet")


def fact_rows(store: Store, **filters: Any) -> list[dict[str, Any]]:
    """Facts as reviewed matching the ``facts`` filters (metric, place, year, org,
    modality, status, limit): corrected values with the extracted ones beside them,
    rejected facts left out unless ``status`` asks for them."""
    return [{k: row.get(k) for k in COLUMNS} for row in store.facts(**filters)]


#: The byte order mark that tells Excel a CSV file is UTF-8 (without it, Chinese text
#: opens as mojibake in Excel on Windows).
BOM = "\ufeff"


def export(store: Store, fmt: str, out: str | Path, *, excel: bool = False, **filters: Any) -> int:
    """Write the matching facts to ``out`` ('-' is stdout) as ``fmt``; return how many.
    ``excel``: CSV starts with a UTF-8 byte order mark, so Excel reads it as UTF-8."""
    if fmt not in FORMATS:
        raise BulletinError(f"unknown export format {fmt!r}: use {', '.join(FORMATS)}")
    if excel and fmt != "csv":
        raise BulletinError("--excel is for CSV: use --format csv")
    rows = fact_rows(store, **filters)
    if fmt == "parquet":
        write_parquet(rows, out)
        return len(rows)
    with _text_out(out) as fh:
        if excel:
            fh.write(BOM)
        (write_csv if fmt == "csv" else write_jsonl)(rows, fh)
    return len(rows)


@contextmanager
def _text_out(out: str | Path) -> Iterator[IO[str]]:
    """stdout for '-'; else a temporary file beside ``out`` that replaces it on success
    (a failed export never truncates, or deletes, what ``out`` held)."""
    if str(out) == "-":
        yield sys.stdout
        return
    with text_output(out, newline="") as fh:
        yield fh


def write_csv(rows: list[dict[str, Any]], fh: IO[str]) -> None:
    """RFC 4180 CSV with a header; missing values are empty cells.

    CRLF line ends also make the writer quote any cell holding a bare ``\r`` (sources
    with Windows line ends), which a ``\n`` terminator would leave to split the row.
    """
    writer = csv.DictWriter(fh, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)


def write_jsonl(rows: list[dict[str, Any]], fh: IO[str]) -> None:
    """One JSON object per line, Chinese left unescaped."""
    for row in rows:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_parquet(rows: list[dict[str, Any]], out: str | Path) -> None:
    """A Parquet file with a fixed schema (so all-null columns keep their types)."""
    if str(out) == "-":
        raise BulletinError("parquet cannot go to stdout: give --out FILE")
    if importlib.util.find_spec("pyarrow") is None:
        raise BulletinError("parquet export needs pyarrow: pip install 'bulletin-nlp[parquet]'")
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {str: pa.string(), int: pa.int64(), float: pa.float64()}
    schema = pa.schema([(name, types[kind]) for name, kind in COLUMNS.items()])
    table = pa.Table.from_pylist(rows, schema=schema)
    try:
        with replaced_on_success(out) as tmp:  # out itself is never removed on failure
            pq.write_table(table, str(tmp))
    except OSError as exc:
        raise OutputError(f"{display_path(out)}: cannot write ({exc})") from None
