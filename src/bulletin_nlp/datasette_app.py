"""Browse a bulletin database in Datasette (the optional ``[serve]`` extra).

Datasette shows names instead of codes and links between rows only through foreign keys,
which the stored tables cannot carry (a fact's place is an adcode, its evidence a span).
So :func:`prepare` rebuilds three derived tables on every start: ``places`` (adcode → name,
from the gazetteer), ``metrics`` (id → label, from ``rules/metrics.yaml``) and
``facts_browse`` (every fact with foreign keys to those, to its document, article and
evidence sentence). :func:`build_metadata` turns ``data/datasette.yaml`` (bilingual
descriptions, facets, canned queries) into Datasette metadata for one database.

The server (:func:`app`) answers only requests addressed to the host and port it is
bound to (a web page elsewhere cannot read the database through DNS rebinding), and
reports a rejected query or any other error in one log line instead of a traceback.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from collections.abc import Callable
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import BulletinError
from .io import LOOPBACK, check_port
from .store import Store
from .store.columns import BROWSED, FACT_TABLES, names
from .store.fts import fts_query

SPEC_FILE = Path(__file__).resolve().parent / "data" / "datasette.yaml"
HOST = LOOPBACK
DERIVED = ("places", "metrics", "facts_browse")


class TableSpec(BaseModel):
    """Metadata of one table."""

    model_config = ConfigDict(extra="forbid")

    description: str
    label_column: str | None = None
    facets: list[str] = []
    columns: dict[str, str] = {}


class QuerySpec(BaseModel):
    """A canned query; ``requires`` names a table it needs (left out when missing);
    ``chart`` is a datasette-vega setting (``mark=line&x_column=year...``) that a link in
    its description opens the query with."""

    model_config = ConfigDict(extra="forbid")

    title: str
    description: str
    sql: str
    requires: str | None = None
    chart: str | None = None
    example: dict[str, str] = {}


class ServeSpec(BaseModel):
    """``data/datasette.yaml``."""

    model_config = ConfigDict(extra="forbid")

    version: Literal["1"]
    title: str
    description_html: str
    tables: dict[str, TableSpec]
    queries: dict[str, QuerySpec]


@lru_cache(maxsize=1)
def spec() -> ServeSpec:
    """The metadata template, loaded and validated once per process."""
    try:
        return ServeSpec.model_validate(yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise BulletinError(f"{SPEC_FILE}: {exc}") from None


# -- derived tables -------------------------------------------------------------------


#: The foreign keys of ``facts_browse``, so that Datasette links a fact to its document,
#: article and evidence sentence and shows names for codes.
_BROWSE_REFERENCES = {
    "doc_id": "documents(id)",
    "article_id": "articles(id)",
    "sentence_id": "sentences(id)",
    "metric": "metrics(id)",
    "place": "places(adcode)",
    "province": "places(adcode)",
    "original_metric": "metrics(id)",
    "original_place": "places(adcode)",
}
#: How ``facts_reviewed`` computes the columns ``facts_view`` lacks (the rest are its own).
_BROWSE_SOURCES = {
    "doc_id": "f.doc_id",
    "article_id": "f.article_id",
    "sentence_id": """(select s.id from sentences s where s.doc_id = f.doc_id
        and s.start <= f.quantity_start and f.quantity_start < s.end
        order by s.start limit 1)""",
    "province": """case when v.place is null or v.place = '100000' then v.place
         else substr(v.place, 1, 2) || '0000' end""",
}
#: The columns of ``facts_browse`` (facts as reviewed, with foreign keys Datasette links),
#: from the one definition of a fact row.
_BROWSE_NAMES = names(BROWSED)
_BROWSE_COLUMNS = ", ".join(
    f"{c.name} {c.sql_type}"
    + (f" references {_BROWSE_REFERENCES[c.name]}" if c.name in _BROWSE_REFERENCES else "")
    for c in BROWSED
)
_REVIEWED_SELECT = ",\n    ".join(
    f"{_BROWSE_SOURCES.get(n, 'v.' + n)} as {n}" for n in _BROWSE_NAMES
)
# Facts as an editor left them: corrected values, rejected facts left out.
_REVIEWED_VIEW = f"""create view facts_reviewed as
select {_REVIEWED_SELECT}
from facts_view v join facts f on f.id = v.id
where v.review_status != 'rejected'"""
# Keep one fact's row of facts_browse as reviewed, in place (so the table keeps its order):
# gone when rejected, updated when accepted or corrected, back when a rejection is undone.
_REFRESH = """
    delete from facts_browse where id = {fid}
        and not exists (select 1 from facts_reviewed r where r.id = {fid});
    update facts_browse set ({columns}) = (select {columns} from facts_reviewed r
        where r.id = {fid}) where id = {fid};
    insert into facts_browse ({all_columns}) select {all_columns} from facts_reviewed r
        where r.id = {fid} and not exists (select 1 from facts_browse b where b.id = {fid});"""
#: Triggers on ``reviews`` that keep ``facts_browse`` current while Datasette runs and an
#: editor decides in the review page (or imports decisions).
_TRIGGERS = {
    "facts_browse_review_insert": ("after insert", ["new.fact_id"]),
    "facts_browse_review_update": ("after update", ["old.fact_id", "new.fact_id"]),
    "facts_browse_review_delete": ("after delete", ["old.fact_id"]),
}


def prepare(store: Store) -> None:
    """(Re)build ``places``, ``metrics`` and ``facts_browse`` (the facts as reviewed:
    corrected values, rejected facts left out, in order of year and place) in one
    transaction, with the view and triggers on ``reviews`` that keep ``facts_browse``
    current when an editor decides."""
    db = store.db
    names = ", ".join(_BROWSE_NAMES)
    changing = ", ".join(n for n in _BROWSE_NAMES if n != "id")
    with db.atomic():  # readers never see half-built tables
        for trigger in _TRIGGERS:
            db.execute(f"drop trigger if exists [{trigger}]")
        db.execute("drop view if exists facts_reviewed")
        for table in reversed(DERIVED):
            db.execute(f"drop table if exists [{table}]")
        db.execute(
            "create table places (adcode text primary key, name text, full_name text, "
            "level text, parent text references places(adcode))"
        )
        db.conn.executemany("insert into places values (?, ?, ?, ?, ?)", _place_rows(store))
        db.execute("create table metrics (id text primary key, label text, unit text)")
        db.conn.executemany("insert into metrics values (?, ?, ?)", _metric_rows(store))
        db.execute(_REVIEWED_VIEW)
        # A rowid table: Datasette shows it in insertion order, latest year first, then
        # by place (codes group each province), rather than by hash id.
        db.execute(f"create table facts_browse ({_BROWSE_COLUMNS})")
        db.execute(
            f"insert into facts_browse ({names}) select {names} from facts_reviewed "
            "order by year is null, year desc, place is null, place, doc_id, quantity_start"
        )
        db.execute("create unique index idx_facts_browse_id on facts_browse (id)")
        for column in ("metric", "place", "province", "year", "review_status"):
            db.execute(f"create index idx_facts_browse_{column} on facts_browse ({column})")
        for trigger, (when, ids) in _TRIGGERS.items():
            body = "".join(
                _REFRESH.format(fid=fid, columns=changing, all_columns=names) for fid in ids
            )
            db.execute(f"create trigger [{trigger}] {when} on reviews begin {body}\nend")


def _place_rows(store: Store) -> list[tuple[str, str, str, str, str | None]]:
    """Every gazetteer place down to counties, the nation, and any stored code it lacks."""
    from .gazetteer import gazetteer

    rows: dict[str, tuple[str, str, str, str, str | None]] = {
        "100000": ("100000", "全国", "全国", "nation", None)
    }
    for p in gazetteer().by_adcode.values():
        rows[p.adcode] = (p.adcode, p.name, p.full_name, p.level, p.parent or "100000")
    # Codes from rules or data the gazetteer does not list still need a name to show.
    for r in store.db.query(
        "select adcode, name, level, parent from entities where type = 'PLACE' "
        "and adcode is not null and level != 'township' order by mentions desc"
    ):
        if r["adcode"] not in rows:
            parent = r["parent"] if r["parent"] in rows else None
            rows[r["adcode"]] = (r["adcode"], r["name"], r["name"], r["level"], parent)
    for r in store.db.query(
        "select place from facts where place is not null union select place from articles "
        "where place is not null union select place from reviews where place is not null"
    ):
        rows.setdefault(r["place"], (r["place"], r["place"], r["place"], "unknown", None))
    return list(rows.values())


def _metric_rows(store: Store) -> list[tuple[str, str, str | None]]:
    """Metric ids with their labels, plus ``other`` and any stored id the rules lack."""
    from .facts import fact_rules

    rows = {m.id: (m.id, m.label, m.unit) for m in fact_rules().metrics}
    rows.setdefault("other", ("other", "其他（见 subject）/ other", None))
    for r in store.db.query("select distinct metric from facts where metric is not null"):
        rows.setdefault(r["metric"], (r["metric"], r["metric"], None))
    return list(rows.values())


# -- metadata -------------------------------------------------------------------------


def database_name(path: str | Path) -> str:
    """The name Datasette gives a database file (its stem)."""
    return Path(path).stem


#: Our stylesheet for Datasette's pages, served under this path.
STATIC_MOUNT = "bulletin-nlp-static"
STATIC_DIR = Path(__file__).resolve().parent / "data" / "datasette_static"


def chart_url(db: str, name: str, query: QuerySpec) -> str:
    """The address of a canned query opened as a datasette-vega chart."""

    fragment = "&".join(f"g.{part}" for part in (query.chart or "").split("&") if part)
    return f"/{db}/{name}?{urlencode(query.example)}#{fragment}"


def build_metadata(store: Store) -> dict[str, Any]:
    """Datasette metadata for ``store``: only tables, columns, facets and canned queries
    that this database has. Canned queries hide their SQL (``hide_sql``); one with a
    ``chart`` links to itself drawn by datasette-vega."""

    s = spec()
    present = set(store.db.table_names()) | set(store.db.view_names())
    db_name = database_name(store.path)
    tables: dict[str, Any] = {}
    for name, table in s.tables.items():
        if name not in present:
            continue
        columns = {c.name for c in store.db[name].columns}
        # The columns of a fact row are described once, with the row (store.columns).
        described = {c.name: c.description for c in FACT_TABLES.get(name, ())}
        described.update(table.columns)
        entry: dict[str, Any] = {
            "description": table.description,
            "columns": {c: d for c, d in described.items() if c in columns},
        }
        facets = [f for f in table.facets if f in columns]
        if facets:
            entry["facets"] = facets
        if table.label_column in columns:
            entry["label_column"] = table.label_column
        tables[name] = entry
    queries: dict[str, Any] = {}
    for name, q in s.queries.items():
        if q.requires is not None and q.requires not in present:
            continue
        queries[name] = {"title": q.title, "sql": q.sql, "hide_sql": True}
        if q.chart:
            link = escape(chart_url(db_name, name, q))
            queries[name]["description_html"] = (
                f'<p>{escape(q.description)}</p><p><a href="{link}">图表 / open as a '
                "chart</a> (datasette-vega; the chart settings are in the address).</p>"
            )
        else:
            queries[name]["description"] = q.description
    return {
        "title": s.title,
        "description_html": s.description_html,
        "extra_css_urls": [f"/{STATIC_MOUNT}/datasette.css"],
        "databases": {db_name: {"tables": tables, "queries": queries}},
    }


def canned(store: Store, name: str, **params: str) -> list[dict[str, Any]]:
    """Run canned query ``name`` from Python, as Datasette would (missing parameters are '')."""
    queries = build_metadata(store)["databases"][database_name(store.path)]["queries"]
    if name not in queries:
        raise BulletinError(f"no canned query {name!r} in this database: {', '.join(queries)}")
    sql = queries[name]["sql"]
    names = set(re.findall(r":(\w+)", sql))
    if unknown := set(params) - names:
        raise BulletinError(f"canned query {name!r} takes {sorted(names)}, not {sorted(unknown)}")
    return list(store.db.query(sql, {n: params.get(n, "") for n in names}))


# -- the server -----------------------------------------------------------------------


def require_datasette() -> None:
    """Fail with an install hint unless the ``[serve]`` extra is installed."""
    if importlib.util.find_spec("datasette") is None:
        raise BulletinError(
            "serve needs Datasette: pip install 'bulletin-nlp[serve]' (make run installs it)"
        )


def allowed_hosts(port: int) -> frozenset[str]:
    """The Host header values a browser sends to the bound address (and nothing else)."""
    names = {f"{HOST}:{port}", f"localhost:{port}"}
    if port == 80:
        names |= {HOST, "localhost"}
    return frozenset(names)


class HostCheck:
    """ASGI middleware: a request whose Host header is not the bound host and port gets
    400 and never reaches Datasette (the defence against DNS rebinding)."""

    def __init__(self, app: Any, port: int) -> None:
        self.app = app
        self.allowed = allowed_hosts(port)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            host = headers.get(b"host", b"").decode("latin-1").strip().lower()
            if host not in self.allowed:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                body = b"Invalid host header\n"
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def quiet_errors() -> None:
    """Replace Datasette's exception handler, which prints every error (a rejected SQL
    query included) as a traceback with local variables, and answers 500 when there is
    no exception context to print: same pages and status codes, one log line each."""

    from datasette import hookimpl
    from datasette.plugins import pm

    name = "bulletin_nlp_quiet_errors"
    if pm.get_plugin(name) is not None:
        return

    def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
        from datasette import Response
        from datasette.utils import add_cors_headers
        from datasette.utils.asgi import Base400
        from datasette.views.base import DatasetteError
        from markupsafe import Markup

        async def inner() -> Any:
            title = None
            info: dict[str, Any] = {}
            message: Any
            if isinstance(exception, Base400):
                status, message = exception.status, exception.args[0]
            elif isinstance(exception, DatasetteError):
                status, info, message = exception.status, exception.error_dict, exception.message
                if exception.message_is_html:
                    message = Markup(message)
                title = exception.title
            else:
                status, message = 500, str(exception)
            if status >= 500:  # one line, never a traceback
                print(
                    f"serve: {request.method} {request.path}: "
                    f"{type(exception).__name__}: {exception}",
                    file=sys.stderr,
                    flush=True,
                )
            info.update({"ok": False, "error": message, "status": status, "title": title})
            headers: dict[str, str] = {}
            if datasette.cors:
                add_cors_headers(headers)
            if request.path.split("?")[0].endswith(".json"):
                return Response.json(info, status=status, headers=headers)
            template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
            html = await template.render_async(
                dict(
                    info,
                    urls=datasette.urls,
                    app_css_hash=datasette.app_css_hash(),
                    menu_links=lambda: [],
                )
            )
            return Response.html(html, status=status, headers=headers)

        return inner

    plugin = types.ModuleType(name, "bulletin-nlp: Datasette errors in one log line")
    plugin.handle_exception = hookimpl(handle_exception)  # type: ignore[attr-defined]
    default = pm.get_plugin("datasette.handle_exception")
    if default is not None:
        pm.unregister(default)
    pm.register(plugin, name=name)


def bigram_search() -> None:
    """Make Datasette's search box find words of any length in the bigram index.

    Datasette quotes what is typed into the search box (``escape_fts``); our index
    holds character bigrams, so ``"社工站"`` would match nothing. This plugin registers
    an ``escape_fts`` that turns the query into its bigram phrase (``"社工 工站"``), the
    same as ``bulletin-nlp search`` and :meth:`Store.search` use; it runs after
    Datasette's own (``trylast``), so its function wins."""

    from datasette import hookimpl
    from datasette.plugins import pm

    name = "bulletin_nlp_bigram_search"
    if pm.get_plugin(name) is not None:
        return

    def escape_fts(query: str) -> str:
        return fts_query(str(query or "")) or '""'

    def prepare_connection(conn: Any) -> None:
        conn.create_function("escape_fts", 1, escape_fts, deterministic=True)

    plugin = types.ModuleType(name, "bulletin-nlp: search words of any length")
    plugin.prepare_connection = hookimpl(trylast=True)(prepare_connection)  # type: ignore[attr-defined]
    pm.register(plugin, name=name)


