"""Resolution: which of overlapping hits stands (:mod:`.overlaps`) and what an
organization's name stands for (:mod:`.org`: aliases, local bodies, canonical names).
Places are resolved by :mod:`bulletin_nlp.gazetteer`."""
