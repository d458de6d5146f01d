"""Model stage: a trained spaCy NER (ORG / PLACE / PERSON) beside the rules.

The model (one token per character, tok2vec + ner, trained on news NER corpora by
``scripts/train_model.py``; see docs/model.md) ships in ``bulletin_nlp/models/ner_zh``.
It runs sentence by sentence over ``doc.norm``; each entity of the greedy parse gets a
probability: its share of a small beam. A model span is kept only when

- no earlier stage has a hit overlapping it (rule spans always win),
- its probability reaches :data:`THRESHOLD`,
- it passes the rules' own sanity checks (:func:`plausible`): it starts and ends on jieba
  token boundaries, holds no punctuation, is not one common dictionary word; a PERSON has
  the rules' name shape (listed surname, short given name); an ORG is not a generic noun
  of ``rules/org.yaml`` (``not_org``), nor a slogan or a programme of
  ``rules/initiative.yaml`` (``stop``, or ending in a ``suffix_cue`` such as 计划 or 行动),
  has, before its head word, a distinctive one (not ``generic``, national or a place:
  ``社区基金`` is not a name); a single dictionary word must not be a generic compound
  (``中华文化``) nor end in a suffix of the ORG rules, which have judged it (``外贸公司``), and
- the project's resolvers can normalize it: places must resolve to an adcode through
  :mod:`bulletin_nlp.gazetteer`, organizations get the canonical name the lexicon or the
  document knows (:func:`bulletin_nlp.resolve_org.resolve_org`).

Hits carry ``extractor="model"``, ``rule_id="model:<name>"``, the score, and the model
version in ``attrs["version"]`` (stored as the mention's ruleset version). spaCy is
imported only here and only when the stage runs; the pipeline skips the stage when
``use_model`` is off (CLI ``--no-model``, or ``BULLETIN_NLP_NO_MODEL=1``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import regex

from ..doc import Doc
from ..segment import tokenize, word_freq
from ..spans import MENTION_TYPES, Hit

# Re-exported: the CLI, the training script and the tests use these names from here.
from ..versions import ENV_OFF as ENV_OFF
from ..versions import MODEL_DIR as MODEL_DIR
from ..versions import MODEL_NAME as MODEL_NAME
from ..versions import model_enabled as enabled  # noqa: F401 - the stage's on/off switch
from ..versions import model_version as model_version

# The stage's declaration, checked by the pipeline at start-up (bulletin_nlp.pipeline).
REQUIRES = ("sentences", "hits:PLACE", "hits:ORG", "hits:PERSON")
ASSIGNS = ("hits:ORG", "hits:PERSON")
RULES: tuple[str, ...] = ()

if TYPE_CHECKING:
    from spacy.language import Language

# Minimum beam probability of a kept span. Chosen on the training corpora's dev split and
# the dev bulletins so that model spans rarely cost precision (docs/model.md).
THRESHOLD = 0.9
BEAM_WIDTH = 8
BEAM_DENSITY = 0.0001  # prune beam candidates below this share of the best score
LABELS = ("ORG", "PLACE", "PERSON")
# Spans never include enclosing brackets or quotes (FACTS.md).
_STRIP = "《》“”‘’「」『』\"'（）()【】[]"
_MIN_CHARS = 2  # one-character names (京, 华) are abbreviations the rules handle in context
# A span that is one jieba word this common is an ordinary word (政府, 中央, 国家队), as in
# the PERSON rules; real names are absent from the dictionary or rare in it.
_COMMON_WORD_FREQ = 100
_NAME_CHARS = regex.compile(r"[\p{Han}A-Za-z0-9·]+")


@dataclass(frozen=True, slots=True)
class Entity:
    """A model prediction in the offsets of the text it was given."""

    start: int
    end: int
    label: str
    score: float


@lru_cache(maxsize=1)
def load() -> Language:
    """Load the shipped pipeline once per process."""
    import spacy

    from . import _model_arch  # noqa: F401  (registers the embedding layer the config names)

    return spacy.load(MODEL_DIR)


def predict(texts: Sequence[str]) -> list[list[Entity]]:
    """The entities of each text (greedy parse) with their beam probabilities.

    The model was trained greedily and its greedy parse is its best one (beam parses
    score a little lower on held-out news); the beam only measures how much of its mass
    agrees with each greedy entity.
    """
    nlp = load()
    ner: Any = nlp.get_pipe("ner")  # spacy's EntityRecognizer (a Cython class)
    docs = list(nlp.pipe(texts, disable=["ner"]))  # tok2vec: sets doc.tensor for the NER
    out: list[list[Entity]] = [[] for _ in docs]
    busy = [i for i, d in enumerate(docs) if len(d)]
    if not busy:
        return out
    work = [docs[i] for i in busy]
    ner.set_annotations(work, ner.greedy_parse(work))
    beams = ner.beam_parse(work, beam_width=BEAM_WIDTH, beam_density=BEAM_DENSITY)
    scores = ner.scored_ents(beams)
    for i, doc, score in zip(busy, work, scores, strict=True):
        out[i] = [
            Entity(
                e.start_char,
                e.end_char,
                e.label_,
                float(score.get((e.start, e.end, e.label_), 0.0)),
            )
            for e in doc.ents
        ]
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past enclosing brackets, quotes and spaces."""
    while start < end and (text[start] in _STRIP or text[start].isspace()):
        start += 1
    while end > start and (text[end - 1] in _STRIP or text[end - 1].isspace()):
        end -= 1
    return start, end