def app(db_path: str | Path, port: int, metadata: dict[str, Any]) -> Any:
    """The Datasette ASGI app over ``db_path``, answering only for 127.0.0.1:``port``."""
    from datasette.app import Datasette

    quiet_errors()
    bigram_search()
    ds = Datasette(
        [str(db_path)],
        metadata=metadata,
        settings={"sql_time_limit_ms": 5000, "facet_time_limit_ms": 1000},
        static_mounts=[(STATIC_MOUNT, str(STATIC_DIR))],
    )
    return HostCheck(ds.app(), port)


def serve(
    db_path: str | Path, port: int = 8001, on_ready: Callable[[str], None] | None = None
) -> None:
    """Prepare the database and serve it on 127.0.0.1 until interrupted. The arguments
    are checked first (Datasette installed, the database there and ours), then the port."""
    require_datasette()
    store = Store.open_existing(db_path, write=True)  # prepare() rebuilds derived tables
    try:
        prepare(store)
        metadata = build_metadata(store)
    finally:
        store.db.conn.close()
    check_port(port)

    import uvicorn

    asgi = app(db_path, port, metadata)
    if on_ready:
        on_ready(f"http://{HOST}:{port}/{database_name(db_path)}")
    uvicorn.run(asgi, host=HOST, port=port, log_level="warning")
