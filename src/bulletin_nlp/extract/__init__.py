"""The pipeline's stages. Each module exposes ``extract(doc) -> list[Hit]`` over
``doc.norm`` and declares what it needs and what it sets: ``REQUIRES`` and ``ASSIGNS``
(``articles``, ``sentences``, ``article.year``, ``hits:PLACE`` …) and the rule files it
reads (``RULES``). :mod:`bulletin_nlp.pipeline` checks the order at start-up.

Stages run in :data:`STAGES` order; a later stage may read the hits of earlier ones
(``doc.hits_of("ORG")``) but never changes them. Overlaps are resolved afterwards by
:func:`bulletin_nlp.resolve.resolve_overlaps` (the outermost span wins).
"""

STAGES: tuple[str, ...] = (
    "place",
    "frames",  # each article's own year and place (no hits)
    "date",
    "quantity",
    "org",
    "person",
    "initiative",
    "document",
    "model",  # trained NER beside the rules; off with use_model=False (--no-model)
)
