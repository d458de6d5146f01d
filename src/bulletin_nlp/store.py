"""The SQLite store (the only module importing sqlite-utils).

Rows carry raw offsets and stable ids hashed from (document sha256, span, kind), so
re-ingesting the same file never duplicates anything and ids survive re-runs.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from . import PIPELINE_VERSION
from .doc import Doc
from .errors import StoreError

SCHEMA_VERSION = 1


def stable_id(*parts: object) -> str:
    """A short stable hash of the parts (document sha256, span, kind...)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:20]


def _runs(text: str) -> list[tuple[str, bool]]:
    """Split text into (run, is_cjk) runs of Latin/digit words and of CJK characters."""
    runs: list[tuple[str, bool]] = []
    for ch in text:
        kind = None if not ch.isalnum() else not ch.isascii()
        if kind is None:
            runs.append(("", False))
        elif runs and runs[-1][0] and runs[-1][1] == kind:
            runs[-1] = (runs[-1][0] + ch, kind)
        else:
            runs.append((ch, kind))
    return [r for r in runs if r[0]]


def _tokens(text: str, *, query: bool = False) -> list[str]:
    out: list[str] = []
    runs = _runs(text)
    for i, (run, cjk) in enumerate(runs):
        if not cjk:
            out.append(run.lower())
            continue
        last_of_query = query and i == len(runs) - 1
        if len(run) == 1:
            out.append(run + ("*" if last_of_query else ""))
            continue
        out.extend(run[k : k + 2] for k in range(len(run) - 1))
        if not last_of_query:
            out.append(run[-1])  # a run's last character, so a query may continue past it
    return out


def bigrams(text: str) -> str:
    """Index text for FTS: CJK character bigrams (plus each run's last character) and words.

    FTS5's default tokenizer treats a run of CJK as one token, so ``社工`` would never
    match inside ``社工站``; bigrams make every two-character query findable.
    """
    return " ".join(_tokens(text))


def fts_query(query: str) -> str:
    """Turn a user query into an FTS5 MATCH expression over bigrams (terms ANDed)."""
    terms = []
    for word in query.split():
        tokens = _tokens(word, query=True)
        if not tokens:
            continue
        prefix = tokens[-1].endswith("*")
        body = " ".join(t.rstrip("*").replace('"', '""') for t in tokens)
        terms.append(f'"{body}"' + ("*" if prefix else ""))
    return " AND ".join(terms)


