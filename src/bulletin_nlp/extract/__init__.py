"""Extractor stages. Each module exposes ``extract(doc) -> list[Hit]`` over ``doc.norm``.

Stages run in :data:`STAGES` order; a later stage may read the hits of earlier ones
(``doc.hits_of("ORG")``) but never changes them. Overlaps are resolved afterwards by
:func:`bulletin_nlp.resolve.resolve_overlaps` (the outermost span wins).
"""

STAGES: tuple[str, ...] = (
    "date",
    "quantity",
    "place",
    "org",
    "person",
    "initiative",
    "document",
    "model",  # trained NER beside the rules; off with use_model=False (--no-model)
)
