"""Model stage: a trained spaCy NER (ORG / PLACE / PERSON) beside the rules.

The model (one token per character, tok2vec + ner, trained on news NER corpora by
``scripts/train_model.py``; see docs/model.md) ships in ``bulletin_nlp/models/ner_zh``.
It runs over the sentences of ``doc.norm`` that the gate (:class:`Gate`) lets through: a
sentence where no span could be kept (below) is not parsed at all. Each entity of the
greedy parse that could be kept gets a probability: its share of a small beam (computed
only for the sentences that hold such an entity). A model span is kept only when

- no earlier stage has a hit overlapping it (rule spans always win),
- it is not an ORG enclosed in quotation marks (``推行“无障碍”登记服务``: a slogan),
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
  document knows (:func:`bulletin_nlp.resolve.org.resolve_org`).

Hits carry ``extractor="model"``, ``rule_id="model:<name>"``, the score, and the model
version in ``attrs.version`` (stored as the mention's ruleset version). spaCy is
imported only here and only when the stage runs; the pipeline skips the stage when
``use_model`` is off (CLI ``--no-model``, or ``BULLETIN_NLP_NO_MODEL=1``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import ahocorasick
import regex

from ..doc import Doc
from ..gazetteer import gazetteer, lookup
from ..resolve.org import org_rules, resolve_org
from ..segment import get_tokenizer, tokenize, word_freq, word_tag
from ..spans import MENTION_TYPES, Hit, ModelAttrs

# Re-exported: the CLI, the training script and the tests use these names from here.
from ..versions import ENV_OFF as ENV_OFF
from ..versions import MODEL_DIR as MODEL_DIR
from ..versions import MODEL_NAME as MODEL_NAME
from ..versions import model_enabled as enabled  # noqa: F401 - the stage's on/off switch
from ..versions import model_version as model_version
from .person import _shaped, load_rules
from .person import load_rules as person_rules

# The stage's declaration, checked by the pipeline at start-up (bulletin_nlp.pipeline).
REQUIRES = ("sentences", "hits:PLACE", "place_matches", "hits:ORG", "hits:PERSON")
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
# An ORG the model tags inside quotation marks is a slogan or a brand (FACTS.md), not a body.
_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』", '"': '"', "'": "'"}
# Sentences given to spaCy at once: its tok2vec and parser work on whole batches.
BATCH_SIZE = 256
# Characters of context the model reads on each side of a gate's candidate (None: the
# whole sentence). Entities reaching the edge of such a window are not taken.
WINDOW: int | None = 20

#: What the gate let through, summed over runs: sentences and characters seen and parsed.
#: Only ever added to (``benchmarks/bench_model.py`` reports the share it skips).
GATE: Counter[str] = Counter()


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
    docs = _greedy(texts)
    scores = _beam_scores(docs)
    return [
        [
            Entity(e.start_char, e.end_char, e.label_, score.get((e.start, e.end, e.label_), 0.0))
            for e in doc.ents
        ]
        for doc, score in zip(docs, scores, strict=True)
    ]


def _greedy(texts: Sequence[str]) -> list[Any]:
    """spaCy Docs of ``texts`` with the greedy parse's entities set (``doc.ents``)."""
    nlp = load()
    ner: Any = nlp.get_pipe("ner")  # spacy's EntityRecognizer (a Cython class)
    # tok2vec sets doc.tensor for the NER, over batches of sentences
    docs = list(nlp.pipe(texts, disable=["ner"], batch_size=BATCH_SIZE))
    work = [d for d in docs if len(d)]
    if work:
        ner.set_annotations(work, ner.greedy_parse(work))
    return docs


