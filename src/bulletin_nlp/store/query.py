"""The query API: facts as reviewed with their filters (metric by id or label, place
with the places below it, year range, review status), one fact, full-text search, and
the counts of the stored tables."""

from __future__ import annotations

import difflib
import re
import sqlite3
from typing import Any

from ..errors import StoreError
from ..versions import rules_dir
from .connection import INT64, StoreBase, store_error
from .fts import fts_query

_ADCODE_RE = re.compile(r"[0-9]{6}")
_YEAR_RE = re.compile(r"\s*([0-9]{4})\s*(?:-\s*([0-9]{4})\s*)?")

#: What ``status`` (``--status``) may ask for: ``accepted`` is every fact an editor kept
#: (accepted, or accepted with a correction), ``all`` includes the rejected ones. Without
#: it, every fact but the rejected ones.
STATUS_FILTERS = ("accepted", "corrected", "unreviewed", "rejected", "all")
#: The tables :meth:`QueryMixin.counts` counts.
_COUNTED = ("documents", "articles", "sentences", "mentions", "facts", "roles", "entities")


class QueryMixin(StoreBase):
    """Reading facts, one fact and sentences back."""

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        try:
            return {
                t: self.conn.execute(f"select count(*) from [{t}]").fetchone()[0] for t in _COUNTED
            }
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def resolve_place(self, place: str) -> str:
        """An adcode for a place name or a six-digit code: stored entities first, then the
        gazetteer. A code must name a known place (``1`` is no prefix of anything)."""
        # The gazetteer is imported only when the stored entities do not answer: with
        # pydantic it takes about 280 ms to import (-X importtime), ten times the store.
        place = place.strip()
        if place in ("全国", "中国", "100000"):
            return "100000"
        try:
            if _ADCODE_RE.fullmatch(place):
                known = self.conn.execute(
                    "select 1 from entities where type = 'PLACE' and adcode = ? limit 1", [place]
                ).fetchone()
                if known is None:
                    from ..gazetteer import gazetteer

                    if place not in gazetteer().by_adcode:
                        raise StoreError(f"unknown place code: {place!r}")
                return place
            rows = self.conn.execute(
                "select adcode from entities where type = 'PLACE' and adcode is not null "
                "and (name = ? or exists (select 1 from json_each(aliases) where value = ?)) "
                "order by mentions desc limit 1",
                [place, place],
            ).fetchall()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None
        if rows:
            return str(rows[0][0])
        from ..gazetteer import lookup

        found = lookup(place) if place else None
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
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        """Facts as reviewed (corrected values, with the extracted ones in ``original_*``)
        matching the filters; ``metric`` is an id or a label (an unknown one is refused,
        with the valid ids); ``place`` includes every place below it; ``year`` is
        ``YYYY`` or ``YYYY-YYYY``; ``status`` is one of :data:`STATUS_FILTERS` (default:
        every fact but the rejected ones); ``limit``, if given, at least 1."""
        where: list[str] = []
        params: list[Any] = []
        if metric:
            where.append("metric = ?")
            params.append(self.resolve_metric(metric))
        if place:
            prefix = place_prefix(self.resolve_place(place))
            where.append("place is not null and place like ?")
            params.append(prefix + "%")
        if year:
            y1, y2 = year_range(year)
            where.append("year between ? and ?")
            params.extend([y1, y2])
        if org:
            # A % or _ the user typed is a character, not a LIKE wildcard.
            where.append("(org = ? or org like ? escape '\\')")
            params.extend([org, f"%{like_escape(org)}%"])
        if modality:
            where.append("modality = ?")
            params.append(modality)
        where.extend(status_where(status))
        sql = "select * from facts_view"
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by doc, quantity_start"
        if limit is not None:
            sql += f" limit {check_limit(limit)}"
        return self._query(sql, params)

    def resolve_metric(self, metric: str) -> str:
        """A metric id for an id or a label (``持证社会工作者人数`` →
        ``certified_social_workers``); an unknown one is refused with the valid ids and
        the closest match."""
        text = metric.strip()
        labels = metric_labels()
        try:
            stored = [r[0] for r in self.conn.execute("select distinct metric from facts")]
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None
        known = {**labels, **{m: labels.get(m, m) for m in stored if m}}
        if text in known:
            return text
        by_label = {label: mid for mid, label in known.items()}
        if text in by_label:
            return by_label[text]
        folded = {mid.lower(): mid for mid in known}
        if text.lower() in folded:
            return folded[text.lower()]
        raise StoreError(unknown_metric(text, known))

    def fact(self, fact_id: str) -> dict[str, Any]:
        """One fact with its document's raw text and article (for `show`)."""
        rows = self._query(
            "select v.*, d.raw, d.path, a.start as article_start from facts_view v "
            "join facts f on f.id = v.id join documents d on d.id = f.doc_id "
            "left join articles a on a.id = f.article_id where v.id = ? "
            "or v.id like ? escape '\\'",
            [fact_id, like_escape(fact_id) + "%"],
        )
        if not rows:
            raise StoreError(f"no fact with id {fact_id!r}")
        if len(rows) > 1:
            raise StoreError(f"fact id {fact_id!r} is ambiguous: give more characters")
        return rows[0]

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Sentences matching ``query`` (two-character Chinese queries work); ``limit``
        at least 1."""
        limit = check_limit(limit)
        match = fts_query(query)
        if not match:
            return []
        sql = (
            "select s.id, d.name as doc, s.start, s.end, s.text, a.headline "
            "from sentences_fts f join sentences s on s.rowid = f.rowid "
            "join documents d on d.id = s.doc_id left join articles a on a.id = s.article_id "
            "where sentences_fts match ? order by d.name, s.start limit ?"
        )
        return self._query(sql, [match, limit])

    def _query(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """Rows as dicts; a database error becomes one :class:`StoreError` naming the file."""
        try:
            cursor = self.conn.execute(sql, params)
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor]
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None


def status_where(status: str | None) -> list[str]:
    """The SQL conditions on ``review_status`` for a ``status`` filter."""
    if status is None:
        return ["review_status != 'rejected'"]
    if status not in STATUS_FILTERS:
        raise StoreError(f"unknown review status {status!r}: use {', '.join(STATUS_FILTERS)}")
    if status == "all":
        return []
    if status == "accepted":
        return ["review_status in ('accepted', 'corrected')"]
    return [f"review_status = '{status}'"]


def metric_labels() -> dict[str, str]:
    """Metric id → label from ``rules/metrics.yaml`` (read as plain YAML: a query command
    loads neither the rule models nor their regexes), plus ``other``."""
    # Imported here: only a --metric filter reads the labels, and importing yaml (about
    # 20 ms, measured with -X importtime) would nearly double the store's import time
    # (about 25 ms) on every cold query.
    import yaml

    try:
        data = yaml.safe_load((rules_dir() / "metrics.yaml").read_text(encoding="utf-8"))
        entries = data.get("entries", []) if isinstance(data, dict) else []
        labels = {str(e["id"]): str(e.get("label", e["id"])) for e in entries if "id" in e}
    except (OSError, yaml.YAMLError, TypeError, KeyError):
        labels = {}
    labels.setdefault("other", "其他（见 subject）")
    return labels


def unknown_metric(text: str, known: dict[str, str]) -> str:
    """Why ``text`` names no metric: the closest id or label, and every valid id."""
    by_label = {label: mid for mid, label in known.items()}
    close = difflib.get_close_matches(text.lower(), list(known), n=1, cutoff=0.6)
    if not close:
        near = difflib.get_close_matches(text, list(by_label), n=1, cutoff=0.4)
        close = [by_label[near[0]]] if near else []
    if not close:  # a part of a label (持证社工 in 持证社会工作者人数 is not, 持证 is)
        close = [mid for label, mid in by_label.items() if text and text in label][:1]
    hint = f": did you mean {close[0]} ({known[close[0]]})?" if close else "."
    valid = ", ".join(sorted(known))
    return f"unknown metric {text!r}{hint} Give an id or its label: {valid}"


def year_range(year: str) -> tuple[int, int]:
    """``YYYY`` or ``YYYY-YYYY`` as (first, last), refusing a range that runs backwards."""
    found = _YEAR_RE.fullmatch(year)
    if not found:
        raise StoreError(f"bad year filter {year!r}: use YYYY or YYYY-YYYY (2021-2023)")
    y1 = int(found.group(1))
    y2 = int(found.group(2) or y1)
    if y1 > y2:
        raise StoreError(
            f"bad year filter {year!r}: the range runs backwards ({y1} comes after {y2}; "
            f"use {y2}-{y1})"
        )
    return y1, y2


def check_limit(limit: int) -> int:
    """A row limit: a whole number from 1 to 2^63-1 (0 or a negative would mean none)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= INT64[1]:
        raise StoreError(f"bad limit {limit!r}: give a whole number from 1 to {INT64[1]}")
    return limit


def like_escape(text: str) -> str:
    """``text`` for a LIKE pattern with ``escape '\\'``: its % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def place_prefix(adcode: str) -> str:
    """The adcode prefix shared by a place and every place below it."""
    if adcode == "100000":
        return ""
    if adcode.endswith("0000"):
        return adcode[:2]
    if adcode.endswith("00"):
        return adcode[:4]
    return adcode