class Store:
    """A bulletin database. Use :meth:`open` to create or open one."""

    def __init__(self, db: sqlite_utils.Database, path: str):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the database at ``path``."""
        p = Path(path)
        if p.is_dir():
            raise StoreError(f"{p}: is a directory, expected a database file")
        try:
            conn = sqlite3.connect(str(p), timeout=30)
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA journal_mode=WAL")
            store = cls(db, str(p))
            store._ensure_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{p}: not a usable SQLite database ({exc})") from None
        return store

    @classmethod
    def open_existing(cls, path: str | Path) -> Store:
        """Open a database that must already exist (for read commands)."""
        if not Path(path).is_file():
            raise StoreError(f"{path}: no such database (run `bulletin-nlp ingest` first)")
        return cls.open(path)

    def _ensure_schema(self) -> None:
        db = self.db
        if "documents" not in db.table_names():
            db["documents"].create(
                {
                    "id": str,
                    "path": str,
                    "name": str,
                    "sha256": str,
                    "raw": str,
                    "encoding": str,
                    "ingested_at": str,
                    "pipeline_version": str,
                    "ruleset_version": str,
                },
                pk="id",
            )
            db["documents"].create_index(["path"], unique=True)
            db["articles"].create(
                {
                    "id": str,
                    "doc_id": str,
                    "idx": int,
                    "start": int,
                    "end": int,
                    "headline": str,
                    "headline_start": int,
                    "headline_end": int,
                    "source": str,
                    "year": int,
                    "place": str,
                },
                pk="id",
                foreign_keys=[("doc_id", "documents", "id")],
            )
            db["sentences"].create(
                {
                    "id": str,
                    "doc_id": str,
                    "article_id": str,
                    "idx": int,
                    "start": int,
                    "end": int,
                    "text": str,
                    "grams": str,
                },
                pk="id",
                foreign_keys=[("doc_id", "documents", "id"), ("article_id", "articles", "id")],
            )
            db["sentences"].enable_fts(["grams"], create_triggers=True)
            db["mentions"].create(
                {
                    "id": str,
                    "doc_id": str,
                    "type": str,
                    "start": int,
                    "end": int,
                    "text": str,
                    "norm": str,
                    "extractor": str,
                    "rule_id": str,
                    "ruleset_version": str,
                    "pipeline_version": str,
                    "score": float,
                },
                pk="id",
                foreign_keys=[("doc_id", "documents", "id")],
            )
            db["facts"].create(
                {
                    "id": str,
                    "doc_id": str,
                    "article_id": str,
                    "metric": str,
                    "subject": str,
                    "value": float,
                    "unit": str,
                    "approx": str,
                    "place": str,
                    "org": str,
                    "year": int,
                    "modality": str,
                    "qualifier": str,
                    "quantity_start": int,
                    "quantity_end": int,
                    "quantity_text": str,
                    "evidence_start": int,
                    "evidence_end": int,
                    "evidence_text": str,
                    "rule_id": str,
                    "ruleset_version": str,
                    "pipeline_version": str,
                },
                pk="id",
                foreign_keys=[("doc_id", "documents", "id"), ("article_id", "articles", "id")],
            )
            db["roles"].create(
                {
                    "id": str,
                    "doc_id": str,
                    "person": str,
                    "role": str,
                    "org": str,
                    "person_start": int,
                    "person_end": int,
                    "pipeline_version": str,
                },
                pk="id",
                foreign_keys=[("doc_id", "documents", "id")],
            )
            db["entities"].create(
                {
                    "id": str,
                    "type": str,
                    "name": str,
                    "adcode": str,
                    "level": str,
                    "parent": str,
                    "aliases": str,
                    "mentions": int,
                },
                pk="id",
            )
            for table in ("articles", "sentences", "mentions", "facts", "roles"):
                db[table].create_index(["doc_id"])
            db["facts"].create_index(["metric", "year"])
            db["facts"].create_index(["place"])
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._create_views()

    # -- writing -----------------------------------------------------------------

    def is_current(self, path: str, sha256: str, ruleset: str) -> bool:
        """Whether ``path`` is stored with this content and these versions."""
        rows = list(
            self.db.query(
                "select 1 from documents where path = ? and sha256 = ? "
                "and pipeline_version = ? and ruleset_version = ?",
                [path, sha256, PIPELINE_VERSION, ruleset],
            )
        )
        return bool(rows)

    def write_document(self, doc: Doc, ruleset: str) -> str:
        """Store ``doc`` (replacing an older version of the same path) in one transaction."""
        doc_id = doc.sha256
        raw_rows = _rows(doc, doc_id, ruleset)
        conn = self.db.conn
        with conn:
            old = [r["id"] for r in self.db.query("select id from documents where path = ?", [doc.path])]
            for old_id in old:
                self._delete(old_id)
            self._delete(doc_id)
            self.db["documents"].insert(
                {
                    "id": doc_id,
                    "path": doc.path,
                    "name": doc.name,
                    "sha256": doc.sha256,
                    "raw": doc.raw,
                    "encoding": doc.encoding,
                    "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "pipeline_version": PIPELINE_VERSION,
                    "ruleset_version": ruleset,
                }
            )
            for table, rows in raw_rows.items():
                if rows and table != "entities":
                    self.db[table].insert_all(rows)
            self._merge_entities(raw_rows["entities"])
        return doc_id

    def _merge_entities(self, rows: list[dict[str, Any]]) -> None:
        """Upsert canonical entities, merging aliases and mention counts across documents."""
        table = self.db["entities"]
        for row in rows:
            try:
                old = table.get(row["id"])  # type: ignore[union-attr]
            except sqlite_utils.db.NotFoundError:
                table.insert(row)
                continue
            aliases = sorted(set(json.loads(old["aliases"])) | set(json.loads(row["aliases"])))
            table.update(  # type: ignore[union-attr]
                row["id"],
                {"aliases": json.dumps(aliases, ensure_ascii=False), "mentions": old["mentions"] + row["mentions"]},
            )

    def _create_views(self) -> None:
        self.db.execute(
            """create view if not exists facts_view as
            select f.id, d.name as doc, a.headline, a.source, f.metric, f.subject, f.value,
                   f.unit, f.approx, f.place,
                   coalesce(e.name, case when f.place = '100000' then '全国' end, f.place)
                       as place_name, f.org,
                   f.year, f.modality, f.qualifier, f.quantity_text, f.evidence_text,
                   f.quantity_start, f.quantity_end, f.evidence_start, f.evidence_end
            from facts f join documents d on d.id = f.doc_id
            left join articles a on a.id = f.article_id
            left join entities e on e.type = 'PLACE' and e.adcode = f.place
                and e.id = (select min(id) from entities x where x.type = 'PLACE'
                            and x.adcode = f.place and x.level != 'township')"""
        )
        self.db.execute(
            """create view if not exists mentions_view as
            select m.id, d.name as doc, m.type, m.text, m.norm, m.start, m.end,
                   m.extractor, m.rule_id
            from mentions m join documents d on d.id = m.doc_id"""
        )

    def _delete(self, doc_id: str) -> None:
        for table in ("facts", "roles", "mentions", "sentences", "articles", "documents"):
            column = "id" if table == "documents" else "doc_id"
            self.db.execute(f"delete from [{table}] where [{column}] = ?", [doc_id])

    # -- reading -----------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        tables = ("documents", "articles", "sentences", "mentions", "facts", "roles", "entities")
        return {t: self.db[t].count for t in tables}

    def resolve_place(self, place: str) -> str:
        """An adcode for a place name or code: stored entities first, then the gazetteer."""
        if place.isdigit():
            return place
        if place in ("全国", "中国"):
            return "100000"
        rows = list(
            self.db.query(
                "select adcode from entities where type = 'PLACE' and adcode is not null "
                "and (name = ? or exists (select 1 from json_each(aliases) where value = ?)) "
                "order by mentions desc limit 1",
                [place, place],
            )
        )
        if rows:
            return str(rows[0]["adcode"])
        from .gazetteer import lookup

        found = lookup(place)
        if found is None:
            raise StoreError(f"unknown place: {place!r}")
        return str(found.adcode)

    def facts(
        self,
        *,
        metric: str | None = None,
        place: str | None = None,
        year: str | None = None,
        org: str | None = None,
        modality: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Facts matching the filters; ``place`` includes every place below it."""
        where: list[str] = []
        params: list[Any] = []
        if metric:
            where.append("metric = ?")
            params.append(metric)
        if place:
            prefix = place_prefix(self.resolve_place(place))
            where.append("place is not null and place like ?")
            params.append(prefix + "%")
        if year:
            lo, _, hi = year.partition("-")
            try:
                y1, y2 = int(lo), int(hi or lo)
            except ValueError:
                raise StoreError(f"bad year filter {year!r}: use YYYY or YYYY-YYYY") from None
            where.append("year between ? and ?")
            params.extend([y1, y2])
        if org:
            where.append("(org = ? or org like ?)")
            params.extend([org, f"%{org}%"])
        if modality:
            where.append("modality = ?")
            params.append(modality)
        sql = "select * from facts_view"
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by doc, quantity_start"
        if limit:
            sql += f" limit {int(limit)}"
        return list(self.db.query(sql, params))

    def fact(self, fact_id: str) -> dict[str, Any]:
        """One fact with its document's raw text and article (for `show`)."""
        rows = list(
            self.db.query(
                "select v.*, d.raw, d.path, a.start as article_start from facts_view v "
                "join facts f on f.id = v.id join documents d on d.id = f.doc_id "
                "left join articles a on a.id = f.article_id where v.id = ? or v.id like ?",
                [fact_id, fact_id + "%"],
            )
        )
        if not rows:
            raise StoreError(f"no fact with id {fact_id!r}")
        if len(rows) > 1:
            raise StoreError(f"fact id {fact_id!r} is ambiguous: give more characters")
        return rows[0]

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Sentences matching ``query`` (two-character Chinese queries work)."""
        match = fts_query(query)
        if not match:
            return []
        sql = (
            "select s.id, d.name as doc, s.start, s.end, s.text, a.headline "
            "from sentences_fts f join sentences s on s.rowid = f.rowid "
            "join documents d on d.id = s.doc_id left join articles a on a.id = s.article_id "
            "where sentences_fts match ? order by d.name, s.start limit ?"
        )
        return list(self.db.query(sql, [match, limit]))


def _rows(doc: Doc, doc_id: str, ruleset: str) -> dict[str, list[dict[str, Any]]]:
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
            "norm": json.dumps(m.norm, ensure_ascii=False) if not isinstance(m.norm, str) else m.norm,
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
        art = art_ids[doc.article_index(nq)] if art_ids else None
        facts.append(
            {
                "id": stable_id(doc.sha256, qs, qe, "fact"),
                "doc_id": doc_id,
                "article_id": art,
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
                "quantity_start": qs,
                "quantity_end": qe,
                "quantity_text": doc.raw[qs:qe],
                "evidence_start": es,
                "evidence_end": ee,
                "evidence_text": doc.raw[es:ee],
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
        }
        for r in doc.roles
    ]
    return {
        "articles": articles,
        "sentences": sentences,
        "mentions": mentions,
        "facts": facts,
        "roles": roles,
        "entities": _entities(doc),
    }


def _entities(doc: Doc) -> list[dict[str, Any]]:
    """Canonical entities of the document's mentions, with the surface forms seen."""
    from .normalize import compact

    found: dict[str, dict[str, Any]] = {}
    for m in doc.mentions:
        if m.type in ("DATE", "QUANTITY"):
            continue
        adcode = level = parent = None
        if m.type == "PLACE" and isinstance(m.norm, dict):
            name = str(m.norm.get("name"))
            adcode = str(m.norm.get("adcode"))
            level, parent = place_level(adcode, name)
        else:
            name = str(m.norm)
        eid = stable_id(m.type, name, adcode or "")
        row = found.setdefault(
            eid,
            {
                "id": eid,
                "type": m.type,
                "name": name,
                "adcode": adcode,
                "level": level,
                "parent": parent,
                "aliases": set(),
                "mentions": 0,
            },
        )
        row["aliases"].add(compact(m.text))
        row["mentions"] += 1
    for row in found.values():
        row["aliases"] = json.dumps(sorted(row["aliases"]), ensure_ascii=False)
    return list(found.values())


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


def place_prefix(adcode: str) -> str:
    """The adcode prefix shared by a place and every place below it."""
    if adcode == "100000":
        return ""
    if adcode.endswith("0000"):
        return adcode[:2]
    if adcode.endswith("00"):
        return adcode[:4]
    return adcode
