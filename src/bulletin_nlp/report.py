"""HTML views of a bulletin database: the review pages and the static report.

Each article is shown as its source text with the mentions highlighted by type and every
fact's figure marked, beside the list of its facts (as reviewed) and above it the
findings of :mod:`bulletin_nlp.check`. The review server (:mod:`bulletin_nlp.review_server`)
renders one document per page with decision buttons; :func:`write_report` renders every
document into one self-contained static file without them.

Everything taken from the database is escaped: the source text is cut into pieces and
each piece goes through :func:`markupsafe.escape`, the rest through Jinja2's autoescape.
Pages also carry a Content-Security-Policy that lets no script run but our own.
"""

from __future__ import annotations

import bisect
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from .check import Finding, check
from .errors import BulletinError
from .io import text_output
from .review import place_name
from .store import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = TEMPLATES / "static"
MENTION_TYPES = ("ORG", "PLACE", "PERSON", "DATE", "QUANTITY", "INITIATIVE", "DOCUMENT")
TYPE_LABELS = {
    "ORG": "机构 organization",
    "PLACE": "地点 place",
    "PERSON": "人物 person",
    "DATE": "时间 date",
    "QUANTITY": "数量 quantity",
    "INITIATIVE": "举措 initiative",
    "DOCUMENT": "文件 document",
}
STATUS_LABELS = {
    "unreviewed": "未审核 unreviewed",
    "accepted": "已确认 accepted",
    "corrected": "已更正 corrected",
    "rejected": "已驳回 rejected",
}
_APPROX = {"about": "约", "over": "超过 ", "under": "近", "exact": ""}


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment (autoescaping every template)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        TYPE_LABELS=TYPE_LABELS, STATUS_LABELS=STATUS_LABELS, FACTS_SHOWN=FACTS_SHOWN
    )
    return env


@lru_cache(maxsize=1)
def assets() -> dict[str, Markup]:
    """Our stylesheet and script, for inlining into the static report."""
    return {
        "css": Markup((STATIC / "review.css").read_text(encoding="utf-8")),
        "js": Markup((STATIC / "review.js").read_text(encoding="utf-8")),
    }


def metric_choices() -> list[tuple[str, str]]:
    """(id, label) of every metric, for the correction form."""
    from .facts import fact_rules

    return [(m.id, m.label) for m in fact_rules().metrics] + [("other", "其他 other")]


# -- the source text cut into highlighted pieces --------------------------------------


@dataclass
class Section:
    """An article (or text outside any article) with its facts."""

    start: int
    end: int
    headline: str | None = None
    source: str | None = None
    is_article: bool = True
    html: Markup = Markup("")
    facts: list[dict[str, Any]] = field(default_factory=list)


def _norm_title(mtype: str, norm: str | None) -> str:
    """A mention's normalized value as a tooltip."""
    if not norm:
        return mtype
    value: Any = norm
    if norm[0] in "{[":
        try:
            value = json.loads(norm)
        except ValueError:
            value = norm
    if isinstance(value, dict):
        if mtype == "PLACE":
            value = f"{value.get('name')} ({value.get('adcode')})"
        elif mtype == "QUANTITY":
            value = f"{value.get('value')} {value.get('unit')} {value.get('approx')}"
        else:
            value = json.dumps(value, ensure_ascii=False)
    return f"{mtype}: {value}"


def _covering(spans: list[tuple[int, int, Any]], starts: list[int], pos: int) -> Any:
    """The item of the (non-overlapping, sorted) span holding ``pos``, if any."""
    i = bisect.bisect_right(starts, pos) - 1
    if i >= 0 and spans[i][0] <= pos < spans[i][1]:
        return spans[i][2]
    return None


def highlight(
    raw: str, start: int, end: int, mentions: list[dict[str, Any]], facts: list[dict[str, Any]]
) -> Markup:
    """``raw[start:end]`` as HTML: mentions in ``<span class="m m-TYPE">``, each fact's
    figure in ``<span class="fig" data-fact=ID>`` (the first piece has ``id=fig-ID``).
    Every piece of text is escaped."""
    mspans = sorted(
        (m["start"], m["end"], m) for m in mentions if m["start"] < end and m["end"] > start
    )
    fspans = sorted(
        (f["quantity_start"], f["quantity_end"], f)
        for f in facts
        if f["quantity_start"] < end and f["quantity_end"] > start
    )
    cuts = {start, end}
    for s, e, _ in (*mspans, *fspans):
        cuts.update((max(s, start), min(e, end)))
    mstarts = [s for s, _e, _m in mspans]
    fstarts = [s for s, _e, _f in fspans]
    anchored: set[str] = set()
    out: list[str] = []
    points = sorted(cuts)
    for a, b in zip(points, points[1:], strict=False):
        text = escape(raw[a:b])
        mention = _covering(mspans, mstarts, a)
        fact = _covering(fspans, fstarts, a)
        if mention is None and fact is None:
            out.append(str(text))
            continue
        classes, attrs = [], []
        if mention is not None:
            classes += ["m", f"m-{mention['type']}"]
            attrs.append(f'title="{escape(_norm_title(mention["type"], mention["norm"]))}"')
        if fact is not None:
            fid = escape(fact["id"])
            classes += ["fig", f"status-{escape(fact['review_status'])}"]
            attrs.append(f'data-fact="{fid}"')
            if fact["id"] not in anchored:
                anchored.add(fact["id"])
                attrs.append(f'id="fig-{fid}"')
        out.append(f'<span class="{" ".join(classes)}" {" ".join(attrs)}>{text}</span>')
    return Markup("".join(out))