def _beam_scores(docs: Sequence[Any]) -> list[dict[tuple[int, int, str], float]]:
    """Per parsed Doc, the beam's probability of each (start token, end token, label)."""
    out: list[dict[tuple[int, int, str], float]] = [{} for _ in docs]
    busy = [i for i, d in enumerate(docs) if len(d)]
    if not busy:
        return out
    ner: Any = load().get_pipe("ner")
    beams = ner.beam_parse(
        [docs[i] for i in busy], beam_width=BEAM_WIDTH, beam_density=BEAM_DENSITY
    )
    for i, score in zip(busy, ner.scored_ents(beams), strict=True):
        out[i] = {key: float(p) for key, p in score.items()}
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past enclosing brackets, quotes and spaces."""
    while start < end and (text[start] in _STRIP or text[start].isspace()):
        start += 1
    while end > start and (text[end - 1] in _STRIP or text[end - 1].isspace()):
        end -= 1
    return start, end


def extract(doc: Doc, *, gated: bool = True) -> list[Hit]:
    """Model hits the earlier (rule) stages did not find, normalized by the resolvers.

    ``gated``: parse only the sentences the :class:`Gate` lets through (``False``
    parses every sentence, to measure what the gate costs in recall).
    """
    if not MODEL_DIR.is_dir():
        return []
    taken = bytearray(len(doc.norm))
    for hit in doc.hits:
        if hit.type in MENTION_TYPES:
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
    sentences = [(s.start, s.end) for s in doc.sentences] or [(0, len(doc.norm))]
    GATE["sentences"] += len(sentences)
    GATE["characters"] += sum(e - s for s, e in sentences)
    spans = sentences
    if gated:
        gate = Gate(doc, taken)
        if WINDOW is None:
            spans = [(s, e) for s, e in sentences if gate.may_add(s, e)]
        else:
            spans = [w for s, e in sentences for w in gate.windows(s, e, WINDOW)]
    GATE["sentences parsed"] += len(spans)
    GATE["characters parsed"] += sum(e - s for s, e in spans)
    edges = {e for sent in sentences for e in sent}
    docs = _greedy([doc.norm[s:e] for s, e in spans]) if spans else []
    # The entities that pass every check but the probability; the beam only for those.
    found: list[tuple[int, int, int, str, Any, tuple[int, int, str]]] = []
    for k, ((offset, stop), parsed) in enumerate(zip(spans, docs, strict=True)):
        for ent in parsed.ents:
            if (ent.start_char == 0 and offset not in edges) or (
                offset + ent.end_char == stop and stop not in edges
            ):
                continue  # at a window's edge: the name may run on
            start, end = _trim(doc.norm, offset + ent.start_char, offset + ent.end_char)
            if end - start < _MIN_CHARS or taken.find(1, start, end) >= 0:
                continue
            if ent.label_ == "ORG" and _quoted(doc.norm, start, end):
                continue
            if not plausible(doc, ent.label_, start, end):
                continue
            norm = _normalize(doc, ent.label_, start, end)
            if norm is not None:
                found.append((k, start, end, ent.label_, norm, (ent.start, ent.end, ent.label_)))
    if not found:
        return []
    beam_of = {k: i for i, k in enumerate(sorted({f[0] for f in found}))}
    scores = _beam_scores([docs[k] for k in beam_of])
    GATE["sentences in the beam"] += len(beam_of)
    version = model_version()
    hits: list[Hit] = []
    for k, start, end, label, norm, key in found:
        score = scores[beam_of[k]].get(key, 0.0)
        if score < THRESHOLD:
            continue
        hits.append(
            Hit(
                start,
                end,
                label,
                norm,
                f"model:{MODEL_NAME}",
                extractor="model",
                score=round(score, 4),
                priority=-1,  # below every rule on equal spans
                attrs=ModelAttrs(version),
            )
        )
    return hits


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands right inside a pair of quotation marks."""
    close = _QUOTES.get(text[start - 1]) if start > 0 else None
    return close is not None and text.startswith(close, end)


# -- the gate ----------------------------------------------------------------------------

