"""Train the model stage's spaCy NER pipeline and install it into the package.

    python scripts/train_model.py [--max-steps N] [--no-install]

Steps: convert ../shared/data/ner to DocBins (scripts/prepare_ner_data.py); phase 1 trains
with configs/ner.cfg on all sources; phase 2 (configs/ner_finetune.cfg) continues from
phase 1's best model on People's Daily alone; the best phase-2 model is copied to
src/bulletin_nlp/models/ner_zh with the version stamped into its meta. Seeds are fixed in
the configs. CPU only: about 20-40 minutes on one core, depending on load. The training
data is read from ../shared and never committed.
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
from spacy.util import load_config  # noqa: E402

import bulletin_nlp.extract._model_arch  # noqa: E402,F401  (registers the embedding layer)
from bulletin_nlp.extract.model import MODEL_DIR, MODEL_NAME  # noqa: E402

MODEL_VERSION = "1.0.0"
CONFIGS = ROOT / "configs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ner")
    parser.add_argument("--build", type=Path, default=ROOT / "build" / "ner")
    parser.add_argument("--phases", choices=["all", "1", "2"], default="all")
    parser.add_argument("--max-steps", type=int, default=None, help="phase 1 (a quick try)")
    parser.add_argument("--eval-frequency", type=int, default=None, help="phase 1")
    parser.add_argument("--no-install", action="store_true", help="keep the model in build/")
    args = parser.parse_args()

    started = time.time()
    if args.phases in ("all", "1"):
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
        train(CONFIGS / "ner.cfg", args.build / "model", overrides=overrides, use_gpu=-1)
        print(f"phase 1 done at {time.time() - started:.0f} s")
    if args.phases in ("all", "2"):
        overrides = {
            "paths.base": str(args.build / "model" / "model-best"),
            "paths.train": str(args.build / "pd_train.spacy"),
            "paths.dev": str(args.build / "pd_dev.spacy"),
        }
        train(CONFIGS / "ner_finetune.cfg", args.build / "model2", overrides=overrides, use_gpu=-1)
        print(f"phase 2 done at {time.time() - started:.0f} s")
    if not args.no_install:
        install(args.build / "model2" / "model-best")


def install(best: Path) -> None:
    """Copy the best checkpoint into the package, stamping name and version into its meta."""
    meta_path = best / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(
        name=MODEL_NAME.removeprefix("zh_"),
        version=MODEL_VERSION,
        description="ORG/PLACE/PERSON tagger of bulletin_nlp's model stage (docs/model.md)",
        license="research use only (training corpora carry no open license)",
    )
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    if MODEL_DIR.exists():
        shutil.rmtree(MODEL_DIR)
    shutil.copytree(best, MODEL_DIR)
    # The build machine's corpus paths mean nothing to the installed model.
    config = load_config(MODEL_DIR / "config.cfg", interpolate=False)
    for key in ("base", "train", "dev"):
        if key in config["paths"]:
            config["paths"][key] = None
    config.to_disk(MODEL_DIR / "config.cfg")
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    print(f"installed {MODEL_DIR} ({size / 1e6:.1f} MB), version {MODEL_VERSION}")


if __name__ == "__main__":
    main()
