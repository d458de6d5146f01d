"""Editors' decisions on facts: accept, reject or correct, kept in the ``reviews`` table.

A decision is keyed by the fact's stable id (a hash of the document's sha256 and the
figure's span) and records who decided, when and what. It also keeps an anchor (the
document's name, the figure and evidence text as written), so that when an updated
bulletin is ingested and its fact ids change, :meth:`Store.write_rows` moves the decision
onto the fact with the same figure and evidence. ``facts_view`` (and so ``facts``,
``export`` and the report) shows the review status and the corrected values.

Decisions travel between databases as JSON Lines (:func:`export_decisions`,
:func:`import_decisions`); an imported decision whose fact is not in the database yet
waits there and attaches when its bulletin is ingested.
"""

from __future__ import annotations

import getpass
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import BulletinError, StoreError
from .formats import read_bytes
from .io import text_output
from .store import Store

STATUSES = ("accepted", "rejected", "corrected")
Status = Literal["accepted", "rejected", "corrected"]
CORRECTABLE = ("value", "metric", "place", "year")
#: Largest corrected value, in absolute terms: a billion billion is beyond any figure a
#: bulletin states (a national budget is about 10^13 元), and far inside a float's range.
MAX_VALUE = 1e18
#: Longest text an editor may give each field (a note is a sentence or two, not a file).
MAX_LENGTHS = {"note": 2000, "reviewer": 100, "metric": 100, "place": 100, "value": 100, "year": 20}
#: How far in the future a decision's time may lie (clocks differ a little).
CLOCK_SKEW = timedelta(days=1)


class ReviewError(BulletinError):
    """A review decision is invalid or cannot be applied."""


class Decision(BaseModel):
    """One editor's decision on one fact: a row of ``reviews`` and a line of an export."""

    model_config = ConfigDict(extra="forbid")

    fact_id: str = Field(min_length=1)
    status: Status
    value: float | None = None
    metric: str | None = None
    place: str | None = None
    place_name: str | None = None
    year: int | None = Field(default=None, ge=1000, le=9999)
    note: str | None = None
    reviewer: str | None = None
    decided_at: str
    doc_name: str | None = None
    doc_sha256: str | None = None
    quantity_text: str | None = None
    evidence_text: str | None = None
    quantity_start: int | None = None
    original: dict[str, Any] | None = None


class ImportResult(BaseModel):
    """What an import did with each decision."""

    model_config = ConfigDict(extra="forbid")

    applied: int = 0  # onto the fact with the same id
    reattached: int = 0  # onto the fact with the same figure and evidence in that document
    pending: int = 0  # no such fact yet: kept, attaches when its bulletin is ingested
    kept_newer: int = 0  # the database already had a newer decision on that fact


