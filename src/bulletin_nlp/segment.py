"""Word segmentation with jieba behind one interface (the only module importing jieba).

A user dictionary built from the ``rules/`` lexicons keeps domain terms whole
(``社工站``, ``五社联动``, organization and place names). The tokenizer is built once per
process.
"""

from __future__ import annotations

import logging
import sys
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from math import log
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


def word_tag(word: str) -> str:
    """The part-of-speech tag jieba's dictionary gives ``word`` ("" if it lists none)."""
    return str(_get_pos_tokenizer().word_tag_tab.get(word) or "")


def _route(tok: Any, run: str) -> list[tuple[int, int]]:
    """The dictionary words of ``run`` on jieba's most probable path, as (start, end).

    jieba's ``get_DAG`` + ``calc`` fused: the same candidates, the same sums in the same
    order and the same tie-break (the longer word), without building the DAG and the
    tuples, so the path is jieba's own (the tests compare whole documents).
    """
    tok.check_initialized()
    get = tok.FREQ.get  # the prefix dictionary: words with their counts, prefixes with 0
    logtotal = log(tok.total)
    n = len(run)
    score = [0.0] * (n + 1)
    end = list(range(1, n + 2))
    for k in range(n - 1, -1, -1):
        best, best_end = 0.0, -1
        e = k + 1
        f = get(run[k])
        while f is not None:
            if f:
                value = log(f) - logtotal + score[e]
                if best_end < 0 or value >= best:
                    best, best_end = value, e
            if e >= n:
                break
            e += 1
            f = get(run[k:e])
        if best_end < 0:  # no dictionary word starts here: the character alone
            best, best_end = log(get(run[k]) or 1) - logtotal + score[k + 1], k + 1
        score[k], end[k] = best, best_end
    words = []
    k = 0
    while k < n:
        words.append((k, end[k]))
        k = end[k]
    return words


def _pieces(route: list[tuple[int, int]]) -> Iterator[tuple[int, int, bool]]:
    """The dictionary path as jieba walks it: (start, end, False) for a word of two or more
    characters, (start, end, True) for a maximal stretch of one-character words (which
    jieba hands to its HMM when the stretch is no dictionary word itself)."""
    stretch = -1
    for x, y in route:
        if y - x == 1:
            if stretch < 0:
                stretch = x
            continue
        if stretch >= 0:
            yield stretch, x, True
            stretch = -1
        yield x, y, False
    if stretch >= 0:
        yield stretch, route[-1][1], True


def _cached_route(
    routes: dict[str, list[tuple[int, int]]], tok: Any, run: str
) -> list[tuple[int, int]]:
    """:func:`_route` through a per-document cache: the tagger and the plain segmenter
    ask for many of the same runs."""
    found = routes.get(run)
    if found is None:
        found = routes[run] = _route(tok, run)
    return found


_pos_tokenizer: Any = None


_MIN_FLOAT = -3.14e100  # jieba's score of an unseen emission
_MIN_INF = float("-inf")


class _HMM:
    """jieba.posseg's HMM tables with each (BMES, tag) state as an int.

    Ints follow the states' sort order, so comparing them breaks ties as comparing the
    tuples does; and hashing an int is free where a tuple is hashed on every set or dict
    operation.
    """

    def __init__(
        self,
        states: dict[str, tuple[Any, ...]],
        start_p: dict[Any, float],
        trans_p: dict[Any, dict[Any, float]],
        emit_p: dict[Any, dict[str, float]],
    ):
        names = sorted(
            {
                *trans_p,
                *start_p,
                *emit_p,
                *(y for d in trans_p.values() for y in d),
                *(y for ys in states.values() for y in ys),
            }
        )
        index = {name: i for i, name in enumerate(names)}
        self.names = names
        self.all = [index[y] for y in trans_p]
        self.states = {ch: tuple(index[y] for y in ys) for ch, ys in states.items()}
        self.start = {index[y]: p for y, p in start_p.items()}
        self.trans = {index[y0]: {index[y]: p for y, p in d.items()} for y0, d in trans_p.items()}
        self.emit = {index[y]: d for y, d in emit_p.items()}
        # y -> {y0: p} for the states y0 with a transition into y (the decoder's inner loop)
        self.incoming: dict[int, dict[int, float]] = {}
        for y0, d in self.trans.items():
            for y, p in d.items():
                self.incoming.setdefault(y, {})[y0] = p
        self.incoming_keys = {y: frozenset(d) for y, d in self.incoming.items()}


