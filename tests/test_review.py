"""Review decisions: stored per fact, shown by facts/export with corrected values, kept
across re-ingest (also of an updated bulletin), moved between databases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin_nlp.cli import main
from bulletin_nlp.export import fact_rows
from bulletin_nlp.ingest import ingest
from bulletin_nlp.review import (
    ReviewError,
    decide,
    decisions,
    export_decisions,
    fact_view,
    import_decisions,
)
from bulletin_nlp.store import Store

from .conftest import CORPUS

NAME = "001_2334c34440bd53e7.txt"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / NAME, folder / NAME)
    return folder


def fresh(corpus: Path, db: Path) -> Store:
    assert not ingest([corpus], db).failed
    return Store.open(db)


def fact_by_text(store: Store, text: str) -> dict:
    rows = [r for r in store.facts() if r["quantity_text"] == text]
    assert rows, text
    return rows[0]


def test_accept_reject_correct(corpus: Path, tmp_path: Path) -> None:
    store = fresh(corpus, tmp_path / "a.db")
    a, r, c = (fact_by_text(store, t) for t in ("35732人", "两名", "5629人"))
    assert a["review_status"] == "unreviewed"
    assert decide(store, a["id"], "accepted", note="checked", reviewer="li")["review_status"] == "accepted"
    decide(store, r["id"], "rejected", reviewer="li")
    row = decide(store, c["id"], "corrected", value="5,630", place="浙江省", year="2022", reviewer="li")
    assert (row["review_status"], row["value"], row["place"], row["place_name"], row["year"]) == (
        "corrected", 5630.0, "330000", "浙江省", 2022,
    )
    assert row["original"] == {"value": 5629.0, "metric": "exam_passers", "place": "420100", "year": 2023}
    assert [d.status for d in decisions(store)] == ["accepted", "rejected", "corrected"]
    first = decisions(store)[0]
    assert (first.reviewer, first.note, first.doc_name, first.quantity_text) == ("li", "checked", NAME, "35732人")
    # facts and exports show the status and use the corrected values
    assert [x["quantity_text"] for x in store.facts(status="rejected")] == ["两名"]
    assert r["id"] not in {x["id"] for x in store.facts()}  # rejected: left out by default
    assert r["id"] in {x["id"] for x in store.facts(status="all")}
    assert {x["id"] for x in store.facts(status="accepted")} == {a["id"], c["id"]}
    assert [x["id"] for x in store.facts(status="corrected")] == [c["id"]]
    exported = {x["id"]: x for x in fact_rows(store)}
    assert r["id"] not in exported
    assert exported[c["id"]]["value"] == 5630.0 and exported[c["id"]]["review_status"] == "corrected"
    # the corrected fields keep their extracted values beside them; the metric was kept
    assert {k: v for k, v in exported[c["id"]].items() if k.startswith("original_")} == {
        "original_value": 5629.0, "original_metric": None, "original_place": "420100",
        "original_place_name": "湖北省武汉市", "original_year": 2023,
    }
    assert exported[a["id"]]["review_status"] == "accepted"
    assert exported[a["id"]]["original_value"] is None and exported[a["id"]]["review_note"] == "checked"
    assert {r["quantity_text"] for r in store.facts(place="浙江省", year="2022")} == {"5629人"}
    # withdrawing a decision
    assert decide(store, c["id"], "unreviewed")["value"] == 5629.0
    assert len(decisions(store)) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "maybe"}, "unknown decision 'maybe'"),
        ({"status": "corrected"}, "a correction needs a corrected value, metric, place or year"),
        ({"status": "corrected", "value": "lots"}, "corrected value 'lots' is not a number"),
        ({"status": "corrected", "metric": "nope"}, "unknown metric 'nope'"),
        ({"status": "corrected", "place": "不存在的地方"}, "unknown place"),
        ({"status": "corrected", "year": "20x"}, "corrected year '20x' is not a year"),
        ({"status": "corrected", "year": "99"}, "not a four-digit year"),
    ],
)
def test_bad_decisions(corpus: Path, tmp_path: Path, kwargs: dict, message: str) -> None:
    store = fresh(corpus, tmp_path / "a.db")
    fact = fact_by_text(store, "35732人")
    with pytest.raises(ReviewError, match=message):
        decide(store, fact["id"], **kwargs)
    assert decisions(store) == []


def test_unknown_fact(corpus: Path, tmp_path: Path) -> None:
    store = fresh(corpus, tmp_path / "a.db")
    with pytest.raises(ReviewError, match="no fact with id 'abc'"):
        decide(store, "abc", "accepted")


def test_decisions_survive_reingest_of_an_updated_bulletin(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    store = fresh(corpus, db)
    fact = fact_by_text(store, "25271人")
    decide(store, fact["id"], "corrected", value="25300", note="see p.2", reviewer="li")
    # the same file again: skipped, nothing changes
    assert ingest([corpus], db).skipped
    assert fact_view(Store.open(db), fact["id"])["value"] == 25300.0
    # an updated bulletin: new sha256, so new fact ids; the decision follows its figure
    path = corpus / NAME
    path.write_text("【更正版】\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert ingest([corpus], db).processed
    store = Store.open(db)
    moved = [r for r in store.facts() if r["review_status"] != "unreviewed"]
    assert len(moved) == 1 and moved[0]["id"] != fact["id"]
    assert (moved[0]["quantity_text"], moved[0]["value"], moved[0]["review_note"]) == ("25271人", 25300.0, "see p.2")
    assert moved[0]["quantity_start"] == fact["quantity_start"] + len("【更正版】\n")
    assert [d.fact_id for d in decisions(store)] == [moved[0]["id"]]


def test_export_import_between_databases(corpus: Path, tmp_path: Path) -> None:
    a = fresh(corpus, tmp_path / "a.db")
    f1, f2 = fact_by_text(a, "35732人"), fact_by_text(a, "两名")
    decide(a, f1["id"], "accepted", reviewer="li")
    decide(a, f2["id"], "corrected", value="3", note="三名?", reviewer="li")
    out = tmp_path / "decisions.jsonl"
    assert export_decisions(a, out) == 2
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(d["fact_id"], d["status"]) for d in lines] == [(f1["id"], "accepted"), (f2["id"], "corrected")]

    b = fresh(corpus, tmp_path / "b.db")  # same bulletin: same ids
    result = import_decisions(b, out)
    assert (result.applied, result.reattached, result.pending, result.kept_newer) == (2, 0, 0, 0)
    assert fact_view(b, f2["id"])["value"] == 3.0
    again = import_decisions(b, out)  # idempotent
    assert (again.applied, again.kept_newer) == (0, 2)

    other = tmp_path / "other"  # an updated copy of the bulletin: new ids, same figures
    other.mkdir()
    (other / NAME).write_text("附：\n" + (corpus / NAME).read_text(encoding="utf-8"), encoding="utf-8")
    c = fresh(other, tmp_path / "c.db")
    result = import_decisions(c, out)
    assert (result.applied, result.reattached, result.pending) == (0, 2, 0)
    assert {r["quantity_text"]: r["review_status"] for r in c.facts() if r["review_status"] != "unreviewed"} == {
        "35732人": "accepted", "两名": "corrected",
    }

    empty = tmp_path / "empty"  # the bulletin is not there yet: decisions wait for it
    empty.mkdir()
    (empty / "x.txt").write_text("2023年，武汉市共有社工100人。", encoding="utf-8")
    d = fresh(empty, tmp_path / "d.db")
    assert import_decisions(d, out).pending == 2
    shutil.copy(CORPUS / NAME, empty / NAME)
    assert ingest([empty], tmp_path / "d.db").processed == [str(empty / NAME)]
    assert fact_view(Store.open(tmp_path / "d.db"), f2["id"])["review_status"] == "corrected"


def test_import_reports_every_bad_line(corpus: Path, tmp_path: Path) -> None:
    store = fresh(corpus, tmp_path / "a.db")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"fact_id": "x", "status": "accepted", "decided_at": "2026-01-01"}\n'
        '{"fact_id": "y", "status": "perhaps", "decided_at": "2026-01-01"}\n'
        "\n"
        '{"fact_id": "z", "status": "accepted", "decided_at": "2026-01-01", "extra": 1}\n',
        encoding="utf-8",
    )
    with pytest.raises(ReviewError) as err:
        import_decisions(store, bad)
    assert "2 bad decision(s)" in str(err.value)
    assert "line 2: status:" in str(err.value) and "line 4: extra:" in str(err.value)
    assert decisions(store) == []


def test_cli_export_import_and_facts(corpus: Path, tmp_path: Path) -> None:
    a = fresh(corpus, tmp_path / "a.db")
    fact = fact_by_text(a, "35732人")
    decide(a, fact["id"], "rejected", reviewer="li")
    runner = CliRunner()
    out = tmp_path / "d.jsonl"
    result = runner.invoke(main, ["review", "--db", a.path, "--export", str(out)])
    assert result.exit_code == 0 and result.output == f"{out}: 1 decision\n"
    b = fresh(corpus, tmp_path / "b.db")
    result = runner.invoke(main, ["review", "--db", b.path, "--import", str(out)])
    assert result.output == f"{out}: 1 applied, 0 re-attached, 0 waiting for their bulletin, 0 older than ours\n"
    shown = runner.invoke(main, ["facts", "--db", b.path, "--format", "json"])
    assert fact["id"] not in {r["id"] for r in json.loads(shown.output)}  # left out
    shown = runner.invoke(main, ["facts", "--db", b.path, "--format", "json", "--status", "all"])
    rows = {r["id"]: r for r in json.loads(shown.output)}
    assert rows[fact["id"]]["review_status"] == "rejected"


def test_cli_facts_and_show_give_the_review(corpus: Path, tmp_path: Path) -> None:
    """`facts` shows the corrected value with the extracted one, leaves the rejected fact
    out unless --status asks; `show` prints status, note and extracted → corrected."""
    store = fresh(corpus, tmp_path / "a.db")
    kept, gone = fact_by_text(store, "25271人"), fact_by_text(store, "两名")
    decide(store, kept["id"], "corrected", value="25300", note="见第2页", reviewer="li")
    decide(store, gone["id"], "rejected", note="重复", reviewer="li")
    runner = CliRunner()
    table = runner.invoke(main, ["facts", "--db", store.path, "--place", "台州", "--year", "2023"])
    assert table.exit_code == 0, table.output
    row = next(line for line in table.output.splitlines() if kept["id"][:10] in line)
    assert "25,300 人 (was 25,271 人)" in row and "corrected" in row
    assert gone["id"][:10] not in table.output
    rejected = runner.invoke(main, ["facts", "--db", store.path, "--status", "rejected"])
    assert gone["id"][:10] in rejected.output and rejected.output.endswith("\n1 fact\n")
    shown = runner.invoke(main, ["show", kept["id"][:8], "--db", store.path])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[1].startswith("review    corrected by li, ")
    assert lines[2] == "note      见第2页"
    assert lines[4] == "value     25,271 人 → 25,300 人 (corrected)   [exact]"
    assert "review    rejected by li" in runner.invoke(main, ["show", gone["id"], "--db", store.path]).output
