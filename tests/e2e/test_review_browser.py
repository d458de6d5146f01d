"""End to end, in a real headless Chromium (Debian's ``chromium`` driven by Playwright):
open the review page, click a fact, accept one, correct another, reload, re-ingest an
updated bulletin, and see the decisions persist. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

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
    import uvicorn

    from bulletin_nlp.server import create_app

    db = tmp_path / "review.db"
    assert not ingest([corpus], db).failed
    port = free_port()
    config = uvicorn.Config(create_app(db, reviewer="e2e"), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "review server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", db
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
    pg.click(f"text={name}")
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