# -- view models -----------------------------------------------------------------------


def value_text(value: float | None, unit: str | None, approx: str | None) -> str:
    """A value as an editor reads it: ``约17,500 人``."""
    if value is None:
        return "-"
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return f"{_APPROX.get(approx or 'exact', '')}{number} {unit or ''}".strip()


def fact_item_view(row: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    original = row.get("original")
    if isinstance(original, str):
        original = json.loads(original)
    item = dict(row)
    item["label"] = labels.get(row["metric"], "")
    item["value_text"] = value_text(row["value"], row["unit"], row["approx"])
    item["original"] = original
    if original and row["review_status"] == "corrected":
        changed = {k: v for k, v in original.items() if row.get(k) != v}
        if "value" in changed:
            changed["value"] = value_text(changed["value"], row["unit"], row["approx"])
        if changed.get("place"):
            changed["place"] = place_name(changed["place"]) or changed["place"]
        item["changed"] = changed
    item["findings"] = []
    return item


def documents(
    store: Store,
    findings: list[Finding],
    *,
    metric: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """Every document with its counts of facts, reviewed and unreviewed facts and
    findings; with ``metric`` or ``status``, counting only such facts."""
    per_doc: dict[str, int] = defaultdict(int)
    for finding in findings:
        for doc_id in {f.doc_id for f in finding.facts}:
            per_doc[doc_id] += 1
    where, params = [], []
    if metric:
        where.append("v.metric = ?")
        params.append(metric)
    if status:
        where.append("v.review_status = ?")
        params.append(status)
    condition = (" and " + " and ".join(where)) if where else ""
    rows = store.db.query(
        "select d.id, d.name, d.path, count(v.id) as facts, "
        "sum(v.review_status = 'unreviewed') as unreviewed "
        "from documents d left join facts f on f.doc_id = d.id "
        f"left join facts_view v on v.id = f.id{condition} group by d.id order by d.name",
        params,
    )
    out = []
    for r in rows:
        unreviewed = r["unreviewed"] or 0
        out.append(
            {
                **r,
                "unreviewed": unreviewed,
                "reviewed": r["facts"] - unreviewed,
                "findings": per_doc[r["id"]],
            }
        )
    return out


#: Findings listed on one page of the review index.
FINDINGS_PER_PAGE = 50
#: Facts of a finding listed before the rest are folded away.
FACTS_SHOWN = 5


def filter_findings(
    findings: list[Finding],
    *,
    kind: str | None = None,
    status: str | None = None,
    doc: str | None = None,
    metric: str | None = None,
) -> list[Finding]:
    """The findings of a kind, about a metric, in a bulletin, or with a fact of a review
    status (each filter given)."""
    out = []
    for f in findings:
        if kind and f.kind != kind:
            continue
        if metric and f.metric != metric and all(x.metric != metric for x in f.facts):
            continue
        if doc and all(x.doc_id != doc for x in f.facts):
            continue
        if status and all(x.review_status != status for x in f.facts):
            continue
        out.append(f)
    return out


def index_view(
    store: Store, findings: list[Finding], filters: dict[str, str], page: int = 1
) -> dict[str, Any]:
    """The review index: bulletins with their progress, the findings, the filters (finding
    kind, review status, bulletin, metric) with what each offers, and how much is left."""
    kind = filters.get("kind") or None
    status = filters.get("status") or None
    doc = filters.get("doc") or None
    metric = filters.get("metric") or None
    all_docs = documents(store, findings)
    docs = documents(store, findings, metric=metric, status=status)
    if doc:
        docs = [d for d in docs if d["id"] == doc]
    if metric or status:
        docs = [d for d in docs if d["facts"]]
    chosen = filter_findings(findings, kind=kind, status=status, doc=doc, metric=metric)
    if kind:
        with_kind = {x.doc_id for f in chosen for x in f.facts}
        docs = [d for d in docs if d["id"] in with_kind]
    labels = dict(metric_choices())
    present = [
        r["metric"]
        for r in store.db.query("select distinct metric from facts_view order by metric")
    ]
    kinds: dict[str, int] = defaultdict(int)
    for f in findings:
        kinds[f.kind] += 1
    statuses = {
        r["review_status"]: r["n"]
        for r in store.db.query(
            "select review_status, count(*) as n from facts_view group by review_status"
        )
    }
    pages = max(1, -(-len(chosen) // FINDINGS_PER_PAGE))
    page = min(max(page, 1), pages)
    shown = chosen[(page - 1) * FINDINGS_PER_PAGE : page * FINDINGS_PER_PAGE]
    total = sum(d["facts"] for d in docs)
    left = sum(d["unreviewed"] for d in docs)
    return {
        "documents": docs,
        "findings": shown,
        "findings_total": len(chosen),
        "findings_all": len(findings),
        "page": page,
        "pages": pages,
        "filters": {
            "kind": kind or "",
            "status": status or "",
            "doc": doc or "",
            "metric": metric or "",
        },
        "choices": {
            "kind": sorted(kinds.items()),
            "status": [(s, statuses.get(s, 0)) for s in STATUS_LABELS],
            "doc": [(d["id"], d["name"]) for d in all_docs],
            "metric": [(m, labels.get(m, m)) for m in present],
        },
        "facts_total": total,
        "left": left,
        "reviewed": total - left,
    }


def document_view(store: Store, doc_id: str, findings: list[Finding]) -> dict[str, Any]:
    """One document cut into sections (articles and text outside them), each with its
    highlighted text and its facts."""
    docs = list(store.db.query("select id, name, path, raw from documents where id = ?", [doc_id]))
    if not docs:
        raise BulletinError(f"no document with id {doc_id!r}")
    doc = docs[0]
    raw: str = doc["raw"]
    labels = dict(metric_choices())
    facts = [
        fact_item_view(r, labels)
        for r in store.db.query(
            "select v.*, r.original from facts_view v join facts f on f.id = v.id "
            "left join reviews r on r.fact_id = v.id where f.doc_id = ? "
            "order by v.quantity_start",
            [doc_id],
        )
    ]
    by_fact: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        for f in finding.facts:
            by_fact[f.id].append(finding)
    for item in facts:
        item["findings"] = by_fact.get(item["id"], [])
    mentions = list(
        store.db.query(
            "select start, end, type, text, norm from mentions where doc_id = ? order by start",
            [doc_id],
        )
    )
    articles = list(
        store.db.query(
            "select start, end, headline, source from articles where doc_id = ? order by start",
            [doc_id],
        )
    )
    sections: list[Section] = []
    pos = 0
    for art in articles:
        if raw[pos : art["start"]].strip():
            sections.append(Section(pos, art["start"], is_article=False))
        sections.append(Section(art["start"], art["end"], art["headline"], art["source"]))
        pos = max(pos, art["end"])
    if raw[pos:].strip() or not sections:
        sections.append(Section(pos, len(raw), is_article=False))
    for sec in sections:
        sec.facts = [f for f in facts if sec.start <= f["quantity_start"] < sec.end]
        sec.html = highlight(raw, sec.start, sec.end, mentions, sec.facts)
    counts: dict[str, int] = defaultdict(int)
    for m in mentions:
        counts[m["type"]] += 1
    return {
        "id": doc["id"],
        "name": doc["name"],
        "path": doc["path"],
        "sections": sections,
        "facts": facts,
        "reviewed": sum(f["review_status"] != "unreviewed" for f in facts),
        "mention_counts": counts,
        "findings": [f for f in findings if any(x.doc_id == doc_id for x in f.facts)],
    }


def render(template: str, **context: Any) -> str:
    """Render one of our templates."""
    context.setdefault("metrics", metric_choices())
    return environment().get_template(template).render(**context)


def render_report(store: Store, findings: list[Finding] | None = None) -> str:
    """The whole database as one self-contained HTML page (no review buttons)."""
    if findings is None:
        findings = check(store)
    docs = documents(store, findings)
    views = [document_view(store, d["id"], findings) for d in docs]
    return render(
        "report.html",
        interactive=False,
        inline=assets(),
        nonce=secrets.token_urlsafe(16),
        db_name=Path(store.path).name,
        documents=docs,
        views=views,
        findings=findings,
        link=lambda fact_id, doc_id: f"#fig-{fact_id}",
    )


def write_report(store: Store, out: str | Path) -> int:
    """Write the static report to ``out``; return how many documents it shows."""

    html = render_report(store)
    with text_output(out) as fh:  # a failed write leaves an older report as it was
        fh.write(html)
    return html.count('<article class="doc"')
