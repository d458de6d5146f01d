"""The static report and the review server: highlighting, escaping, decisions over HTTP,
refused paths and hosts."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from bulletin_nlp.cli import main
from bulletin_nlp.ingest import ingest
from bulletin_nlp.report import highlight, render_report
from bulletin_nlp.review import decisions
from bulletin_nlp.review_server import STATIC, create_app, safe_path
from bulletin_nlp.store import Store

from .conftest import CORPUS

NAME = "001_2334c34440bd53e7.txt"
EVIL = (
    "测试<script>window.__pwned=1</script>简报\n\n"
    '2023年，台州市持证社工达25271人"><img src=x onerror="window.__pwned=2">，'
    "其中<b>助理社会工作者</b>。\n"
)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / NAME, folder / NAME)
    (folder / "evil.txt").write_text(EVIL, encoding="utf-8")
    assert not ingest([folder], tmp_path / "r.db").failed
    return Store.open(tmp_path / "r.db")


def doc_id(store: Store, name: str) -> str:
    return next(store.db.query("select id from documents where name = ?", [name]))["id"]


def test_highlight_marks_mentions_and_figures() -> None:
    raw = "据<民政部>统计，全国共73.7万人。"
    mentions = [
        {"start": 2, "end": 5, "type": "ORG", "norm": "民政部"},
        {"start": 12, "end": 18, "type": "QUANTITY", "norm": '{"value": 737000, "unit": "人", "approx": "exact"}'},
    ]
    facts = [{"id": "f1", "quantity_start": 12, "quantity_end": 18, "review_status": "accepted"}]
    assert highlight(raw, 0, len(raw), mentions, facts) == (
        '据&lt;<span class="m m-ORG" title="ORG: 民政部">民政部</span>&gt;统计，全国共'
        '<span class="m m-QUANTITY fig status-accepted" title="QUANTITY: 737000 人 exact" '
        'data-fact="f1" id="fig-f1">73.7万人</span>。'
    )


def test_highlight_splits_a_figure_across_a_mention_edge() -> None:
    raw = "共10余\n万人"
    mentions = [{"start": 1, "end": 4, "type": "QUANTITY", "norm": None}]
    facts = [{"id": "f2", "quantity_start": 1, "quantity_end": 7, "review_status": "unreviewed"}]
    html = highlight(raw, 0, len(raw), mentions, facts)
    assert html.count('data-fact="f2"') == 2 and html.count('id="fig-f2"') == 1
    assert re.sub(r"<[^>]+>", "", html) == raw


def test_report_escapes_document_text(store: Store) -> None:
    html = render_report(store)
    assert "<script>window" not in html and "<img" not in html and "<b>" not in html
    assert "测试&lt;script&gt;window.__pwned=1&lt;/script&gt;简报" in html
    assert "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=2&#34;&gt;" in html
    nonce = re.search(r"script-src 'nonce-([\w-]+)'", html).group(1)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [f' nonce="{nonce}"']  # our one script, allowed by the page's CSP
    assert "<button" not in html  # the static report has no review buttons


def test_report_command(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--db", store.path, "--out", str(out)])
    assert result.exit_code == 0 and result.output == f"{out}: 2 bulletins\n"
    html = out.read_text(encoding="utf-8")
    assert html.count('<article class="doc"') == 2
    assert "/static/" not in html and 'rel="stylesheet"' not in html  # self-contained
    facts = store.facts()
    assert all(f'id="fig-{f["id"]}"' in html and f'id="fact-{f["id"]}"' in html for f in facts)


def test_report_shows_findings_and_decisions(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "2023年，武汉市共通过5629人，其中，助理社会工作者4700人，社会工作者819人。\n", encoding="utf-8"
    )
    ingest([folder], tmp_path / "c.db")
    store = Store.open(tmp_path / "c.db")
    total = next(f for f in store.facts() if f["quantity_text"] == "5629人")
    from bulletin_nlp.review import decide

    decide(store, total["id"], "corrected", value="5519", note="<i>typo</i>", reviewer="li")
    html = render_report(store)
    assert "No findings." in html  # 4700 + 819 = 5519: the correction resolves it
    assert "已更正 corrected" in html and "5,519 人" in html and "value = 5,629 人" in html
    assert "&lt;i&gt;typo&lt;/i&gt;" in html
    decide(store, total["id"], "unreviewed")
    html = render_report(store)
    assert 'class="finding sev-error"' in html and "short by 110" in html


@pytest.mark.parametrize(
    "path",
    ["../report.py", "../../pyproject.toml", "/etc/passwd", "..\\report.py", "a/../../x",
     "", "C:/x", "review.css\x00.js", "missing.css"],
)
def test_safe_path_refuses(path: str) -> None:
    assert safe_path(STATIC, path) is None


def test_safe_path_allows_static_files() -> None:
    assert safe_path(STATIC, "review.css") == (STATIC / "review.css").resolve()


@pytest.fixture()
def client(store: Store) -> TestClient:
    return TestClient(create_app(store.path, reviewer="tester"), base_url="http://127.0.0.1:8002")


def test_pages(client: TestClient, store: Store) -> None:
    index = client.get("/")
    assert index.status_code == 200 and NAME in index.text and "evil.txt" in index.text
    assert "default-src 'none'" in index.headers["content-security-policy"]
    page = client.get(f"/doc/{doc_id(store, 'evil.txt')}")
    assert page.status_code == 200
    assert "<script>window" not in page.text and "<img" not in page.text
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/review.js">']
    assert 'data-action="accepted"' in page.text and 'value="tester"' in page.text
    assert client.get("/static/review.js").status_code == 200
    assert client.get("/doc/ffffffffffff").status_code == 404
    assert client.get("/doc/..%2f..%2fetc").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/static/%2e%2e/report.py", "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
     "/static/..%2freport.py", "/static/%2fetc%2fpasswd", "/static/..%5creport.py"],
)
def test_static_refuses_traversal(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404 and "import" not in response.text


def test_other_hosts_are_refused(store: Store) -> None:
    evil = TestClient(create_app(store.path), base_url="http://attacker.example")
    assert evil.get("/").status_code == 400


def test_decision_over_http(client: TestClient, store: Store) -> None:
    fact = next(f for f in store.facts() if f["quantity_text"] == "35732人")
    url = f"/api/facts/{fact['id']}/decision"
    ok = client.post(url, json={"status": "corrected", "value": "35733", "note": "<b>n</b>"})
    assert ok.status_code == 200
    data = ok.json()
    assert data["fact"]["value"] == 35733.0 and data["fact"]["reviewer"] == "tester"
    assert data["html"].startswith(f'<li class="fact status-corrected" id="fact-{fact["id"]}"')
    assert "&lt;b&gt;n&lt;/b&gt;" in data["html"]
    bad = client.post(url, json={"status": "corrected", "metric": "nope"})
    assert bad.status_code == 400 and bad.json() == {"error": "unknown metric 'nope' (see rules/metrics.yaml)"}
    form = client.post(url, data={"status": "accepted"})
    assert form.status_code == 415
    foreign = client.post(url, json={"status": "accepted"}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert client.post("/api/facts/zzz/decision", json={"status": "accepted"}).status_code == 404
    assert [(d.status, d.value) for d in decisions(Store.open(store.path))] == [("corrected", 35733.0)]
    export = client.get("/api/decisions.jsonl")
    assert [json.loads(line)["fact_id"] for line in export.text.splitlines()] == [fact["id"]]
    findings = client.get("/api/findings").json()
    assert isinstance(findings, list)