def extract(doc: Doc) -> list[Hit]:
    """Model hits the earlier (rule) stages did not find, normalized by the resolvers."""
    if not MODEL_DIR.is_dir():
        return []
    taken = bytearray(len(doc.norm))
    for hit in doc.hits:
        if hit.type in MENTION_TYPES:
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
    spans = [(s.start, s.end) for s in doc.sentences] or [(0, len(doc.norm))]
    predictions = predict([doc.norm[s:e] for s, e in spans])
    version = model_version()
    hits: list[Hit] = []
    for (offset, _), ents in zip(spans, predictions, strict=True):
        for ent in ents:
            start, end = _trim(doc.norm, offset + ent.start, offset + ent.end)
            if end - start < _MIN_CHARS or ent.score < THRESHOLD:
                continue
            if taken.find(1, start, end) >= 0 or not plausible(doc, ent.label, start, end):
                continue
            norm = _normalize(doc, ent.label, start, end)
            if norm is None:
                continue
            hits.append(
                Hit(
                    start,
                    end,
                    ent.label,
                    norm,
                    f"model:{MODEL_NAME}",
                    extractor="model",
                    score=round(ent.score, 4),
                    priority=-1,  # below every rule on equal spans
                    attrs={"version": version},
                )
            )
    return hits


def plausible(doc: Doc, label: str, start: int, end: int) -> bool:
    """Whether ``doc.norm[start:end]`` passes the rules' checks for a ``label`` name."""
    text = doc.norm[start:end]
    if not _NAME_CHARS.fullmatch(text):
        return False
    bounds = doc.token_bounds
    if start not in bounds or end not in bounds:
        return False  # 充分肯 in 充分肯定, 地民政部门 in 各地民政部门
    words = [w for w, _s, _e in tokenize(text)]
    if label != "PLACE" and len(words) == 1 and word_freq(text) >= _COMMON_WORD_FREQ:
        return False  # places are checked by the gazetteer instead (北京 is common, and a place)
    if label == "PERSON":
        from .person import _shaped, load_rules

        return _shaped(text, load_rules())
    if label == "ORG":
        from ..resolve_org import org_rules
        from .initiative import load_rules as initiative_rules

        rules = org_rules()
        initiatives = initiative_rules()
        if text in rules.not_org or text in initiatives.stop:
            return False  # 社会组织, 乡村振兴: named as not-mentions by the rules
        if text.endswith(rules.not_org_heads):
            return False  # 福利彩票公益金: money, not a body
        if any(text.endswith(head) for _id, heads in initiatives.suffix_cues for head in heads):
            return False  # 培训计划, 关爱行动: programmes (INITIATIVE heads), not bodies
        if len(words) == 1:
            # One dictionary word: a generic compound (中华文化), or a word ending in a head
            # the ORG rules walk from, which they have judged already (外贸公司).
            suffixed = any(text.endswith(x.text) for x in rules.suffixes)
            return not (suffixed or text.endswith(rules.legal_forms) or _generic_compound(text))
        return any(_distinctive(w) for w in words[:-1])
    return True


def _distinctive(word: str) -> bool:
    """A word that can make an organization's name: not generic, national or a place.

    The last word of a name is its head (基金, 文化, 义工队); some word before it must be
    distinctive (阳光 in 阳光义工队), as the ORG rules require of the names they walk.
    """
    from ..gazetteer import lookup
    from ..resolve_org import org_rules

    rules = org_rules()
    if word in rules.generic or word in rules.nation or word in rules.levels:
        return False
    if _generic_compound(word):
        return False
    return len(word) < 2 or lookup(word) is None


def _generic_compound(word: str) -> bool:
    """``word`` is a national/generic word followed by a generic one (中华文化, 社工机构)."""
    from ..resolve_org import org_rules

    rules = org_rules()
    plain = rules.generic | rules.nation | rules.levels
    return any(word[:k] in plain and word[k:] in rules.generic for k in range(1, len(word)))


def _normalize(doc: Doc, label: str, start: int, end: int) -> Any:
    """The mention's normalized value by the rules' resolvers; None when they cannot."""
    text = doc.norm[start:end]
    if label == "PERSON":
        return text
    if label == "ORG":
        from ..resolve_org import resolve_org

        return resolve_org(text, doc)
    if label == "PLACE":
        from ..gazetteer import lookup

        place = lookup(text, _context_adcodes(doc, start))
        return place.norm() if place is not None else None
    return None


def _context_adcodes(doc: Doc, pos: int) -> list[str]:
    """Adcodes of the PLACE hits of the same article before ``pos``, nearest first."""
    article = doc.article_index(pos)
    before = [
        h
        for h in doc.hits_of("PLACE")
        if h.end <= pos and isinstance(h.norm, dict) and doc.article_index(h.start) == article
    ]
    before.sort(key=lambda h: h.start, reverse=True)
    return [str(h.norm["adcode"]) for h in before if h.norm.get("adcode")]
