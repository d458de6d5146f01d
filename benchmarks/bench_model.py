"""Throughput of the model stage beside the whole pipeline, on the sample bulletins.

Prints chars/s (characters of the raw text) of

  (a) the pipeline without the model (``use_model=False``),
  (b) the model stage alone (``extract.model.extract`` on documents the rule stages
      have already seen; beam search and resolvers included),
  (c) the whole pipeline with the model (the default),

plus the one-off model load time and the model stage's share of (c). One process, one
thread; every text is processed ``--repeat`` times after a warm-up.

    python benchmarks/bench_model.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bulletin_nlp.extract import model  # noqa: E402
from bulletin_nlp.pipeline import process_text  # noqa: E402

SAMPLES = sorted((ROOT / "corpus").glob("*.txt"))


def _rate(chars: int, seconds: float) -> str:
    return f"{chars / seconds:>10,.0f} chars/s  ({seconds:.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES] * args.repeat
    chars = sum(map(len, texts))

    process_text(texts[0], use_model=False)  # rules, jieba and gazetteer loaded
    started = time.perf_counter()
    model.load()
    load_s = time.perf_counter() - started
    model.predict(["民政部在北京召开会议。"])

    started = time.perf_counter()
    docs = [process_text(t, f"t{i}", use_model=False) for i, t in enumerate(texts)]
    rules_s = time.perf_counter() - started

    started = time.perf_counter()
    for doc in docs:
        model.extract(doc)
    stage_s = time.perf_counter() - started

    started = time.perf_counter()
    for i, t in enumerate(texts):
        process_text(t, f"t{i}", use_model=True)
    full_s = time.perf_counter() - started

    print(f"model {model.model_version()}, beam {model.BEAM_WIDTH}, {chars:,} chars")
    print(f"model load (once per process): {load_s:.2f} s")
    print(f"(a) pipeline, --no-model   {_rate(chars, rules_s)}")
    print(f"(b) model stage alone      {_rate(chars, stage_s)}")
    print(f"(c) pipeline with model    {_rate(chars, full_s)}")
    print(f"model stage share of (c): {stage_s / full_s:.0%}")


if __name__ == "__main__":
    main()
