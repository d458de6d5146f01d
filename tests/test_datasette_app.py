"""`serve`: derived tables, Datasette metadata, canned queries, and a live server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from click.testing import CliRunner

from bulletin_nlp import datasette_app as serve
from bulletin_nlp.cli import main
from bulletin_nlp.errors import BulletinError
from bulletin_nlp.ingest import ingest
from bulletin_nlp.review import decide
from bulletin_nlp.store import Store

from .conftest import CORPUS, SAMPLES

CJK = "\u4e00-\u9fff"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The sample corpus, ingested and prepared for serving."""
    path = tmp_path_factory.mktemp("serve") / "bulletins.db"
    assert not ingest([SAMPLES], path).failed
    s = Store.open_existing(path, write=True)
    serve.prepare(s)
    return s


def _one(store: Store, sql: str, params: list[Any] | None = None) -> dict[str, Any]:
    return next(iter(store.db.query(sql, params or [])))


def _compact(text: str) -> str:
    return "".join(text.split())


# -- derived tables -------------------------------------------------------------------


def test_places_name_codes_and_chain_to_the_nation(store: Store) -> None:
    assert _one(store, "select * from places where adcode = '331000'") == {
        "adcode": "331000",
        "name": "台州市",
        "full_name": "浙江省台州市",
        "level": "city",
        "parent": "330000",
    }
    assert _one(store, "select parent from places where adcode = '330000'")["parent"] == "100000"
    assert _one(store, "select name from places where adcode = '100000'")["name"] == "全国"


def test_every_stored_place_and_metric_has_a_label(store: Store) -> None:
    missing = store.db.execute(
        "select count(*) from facts_browse f where (f.place is not null and f.place not in "
        "(select adcode from places)) or f.metric not in (select id from metrics)"
    ).fetchone()[0]
    assert missing == 0
    label = _one(store, "select label from metrics where id = 'certified_social_workers'")["label"]
    assert label == "持证社会工作者人数"


def test_every_fact_links_to_the_sentence_holding_its_figure(store: Store) -> None:
    rows = list(
        store.db.query(
            "select f.quantity_text, f.quantity_start, f.quantity_end, s.start, s.end, d.raw "
            "from facts_browse f join sentences s on s.id = f.sentence_id "
            "join documents d on d.id = f.doc_id"
        )
    )
    assert len(rows) == store.db["facts"].count > 0
    for r in rows:
        assert r["start"] <= r["quantity_start"] < r["quantity_end"] <= r["end"]
        assert r["quantity_text"] in r["raw"][r["start"] : r["end"]]


@pytest.mark.parametrize(
    ("place", "province"), [("331000", "330000"), ("350000", "350000"), ("100000", "100000")]
)
def test_province_of_a_place(store: Store, place: str, province: str) -> None:
    row = _one(store, "select province from facts_browse where place = ? limit 1", [place])
    assert row["province"] == province


def test_prepare_twice_rebuilds_without_duplicates(store: Store) -> None:
    serve.prepare(store)
    assert store.db["facts_browse"].count == store.db["facts"].count


# -- metadata -------------------------------------------------------------------------


def test_metadata_describes_tables_in_chinese_and_english(store: Store) -> None:
    meta = serve.build_metadata(store)
    tables = meta["databases"]["bulletins"]["tables"]
    for name in ("facts_browse", "facts", "sentences", "places", "documents", "articles"):
        description = tables[name]["description"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in description), name
        assert any(ch.isascii() and ch.isalpha() for ch in description), name
    columns = tables["facts_browse"]["columns"]
    assert columns["evidence_text"] == "原文证据 / Evidence text from the source"
    assert columns["review_status"].startswith("审核状态") and columns["review_status"].endswith(
        "/ Review status"
    )
    assert columns["original_value"] == "更正前的抽取数值 / Extracted value a correction replaced"


def test_metadata_facets_labels_and_queries(store: Store) -> None:
    db = serve.build_metadata(store)["databases"]["bulletins"]
    assert db["tables"]["facts_browse"]["facets"] == [
        "metric",
        "place",
        "province",
        "year",
        "modality",
        "review_status",
    ]
    assert db["tables"]["places"]["label_column"] == "full_name"
    assert db["tables"]["sentences"]["label_column"] == "text"
    assert set(db["queries"]) == {
        "metric_time_series",
        "figures_by_province",
        "place_figures",
        "targets_vs_actuals",
        "findings",
        "rejected_facts",
        "initiatives_by_place",
        "search_sentences",
    }
    assert all(q["hide_sql"] for q in db["queries"].values())  # SQL hidden on every query
    chart = db["queries"]["metric_time_series"]["description_html"]
    assert "/bulletins/metric_time_series?metric=social_organizations&amp;place=" in chart
    assert "#g.mark=line&amp;g.x_column=year" in chart


