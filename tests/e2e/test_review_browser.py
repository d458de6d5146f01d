"""End to end, in a real headless Chromium (Debian's ``chromium`` driven by Playwright):
open the review page, click a fact, accept one, correct another, reload, re-ingest an
updated bulletin, and see the decisions persist; review with the keyboard and see the
decisions reach the CLI, the export, Datasette and the notebook; a Datasette chart and
search. Screenshots go to test-artifacts/."""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote
from urllib.request import urlopen

import pytest

from bulletin_nlp.ingest import ingest
from bulletin_nlp.report import write_report
from bulletin_nlp.review import decisions
from bulletin_nlp.store import Store

from ..conftest import CORPUS, ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
NAME = "001_2334c34440bd53e7.txt"
EVIL = (
    "测试<script>window.__pwned=1</script>简报\n\n"
    '2023年，台州市持证社工达25271人"><img src=x onerror="window.__pwned=2">。\n'
)
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Debian chromium is not installed at {CHROMIUM} (apt-get install -y chromium; .ci/run does)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / NAME, folder / NAME)
    (folder / "evil.txt").write_text(EVIL, encoding="utf-8")
    return folder


@pytest.fixture()
def server(corpus: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The review server on a free port, in a thread, over a fresh database."""
    from bulletin_nlp.review_server import create_app

    db = tmp_path / "review.db"
    assert not ingest([corpus], db).failed
    port = free_port()
    with running(create_app(db, reviewer="e2e"), port, "review server"):
        yield f"http://127.0.0.1:{port}", db


@contextmanager
def running(app: Any, port: int, what: str, wait: float = 30) -> Iterator[None]:
    """``app`` served by uvicorn on 127.0.0.1:``port`` in a thread, until the block ends."""
    import uvicorn

    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + wait
    while not srv.started:
        assert time.monotonic() < deadline, f"{what} did not start"
        time.sleep(0.05)
    try:
        yield
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture()
def page() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(10_000)
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        expected = "status of 400 (Bad Request)"  # the refused correction below

        def console(msg) -> None:  # type: ignore[no-untyped-def]
            if msg.type == "error" and expected not in msg.text:
                errors.append(msg.text)  # CSP violations would show here

        pg.on("console", console)
        pg.errors = errors  # type: ignore[attr-defined]
        yield pg
        browser.close()


def in_viewport(pg, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        pg.eval_on_selector(
            selector,
            "el => { const r = el.getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; }",
        )
    )


def open_bulletin(pg, url: str, name: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto(url + "/")
    pg.click(f".doc-index a:text-is('{name}')")
    pg.wait_for_selector("li.fact")


def test_review_in_browser(server: tuple[str, Path], corpus: Path, page) -> None:  # type: ignore[no-untyped-def]
    url, db = server
    ARTIFACTS.mkdir(exist_ok=True)
    open_bulletin(page, url, NAME)

    # Click a fact far down the list: its figure in the source scrolls into view.
    store = Store.open(db)
    facts = {f["quantity_text"]: f for f in store.facts() if f["doc"] == NAME}
    target = facts["446人"]
    page.click(f"#fact-{target['id']} .fields")
    page.wait_for_selector(f"#fig-{target['id']}.current")
    assert in_viewport(page, f"#fig-{target['id']}")
    assert page.inner_text(f"#fig-{target['id']}") == "446人"

    # Accept one fact with a note, correct another's value and place.
    accept, correct = facts["35732人"], facts["25271人"]
    item = page.locator(f"#fact-{accept['id']}")
    item.locator("input[name=note]").fill("核对原文 ok")
    item.locator("button[data-action=accepted]").click()
    page.wait_for_selector(f"#fact-{accept['id']}.status-accepted")
    item = page.locator(f"#fact-{correct['id']}")
    item.locator("button[data-action=correct]").click()
    item.locator("input[name=value]").fill("25300")
    item.locator("input[name=place]").fill("浙江省")
    item.locator("button[data-action=corrected]").click()
    page.wait_for_selector(f"#fact-{correct['id']}.status-corrected")
    bad = page.locator(f"#fact-{facts['7473人']['id']}")  # a wrong correction is refused
    bad.locator("button[data-action=correct]").click()
    bad.locator("input[name=year]").fill("twenty")
    bad.locator("button[data-action=corrected]").click()
    page.wait_for_selector(f"#fact-{facts['7473人']['id']} .error:has-text('is not a year')")

    # Reload: the decisions come from the database.
    page.reload()
    page.wait_for_selector("li.fact")
    assert "已确认 accepted" in page.inner_text(f"#fact-{accept['id']} .status")
    assert "核对原文 ok" in page.inner_text(f"#fact-{accept['id']}")
    corrected = page.inner_text(f"#fact-{correct['id']}")
    assert "已更正 corrected" in corrected and "25,300 人" in corrected and "浙江省" in corrected
    assert "value = 25,271 人" in corrected
    assert page.get_attribute(f"#fig-{correct['id']}", "class").endswith("status-corrected")
    assert {(d.fact_id, d.status, d.reviewer) for d in decisions(Store.open(db))} == {
        (accept["id"], "accepted", "e2e"),
        (correct["id"], "corrected", "e2e"),
    }

    # Re-ingest an updated bulletin (new sha256, so new fact ids): the decisions follow.
    path = corpus / NAME
    path.write_text("【网络版】\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert ingest([corpus], db).processed == [str(path)]
    open_bulletin(page, url, NAME)
    after = {f["quantity_text"]: f for f in Store.open(db).facts() if f["doc"] == NAME}
    assert after["25271人"]["id"] != correct["id"]
    moved = page.inner_text(f"#fact-{after['25271人']['id']}")
    assert "已更正 corrected" in moved and "25,300 人" in moved
    assert "已确认 accepted" in page.inner_text(f"#fact-{after['35732人']['id']} .status")
    page.click(f"#fact-{after['25271人']['id']} .fields")
    page.wait_for_selector(f"#fig-{after['25271人']['id']}.current")
    page.screenshot(path=str(ARTIFACTS / "review_page.png"))
    assert page.errors == []  # type: ignore[attr-defined]

    # A bulletin holding markup shows it as text and runs none of it.
    open_bulletin(page, url, "evil.txt")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0
    assert "<script>window.__pwned=1</script>" in page.inner_text("article.doc")
    assert 'onerror="window.__pwned=2"' in page.inner_text("article.doc")
    page.screenshot(path=str(ARTIFACTS / "review_escaped.png"))


def test_static_report_in_browser(server: tuple[str, Path], tmp_path: Path, page) -> None:  # type: ignore[no-untyped-def]
    _url, db = server
    out = tmp_path / "report.html"
    write_report(Store.open(db), out)
    page.goto(out.as_uri())
    assert page.locator("button").count() == 0
    fact = next(f for f in Store.open(db).facts() if f["quantity_text"] == "1466个")
    page.click(f"#fact-{fact['id']} .fields")
    page.wait_for_selector(f"#fig-{fact['id']}.current")
    assert in_viewport(page, f"#fig-{fact['id']}")
    assert page.evaluate("window.__pwned") is None and page.locator("img").count() == 0
    assert page.errors == []  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"))


@contextmanager
def datasette(db: Path) -> Iterator[str]:
    """`bulletin-nlp serve` over ``db`` on a free port, in a thread (prepared first)."""
    from bulletin_nlp import datasette_app as serve

    store = Store.open_existing(db, write=True)
    serve.prepare(store)
    metadata = serve.build_metadata(store)
    store.db.conn.close()
    port = free_port()
    with running(serve.app(db, port, metadata), port, "datasette"):
        yield f"http://127.0.0.1:{port}/{serve.database_name(db)}"


def progress(pg) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    box = pg.locator("#progress")
    return tuple(int(box.locator(f".n-{n}").inner_text()) for n in ("reviewed", "total", "left"))  # type: ignore[return-value]


def run_notebook(db: Path) -> str:
    """The notebook run top to bottom over ``db``; the text of its outputs."""
    import nbformat
    from nbclient import NotebookClient

    notebook = ROOT / "notebooks" / "explore_facts.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    mp = pytest.MonkeyPatch()
    mp.setenv("BULLETIN_DB", str(db))
    try:
        NotebookClient(
            nb, timeout=180, kernel_name="python3",
            resources={"metadata": {"path": str(notebook.parent)}},
        ).execute()
    finally:
        mp.undo()
    cell = next(c for c in nb.cells if "reviewed" in c.metadata.get("tags", []))
    return "".join(
        o.get("text", "") + o.get("data", {}).get("text/html", "") for o in cell.outputs
    )


def test_keyboard_decisions_reach_researchers(server: tuple[str, Path], page) -> None:  # type: ignore[no-untyped-def]
    """Reject one fact and correct another with the keyboard in the review page, accept a
    third: the progress count follows; then the CLI `facts` and `export`, a Datasette
    canned query (running all along) and the notebook leave the rejected fact out and
    show the corrected value with the extracted one."""
    from click.testing import CliRunner

    from bulletin_nlp.cli import main

    url, db = server
    in_doc = [f for f in Store.open(db).facts() if f["doc"] == NAME]
    facts = {f["quantity_text"]: f for f in in_doc}
    reject, correct = facts["7473人"], facts["25271人"]
    with datasette(db) as ds:
        before = json.loads(urlopen(f"{ds}/place_figures.json?_shape=array&place=" + quote("台州")).read())
        assert {reject["id"], correct["id"]} <= {r["id"] for r in before}

        open_bulletin(page, url, NAME)
        reviewed, total, left = progress(page)
        assert (reviewed, left) == (0, total) and total == len(in_doc)
        page.keyboard.press("j")  # the first fact
        first = page.get_attribute("li.fact.selected", "data-fact")
        assert first == page.get_attribute("li.fact >> nth=0", "data-fact")
        page.keyboard.press("j")
        page.keyboard.press("k")
        assert page.get_attribute("li.fact.selected", "data-fact") == first

        page.click(f"#fact-{correct['id']} .fields")  # c: correct, type, Enter
        page.keyboard.press("c")
        assert page.evaluate("document.activeElement.name") == "value"
        page.keyboard.type("25300")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#fact-{correct['id']}.status-corrected")
        page.keyboard.press("Escape")
        assert progress(page) == (1, total, total - 1)

        page.click(f"#fact-{reject['id']} .fields")  # select it, then r: reject
        page.keyboard.press("r")
        page.wait_for_selector(f"#fact-{reject['id']}.status-rejected")
        # the selection moved on to the next fact left to review
        moved = page.get_attribute("li.fact.selected", "data-fact")
        assert moved not in (reject["id"], correct["id"])
        assert "status-unreviewed" in page.get_attribute(f"#fact-{moved}", "class")
        page.keyboard.press("a")  # accept that one
        page.wait_for_selector(f"#fact-{moved}.status-accepted")
        assert progress(page) == (3, total, total - 3)
        page.keyboard.press("n")  # next unreviewed: an unreviewed fact is selected
        assert "status-unreviewed" in page.get_attribute("li.fact.selected", "class")
        page.keyboard.press("u")  # undo nothing on an unreviewed fact is harmless
        page.reload()
        page.wait_for_selector("li.fact")
        assert progress(page) == (3, total, total - 3)  # from the database

        # The index: filters and what is left, per bulletin.
        page.goto(url + "/?status=rejected")
        assert page.locator("select[name=status]").input_value() == "rejected"
        assert "left to review: 0 / 1 " in page.inner_text("#left")  # 1 rejected, 0 left
        page.goto(url + "/")
        row = page.locator(f"tr:has-text('{NAME}')")
        assert f"3/{total}" in row.inner_text()
        page.select_option("select[name=doc]", label="evil.txt")  # a filter submits itself
        page.wait_for_url("**/?*doc=*")
        assert page.locator(".doc-index tbody tr").count() == 1
        page.screenshot(path=str(ARTIFACTS / "review_index_filtered.png"))
        assert page.errors == []  # type: ignore[attr-defined]

        # Datasette, running all along: the canned query already reflects both decisions.
        after = json.loads(urlopen(f"{ds}/place_figures.json?_shape=array&place=" + quote("台州")).read())
        by_id = {r["id"]: r for r in after}
        assert reject["id"] not in by_id
        assert (by_id[correct["id"]]["value"], by_id[correct["id"]]["original_value"]) == (25300.0, 25271.0)
        assert by_id[correct["id"]]["review_status"] == "corrected"
        rejected = json.loads(urlopen(f"{ds}/rejected_facts.json?_shape=array").read())
        assert [r["id"] for r in rejected] == [reject["id"]]

    # The CLI: facts and export.
    runner = CliRunner()
    table = runner.invoke(main, ["facts", "--db", str(db), "--place", "台州"])
    assert reject["id"][:10] not in table.output
    line = next(x for x in table.output.splitlines() if correct["id"][:10] in x)
    assert "25,300 人 (was 25,271 人)" in line and "corrected" in line
    exported = runner.invoke(main, ["export", "--db", str(db), "--format", "csv", "--out", "-"])
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(exported.output))}
    assert reject["id"] not in rows
    assert (rows[correct["id"]]["value"], rows[correct["id"]]["original_value"]) == ("25300.0", "25271.0")
    every = runner.invoke(main, ["export", "--db", str(db), "--format", "csv", "--out", "-", "--status", "all"])
    assert reject["id"] in every.output

    # The notebook.
    text = run_notebook(db)
    assert "1 corrected, 1 rejected (left out)" in text
    corrected_table, rejected_table = text.split("</table>")[:2]
    assert correct["id"] in corrected_table and "25300.0" in corrected_table and "25271.0" in corrected_table
    assert reject["id"] in rejected_table and reject["id"] not in corrected_table


def test_datasette_chart_and_search_in_browser(tmp_path: Path, page) -> None:  # type: ignore[no-untyped-def]
    """The time-series query drawn by datasette-vega, the search box finding a word
    longer than two characters, the facets of facts_browse above the fold."""
    from bulletin_nlp import datasette_app as serve

    from ..conftest import SAMPLES

    db = tmp_path / "bulletins.db"
    assert not ingest([SAMPLES], db).failed
    ARTIFACTS.mkdir(exist_ok=True)
    spec = serve.spec().queries["metric_time_series"].model_copy(
        update={"example": {"metric": "certified_social_workers", "place": "浙江省"}}
    )
    with datasette(db) as ds:
        root = ds.rsplit("/", 1)[0]
        page.goto(root + serve.chart_url(serve.database_name(db), "metric_time_series", spec))
        page.wait_for_selector(".vega-embed canvas, .vega-embed svg")
        assert page.locator("input[value=line]").is_checked()
        page.screenshot(path=str(ARTIFACTS / "datasette_chart.png"), full_page=True)
        page.goto(ds + "/sentences?_search=" + quote("社工站"))
        rows = page.locator("table.rows-and-columns tbody tr")
        assert rows.count() >= 1 and all("社工站" in "".join(t.split()) for t in rows.all_inner_texts())
        page.goto(ds + "/facts_browse")
        facets = page.locator(".facet-results").bounding_box()
        assert facets is not None and facets["y"] < 1000  # facets above the fold
        page.screenshot(path=str(ARTIFACTS / "datasette_facts_browse.png"))
