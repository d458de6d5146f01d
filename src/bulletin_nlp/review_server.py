"""The review web app (``bulletin-nlp review``): a Starlette app on 127.0.0.1.

Pages: ``/`` lists the bulletins with their progress and the findings, filtered by
finding kind, review status, bulletin and metric (``?kind=&status=&doc=&metric=``), with
what is left to review; ``/doc/{id}`` shows one bulletin with its highlighted text, its
facts and the buttons (and keys) that record decisions through
``POST /api/facts/{id}/decision``; ``/next-unreviewed`` goes to the next bulletin with a
fact left to review; ``/api/decisions.jsonl`` downloads the decisions. Each decision
also refreshes the stored findings (``check_findings``), so Datasette shows them.

The server only listens on the loopback interface, answers only requests addressed to
127.0.0.1 or localhost (so a web page elsewhere cannot reach it through DNS rebinding),
takes decisions only as JSON from its own origin, sends a Content-Security-Policy
allowing only its own script, and serves files only from its static folder: a path that
leaves it (``..``, absolute, backslashes) is refused.

A decision's body is read up to :data:`MAX_BODY` bytes and no further; its fields are
validated (finite, sane values; bounded lengths) and it is saved only when the whole
request succeeds. A database that disappears or breaks while the server runs gives a
one-line 503 answer, never a traceback.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .check import check, store_findings
from .errors import BulletinError
from .io import LOOPBACK, check_port
from .report import (
    FINDINGS_PER_PAGE,
    STATIC,
    document_view,
    documents,
    environment,
    fact_item_view,
    index_view,
    metric_choices,
    render,
)
from .review import decide, default_reviewer, export_decisions, fact_view
from .store import Store

HOST = LOOPBACK
#: The filters of the review index (query parameters).
FILTERS = ("kind", "status", "doc", "metric")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
#: Largest request body taken (a decision is a few hundred bytes of JSON).
MAX_BODY = 64 * 1024
_ID_RE = re.compile(r"^[0-9a-f]{6,64}$")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def safe_path(root: Path, relative: str) -> Path | None:
    """``root/relative`` if it names a file inside ``root``; None for anything that
    tries to leave it (``..``, an absolute path, a backslash, a drive) or is missing."""
    if not relative or "\\" in relative or "\x00" in relative or relative.startswith("/"):
        return None
    parts = PurePosixPath(relative).parts
    if any(p in ("..", ".") or ":" in p for p in parts):
        return None
    base = root.resolve()
    try:
        path = (base / relative).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            return None
    except (OSError, ValueError):  # a name too long for the file system, and the like
        return None
    return path


def create_app(db_path: str | Path, reviewer: str | None = None) -> Starlette:
    """The review app over the database at ``db_path`` (which must exist)."""
    db_file = Path(db_path)
    Store.open_existing(db_file, write=True).db.conn.close()  # fail early, and upgrade
    who = reviewer or default_reviewer()

    def open_store(write: bool = False) -> Store:
        # One connection per request: handlers run in worker threads, and an ingest may
        # write meanwhile (WAL lets both proceed). Pages only read.
        return Store.open_existing(db_file, write=write)

    def page(html: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(html, status_code=status)

    def index(request: Request) -> Response:

        filters = {k: request.query_params.get(k, "")[:200] for k in FILTERS}
        try:
            page_no = int(request.query_params.get("page", "1"))
        except ValueError:
            page_no = 1
        store = open_store()
        try:
            findings = check(store)
            view = index_view(store, findings, filters, page_no)
            kept = {k: v for k, v in view["filters"].items() if v}

            def page_url(n: int) -> str:
                return "/?" + urlencode({**kept, "page": n})

            pager = {
                "page": view["page"],
                "pages": view["pages"],
                "start": (view["page"] - 1) * FINDINGS_PER_PAGE + 1,
                "prev": page_url(view["page"] - 1) if view["page"] > 1 else None,
                "next": page_url(view["page"] + 1) if view["page"] < view["pages"] else None,
            }
            html = render(
                "index.html",
                interactive=True,
                inline=None,
                db_name=db_file.name,
                view=view,
                filtered=bool(kept),
                pager=pager,
                link=lambda fact_id, doc_id: f"/doc/{doc_id}#fig-{fact_id}",
            )
        finally:
            store.db.conn.close()
        return page(html)

    def next_unreviewed(request: Request) -> Response:
        """The next bulletin (after ``after``, in name order, wrapping round) with a fact
        left to review, at its first such fact; the index when none is left."""
        after = request.query_params.get("after", "")
        store = open_store()
        try:
            docs = [d for d in documents(store, []) if d["unreviewed"]]
            names = [d["id"] for d in documents(store, [])]
            start = names.index(after) + 1 if after in names else 0
            order = names[start:] + names[:start]
            target = next((i for i in order if any(d["id"] == i for d in docs)), None)
            if target is None:
                return RedirectResponse("/?done=1", status_code=303)
            first = store.conn.execute(
                "select v.id from facts_view v join facts f on f.id = v.id where f.doc_id = ? "
                "and v.review_status = 'unreviewed' order by v.quantity_start limit 1",
                [target],
            ).fetchone()
        finally:
            store.db.conn.close()
        return RedirectResponse(f"/doc/{target}#fig-{first[0]}", status_code=303)

    def document(request: Request) -> Response:
        doc_id = request.path_params["doc_id"]
        if not _ID_RE.match(doc_id):
            return page("no such bulletin", 404)
        store = open_store()
        try:
            findings = check(store)
            docs = documents(store, findings)
            ids = [d["id"] for d in docs]
            if doc_id not in ids:
                return page("no such bulletin", 404)
            i = ids.index(doc_id)
            html = render(
                "document.html",
                interactive=True,
                inline=None,
                view=document_view(store, doc_id, findings),
                prev=docs[i - 1] if i > 0 else None,
                next=docs[i + 1] if i + 1 < len(docs) else None,
                reviewer=who,
                link=lambda fact_id, d: (
                    f"#fig-{fact_id}" if d == doc_id else f"/doc/{d}#fig-{fact_id}"
                ),
            )
        finally:
            store.db.conn.close()
        return page(html)

    def static(request: Request) -> Response:
        path = safe_path(STATIC, request.path_params["path"])
        if path is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return FileResponse(path)

    async def post_decision(request: Request) -> Response:
        fact_id = request.path_params["fact_id"]
        if not _ID_RE.match(fact_id):
            return JSONResponse({"error": "no such fact"}, status_code=404)
        origin = request.headers.get("origin")
        if origin is not None and origin not in _origins(request):
            return JSONResponse({"error": "cross-origin request refused"}, status_code=403)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"error": "send the decision as JSON"}, status_code=415)
        data = await _read_body(request)
        if data is None:
            return JSONResponse(
                {"error": f"request body too large (at most {MAX_BODY:,} bytes)"}, status_code=413
            )
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):
            return JSONResponse({"error": "malformed JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "expected a JSON object"}, status_code=400)
        store = open_store(write=True)
        conn = store.db.conn
        try:
            # Saved only if everything succeeds, the answer's HTML included.
            row = decide(
                store,
                fact_id,
                str(body.get("status", ""))[:100],
                value=_text(body.get("value")),
                metric=_text(body.get("metric")),
                place=_text(body.get("place")),
                year=_text(body.get("year")),
                note=_text(body.get("note")),
                reviewer=_text(body.get("reviewer")) or who,
                commit=False,
            )
            html = _fact_html(store, fact_id)
            conn.commit()
        except BulletinError as exc:
            conn.rollback()
            return JSONResponse({"error": str(exc)}, status_code=400)
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()
        return JSONResponse({"fact": row, "html": html})

    def findings_json(request: Request) -> Response:
        store = open_store()
        try:
            return JSONResponse([f.model_dump() for f in check(store)])
        finally:
            store.db.conn.close()

    def decisions_jsonl(request: Request) -> Response:

        store = open_store()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "decisions.jsonl"
                export_decisions(store, out)
                data = out.read_bytes()
        finally:
            store.db.conn.close()
        return Response(
            data,
            media_type="application/x-ndjson",
            headers={"Content-Disposition": 'attachment; filename="decisions.jsonl"'},
        )

    routes = [
        Route("/", index),
        Route("/next-unreviewed", next_unreviewed),
        Route("/doc/{doc_id}", document),
        Route("/static/{path:path}", static),
        Route("/api/facts/{fact_id}/decision", post_decision, methods=["POST"]),
        Route("/api/findings", findings_json),
        Route("/api/decisions.jsonl", decisions_jsonl),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(TrustedHostMiddleware, allowed_hosts=ALLOWED_HOSTS),
    ]
    handlers = {BulletinError: _unavailable, sqlite3.Error: _unavailable}
    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)


def _unavailable(request: Request, exc: Exception) -> Response:
    """The database is gone, unreadable or broken: one line, no traceback (503)."""
    message = str(exc) if isinstance(exc, BulletinError) else f"database error ({exc})"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=503)
    return Response(message + "\n", status_code=503, media_type="text/plain; charset=utf-8")


async def _read_body(request: Request) -> bytes | None:
    """The request body, or None once it passes :data:`MAX_BODY` (read no further)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        return None
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            return None
    return bytes(data)


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _origins(request: Request) -> set[str]:
    port = request.url.port
    suffix = f":{port}" if port else ""
    return {f"{request.url.scheme}://{host}{suffix}" for host in ALLOWED_HOSTS}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _fact_html(store: Store, fact_id: str) -> str:
    """One fact's list item, rendered as on the page (after a decision)."""
    labels = dict(metric_choices())
    item = fact_item_view(fact_view(store, fact_id), labels)
    findings = check(store)
    # The decision may resolve a finding (or make one): keep the stored ones current, in
    # the same transaction as the decision.
    store_findings(store, findings, trigger="review", commit=False)
    item["findings"] = [f for f in findings if any(x.id == fact_id for x in f.facts)]
    macros = environment().get_template("_macros.html").module
    return str(macros.fact_item(item, True, metric_choices()))  # type: ignore[attr-defined]


def serve(
    db_path: str | Path,
    port: int = 8002,
    reviewer: str | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the review app on 127.0.0.1 until interrupted."""
    import uvicorn

    app = create_app(db_path, reviewer)
    check_port(port)
    if on_ready:
        on_ready(f"http://{HOST}:{port}/")
    uvicorn.run(app, host=HOST, port=port, log_level="warning")