# Words that end organization names the model finds and the ORG rules have no suffix for
# (sports teams, banks, international bodies: 意大利队, 非洲发展银行, 经合组织, 国际足联).
MODEL_HEADS = (
    "队",
    "篮",
    "排",
    "银行",
    "组织",
    "委会",
    "联",
    "馆",
    "社",
    "院",
    "台",
    "团",
    "党",
    "军",
    "厂",
)
_ORG_REACH = 16  # characters an ORG name may run before its head
_PERSON_LENGTHS = (2, 3, 4)  # a surname and one or two given characters (two double)
_PERSON_TAGS = ("nr", "nz")  # jieba's tags of a person's name (and of other proper names)
# jieba's tags of proper names (place, person, organization, other, abbreviation, Latin).
_PROPER_TAGS = frozenset({"ns", "nr", "nrfg", "nrt", "nt", "nz", "j", "eng"})
# Tags of words no name runs across (verbs, prepositions, conjunctions, particles,
# adverbs, pronouns, numerals, measure words, locatives, times, adjectives).
_BREAK_TAGS = ("v", "p", "c", "u", "d", "r", "m", "q", "f", "t", "a", "y", "e", "o", "w")
_NOUN_VERB = "vn"  # a verb used as a noun runs on in a name (体育|记者|协会)