def test_facts_browse_is_the_facts_as_reviewed_and_stays_current(tmp_path: Path) -> None:
    """Rejected facts are left out, corrections shown with the extracted value; decisions
    taken while Datasette runs reach facts_browse and the canned queries at once."""
    path = tmp_path / "reviewed.db"
    assert not ingest([CORPUS / "001_2334c34440bd53e7.txt"], path).failed
    s = Store.open_existing(path, write=True)
    serve.prepare(s)
    order = [(r["year"], r["place"]) for r in s.db.query("select year, place from facts_browse")]
    assert order == sorted(order, key=lambda yp: (yp[0] is None, -(yp[0] or 0), yp[1] or ""))
    taizhou = {r["quantity_text"]: r for r in s.facts(place="台州")}
    kept, gone = taizhou["25271人"], taizhou["7473人"]
    before = s.db.execute("select rowid from facts_browse where id = ?", [kept["id"]]).fetchone()
    decide(s, kept["id"], "corrected", value="25300", note="见第2页", reviewer="t")
    decide(s, gone["id"], "rejected", note="重复", reviewer="t")
    row = _one(s, "select rowid, * from facts_browse where id = ?", [kept["id"]])
    assert (row["value"], row["original_value"], row["review_status"], row["review_note"]) == (
        25300.0, 25271.0, "corrected", "见第2页",
    )
    assert (row["rowid"],) == tuple(before)  # updated in place: the table keeps its order
    assert s.db.execute("select count(*) from facts_browse where id = ?", [gone["id"]]).fetchone()[0] == 0
    assert s.db["facts_browse"].count == s.db["facts"].count - 1
    figures = serve.canned(s, "place_figures", place="台州")
    assert gone["id"] not in {r["id"] for r in figures}
    assert {r["id"]: r["original_value"] for r in figures}[kept["id"]] == 25271.0
    assert [r["id"] for r in serve.canned(s, "rejected_facts")] == [gone["id"]]
    decide(s, gone["id"], "unreviewed")  # undone: back in
    assert s.db["facts_browse"].count == s.db["facts"].count
    db = serve.build_metadata(s)["databases"]["reviewed"]
    assert db["tables"]["facts_browse"]["facets"][-1] == "review_status"


def test_findings_are_stored_and_offered(store: Store) -> None:
    """`make run` (an ingest) stores the findings; Datasette lists them, errors first."""
    assert store.db["check_findings"].count > 0
    rows = serve.canned(store, "findings")
    assert len(rows) == store.db["check_findings"].count
    assert rows[0]["trigger"] == "ingest" and all(r["message"] and r["message_en"] for r in rows)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in rows[0]["message"])
    only = serve.canned(store, "findings", kind="target_unreported")
    assert only and {r["kind"] for r in only} == {"target_unreported"}
    linked = store.db.execute(
        "select count(*) from check_finding_facts x join facts f on f.id = x.fact_id"
    ).fetchone()[0]
    assert linked == store.db["check_finding_facts"].count > 0


def test_metric_time_series_feeds_a_chart(store: Store) -> None:
    rows = serve.canned(store, "metric_time_series", metric="持证社会工作者人数", place="浙江省")
    assert len(rows) > 1 and {r["year"] for r in rows} >= {2021, 2023}
    assert all(r["place_name"].startswith("浙江省") for r in rows)
    same = serve.canned(store, "metric_time_series", metric="certified_social_workers", place="浙江省")
    assert same == rows  # id or label
    everywhere = serve.canned(store, "metric_time_series", metric="certified_social_workers", place="")
    assert len(everywhere) > len(rows)


# -- canned queries -------------------------------------------------------------------


def test_place_figures_are_the_place_and_its_sub_places(store: Store) -> None:
    rows = serve.canned(store, "place_figures", place="浙江省")
    assert {r["id"] for r in rows} == {f["id"] for f in store.facts(place="浙江省")}
    assert {r["place"][:2] for r in rows} == {"33"}
    assert {"浙江省台州市", "浙江省温州市"} <= {r["place_name"] for r in rows}
    by_alias = serve.canned(store, "place_figures", place="台州")
    assert {r["place"] for r in by_alias} == {"331000"}


