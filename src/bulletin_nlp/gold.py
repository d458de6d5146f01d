"""Gold annotations: compile the hand-written YAML (FACTS.md "Gold format") into the JSON
the evaluation reads, with every mention and fact resolved to raw offsets.

A YAML gold names mentions by their *compact* text (whitespace removed). Each mention
is found at the first occurrence of its compact text at or after the end of the
previous mention; a fact's evidence is found after the previous fact's evidence start
(falling back to the whole text), and its quantity inside the evidence. PLACE names are
full path names (``浙江省台州市``), resolved to adcodes through the gazetteer; a place
below a county keeps the county's adcode. Every problem is reported with the file and
the entry, and all of a file's problems are listed at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .errors import BulletinError
from .gazetteer import gazetteer
from .io import read_text
from .pipeline import process_file, to_json
from .spans import MENTION_TYPES

NATIONAL_NAMES = ("全国", "中国", "中华人民共和国")


class GoldError(BulletinError):
    """A gold annotation file does not match its text or FACTS.md."""


class _Compact:
    """The raw text without whitespace, with the raw offset of each kept character."""

    def __init__(self, raw: str) -> None:
        self.index = [i for i, ch in enumerate(raw) if not ch.isspace()]
        self.text = "".join(raw[i] for i in self.index)

    def find(self, needle: str, raw_from: int = 0) -> tuple[int, int] | None:
        """Raw span of the first occurrence of compact ``needle`` starting at or after
        raw offset ``raw_from``."""
        needle = "".join(needle.split())
        if not needle:
            return None
        # First compact index whose raw offset is >= raw_from.
        lo, hi = 0, len(self.index)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.index[mid] < raw_from:
                lo = mid + 1
            else:
                hi = mid
        k = self.text.find(needle, lo)
        if k < 0:
            return None
        return self.index[k], self.index[k + len(needle) - 1] + 1


def place_norm(name: str) -> dict[str, str] | None:
    """``{name, adcode}`` for a full path place name; a place below a county keeps the
    county's adcode (FACTS.md). None when no prefix of the name is a known place."""

    if name in NATIONAL_NAMES:
        return {"name": name, "adcode": "100000"}
    gaz = gazetteer()
    for cut in range(len(name), 1, -1):
        place = gaz.by_full_name.get(name[:cut])
        if place is not None:
            return {"name": name, "adcode": place.adcode}
    return None


