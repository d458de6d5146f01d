"""Fuzzing the entry points: command lines of every CLI command, and requests to the
review server, made of hostile values (issue 19).

Properties: a command ends with exit status 0, 1 or 2 and a message, never a traceback;
the review server never answers 500 (the test client re-raises any exception a handler
lets through) nor shows a traceback. A few hundred examples run in ``make test``
(``BULLETIN_NLP_ENTRY_FUZZ_EXAMPLES`` per test overrides); the ``slow`` run makes
5,000 command lines and 5,000 requests::

    BULLETIN_NLP_SLOW=1 .venv/bin/pytest tests/reliability/test_fuzz_entry_points.py -m slow
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bulletin_nlp.review_server import create_app

from .conftest import cli, copy_db

EXAMPLES = int(os.environ.get("BULLETIN_NLP_ENTRY_FUZZ_EXAMPLES", "150"))
SLOW_EXAMPLES = 5_000
FUZZ = dict(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)

HOSTILE = [
    "", " ", "-", "--", "0", "-1", "1", "2", "99999999999999999999", "-99999999999999999999",
    "9223372036854775807", "9223372036854775808", "1e400", "-1e400", "nan", "inf", "NaN",
    "1,000", "２０２２", "²³", "2030-2020", "2022-", "-2022", "2021-2023", "0000", "10000",
    "' OR 1=1 --", '" OR ""="', "%", "_", "\\", "/", "..", "../../etc/passwd", "/dev/null",
    "/dev/full", "/dev/zero", "\x00", "\x1b]0;PWNED\x07", "\u202e", "\x9b", "\r\n", "\n",
    "社工", "社工站", "浙江省", "全国", "台州", "330000", "331000", "100000", "999999", "1",
    "social_work_stations", "other", "actual", "target", "accepted", "rejected", "corrected",
    "unreviewed", "abcdef", "0" * 20, "a" * 64, "𠀀😀", "\ud800", "NULL",
    '{"a": 1}', "[1, 2]", "<script>alert(1)</script>", "${7*7}", "{{7*7}}",
]
LONG = st.sampled_from([300, 5000]).map(lambda n: "x" * n)  # past a file name's limit
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30), LONG)
SAMPLE = "2022年4月26日，浙江省民政厅召开会议。全省共建成社工站1200个，持证社工3500人。\n"


@pytest.fixture(scope="module")
def scratch(stored_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    return {
        "folder": folder,
        "read": copy_db(stored_template, folder / "read.db"),
        "write": copy_db(stored_template, folder / "write.db"),
        "api": copy_db(stored_template, folder / "api.db"),
    }


def _fact_ids(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("select id from facts order by id")]
    finally:
        conn.close()


# -- command lines --------------------------------------------------------------------------

FILTER_OPTIONS = ["--metric", "--place", "--year", "--org", "--modality", "--limit"]


def _options(names: list[str]) -> st.SearchStrategy[list[str]]:
    pair = st.tuples(st.sampled_from(names), VALUES).map(list)
    return st.lists(pair, max_size=3).map(lambda pairs: [x for p in pairs for x in p])


def _file_bytes() -> st.SearchStrategy[bytes]:
    text = st.lists(st.sampled_from(HOSTILE + [SAMPLE, "。", "万", "亿", "个", "人"]), max_size=12)
    return st.one_of(
        text.map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass")),
        text.map(lambda parts: "".join(parts).encode("gb18030", "replace")),
        st.binary(max_size=200),
    )


@st.composite
def command_lines(draw: st.DrawFn) -> tuple[list[str], dict[str, bytes]]:
    """A command line, and the files (relative name -> bytes) it needs."""
    command = draw(st.sampled_from(
        ["facts", "search", "show", "export", "check", "extract", "ingest", "review-import",
         "eval", "report", "garbage"]
    ))
    files: dict[str, bytes] = {}
    db = ["--db", "{read}"]
    if command == "facts":
        args = ["facts", *db, *draw(_options(FILTER_OPTIONS + ["--format"]))]
    elif command == "search":
        args = ["search", draw(VALUES), *db, *draw(_options(["--limit"]))]
        args += draw(st.sampled_from([[], ["--json"]]))
    elif command == "show":
        args = ["show", draw(VALUES), *db]
    elif command == "export":
        fmt = draw(st.sampled_from(["csv", "jsonl", "parquet", "xml", ""]))
        out = draw(st.sampled_from(["-", "{folder}/out.x", "/dev/full", "{folder}", "{folder}/no/x"]))
        args = ["export", *db, "--format", fmt, "--out", out, *draw(_options(FILTER_OPTIONS))]
    elif command == "check":
        args = ["check", *db, *draw(st.sampled_from([[], ["--json"], ["--strict"]]))]
        args += draw(_options(["--today"]))
    elif command in ("extract", "ingest"):
        suffix = draw(st.sampled_from([".txt", ".md", ".html", ".htm", ".pdf", ""]))
        name = draw(st.sampled_from(["a", "b c", "社工", "x\x1b"])) + suffix
        files[name] = draw(_file_bytes())
        args = [command, "{folder}/in/" + name]
        if command == "ingest":
            args += ["--db", "{write}", "--no-progress"]
        args += draw(_options(["--issue-year"]))
    elif command == "review-import":
        line = draw(st.fixed_dictionaries(
            {"fact_id": VALUES, "status": VALUES, "decided_at": VALUES},
            optional={"value": st.one_of(VALUES, st.floats(), st.integers()), "place": VALUES,
                      "year": st.one_of(VALUES, st.integers()), "note": VALUES},
        ))
        files["d.jsonl"] = draw(st.one_of(
            st.just(json.dumps(line).encode()), st.binary(max_size=100)
        ))
        args = ["review", "--db", "{write}", "--import", "{folder}/in/d.jsonl"]
    elif command == "eval":
        files["gold/g.json"] = draw(st.one_of(st.binary(max_size=60), st.just(b'{"doc": "nope.txt"}')))
        args = ["eval", "--gold", "{folder}/in/gold", "--no-model"]
    elif command == "report":
        args = ["report", *db, "--out", draw(st.sampled_from(["{folder}/r.html", "/dev/full", "{folder}"]))]
    else:
        args = draw(st.lists(VALUES, max_size=4))
    return args, files


def run_command(scratch: dict[str, Path], args: list[str], files: dict[str, bytes]) -> None:
    inputs = scratch["folder"] / "in"
    for name, data in files.items():
        path = inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    real = []
    for arg in args:
        for key, path in scratch.items():
            arg = arg.replace("{" + key + "}", str(path))
        real.append(arg)
    result = cli(*real)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{real!r} raised {result.exception!r}\n{result.output}"
    )
    assert result.exit_code in (0, 1, 2), (real, result.output)
    assert "Traceback" not in result.output, (real, result.output)


@settings(max_examples=EXAMPLES, **FUZZ)
@given(command_lines())
def test_command_lines(scratch: dict[str, Path], line: tuple[list[str], dict[str, bytes]]) -> None:
    run_command(scratch, *line)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, **FUZZ)
@given(command_lines())
def test_command_lines_5000(scratch: dict[str, Path], line: tuple[list[str], dict[str, bytes]]) -> None:
    run_command(scratch, *line)


# -- review server requests -------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(VALUES, inner, max_size=3),
    max_leaves=8,
)
DECISION = st.fixed_dictionaries(
    {"status": st.one_of(st.sampled_from(["accepted", "rejected", "corrected", "unreviewed"]), VALUES)},
    optional={
        "value": st.one_of(VALUES, st.floats(), st.integers()),
        "metric": VALUES, "place": VALUES, "year": st.one_of(VALUES, st.integers()),
        "note": VALUES, "reviewer": VALUES,
    },
)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["decision", "decision", "decision", "page", "static", "other"]))
    headers = {"origin": draw(st.sampled_from(
        ["http://127.0.0.1:8002", "http://localhost:8002", "http://evil.example", "null"]
    ))}
    if draw(st.booleans()):
        headers["host"] = draw(st.sampled_from(["127.0.0.1:8002", "localhost", "evil.example", ""]))
    if kind == "decision":
        fact = draw(st.one_of(st.sampled_from(["{fact}"]), VALUES.map(lambda v: quote(v, safe="", errors="surrogatepass"))))
        body = draw(st.one_of(
            DECISION.map(lambda d: json.dumps(d).encode()),
            JSON.map(lambda d: json.dumps(d).encode()),
            st.binary(max_size=100),
        ))
        headers["content-type"] = draw(st.sampled_from(
            ["application/json", "application/json; charset=utf-8", "text/plain", ""]
        ))
        return {"method": "POST", "url": f"/api/facts/{fact}/decision", "body": body, "headers": headers}
    if kind == "page":
        url = draw(st.sampled_from(["/api/findings", "/api/decisions.jsonl", "/doc/{doc}", "/doc/x"]))
        return {"method": "GET", "url": url, "body": None, "headers": headers}
    if kind == "static":
        return {"method": "GET", "url": "/static/" + draw(VALUES.map(_segment)), "body": None,
                "headers": headers}
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS"]))
    return {"method": method, "url": "/" + draw(VALUES.map(_segment)).lstrip("/"),
            "body": draw(st.binary(max_size=50)), "headers": headers}


def _segment(value: str) -> str:
    """A path as a client sends it: percent-encoded, keeping ``/``, ``.`` and ``%`` so
    traversals and pre-encoded sequences reach the server as typed."""
    return quote(value, safe="/.%", errors="surrogatepass")


@pytest.fixture(scope="module")
def api(scratch: dict[str, Path]) -> tuple[TestClient, dict[str, str]]:
    db = scratch["api"]
    conn = sqlite3.connect(db)
    doc = conn.execute("select id from documents limit 1").fetchone()[0]
    conn.close()
    client = TestClient(create_app(db, reviewer="fuzz"), base_url="http://127.0.0.1:8002")
    return client, {"fact": _fact_ids(db)[0], "doc": doc}


def send(api: tuple[TestClient, dict[str, str]], request: dict[str, Any]) -> None:
    client, ids = api
    url = request["url"].replace("{fact}", ids["fact"]).replace("{doc}", ids["doc"])
    try:
        response = client.request(
            request["method"], url, content=request["body"], headers=request["headers"]
        )
    except UnicodeError:
        return  # not a request an HTTP client can send (a header that is not Latin-1)
    assert response.status_code != 500, (request, response.text[:500])
    assert "Traceback" not in response.text


@settings(max_examples=EXAMPLES, **FUZZ)
@given(requests())
def test_review_api(api: tuple[TestClient, dict[str, str]], request: dict[str, Any]) -> None:
    send(api, request)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, **FUZZ)
@given(requests())
def test_review_api_5000(api: tuple[TestClient, dict[str, str]], request: dict[str, Any]) -> None:
    send(api, request)
