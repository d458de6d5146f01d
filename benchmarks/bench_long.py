"""Cost per character of one long document, by size and layout (issue 20).

One document is built from the sample and real-world development bulletins
(``corpus/*.txt``, ``corpus/realworld/dev/*.txt``), every person, place and figure
varied as ``bench_pipeline.py`` varies them, until it holds ``--sizes`` characters, in
each layout:

  paragraphs    the bulletins as written, blank lines between paragraphs
  lines         no blank lines (a line break between paragraphs only)
  flat          no line breaks at all: one paragraph, one article
  table         ``'杭州市 社工站 1200个 持证社工 3500人 志愿者 2.1万人 ' * N``: a table pasted
                as unpunctuated text

Each (layout, size) runs in a process of its own under a time budget (``--budget``),
timing every step of ``process_text`` (normalize, structure, each stage, mentions,
facts, roles), best of ``--repeat`` rounds for documents under 200,000 characters. A
step still running at the budget is printed with ``>``. The per-character cost of each
size is compared with that of the smallest size of the same layout: flat means linear
(target: the 1 MB document within 1.5 times the 10 KB one).

    python benchmarks/bench_long.py [--sizes 10000,100000,1000000] [--layouts ...]
                                    [--model] [--repeat 3] [--budget 900] [--steps]

Without ``--model`` the model stage is left out (``--no-model``), as the targets ask.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
SOURCES = sorted((ROOT / "corpus").glob("*.txt")) + sorted(
    (ROOT / "corpus" / "realworld" / "dev").glob("*.txt")
)
TABLE_ROW = "杭州市 社工站 1200个 持证社工 3500人 志愿者 2.1万人 "
LAYOUTS = ("paragraphs", "lines", "flat", "table")
TARGET = 1.5


def build(size: int, layout: str, seed: int = 7) -> str:
    """The document of ``layout`` with ``size`` characters."""
    if layout == "table":
        return (TABLE_ROW * (size // len(TABLE_ROW) + 1))[:size]
    import bench_pipeline as bp

    from bulletin_nlp.pipeline import process_file

    rng = random.Random(seed)
    places = [
        *bp._names(bp.DIVISIONS / "areas.csv"),
        *bp._names(bp.DIVISIONS / "cities.csv"),
        *bp._names(bp.DIVISIONS / "provinces.csv") * 20,
    ]
    templates = []
    for path in SOURCES:
        doc = process_file(path, use_model=False)
        spans = [(m.start, m.end, m.type) for m in doc.mentions if m.type in ("PERSON", "PLACE")]
        templates.append((doc.raw, spans))
    parts: list[str] = []
    total, n = 0, 0
    while total < size:
        raw, spans = templates[n % len(templates)]
        text = bp._vary(raw, spans, rng, places).strip()
        if layout == "lines":
            text = re.sub(r"\n\s*\n+", "\n", text)
        elif layout == "flat":
            text = re.sub(r"\s*\n\s*", "", text)
        parts.append(text)
        total += len(text) + 2
        n += 1
    sep = {"paragraphs": "\n\n", "lines": "\n", "flat": ""}[layout]
    return sep.join(parts)[:size]


def run_one(path: Path, repeat: int, use_model: bool) -> None:
    """Time each step over the document at ``path``; one JSON line per finished round."""
    if not use_model:
        os.environ["BULLETIN_NLP_NO_MODEL"] = "1"
    from bulletin_nlp.batch import warm_up
    from bulletin_nlp.doc import Doc
    from bulletin_nlp.facts import build_quantity_facts, build_role_facts
    from bulletin_nlp.normalize import normalize
    from bulletin_nlp.pipeline import components, process_text, to_mentions
    from bulletin_nlp.resolve.overlaps import resolve_overlaps
    from bulletin_nlp.structure import analyze

    warm_up()
    process_text("2022年4月26日，民政部在北京召开会议，张伟出席。", use_model=use_model)
    text = path.read_text(encoding="utf-8")
    for _round in range(repeat):
        steps: dict[str, float] = {}
        clock = [time.perf_counter()]

        def step(name: str, steps: dict[str, float] = steps, clock: list[float] = clock) -> None:
            now = time.perf_counter()
            steps[name] = now - clock[0]
            print(json.dumps({"step": name, "seconds": steps[name]}), flush=True)
            clock[0] = now

        doc = Doc(path=path.name, raw=text)
        doc.norm, doc.nmap = normalize(text)
        step("normalize")
        analyze(doc)
        step("structure")
        for comp in components():
            if comp.name == "model" and not use_model:
                continue
            doc.hits.extend(comp.run(doc))
            step(comp.name)
        kept = resolve_overlaps(doc.hits)
        doc.mentions = to_mentions(doc, kept)
        step("mentions")
        build_quantity_facts(doc, kept)
        step("facts")
        build_role_facts(doc, kept)
        step("roles")
        print(json.dumps({"steps": steps}), flush=True)


def measure(
    path: Path, repeat: int, use_model: bool, budget: float
) -> tuple[dict[str, float], bool, str]:
    """The best round's step times (else the steps the first round finished), whether a
    round finished, and the last step finished."""
    cmd = [sys.executable, __file__, "--one", str(path), str(repeat)]
    if use_model:
        cmd.append("--model")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, cwd=ROOT)
        out = done.stdout
        if done.returncode:
            sys.stderr.write(done.stderr[-2000:])
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout or b""
        out = raw.decode() if isinstance(raw, bytes) else raw
    best: dict[str, float] = {}
    partial: dict[str, float] = {}
    last = ""
    for line in out.splitlines():
        record = json.loads(line)
        if "step" in record:
            last = record["step"]
            if not best:
                partial[last] = record["seconds"]
        elif not best or sum(record["steps"].values()) < sum(best.values()):
            best = record["steps"]
    return (best or partial), bool(best), last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="characters")
    parser.add_argument("--layouts", default=",".join(LAYOUTS))
    parser.add_argument("--repeat", type=int, default=3, help="rounds under 200,000 chars")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds per document")
    parser.add_argument("--model", action="store_true", help="with the model stage")
    parser.add_argument("--steps", action="store_true", help="print every step's time")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(Path(args.one[0]), int(args.one[1]), args.model)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench_long_"))
    print(f"model stage: {'on' if args.model else 'off'}; cpu count {os.cpu_count()}")
    print(f"{'layout':<11}{'chars':>10}{'seconds':>10}{'µs/char':>9}{'ratio':>7}  slowest steps")
    verdicts = []
    for layout in args.layouts.split(","):
        first: float | None = None
        for size in sizes:
            path = work / f"{layout}_{size}.txt"
            path.write_text(build(size, layout), encoding="utf-8")
            chars = len(path.read_text(encoding="utf-8"))
            repeat = args.repeat if size < 200_000 else 1
            steps, finished, last = measure(path, repeat, args.model, args.budget)
            total = sum(steps.values())
            if not finished:
                shown = f">{args.budget:.0f}"
                per = f">{args.budget / chars * 1e6:.0f}"
                ratio = ""
                slow = f"(no round within the budget; the step after {last or 'start'} ran out)"
            else:
                per_char = total / chars * 1e6
                first = first or per_char
                shown, per, ratio = f"{total:.2f}", f"{per_char:.1f}", f"{per_char / first:.2f}"
                top = sorted(steps.items(), key=lambda kv: -kv[1])[:3]
                slow = ", ".join(f"{name} {seconds:.2f}" for name, seconds in top)
                if size == sizes[-1] and size != sizes[0]:
                    verdicts.append((layout, per_char / first))
            print(f"{layout:<11}{chars:>10,}{shown:>10}{per:>9}{ratio:>7}  {slow}", flush=True)
            if args.steps and steps:
                print("           " + " ".join(f"{k}={v:.2f}" for k, v in steps.items()))
    print()
    for layout, ratio in verdicts:
        verdict = "ok" if ratio <= TARGET else "MISSED"
        print(
            f"{layout}: per-char cost of the largest / smallest = {ratio:.2f}   "
            f"target <= {TARGET}  {verdict}"
        )


if __name__ == "__main__":
    main()
