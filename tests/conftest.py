"""Shared fixtures: the sample corpus, processed once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_nlp.doc import Doc
from bulletin_nlp.pipeline import process_file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = CORPUS / "gold"
CORPUS_FILES = sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def corpus_docs() -> dict[str, Doc]:
    """Every sample bulletin run through the whole pipeline, keyed by file name."""
    return {p.name: process_file(p) for p in CORPUS_FILES}


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    """A fresh on-disk database path."""
    return tmp_path / "test.db"
