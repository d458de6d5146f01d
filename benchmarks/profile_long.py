"""cProfile of one long document (the documents of ``bench_long.py``), model off.

    python benchmarks/profile_long.py [--size 1000000] [--layout paragraphs] [--top 25]

Prints the wall time under the profiler and the functions that took the most time
themselves: where a per-character cost that grows with the document comes from.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["BULLETIN_NLP_NO_MODEL"] = "1"

import bench_long  # noqa: E402

from bulletin_nlp.pipeline import process_text  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="characters")
    parser.add_argument("--layout", default="paragraphs", choices=bench_long.LAYOUTS)
    parser.add_argument("--top", type=int, default=25, help="functions to print")
    args = parser.parse_args()
    text = bench_long.build(args.size, args.layout)
    process_text(text[:5000], "warm.txt", use_model=False)  # rules and dictionaries
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    process_text(text, "long.txt", use_model=False)
    profile.disable()
    print(
        f"{args.layout} {len(text):,} chars: {time.perf_counter() - started:.1f} s under cProfile"
    )
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
