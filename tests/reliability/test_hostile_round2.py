"""Hostile input, second round (issue 19): every numbered item of the issue as tests.

Each case is what an attacker or a careless user tried, with the behaviour the project
promises instead: one line naming the input and the reason (exit status not 0, no
traceback unless ``--debug``), nothing written by a read command, nothing lost by a
failed write, bounded time and memory. Item 12 (cubic time of the fact stage on long
unpunctuated text) is measured by ``benchmarks/bench_linear.py`` instead.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from starlette.testclient import TestClient

from bulletin_nlp import batch as batch_module
from bulletin_nlp import store as store_module
from bulletin_nlp.errors import BulletinError
from bulletin_nlp.review_server import create_app

from .conftest import CORPUS_FILES, DATA_TABLES, cli, copy_db, small_corpus, snapshot

BIN = Path(sys.executable).with_name("bulletin-nlp")
SAMPLE = "2022年4月26日，浙江省民政厅召开会议。全省共建成社工站1200个，持证社工3500人。\n"
ORIGIN = {"origin": "http://127.0.0.1:8002"}
TABLES = DATA_TABLES + ("reviews",)


def clean(result: Result) -> None:
    """No traceback: the run ended with a message (or normally), never an exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback instead of a message: {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output


def refused(result: Result, named: object, reason: str, code: int = 1) -> None:
    """Refused with exit ``code``, one error line naming ``named`` and ``reason``."""
    clean(result)
    assert result.exit_code == code, result.output
    errors = [line for line in result.output.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1, result.output
    assert str(named) in errors[0], result.output
    assert reason in result.output, result.output


def fact_id(db: Path, doc: str | None = None) -> str:
    conn = sqlite3.connect(db)
    try:
        sql = "select f.id from facts f join documents d on d.id = f.doc_id"
        row = conn.execute(sql + (" where d.name = ?" if doc else "") + " order by f.id limit 1",
                           [doc] if doc else []).fetchone()
    finally:
        conn.close()
    return str(row[0])


def reviews(db: Path) -> list[tuple[Any, ...]]:
    return snapshot(db, ("reviews",))["reviews"]


# -- 1. serve (Datasette) checks the Host header ---------------------------------------------

PORT = 8001  # only a number in the Host header: nothing binds it


@pytest.fixture()
def datasette(stored_db: Path) -> TestClient:
    pytest.importorskip("datasette")
    from bulletin_nlp import datasette_app as serve
    from bulletin_nlp.store import Store

    store = Store.open_existing(stored_db, write=True)
    serve.prepare(store)
    metadata = serve.build_metadata(store)
    store.db.conn.close()
    return TestClient(serve.app(stored_db, PORT, metadata), base_url=f"http://127.0.0.1:{PORT}")


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("attacker.example", 400),  # DNS rebinding: the page's own name
        (f"attacker.example:{PORT}", 400),
        (f"127.0.0.1:{PORT + 1}", 400),  # another port
        ("127.0.0.1", 400),  # not the bound port
        ("", 400),
        (f"127.0.0.1:{PORT}", 200),
        (f"localhost:{PORT}", 200),
    ],
)
def test_1_serve_answers_only_its_bound_host_and_port(
    datasette: TestClient, host: str, status: int
) -> None:
    response = datasette.get("/stored.json?sql=select+raw+from+documents", headers={"host": host})
    assert response.status_code == status
    if status != 200:
        assert "社会" not in response.text  # no document text leaks


# -- 2. terminal escape injection ---------------------------------------------------------------

ESCAPES = "\x1b]0;PWNED\x07"
HOSTILE_TEXT = f"2022年4月26日，浙江省民政厅发布：{ESCAPES}全省共建成社工站1200个\u202e，\x9b31m持证社工3500人。\n"


@pytest.fixture()
def escaped_db(stored_db: Path, tmp_path: Path) -> Path:
    src = tmp_path / "esc.txt"
    src.write_text(HOSTILE_TEXT, encoding="utf-8")
    assert cli("ingest", src, "--db", stored_db).exit_code == 0
    return stored_db


@pytest.mark.parametrize(
    "command",
    [
        lambda db: ["search", "社工站", "--db", db],
        lambda db: ["search", "社工站", "--db", db, "--json"],
        lambda db: ["show", fact_id(db, "esc.txt"), "--db", db],
        lambda db: ["facts", "--db", db],
        lambda db: ["facts", "--db", db, "--format", "json"],
        lambda db: ["check", "--db", db],
    ],
    ids=["search", "search --json", "show", "facts table", "facts json", "check"],
)
def test_2_control_characters_are_escaped_on_the_terminal(escaped_db: Path, command: Any) -> None:
    result = cli(*command(escaped_db))
    clean(result)
    assert result.exit_code == 0, result.output
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in result.output, repr(raw)


