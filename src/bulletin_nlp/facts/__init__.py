"""Quantity facts and role facts from the resolved mentions of a document (FACTS.md).

One quantity fact per QUANTITY mention; each field has its own resolver module
(:mod:`.metric`, :mod:`.place`, :mod:`.year`, :mod:`.modality`, :mod:`.org`,
:mod:`.qualifier`) whose steps ``rules/facts.yaml`` puts in order. Role facts link a
person's titles to organizations (:mod:`.roles`).
"""

from __future__ import annotations

from .build import build_quantity_facts, checked_rules
from .model import QuantityFact, RoleFact, fact_dict, role_dict
from .place import common_ancestor
from .roles import build_role_facts
from .vocab import FactCueEntry, FactRules, FieldCase, MetricEntry, fact_rules

__all__ = [
    "FactCueEntry",
    "FactRules",
    "FieldCase",
    "MetricEntry",
    "QuantityFact",
    "RoleFact",
    "build_quantity_facts",
    "build_role_facts",
    "checked_rules",
    "common_ancestor",
    "fact_dict",
    "fact_rules",
    "role_dict",
]
