"""The versions stored with every span: the ruleset's hash and the model stage's version.

Computed without loading the rules or the model (no regex, YAML, pydantic or spaCy), so a
re-ingest that finds nothing changed stays a matter of hashing files.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL_NAME = "zh_bulletin_ner"
MODEL_DIR = Path(__file__).resolve().parent / "models" / "ner_zh"
ENV_OFF = "BULLETIN_NLP_NO_MODEL"


def rules_dir() -> Path:
    """The rules folder: ``$BULLETIN_NLP_RULES`` or the project's ``rules/``."""
    env = os.environ.get("BULLETIN_NLP_RULES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "rules"


@lru_cache(maxsize=8)
def ruleset_version(directory: str | None = None) -> str:
    """A short hash of every rules file, stored with each span so re-runs can tell."""
    folder = Path(directory) if directory else rules_dir()
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return "rules-" + digest.hexdigest()[:10]


def model_enabled() -> bool:
    """Whether the model stage should run by default (``BULLETIN_NLP_NO_MODEL`` unset)."""
    return os.environ.get(ENV_OFF, "").strip().lower() in ("", "0", "false", "no")


@lru_cache(maxsize=1)
def model_meta() -> dict[str, Any]:
    """The shipped model's spaCy meta (name, version, scores), read without spaCy."""
    return dict(json.loads((MODEL_DIR / "meta.json").read_text(encoding="utf-8")))


def model_version() -> str:
    """``<name>-<version>`` of the shipped model, as recorded with its mentions."""
    m = model_meta()
    return f"{m['lang']}_{m['name']}-{m['version']}"