def default_reviewer() -> str:
    """The login name, as the default "who" of a decision."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "editor"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fact_row(store: Store, fact_id: str) -> dict[str, Any]:
    rows = list(
        store.db.query(
            "select f.*, d.name as doc_name from facts f join documents d on d.id = f.doc_id "
            "where f.id = ?",
            [fact_id],
        )
    )
    if not rows:
        raise ReviewError(f"no fact with id {fact_id!r}")
    return rows[0]


def _metric_ids() -> set[str]:
    from .facts import fact_rules

    return {m.id for m in fact_rules().metrics} | {"other"}


def decide(
    store: Store,
    fact_id: str,
    status: str,
    *,
    value: float | str | None = None,
    metric: str | None = None,
    place: str | None = None,
    year: int | str | None = None,
    note: str | None = None,
    reviewer: str | None = None,
    commit: bool = True,
) -> dict[str, Any]:
    """Record a decision on a fact (``unreviewed`` withdraws it); return the fact as
    ``facts_view`` now shows it.

    ``corrected`` needs at least one of value, metric, place (a name or an adcode) and
    year; accept and reject keep the extracted values. Everything is validated before
    anything is written. With ``commit=False`` the change stays in the connection's open
    transaction, for the caller to commit once the whole request has succeeded.
    """
    for name, given in (
        ("value", value),
        ("metric", metric),
        ("place", place),
        ("year", year),
        ("note", note),
        ("reviewer", reviewer),
    ):
        if given is not None and len(str(given)) > MAX_LENGTHS[name]:
            raise ReviewError(
                f"{name} is too long ({len(str(given)):,} characters; at most "
                f"{MAX_LENGTHS[name]:,})"
            )
    fact = _fact_row(store, fact_id)
    conn = store.db.conn
    if status == "unreviewed":
        conn.execute("delete from reviews where fact_id = ?", [fact_id])
        if commit:
            conn.commit()
        return fact_view(store, fact_id)
    if status not in STATUSES:
        raise ReviewError(f"unknown decision {status!r}: use {', '.join(STATUSES)} or unreviewed")
    fields: dict[str, Any] = {}
    if status == "corrected":
        fields = _corrections(store, value=value, metric=metric, place=place, year=year)
    try:
        decision = Decision(
            fact_id=fact_id,
            status=status,  # type: ignore[arg-type]
            note=(note or "").strip() or None,
            reviewer=(reviewer or "").strip() or default_reviewer(),
            decided_at=_now(),
            doc_name=fact["doc_name"],
            doc_sha256=fact["doc_id"],
            quantity_text=fact["quantity_text"],
            evidence_text=fact["evidence_text"],
            quantity_start=fact["quantity_start"],
            original={k: fact[k] for k in CORRECTABLE},
            **fields,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ReviewError(
            f"bad decision: {'.'.join(map(str, first['loc']))}: {first['msg']}"
        ) from None
    _save(store, decision)
    if commit:
        conn.commit()
    return fact_view(store, fact_id)


def _corrections(
    store: Store,
    *,
    value: float | str | None,
    metric: str | None,
    place: str | None,
    year: int | str | None,
) -> dict[str, Any]:
    """Validated corrected fields (empty ones mean "keep the extracted value")."""
    out: dict[str, Any] = {"value": None, "metric": None, "place": None, "year": None}
    name = None
    if value not in (None, ""):
        try:
            out["value"] = float(str(value).replace(",", ""))
        except ValueError:
            raise ReviewError(f"corrected value {value!r} is not a number") from None
        if problem := value_problem(out["value"]):
            raise ReviewError(f"corrected value {value!r} {problem}")
    if metric not in (None, ""):
        if metric not in _metric_ids():
            raise ReviewError(f"unknown metric {metric!r} (see rules/metrics.yaml)")
        out["metric"] = metric
    if place not in (None, ""):
        try:
            out["place"] = store.resolve_place(str(place).strip())
        except StoreError as exc:
            raise ReviewError(str(exc)) from None
        name = place_name(out["place"])
    if year not in (None, ""):
        try:
            out["year"] = int(str(year))
        except ValueError:
            raise ReviewError(f"corrected year {year!r} is not a year") from None
        if not 1000 <= out["year"] <= 9999:
            raise ReviewError(f"corrected year {year!r} is not a four-digit year")
    if all(v is None for v in out.values()):
        raise ReviewError("a correction needs a corrected value, metric, place or year")
    return {**out, "place_name": name}


def value_problem(value: float) -> str | None:
    """Why ``value`` cannot be a corrected figure (infinite, not a number, absurdly
    large), or None."""
    if not math.isfinite(value):
        return "is not a finite number"
    if abs(value) > MAX_VALUE:
        return f"is out of range (at most {MAX_VALUE:g} in absolute value)"
    return None


def decided_at(text: str) -> str:
    """A decision's time as stored: ISO 8601 in UTC to the second (so that times compare
    as text). Refuses what is not a date and time, and a time in the future, which
    would win over every later decision."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date and time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    if when > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError(f"{text!r} lies in the future")
    return when.isoformat(timespec="seconds")


def place_name(adcode: str) -> str | None:
    """The full name of an adcode (``330000`` → 浙江省), shown for a corrected place."""
    if adcode == "100000":
        return "全国"
    from .gazetteer import gazetteer

    place = gazetteer().by_adcode.get(adcode)
    return place.full_name if place else None


def _save(store: Store, decision: Decision) -> None:
    row = decision.model_dump()
    row["original"] = json.dumps(row["original"], ensure_ascii=False) if row["original"] else None
    columns = list(row)
    store.db.conn.execute(
        f"insert or replace into reviews ({', '.join(columns)}) "
        f"values ({', '.join('?' for _ in columns)})",
        [row[c] for c in columns],
    )


