"""Load and validate the rule files in ``rules/`` (rules are data, code holds mechanisms).

Every rule file is YAML with a ``version`` and a list of ``entries``. Each extractor
declares a pydantic model for its entries; :func:`load_entries` validates every entry and
reports *all* bad ones at once, naming the file, the entry and the reason.

Every entry carries ``examples`` (texts it must find, ``match``, and must not,
``no_match``), parsed here into :class:`Example` objects whatever their notation, and run by
tests/test_rule_examples.py against the stage the entry belongs to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import regex
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import RulesError
from .versions import rules_dir as rules_dir  # re-exported: callers import them from here
from .versions import ruleset_version as ruleset_version

E = TypeVar("E", bound=BaseModel)

#: Every rules file loaded so far and the entry model that validates it (for `rules check`).
REGISTRY: dict[str, type[BaseModel]] = {}


#: ``[span]`` in the example notation (no nesting, never empty).
_MARK = regex.compile(r"\[([^\[\]]*)\]")
#: What separates an example's text from the expected value of its last span.
ARROW = " => "


def _notation(value: str) -> dict[str, Any]:
    """``"text with [span] => value"`` as the fields of an :class:`Example`."""
    text, arrow, norm = value.partition(ARROW)
    if arrow and not norm.strip():
        raise ValueError(f"nothing after '=>' in {value!r}")
    if ARROW in norm:
        raise ValueError(f"more than one '=>' in {value!r}")
    spans: list[tuple[int, int]] = []
    plain: list[str] = []
    length = pos = 0
    for m in _MARK.finditer(text):
        if not m.group(1):
            raise ValueError(f"empty [] in {value!r}")
        plain.append(text[pos : m.start()])
        length += m.start() - pos
        spans.append((length, length + len(m.group(1))))
        plain.append(m.group(1))
        length += len(m.group(1))
        pos = m.end()
    plain.append(text[pos:])
    joined = "".join(plain)
    if "[" in joined or "]" in joined:
        raise ValueError(f"unbalanced or nested [ ] in {value!r}")
    if "=>" in joined:
        raise ValueError(f"'=>' needs a space on each side in {value!r}")
    return {
        "text": joined,
        "spans": spans or [(0, len(joined))],
        "norm": norm.strip() or None,
        "marked": bool(spans),
    }


def _mapping(value: dict[str, Any]) -> dict[str, Any]:
    """``{text, spans, norm}``: each span a ``[start, end]`` pair or a substring of the
    text (its first occurrence); no spans means the whole text."""
    unknown = set(value) - {"text", "spans", "norm"}
    if unknown:
        raise ValueError(f"unknown example keys {sorted(unknown)} (expected text, spans, norm)")
    text = value.get("text")
    if not isinstance(text, str) or not text:
        raise ValueError("an example mapping needs a non-empty 'text'")
    spans: list[tuple[int, int]] = []
    for span in value.get("spans") or []:
        if isinstance(span, str):
            start = text.find(span)
            if not span or start < 0:
                raise ValueError(f"span {span!r} is not in the text {text!r}")
            spans.append((start, start + len(span)))
        elif isinstance(span, list | tuple) and len(span) == 2:
            spans.append((int(span[0]), int(span[1])))
        else:
            raise ValueError(f"span {span!r} is neither a substring nor a [start, end] pair")
    norm = value.get("norm")
    return {
        "text": text,
        "spans": spans or [(0, len(text))],
        "norm": None if norm is None else str(norm),
        "marked": bool(spans),
    }


class Example(BaseModel):
    """One example of a rule entry: a text, the spans the entry finds in it (offsets into
    ``text``; the whole text when none is marked) and the value expected for the last one.

    Written in a rules file either in the notation ``"text with [span] => value"`` (any
    number of bracketed spans, ``=> value`` optional) or as a mapping ``{text, spans,
    norm}`` whose spans are ``[start, end]`` pairs or substrings of the text (for a text
    that holds ``[``, ``]`` or `` => `` itself).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    spans: tuple[tuple[int, int], ...]
    norm: str | None = None
    marked: bool = False  # whether the spans were given (else the whole text)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _notation(value)
        if isinstance(value, dict) and "marked" not in value:
            return _mapping(value)
        if isinstance(value, dict | Example):
            return value
        raise ValueError(
            "an example is a string 'text with [span] => value' or a mapping {text, spans, norm}"
        )

    @model_validator(mode="after")
    def _spans_inside(self) -> Example:
        if not self.text:
            raise ValueError("an example needs a text")
        for start, end in self.spans:
            if not 0 <= start < end <= len(self.text):
                raise ValueError(f"span [{start}, {end}] is outside the text {self.text!r}")
        return self

    def span_texts(self) -> list[str]:
        """The text of each span, in order."""
        return [self.text[s:e] for s, e in self.spans]

    def __str__(self) -> str:
        out, pos = [], 0
        for start, end in self.spans if self.marked else ():
            out += [self.text[pos:start], "[", self.text[start:end], "]"]
            pos = end
        out.append(self.text[pos:])
        return "".join(out) + (ARROW + self.norm if self.norm is not None else "")