class Gate:
    """Whether a sentence may hold a span the stage would keep, read without the model.

    A kept span lies in text no rule hit covers, starts and ends on token boundaries and
    passes :func:`plausible`. The gate looks there for

    - PERSON: a listed surname and one to three characters of name shape (the PERSON
      rules' ``_shaped``) that start a word jieba's tagger reads as a name (``nr``, ``nz``);
    - ORG: an organization head (a suffix of the ORG rules, a locality or legal form, or
      one of :data:`MODEL_HEADS`) ending a token, after nouns of which one is a proper name
      or a word jieba does not know (星海|社区, 沧浪区|民政局), or ending such a word that
      could be a name by itself (管委会);
    - PLACE: a standalone gazetteer name starting a token (a PLACE must resolve).

    PERSON and PLACE candidates need what :func:`plausible` and the resolvers need; the
    dictionary tests and the ORG heads are where the gate may miss what the model would
    find. docs/model.md gives what it skips and what it costs in recall.
    """

    def __init__(self, doc: Doc, taken: bytearray) -> None:

        self.doc = doc
        self.text = doc.norm
        self.taken = taken
        self.tokens = doc.pos_tokens
        rules = org_rules()
        self.plain = rules.generic | rules.not_org | rules.nation | rules.levels
        self.stop = rules.stop
        self.freq = get_tokenizer().FREQ  # jieba's dictionary: word -> count

    def may_add(self, start: int, end: int) -> bool:
        """Whether ``doc.norm[start:end]`` may hold a span the stage would keep."""
        return next(self.candidates(start, end), None) is not None

    def windows(self, start: int, end: int, margin: int = 0) -> list[tuple[int, int]]:
        """The stretches of [start, end) to parse: each candidate with ``margin``
        characters of context on both sides (within the sentence), overlaps merged."""
        out: list[tuple[int, int]] = []
        for a, b in sorted(self.candidates(start, end)):
            a, b = max(start, a - margin), min(end, b + margin)
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
        return out

    def candidates(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """Where in [start, end) a span the stage would keep may lie, as found."""
        if self.taken.find(0, start, end) < 0:
            return  # the rules cover every character
        yield from self._persons(start, end)
        yield from self._orgs(start, end)
        yield from self._places_in(start, end)

    def _persons(self, start: int, end: int) -> Iterator[tuple[int, int]]:

        rules = person_rules()
        text, taken, freq = self.text, self.taken, self.freq
        for m in _surname_re(rules.surnames, rules.double_surnames).finditer(text, start, end):
            s = m.start()
            if taken[s]:
                continue
            pair = text[s : s + 2]
            if (freq.get(pair) or 0) >= _COMMON_WORD_FREQ and not word_tag(pair).startswith(
                _PERSON_TAGS
            ):
                continue  # a common word starts here (全面, 高度): jieba reads no name
            shaped = [
                s + k
                for k in _PERSON_LENGTHS
                if s + k <= end and not taken[s + k - 1] and _shaped(text[s : s + k], rules)
            ]
            if not shaped:
                continue
            word, tag, ts, _te = self.tokens.at(s)  # the costly part: tagging the run
            if ts != s or not tag.startswith(_PERSON_TAGS):
                continue
            if len(word) > 1 and (freq.get(word) or 0) >= _COMMON_WORD_FREQ:
                continue  # 文明, 青少年: common words jieba's dictionary tags as names
            bounds = self.doc.token_bounds
            if s in bounds:
                ends = [e for e in shaped if e in bounds]
                if ends:
                    yield s, max(ends)

    def _orgs(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        text, taken, tokens = self.text, self.taken, self.tokens
        for last, length in _heads().iter(text, start, end):
            e = last + 1
            if taken.find(1, e - length, e) >= 0:
                continue
            word, tag, ts, te = tokens.at(e - 1)
            if te != e or ts < start or taken.find(1, ts, e) >= 0:
                continue  # the head ends no token
            if (
                ts < e - length
                and word_freq(word) < _COMMON_WORD_FREQ
                and plausible(self.doc, "ORG", ts, e)
            ):
                yield ts, e  # 管委会, 沙特队: a name by itself
                continue
            p, lo = ts, max(start, e - _ORG_REACH)
            while p > lo and not taken[p - 1] and _NAME_CHARS.match(text[p - 1]):
                word, tag, ts, _te = tokens.at(p - 1)
                if self._proper(word, tag):
                    yield ts, e
                    break
                if (tag.startswith(_BREAK_TAGS) and tag != _NOUN_VERB) or word in self.stop:
                    break
                p = ts

    def _proper(self, word: str, tag: str) -> bool:
        """A word that can make a name a name: a proper name, or a noun jieba does not know."""
        if word in self.plain:
            return False
        return tag in _PROPER_TAGS or (
            len(word) > 1 and not word_freq(word) and not tag.startswith(_BREAK_TAGS)
        )

    def _places_in(self, start: int, end: int) -> Iterator[tuple[int, int]]:

        gaz = gazetteer()
        starts, matches = self._places()
        i = bisect_left(starts, start)
        while i < len(starts) and starts[i] < end:
            s = starts[i]
            i += 1
            if self.taken[s] or s not in self.doc.token_bounds:
                continue
            for surface in matches[s]:
                if s + len(surface) <= end and gaz.standalone(surface):
                    yield s, s + len(surface)
                    break

    def _places(self) -> tuple[list[int], dict[int, list[str]]]:
        found = self.__dict__.get("_found")
        if found is None:
            matches = self.doc.place_matches
            found = self.__dict__["_found"] = (sorted(matches), matches)
        return found  # type: ignore[no-any-return]


@lru_cache(maxsize=4)
def _surname_re(singles: frozenset[str], doubles: frozenset[str]) -> Any:
    """Where a name may start: a listed surname's first character."""
    chars = sorted(singles | {d[0] for d in doubles})
    return regex.compile("[" + "".join(regex.escape(c) for c in chars) + "]")


@lru_cache(maxsize=1)
def _heads() -> Any:
    """Every organization head the gate looks for, valued by its length."""

    rules = org_rules()
    heads = {x.text for x in rules.suffixes} | set(rules.locality) | set(rules.legal_forms)
    auto = ahocorasick.Automaton()
    for head in heads | set(MODEL_HEADS):
        if head:
            auto.add_word(head, len(head))
    auto.make_automaton()
    return auto


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
        return _shaped(text, load_rules())
    if label == "ORG":
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

    rules = org_rules()
    if word in rules.generic or word in rules.nation or word in rules.levels:
        return False
    if _generic_compound(word):
        return False
    return len(word) < 2 or lookup(word) is None


def _generic_compound(word: str) -> bool:
    """``word`` is a national/generic word followed by a generic one (中华文化, 社工机构)."""

    rules = org_rules()
    plain = rules.generic | rules.nation | rules.levels
    return any(word[:k] in plain and word[k:] in rules.generic for k in range(1, len(word)))


def _normalize(doc: Doc, label: str, start: int, end: int) -> Any:
    """The mention's normalized value by the rules' resolvers; None when they cannot."""
    text = doc.norm[start:end]
    if label == "PERSON":
        return text
    if label == "ORG":
        return resolve_org(text, doc)
    if label == "PLACE":
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
