"""Cost per character of hostile-shaped input at 10 KB, 100 KB and 1 MB (issue 19, items
12 and 13): flat from size to size means linear time.

Two inputs, each grown to the size:

  unpunctuated  ``'杭州市 社工站 1200个 持证社工 3500人 志愿者 2.1万人 ' * N``: text without
                a ``。``, as PDF tables give, so one "sentence" holds every figure
  nested HTML   ``'<div>' * N + '社工站12个' + '</div>' * N``

Each (input, size) runs in its own process under a time budget (``--budget`` seconds,
default 120), timing every step of ``process_text`` (HTML: the page's reading first), so
a step that is not linear shows itself even when the whole run cannot finish: a step
still running at the budget is printed with ``>``. No model stage (``--no-model``).

    python benchmarks/bench_linear.py [--budget 120] [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNIT = "杭州市 社工站 1200个 持证社工 3500人 志愿者 2.1万人 "
KINDS = ("unpunctuated", "nested HTML")


def make(kind: str, size: int) -> str:
    """The input of ``kind`` with about ``size`` characters."""
    if kind == "unpunctuated":
        return (UNIT * (size // len(UNIT) + 1))[:size]
    depth = max(1, (size - 6) // len("<div></div>"))
    return "<div>" * depth + "社工站12个" + "</div>" * depth


def run_one(kind: str, size: int) -> None:
    """Time each step on one input; print one JSON line per step as it ends."""
    os.environ.setdefault("BULLETIN_NLP_NO_MODEL", "1")
    sys.path.insert(0, str(ROOT / "src"))
    from bulletin_nlp.doc import Doc
    from bulletin_nlp.facts import build_quantity_facts, build_role_facts
    from bulletin_nlp.normalize import normalize
    from bulletin_nlp.pipeline import components, process_text, to_mentions
    from bulletin_nlp.resolve.overlaps import resolve_overlaps
    from bulletin_nlp.structure import analyze

    process_text("2022年4月26日，民政部在北京召开会议。", use_model=False)  # load everything

    def step(name: str, started: float) -> float:
        now = time.perf_counter()
        print(json.dumps({"step": name, "seconds": now - started}), flush=True)
        return now

    data = make(kind, size)
    print(json.dumps({"step": "start", "seconds": 0.0}), flush=True)  # a step is running
    t = time.perf_counter()
    if kind == "nested HTML":
        from bulletin_nlp.formats import html_text

        text, _enc = html_text(data.encode("utf-8"), "deep.html")
        t = step("read HTML", t)
    else:
        text = data
    doc = Doc(path="bench.txt", raw=text, encoding="utf-8")
    doc.norm, doc.nmap = normalize(text)
    t = step("normalize", t)
    analyze(doc)
    t = step("structure", t)
    for comp in components():
        if comp.name == "model":
            continue
        doc.hits.extend(comp.run(doc))
        t = step(f"stage {comp.name}", t)
    kept = resolve_overlaps(doc.hits)
    doc.mentions = to_mentions(doc, kept)
    t = step("resolve + mentions", t)
    facts = build_quantity_facts(doc, kept)
    t = step("facts", t)
    build_role_facts(doc, kept)
    step("roles", t)
    print(json.dumps({"step": "done", "seconds": 0.0, "facts": len(facts)}), flush=True)


def measure(kind: str, size: int, budget: float) -> tuple[list[tuple[str, float]], bool]:
    """(step, seconds) of one input, and whether it finished within the budget."""
    cmd = [sys.executable, __file__, "--one", kind, str(size)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, cwd=ROOT)
        out, finished = done.stdout, done.returncode == 0
        if done.returncode:
            sys.stderr.write(done.stderr[-2000:])
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout or b""
        out = raw.decode() if isinstance(raw, bytes) else raw
        finished = False
    steps = []
    for line in out.splitlines():
        record = json.loads(line)
        if record["step"] not in ("start", "done"):
            steps.append((record["step"], float(record["seconds"])))
    return steps, finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per input")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one[0], int(args.one[1]))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'input':<14}{'chars':>10}{'seconds':>11}{'µs/char':>10}  slowest step")
    for kind in KINDS:
        for size in sizes:
            steps, finished = measure(kind, size, args.budget)
            total = sum(s for _n, s in steps)
            if not finished:
                shown = f">{args.budget:.0f}"
                per_char = f">{args.budget / size * 1e6:.0f}"
                done = {n for n, _s in steps}
                slow = f"(did not finish; last finished: {steps[-1][0] if steps else 'none'}; " \
                       f"{len(done)} steps done)"
            else:
                shown = f"{total:.2f}"
                per_char = f"{total / size * 1e6:.1f}"
                name, seconds = max(steps, key=lambda s: s[1])
                slow = f"{name} {seconds:.2f}s"
            print(f"{kind:<14}{size:>10,}{shown:>11}{per_char:>10}  {slow}", flush=True)


if __name__ == "__main__":
    main()
