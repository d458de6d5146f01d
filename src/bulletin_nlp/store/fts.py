"""The full-text index's tokenizer: CJK character bigrams, so that a query of any length
finds the sentences holding it (FTS5's own tokenizer keeps a CJK run as one token)."""

from __future__ import annotations

import operator
import re

# Runs of ASCII letters/digits, and of other alphanumeric (CJK) characters: in ``re``,
# ``[^\W_]`` is exactly ``str.isalnum``.
_RUN_RE = re.compile(r"[A-Za-z0-9]+|[^\W_\x00-\x7f]+")


def _runs(text: str) -> list[tuple[str, bool]]:
    """Split text into (run, is_cjk) runs of Latin/digit words and of CJK characters."""
    return [(run, not run[0].isascii()) for run in _RUN_RE.findall(text)]


def _tokens(text: str, *, query: bool = False) -> list[str]:
    """The index tokens of ``text``; for a ``query``, its last CJK run ends in a prefix
    match (``年*``) instead of a lone last character."""
    out: list[str] = []
    runs = _runs(text)
    for i, (run, cjk) in enumerate(runs):
        if not cjk:
            out.append(run.lower())
            continue
        last_of_query = query and i == len(runs) - 1
        if len(run) == 1:
            out.append(run + ("*" if last_of_query else ""))
            continue
        out.extend(map(operator.add, run, run[1:]))  # the bigrams, without a Python loop
        if not last_of_query:
            out.append(run[-1])  # a run's last character, so a query may continue past it
    return out


def bigrams(text: str) -> str:
    """Index text for FTS: CJK character bigrams (plus each run's last character) and words.

    FTS5's default tokenizer treats a run of CJK as one token, so ``社工`` would never
    match inside ``社工站``; bigrams make every two-character query findable.
    """
    return " ".join(_tokens(text))


def fts_query(query: str) -> str:
    """Turn a user query into an FTS5 MATCH expression over bigrams (terms ANDed)."""
    terms = []
    for word in query.split():
        tokens = _tokens(word, query=True)
        if not tokens:
            continue
        prefix = tokens[-1].endswith("*")
        body = " ".join(t.rstrip("*").replace('"', '""') for t in tokens)
        terms.append(f'"{body}"' + ("*" if prefix else ""))
    return " AND ".join(terms)
