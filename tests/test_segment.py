"""The segmenter: our faster part-of-speech decoder tags exactly as jieba's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin_nlp.normalize import normalize
from bulletin_nlp.segment import PosTokens, get_tokenizer, pos_tokenize

from .conftest import CORPUS_FILES

# Characters of bulletins, unknown-word material (names, rare characters), digits, Latin.
_ALPHABET = (
    "民政社会工作站服务中心张王李伟芳娜鑫淼犇龘莪蒗彝族自治县乡镇街道村社区年月日万余名个项"
    + "0123456789abcXYZ.%-（）、，。 \n"
)


def _jieba_tags(text: str) -> list[tuple[str, str]]:
    import jieba.posseg

    reference = jieba.posseg.POSTokenizer(get_tokenizer())
    return [(p.word, p.flag) for p in reference.cut(text, HMM=True)]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_tags_equal_jiebas_on_every_bulletin(path: Path) -> None:
    text = normalize(path.read_text(encoding="utf-8"))[0]
    assert [(w, f) for w, f, _s, _e in pos_tokenize(text)] == _jieba_tags(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_tags_equal_jiebas_on_any_text(text: str) -> None:
    assert [(w, f) for w, f, _s, _e in pos_tokenize(text)] == _jieba_tags(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 陈晓燕 is no dictionary word: the HMM decoder reads the run as one name.
        ("志愿者陈晓燕说", [("志愿者", "n"), ("陈晓燕", "nr"), ("说", "v")]),
        ("民政部召开会议", [("民政部", "nt"), ("召开", "v"), ("会议", "n")]),
    ],
)
def test_known_tags(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(w, f) for w, f, _s, _e in pos_tokenize(text)] == expected


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_lazy_tokens_equal_whole_text_tagging(path: Path) -> None:
    text = normalize(path.read_text(encoding="utf-8"))[0]
    whole = pos_tokenize(text)
    bounds = {b for _w, _f, s, e in whole for b in (s, e)}
    # Ask in a scattered order, so stretches get decoded out of order too.
    tokens = PosTokens(text)
    for k in [*range(0, len(text), 7), *range(len(text) - 1, -1, -3)]:
        assert (k in tokens) == (k in bounds)
    for word, flag, start, end in whole:
        for k in range(start, end):
            assert tokens.at(k) == (word, flag, start, end)
