"""The facts as they leave the fact stage: pydantic models in the FACTS.md shape."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class QuantityFact(BaseModel):
    """A quantity fact in the FACTS.md machine-readable shape (raw offsets)."""

    model_config = ConfigDict(extra="forbid")

    metric: str
    subject: str | None = None
    value: float | int
    unit: str
    approx: str
    place: str | None
    org: str | None
    year: int | None
    modality: Literal["actual", "target"]
    qualifier: str | None = None
    quantity_span: tuple[int, int]
    evidence_span: tuple[int, int]
    rule_id: str = ""


class RoleFact(BaseModel):
    """A (person, role, org) triple, with the rule provenance of the hit it is built from
    (the PERSON hit whose titles name the role), as mentions carry it."""

    model_config = ConfigDict(extra="forbid")

    person: str
    role: str
    org: str | None
    person_span: tuple[int, int] | None = None
    rule_id: str = ""
    extractor: str = "rule"
    ruleset_version: str = ""


def role_dict(role: RoleFact) -> dict[str, Any]:
    """A role fact with its person span (raw offsets) and provenance for the store."""
    span = role.person_span or (None, None)
    return {
        "person": role.person,
        "role": role.role,
        "org": role.org,
        "person_start": span[0],
        "person_end": span[1],
        "rule_id": role.rule_id,
        "extractor": role.extractor,
        "ruleset_version": role.ruleset_version,
    }


def fact_dict(fact: QuantityFact) -> dict[str, Any]:
    """The FACTS.md shape of a quantity fact (plus the rules that chose its fields)."""
    data = fact.model_dump()
    if data["subject"] is None:
        data.pop("subject")
    data["quantity_span"] = list(fact.quantity_span)
    data["evidence_span"] = list(fact.evidence_span)
    return data
