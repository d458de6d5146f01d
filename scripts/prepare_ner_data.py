"""Convert the news NER corpora in ../shared/data/ner/ to spaCy DocBin files for training.

    python scripts/prepare_ner_data.py [--data ../shared/data/ner] [--out build/ner]

Writes ``train.spacy`` and ``dev.spacy`` (dev carved from the training sources),
``pd_train.spacy`` and ``pd_dev.spacy`` (People's Daily alone, for the fine-tuning phase)
and ``msra.spacy`` (the MSRA subset: evaluation only, never trained on). Labels are mapped
onto the project's PERSON / PLACE / ORG (see docs/model.md for each source's mapping).
Text is folded as the pipeline's normalization folds it (full-width ASCII to half-width,
whitespace dropped), so the model sees what ``doc.norm`` will give it.

CLUENER2020 annotates by a different convention from the People's Daily style of MSRA and
BosonNLP: countries acting as agents are "government", long postal addresses are one span,
bare country names often stay unlabelled. Rather than teach the model those as outside,
such tokens are marked *missing* (no loss either way): address/scene spans and
unlabelled occurrences of place names known from the other corpora, unless the span is
exactly a known place name (then it is PLACE).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bulletin_nlp.normalize import WHITESPACE, fold_char  # noqa: E402

SEED = 20260
BIO_LABELS = {"PER": "PERSON", "LOC": "PLACE", "ORG": "ORG"}
BOSON_LABELS = {
    "person_name": "PERSON",
    "location": "PLACE",
    "org_name": "ORG",
    "company_name": "ORG",
}
CLUENER_LABELS = {
    "name": "PERSON",
    "organization": "ORG",
    "company": "ORG",
    "government": "ORG",
    "address": "PLACE?",  # PLACE when a known place name, else missing
    "scene": "PLACE?",
}
# Sentence ends for splitting long paragraphs (a closing quote stays with its sentence).
_SENT_END = re.compile(r"[。！？!?；;]+[”’」』）)]*")
MAX_CHARS = 160
OTHER = "-"  # a span of a kind we do not use (product, time, book...): outside


@dataclass
class Example:
    """A sentence with character spans ``(start, end, label)``; label ``None`` = missing."""

    text: str
    spans: list[tuple[int, int, str | None]] = field(default_factory=list)
    source: str = ""


def fold_text(text: str) -> tuple[str, list[int]]:
    """Drop whitespace and fold characters 1:1; return the text and new→old offsets."""
    keep = [i for i, c in enumerate(text) if not c.isspace() and c not in WHITESPACE]
    chars = [text[i] for i in keep]
    out = "".join(
        fold_char(c, chars[k - 1] if k else "", chars[k + 1] if k + 1 < len(chars) else "")
        for k, c in enumerate(chars)
    )
    return out, keep


def refold(ex: Example) -> Example:
    """``ex`` with folded text and spans moved to the folded offsets."""
    text, keep = fold_text(ex.text)
    old_to_new = {old: new for new, old in enumerate(keep)}
    spans = []
    for s, e, label in ex.spans:
        inside = [old_to_new[i] for i in range(s, e) if i in old_to_new]
        if inside:
            spans.append((inside[0], inside[-1] + 1, label))
    return Example(text, spans, ex.source)


def split_long(ex: Example) -> Iterator[Example]:
    """Split a paragraph at sentence ends that no span crosses, into pieces ≤ MAX_CHARS."""
    cuts = [m.end() for m in _SENT_END.finditer(ex.text)]
    cuts = [c for c in cuts if not any(s < c < e for s, e, _ in ex.spans)]
    start = 0
    for cut in [*cuts, len(ex.text)]:
        if cut <= start:
            continue
        # Short sentences are grouped until the next cut would pass MAX_CHARS.
        nxt = next((c for c in cuts if c > cut), None)
        if nxt is not None and nxt - start <= MAX_CHARS // 2 and cut != len(ex.text):
            continue
        piece = [(s - start, e - start, lab) for s, e, lab in ex.spans if start <= s and e <= cut]
        text = ex.text[start:cut]
        if text.strip():
            yield Example(text, piece, ex.source)
        start = cut


def read_bio_chars(chars: list[str], tags: list[str], source: str) -> Example:
    """One sentence from per-character BIO tags."""
    spans: list[tuple[int, int, str | None]] = []
    start, label = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        if label and not tag.startswith("I-"):
            spans.append((start, i, BIO_LABELS[label]))
            label = ""
        if tag.startswith("B-") or (tag.startswith("I-") and not label):
            start, label = i, tag[2:]
    return Example("".join(chars), spans, source)


def read_msra(folder: Path) -> list[Example]:
    sents = (folder / "sentences.txt").read_text(encoding="utf-8").splitlines()
    tags = (folder / "tags.txt").read_text(encoding="utf-8").splitlines()
    return [read_bio_chars(s.split(" "), t.split(" "), "msra") for s, t in zip(sents, tags, strict=False)]


def read_peoples_daily(path: Path) -> list[Example]:
    out: list[Example] = []
    chars: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if chars:
                out.append(read_bio_chars(chars, tags, "peoples_daily"))
            chars, tags = [], []
            continue
        ch, tag = line.rsplit(" ", 1) if line.count(" ") >= 1 else (line, "O")
        chars.append(ch if ch else " ")
        tags.append(tag)
    return out


def read_boson(path: Path) -> list[Example]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        spans: list[tuple[int, int, str | None]] = [
            (e["entity_index"]["begin"], e["entity_index"]["end"], BOSON_LABELS.get(e["entity_type"], OTHER))
            for e in rec["entity_list"]
        ]
        out.append(Example(rec["text"], drop_overlaps(spans), "boson"))
    return out


def read_cluener(path: Path) -> list[Example]:
    """CLUENER sentences; address/scene spans as ``PLACE?``, other kinds as ``-``."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        spans: list[tuple[int, int, str | None]] = [
            (s, e + 1, CLUENER_LABELS.get(kind, OTHER))
            for kind, ents in rec["label"].items()
            for offsets in ents.values()
            for s, e in offsets
        ]
        out.append(Example(rec["text"], spans, "cluener"))
    return out