def test_figures_by_province_count_every_fact_once(store: Store) -> None:
    rows = serve.canned(store, "figures_by_province")
    assert sum(r["figures"] for r in rows) == store.db["facts"].count
    one = serve.canned(store, "figures_by_province", metric="certified_social_workers")
    assert {r["metric"] for r in one} == {"certified_social_workers"}
    assert "浙江省" in {r["province_name"] for r in one}


def test_targets_meet_the_latest_actual_of_their_place_and_metric(store: Store) -> None:
    rows = serve.canned(store, "targets_vs_actuals")
    assert rows and all(
        _one(store, "select modality from facts where id = ?", [r["target_fact"]])["modality"]
        == "target"
        for r in rows
    )
    matched = [r for r in rows if r["actual_fact"]]
    assert matched
    for r in matched:
        target = _one(store, "select * from facts where id = ?", [r["target_fact"]])
        actual = _one(store, "select * from facts where id = ?", [r["actual_fact"]])
        assert (actual["metric"], actual["place"], actual["modality"]) == (
            target["metric"],
            target["place"],
            "actual",
        )
        latest = _one(
            store,
            "select max(year) as y from facts where metric = ? and place = ? and modality = 'actual' and unit = ?",
            [target["metric"], target["place"], target["unit"]],
        )["y"]
        assert r["actual_year"] == latest
        assert r["percent_of_target"] == round(100 * actual["value"] / target["value"], 1)


def test_initiatives_by_place(store: Store) -> None:
    rows = serve.canned(store, "initiatives_by_place")
    wushe = [r for r in rows if r["initiative"] == "五社联动"]
    assert "内蒙古自治区鄂尔多斯市鄂托克前旗" in {r["place_name"] for r in wushe}
    total = store.db.execute("select count(*) from mentions where type = 'INITIATIVE'").fetchone()[
        0
    ]
    assert sum(r["mentions"] for r in rows) == total
    only = serve.canned(store, "initiatives_by_place", place="150623")
    assert only and {r["place"] for r in only} == {"150623"}


@pytest.mark.parametrize("query", ["社工", "社工站", "五社联动", "社"])
def test_search_sentences_matches_the_library_search(store: Store, query: str) -> None:
    rows = serve.canned(store, "search_sentences", q=query)
    expected = store.search(query, limit=200)
    assert [r["id"] for r in rows] == [r["id"] for r in expected]
    assert rows and all(query in _compact(r["text"]) for r in rows)


def test_unknown_canned_query_or_parameter(store: Store) -> None:
    with pytest.raises(BulletinError, match="no canned query 'nope'"):
        serve.canned(store, "nope")
    with pytest.raises(BulletinError, match=r"takes \['place'\], not \['city'\]"):
        serve.canned(store, "place_figures", city="台州")


