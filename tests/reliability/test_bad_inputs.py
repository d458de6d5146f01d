"""A catalogue of bad inputs, each with its exact behaviour: refused with one message
naming the file and the reason (and nothing stored changes), or stored faithfully.

Every case runs ``bulletin-nlp`` in this process against a database that already holds
one bulletin. Tests run as root here, so permission bits do not block reads or writes:
an unreadable file and a read-only database are simulated (a ``PermissionError`` from
the read, a ``mode=ro`` SQLite connection) rather than skipped.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bulletin_nlp.formats import DEFAULT_MAX_BYTES

from .conftest import CORPUS_FILES, DATA_TABLES, cli, snapshot

SAMPLE = (
    "2022年4月26日，民政部在北京召开全国社会工作会议。\n"
    "会议指出，全省共建成乡镇（街道）社工站1.2万个，持证社工人数达73.7万人。\n"
)
MB = 1024 * 1024


@dataclass
class Ctx:
    """What a case may touch: a scratch folder, the stored database, monkeypatch."""

    tmp: Path
    db: Path
    mp: pytest.MonkeyPatch
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def file(self, name: str, data: bytes | str) -> Path:
        path = self.tmp / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def ingest(self, name: str, data: bytes | str) -> tuple[list[object], Path]:
        path = self.file(name, data)
        return ["ingest", path, "--db", self.db], path


@dataclass
class Case:
    """One bad input: how to make it, the exit status and the reason in the message.

    ``stored``: the text a successfully stored input must keep as ``raw`` (None when the
    input must be refused). ``check``: extra assertions after the run.
    """

    make: Callable[[Ctx], tuple[list[object], Path]]
    code: int
    reason: str = ""
    stored: str | None = None
    check: Callable[[Ctx], None] | None = None


# -- makers --------------------------------------------------------------------------------


def _big_file(ctx: Ctx) -> tuple[list[object], Path]:
    path = ctx.tmp / "huge.txt"
    chunk = (SAMPLE * (MB // len(SAMPLE.encode()) + 1)).encode()[:MB]
    with path.open("wb") as f:
        for _ in range(50):
            f.write(chunk)
    return ["ingest", path, "--db", ctx.db], path


def _unreadable(ctx: Ctx) -> tuple[list[object], Path]:
    path = ctx.file("secret.txt", SAMPLE)
    real = os.open

    def os_open(name: Any, flags: int, *args: Any, **kw: Any) -> int:
        if Path(name) == path:  # what a chmod 000 file gives a non-root user
            raise PermissionError(13, "Permission denied", str(name))
        return real(name, flags, *args, **kw)

    ctx.mp.setattr(os, "open", os_open)
    return ["ingest", path, "--db", ctx.db], path


def _rules_copy(ctx: Ctx, edit: Callable[[str], str], name: str = "quantity") -> Path:
    folder = ctx.tmp / "rules"
    folder.mkdir()
    from bulletin_nlp.rules import rules_dir

    for src in rules_dir().glob("*.yaml"):
        (folder / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    target = folder / f"{name}.yaml"
    text = target.read_text(encoding="utf-8")
    changed = edit(text)
    assert changed != text, "the edit must change the rules file"
    target.write_text(changed, encoding="utf-8")
    return target


def _rules_yaml_error(ctx: Ctx) -> tuple[list[object], Path]:
    target = _rules_copy(ctx, lambda t: t.replace("entries:", "entries: [\n  - {id: x", 1))
    return ["rules", "check", "--dir", target.parent], target


def _rules_wrong_field(ctx: Ctx) -> tuple[list[object], Path]:
    target = _rules_copy(ctx, lambda t: t.replace("  - id: exclude.range\n",
                                                  "  - id: exclude.range\n    colour: red\n", 1))
    return ["rules", "check", "--dir", target.parent], target


def _rules_bad_regex(ctx: Ctx) -> tuple[list[object], Path]:
    target = _rules_copy(ctx, lambda t: t.replace("pattern: '第[", "pattern: '(第[", 1))
    return ["rules", "check", "--dir", target.parent], target


def _db_cmd(ctx: Ctx, db: Path) -> tuple[list[object], Path]:
    return ["ingest", ctx.file("new.txt", SAMPLE), "--db", db], db


def _not_sqlite(ctx: Ctx) -> tuple[list[object], Path]:
    db = ctx.file("notes.db", "这不是数据库 " * 200)
    return _db_cmd(ctx, db)


def _read_only(ctx: Ctx) -> tuple[list[object], Path]:
    real = sqlite3.connect

    def connect(path: str, **kw: object) -> sqlite3.Connection:
        return real(f"file:{path}?mode=ro", uri=True, **kw)  # type: ignore[arg-type]

    ctx.mp.setattr(sqlite3, "connect", connect)  # the store connects through it
    return _db_cmd(ctx, ctx.db)


def _locked(ctx: Ctx) -> tuple[list[object], Path]:
    ctx.mp.setenv("BULLETIN_NLP_DB_TIMEOUT", "0.5")
    holder = sqlite3.connect(ctx.db, check_same_thread=False)
    holder.execute("begin immediate")  # another writer holds the lock throughout
    ctx.cleanups.append(lambda: (holder.rollback(), holder.close()))
    return _db_cmd(ctx, ctx.db)


def _older_schema(ctx: Ctx) -> tuple[list[object], Path]:
    # The first release's layout: no batch columns, no runs or reviews, user_version 0.
    conn = sqlite3.connect(ctx.db)
    conn.execute("drop view facts_view")
    for table in ("runs", "reviews"):
        conn.execute(f"drop table {table}")
    for column in ("source_sha256", "format", "model_version"):
        conn.execute(f"alter table documents drop column {column}")
    conn.execute("pragma user_version = 0")
    conn.commit()
    conn.close()
    args, _db = _db_cmd(ctx, ctx.db)
    return args, Path(str(args[1]))  # stored: the new bulletin is named in the store


def _check_migrated(ctx: Ctx) -> None:
    conn = sqlite3.connect(ctx.db)
    columns = {r[1] for r in conn.execute("pragma table_info(documents)")}
    tables = {r[0] for r in conn.execute("select name from sqlite_master")}
    assert {"source_sha256", "format", "model_version"} <= columns
    assert {"runs", "reviews", "facts_view"} <= tables
    assert conn.execute("select count(*) from documents").fetchone()[0] == 2
    conn.close()


def _newer_schema(ctx: Ctx) -> tuple[list[object], Path]:
    conn = sqlite3.connect(ctx.db)
    conn.execute("pragma user_version = 99")
    conn.commit()
    conn.close()
    return _db_cmd(ctx, ctx.db)


def _dir_as_db(ctx: Ctx) -> tuple[list[object], Path]:
    folder = ctx.tmp / "a_folder.db"
    folder.mkdir()
    return _db_cmd(ctx, folder)


def _dir_as_out(ctx: Ctx) -> tuple[list[object], Path]:
    folder = ctx.tmp / "report.html"
    folder.mkdir()
    return ["report", "--db", ctx.db, "--out", folder], folder


def _dir_as_import(ctx: Ctx) -> tuple[list[object], Path]:
    folder = ctx.tmp / "decisions.jsonl"
    folder.mkdir()
    return ["review", "--db", ctx.db, "--import", folder], folder


LONG = "".join(CORPUS_FILES[1].read_text(encoding="utf-8").split())
FULL_WIDTH = "２０２２年４月２６日，民政部发布：ＡＢＣ社工站达１２３４５个（约１．２万人）。\n"
RARE = "😀社工👩‍👩‍👧站𠀀𪚥𰻞2022年建成𠮷家12个站点🇨🇳。\n"

CASES: dict[str, Case] = {
    "empty file": Case(lambda c: c.ingest("empty.txt", b""), 1, "empty file"),
    "whitespace only": Case(lambda c: c.ingest("blank.txt", " \n\t\r\n\u3000 \n"), 1, "empty file"),
    "binary file": Case(
        lambda c: c.ingest("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        1, "binary file (NUL bytes), not text",
    ),
    "50 MB file": Case(_big_file, 1, f"file too large (52,428,800 bytes; the limit is {DEFAULT_MAX_BYTES:,} bytes"),
    "invalid UTF-8": Case(
        lambda c: c.ingest("bad.txt", SAMPLE.encode()[:40] + b"\xff\x80\xc3" + SAMPLE.encode()[40:]),
        1, "cannot decode (not UTF-8, UTF-16 or GB18030)",
    ),
    "truncated UTF-8": Case(
        lambda c: c.ingest("cut.txt", SAMPLE.encode()[:-2]), 1,
        "cannot decode (not UTF-8, UTF-16 or GB18030)",
    ),
    "NUL bytes in text": Case(
        lambda c: c.ingest("nul.txt", SAMPLE.encode() + b"\x00\x00" + SAMPLE.encode()),
        1, "binary file (NUL bytes), not text",
    ),
    "missing path": Case(lambda c: (["ingest", c.tmp / "nope.txt", "--db", c.db], c.tmp / "nope.txt"),
                         1, "no such file"),
    "unreadable file": Case(_unreadable, 1, "permission denied"),
    "HTML without text": Case(
        lambda c: c.ingest("page.html", "<html><script>var a = 1;</script><p> </p></html>"),
        1, "no text",
    ),
    "not a PDF": Case(lambda c: c.ingest("scan.pdf", b"%PDF-1.7 garbage"), 1, "unreadable PDF"),
    "directory as --db": Case(_dir_as_db, 2, "is a directory"),
    "directory as --out": Case(_dir_as_out, 2, "is a directory"),
    "directory as --import": Case(_dir_as_import, 2, "is a directory"),
    "rules: YAML syntax error": Case(_rules_yaml_error, 1, "YAML syntax error"),
    "rules: wrong field": Case(_rules_wrong_field, 1, "colour: Extra inputs are not permitted"),
    "rules: regex does not compile": Case(_rules_bad_regex, 1, "pattern does not compile"),
    "database not SQLite": Case(_not_sqlite, 1, "not a usable SQLite database (file is not a database)"),
    "database in a missing folder": Case(
        lambda c: _db_cmd(c, c.tmp / "no" / "such.db"), 1, "unable to open database file"
    ),
    "read-only database": Case(_read_only, 1, "read-only database, cannot write"),
    "database locked by a writer": Case(_locked, 1, "database is locked by another writer (waited 0.5s"),
    "database newer schema": Case(_newer_schema, 1, "database schema version 99 is newer"),
    "database older schema (migrated)": Case(_older_schema, 0, stored=SAMPLE, check=_check_migrated),
    "facts on a missing database": Case(
        lambda c: (["facts", "--db", c.tmp / "gone.db"], c.tmp / "gone.db"), 1, "no such database"
    ),
    # Inputs that are odd but valid: stored with the text exactly as decoded.
    "GBK without declaration": Case(lambda c: c.ingest("gbk.txt", SAMPLE.encode("gbk")), 0, stored=SAMPLE),
    "UTF-16 with BOM": Case(lambda c: c.ingest("u16.txt", SAMPLE.encode("utf-16")), 0, stored=SAMPLE),
    "UTF-8 with BOM": Case(lambda c: c.ingest("bom.txt", SAMPLE.encode("utf-8-sig")), 0, stored=SAMPLE),
    "mixed line endings": Case(
        lambda c: c.ingest("eol.txt", SAMPLE.replace("\n", "\r\n", 1) + "第二行\r第三行\n"),
        0, stored=SAMPLE.replace("\n", "\r\n", 1) + "第二行\r第三行\n",
    ),
    "only numbers": Case(
        lambda c: c.ingest("numbers.txt", "1234567890\n" * 5000), 0, stored="1234567890\n" * 5000
    ),
    "long line (64 KB, no newline)": Case(
        lambda c: c.ingest("line.txt", (LONG * 30)[: 64 * 1024]), 0, stored=(LONG * 30)[: 64 * 1024]
    ),
    "repeated punctuation": Case(
        lambda c: c.ingest("punct.txt", "！" * 20000 + "，。" * 5000 + "……" * 5000 + "\n"),
        0, stored="！" * 20000 + "，。" * 5000 + "……" * 5000 + "\n",
    ),
    "emoji and CJK extensions": Case(lambda c: c.ingest("rare.txt", RARE * 3), 0, stored=RARE * 3),
    "full-width everything": Case(lambda c: c.ingest("fw.txt", FULL_WIDTH), 0, stored=FULL_WIDTH),
}

SLOW_CASES: dict[str, Case] = {
    "long line (1 MB, no newline)": Case(
        lambda c: c.ingest("mb.txt", (LONG * 400)[:MB]), 0, stored=(LONG * 400)[:MB]
    ),
}


def _params() -> list[object]:
    out: list[object] = [pytest.param(case, id=name) for name, case in CASES.items()]
    out += [pytest.param(case, id=name, marks=pytest.mark.slow) for name, case in SLOW_CASES.items()]
    return out


def test_the_catalogue_has_at_least_25_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", _params())
def test_bad_input(
    case: Case, stored_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = Ctx(tmp_path / "in", stored_db, monkeypatch)
    ctx.tmp.mkdir()
    tables = DATA_TABLES[1:] if case.check is _check_migrated else DATA_TABLES
    before = snapshot(stored_db, tables)
    before_bytes = {p: p.read_bytes() for p in ctx.tmp.iterdir() if p.is_file()}
    args, named = case.make(ctx)
    try:
        result = cli(*args)
    finally:
        for cleanup in ctx.cleanups:
            cleanup()
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback instead of a message: {result.exception!r}"
    )
    assert result.exit_code == case.code, result.output
    after = snapshot(stored_db, tables)
    if case.stored is None:
        # One clear line naming the file and the reason; nothing stored changed.
        # (A rules file lists its problems on the indented lines below its message.)
        errors = [line for line in result.output.splitlines() if line.lower().startswith("error")]
        assert len(errors) == 1, result.output
        assert str(named) in errors[0], result.output
        assert case.reason in result.output, result.output
        assert after == before
        for path, data in before_bytes.items():
            assert path.read_bytes() == data
        return
    for table in tables:  # what was stored stays; one document more
        if table != "entities":  # entity mention counts grow with the new document
            assert set(before[table]) <= set(after[table]), table
    conn = sqlite3.connect(stored_db)
    assert conn.execute("select count(*) from documents").fetchone()[0] == 2
    raw, doc_id = conn.execute("select raw, id from documents where path = ?", [str(named)]).fetchone()
    assert raw == case.stored
    for start, end, text in conn.execute(
        "select start, end, text from mentions where doc_id = ?", [doc_id]
    ):
        assert raw[start:end] == text
    for start, end, text in conn.execute(
        "select start, end, text from sentences where doc_id = ?", [doc_id]
    ):
        assert 0 <= start <= end <= len(raw) and raw[start:end] == text
    conn.close()
    if case.check is not None:
        case.check(ctx)


def test_huge_file_is_refused_without_reading_it(tmp_path: Path, stored_db: Path) -> None:
    """The pipeline holds whole documents, so it cannot stream: a file over the limit is
    refused from its size alone, and memory stays far below the file's 50 MB."""
    ctx = Ctx(tmp_path, stored_db, pytest.MonkeyPatch())
    args, path = _big_file(ctx)
    tracemalloc.start()
    try:
        result = cli(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1
    assert f"{path}: file too large" in result.output
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB while refusing a 50 MB file"


def test_size_limit_can_be_raised(tmp_path: Path, stored_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "small.txt"
    path.write_text(SAMPLE * 10, encoding="utf-8")
    monkeypatch.setenv("BULLETIN_NLP_MAX_BYTES", "100")
    assert "file too large" in cli("ingest", path, "--db", stored_db).output
    monkeypatch.setenv("BULLETIN_NLP_MAX_BYTES", str(MB))
    assert cli("ingest", path, "--db", stored_db).exit_code == 0


def test_locked_database_waits_for_the_writer(stored_db: Path, tmp_path: Path) -> None:
    """A writer holding the lock briefly delays ingest; it does not fail it."""
    path = tmp_path / "new.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    holder = sqlite3.connect(stored_db, check_same_thread=False)
    holder.execute("begin immediate")
    release = threading.Timer(1.0, holder.rollback)
    release.start()
    started = time.perf_counter()
    result = cli("ingest", path, "--db", stored_db)
    waited = time.perf_counter() - started
    release.join()
    holder.close()
    assert result.exit_code == 0, result.output
    assert waited >= 0.9


def test_digit_runs_cost_linear_time() -> None:
    """Regression: the range and dotted-name exclude patterns backtracked over every
    start inside a long digit run (a 110 KB file of numbers took 280 s)."""
    from bulletin_nlp.extract.quantity import tables

    text = "1234567890" * 3000
    started = time.perf_counter()
    for _id, pattern in tables().excludes:
        list(pattern.finditer(text))
    assert time.perf_counter() - started < 2.0
