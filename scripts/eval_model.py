"""Span F1 per label of rules alone, the model alone, and rules + model.

    python scripts/eval_model.py [--msra ../shared/data/ner/msra_val_lemonhu] [--gold corpus/gold]

Two test sets: the MSRA subset (news sentences never trained on; labels PER/LOC/ORG mapped
to PERSON/PLACE/ORG) and the dev bulletins' gold. Columns:

- ``rules``: the pipeline with ``use_model=False``;
- ``model raw``: every entity of the model's best parse, no threshold, no resolvers;
- ``model stage``: the model stage alone as shipped (threshold, resolvers);
- ``rules+model``: the default pipeline.

Exact spans; a span of a label outside ORG/PLACE/PERSON is ignored.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from prepare_ner_data import read_msra, refold  # noqa: E402

from bulletin_nlp.extract import model  # noqa: E402
from bulletin_nlp.pipeline import process_file, process_text  # noqa: E402

LABELS = ("ORG", "PLACE", "PERSON")
Span = tuple[int, int, int, str]  # (item, start, end, label)


def prf(gold: set[Span], system: set[Span]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 per label and micro over LABELS."""
    out = {}
    for label in (*LABELS, "micro"):
        g = {s for s in gold if label in ("micro", s[3])}
        p = {s for s in system if label in ("micro", s[3])}
        tp = len(g & p)
        prec = tp / len(p) if p else 0.0
        rec = tp / len(g) if g else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[label] = {"p": prec, "r": rec, "f1": f1, "tp": tp, "fp": len(p) - tp, "fn": len(g) - tp}
    return out


def mention_spans(item: int, mentions: Iterable) -> set[Span]:
    return {(item, m.start, m.end, m.type) for m in mentions if m.type in LABELS}


def eval_msra(folder: Path) -> dict[str, dict]:
    sents = [refold(ex) for ex in read_msra(folder)]
    gold = {(i, s, e, lab) for i, ex in enumerate(sents) for s, e, lab in ex.spans if lab}
    texts = [ex.text for ex in sents]
    results: dict[str, dict] = {}
    t = time.perf_counter()
    raw: set[Span] = set()
    for start in range(0, len(texts), 256):
        for j, ents in enumerate(model.predict(texts[start : start + 256])):
            raw |= {(start + j, e.start, e.end, e.label) for e in ents}
    results["model raw"] = prf(gold, raw)
    print(f"msra model raw: {time.perf_counter() - t:.0f}s", file=sys.stderr)
    for name, kw in (
        ("rules", {"use_model": False}),
        ("model stage", {"use_model": True, "stages": ("model",)}),
        ("rules+model", {"use_model": True}),
    ):
        t = time.perf_counter()
        system: set[Span] = set()
        for i, text in enumerate(texts):
            system |= mention_spans(i, process_text(text, f"msra-{i}", **kw).mentions)
        results[name] = prf(gold, system)
        print(f"msra {name}: {time.perf_counter() - t:.0f}s", file=sys.stderr)
    return results


def eval_gold(gold_dir: Path) -> dict[str, dict]:
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(gold_dir.glob("*.json"))]
    gold = {
        (i, m["start"], m["end"], m["type"])
        for i, g in enumerate(golds)
        for m in g["mentions"]
        if m["type"] in LABELS
    }
    corpus = gold_dir.parent
    results: dict[str, dict] = {}
    raw: set[Span] = set()
    for i, g in enumerate(golds):
        doc = process_file(corpus / g["doc"], use_model=False)
        spans = [(s.start, s.end) for s in doc.sentences]
        for (offset, _), ents in zip(spans, model.predict([doc.norm[s:e] for s, e in spans]), strict=True):
            for e in ents:
                rs, re_ = doc.raw_span(offset + e.start, offset + e.end)
                raw.add((i, rs, re_, e.label))
    results["model raw"] = prf(gold, raw)
    for name, kw in (
        ("rules", {"use_model": False}),
        ("model stage", {"use_model": True, "stages": ("model",)}),
        ("rules+model", {"use_model": True}),
    ):
        system: set[Span] = set()
        for i, g in enumerate(golds):
            text = (corpus / g["doc"]).read_text(encoding="utf-8")
            system |= mention_spans(i, process_text(text, g["doc"], **kw).mentions)
        results[name] = prf(gold, system)
    return results


def table(title: str, results: dict[str, dict]) -> str:
    lines = [f"### {title}", "", "| system | label | P | R | F1 | tp | fp | fn |", "|---|---|---|---|---|---|---|---|"]
    for name, per in results.items():
        for label, s in per.items():
            lines.append(
                f"| {name} | {label} | {s['p']:.3f} | {s['r']:.3f} | {s['f1']:.3f} "
                f"| {s['tp']} | {s['fp']} | {s['fn']} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--msra", type=Path, default=ROOT.parent / "shared/data/ner/msra_val_lemonhu")
    parser.add_argument("--gold", type=Path, default=ROOT / "corpus" / "gold")
    parser.add_argument("--skip-msra", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the scores here")
    args = parser.parse_args()
    print(f"model {model.model_version()}, threshold {model.THRESHOLD}\n")
    scores = {"gold": eval_gold(args.gold)}
    print(table("Dev bulletins (corpus/gold)", scores["gold"]) + "\n", flush=True)
    if not args.skip_msra:
        scores["msra"] = eval_msra(args.msra)
        print(table("MSRA subset (never trained on)", scores["msra"]))
    if args.json:
        args.json.write_text(json.dumps(scores, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