def test_busy_port_is_a_clean_error(store: Store) -> None:
    with socket.socket() as sock:
        sock.bind((serve.HOST, 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(BulletinError, match=f"port {port} on 127.0.0.1 is not free"):
            serve.serve(store.path, port)


def test_cli_print_metadata(store: Store) -> None:
    result = CliRunner().invoke(main, ["serve", "--db", store.path, "--print-metadata"])
    assert result.exit_code == 0, result.output
    meta = json.loads(result.output)
    assert meta["title"] == "社会工作简报事实库 / Social-work bulletin facts"
    assert "figures_by_province" in meta["databases"]["bulletins"]["queries"]


def test_cli_serve_without_database(tmp_path: Path) -> None:
    """The arguments are checked before the port: a missing database is the error even
    when the port is taken."""
    with socket.socket() as sock:
        sock.bind((serve.HOST, 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--db", str(tmp_path / "none.db"), "--port", str(port)]
        )
    assert result.exit_code == 1
    assert "none.db: no such database" in result.output and "not free" not in result.output


# -- the live server ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str:
    with urlopen(url, timeout=10) as response:
        assert response.status == 200
        return str(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """`bulletin-nlp serve` running on a free port over its own copy of the corpus."""
    path = tmp_path_factory.mktemp("live") / "bulletins.db"
    assert not ingest([SAMPLES], path).failed
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulletin_nlp.cli", "serve", "--db", str(path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/bulletins"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                _get(base + ".json")
                break
            except (URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"serve did not start: {proc.communicate()[0]}")
                time.sleep(0.2)
        yield base, Store.open_existing(path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_live_facts_table_page_shows_names_and_evidence_links(server: tuple[str, Store]) -> None:
    base, store = server
    page = _get(base + "/facts_browse?_size=max")
    assert "事实浏览表" in page  # the table description
    assert "浙江省台州市" in page  # a place label instead of 331000
    assert "持证社会工作者人数" in page  # a metric label
    fact = _one(
        store,
        "select id, sentence_id, quantity_text from facts_browse where place = '331000' limit 1",
    )
    assert f'href="/bulletins/sentences/{fact["sentence_id"]}"' in page
    sentence = _get(base + f"/sentences/{fact['sentence_id']}.json?_shape=objects")
    assert fact["quantity_text"] in json.loads(sentence)["rows"][0]["text"]


def test_live_canned_query_json(server: tuple[str, Store]) -> None:
    base, store = server
    rows = json.loads(_get(base + "/place_figures.json?_shape=array&place=" + quote("浙江省")))
    assert {r["id"] for r in rows} == {f["id"] for f in store.facts(place="浙江省")}
    assert "浙江省台州市" in {r["place_name"] for r in rows}
    assert all(r["evidence_text"] and r["place"].startswith("33") for r in rows)


def test_live_default_facets_with_labels(server: tuple[str, Store]) -> None:
    base, store = server
    data = json.loads(_get(base + "/facts_browse.json?_size=0"))
    facets = data["facet_results"]
    assert list(facets) == ["metric", "place", "province", "year", "modality", "review_status"]
    metric = {r["value"]: r for r in facets["metric"]["results"]}
    certified = len(store.facts(metric="certified_social_workers"))
    assert metric["certified_social_workers"]["label"] == "持证社会工作者人数"
    assert metric["certified_social_workers"]["count"] == certified
    province = {r["value"]: r for r in facets["province"]["results"]}
    assert province["330000"]["label"] == "浙江省"
    assert province["330000"]["count"] == len(store.facts(place="浙江省"))
    filtered = json.loads(_get(base + "/facts_browse.json?_shape=objects&province=330000"))
    assert filtered["filtered_table_rows_count"] == province["330000"]["count"]


@pytest.mark.parametrize("query", ["社工站", "五社联动", "持证社工", "社工 服务"])
def test_live_search_box_finds_longer_words(server: tuple[str, Store], query: str) -> None:
    base, store = server
    url = base + "/sentences.json?_shape=objects&_size=max&_search=" + quote(query)
    rows = json.loads(_get(url))["rows"]
    expected = store.search(query, limit=1000)
    assert rows and {r["id"] for r in rows} == {r["id"] for r in expected}
    assert all(all(w in _compact(r["text"]) for w in query.split()) for r in rows)


def test_live_findings_plugins_and_settings(server: tuple[str, Store]) -> None:
    base, store = server
    rows = json.loads(_get(base + "/findings.json?_shape=array&kind="))
    assert len(rows) == store.db["check_findings"].count > 0
    table = json.loads(_get(base + "/check_findings.json?_shape=objects"))  # the table itself
    assert table["filtered_table_rows_count"] == len(rows) and "kind" in table["facet_results"]
    page = _get(base + "/findings?kind=")
    assert "核查发现" in page and "<textarea" not in page  # SQL hidden, behind a link
    assert "_show_sql=1" in page
    root = base.rsplit("/", 1)[0]
    plugins = {p["name"] for p in json.loads(_get(root + "/-/plugins.json"))}
    assert "datasette-vega" in plugins
    assert "/-/static-plugins/datasette_vega/" in _get(base + "/metric_time_series?metric=x&place=")
    assert "column-descriptions" in _get(root + "/bulletin-nlp-static/datasette.css")
    browse = json.loads(_get(base + "/facts_browse.json?_shape=objects&_size=5"))["rows"]
    years = [r["year"] for r in browse]
    assert years == sorted(years, reverse=True)  # latest year first, not by hash id


def test_live_two_character_search(server: tuple[str, Store]) -> None:
    base, store = server
    data = json.loads(
        _get(base + "/sentences.json?_shape=objects&_size=max&_search=" + quote("社工"))
    )
    rows = data["rows"]
    assert len(rows) == len(store.search("社工", limit=1000)) > 10
    assert all("社工" in _compact(r["text"]) for r in rows)
    longer = json.loads(_get(base + "/search_sentences.json?_shape=array&q=" + quote("社工站")))
    assert longer and all("社工站" in _compact(r["text"]) for r in longer)
