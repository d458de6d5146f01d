"""A processed :class:`~bulletin_nlp.doc.Doc` as the rows it puts in the store.

Rows carry raw offsets and stable ids hashed from (document sha256, span, kind), so
re-ingesting the same file never duplicates anything and ids survive re-runs. Pure data
(picklable): extraction workers build the rows and the single writer only inserts them.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .. import PIPELINE_VERSION
from .connection import now
from .fts import bigrams

if TYPE_CHECKING:  # doc.py imports pydantic, which a no-op re-ingest must not import
    from ..doc import Doc

#: One mention as an entity row counts it: type, norm, text, then its provenance
#: (rule id, extractor, ruleset version).
EntitySource = tuple[str, Any, str, str, str, str]
#: The provenance of a mention: (rule id, extractor, ruleset version).
Provenance = tuple[str, str, str]


def stable_id(*parts: object) -> str:
    """A short stable hash of the parts (document sha256, span, kind...)."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:20]


def document_rows(
    doc: Doc,
    ruleset: str,
    *,
    source_sha256: str | None = None,
    fmt: str | None = None,
    model_version: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every row one document puts in the store, keyed by table (``documents`` first).

    Pure data (picklable), so extraction workers build it and the single writer only
    inserts it.
    """
    document = {
        "id": doc.sha256,
        "path": doc.path,
        "name": doc.name,
        "sha256": doc.sha256,
        "raw": doc.raw,
        "encoding": doc.encoding,
        "ingested_at": now(),
        "pipeline_version": PIPELINE_VERSION,
        "ruleset_version": ruleset,
        "source_sha256": source_sha256,
        "format": fmt,
        "model_version": model_version,  # the model stage's, None when it did not run
    }
    return {"documents": [document], **_rows(doc, doc.sha256, ruleset)}


def _rows(doc: Doc, doc_id: str, ruleset: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table but ``documents``, keyed by table."""
    articles = []
    art_ids = []
    for i, art in enumerate(doc.articles):
        start, end = doc.raw_span(art.start, art.end)
        aid = stable_id(doc.sha256, start, end, "article")
        art_ids.append(aid)
        hs = he = None
        if art.headline_span:
            hs, he = doc.raw_span(*art.headline_span)
        articles.append(
            {
                "id": aid,
                "doc_id": doc_id,
                "idx": i,
                "start": start,
                "end": end,
                "headline": art.headline,
                "headline_start": hs,
                "headline_end": he,
                "source": art.source,
                "year": art.year,
                "place": art.place,
            }
        )
    sentences = []
    for i, sent in enumerate(doc.sentences):
        start, end = doc.raw_span(sent.start, sent.end)
        text = doc.raw[start:end]
        sentences.append(
            {
                "id": stable_id(doc.sha256, start, end, "sentence"),
                "doc_id": doc_id,
                "article_id": art_ids[sent.article] if art_ids else None,
                "idx": i,
                "start": start,
                "end": end,
                "text": text,
                "grams": bigrams(doc.norm[sent.start : sent.end]),
            }
        )
    mentions = [
        {
            "id": stable_id(doc.sha256, m.start, m.end, m.type),
            "doc_id": doc_id,
            "type": m.type,
            "start": m.start,
            "end": m.end,
            "text": m.text,
            "norm": json.dumps(m.norm, ensure_ascii=False)
            if not isinstance(m.norm, str)
            else m.norm,
            "extractor": m.extractor,
            "rule_id": m.rule_id,
            "ruleset_version": m.ruleset_version,
            "pipeline_version": PIPELINE_VERSION,
            "score": m.score,
        }
        for m in doc.mentions
    ]
    facts = []
    for f in doc.facts:
        qs, qe = f["quantity_span"]
        es, ee = f["evidence_span"]
        nq = doc.norm_offset(qs)
        art_id = art_ids[doc.article_index(nq)] if art_ids else None
        # Keys as the columns of columns.STORED (tests/test_columns.py checks).
        facts.append(
            {
                "id": stable_id(doc.sha256, qs, qe, "fact"),
                "doc_id": doc_id,
                "article_id": art_id,
                "metric": f["metric"],
                "subject": f.get("subject"),
                "value": f["value"],
                "unit": f["unit"],
                "approx": f["approx"],
                "place": f["place"],
                "org": f["org"],
                "year": f["year"],
                "modality": f["modality"],
                "qualifier": f.get("qualifier"),
                "quantity_text": doc.raw[qs:qe],
                "evidence_text": doc.raw[es:ee],
                "quantity_start": qs,
                "quantity_end": qe,
                "evidence_start": es,
                "evidence_end": ee,
                "rule_id": f.get("rule_id", ""),
                "ruleset_version": ruleset,
                "pipeline_version": PIPELINE_VERSION,
            }
        )
    roles = [
        {
            "id": stable_id(doc.sha256, r["person"], r["role"], r["org"], "role"),
            "doc_id": doc_id,
            "person": r["person"],
            "role": r["role"],
            "org": r["org"],
            "person_start": r.get("person_start"),
            "person_end": r.get("person_end"),
            "pipeline_version": PIPELINE_VERSION,
            # Rule provenance as on mentions; a role from outside the pipeline has none.
            "rule_id": r.get("rule_id", ""),
            "extractor": r.get("extractor", "rule"),
            "ruleset_version": r.get("ruleset_version") or ruleset,
        }
        for r in doc.roles
    ]
    return {
        "articles": articles,
        "sentences": sentences,
        "mentions": mentions,
        "facts": facts,
        "roles": roles,
        "entities": entity_rows(
            (m.type, m.norm, m.text, m.rule_id, m.extractor, m.ruleset_version)
            for m in doc.mentions
        ),
    }


def entity_rows(mentions: Iterable[EntitySource]) -> list[dict[str, Any]]:
    """Entity rows of mentions: one per canonical entity, counted, with the surface forms
    seen and the provenance of its mentions (see :func:`provenance_columns`)."""
    # normalize imports pydantic (through rules.py; about 190 ms, -X importtime); a no-op
    # re-ingest imports the store and must not (tests/test_batch.py, "stays_light").
    from ..normalize import compact

    found: dict[str, dict[str, Any]] = {}
    for mtype, norm, text, rule_id, extractor, ruleset_version in mentions:
        if mtype in ("DATE", "QUANTITY"):
            continue
        adcode = level = parent = None
        if mtype == "PLACE" and isinstance(norm, dict):
            name = str(norm.get("name"))
            adcode = str(norm.get("adcode"))
            level, parent = place_level(adcode, name)
        else:
            name = str(norm)
        eid = stable_id(mtype, name, adcode or "")
        row = found.setdefault(
            eid,
            {
                "id": eid,
                "type": mtype,
                "name": name,
                "adcode": adcode,
                "level": level,
                "parent": parent,
                "aliases": set(),
                "mentions": 0,
                "sources": Counter(),
            },
        )
        row["aliases"].add(compact(text))
        row["mentions"] += 1
        row["sources"][(rule_id, extractor, ruleset_version)] += 1
    for row in found.values():
        row["aliases"] = json.dumps(sorted(row["aliases"]), ensure_ascii=False)
        row.update(provenance_columns(row.pop("sources")))
    return list(found.values())


def provenance_columns(sources: Counter[Provenance]) -> dict[str, Any]:
    """An entity's provenance columns from the count of its mentions per (rule id,
    extractor, ruleset version): ``rule_id``, ``extractor`` and ``ruleset_version`` of
    the most of them (ties: the first in sort order), and ``sources``, every one with
    its count as JSON. Counts, not the first mention seen, so that the row is the same
    whatever order documents are stored in, and exact when a document is replaced."""
    ranked = sorted(sources.items(), key=lambda item: (-item[1], item[0]))
    top: tuple[str | None, ...] = ranked[0][0] if ranked else (None, None, None)
    return {
        "rule_id": top[0],
        "extractor": top[1],
        "ruleset_version": top[2],
        "sources": json.dumps([[*k, n] for k, n in sorted(sources.items())], ensure_ascii=False),
    }


def parse_sources(text: str | None) -> Counter[Provenance]:
    """The counts of an entity's ``sources`` column (empty for a row stored before it)."""
    if not text:
        return Counter()
    return Counter({(str(r), str(e), str(v)): int(n) for r, e, v, n in json.loads(text)})


def stored_norm(value: str | None) -> Any:
    """A mention's norm as the pipeline gave it (dicts are stored as JSON)."""
    if value and value[0] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def place_level(adcode: str, name: str) -> tuple[str, str | None]:
    """Level and parent adcode of a place from its 6-digit code (townships keep the
    county's code, so a name ending below county level marks them)."""
    if adcode == "100000":
        return "nation", None
    if adcode.endswith("0000"):
        return "province", "100000"
    if adcode.endswith("00"):
        return "city", adcode[:2] + "0000"
    if name.endswith(("街道", "镇", "乡", "社区", "村", "苏木")):
        return "township", adcode
    return "county", adcode[:4] + "00"
