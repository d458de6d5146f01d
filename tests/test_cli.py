"""The CLI: exact behaviour through click's CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bulletin_nlp.cli import main
from bulletin_nlp.ingest import ingest

from .conftest import CORPUS, SAMPLES


def test_extract_json_prints_one_line_per_file() -> None:
    result = CliRunner().invoke(
        main, ["extract", str(CORPUS / "000_44766cfa53dbf2a3.txt"), "--json"]
    )
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


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix}{name} "))
    return out


def test_top_level_help_has_an_example_and_whole_summaries() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    assert result.exit_code == 0
    assert "Example:" in result.output and "bulletin-nlp ingest corpus/" in result.output
    listed = result.output.split("Commands:")[1]
    assert "..." not in listed  # no summary cut short
    for name, cmd in main.commands.items():
        assert f"  {name} " in listed and cmd.get_short_help_str(limit=65) in listed


@pytest.mark.parametrize("name", [name for name, _ in _commands(main)])
def test_every_option_has_help(name: str) -> None:
    cmd = dict(_commands(main))[name]
    missing = [p.opts[0] for p in cmd.params if isinstance(p, click.Option) and not p.help]
    assert missing == []
    if not isinstance(cmd, click.Group):
        assert "Example:" in (cmd.help or ""), name


def test_model_cost_is_in_the_ingest_help() -> None:
    text = CliRunner().invoke(main, ["ingest", "--help"]).output
    assert "--no-model" in text and "most of the time" in text


def test_facts_table_shows_qualifier_and_counts_in_the_singular(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(SAMPLES), "--db", db]).exit_code == 0
    result = runner.invoke(
        main,
        [
            "facts",
            "--db",
            db,
            "--place",
            "台州",
            "--metric",
            "持证社会工作者人数",
            "--year",
            "2023",
        ],
    )
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "qualifier" in line)
    assert "status" in header
    rows = [line for line in result.output.splitlines() if "浙江省台州市" in line]
    assert any("新增" in r and "7,473 人" in r for r in rows)  # 新增 tells 7,473 apart
    assert any("高级" in r for r in rows)
    one = runner.invoke(main, ["facts", "--db", db, "--place", "台州", "--limit", "1"])
    assert one.output.endswith("\n1 fact\n")
    other = runner.invoke(main, ["facts", "--db", db, "--metric", "other", "--limit", "3"])
    assert "other: " in other.output  # the subject of an `other` fact


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "持证社工人数"], "unknown metric '持证社工人数'"),
        (["--metric", "certified_socal_workers"], "did you mean certified_social_workers"),
        (["--year", "2023-2021"], "the range runs backwards"),
        (["--year", "2023-21"], "use YYYY or YYYY-YYYY"),
    ],
)
def test_facts_refuses_what_would_match_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    db = str(tmp_path / "x.db")
    CliRunner().invoke(main, ["ingest", str(CORPUS / "001_2334c34440bd53e7.txt"), "--db", db])
    result = CliRunner().invoke(main, ["facts", "--db", db, *args])
    assert result.exit_code == 1 and message in result.output


def test_a_cold_facts_query_loads_no_pipeline(tmp_path: Path) -> None:
    """A researcher's query reads the database only: no jieba, spaCy or pipeline stage is
    imported (each costs seconds of start-up), whatever the filters."""

    db = tmp_path / "s.db"
    ingest([SAMPLES], db)
    code = (
        "import sys\n"
        "from bulletin_nlp.cli import main\n"
        f"sys.argv = ['bulletin-nlp', 'facts', '--db', {str(db)!r}, '--place', '浙江', '--metric', 'social_work_stations']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('jieba', 'spacy', 'thinc')"
        " or m.startswith(('bulletin_nlp.pipeline', 'bulletin_nlp.extract', 'bulletin_nlp.segment')))\n"
        "print('heavy', heavy, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "heavy []" in out.stderr, out.stderr
    assert out.stdout.strip(), out.stderr  # the query printed its rows