def parse_example(value: Any, where: str = "example") -> Example:
    """One example in either form; :class:`RulesError` naming ``where`` (``file: entry``)
    and the reason when it is malformed."""
    try:
        return Example.model_validate(value)
    except ValidationError as exc:
        reasons = "; ".join(str(err["msg"]).removeprefix("Value error, ") for err in exc.errors())
        raise RulesError(f"{where}: bad example {value!r}: {reasons}") from None


class Examples(BaseModel):
    """Texts an entry must find (``match``) and must not find (``no_match``; a plain text,
    no span or value marked)."""

    model_config = ConfigDict(extra="forbid")

    match: list[Example] = Field(default_factory=list)
    no_match: list[Example] = Field(default_factory=list)

    @field_validator("no_match")
    @classmethod
    def _no_match_is_plain(cls, value: list[Example]) -> list[Example]:
        for example in value:
            if example.marked or example.norm is not None:
                raise ValueError(f"a no_match example marks no span and no value: {example}")
        return value

    def __bool__(self) -> bool:
        return bool(self.match or self.no_match)


def has_examples(entry: BaseModel) -> bool:
    """Whether an entry carries an example: ``examples`` or, for the fact vocabulary,
    ``cases`` (a text with the fields its fact must have)."""
    return bool(getattr(entry, "examples", None)) or bool(getattr(entry, "cases", None))


class RuleEntry(BaseModel):
    """Fields every rule entry has."""

    model_config = ConfigDict(extra="forbid")

    id: str
    examples: Examples = Field(default_factory=Examples)


class PatternEntry(RuleEntry):
    """An entry holding one regular expression (compiled at load time)."""

    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            regex.compile(value)
        except regex.error as exc:
            raise ValueError(f"pattern does not compile: {exc}") from exc
        return value


# libyaml's loader parses the rule files about ten times faster than the pure-Python one.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """Parse YAML text safely (libyaml when installed); raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"{path}: rules file not found") from None
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise RulesError(f"{path}:{where}: YAML syntax error: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping with 'version' and 'entries'")
    return data


def load_entries(name: str, model: type[E], directory: Path | None = None) -> tuple[str, list[E]]:
    """Validate ``<rules>/<name>.yaml`` against ``model``; return (version, entries).

    Raises :class:`RulesError` listing every invalid entry with its index and id.
    """
    if directory is None:
        REGISTRY[name] = model
    path = (directory or rules_dir()) / f"{name}.yaml"
    data = _read_yaml(path)
    problems: list[str] = []
    unknown = set(data) - {"version", "description", "entries"}
    if unknown:
        problems.append(f"unknown top-level keys: {sorted(unknown)}")
    version = str(data.get("version", ""))
    if not version:
        problems.append("missing 'version'")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        problems.append("'entries' must be a list")
        raw_entries = []
    entries: list[E] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_entries):
        label = raw.get("id", "?") if isinstance(raw, dict) else "?"
        try:
            entry = model.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "entry"
                problems.append(f"entry {index} (id={label}): {loc}: {err['msg']}")
            continue
        entry_id = getattr(entry, "id", None)
        if entry_id in seen:
            problems.append(f"entry {index} (id={entry_id}): duplicate id")
        seen.add(str(entry_id))
        entries.append(entry)
    if problems:
        raise RulesError(f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return version, entries
