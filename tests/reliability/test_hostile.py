"""Hostile text: SQL in every CLI filter is data, markup in a bulletin renders inert in
the report, and the review server refuses paths that try to leave where they belong."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bulletin_nlp.review_server import STATIC, create_app

from .conftest import DATA_TABLES, cli, snapshot

INJECTIONS = [
    "' OR '1'='1",
    "x'; DROP TABLE facts; --",
    "%' OR 1=1 --",
    '" OR ""="',
    "1) UNION SELECT id, raw FROM documents --",
    "%",
    "_",
    "社工' OR 1=1 /*",
]
# command -> how to put the hostile string in one of its filters
FILTERS = {
    "facts --metric": lambda db, s: ["facts", "--db", db, "--format", "json", "--metric", s],
    "facts --place": lambda db, s: ["facts", "--db", db, "--format", "json", "--place", s],
    "facts --year": lambda db, s: ["facts", "--db", db, "--format", "json", "--year", s],
    "facts --org": lambda db, s: ["facts", "--db", db, "--format", "json", "--org", s],
    "export --metric": lambda db, s: ["export", "--db", db, "--format", "jsonl", "--out", "-", "--metric", s],
    "export --org": lambda db, s: ["export", "--db", db, "--format", "jsonl", "--out", "-", "--org", s],
    "export --place": lambda db, s: ["export", "--db", db, "--format", "jsonl", "--out", "-", "--place", s],
    "search": lambda db, s: ["search", s, "--db", db, "--json"],
    "show": lambda db, s: ["show", s, "--db", db],
}
# A refusal is fine (an unknown place or metric, a bad year, no such fact): it must be a message.
REFUSALS = ("unknown place", "unknown metric", "bad year filter", "no fact with id")


@pytest.mark.parametrize("hostile", INJECTIONS)
@pytest.mark.parametrize("command", list(FILTERS))
def test_sql_in_filters_is_data(command: str, hostile: str, stored_db: Path) -> None:
    before = snapshot(stored_db)
    result = cli(*FILTERS[command](stored_db, hostile))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert snapshot(stored_db) == before
    if result.exit_code:
        assert result.exit_code == 1 and any(r in result.output for r in REFUSALS), result.output
        return
    # Nothing matches a string no fact holds: an injected OR would have returned rows.
    out = result.output.strip()
    assert out in ("", "[]"), out[:300]


def test_filters_still_find_real_values(stored_db: Path) -> None:
    """The same commands do return rows for ordinary values (the check above means something)."""
    rows = json.loads(cli("facts", "--db", stored_db, "--format", "json").output)
    assert rows
    metric = rows[0]["metric"]
    found = json.loads(cli("facts", "--db", stored_db, "--format", "json", "--metric", metric).output)
    assert found and all(r["metric"] == metric for r in found)
    assert cli("search", "社工", "--db", stored_db, "--json").output.strip()


HOSTILE_BULLETIN = """<script>alert("x1")</script>社区治理新闻
2022年4月26日，浙江省民政厅发布："><img src=x onerror=alert('x2')>全省共建成社工站1200个。
' onmouseover='alert(3)' data-x=' 持证社工人数达3.5万人。</textarea><svg onload=alert(4)>
{{ 7*7 }}{% raw %}${7*7}<!-- comment --><a href="javascript:alert(5)">链接</a>
"""


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def test_markup_in_a_bulletin_renders_inert_in_the_report(stored_db: Path, tmp_path: Path) -> None:
    src = tmp_path / "hostile.txt"
    src.write_text(HOSTILE_BULLETIN, encoding="utf-8")
    assert cli("ingest", src, "--db", stored_db).exit_code == 0
    out = tmp_path / "report.html"
    result = cli("report", "--db", stored_db, "--out", out)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("img", "svg", "iframe"), (tag, attrs)
        for name, value in attrs.items():
            assert not (name.startswith("on") and "alert" in (value or "")), (tag, attrs)
            assert "javascript:" not in (value or ""), (tag, attrs)
            assert name != "data-x", (tag, attrs)  # the quote did not break out
    assert not any("alert(" in s for s in parser.scripts)  # only the report's own code
    assert "&lt;script&gt;alert(" in html
    assert "onerror=alert(" in html.replace("&#39;", "'")  # shown as text, escaped
    assert "{{ 7*7 }}" in html and "${7*7}" in html  # not evaluated as a template


@pytest.fixture()
def client(stored_db: Path) -> TestClient:
    return TestClient(create_app(stored_db, reviewer="tester"), base_url="http://127.0.0.1:8002")


@pytest.fixture()
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOPSECRET", encoding="utf-8")
    return path


def _traversals(secret: Path) -> list[str]:
    rel = os.path.relpath(secret, STATIC).replace(os.sep, "/")
    enc = rel.replace(".", "%2e").replace("/", "%2f")
    return [
        f"/static/{enc}",
        f"/static/{rel.replace('..', '%2e%2e')}",
        f"/static/{rel.replace('/', '%5c')}",
        f"/static/%2f{str(secret).lstrip('/').replace('/', '%2f')}",
        f"/static/{rel.replace('..', '%252e%252e')}",  # double-encoded
        "/static/review.css%00.txt",
        "/static/c:%5cwindows%5cwin.ini",
        f"/doc/{enc}",
        "/doc/..%2f..%2fetc%2fpasswd",
        "/doc/%2e%2e",
    ]


def test_review_server_refuses_traversal_in_every_path_argument(
    client: TestClient, secret: Path
) -> None:
    for url in _traversals(secret):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "TOPSECRET" not in response.text, url
    for fact_id in ("..%2f..%2fetc%2fpasswd", "%2e%2e", "abc123%2f..%2f.."):
        response = client.post(
            f"/api/facts/{fact_id}/decision", json={"status": "accepted"},
            headers={"origin": "http://127.0.0.1:8002"},
        )
        assert response.status_code == 404, fact_id
    assert client.get("/static/review.css").status_code == 200  # the real files still serve


def test_review_import_of_a_file_outside_is_a_clear_error(stored_db: Path, secret: Path) -> None:
    before = snapshot(stored_db, DATA_TABLES + ("reviews",))
    result = cli("review", "--db", stored_db, "--import", secret)
    assert result.exit_code == 1
    assert f"{secret}: 1 bad decision(s)" in result.output
    assert "TOPSECRET" not in result.output  # the file's content is not echoed back
    assert snapshot(stored_db, DATA_TABLES + ("reviews",)) == before
