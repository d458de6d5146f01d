"""Span models shared by every stage: hits in normalized text, mentions in raw text."""

from __future__ import annotations

from dataclasses import dataclass
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


# ---- what an extractor says of a hit, by kind ----------------------------------------
# Offsets in these attributes are in the text the extractor was given, as the hit's own.

PersonVia = Literal["title", "list", "post_title", "byline", "leader", "repeat"]
Direction = Literal["up", "down"]  # of a change word before a figure (增长, 下降)


@dataclass(frozen=True, slots=True)
class RoleLink:
    """One title of a person's chain (``党委书记`` of ``党委书记、副局长``) and its span."""

    role: str
    span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class PersonAttrs:
    """A PERSON hit: ``via`` says what licensed the name (a title before it, the list that
    title opens, a title after it, a byline bracket, the leaders' lexicon, an earlier
    mention). Names found by a title keep it for role facts: ``role`` and ``role_span``
    (the title nearest the name) and ``roles`` (the chain joined by ``、``/``兼``, nearest
    last); a title after the name is ``post_title`` (``总书记``), and its role too when it
    is an office (``张伟局长``)."""

    via: PersonVia
    role: str | None = None
    role_span: tuple[int, int] | None = None
    roles: tuple[RoleLink, ...] = ()
    post_title: str | None = None
    post_title_span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class OrgAttrs:
    """An ORG hit: the finder's group, how it was found (lexicon, place, source…) and the
    canonical name of its parent organization, if it was anchored on one."""

    group: str
    how: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceAttrs:
    """A PLACE hit: the gazetteer level of the place and how many names the chain joins
    (``江苏省南京市`` is 2)."""

    level: str
    parts: int


@dataclass(frozen=True, slots=True)
class DateAttrs:
    """A DATE hit: the year written in the expression (None for a relative one) and
    whether the article gave the year it was read against."""

    year: int | None
    anchor: bool


@dataclass(frozen=True, slots=True)
class QuantityAttrs:
    """A QUANTITY hit read from the text: the text read, the quantity rules' version and
    the change word before the figure (``下降1.2%`` is ``down``), if any."""

    text: str
    ruleset: str
    direction: Direction | None = None


@dataclass(frozen=True, slots=True)
class TableCellAttrs:
    """A QUANTITY hit read from a table cell: the row label, the column header (if any)
    and the unit the table gives the cell."""

    row: str
    column: str | None
    table_unit: str


@dataclass(frozen=True, slots=True)
class RulesetAttrs:
    """A hit of a stage that records only its rules' version (DOCUMENT, INITIATIVE)."""

    ruleset: str


@dataclass(frozen=True, slots=True)
class ModelAttrs:
    """A hit of the trained model: the model's ``<name>-<version>`` (the mention's
    ruleset version)."""

    version: str


HitAttrs = (
    PersonAttrs
    | OrgAttrs
    | PlaceAttrs
    | DateAttrs
    | QuantityAttrs
    | TableCellAttrs
    | RulesetAttrs
    | ModelAttrs
)


@dataclass(slots=True)
class Hit:
    """A candidate span found by an extractor, in offsets of the text it was given.

    Extractors work on normalized text and return hits; the pipeline maps them to raw
    offsets and resolves overlaps. ``priority`` breaks ties between equally long spans.
    ``attrs`` is what the extractor says of the hit, one kind per extractor (a reader
    narrows it with ``isinstance``).
    """

    start: int
    end: int
    type: str
    norm: Any
    rule_id: str
    extractor: str = "rule"
    score: float = 1.0
    priority: int = 0
    attrs: HitAttrs | None = None


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
