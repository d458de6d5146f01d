"""Assign new real-world sources to the dev or test split, by a hash of their address.

New excerpts go into ``corpus/realworld/pool/**`` (``*.txt`` with ``gold/*.yaml``); this
script moves each into ``corpus/realworld/dev`` or ``corpus/realworld/test`` by the parity
of the SHA-1 of its normalized URL, so a split never depends on who added a file or when,
compiles the gold to JSON and rewrites ``corpus/realworld/sources.csv``.

    python scripts/split_realworld.py
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import sys
from pathlib import Path

import yaml

from bulletin_nlp.gold import compile_folder

ROOT = Path(__file__).resolve().parents[1] / "corpus" / "realworld"


def split_of(url: str) -> str:
    """``dev`` or ``test`` for a source address (scheme and trailing slash ignored)."""
    key = url.strip().split("://", 1)[-1].rstrip("/")
    return "test" if hashlib.sha1(key.encode("utf-8")).digest()[0] % 2 else "dev"


def main() -> int:
    moved = 0
    for gold in sorted((ROOT / "pool").glob("**/gold/*.yaml")):
        data = yaml.safe_load(gold.read_text(encoding="utf-8"))
        text = gold.parent.parent / data["doc"]
        split = split_of(str(data["url"]))
        (ROOT / split / "gold").mkdir(parents=True, exist_ok=True)
        shutil.move(str(text), ROOT / split / text.name)
        shutil.move(str(gold), ROOT / split / "gold" / gold.name)
        gold.with_suffix(".json").unlink(missing_ok=True)
        moved += 1
    rows = []
    for split in ("dev", "test"):
        if (ROOT / split / "gold").is_dir():
            compile_folder(ROOT / split / "gold")
            for gold in sorted((ROOT / split / "gold").glob("*.yaml")):
                data = yaml.safe_load(gold.read_text(encoding="utf-8"))
                rows.append((data["doc"], split, data["url"]))
    with (ROOT / "sources.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "split", "url"])
        writer.writerows(rows)
    print(f"{moved} sources assigned; {len(rows)} in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