def test_2_escapes_stay_visible_in_search_and_show(escaped_db: Path) -> None:
    assert "\\x1b]0;PWNED\\x07" in cli("search", "PWNED", "--db", escaped_db).output
    shown = cli("show", fact_id(escaped_db, "esc.txt"), "--db", escaped_db).output
    assert "\\x07" in shown and "\\u202e" in shown


# -- 3. the review server caps request bodies and field lengths -------------------------------


@pytest.fixture()
def client(stored_db: Path) -> TestClient:
    return TestClient(create_app(stored_db, reviewer="tester"), base_url="http://127.0.0.1:8002")


def _chunks(total: int) -> Any:
    chunk = b"[" + b"1," * 32767 + b"1]"
    for _ in range(total // len(chunk) + 1):
        yield chunk


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (lambda: b'{"status": "accepted", "note": "' + b"x" * (2 * 1024 * 1024) + b'"}', 413),
        (lambda: _chunks(4 * 1024 * 1024), 413),  # chunked: no Content-Length to trust
        (lambda: json.dumps({"status": "accepted", "note": "注" * 2001}).encode(), 400),
        (lambda: json.dumps({"status": "accepted", "reviewer": "r" * 101}).encode(), 400),
        (lambda: json.dumps({"status": "corrected", "value": "9" * 101}).encode(), 400),
        (lambda: b"[" * 50000 + b"]" * 50000, 413),
        (lambda: b"[" * 30000 + b"]" * 30000, 400),  # deep nesting within the cap
    ],
    ids=["2 MB note", "4 MB chunked", "long note", "long reviewer", "long value",
         "100 KB nesting", "60 KB nesting"],
)
def test_3_review_caps_body_and_fields(
    client: TestClient, stored_db: Path, body: Any, status: int
) -> None:
    before = reviews(stored_db)
    response = client.post(
        f"/api/facts/{fact_id(stored_db)}/decision",
        content=body(),
        headers={**ORIGIN, "content-type": "application/json"},
    )
    assert response.status_code == status, response.text[:300]
    assert reviews(stored_db) == before


# -- 4. non-finite corrections: refused, never saved; pages survive stored ones ----------------


@pytest.mark.parametrize("value", ["1e400", "-1e400", "inf", "nan", "NaN", "1e300", "-1e19"])
def test_4_bad_correction_value_is_refused_and_not_saved(
    client: TestClient, stored_db: Path, value: str
) -> None:
    before = reviews(stored_db)
    response = client.post(
        f"/api/facts/{fact_id(stored_db)}/decision",
        json={"status": "corrected", "value": value},
        headers=ORIGIN,
    )
    assert response.status_code == 400, response.text
    assert "corrected value" in response.json()["error"]
    assert reviews(stored_db) == before
    assert client.get("/").status_code == 200
    assert cli("check", "--db", stored_db).exit_code == 0


