"""spaCy/thinc layers of the NER model (imported only by the model stage and its scripts).

The model reads one token per character. A character alone says little about entity
boundaries, so each token is embedded from six hashed features:

- its character and its shape (digit, Latin, Han, punctuation);
- the bigrams it forms with its left and right neighbours;
- the project's jieba segmentation (:func:`bulletin_nlp.segment.pos_tokenize`): the word
  holding the character, and that word's part-of-speech flag with the character's place
  in it (``ns-B``: first character of a place word). jieba's dictionary, built from
  People's Daily, knows many place (``ns``), person (``nr``) and organization (``nt``)
  names, so these features act as a lexicon the model learns how far to trust.

Bigram and word ids are hashed, so no vocabulary of them is stored with the model.
"""

from __future__ import annotations

from typing import Any

import numpy
from spacy.attrs import ORTH, SHAPE
from spacy.strings import hash_string  # type: ignore[attr-defined]  # Cython export
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import (
    HashEmbed,
    Maxout,
    Model,
    chain,
    concatenate,
    list2ragged,
    ragged2list,
    with_array,
)
from thinc.types import Floats2d, Ints2d

from ..segment import pos_tokenize

# Odd multipliers (and an edge sentinel) so (a, b) and (b, a) give different ids.
_LEFT_MUL = numpy.uint64(0x9E3779B97F4A7C15)
_RIGHT_MUL = numpy.uint64(0xC2B2AE3D27D4EB4F)
_EDGE = numpy.uint64(0x165667B19E3779F9)
FEATURES = ("char", "left bigram", "right bigram", "shape", "word tag", "word")


def word_features(text: str) -> tuple[list[int], list[int]]:
    """Per character of ``text``: ids of ``flag-position`` and of the jieba word holding it."""
    tags = [0] * len(text)
    words = [0] * len(text)
    for word, flag, start, end in pos_tokenize(text):
        word_id = hash_string(word)
        for i in range(start, end):
            place = "S" if end - start == 1 else "B" if i == start else "E" if i == end - 1 else "I"
            tags[i] = hash_string(f"{flag}-{place}")
            words[i] = word_id
    return tags, words


def char_features(doc: Doc) -> numpy.ndarray:
    """``(len(doc), 6)`` uint64 ids, one column per name in :data:`FEATURES`."""
    attrs = doc.to_array([ORTH, SHAPE]).astype("uint64").reshape((-1, 2))
    orth = attrs[:, 0]
    prev = numpy.concatenate(([_EDGE], orth[:-1])).astype("uint64")
    nxt = numpy.concatenate((orth[1:], [_EDGE])).astype("uint64")
    with numpy.errstate(over="ignore"):  # wrap-around is the point of a hash
        left = (prev * _LEFT_MUL) ^ orth
        right = (orth * _RIGHT_MUL) ^ nxt
    tags, words = word_features(doc.text)
    starts = [t.idx for t in doc]  # a token's first character (tokens are characters)
    tag_col = numpy.asarray([tags[s] for s in starts], dtype="uint64")
    word_col = numpy.asarray([words[s] for s in starts], dtype="uint64")
    return numpy.stack([orth, left, right, attrs[:, 1], tag_col, word_col], axis=1)


def _features_forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[list[Ints2d], Any]:
    feats = [model.ops.asarray2i(char_features(doc), dtype="uint64") for doc in docs]  # type: ignore[arg-type]
    return feats, lambda d_feats: []


@registry.architectures("bulletin_nlp.CharWordEmbed.v1")
def char_word_embed(
    width: int, char_rows: int, bigram_rows: int, word_rows: int, embed_width: int = 64
) -> Model[list[Doc], list[Floats2d]]:
    """Embed char tokens from the six :data:`FEATURES`; Maxout down to ``width``."""
    rows = (char_rows, bigram_rows, bigram_rows, 64, 1000, word_rows)
    tables: list[Model] = [
        HashEmbed(nO=embed_width, nV=n, column=i, seed=11 + i, dropout=0.0)
        for i, n in enumerate(rows)
    ]
    features: Model = Model("char_word_features", _features_forward)
    mix = Maxout(nO=width, nI=embed_width * len(rows), nP=2, dropout=0.0, normalize=True)
    return chain(
        features,
        list2ragged(),
        with_array(concatenate(*tables)),
        with_array(mix),
        ragged2list(),
    )
