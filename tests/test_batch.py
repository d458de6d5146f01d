"""Batch ingest: parallel workers, one writer, skips, runs, resumable after SIGKILL, dask."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from bisect import bisect_left
from pathlib import Path

import pytest

from bulletin_nlp.batch import Progress, run_batch
from bulletin_nlp.ingest import ingest
from bulletin_nlp.normalize import normalize
from bulletin_nlp.rules import ruleset_version
from bulletin_nlp.segment import TokenBounds, tokenize

from .conftest import CORPUS_FILES, SAMPLES

TABLES = ("documents", "articles", "sentences", "mentions", "facts", "roles", "entities")


def _snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the content tables (ingested_at aside), sorted: equal means same data."""
    conn = sqlite3.connect(db)
    out = {}
    for table in TABLES:
        cols = [r[1] for r in conn.execute(f"pragma table_info({table})") if r[1] != "ingested_at"]
        rows = conn.execute(f"select {', '.join(cols)} from {table}").fetchall()
        out[table] = sorted(rows, key=repr)
    conn.close()
    return out


def _entities(db: Path) -> list[tuple[object, ...]]:
    """Every entity row but the version of the rules that found it, sorted."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "select id, type, name, adcode, level, parent, aliases, mentions, rule_id, extractor "
        "from entities"
    ).fetchall()
    return sorted(rows, key=repr)


def _corpus(folder: Path, copies: int) -> Path:
    """``copies`` distinct variants of each sample bulletin (an issue number line on top)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(copies):
        for path in CORPUS_FILES:
            text = path.read_text(encoding="utf-8")
            (folder / f"{path.stem}_{i:03d}.txt").write_text(f"第{i + 1}期\n{text}", "utf-8")
    return folder


@pytest.fixture(autouse=True)
def _fresh_ruleset_version() -> None:
    """Workers hash the rules when they start: let this process hash them anew too."""
    ruleset_version.cache_clear()


@pytest.fixture(scope="module")
def serial_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("serial") / "serial.db"
    ingest([SAMPLES], db)
    return db


# -- lazy token boundaries ------------------------------------------------------------------


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_lazy_bounds_equal_whole_text_segmentation(path: Path) -> None:
    text = normalize(path.read_text(encoding="utf-8"))[0]
    full = sorted({b for _w, s, e in tokenize(text) for b in (s, e)})
    bounds = TokenBounds(text)
    members = set(full)
    for pos in range(-1, len(text) + 2):
        assert (pos in bounds) == (pos in members)
        i = bisect_left(full, pos)
        assert bounds.prev(pos) == (full[i - 1] if i else None)
    assert list(TokenBounds(text)) == full


@pytest.mark.parametrize("text", ["", "a", "\r\n", "x\r\ny 社工 站abc-12.5%", "  社工站\r\n\r\n建设"])
def test_lazy_bounds_edge_cases(text: str) -> None:
    full = sorted({b for _w, s, e in tokenize(text) for b in (s, e)})
    bounds = TokenBounds(text)
    assert [p for p in range(-1, len(text) + 2) if p in bounds] == full


# -- ingest -----------------------------------------------------------------------------------


def test_two_workers_store_exactly_what_one_does(tmp_path: Path, serial_db: Path) -> None:
    db = tmp_path / "par.db"
    result = ingest([SAMPLES], db, workers=2)
    assert not result.failed
    assert sorted(result.processed) == sorted(str(SAMPLES / p.name) for p in CORPUS_FILES)
    assert _snapshot(db) == _snapshot(serial_db)


