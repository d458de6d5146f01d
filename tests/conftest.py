"""Shared fixtures: the sample corpus, processed once per test session."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest

from bulletin_nlp.doc import Doc
from bulletin_nlp.pipeline import process_file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = CORPUS / "gold"
CORPUS_FILES = sorted(CORPUS.glob("*.txt"))


def _samples() -> Path:
    """A folder holding only the five sample bulletins: ``corpus/`` also holds the
    real-world evaluation set, which tests that ingest "the corpus" do not mean."""
    folder = Path(tempfile.mkdtemp(prefix="bulletin-samples-"))
    atexit.register(shutil.rmtree, folder, True)
    for path in CORPUS_FILES:
        shutil.copy2(path, folder / path.name)
    return folder


SAMPLES = _samples()


@pytest.fixture(scope="session")
def corpus_docs() -> dict[str, Doc]:
    """Every sample bulletin run through the whole pipeline, keyed by file name."""
    return {p.name: process_file(p) for p in CORPUS_FILES}


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    """A fresh on-disk database path."""
    return tmp_path / "test.db"