def _viterbi(obs: str, hmm: _HMM) -> list[Any]:
    """jieba.posseg's HMM decoder, same arithmetic and tie-breaking, about 5x faster.

    jieba scores every (previous state, state) pair through a generator of tuples; most
    pairs have no transition. Here only pairs with one are summed, in jieba's order of
    additions, and ties go to the greater previous state as jieba's ``max`` over
    ``(score, state)`` does, so the paths are identical (tests compare them).
    """
    trans, emit, states = hmm.trans, hmm.emit, hmm.states
    incoming, incoming_keys = hmm.incoming, hmm.incoming_keys
    first = obs[0]
    scores = {y: hmm.start[y] + emit[y].get(first, _MIN_FLOAT) for y in states.get(first, hmm.all)}
    back: list[dict[int, int]] = [dict.fromkeys(scores, -1)]
    for t in range(1, len(obs)):
        ch = obs[t]
        prev = [x for x in scores if trans[x]]
        prev_set = set(prev)
        expected: set[int] = set()
        for x in prev:
            expected.update(trans[x])
        candidates = expected.intersection(states.get(ch, hmm.all))
        if not candidates:
            candidates = expected or set(hmm.all)
        new_scores: dict[int, float] = {}
        came_from: dict[int, int] = {}
        for y in candidates:
            e = emit[y].get(ch, _MIN_FLOAT)
            best, arg = _MIN_INF, -1
            into = incoming.get(y)
            if into is not None:
                for y0 in prev_set.intersection(incoming_keys[y]):
                    score = scores[y0] + into[y0] + e
                    if arg < 0 or score > best or (score == best and y0 > arg):
                        best, arg = score, y0
            if arg < 0:  # no transition into y: jieba's -inf scores decide
                best, arg = max((scores[y0] + _MIN_INF + e, y0) for y0 in prev)
            new_scores[y] = best
            came_from[y] = arg
        scores = new_scores
        back.append(came_from)
    top = max(scores.values())
    state = max([y for y, v in scores.items() if v == top])  # ties: the greater state
    route: list[Any] = [None] * len(obs)
    for i in range(len(obs) - 1, -1, -1):
        route[i] = hmm.names[state]
        state = back[i][state]
    return route


def _get_pos_tokenizer() -> Any:
    global _pos_tokenizer
    if _pos_tokenizer is None:
        base = get_tokenizer()  # outside the lock: get_tokenizer takes it too
        with _lock:
            if _pos_tokenizer is None:
                _pos_tokenizer = _pos_tokenizer_class()(base)
    return _pos_tokenizer


_pristine_tags: dict[str, str] | None = None


def _posseg() -> Any:
    """``jieba.posseg``; imported here first, its word-tag table is kept as read.

    Importing the module reads the whole dictionary's tags (0.3 s). If nothing imported
    it before us, that table is still exactly the file's: a snapshot of it becomes our
    tagger's table instead of a second reading of the file. The snapshot is taken at
    once, so that jieba's global user words, merged into its table later, never leak
    into ours.
    """
    global _pristine_tags
    first = "jieba.posseg" not in sys.modules
    import jieba.posseg as ps

    if first:
        _pristine_tags = dict(ps.dt.word_tag_tab)
    return ps


def _pos_tokenizer_class() -> Any:
    """jieba's POSTokenizer with :func:`_viterbi` decoding its unknown-word runs.

    Overrides the private ``__cut`` of the pinned jieba version (0.42.1); the tests check
    that the tags equal jieba's own on every sample bulletin.
    """
    ps = _posseg()
    hmm = _HMM(ps.char_state_tab_P, ps.start_P, ps.trans_P, ps.emit_P)

    base: Any = ps.POSTokenizer

    class FastPOSTokenizer(base):  # type: ignore[misc]
        def __init__(self, tokenizer: Any) -> None:
            global _pristine_tags
            if _pristine_tags is None or tokenizer.dictionary != ps.dt.tokenizer.dictionary:
                super().__init__(tokenizer)  # reads the dictionary file's tags
                return
            # The snapshot becomes this tagger's table (user words merge into it): no
            # third copy of the dictionary's tags stays in memory.
            self.tokenizer = tokenizer
            self.word_tag_tab, _pristine_tags = _pristine_tags, None

        def _POSTokenizer__cut(self, sentence: str) -> Iterator[Any]:  # noqa: N802
            pos_list = _viterbi(sentence, hmm)
            begin, nexti = 0, 0
            for i, char in enumerate(sentence):
                pos = pos_list[i][0]
                if pos == "B":
                    begin = i
                elif pos == "E":
                    yield ps.pair(sentence[begin : i + 1], pos_list[i][1])
                    nexti = i + 1
                elif pos == "S":
                    yield ps.pair(char, pos_list[i][1])
                    nexti = i + 1
            if nexti < len(sentence):
                yield ps.pair(sentence[nexti:], pos_list[nexti][1])

    return FastPOSTokenizer


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
_PENDING = "?pending"  # flag of a stretch of unknown characters not yet decoded