def test_runs_table_records_each_run(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02binary")
    first = ingest([CORPUS_FILES[0], bad], db)
    second = ingest([CORPUS_FILES[0], bad], db)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    runs = [dict(r) for r in conn.execute("select * from runs order by id")]
    assert [r["id"] for r in runs] == [first.run_id, second.run_id]
    assert [(r["processed"], r["skipped"], r["failed"]) for r in runs] == [(1, 0, 1), (0, 1, 1)]
    assert {r["status"] for r in runs} == {"failed"}
    assert runs[0]["ruleset_version"] == ruleset_version()
    assert runs[0]["executor"] == "serial" and runs[0]["files"] == 2
    assert runs[0]["chars"] == len(CORPUS_FILES[0].read_text(encoding="utf-8"))
    assert json.loads(runs[0]["failures"]) == {str(bad): f"{bad}: binary file (NUL bytes), not text"}
    assert runs[0]["finished_at"] >= runs[0]["started_at"]


def test_unchanged_files_are_skipped_without_loading_the_pipeline(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    ingest([SAMPLES], db)
    code = (
        "import sys\n"
        "from bulletin_nlp.ingest import ingest\n"
        f"r = ingest([{str(SAMPLES)!r}], {str(db)!r})\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('jieba', 'spacy')"
        " or m in ('bulletin_nlp.pipeline', 'bulletin_nlp.extract.date', 'sqlite_utils'))\n"
        "print(len(r.skipped), len(r.processed), heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "5 0 []"


def test_cli_rerun_of_an_unchanged_corpus_stays_light(tmp_path: Path) -> None:
    """The weekly re-run of an archive: no pipeline, and not even pydantic (a third of
    such a run's time went into importing it)."""
    db = tmp_path / "s.db"
    ingest([SAMPLES], db)
    code = (
        "import sys\n"
        "from bulletin_nlp.cli import main\n"
        f"sys.argv = ['bulletin-nlp', 'ingest', {str(SAMPLES)!r}, '--db', {str(db)!r}]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    heavy = sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('jieba', 'spacy', 'pydantic', 'sqlite_utils') or m == 'bulletin_nlp.pipeline')\n"
        "    print('heavy', heavy, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "(0 processed, 5 unchanged, 0 failed)" in out.stdout
    assert "heavy []" in out.stderr

def test_changed_file_is_replaced_in_one_transaction_and_reviews_survive(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    src = tmp_path / "b.txt"
    src.write_text("2022年4月26日，台州市民政局召开会议。\n\n全市共有社工站120个。\n", "utf-8")
    ingest([src], db)
    conn = sqlite3.connect(db)
    conn.execute("insert into reviews (fact_id, doc_name, status) values ('f1', 'x.txt', 'ok')")
    conn.commit()
    before = {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    src.write_text("2023年5月6日，台州市民政局召开会议。\n\n全市共有社工站130个。\n", "utf-8")
    result = ingest([src], db)
    assert result.processed == [str(src)]
    after = {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    assert after == before  # replaced, not added
    assert conn.execute("select count(*) from reviews").fetchone()[0] == 1
    texts = {r[0] for r in conn.execute("select text from mentions")}
    assert "130个" in texts and "120个" not in texts
    # Entity counts were taken out and put back, not doubled.
    counts = dict(conn.execute("select name, mentions from entities"))
    assert all(v == 1 for v in counts.values()), counts


def test_changed_ruleset_reextracts_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serial_db: Path
) -> None:
    import shutil

    from bulletin_nlp.rules import rules_dir

    db = tmp_path / "v.db"
    ingest([SAMPLES], db)
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    with (rules / "date.yaml").open("a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")
    monkeypatch.setenv("BULLETIN_NLP_RULES", str(rules))
    ruleset_version.cache_clear()
    try:
        result = ingest([SAMPLES], db)
        assert len(result.processed) == 5 and not result.skipped
        new = _snapshot(db)
        new_version = ruleset_version()
    finally:
        monkeypatch.delenv("BULLETIN_NLP_RULES")
        ruleset_version.cache_clear()
    old = _snapshot(serial_db)
    assert {t: len(v) for t, v in new.items()} == {t: len(v) for t, v in old.items()}
    # The same entities, counted once; their provenance names the ruleset that found them.
    assert _entities(db) == _entities(serial_db)
    conn = sqlite3.connect(db)
    versions = {
        r[0] for r in conn.execute("select ruleset_version from entities where extractor = 'rule'")
    }
    assert versions == {new_version}


def test_a_bad_file_is_one_line_and_the_batch_goes_on(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bulletin_nlp.cli import main

    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    db = str(tmp_path / "x.db")
    result = CliRunner().invoke(main, ["ingest", str(bad), str(CORPUS_FILES[0]), "--db", db])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: unreadable PDF")
    assert "1 documents" in result.output and "1 failed" in result.output


def test_progress_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    bar = Progress(3, stream=out)
    for kind in ("processed", "skipped", "failed"):
        bar.advance(kind)
    bar.close()
    line = out.getvalue().strip().splitlines()[-1]
    assert line.startswith("ingest: 3/3 files (1 extracted, 1 unchanged, 1 failed), ")
    assert "docs/s, ETA 0:00:00" in line


def test_progress_bar_on_a_terminal() -> None:
    out = io.StringIO()
    bar = Progress(2, live=True, stream=out)
    bar.advance("processed")
    bar.error("error: x.txt: empty file")
    bar.advance("processed")
    bar.close()
    text = out.getvalue()
    assert "docs/s" in text and "2/2" in text and "error: x.txt: empty file" in text


# -- resumable after SIGKILL --------------------------------------------------------------


def _count(db: Path, table: str = "documents") -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(f"select count(*) from {table}").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_sigkill_mid_run_then_resume_gives_identical_rows(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus", 3)  # 15 files
    db = tmp_path / "k.db"
    cmd = [str(Path(sys.executable).parent / "bulletin-nlp"), "ingest", str(corpus)]
    proc = subprocess.Popen(
        [*cmd, "--db", str(db), "--workers", "2", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while _count(db) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "ingest finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # the writer, mid-run
        proc.wait()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its workers too, if still there
        except ProcessLookupError:
            pass
    conn = sqlite3.connect(db)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    killed_at = conn.execute("select count(*) from documents").fetchone()[0]
    conn.close()
    assert 3 <= killed_at < 15

    # The killed run counted, in the transactions that stored them, what it committed.
    counted = sqlite3.connect(db).execute("select processed from runs where id = 1").fetchone()
    assert counted == (killed_at,)
    resumed = ingest([corpus], db)
    assert len(resumed.skipped) == killed_at
    assert len(resumed.processed) == 15 - killed_at
    clean = tmp_path / "clean.db"
    ingest([corpus], clean)
    assert _snapshot(db) == _snapshot(clean)
    statuses = [r[0] for r in sqlite3.connect(db).execute("select status from runs order by id")]
    assert statuses == ["interrupted", "done"]


# -- dask -----------------------------------------------------------------------------------


def test_dask_cluster_stores_exactly_what_one_worker_does(tmp_path: Path, serial_db: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        db = tmp_path / "dask.db"
        stats, counts = run_batch([SAMPLES], db, dask=cluster.scheduler_address)
    assert len(stats.processed) == 5 and not stats.failed
    assert counts["documents"] == 5
    assert _snapshot(db) == _snapshot(serial_db)
    executor = sqlite3.connect(db).execute("select executor from runs").fetchone()[0]
    assert executor == f"dask {cluster.scheduler_address}"


def test_dask_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bulletin_nlp.errors import BulletinError

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(BulletinError, match=r"--dask needs the optional extra"):
        ingest([CORPUS_FILES[0]], tmp_path / "d.db", dask="local")


def test_one_worker_extracts_beside_the_writer_once_a_batch_is_large(tmp_path: Path) -> None:
    db = tmp_path / "one.db"
    small = ingest(CORPUS_FILES, db, workers=1)  # 5 files: extracted in this process
    large = ingest([_corpus(tmp_path / "big", 2)], db, workers=1)  # 10 files: one worker
    assert (len(small.processed), len(large.processed)) == (5, 10), large.failed
    assert not large.failed
    conn = sqlite3.connect(db)
    executors = [r[0] for r in conn.execute("select executor from runs order by id")]
    assert executors == ["serial", "processes"]
    assert conn.execute("select count(*) from documents").fetchone()[0] == 15


# -- what a batch operator is told (issue 18) ------------------------------------------------


def _docx(path: Path, text: str) -> Path:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=3)
    for r, cells in enumerate((["指标名称", "单位", "数量"], ["养老机构", "个", "712"])):
        for c, value in enumerate(cells):
            table.cell(r, c).text = value
    document.save(str(path))
    return path


def test_word_documents_are_read(tmp_path: Path) -> None:
    pytest.importorskip("docx")
    text = CORPUS_FILES[1].read_text(encoding="utf-8")
    word = _docx(tmp_path / "letter.docx", text)
    (tmp_path / "~$letter.docx").write_bytes(b"lock")  # Word's lock file: not a bulletin
    db = tmp_path / "w.db"
    result = ingest([tmp_path], db)
    assert result.processed == [str(word)] and not result.failed
    conn = sqlite3.connect(db)
    raw, fmt, encoding = conn.execute("select raw, format, encoding from documents").fetchone()
    assert (fmt, encoding) == ("docx", "docx")
    assert raw.startswith(text) and raw.endswith("指标名称 | 单位 | 数量 |\n养老机构 | 个 | 712 |\n")
    figures = {r[0] for r in conn.execute("select quantity_text from facts")}
    assert {"25271人", "7473人"} <= figures


def test_a_broken_word_document_is_one_error(tmp_path: Path) -> None:
    pytest.importorskip("docx")
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = ingest([bad], tmp_path / "b.db")
    assert list(result.failed.values()) == [f"{bad}: unreadable Word document (not a .docx: File is not a zip file)"]


def test_skipped_files_and_duplicates_are_reported(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bulletin_nlp.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    a = folder / "a.txt"
    a.write_text(CORPUS_FILES[0].read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "copy.txt").write_bytes(a.read_bytes())
    (folder / "table.xlsx").write_bytes(b"PK")
    (folder / "old.doc").write_bytes(b"\xd0\xcf")
    (folder / ".DS_Store").write_bytes(b"x")
    db = str(tmp_path / "d.db")
    result = CliRunner().invoke(main, ["ingest", str(folder), "--db", db, "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"(1 processed, 0 unchanged, 1 duplicate of {a}, 0 failed)" in result.output
    assert (
        "skipped 2 files of a format not read (.doc 1, .xlsx 1); bulletins are read from "
        ".txt, .md, .html, .htm, .pdf and .docx"
    ) in result.output
    assert f"skipped: {folder / 'old.doc'}" in result.output and ".DS_Store" not in result.output
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from documents").fetchone()[0] == 1
    run = conn.execute("select processed, duplicates, unsupported from runs").fetchone()
    assert run == (1, 1, 2)
    # Later, the same bytes under yet another name: a duplicate of the stored document.
    other = tmp_path / "elsewhere.txt"
    other.write_bytes(a.read_bytes())
    again = CliRunner().invoke(main, ["ingest", str(other), "--db", db, "--no-progress"])
    assert f"(0 processed, 0 unchanged, 1 duplicate of {a}, 0 failed)" in again.output


def test_errors_go_through_the_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal an error is printed above the bar, on its own line, never glued to
    the bar's ETA (the bar's own error path)."""
    import pty
    import re

    folder = tmp_path / "in"
    folder.mkdir()
    for path in CORPUS_FILES[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "binary.txt").write_bytes(b"abc\x00\x01")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "bulletin-nlp"), "ingest", str(folder),
         "--db", str(tmp_path / "t.db"), "--no-model"],
        stdin=follower, stdout=follower, stderr=follower, env={**os.environ, "COLUMNS": "120"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the process closed its end
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))
    pieces = [p.strip() for p in re.split(r"[\r\n]", text) if p.strip()]
    errors = [p for p in pieces if "binary.txt" in p]
    assert errors and all(p.startswith("error: ") for p in errors), errors
    assert any("docs/s" in p for p in pieces)  # the bar was there
    assert proc.returncode == 1


# -- how long the writer holds documents ------------------------------------------------------


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "1e9"])
def test_a_bad_commit_wait_is_refused_naming_the_variable(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bulletin_nlp.errors import BulletinError

    monkeypatch.setenv("BULLETIN_NLP_COMMIT_SECONDS", value)
    with pytest.raises(BulletinError, match=r"\$BULLETIN_NLP_COMMIT_SECONDS is .*seconds from 0"):
        run_batch([SAMPLES], tmp_path / "c.db")
    assert not (tmp_path / "c.db").exists()  # refused before the database is touched


def test_documents_extracted_together_are_committed_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process (five files), every document is extracted before the writer's wait is
    over: one transaction stores them all; with a wait of 0, one each."""
    from bulletin_nlp.store import Store

    calls: list[int] = []
    real = Store.write_many

    def counted(
        self: Store, batch: list[dict[str, list[dict[str, object]]]], **kw: object
    ) -> list[str]:
        calls.append(len(batch))
        return real(self, batch, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "write_many", counted)
    monkeypatch.setenv("BULLETIN_NLP_COMMIT_SECONDS", "3600")
    stats, counts = run_batch([SAMPLES], tmp_path / "a.db")
    assert calls == [5] and len(stats.processed) == 5 and counts["documents"] == 5
    calls.clear()
    monkeypatch.setenv("BULLETIN_NLP_COMMIT_SECONDS", "0")
    run_batch([SAMPLES], tmp_path / "b.db")
    assert calls == [1, 1, 1, 1, 1]
