"""Throughput of the model stage beside the whole pipeline, on the sample bulletins.

Prints chars/s (characters of the raw text) of

  (a) the pipeline without the model (``use_model=False``),
  (b) the model stage alone as shipped (``extract.model.extract`` on documents the rule
      stages have already seen: the gate, the parse of what it lets through, the beam
      for the sentences that hold a span to keep, checks and resolvers),
  (g) the gate alone (no parse),
  (u) the model stage parsing every sentence (``extract(doc, gated=False)``),
  (c) the whole pipeline with the model (the default),

plus the one-off model load time, the model stage's share of (c), the share of the
characters the gate lets through to the parser and the number of sentences that needed
the beam. One process, one thread; every text is processed ``--repeat`` times after a
warm-up; ``--rounds`` rounds, the best counts. ``--realworld`` adds the real-world
development bulletins to the samples.

    python benchmarks/bench_model.py [--repeat 3] [--rounds 3] [--realworld]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bulletin_nlp.extract import model  # noqa: E402
from bulletin_nlp.pipeline import process_text  # noqa: E402
from bulletin_nlp.spans import MENTION_TYPES  # noqa: E402

SAMPLES = sorted((ROOT / "corpus").glob("*.txt"))
REALWORLD = sorted((ROOT / "corpus" / "realworld" / "dev").glob("*.txt"))


def _rate(chars: int, seconds: float) -> str:
    return f"{chars / seconds:>10,.0f} chars/s  ({seconds:.2f} s)"


def _gate_only(docs: list) -> None:
    for doc in docs:
        taken = bytearray(len(doc.norm))
        for hit in doc.hits:
            if hit.type in MENTION_TYPES:
                taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
        gate = model.Gate(doc, taken)
        for sent in doc.sentences:
            gate.windows(sent.start, sent.end, model.WINDOW or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--realworld", action="store_true")
    args = parser.parse_args()
    paths = SAMPLES + (REALWORLD if args.realworld else [])
    texts = [p.read_text(encoding="utf-8") for p in paths] * args.repeat
    chars = sum(map(len, texts))

    process_text(texts[0], use_model=False)  # rules, jieba and gazetteer loaded
    started = time.perf_counter()
    model.load()
    load_s = time.perf_counter() - started
    model.predict(["民政部在北京召开会议。"])

    best: dict[str, float] = {}

    def keep(key: str, started: float) -> None:
        seconds = time.perf_counter() - started
        best[key] = min(best.get(key, seconds), seconds)

    for _round in range(args.rounds):
        started = time.perf_counter()
        docs = [process_text(t, f"t{i}", use_model=False) for i, t in enumerate(texts)]
        keep("a", started)
        model.GATE.clear()
        started = time.perf_counter()
        for doc in docs:
            model.extract(doc)
        keep("b", started)
        gate = Counter(model.GATE)  # a key no document reached reads 0
        started = time.perf_counter()
        _gate_only(docs)
        keep("g", started)
        started = time.perf_counter()
        for doc in docs:
            model.extract(doc, gated=False)
        keep("u", started)
        started = time.perf_counter()
        for i, t in enumerate(texts):
            process_text(t, f"t{i}", use_model=True)
        keep("c", started)

    print(f"model {model.model_version()}, beam {model.BEAM_WIDTH}, {chars:,} chars")
    print(f"model load (once per process): {load_s:.2f} s; best of {args.rounds} rounds")
    print(f"(a) pipeline, --no-model        {_rate(chars, best['a'])}")
    print(f"(b) model stage alone (shipped) {_rate(chars, best['b'])}")
    print(f"(g) the gate alone              {_rate(chars, best['g'])}")
    print(f"(u) model stage, every sentence {_rate(chars, best['u'])}")
    print(f"(c) pipeline with model         {_rate(chars, best['c'])}")
    print(f"model stage share of (c): {best['b'] / best['c']:.0%}")
    seen, parsed = gate["characters"], gate["characters parsed"]
    print(
        f"gate: {parsed:,} of {seen:,} characters parsed ({parsed / seen:.1%}; "
        f"{1 - parsed / seen:.1%} skipped), {gate['sentences parsed']:,} stretches of "
        f"{gate['sentences']:,} sentences, beam for {gate['sentences in the beam']:,}"
    )


if __name__ == "__main__":
    main()
