"""The pipeline: decode → normalize → structure → extractor stages → mentions in raw offsets."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import PIPELINE_VERSION
from .doc import Doc
from .errors import BulletinError, OffsetError
from .extract import STAGES
from .facts import build_quantity_facts, build_role_facts, fact_dict, role_dict
from .io import read_text
from .normalize import fold, normalize
from .resolve.overlaps import resolve_overlaps
from .rules import ruleset_version
from .spans import Hit, Mention, ModelAttrs
from .structure import analyze
from .versions import model_enabled

#: What the structure stage gives every document before the first stage runs.
STRUCTURE_ASSIGNS = ("norm", "paragraphs", "articles", "sentences", "table_cells")


class PipelineError(BulletinError):
    """The declared stages cannot run in the order given."""


@dataclass(frozen=True)
class Component:
    """A declared stage: what it needs from the Doc, what it sets, the rules it reads."""

    name: str
    run: Callable[[Doc], list[Hit]]
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    rules: tuple[str, ...]


def check_order(components: tuple[Component, ...]) -> None:
    """Raise :class:`PipelineError` naming the first stage whose requirements no
    earlier stage (or the structure stage) assigns."""
    provided = set(STRUCTURE_ASSIGNS)
    for comp in components:
        missing = [r for r in comp.requires if r not in provided]
        if missing:
            order = " → ".join(c.name for c in components)
            raise PipelineError(
                f"stage {comp.name!r} requires {', '.join(missing)}, which no stage before "
                f"it assigns (order: {order})"
            )
        provided.update(comp.assigns)


def component(name: str) -> Component:
    """The declared stage ``name`` (``bulletin_nlp.extract.<name>``)."""
    try:
        module = importlib.import_module(f"bulletin_nlp.extract.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bulletin_nlp.extract.{name}":
            raise PipelineError(f"stage {name!r}: no module bulletin_nlp.extract.{name}") from None
        raise
    for attr in ("extract", "REQUIRES", "ASSIGNS"):
        if not hasattr(module, attr):
            raise PipelineError(f"stage {name!r}: module {module.__name__} has no {attr}")
    return Component(
        name=name,
        run=module.extract,
        requires=tuple(module.REQUIRES),
        assigns=tuple(module.ASSIGNS),
        rules=tuple(getattr(module, "RULES", ())),
    )


@lru_cache(maxsize=1)
def components() -> tuple[Component, ...]:
    """Every stage of :data:`~bulletin_nlp.extract.STAGES`, in order, checked."""
    comps = tuple(component(name) for name in STAGES)
    check_order(comps)
    return comps


def _with_requirements(names: tuple[str, ...]) -> set[str]:
    """The stages named plus every earlier stage they need (``date`` needs ``frames``)."""
    comps = components()
    wanted = set(names)
    for comp in reversed(comps):
        if comp.name in wanted:
            for need in comp.requires:
                for earlier in comps:
                    if earlier.name == comp.name:
                        break
                    if need in earlier.assigns:
                        wanted.add(earlier.name)
    return wanted


def process_text(
    text: str,
    name: str = "<text>",
    *,
    encoding: str = "utf-8",
    issue_year: int | None = None,
    stages: tuple[str, ...] | None = None,
    use_model: bool | None = None,
) -> Doc:
    """Run the whole pipeline over ``text``; return the :class:`Doc` with its mentions.

    ``use_model``: run the trained model stage (default: on unless the environment
    variable ``BULLETIN_NLP_NO_MODEL`` is set, which ``--no-model`` does for worker
    processes too).
    """
    if use_model is None:
        use_model = model_enabled()
    doc = Doc(path=name, raw=text, encoding=encoding, issue_year=issue_year)
    doc.norm, doc.nmap = normalize(text)
    analyze(doc)
    wanted = _with_requirements(stages) if stages is not None else None
    for comp in components():
        if wanted is not None and comp.name not in wanted:
            continue
        if comp.name == "model" and not use_model:
            continue
        doc.hits.extend(comp.run(doc))
    kept = resolve_overlaps(doc.hits)
    doc.mentions = to_mentions(doc, kept)
    doc.facts = [fact_dict(f) for f in build_quantity_facts(doc, kept)]
    doc.roles = [role_dict(r) for r in build_role_facts(doc, kept)]
    return doc


def process_file(
    path: str | Path, *, issue_year: int | None = None, use_model: bool | None = None
) -> Doc:
    """Read and process one bulletin file."""
    text, enc = read_text(path)
    return process_text(text, str(path), encoding=enc, issue_year=issue_year, use_model=use_model)


def to_mentions(doc: Doc, hits: list[Hit]) -> list[Mention]:
    """Map hits to raw-offset mentions, checking that the raw text matches."""
    version = ruleset_version()
    out: list[Mention] = []
    for hit in hits:
        start, end = doc.raw_span(hit.start, hit.end)
        raw_text = doc.raw[start:end]
        norm_text = doc.norm[hit.start : hit.end]
        # Most spans are printed as normalized: equal texts fold alike, skip folding them.
        if raw_text != norm_text and fold(raw_text) != fold(norm_text):
            raise OffsetError(
                f"{doc.path}: span [{start}, {end}) {raw_text!r} does not match "
                f"normalized {norm_text!r}"
            )
        hit_version = version
        if hit.extractor != "rule":  # the model's version, as its hits carry it
            model = hit.attrs if isinstance(hit.attrs, ModelAttrs) else None
            hit_version = model.version if model else PIPELINE_VERSION
        out.append(
            Mention(
                type=hit.type,  # type: ignore[arg-type]
                start=start,
                end=end,
                text=raw_text,
                norm=hit.norm,
                extractor=hit.extractor,
                rule_id=hit.rule_id,
                ruleset_version=hit_version,
                score=hit.score,
            )
        )
    return out


def to_json(doc: Doc) -> dict:
    """The FACTS.md machine-readable record of one document."""
    return {
        "doc": doc.name,
        "mentions": [m.public() for m in doc.mentions],
        "facts": [{k: v for k, v in f.items() if k != "rule_id"} for f in doc.facts],
        "roles": [{k: r[k] for k in ("person", "role", "org")} for r in doc.roles],
    }