def harmonize(ex: Example, places: set[str]) -> Example:
    """Fit a source's conventions to the People's Daily style of the test set.

    BosonNLP and CLUENER label countries and cities acting as agents as organizations
    (``美国`` "government") and often leave them unlabelled; People's Daily and MSRA always
    label them places. A span that is exactly a known place name becomes PLACE; other
    ``PLACE?`` spans (CLUENER's postal addresses) and unlabelled known place names become
    missing; ``-`` spans (kinds we do not use) become outside.
    """
    spans: list[tuple[int, int, str | None]] = []
    for s, e, label in ex.spans:
        if label == OTHER:
            continue
        if ex.text[s:e] in places and label in ("ORG", "PLACE?", "PLACE"):
            spans.append((s, e, "PLACE"))
        else:
            spans.append((s, e, None if label == "PLACE?" else label))
    labelled = [(s, e) for s, e, _ in ex.spans]
    for start, end in find_names(ex.text, places):
        if not any(s < end and start < e for s, e in labelled):
            spans.append((start, end, None))
            labelled.append((start, end))
    return Example(ex.text, drop_overlaps(spans), ex.source)


def find_names(text: str, names: set[str], longest: int = 8) -> Iterator[tuple[int, int]]:
    """Spans of ``text`` that are in ``names`` (longest at each start, left to right)."""
    i = 0
    while i < len(text):
        for n in range(min(longest, len(text) - i), 1, -1):
            if text[i : i + n] in names:
                yield i, i + n
                i += n - 1
                break
        i += 1


def drop_overlaps(spans: list[tuple[int, int, str | None]]) -> list[tuple[int, int, str | None]]:
    """Keep non-overlapping spans, longest first (a few sources nest spans)."""
    kept: list[tuple[int, int, str | None]] = []
    for span in sorted(spans, key=lambda x: (x[0] - x[1], x[0])):
        if all(span[1] <= k[0] or k[1] <= span[0] for k in kept):
            kept.append(span)
    return sorted(kept)


def known_places(examples: Iterable[Example], min_count: int = 2) -> set[str]:
    """Place names labelled PLACE at least ``min_count`` times (two characters or more)."""
    counts = Counter(ex.text[s:e] for ex in examples for s, e, lab in ex.spans if lab == "PLACE")
    return {name for name, n in counts.items() if n >= min_count and len(name) >= 2}


def to_doc(nlp: spacy.Language, ex: Example) -> Doc:
    """A spaCy doc (one token per character) with entities; missing spans set as missing."""
    doc = nlp.make_doc(ex.text)
    ents, missing = [], []
    for s, e, label in ex.spans:
        span = doc.char_span(s, e, label=label or "", alignment_mode="expand")
        if span is None:
            continue
        (ents if label else missing).append(span)
    doc.set_ents(ents, missing=missing, default="outside")
    return doc


def write(nlp: spacy.Language, examples: list[Example], path: Path) -> None:
    bin_ = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    for ex in examples:
        bin_.add(to_doc(nlp, ex))
    path.parent.mkdir(parents=True, exist_ok=True)
    bin_.to_disk(path)
    counts = Counter(lab or "missing" for ex in examples for _, _, lab in ex.spans)
    print(f"{path}: {len(examples)} sentences, {dict(sorted(counts.items()))}")


def build(data: Path, out: Path, pd_weight: int = 3) -> None:
    """Read every source, split train/dev, write the DocBins."""
    rng = random.Random(SEED)
    nlp = spacy.blank("zh")  # default segmenter: one token per character
    msra = [refold(ex) for ex in read_msra(data / "msra_val_lemonhu")]
    msra_texts = {ex.text for ex in msra}
    pd_all = [refold(ex) for ex in read_peoples_daily(data / "peoples_daily_1998_dev" / "example.dev")]
    pd = [ex for ex in pd_all if ex.text not in msra_texts]
    print(f"people's daily: {len(pd_all)} sentences, {len(pd_all) - len(pd)} also in MSRA dropped")
    boson = [piece for ex in read_boson(data / "boson_nlp" / "boson.txt") for piece in split_long(refold(ex))]
    places = known_places(pd + boson)
    boson = [harmonize(ex, places) for ex in boson]
    cluener = [harmonize(refold(ex), places) for ex in read_cluener(data / "cluener2020" / "train.json")]
    cluener_dev = [harmonize(refold(ex), places) for ex in read_cluener(data / "cluener2020" / "dev.json")]
    for group in (pd, boson):
        rng.shuffle(group)
    pd_dev, pd_train = pd[:300], pd[300:]
    boson_dev, boson_train = boson[:600], boson[600:]
    train = pd_train * pd_weight + boson_train + cluener
    rng.shuffle(train)
    dev = pd_dev + boson_dev + cluener_dev[:300]
    write(nlp, train, out / "train.spacy")
    write(nlp, dev, out / "dev.spacy")
    write(nlp, msra, out / "msra.spacy")
    # People's Daily alone: the second, short training phase (configs/ner_finetune.cfg).
    write(nlp, pd_train, out / "pd_train.spacy")
    write(nlp, pd_dev, out / "pd_dev.spacy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ner")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "ner")
    parser.add_argument("--pd-weight", type=int, default=3, help="copies of People's Daily")
    args = parser.parse_args()
    build(args.data, args.out, args.pd_weight)


if __name__ == "__main__":
    main()