def test_4_a_failed_request_saves_nothing(
    client: TestClient, stored_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision is valid, but rendering the answer fails: nothing is saved."""
    from bulletin_nlp import review_server as server

    def broken(*args: Any) -> str:
        raise BulletinError("rendering failed")

    monkeypatch.setattr(server, "_fact_html", broken)
    response = client.post(
        f"/api/facts/{fact_id(stored_db)}/decision", json={"status": "accepted"}, headers=ORIGIN
    )
    assert response.status_code == 400
    assert reviews(stored_db) == []


@pytest.mark.parametrize("value", ["1e999", "-1e999", "1e300"])
def test_4_import_of_a_bad_value_is_refused(stored_db: Path, tmp_path: Path, value: str) -> None:
    path = tmp_path / "d.jsonl"
    line = json.dumps(
        {"fact_id": fact_id(stored_db), "status": "corrected", "value": "VALUE",
         "decided_at": "2024-01-01T00:00:00+00:00"}
    ).replace('"VALUE"', value)  # a JSON number beyond a float's range, as written
    path.write_text(line + "\n", encoding="utf-8")
    refused(cli("review", "--db", stored_db, "--import", path), path, "line 1: value")
    assert reviews(stored_db) == []


def test_4_pages_check_and_report_survive_an_infinite_value_stored_earlier(
    client: TestClient, stored_db: Path, tmp_path: Path
) -> None:
    conn = sqlite3.connect(stored_db)
    fid = fact_id(stored_db)
    conn.execute(
        "insert into reviews (fact_id, status, value, decided_at) values (?, 'corrected', ?, ?)",
        [fid, float("inf"), "2024-01-01T00:00:00+00:00"],
    )
    conn.commit()
    doc = conn.execute("select doc_id from facts where id = ?", [fid]).fetchone()[0]
    conn.close()
    assert client.get("/").status_code == 200
    assert client.get(f"/doc/{doc}").status_code == 200
    for args in (["check"], ["report", "--out", tmp_path / "r.html"], ["facts"]):
        result = cli(*args, "--db", stored_db)
        clean(result)
        assert result.exit_code == 0, result.output


# -- 5. a figure of 2^63 or more fails its document alone ---------------------------------------


@pytest.mark.parametrize(
    "figure", ["10000000000000000000", "9223372036854775808", "99999999999999999999999999"]
)
def test_5_huge_figure_fails_its_document_alone(stored_db: Path, tmp_path: Path, figure: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_huge.txt").write_text(f"全省共建成社工站{figure}个。\n", encoding="utf-8")
    (folder / "b_fine.txt").write_text(SAMPLE, encoding="utf-8")
    result = cli("ingest", folder, "--db", stored_db)
    refused(result, folder / "a_huge.txt", "cannot be stored")
    conn = sqlite3.connect(stored_db)
    names = {r[0] for r in conn.execute("select name from documents")}
    conn.close()
    assert "b_fine.txt" in names and "a_huge.txt" not in names


@pytest.mark.parametrize("year", ["99999999999999999999", "-5", "0", "10000"])
def test_5_issue_year_out_of_range_is_a_usage_error(stored_db: Path, year: str) -> None:
    src = CORPUS_FILES[0]
    for command in ("ingest", "extract"):
        args = [command, src, "--issue-year", year] + (["--db", stored_db] if command == "ingest" else [])
        result = cli(*args)
        clean(result)
        assert result.exit_code == 2 and "--issue-year" in result.output, result.output


def test_5_library_refuses_an_issue_year_out_of_range(tmp_path: Path) -> None:
    from bulletin_nlp.ingest import ingest

    with pytest.raises(BulletinError, match="issue year 100000000000000000000 is not a year"):
        ingest([CORPUS_FILES[0]], tmp_path / "y.db", issue_year=10**20)


# -- 6. file names that are not UTF-8 -------------------------------------------------------------


def test_6_file_name_with_non_utf8_bytes_is_ingested(stored_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"b\xff.txt"), "wb") as fh:
        fh.write(SAMPLE.encode())
    (folder / "c.txt").write_text(SAMPLE.replace("1200", "1300"), encoding="utf-8")
    result = cli("ingest", folder, "--db", stored_db)
    clean(result)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(stored_db)
    paths = {r[0] for r in conn.execute("select path from documents")}
    conn.close()
    assert str(folder / "b%FF.txt") in paths and str(folder / "c.txt") in paths
    again = cli("ingest", folder, "--db", stored_db)  # the escaped name is stable: skipped
    assert again.exit_code == 0 and "2 unchanged" in again.output, again.output
    extracted = cli("extract", folder)
    clean(extracted)
    assert extracted.exit_code == 0 and "== b%FF.txt:" in extracted.output


# -- 7. tracebacks for foreseeable input ----------------------------------------------------------


def _encrypted_pdf(tmp: Path) -> Path:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("", "owner")
    path = tmp / "enc.pdf"
    writer.write(path)
    data = path.read_bytes()
    import re

    path.write_bytes(re.sub(rb"/V \d", b"/V 9", data, count=1))  # /Encrypt /V 99-ish
    return path


def _foreign_v2(tmp: Path) -> Path:
    db = tmp / "foreign.db"
    conn = sqlite3.connect(db)
    conn.execute("create table notes (x)")
    conn.execute("pragma user_version = 2")
    conn.commit()
    conn.close()
    return db


def _bad_gold(tmp: Path) -> Path:
    gold = tmp / "gold"
    gold.mkdir()
    (gold / "x.json").write_text("{bad", encoding="utf-8")
    return gold


# (make input, command, exit code, text of the reason); the input is named in the error.
TRACEBACKS: dict[str, tuple[Any, Any, int, str]] = {
    "PDF with /Encrypt /V 9": (_encrypted_pdf, lambda p, db: ["ingest", p, "--db", db], 1, "PDF"),
    "facts --year 99999999999999999999": (
        lambda t: "99999999999999999999",
        lambda p, db: ["facts", "--db", db, "--year", p], 1, "bad year filter",
    ),
    "facts --limit 99999999999999999999": (
        lambda t: "99999999999999999999",
        lambda p, db: ["facts", "--db", db, "--limit", p], 2, "--limit",
    ),
    "search --limit 99999999999999999999": (
        lambda t: "99999999999999999999",
        lambda p, db: ["search", "社工", "--db", db, "--limit", p], 2, "--limit",
    ),
    "export --limit 99999999999999999999": (
        lambda t: "99999999999999999999",
        lambda p, db: ["export", "--db", db, "--format", "csv", "--out", "-", "--limit", p], 2,
        "--limit",
    ),
    "eval with malformed gold JSON": (
        _bad_gold, lambda p, db: ["eval", "--gold", p, "--no-model"], 1, "malformed gold JSON"
    ),
    "export csv to /dev/full": (
        lambda t: "/dev/full",
        lambda p, db: ["export", "--db", db, "--format", "csv", "--out", p], 1, "not a regular file",
    ),
    "facts on a foreign v2 database": (
        _foreign_v2, lambda p, db: ["facts", "--db", p], 1, "not a bulletin-nlp database"
    ),
    "search on a foreign v2 database": (
        _foreign_v2, lambda p, db: ["search", "社工", "--db", p], 1, "not a bulletin-nlp database"
    ),
    "check on a foreign v2 database": (
        _foreign_v2, lambda p, db: ["check", "--db", p], 1, "not a bulletin-nlp database"
    ),
    "report on a foreign v2 database": (
        _foreign_v2, lambda p, db: ["report", "--db", p, "--out", Path(p).with_suffix(".html")], 1,
        "not a bulletin-nlp database",
    ),
}


@pytest.mark.parametrize("case", list(TRACEBACKS))
def test_7_foreseeable_input_is_one_line_not_a_traceback(
    case: str, stored_db: Path, tmp_path: Path
) -> None:
    make, command, code, reason = TRACEBACKS[case]
    named = make(tmp_path)
    result = cli(*command(named, stored_db))
    if code == 2:  # a usage error: click's message names the option
        clean(result)
        assert result.exit_code == 2 and reason in result.output, result.output
        return
    refused(result, named, reason, code)


@pytest.mark.parametrize("charset", ["base64", "hex", "zlib", "rot13", "undefined", "utf-7", "utf-16"])
def test_7_meta_charset_that_is_no_text_encoding_is_ignored(
    stored_db: Path, tmp_path: Path, charset: str
) -> None:
    page = tmp_path / f"{charset}.html"
    page.write_text(f'<meta charset="{charset}"><p>{SAMPLE}</p>', encoding="utf-8")
    result = cli("ingest", page, "--db", stored_db)
    clean(result)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(stored_db)
    raw = conn.execute("select raw from documents where name = ?", [page.name]).fetchone()[0]
    conn.close()
    assert raw == SAMPLE


@pytest.mark.parametrize("command", ["extract", "ingest"])
def test_7_ten_thousand_fold_numeral_is_no_traceback(
    stored_db: Path, tmp_path: Path, command: str
) -> None:
    src = tmp_path / "wan.txt"
    src.write_text("一" + "万" * 1000 + "人", encoding="utf-8")
    result = cli(command, src, *(["--db", stored_db] if command == "ingest" else []))
    clean(result)
    assert result.exit_code in (0, 1), result.output
    if result.exit_code:
        assert str(src) in result.output


def test_7_database_deleted_while_review_serves(client: TestClient, stored_db: Path) -> None:
    fid = fact_id(stored_db)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{stored_db}{suffix}").unlink(missing_ok=True)
    for response in (
        client.get("/"),
        client.get("/doc/" + "a" * 64),
        client.get("/api/findings"),
        client.post(f"/api/facts/{fid}/decision", json={"status": "accepted"}, headers=ORIGIN),
    ):
        assert response.status_code == 503, response.text
        assert "no such database" in response.text and "Traceback" not in response.text
    assert not stored_db.exists()  # not re-created empty by a request


def test_7_debug_shows_the_traceback(stored_db: Path) -> None:
    result = cli("--debug", "facts", "--db", stored_db, "--year", "2030-2020")
    assert isinstance(result.exception, BulletinError)


def test_7_an_unforeseen_error_is_one_line_without_debug(
    stored_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(store_module.Store, "facts", broken)
    result = cli("facts", "--db", stored_db)
    refused(result, "internal error: RuntimeError", "run with --debug")
    assert isinstance(cli("--debug", "facts", "--db", stored_db).exception, RuntimeError)


# -- 8. read commands never write; ingest refuses a database that is not ours -----------------


def _foreign_documents(tmp: Path) -> Path:
    db = tmp / "theirs.db"
    conn = sqlite3.connect(db)
    conn.execute("create table documents (id integer primary key, title text, body text)")
    conn.execute("insert into documents (title, body) values ('x', 'y')")
    conn.commit()
    conn.close()
    return db


def _notes(tmp: Path) -> Path:
    db = tmp / "n.db"
    conn = sqlite3.connect(db)
    conn.execute("create table notes (x)")
    conn.commit()
    conn.close()
    return db


READ_COMMANDS = {
    "facts": lambda db, t: ["facts", "--db", db],
    "search": lambda db, t: ["search", "社工", "--db", db],
    "show": lambda db, t: ["show", "abcdef", "--db", db],
    "check": lambda db, t: ["check", "--db", db],
    "report": lambda db, t: ["report", "--db", db, "--out", t / "r.html"],
    "export": lambda db, t: ["export", "--db", db, "--format", "csv", "--out", t / "f.csv"],
    "review --export": lambda db, t: ["review", "--db", db, "--export", t / "d.jsonl"],
    "ingest": lambda db, t: ["ingest", CORPUS_FILES[0], "--db", db],
}


def _state(db: Path) -> tuple[bytes, list[str]]:
    return db.read_bytes(), sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name))


@pytest.mark.parametrize("make", [_notes, _foreign_documents], ids=["notes table", "own documents table"])
@pytest.mark.parametrize("command", list(READ_COMMANDS))
def test_8_a_database_that_is_not_ours_is_refused_untouched(
    tmp_path: Path, make: Any, command: str
) -> None:
    db = make(tmp_path)
    before = _state(db)
    result = cli(*READ_COMMANDS[command](db, tmp_path))
    refused(result, db, "not a bulletin-nlp database")
    assert _state(db) == before  # same bytes, no -wal or -shm beside it


@pytest.mark.parametrize("command", [c for c in READ_COMMANDS if c != "ingest"])
def test_8_read_commands_do_not_write_our_database(
    stored_db: Path, tmp_path: Path, command: str
) -> None:
    conn = sqlite3.connect(stored_db)
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()
    before = _state(stored_db)
    result = cli(*READ_COMMANDS[command](stored_db, tmp_path))
    clean(result)
    assert _state(stored_db)[0] == before[0]


def test_8_a_database_from_before_the_marker_is_read_as_is_then_marked_by_ingest(
    stored_db: Path, tmp_path: Path
) -> None:
    conn = sqlite3.connect(stored_db)
    conn.execute(f"drop table {store_module.MARKER_TABLE}")
    conn.execute("drop view facts_view")  # and from before the reviews (schema 1)
    conn.execute("drop table reviews")
    conn.execute("pragma user_version = 1")
    conn.commit()
    conn.close()
    result = cli("facts", "--db", stored_db, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output), result.output
    tables = {r[0] for r in sqlite3.connect(stored_db).execute("select name from sqlite_master")}
    assert store_module.MARKER_TABLE not in tables and "reviews" not in tables  # read only
    src = tmp_path / "new.txt"
    src.write_text(SAMPLE, encoding="utf-8")
    result = cli("ingest", src, "--db", stored_db)
    assert result.exit_code == 0, result.output
    tables = {r[0] for r in sqlite3.connect(stored_db).execute("select name from sqlite_master")}
    assert {store_module.MARKER_TABLE, "reviews", "facts_view"} <= tables


# -- 9. outputs: temporary file and rename; never unlink a path we did not create --------------


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_9_export_through_a_link_to_a_device_is_refused_and_the_link_kept(
    stored_db: Path, tmp_path: Path, fmt: str
) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    link = tmp_path / f"o.{fmt}"
    link.symlink_to("/dev/full")
    result = cli("export", "--db", stored_db, "--format", fmt, "--out", link)
    refused(result, link, "not a regular file")
    assert link.is_symlink() and os.readlink(link) == "/dev/full"
    assert Path("/dev/full").exists()


@pytest.mark.parametrize(
    "command",
    [
        lambda db, out: ["export", "--db", db, "--format", "csv", "--out", out],
        lambda db, out: ["report", "--db", db, "--out", out],
        lambda db, out: ["review", "--db", db, "--export", out],
    ],
    ids=["export", "report", "review --export"],
)
def test_9_a_fifo_as_output_is_refused_and_kept(stored_db: Path, tmp_path: Path, command: Any) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    result = cli(*command(stored_db, fifo))
    refused(result, fifo, "not a regular file (a FIFO)")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_9_a_failed_export_leaves_the_old_file_and_no_temporary(
    stored_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    from bulletin_nlp import export as export_module

    if fmt == "parquet":
        pq = pytest.importorskip("pyarrow.parquet")

        def failing(table: Any, where: str, **kw: Any) -> None:
            Path(where).write_bytes(b"PAR1 half")
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(pq, "write_table", failing)
    else:
        def failing_text(rows: Any, fh: Any) -> None:
            fh.write("half,a,row")
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(export_module, f"write_{fmt}", failing_text)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"facts.{fmt}"
    out.write_bytes(b"the previous export")
    result = cli("export", "--db", stored_db, "--format", fmt, "--out", out)
    refused(result, out, "cannot write")
    assert out.read_bytes() == b"the previous export"
    assert sorted(p.name for p in folder.iterdir()) == [out.name]


def test_9_export_through_a_link_to_a_file_replaces_the_file_and_keeps_the_link(
    stored_db: Path, tmp_path: Path
) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    result = cli("export", "--db", stored_db, "--format", "csv", "--out", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("id,doc,")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


# -- 10. a database in a read-only folder can be read -------------------------------------------


def _read_only_mount_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _read_only_mount_works(), reason="no user namespaces for a read-only mount")
@pytest.mark.parametrize(
    "command",
    [
        ["facts", "--format", "json"],
        ["search", "社工"],
        ["check"],
        ["show", "0"],
        ["export", "--format", "jsonl", "--out", "-"],
    ],
    ids=["facts", "search", "check", "show", "export"],
)
def test_10_read_commands_work_in_a_read_only_folder(
    stored_template: Path, tmp_path: Path, command: list[str]
) -> None:
    """A real read-only mount (a user namespace), so the test holds even as root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = copy_db(stored_template, folder / "x.db")
    conn = sqlite3.connect(db)
    conn.execute("pragma journal_mode = wal")  # as ingest leaves it
    conn.close()
    assert sorted(p.name for p in folder.iterdir()) == ["x.db"]
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    args = [str(BIN), *command, "--db", str(db)]
    if command[0] == "show":
        args[2] = fact_id(db)[:8]
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", str(folder), *args],
        capture_output=True, text=True, env={**os.environ, "BULLETIN_NLP_NO_MODEL": "1"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "read-only" not in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.strip()


def test_10_read_commands_open_the_database_read_only(
    stored_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Everywhere: any connection that could write fails, and reading still works."""
    real = sqlite3.connect

    def connect(database: str, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if database != ":memory:" and not str(database).endswith(("mode=ro", "immutable=1")):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)  # the store connects through it
    for command in READ_COMMANDS:
        if command == "ingest":
            continue
        result = cli(*READ_COMMANDS[command](stored_db, tmp_path))
        clean(result)
        assert "read-only" not in result.output, (command, result.output)


# -- 11. decision times are validated -----------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "ok"),
    [
        ("9999-99-99 zzz", False),
        ("2999-01-01T00:00:00+00:00", False),  # in the future: would win over every later one
        ("yesterday", False),
        ("", False),
        ("2024-05-01T08:00:00Z", True),
        ("2024-05-01 16:00:00+08:00", True),
    ],
)
def test_11_decided_at_must_be_a_real_past_time(
    stored_db: Path, tmp_path: Path, when: str, ok: bool
) -> None:
    path = tmp_path / "d.jsonl"
    line = {"fact_id": fact_id(stored_db), "status": "accepted", "decided_at": when}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = cli("review", "--db", stored_db, "--import", path)
    clean(result)
    if not ok:
        refused(result, path, "decided_at")
        assert reviews(stored_db) == []
        return
    assert result.exit_code == 0, result.output
    stored = sqlite3.connect(stored_db).execute("select decided_at from reviews").fetchone()[0]
    assert stored == "2024-05-01T08:00:00+00:00"  # UTC, so that times compare as text


# -- 13. deeply nested HTML in linear time ------------------------------------------------------


def test_13_deeply_nested_html_is_read_in_linear_time(stored_db: Path, tmp_path: Path) -> None:
    """200,000 nested <div> took 170 s (a tree builder's scope checks); the streaming
    reader takes about as long per byte as for the shallow page."""
    from bulletin_nlp.formats import html_text

    def seconds(depth: int) -> float:
        data = ("<div>" * depth + "社工站12个" + "</div>" * depth).encode()
        started = time.perf_counter()
        text, _enc = html_text(data, "deep.html")
        assert text == "社工站12个\n"
        return time.perf_counter() - started

    small, large = seconds(20_000), seconds(200_000)
    assert large < 30 * max(small, 0.05), (small, large)  # linear: about 10 times
    page = tmp_path / "deep.html"
    page.write_text("<div>" * 200_000 + SAMPLE + "</div>" * 200_000, encoding="utf-8")
    assert cli("ingest", page, "--db", stored_db).exit_code == 0


def test_13_the_streaming_reader_gives_the_tree_reader_text() -> None:
    from selectolax.lexbor import LexborHTMLParser

    from bulletin_nlp.formats import _render, _stream_render

    pages = [
        "<!DOCTYPE html><html><head><meta charset=gbk><title>站名</title><style>p{}</style>"
        "<script>var x = '<p>不要</p>';</script></head><body><!-- c --><h1>标题</h1>"
        "<p>近日，<b>台州市</b>民政局\n   召开会议。<br>会议指出&amp;要求&#x4e2d;。</p>"
        "<ul><li>第一</li><li>第二</li></ul><noscript>不显示</noscript>"
        "<table><tr><td>全国</td><td>73.7万人</td></tr></table></body></html>",
        "<p>a<p>b<div>c</div>",
        "<head><link rel=x><title>t</title></head><body>x<br/>y<hr>z</body>",
        "<pre>  a\n  b</pre>q",
        "<svg><title>s</title><svg>x</svg>y</svg>可见",
        "<head>text<p>more",
        "<div>一<span>二</span><br>三</div><table><tr><td>a<td>b</table>",
    ]
    for page in pages:
        tree = LexborHTMLParser(page)
        assert _stream_render(page) == _render(tree.body), page


# -- 14. only regular files are read, the size limit enforced while reading -------------------


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """In a subprocess with a timeout: a regression here would hang the test run."""
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, "BULLETIN_NLP_NO_MODEL": "1", **(env or {})},
    )


def test_14_a_fifo_is_refused_at_once(stored_db: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "p.txt"
    os.mkfifo(fifo)
    for args in (["ingest", str(fifo), "--db", str(stored_db)], ["extract", str(fifo)],
                 ["review", "--db", str(stored_db), "--import", str(fifo)]):
        done = _run(args)
        assert done.returncode == 1, done.stderr
        assert f"{fifo}: not a regular file (a FIFO)" in done.stderr
        assert "Traceback" not in done.stderr


def test_14_dev_zero_is_refused(stored_db: Path) -> None:
    result = cli("ingest", "/dev/zero", "--db", stored_db)
    refused(result, "/dev/zero", "not a regular file (a character device)")


def test_14_the_size_limit_holds_while_reading(
    stored_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/proc files say their size is 0: only reading finds out."""
    monkeypatch.setenv("BULLETIN_NLP_MAX_BYTES", "64")
    path = "/proc/self/status"
    assert os.stat(path).st_size == 0
    result = cli("ingest", path, "--db", stored_db)
    refused(result, path, "file too large (over 64 bytes")


# -- 15. workers die with their parent ---------------------------------------------------------


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_15_workers_die_with_their_parent(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path / "corpus", copies=4)
    proc = subprocess.Popen(
        [str(BIN), "ingest", str(corpus), "--db", str(tmp_path / "w.db"), "--workers", "2",
         "--force-workers", "--no-progress", "--no-model"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "BULLETIN_NLP_NO_MODEL": "1"},
    )
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _descendants(proc.pid)
            if len(workers) >= 4:  # resource tracker, forkserver, two workers
                break
            time.sleep(0.1)
        assert proc.poll() is None and workers, "the pool did not start"
        time.sleep(1.0)  # the workers are warming up (loading the pipeline)
        workers = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.2)
        left = [p for p in workers if _alive(p)]
        assert not left, f"still running after their parent died: {left}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # our own session, if anything is left
        except ProcessLookupError:
            pass


# -- 16. --workers is capped at the CPU count unless forced ------------------------------------


def test_16_workers_capped_at_the_cpu_count_with_a_warning(
    stored_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_module, "cpu_count", lambda: 1)
    src = tmp_path / "one.txt"
    src.write_text(SAMPLE, encoding="utf-8")
    result = cli("ingest", src, "--db", stored_db, "--workers", "64")
    assert result.exit_code == 0, result.output
    assert "warning: --workers 64 is more than the 1 CPUs here: using 1" in result.output
    workers = sqlite3.connect(stored_db).execute(
        "select workers from runs order by id desc limit 1"
    ).fetchone()[0]
    assert workers == 1


def test_16_force_workers_keeps_the_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_module, "cpu_count", lambda: 2)
    assert batch_module.cap_workers(12) == (2, batch_module.cap_workers(12)[1])
    assert batch_module.cap_workers(12, force=True) == (12, None)
    assert batch_module.cap_workers(2) == (2, None)


# -- 17. a full disk stops the run with one error -----------------------------------------------


def test_17_full_disk_stops_the_run_with_one_error(
    stored_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = small_corpus(tmp_path / "corpus", copies=1)  # 5 files: extracted in-process
    real = sqlite3.connect

    def connect(database: str, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real(database, *args, **kwargs)
        pages = conn.execute("pragma page_count").fetchone()[0]
        conn.execute(f"pragma max_page_count = {pages + 8}")  # what a full disk leaves
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)  # the store connects through it
    result = cli("ingest", corpus, "--db", stored_db)
    refused(result, stored_db, "database or disk is full")
    assert "stopped after storing" in result.output


# -- 18. silently wrong answers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "reason"),
    [
        (["facts", "--year", "2030-2020"], 1, "2030 comes after 2020"),
        (["facts", "--year", "２０２２"], 1, "bad year filter"),  # full-width digits
        (["facts", "--limit", "0"], 2, "--limit"),
        (["facts", "--limit", "-3"], 2, "--limit"),
        (["search", "社工", "--limit", "-1"], 2, "--limit"),
        (["search", "社工", "--limit", "0"], 2, "--limit"),
        (["facts", "--place", "1"], 1, "unknown place: '1'"),
        (["facts", "--place", "²³"], 1, "unknown place: '²³'"),
        (["facts", "--place", "999999"], 1, "unknown place code: '999999'"),
        (["export", "--format", "csv", "--out", "-", "--place", "33"], 1, "unknown place: '33'"),
    ],
)
def test_18_bad_filters_are_refused(stored_db: Path, args: list[str], code: int, reason: str) -> None:
    result = cli(*args, "--db", stored_db)
    clean(result)
    assert result.exit_code == code, result.output
    assert reason in result.output, result.output


def test_18_a_real_adcode_still_filters(stored_db: Path) -> None:
    rows = json.loads(cli("facts", "--db", stored_db, "--format", "json").output)
    code = next(r["place"] for r in rows if r["place"] and r["place"] != "100000")
    found = json.loads(cli("facts", "--db", stored_db, "--format", "json", "--place", code).output)
    assert found


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"status": "corrected", "place": "²³"}, "unknown place"),
        ({"status": "corrected", "place": "1"}, "unknown place"),
        ({"status": "corrected", "value": "nan"}, "not a finite number"),
        ({"status": "corrected", "value": "NaN", "year": "2022"}, "not a finite number"),
    ],
)
def test_18_bad_corrections_are_refused(
    client: TestClient, stored_db: Path, body: dict[str, str], reason: str
) -> None:
    response = client.post(f"/api/facts/{fact_id(stored_db)}/decision", json=body, headers=ORIGIN)
    assert response.status_code == 400 and reason in response.json()["error"], response.text
    assert reviews(stored_db) == []


