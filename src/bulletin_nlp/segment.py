"""Word segmentation with jieba behind one interface (the only module importing jieba).

A user dictionary built from the ``rules/`` lexicons keeps domain terms whole
(``社工站``, ``五社联动``, organization and place names). The tokenizer is built once per
process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

_lock = threading.Lock()
_tokenizer: Any = None
_extra_terms: list[str] = []


def add_terms(terms: Iterable[str]) -> None:
    """Register domain terms for the user dictionary (before first use, or re-adds them)."""
    new = [t for t in terms if t and len(t) >= 2]
    _extra_terms.extend(new)
    if _tokenizer is not None:
        for term in new:
            _tokenizer.add_word(term, freq=None)


def _lexicon_terms() -> list[str]:
    from .lexicon import domain_terms

    return domain_terms()


def get_tokenizer() -> Any:
    """The process-wide jieba tokenizer with the project's user dictionary loaded."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for term in _lexicon_terms() + _extra_terms:
                    # freq=None lets jieba pick a frequency that keeps the term whole.
                    tok.add_word(term, freq=None)
                _tokenizer = tok
    return _tokenizer


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Segment ``text`` into (word, start, end) with offsets into ``text``."""
    tok = get_tokenizer()
    out: list[tuple[str, int, int]] = []
    for word, start, end in tok.tokenize(text, HMM=True):
        out.append((word, start, end))
    return out


def words(text: str) -> list[str]:
    """Segment ``text`` into words."""
    return [w for w, _s, _e in tokenize(text)]


def word_freq(word: str) -> int:
    """The jieba dictionary frequency of ``word`` (0 if unknown): high for common words."""
    return int(get_tokenizer().FREQ.get(word) or 0)


_pos_tokenizer: Any = None


def pos_tokenize(text: str) -> list[tuple[str, str, int, int]]:
    """Segment ``text`` with part-of-speech flags: (word, flag, start, end).

    Uses the same user dictionary as :func:`tokenize`; user terms without a tag get ``x``.
    """
    global _pos_tokenizer
    if _pos_tokenizer is None:
        with _lock:
            if _pos_tokenizer is None:
                import jieba.posseg

                _pos_tokenizer = jieba.posseg.POSTokenizer(get_tokenizer())
    out: list[tuple[str, str, int, int]] = []
    pos = 0
    for pair in _pos_tokenizer.cut(text, HMM=True):
        end = pos + len(pair.word)
        out.append((pair.word, pair.flag, pos, end))
        pos = end
    return out
