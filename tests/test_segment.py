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


_LEAK_PROBE = """
import sys
from bulletin_nlp import segment
if sys.argv[1] == "ours-first":
    segment.PosTokens("民政")  # imports jieba.posseg; our tagger is built later
import jieba, jieba.posseg
jieba.add_word("龘莪犇", tag="nt")
jieba.posseg.lcut("龘莪犇")  # merges the global user word's tag into jieba.posseg's table
print(segment._get_pos_tokenizer().word_tag_tab.get("龘莪犇"), segment.word_freq("社会"))
"""


@pytest.mark.parametrize("order", ["ours-first", "jieba-first"])
def test_tagger_ignores_jiebas_global_user_tags(order: str) -> None:
    """Our tagger reuses the tag table importing jieba.posseg read, but never a table that
    another user of jieba has added words to."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _LEAK_PROBE, order], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "None"
    assert int(out[1]) > 0
