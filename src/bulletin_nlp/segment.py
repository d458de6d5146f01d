"""Word segmentation with jieba behind one interface (the only module importing jieba).

A user dictionary built from the ``rules/`` lexicons keeps domain terms whole
(``社工站``, ``五社联动``, organization and place names). The tokenizer is built once per
process.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
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


def _get_pos_tokenizer() -> Any:
    global _pos_tokenizer
    if _pos_tokenizer is None:
        base = get_tokenizer()  # outside the lock: get_tokenizer takes it too
        with _lock:
            if _pos_tokenizer is None:
                import jieba.posseg

                _pos_tokenizer = jieba.posseg.POSTokenizer(base)
    return _pos_tokenizer


def pos_tokenize(text: str) -> list[tuple[str, str, int, int]]:
    """Segment ``text`` with part-of-speech flags: (word, flag, start, end).

    Uses the same user dictionary as :func:`tokenize`; user terms without a tag get ``x``.
    """
    out: list[tuple[str, str, int, int]] = []
    pos = 0
    for pair in _get_pos_tokenizer().cut(text, HMM=True):
        end = pos + len(pair.word)
        out.append((pair.word, pair.flag, pos, end))
        pos = end
    return out


PosToken = tuple[str, str, int, int]


class PosTokens:
    """The :func:`pos_tokenize` tokens of ``text``, tagged lazily run by run.

    jieba.posseg cuts a text into runs of Han characters, letters, digits and ``+#&._``
    (its ``re_han_internal``) and tags each run on its own; every other character is a
    token by itself, tagged ``x`` (``\\r\\n`` is one). So a query only needs the run around
    its offset: most runs of a document are never tagged. The answers equal those of
    :func:`pos_tokenize` over the whole text.
    """

    def __init__(self, text: str):
        import jieba.posseg

        self.text = text
        spans = [m.span() for m in jieba.posseg.re_han_internal.finditer(text)]
        self._starts = [s for s, _e in spans]
        self._ends = [e for _s, e in spans]
        self._runs: dict[int, tuple[list[int], list[PosToken]]] = {}  # run -> starts, tokens

    def _run(self, pos: int) -> int:
        """Index of the run with start <= pos < end, or -1."""
        i = bisect_right(self._starts, pos) - 1
        return i if i >= 0 and pos < self._ends[i] else -1

    def _tagged(self, i: int) -> tuple[list[int], list[PosToken]]:
        found = self._runs.get(i)
        if found is None:
            start, end = self._starts[i], self._ends[i]
            tokens: list[PosToken] = []
            pos = start
            for pair in _get_pos_tokenizer().cut(self.text[start:end], HMM=True):
                tokens.append((pair.word, pair.flag, pos, pos + len(pair.word)))
                pos += len(pair.word)
            found = ([t[2] for t in tokens], tokens)
            self._runs[i] = found
        return found

    def at(self, k: int) -> PosToken:
        """The token covering character ``k`` (0 <= k < len(text))."""
        i = self._run(k)
        if i >= 0:
            starts, tokens = self._tagged(i)
            return tokens[bisect_right(starts, k) - 1]
        text = self.text
        if text[k : k + 2] == "\r\n":
            return ("\r\n", "x", k, k + 2)
        if k > 0 and text[k - 1 : k + 1] == "\r\n":
            return ("\r\n", "x", k - 1, k + 1)
        return (text[k], "x", k, k + 1)

    def __contains__(self, pos: object) -> bool:
        """Whether ``pos`` is a token boundary (a start or an end)."""
        if not isinstance(pos, int) or not self.text or not 0 <= pos <= len(self.text):
            return False
        if pos == 0 or pos == len(self.text):
            return True
        return self.at(pos)[2] == pos


class TokenBounds(AbstractSet[int]):
    """The offsets where jieba tokens of ``text`` start or end, computed lazily.

    jieba cuts a text into runs of Han characters, letters and digits (its
    ``re_han_default``) and segments each run on its own; every other character is a
    token by itself (``\\r\\n`` is one). So a membership test only needs the run around
    the offset: extractors ask about a few offsets per sentence, and most runs are never
    segmented at all. The result equals the boundaries of :func:`tokenize` over the
    whole text.
    """

    def __init__(self, text: str):
        import jieba

        self.text = text
        spans = [m.span() for m in jieba.re_han_default.finditer(text)]
        self._starts = [s for s, _e in spans]
        self._ends = [e for _s, e in spans]
        self._inner: dict[int, list[int]] = {}  # run index -> sorted interior boundaries

    def _run(self, pos: int) -> int:
        """Index of the run with start <= pos < end, or -1."""
        i = bisect_right(self._starts, pos) - 1
        return i if i >= 0 and pos < self._ends[i] else -1

    def _interior(self, i: int) -> list[int]:
        found = self._inner.get(i)
        if found is None:
            start, end = self._starts[i], self._ends[i]
            found = []
            pos = start
            for word in get_tokenizer().cut(self.text[start:end], HMM=True):
                pos += len(word)
                found.append(pos)
            found.pop()  # the run's end
            self._inner[i] = found
        return found

    def __contains__(self, pos: object) -> bool:
        if not isinstance(pos, int) or not self.text or not 0 <= pos <= len(self.text):
            return False
        i = self._run(pos)
        if i >= 0 and pos > self._starts[i]:
            inner = self._interior(i)
            k = bisect_left(inner, pos)
            return k < len(inner) and inner[k] == pos
        return not (0 < pos < len(self.text) and self.text[pos - 1 : pos + 1] == "\r\n")

    def prev(self, pos: int) -> int | None:
        """The largest boundary below ``pos`` (None if there is none)."""
        q = min(pos, len(self.text) + 1) - 1
        if q < 0 or not self.text:
            return None
        if q == len(self.text):
            return q
        i = self._run(q)
        if i >= 0:
            inner = self._interior(i)
            k = bisect_right(inner, q)
            return inner[k - 1] if k else self._starts[i]
        if q > 0 and self.text[q - 1 : q + 1] == "\r\n":
            return q - 1
        return q

    def _all(self) -> list[int]:
        if not self.text:
            return []
        return sorted(b for b in range(len(self.text) + 1) if b in self)

    def __iter__(self) -> Iterator[int]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())