def test_18_empty_path_is_refused(stored_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.txt").write_text(SAMPLE, encoding="utf-8")
    before = snapshot(stored_db)
    for command in (["ingest", "", "--db", stored_db], ["extract", ""]):
        result = cli(*command)
        refused(result, "''", "empty path")
    assert snapshot(stored_db) == before


def test_18_unreadable_subfolder_is_reported(
    stored_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "hidden.txt").write_text(SAMPLE, encoding="utf-8")
    (folder / "ok.txt").write_text(SAMPLE, encoding="utf-8")
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == folder / "locked":  # what chmod 000 gives a non-root user
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = cli("ingest", folder, "--db", stored_db)
    refused(result, folder / "locked", "cannot read folder (Permission denied)")
    assert "1 processed" in result.output  # the rest of the batch went on
    result = cli("extract", folder)
    refused(result, folder / "locked", "cannot read folder")


@pytest.mark.parametrize("offset", [10, 5000, 100_000])
def test_18_a_nul_byte_anywhere_is_refused(stored_db: Path, tmp_path: Path, offset: int) -> None:
    text = (SAMPLE * (offset // len(SAMPLE.encode()) + 2)).encode()
    path = tmp_path / "nul.txt"
    path.write_bytes(text[:offset] + b"\x00" + text[offset:])
    refused(cli("ingest", path, "--db", stored_db), path, "binary file (NUL bytes)")


@pytest.mark.parametrize(
    "text",
    ["台州市新增持证社工7473人。", "社工站12个", "全省持证社工3.5万人，同比增长12%。\n", "民政"],
)
def test_18_short_gb18030_is_not_read_as_utf16(stored_db: Path, tmp_path: Path, text: str) -> None:
    path = tmp_path / "gb.txt"
    path.write_bytes(text.encode("gb18030"))
    result = cli("ingest", path, "--db", stored_db)
    assert result.exit_code == 0, result.output
    raw, encoding = sqlite3.connect(stored_db).execute(
        "select raw, encoding from documents where name = 'gb.txt'"
    ).fetchone()
    assert (raw, encoding) == (text, "gb18030")


# -- 19. serve is quiet about rejected queries ---------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/stored.json?sql=delete+from+documents", 400),
        ("GET", "/stored?sql=drop+table+facts", 400),
        ("GET", "/stored.json?sql=select+nonsense+from", 400),
        ("POST", "/stored/reviews/-/insert", 404),  # was 500
        ("POST", "/stored/-/query", 405),
    ],
)
def test_19_serve_rejects_without_a_traceback_or_a_500(
    datasette: TestClient, capfd: pytest.CaptureFixture[str], method: str, url: str, status: int
) -> None:
    response = datasette.request(method, url, json={"row": {"fact_id": "x", "status": "accepted"}})
    assert response.status_code == status, response.text[:300]
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "│" not in out + err
    assert len((out + err).splitlines()) <= 1