class PosTokens:
    """The :func:`pos_tokenize` tokens of ``text``, tagged lazily run by run.

    jieba.posseg cuts a text into runs of Han characters, letters, digits and ``+#&._``
    (its ``re_han_internal``) and tags each run on its own; every other character is a
    token by itself, tagged ``x`` (``\\r\\n`` is one). So a query only needs the run around
    its offset: most runs of a document are never tagged. The answers equal those of
    :func:`pos_tokenize` over the whole text.
    """

    def __init__(self, text: str, routes: dict[str, list[tuple[int, int]]] | None = None):
        self.text = text
        self.routes = {} if routes is None else routes  # run text -> its dictionary path
        spans = [m.span() for m in _posseg().re_han_internal.finditer(text)]
        self._starts = [s for s, _e in spans]
        self._ends = [e for _s, e in spans]
        self._runs: dict[int, tuple[list[int], list[PosToken]]] = {}  # run -> starts, tokens

    def _run(self, pos: int) -> int:
        """Index of the run with start <= pos < end, or -1."""
        i = bisect_right(self._starts, pos) - 1
        return i if i >= 0 and pos < self._ends[i] else -1

    def _tagged(self, i: int) -> tuple[list[int], list[PosToken]]:
        """Run ``i`` cut as jieba.posseg cuts it, runs of unknown characters still pending.

        jieba takes a run's dictionary segmentation and hands each stretch of unknown
        single characters to its HMM tagger, the costly part: that waits for a query
        inside the stretch (``at`` decodes it). The tokens come out as jieba's.
        """
        found = self._runs.get(i)
        if found is None:
            start, end = self._starts[i], self._ends[i]
            tok = _get_pos_tokenizer()
            tok.makesure_userdict_loaded()
            base, tags = tok.tokenizer, tok.word_tag_tab
            run = self.text[start:end]
            tokens: list[PosToken] = []
            for b, e, stretch in _pieces(_cached_route(self.routes, base, run)):
                piece = run[b:e]
                if stretch and len(piece) > 1 and not base.FREQ.get(piece):
                    tokens.append((piece, _PENDING, start + b, start + e))
                elif stretch and len(piece) > 1:  # a dictionary word, cut to characters
                    for k, ch in enumerate(piece, start + b):
                        tokens.append((ch, tags.get(ch, "x"), k, k + 1))
                else:
                    tokens.append((piece, tags.get(piece, "x"), start + b, start + e))
            found = ([t[2] for t in tokens], tokens)
            self._runs[i] = found
        return found

    @staticmethod
    def _decode(starts: list[int], tokens: list[PosToken], j: int) -> None:
        """Replace the pending stretch ``tokens[j]`` by the HMM tagger's tokens."""
        buf, _flag, pos, _end = tokens[j]
        decoded: list[PosToken] = []
        for pair in _get_pos_tokenizer()._POSTokenizer__cut_detail(buf):
            decoded.append((pair.word, pair.flag, pos, pos + len(pair.word)))
            pos += len(pair.word)
        tokens[j : j + 1] = decoded
        starts[j : j + 1] = [t[2] for t in decoded]

    def at(self, k: int) -> PosToken:
        """The token covering character ``k`` (0 <= k < len(text))."""
        i = self._run(k)
        if i >= 0:
            starts, tokens = self._tagged(i)
            j = bisect_right(starts, k) - 1
            if tokens[j][1] is _PENDING:
                self._decode(starts, tokens, j)
                j = bisect_right(starts, k) - 1
            return tokens[j]
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
        i = self._run(pos)
        if i >= 0:
            starts, _tokens = self._tagged(i)
            if starts[bisect_right(starts, pos) - 1] == pos:
                return True  # no need to decode a pending stretch that starts here
        return self.at(pos)[2] == pos


def _cut_ends(
    run: str, offset: int, routes: dict[str, list[tuple[int, int]]] | None = None
) -> list[int]:
    """Ends of the words jieba's ``cut`` (HMM on) makes of ``run``, shifted by ``offset``.

    jieba's own steps: the dictionary path (:func:`_route`), then each stretch of single
    characters that is no dictionary word goes to its HMM segmenter (``finalseg``).
    """
    from jieba import finalseg

    tok = get_tokenizer()
    ends: list[int] = []
    for b, e, stretch in _pieces(_cached_route({} if routes is None else routes, tok, run)):
        piece = run[b:e]
        if stretch and len(piece) > 1 and not tok.FREQ.get(piece):
            pos = offset + b
            for word in finalseg.cut(piece):
                pos += len(word)
                ends.append(pos)
        elif stretch:
            ends.extend(range(offset + b + 1, offset + e + 1))
        else:
            ends.append(offset + e)
    return ends


class TokenBounds(AbstractSet[int]):
    """The offsets where jieba tokens of ``text`` start or end, computed lazily.

    jieba cuts a text into runs of Han characters, letters and digits (its
    ``re_han_default``) and segments each run on its own; every other character is a
    token by itself (``\\r\\n`` is one). So a membership test only needs the run around
    the offset: extractors ask about a few offsets per sentence, and most runs are never
    segmented at all. The result equals the boundaries of :func:`tokenize` over the
    whole text.
    """

    def __init__(self, text: str, routes: dict[str, list[tuple[int, int]]] | None = None):
        import jieba

        self.text = text
        self.routes = {} if routes is None else routes  # run text -> its dictionary path
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
            found = _cut_ends(self.text[start:end], start, self.routes)
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