def _place_code(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if text.isdigit() and len(text) == 6:
        return text
    norm = place_norm(text)
    return norm["adcode"] if norm else None


def compile_gold(gold_path: str | Path, text_path: str | Path | None = None) -> dict[str, Any]:
    """The JSON gold of one YAML gold file; ``text_path`` defaults to the bulletin named
    by its ``doc`` field in the folder above the gold folder."""
    gold_path = Path(gold_path)
    try:
        data = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GoldError(f"{gold_path}: cannot read: {exc}") from exc
    if not isinstance(data, dict) or "doc" not in data:
        raise GoldError(f"{gold_path}: not a gold file (no 'doc' field)")
    if text_path is None:
        text_path = gold_path.parent.parent / str(data["doc"])
    raw, _enc = read_text(text_path)
    compact = _Compact(raw)
    problems: list[str] = []
    mentions: list[dict[str, Any]] = []
    pos = 0
    for i, entry in enumerate(data.get("mentions") or []):
        where = f"mention {i + 1} {entry!r}"
        if not isinstance(entry, list) or len(entry) != 3:
            problems.append(f"{where}: expected [TYPE, text, norm]")
            continue
        kind, text, norm = entry
        if kind not in MENTION_TYPES:
            problems.append(f"{where}: unknown type {kind!r}")
            continue
        span = compact.find(str(text), pos)
        if span is None:
            problems.append(f"{where}: text not found after offset {pos}")
            continue
        if kind == "PLACE":
            resolved = place_norm(str(norm))
            if resolved is None:
                problems.append(f"{where}: unknown place name {norm!r}")
                continue
            norm = resolved
        elif kind == "QUANTITY":
            if not isinstance(norm, dict) or not {"value", "unit", "approx"} <= set(norm):
                problems.append(f"{where}: QUANTITY norm needs value, unit, approx")
                continue
        else:
            norm = str(norm)
        mentions.append(
            {
                "type": kind,
                "start": span[0],
                "end": span[1],
                "text": "".join(raw[span[0] : span[1]].split()),
                "norm": norm,
            }
        )
        pos = span[1]
    quantities = {(m["start"], m["end"]) for m in mentions if m["type"] == "QUANTITY"}
    facts: list[dict[str, Any]] = []
    ev_from = 0
    for i, fact in enumerate(data.get("facts") or []):
        where = f"fact {i + 1} ({fact.get('quantity')!r} in {fact.get('evidence')!r})"
        missing = {
            "metric",
            "quantity",
            "evidence",
            "value",
            "unit",
            "approx",
            "year",
            "modality",
        } - set(fact)
        if missing:
            problems.append(f"{where}: missing {sorted(missing)}")
            continue
        ev = compact.find(str(fact["evidence"]), ev_from) or compact.find(str(fact["evidence"]))
        if ev is None:
            problems.append(f"{where}: evidence not found")
            continue
        qs = compact.find(str(fact["quantity"]), ev[0])
        # The quantity inside the evidence that is a QUANTITY mention, else the first one.
        while qs is not None and qs[1] <= ev[1] and qs not in quantities:
            qs = compact.find(str(fact["quantity"]), qs[0] + 1)
        if qs is None or qs[1] > ev[1]:
            problems.append(f"{where}: quantity is no QUANTITY mention inside the evidence")
            continue
        ev_from = ev[0]
        place = fact.get("place")
        code = _place_code(place)
        if place is not None and code is None:
            problems.append(f"{where}: unknown place {place!r}")
            continue
        out = dict(fact)
        out["place"] = code
        out["evidence_span"] = list(ev)
        out["quantity_span"] = list(qs)
        facts.append(out)
    roles = []
    for i, role in enumerate(data.get("roles") or []):
        if not isinstance(role, dict) or set(role) != {"person", "role", "org"}:
            problems.append(f"role {i + 1} {role!r}: expected person, role, org")
            continue
        roles.append(dict(role))
    covered = {tuple(f["quantity_span"]) for f in facts}
    for m in mentions:
        if m["type"] == "QUANTITY" and (m["start"], m["end"]) not in covered:
            problems.append(f"QUANTITY {m['text']!r} at {m['start']}: no fact (FACTS.md: one each)")
    if problems:
        raise GoldError(f"{gold_path}: " + "; ".join(problems))
    out_doc: dict[str, Any] = {"doc": data["doc"]}
    if data.get("url"):
        out_doc["url"] = data["url"]
    out_doc.update({"mentions": mentions, "facts": facts, "roles": roles})
    return out_doc


def compile_folder(gold_dir: str | Path, corpus_dir: str | Path | None = None) -> list[Path]:
    """Compile every ``*.yaml`` in ``gold_dir`` to a ``*.json`` beside it; return the
    written paths. All files are checked before any is written."""
    gold_dir = Path(gold_dir)
    corpus = Path(corpus_dir) if corpus_dir else gold_dir.parent
    compiled: list[tuple[Path, dict[str, Any]]] = []
    errors: list[str] = []
    for path in sorted(gold_dir.glob("*.yaml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            compiled.append(
                (path.with_suffix(".json"), compile_gold(path, corpus / str(doc.get("doc"))))
            )
        except (GoldError, BulletinError, yaml.YAMLError) as exc:
            errors.append(str(exc))
    if errors:
        raise GoldError("\n".join(errors))
    for out, doc in compiled:
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [out for out, _ in compiled]


def draft_gold(text_path: str | Path, url: str | None = None) -> str:
    """A YAML gold draft of one bulletin from the pipeline's own output, for an annotator
    to correct entry by entry (never to be committed unread)."""

    doc = process_file(text_path)
    record = to_json(doc)
    by_adcode = gazetteer().by_adcode

    def compact(s: str) -> str:
        return "".join(s.split())

    def place_name(code: str | None) -> str | None:
        if code is None:
            return None
        if code == "100000":
            return "全国"
        place = by_adcode.get(code)
        return place.full_name if place else code

    mentions: list[Any] = []
    for m in record["mentions"]:
        norm = m["norm"]
        if m["type"] == "PLACE":
            norm = norm["name"]
        mentions.append([m["type"], compact(m["text"]), norm])
    facts: list[dict[str, Any]] = []
    for f in record["facts"]:
        qs, qe = f["quantity_span"]
        es, ee = f["evidence_span"]
        item: dict[str, Any] = {"metric": f["metric"]}
        if f.get("subject"):
            item["subject"] = f["subject"]
        item.update(
            quantity=compact(doc.raw[qs:qe]),
            evidence=compact(doc.raw[es:ee]),
            value=f["value"],
            unit=f["unit"],
            approx=f["approx"],
            place=place_name(f["place"]),
            org=f["org"],
            year=f["year"],
            modality=f["modality"],
        )
        if f.get("qualifier"):
            item["qualifier"] = f["qualifier"]
        facts.append(item)

    def flow(item: Any) -> str:
        return yaml.safe_dump(
            item, allow_unicode=True, sort_keys=False, default_flow_style=True, width=10**6
        ).strip()

    lines = [f"doc: {Path(text_path).name}"]
    if url:
        lines.append(f"url: {url}")
    for key, items in (("mentions", mentions), ("facts", facts), ("roles", record["roles"])):
        lines.append(f"{key}:" if items else f"{key}: []")
        lines.extend(f"  - {flow(item)}" for item in items)
    return "\n".join(lines) + "\n"
