"""The SQLite store: idempotent ingest, stable ids, two-character full-text search."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from bulletin_nlp.errors import StoreError
from bulletin_nlp.ingest import ingest
from bulletin_nlp.pipeline import process_text
from bulletin_nlp.store import SCHEMA_VERSION, Store, bigrams, fts_query
from bulletin_nlp.versions import ruleset_version

from .conftest import SAMPLES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("社工站", "社工 工站 站"),
        ("社工", "社工 工"),
        ("LED显示屏", "led 显示 示屏 屏"),
        ("2022年全国", "2022 年全 全国 国"),
        ("社工，站", "社工 工 站"),
    ],
)
def test_bigrams(text: str, expected: str) -> None:
    assert bigrams(text) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("持证社工", '"持证 证社 社工"'),
        ("社工 x", '"社工" AND "x"'),
        ("2022年", '"2022 年"*'),
        ("全国2022", '"全国 国 2022"'),
        ('"', ""),
    ],
)
def test_fts_query(query: str, expected: str) -> None:
    assert fts_query(query) == expected


def _ids(db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    return {
        t: sorted(r[0] for r in conn.execute(f"select id from {t}"))
        for t in ("documents", "articles", "sentences", "mentions", "facts", "roles", "entities")
    }


def test_ingest_twice_changes_nothing(db_path: Path) -> None:
    first = ingest([SAMPLES], db_path)
    assert first.counts["documents"] == 5 and len(first.processed) == 5
    ids = _ids(db_path)
    second = ingest([SAMPLES], db_path)
    assert second.skipped and not second.processed
    assert second.counts == first.counts
    assert _ids(db_path) == ids


def test_changed_file_replaces_its_rows(db_path: Path, tmp_path: Path) -> None:
    src = tmp_path / "b.txt"
    src.write_text("近日，民政部召开会议。\n\n（据民政部官网）\n", encoding="utf-8")
    ingest([src], db_path)
    src.write_text("近日，民政部召开会议，台州市参加。\n\n（据民政部官网）\n", encoding="utf-8")
    result = ingest([src], db_path)
    assert result.counts["documents"] == 1
    rows = Store.open(db_path).search("台州")
    assert len(rows) == 1 and "台州市" in rows[0]["text"]


@pytest.mark.parametrize("query", ["2022年", "到2025年", "报名", "73.7万", "浚县"])
def test_search_finds_what_the_text_holds(db_path: Path, query: str) -> None:
    ingest([SAMPLES], db_path)
    rows = Store.open(db_path).search(query, limit=500)
    assert rows
    assert all(query in "".join(r["text"].split()) for r in rows)


def test_search_two_characters(db_path: Path) -> None:
    ingest([SAMPLES], db_path)
    rows = Store.open(db_path).search("社工", limit=500)
    assert len(rows) > 50
    assert all("社工" in r["text"].replace("\n", "").replace(" ", "") for r in rows)


def test_search_finds_text_broken_across_lines(db_path: Path) -> None:
    ingest([SAMPLES], db_path)
    rows = Store.open(db_path).search("社会组织为载体")
    assert len(rows) == 1
    assert "社会\n\n组织" in rows[0]["text"]


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="bad.db: not a usable SQLite database"):
        Store.open(bad)


@pytest.mark.parametrize("query", ["社工站", "五社联动", "持证社工"])
def test_search_three_or_more_characters(db_path: Path, query: str) -> None:
    """Words longer than a bigram are found (issue 18): the library and the CLI."""
    from click.testing import CliRunner

    from bulletin_nlp.cli import main

    ingest([SAMPLES], db_path)
    rows = Store.open(db_path).search(query, limit=500)
    assert rows and all(query in "".join(r["text"].split()) for r in rows)
    result = CliRunner().invoke(main, ["search", query, "--db", str(db_path), "--limit", "500"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == len(rows)


@pytest.mark.parametrize(
    ("given", "metric"),
    [
        ("certified_social_workers", "certified_social_workers"),
        ("持证社会工作者人数", "certified_social_workers"),  # the label
        ("Certified_Social_Workers", "certified_social_workers"),
        ("other", "other"),
    ],
)
def test_metric_by_id_or_label(db_path: Path, given: str, metric: str) -> None:
    ingest([SAMPLES], db_path)
    store = Store.open(db_path)
    assert store.resolve_metric(given) == metric
    assert {r["metric"] for r in store.facts(metric=given)} == {metric}


@pytest.mark.parametrize(
    ("given", "hint"),
    [
        ("certified_socal_workers", "did you mean certified_social_workers (持证社会工作者人数)?"),
        ("持证社会工作者", "did you mean certified_social_workers (持证社会工作者人数)?"),
        ("火星人口", "."),
    ],
)
def test_unknown_metric_is_refused_with_the_valid_ids(db_path: Path, given: str, hint: str) -> None:
    ingest([SAMPLES], db_path)
    with pytest.raises(StoreError) as err:
        Store.open(db_path).facts(metric=given)
    message = str(err.value)
    assert message.startswith(f"unknown metric {given!r}{': ' if hint != '.' else ''}")
    assert hint in message
    assert "Give an id or its label: beneficiaries, certified_social_workers," in message


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2023-2021", "the range runs backwards (2023 comes after 2021; use 2021-2023)"),
        ("2023-21", "use YYYY or YYYY-YYYY"),
        ("23", "use YYYY or YYYY-YYYY"),
    ],
)
def test_bad_year_ranges_are_refused(db_path: Path, year: str, message: str) -> None:
    ingest([SAMPLES], db_path)
    with pytest.raises(StoreError, match=re.escape(message)):
        Store.open(db_path).facts(year=year)


# -- rule provenance on roles and entities (issue 17) --------------------------------------

PROVENANCE = ("rule_id", "extractor", "ruleset_version")


def _provenance(db: Path, table: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    return conn.execute(f"select {', '.join(PROVENANCE)} from {table}").fetchall()


def test_roles_and_entities_carry_rule_provenance(db_path: Path) -> None:
    ingest([SAMPLES], db_path)
    roles, entities = _provenance(db_path, "roles"), _provenance(db_path, "entities")
    assert roles and entities
    assert all(rule and extractor == "rule" for rule, extractor, _ in roles), roles
    assert {version for *_, version in roles} == {ruleset_version()}
    assert all(rule and extractor and version for rule, extractor, version in entities)
    person_rules = {
        r[0]
        for r in sqlite3.connect(db_path).execute(
            "select rule_id from mentions where type = 'PERSON'"
        )
    }
    assert {rule for rule, *_ in roles} <= person_rules  # the rule of the person's mention


def test_an_older_database_gains_the_provenance_columns(db_path: Path, tmp_path: Path) -> None:
    ingest([SAMPLES], db_path)
    conn = sqlite3.connect(db_path)
    for table in ("roles", "entities"):
        for column in PROVENANCE:
            conn.execute(f"alter table {table} drop column {column}")
    conn.execute("alter table entities drop column sources")
    conn.execute("pragma user_version = 3")
    conn.commit()
    conn.close()
    assert Store.open_existing(db_path).facts()  # read-only: read as it is
    assert "rule_id" not in {
        r[1] for r in sqlite3.connect(db_path).execute("pragma table_info(roles)")
    }
    src = tmp_path / "new.txt"
    src.write_text("2022年4月26日，台州市民政局局长张伟出席会议。\n", encoding="utf-8")
    assert not ingest([src], db_path).failed  # opened for writing: upgraded, then written
    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    for table in ("roles", "entities"):
        assert set(PROVENANCE) <= {r[1] for r in conn.execute(f"pragma table_info({table})")}
    assert "sources" in {r[1] for r in conn.execute("pragma table_info(entities)")}
    new = conn.execute(
        "select r.rule_id, r.extractor from roles r join documents d on d.id = r.doc_id "
        "where d.name = 'new.txt'"
    ).fetchall()
    assert new and all(rule and extractor == "rule" for rule, extractor in new), new


def _entity_table(path: Path, *texts: tuple[str, str]) -> list[tuple[object, ...]]:
    """The entities of a store that ``texts`` (name, text) were written to in order."""
    store = Store.open(path)
    for name, text in texts:
        store.write_document(process_text(text, name, use_model=False), ruleset_version())
    return sorted(store.conn.execute("select * from entities").fetchall(), key=repr)


def test_entity_provenance_is_exact_whatever_the_order(tmp_path: Path) -> None:
    """An entity's provenance counts its mentions per rule: the same rows whatever order
    documents are stored in, and the same after a document is replaced as when it was
    first written so."""
    a = ("a.txt", "台州市民政局召开会议。民政部出席。\n")
    b = ("b.txt", "民政部召开会议，台州市民政局参加。\n")
    a2 = ("a.txt", "民政部召开会议。\n")
    forward = _entity_table(tmp_path / "ab.db", a, b)
    assert forward == _entity_table(tmp_path / "ba.db", b, a)
    assert _entity_table(tmp_path / "ab.db", a2) == _entity_table(tmp_path / "b_a2.db", b, a2)
    sources = dict(
        sqlite3.connect(tmp_path / "ab.db").execute("select name, sources from entities")
    )
    assert json.loads(sources["民政部"])[0][-1] == 2  # one source, two mentions


def _rows(name: str, text: str) -> dict[str, list[dict[str, object]]]:
    from bulletin_nlp.store.rows import document_rows

    return document_rows(process_text(text, name, use_model=False), ruleset_version())


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    tables = ("documents", "sentences", "mentions", "facts", "roles", "entities")
    out = {}
    for table in tables:
        # Times (ingested_at) differ between two stores written a second apart.
        columns = [r[1] for r in conn.execute(f"pragma table_info([{table}])")]
        kept = ", ".join(f"[{c}]" for c in columns if not c.endswith("_at"))
        out[table] = sorted(conn.execute(f"select {kept} from [{table}]").fetchall(), key=repr)
    conn.close()
    return out


def test_a_batch_stores_what_its_documents_store_one_by_one(tmp_path: Path) -> None:
    """``write_many`` merges the entities of its documents (the same entity in several of
    them, one already stored, a document replaced within the batch) into exactly the rows
    that storing them one at a time gives."""
    docs = [
        _rows("a.txt", "台州市民政局召开会议。民政部出席。\n"),
        _rows("b.txt", "民政部召开会议，台州市民政局参加，张伟主持。\n"),
        _rows("c.txt", "杭州市建成社工站120个，民政部表示肯定。\n"),
    ]
    replaced = _rows("a.txt", "民政部召开会议，杭州市民政局参加。\n")
    one = Store.open(tmp_path / "one.db")
    for rows in [docs[0], *docs, replaced]:
        one.write_rows(rows)
    many = Store.open(tmp_path / "many.db")
    many.write_rows(docs[0])
    assert many.write_many([*docs[1:], replaced]) == [
        str(r["documents"][0]["id"]) for r in [*docs[1:], replaced]
    ]
    assert _tables(tmp_path / "one.db") == _tables(tmp_path / "many.db")
    mentions = dict(many.conn.execute("select name, mentions from entities"))
    assert mentions["民政部"] == 3 and "台州市民政局" in mentions


def test_a_batch_with_a_bad_document_stores_none_of_it(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    good = _rows("good.txt", "杭州市建成社工站120个。\n")
    huge = _rows("huge.txt", "全省共建成社工站99999999999999999999个。\n")
    with pytest.raises(StoreError, match=r"huge\.txt: figure .* cannot be stored"):
        store.write_many([good, huge])
    assert store.conn.execute("select count(*) from documents").fetchone() == (0,)
    assert store.write_many([good]) and store.write_many([]) == []
