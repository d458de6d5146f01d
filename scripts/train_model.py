"""Train the model stage's spaCy NER pipeline and install it into the package.

    python scripts/train_model.py [--max-steps N] [--no-install]

Steps: convert ../shared/data/ner to DocBins (scripts/prepare_ner_data.py), train with
configs/ner.cfg (seeds fixed there), copy ``model-best`` to
src/bulletin_nlp/models/ner_zh with the version stamped into its meta. CPU only; about
30 minutes on one core. The training data is read from ../shared and never committed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# One BLAS thread: the machine is shared and the model is small.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from spacy.cli.train import train  # noqa: E402

import bulletin_nlp.extract._model_arch  # noqa: E402,F401  (registers the embedding layer)
from bulletin_nlp.extract.model import MODEL_DIR, MODEL_NAME  # noqa: E402

MODEL_VERSION = "1.0.0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ner")
    parser.add_argument("--build", type=Path, default=ROOT / "build" / "ner")
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "ner.cfg")
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--eval-frequency", type=int, default=None)
    parser.add_argument("--no-install", action="store_true", help="keep the model in build/")
    args = parser.parse_args()

    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "prepare_ner_data.py"),
         "--data", str(args.data), "--out", str(args.build)],
        check=True,
    )
    overrides: dict[str, object] = {
        "paths.train": str(args.build / "train.spacy"),
        "paths.dev": str(args.build / "dev.spacy"),
    }
    if args.max_steps:
        overrides["training.max_steps"] = args.max_steps
    if args.eval_frequency:
        overrides["training.eval_frequency"] = args.eval_frequency
    output = args.build / "model"
    started = time.time()
    train(args.config, output, overrides=overrides, use_gpu=-1)
    print(f"trained in {time.time() - started:.0f} s")
    if not args.no_install:
        install(output / "model-best")


def install(best: Path) -> None:
    """Copy the best checkpoint into the package, stamping name and version into its meta."""
    meta_path = best / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(name=MODEL_NAME.removeprefix("zh_"), version=MODEL_VERSION)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    if MODEL_DIR.exists():
        shutil.rmtree(MODEL_DIR)
    shutil.copytree(best, MODEL_DIR)
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    print(f"installed {MODEL_DIR} ({size / 1e6:.1f} MB), version {MODEL_VERSION}")


if __name__ == "__main__":
    main()
