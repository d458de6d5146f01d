"""Span models shared by every stage: hits in normalized text, mentions in raw text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

MentionType = Literal["ORG", "PLACE", "PERSON", "DATE", "QUANTITY", "INITIATIVE", "DOCUMENT"]
MENTION_TYPES: tuple[str, ...] = (
    "ORG",
    "PLACE",
    "PERSON",
    "DATE",
    "QUANTITY",
    "INITIATIVE",
    "DOCUMENT",
)


@dataclass(slots=True)
class Hit:
    """A candidate span found by an extractor, in offsets of the text it was given.

    Extractors work on normalized text and return hits; the pipeline maps them to raw
    offsets and resolves overlaps. ``priority`` breaks ties between equally long spans.
    """

    start: int
    end: int
    type: str
    norm: Any
    rule_id: str
    extractor: str = "rule"
    score: float = 1.0
    priority: int = 0
    attrs: dict[str, Any] = field(default_factory=dict)


class Mention(BaseModel):
    """A typed span of the raw source, as stored and printed (FACTS.md "Mentions")."""

    model_config = ConfigDict(extra="forbid")

    type: MentionType
    start: int
    end: int
    text: str
    norm: Any
    extractor: str = "rule"
    rule_id: str = ""
    ruleset_version: str = ""
    score: float = 1.0

    def public(self) -> dict[str, Any]:
        """The FACTS.md machine-readable shape."""
        return {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "norm": self.norm,
        }