def fact_view(store: Store, fact_id: str) -> dict[str, Any]:
    """One fact as ``facts_view`` shows it, with the extracted values (``original``)."""
    rows = list(
        store.db.query(
            "select v.*, r.original from facts_view v left join reviews r on r.fact_id = v.id "
            "where v.id = ?",
            [fact_id],
        )
    )
    if not rows:
        raise ReviewError(f"no fact with id {fact_id!r}")
    row = rows[0]
    row["original"] = json.loads(row["original"]) if row["original"] else None
    return row


def decisions(store: Store) -> list[Decision]:
    """Every stored decision, oldest first."""
    out = []
    for row in store.db.query("select * from reviews order by decided_at, rowid"):
        row["original"] = json.loads(row["original"]) if row["original"] else None
        out.append(Decision.model_validate(row))
    return out


def export_decisions(store: Store, out: str | Path) -> int:
    """Write every decision to ``out`` as JSON Lines; return how many."""

    rows = decisions(store)
    with text_output(out) as fh:  # a failed write leaves an older export as it was
        for d in rows:
            fh.write(d.model_dump_json(exclude_none=True) + "\n")
    return len(rows)


def read_decisions(path: str | Path) -> list[Decision]:
    """Decisions from a JSON Lines file; every bad line is reported at once.

    Beyond the schema, a decision must have a finite, sane value, fields no longer than
    an editor may type, an adcode for a place and a real time (not in the future).
    """

    try:
        lines = read_bytes(path).decode("utf-8").splitlines()
    except BulletinError as exc:
        raise ReviewError(str(exc)) from None
    except UnicodeDecodeError:
        raise ReviewError(f"{path}: not UTF-8 text") from None
    out, problems = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = Decision.model_validate_json(line)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            problems.append(f"line {number}: {where}: {first['msg']}")
            continue
        except (ValueError, RecursionError):
            problems.append(f"line {number}: line: malformed JSON")
            continue
        problem = _imported_problem(d)
        if problem:
            problems.append(f"line {number}: {problem}")
            continue
        out.append(d.model_copy(update={"decided_at": decided_at(d.decided_at)}))
    if problems:
        raise ReviewError(f"{path}: {len(problems)} bad decision(s):\n  " + "\n  ".join(problems))
    return out


def _imported_problem(d: Decision) -> str | None:
    """What is wrong with an imported decision beyond its schema, or None."""
    if d.value is not None and (problem := value_problem(d.value)):
        return f"value: {d.value!r} {problem}"
    for name in ("note", "reviewer", "metric", "place"):
        text = getattr(d, name)
        if text is not None and len(text) > MAX_LENGTHS[name]:
            return f"{name}: too long ({len(text):,} characters; at most {MAX_LENGTHS[name]:,})"
    if d.place is not None and not (len(d.place) == 6 and d.place.isascii() and d.place.isdigit()):
        return f"place: {d.place!r} is not a six-digit adcode"
    try:
        decided_at(d.decided_at)
    except ValueError as exc:
        return f"decided_at: {exc}"
    return None


def import_decisions(store: Store, path: str | Path) -> ImportResult:
    """Apply the decisions of an export to this database, in one transaction.

    A decision goes onto the fact with its id, else onto the fact with the same figure
    and evidence text in the same-named document; with neither it is kept and attaches
    when that bulletin is ingested. Of two decisions on one fact the later one wins.
    """
    result = ImportResult()
    conn = store.db.conn
    incoming = read_decisions(path)
    with conn:
        for d in incoming:
            target = _match(store, d)
            outcome = "pending" if target is None else "applied"
            if target is not None and target != d.fact_id:
                outcome = "reattached"
                d = d.model_copy(update={"fact_id": target})
            old = conn.execute(
                "select decided_at from reviews where fact_id = ?", [d.fact_id]
            ).fetchone()
            if old is not None and str(old[0]) >= d.decided_at:
                outcome = "kept_newer"
            else:
                _save(store, d)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _match(store: Store, d: Decision) -> str | None:
    conn = store.db.conn
    if conn.execute("select 1 from facts where id = ?", [d.fact_id]).fetchone():
        return d.fact_id
    if not (d.doc_name and d.quantity_text and d.evidence_text):
        return None
    row = conn.execute(
        "select f.id from facts f join documents doc on doc.id = f.doc_id "
        "where doc.name = ? and f.quantity_text = ? and f.evidence_text = ? "
        "order by abs(f.quantity_start - ?) limit 1",
        [d.doc_name, d.quantity_text, d.evidence_text, d.quantity_start or 0],
    ).fetchone()
    return str(row[0]) if row else None
