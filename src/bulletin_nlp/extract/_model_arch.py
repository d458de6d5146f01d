"""spaCy/thinc layers of the NER model (imported only by the model stage and its scripts).

The model reads one token per character. A character alone says little about entity
boundaries, so each token is embedded from its character, the bigrams it forms with its
left and right neighbours, and its shape (digit, Latin, Han, punctuation). Bigrams are
hashed from the neighbours' ORTH ids, so no vocabulary of bigrams is stored.
"""

from __future__ import annotations

from typing import Any

import numpy
from spacy.attrs import ORTH, SHAPE
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

# Odd multipliers (and an edge sentinel) so (a, b) and (b, a) give different ids.
_LEFT_MUL = numpy.uint64(0x9E3779B97F4A7C15)
_RIGHT_MUL = numpy.uint64(0xC2B2AE3D27D4EB4F)
_EDGE = numpy.uint64(0x165667B19E3779F9)
N_FEATURES = 4  # char, left bigram, right bigram, shape


def char_features(doc: Doc) -> numpy.ndarray:
    """``(len(doc), 4)`` uint64 ids: char, left bigram, right bigram, shape."""
    attrs = doc.to_array([ORTH, SHAPE]).astype("uint64").reshape((-1, 2))
    orth = attrs[:, 0]
    prev = numpy.concatenate(([_EDGE], orth[:-1])).astype("uint64")
    nxt = numpy.concatenate((orth[1:], [_EDGE])).astype("uint64")
    with numpy.errstate(over="ignore"):  # wrap-around is the point of a hash
        left = (prev * _LEFT_MUL) ^ orth
        right = (orth * _RIGHT_MUL) ^ nxt
    return numpy.stack([orth, left, right, attrs[:, 1]], axis=1)


def _features_forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[list[Ints2d], Any]:
    feats = [model.ops.asarray2i(char_features(doc), dtype="uint64") for doc in docs]
    return feats, lambda d_feats: []


@registry.architectures("bulletin_nlp.CharBigramEmbed.v1")
def char_bigram_embed(
    width: int, char_rows: int, bigram_rows: int, embed_width: int = 64
) -> Model[list[Doc], list[Floats2d]]:
    """Embed char tokens from their character, both bigrams and shape; Maxout to ``width``."""
    rows = (char_rows, bigram_rows, bigram_rows, 64)
    tables = [
        HashEmbed(nO=embed_width, nV=n, column=i, seed=11 + i, dropout=0.0)
        for i, n in enumerate(rows)
    ]
    features: Model = Model("char_bigram_features", _features_forward)
    mix = Maxout(nO=width, nI=embed_width * len(rows), nP=2, dropout=0.0, normalize=True)
    return chain(
        features,
        list2ragged(),
        with_array(concatenate(*tables)),
        with_array(mix),
        ragged2list(),
    )
