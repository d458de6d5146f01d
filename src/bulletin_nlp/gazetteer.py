"""The admin-division gazetteer: province → city → county → township with GB/T 2260 adcodes.

Built once per process from ``data/admin_divisions/*.csv`` (NBS 2023 tables, see SOURCE.md)
and ``rules/place.yaml``, which says how short forms are generated (浙江省 → 浙江,
红河哈尼族彝族自治州 → 红河州), which extra names and places exist, and which surfaces need
a parent in front of them (合作, 城区). Townships keep their county's adcode and their own
name. :func:`lookup` resolves one name, :func:`gazetteer` gives the whole index to the
PLACE extractor.
"""

from __future__ import annotations

import csv
import gc
import re  # stdlib re: this one big findall runs faster than with regex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import regex
from pydantic import Field, model_validator

from .rules import RuleEntry, load_entries

_ADCODE = regex.compile(r"\d{6}")

Level = Literal["province", "city", "county", "township"]
LEVEL_RANK: dict[str, int] = {"province": 0, "city": 1, "county": 2, "township": 3}
DATA_DIR = Path(__file__).resolve().parent / "data" / "admin_divisions"
OFFICIAL = "official"  # rule id of a place's own official name


class PlaceRule(RuleEntry):
    """One entry of ``rules/place.yaml``; which fields apply depends on ``kind``."""

    kind: Literal[
        "short_form",
        "alias",
        "extra_place",
        "compound_only",
        "stop_phrase",
        "exclude",
        "township",
        "surname_guard",
        "self_scope",
        "outlet",
        "merged_district",
    ]
    levels: list[Level] = Field(default_factory=list)
    pattern: str | None = None
    forms: list[str] = Field(default_factory=list)
    standalone: bool = True
    alias: str | None = None
    target: str | None = None
    full_name: str | None = None
    adcode: str | None = None
    surfaces: list[str] = Field(default_factory=list)
    suffixes: list[str] = Field(default_factory=list)
    min_stem: int = 2
    former: bool = False  # short_form: a former name, never one another place bears now

    @model_validator(mode="after")
    def _fields_of_kind(self) -> PlaceRule:
        required = {
            "short_form": ("levels", "pattern", "forms"),
            "alias": ("alias", "target"),
            "extra_place": ("full_name", "adcode"),
            "compound_only": ("surfaces",),
            "stop_phrase": ("surfaces",),
            "exclude": ("levels", "pattern"),
            "township": ("suffixes",),
            "surname_guard": ("surfaces",),
            "self_scope": ("surfaces", "levels"),
            "outlet": ("surfaces", "target"),
            "merged_district": ("surfaces", "target"),
        }[self.kind]
        missing = [name for name in required if not getattr(self, name)]
        if missing:
            raise ValueError(f"kind {self.kind} needs {', '.join(missing)}")
        if self.pattern is not None:
            try:
                compiled = regex.compile(self.pattern)
            except regex.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from exc
            if self.kind == "short_form" and "stem" not in compiled.groupindex:
                raise ValueError("short_form pattern needs a named group 'stem'")
        if self.adcode is not None and not _ADCODE.fullmatch(self.adcode):
            raise ValueError(f"adcode must be 6 digits: {self.adcode!r}")
        return self


@dataclass(frozen=True, slots=True)
class Place:
    """A named administrative place; ``parent`` is the adcode of the place above it."""

    name: str
    full_name: str
    adcode: str
    level: str
    parent: str | None

    def norm(self) -> dict[str, str]:
        """The PLACE mention's normalized value."""
        return {"name": self.full_name, "adcode": self.adcode}


@dataclass(frozen=True, slots=True)
class Variant:
    """A surface form of a place; ``standalone`` false means only after its parent."""

    place: Place
    rule_id: str
    standalone: bool


@lru_cache(maxsize=1)
def place_rules() -> tuple[str, tuple[PlaceRule, ...]]:
    """The validated entries of ``rules/place.yaml`` (version, entries)."""
    version, entries = load_entries("place", PlaceRule)
    return version, tuple(entries)


def _read(name: str) -> list[dict[str, str]]:
    """Rows of one CSV as dicts (csv.reader + zip: twice as fast as DictReader)."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        return [dict(zip(header, row, strict=True)) for row in rows]


class Gazetteer:
    """All places and every surface form that names them."""

    def __init__(self, rules: tuple[PlaceRule, ...]) -> None:
        self.rules = rules
        self.by_adcode: dict[str, Place] = {}  # provinces, cities, counties
        self.by_full_name: dict[str, Place] = {}
        self.places: list[Place] = []
        self._variants: dict[str, list[Variant]] = {}
        self._pending: dict[str, list[str]] = {}  # township name -> area codes, made lazily
        self._node: dict[str, Place | None] = {}
        self.compound_only = frozenset(s for r in self._of("compound_only") for s in r.surfaces)
        self.surnames = frozenset(s for r in self._of("surname_guard") for s in r.surfaces)
        self.stop_phrases = tuple(s for r in self._of("stop_phrase") for s in r.surfaces)
        townships = self._of("township")
        self.township_suffixes = tuple(s for r in townships for s in r.suffixes)
        self.township_min_stem = min((r.min_stem for r in townships), default=2)
        self.township_rule = townships[0].id if townships else "township"
        self._exclude = [(r.levels, regex.compile(r.pattern or "")) for r in self._of("exclude")]
        self._build()

    def _of(self, kind: str) -> list[PlaceRule]:
        return [r for r in self.rules if r.kind == kind]

    # -- building ----------------------------------------------------------------------------

    def _excluded(self, name: str, level: str) -> bool:
        return any(level in levels and pattern.search(name) for levels, pattern in self._exclude)

    def _add(self, place: Place) -> None:
        self.places.append(place)
        self.by_full_name.setdefault(place.full_name, place)
        if place.level != "township":
            self.by_adcode[place.adcode] = place
        self._add_variant(place.name, Variant(place, OFFICIAL, True))

    def _add_variant(self, surface: str, variant: Variant) -> None:
        if surface in self.compound_only:
            variant = Variant(variant.place, variant.rule_id, False)
        known = self._variants.setdefault(surface, [])
        if all(v.place is not variant.place for v in known):
            known.append(variant)

    def _build(self) -> None:
        # node code (2/4/6 digits) -> the kept place standing for it (a placeholder or an
        # excluded unit stands for its parent, so its children hang there).
        node: dict[str, Place | None] = {}
        for row in _read("provinces.csv"):
            place = Place(row["name"], row["name"], row["code"] + "0000", "province", None)
            self._add(place)
            node[row["code"]] = place
        for rule in self._of("extra_place"):
            name, code = rule.full_name or "", rule.adcode or ""
            self._add(Place(name, name, code, "province", None))
        for row in _read("cities.csv"):
            parent = node[row["provinceCode"]]
            if self._excluded(row["name"], "city") or parent is None:
                node[row["code"]] = parent
                continue
            place = Place(
                row["name"],
                parent.full_name + row["name"],
                row["code"] + "00",
                "city",
                parent.adcode,
            )
            self._add(place)
            node[row["code"]] = place
        for row in _read("areas.csv"):
            parent = node[row["cityCode"]] or node[row["provinceCode"]]
            if (
                parent is None
                or row["name"] == parent.name
                or self._excluded(row["name"], "county")
            ):
                # A city without counties lists itself once more (441900 东莞市).
                node[row["code"]] = parent
                continue
            place = Place(
                row["name"], parent.full_name + row["name"], row["code"], "county", parent.adcode
            )
            self._add(place)
            node[row["code"]] = place
        self._add_townships(node)
        self._add_short_forms()
        for rule in self._of("alias"):
            target = self.by_full_name.get(rule.target or "")
            if target is None:
                raise ValueError(f"place rule {rule.id}: unknown target {rule.target!r}")
            self._add_variant(rule.alias or "", Variant(target, rule.id, rule.standalone))
        for rule in self._of("merged_district"):
            city = self.by_full_name.get(rule.target or "")
            if city is None:
                raise ValueError(f"place rule {rule.id}: unknown target {rule.target!r}")
            for surface in rule.surfaces:
                if any(v.rule_id == OFFICIAL for v in self._variants.get(surface, ())):
                    raise ValueError(f"place rule {rule.id}: {surface} names a place today")
                # No code of its own any more: the city's, as a place below a county keeps
                # its county's (FACTS.md), with its own name.
                place = Place(surface, city.full_name + surface, city.adcode, "county", city.adcode)
                self._add_variant(surface, Variant(place, rule.id, True))
        self.outlets: dict[str, Place] = {}
        for rule in self._of("outlet"):
            target = self.by_full_name.get(rule.target or "")
            if target is None:
                raise ValueError(f"place rule {rule.id}: unknown target {rule.target!r}")
            self.outlets.update(dict.fromkeys(rule.surfaces, target))

    def outlet_place(self, text: str) -> Place | None:
        """The region a news outlet named in ``text`` serves (来源：大众日报 → 山东省), for
        outlets whose name holds no place; the first one named wins."""
        found = [(k, p) for o, p in self.outlets.items() if (k := text.find(o)) >= 0]
        return min(found, key=lambda f: f[0])[1] if found else None

    def _add_townships(self, node: dict[str, Place | None]) -> None:
        """Note township names only; their places are made on first use (41k rows, most of
        which no text ever names, would double the build time)."""
        self._node = node
        text = (DATA_DIR / "streets.csv").read_text(encoding="utf-8")
        # One C-level pass over lines code,"name",areaCode,... keeping the suffixes we match.
        suffix = "|".join(re.escape(s) for s in self.township_suffixes)
        rows = re.findall(rf'^\d+,"([^"\n]*(?:{suffix}))",(\d+),', text, flags=re.M)
        for name, area in rows:
            self._pending.setdefault(name, []).append(area)

    def _make_townships(self, name: str) -> None:
        suffix = max((s for s in self.township_suffixes if name.endswith(s)), key=len)
        standalone = len(name) - len(suffix) >= self.township_min_stem
        standalone = standalone and name not in self.compound_only
        known = self._variants.setdefault(name, [])
        for area in self._pending.pop(name, ()):
            parent = self._node.get(area)
            if parent is None or parent.level == "province":
                continue
            place = Place(name, parent.full_name + name, parent.adcode, "township", parent.adcode)
            self.places.append(place)
            self.by_full_name.setdefault(place.full_name, place)
            known.append(Variant(place, self.township_rule, standalone))

    def _add_short_forms(self) -> None:
        rules = [(r, regex.compile(r.pattern or "")) for r in self._of("short_form")]
        official = {p.name for p in self.by_adcode.values()}
        for place in list(self.by_adcode.values()):
            for rule, pattern in rules:
                if place.level not in rule.levels:
                    continue
                match = pattern.fullmatch(place.name)
                if match is None:
                    continue
                for form in rule.forms:
                    surface = form.format(**match.groupdict(default=""))
                    if rule.former and surface in official:
                        continue  # 朝阳县 is a county of its own, not 朝阳区's old name
                    if len(surface) >= 2 and surface != place.name:
                        self._add_variant(surface, Variant(place, rule.id, rule.standalone))

    # -- queries -----------------------------------------------------------------------------

    @cached_property
    def max_len(self) -> int:
        return max(len(s) for s in self.surfaces())

    def surfaces(self) -> set[str]:
        """Every surface form of every place (townships included)."""
        return set(self._variants) | set(self._pending)

    def variants_of(self, surface: str) -> list[Variant]:
        """The places a surface may name, with how (official name, short form, alias)."""
        if surface in self._pending:
            self._make_townships(surface)
        return self._variants.get(surface, [])

    @cached_property
    def variants(self) -> Mapping[str, list[Variant]]:
        """Read-only mapping surface -> variants (townships made on first access)."""
        return _VariantIndex(self)

    def ancestors(self, place: Place) -> tuple[str, ...]:
        """Adcodes of the place and every place above it, innermost first."""
        if place.level == "township":  # it shares its county's adcode
            return self.ancestors(self.by_adcode[place.adcode])
        chain = [place.adcode]
        parent = place.parent
        while parent is not None:
            chain.append(parent)
            parent = self.by_adcode[parent].parent
        return tuple(chain)

    def within(self, place: Place, ancestor: Place) -> bool:
        """Whether ``place`` lies strictly below ``ancestor``."""
        if LEVEL_RANK[place.level] <= LEVEL_RANK[ancestor.level]:
            return False
        return ancestor.adcode in self.ancestors(place)

    def shared(self, place: Place, other: Place) -> int:
        """How many enclosing places the two share (3: same county, 0: other provinces)."""
        return len(set(self.ancestors(place)) & set(self.ancestors(other)))

    def resolve(self, candidates: list[Place], context: list[Place]) -> tuple[list[Place], int]:
        """Narrow ambiguous candidates by context places, nearest first.

        Returns the best group (one place when resolved) and the score of the context that
        decided it (0 when no context helped). Left-over ties prefer the higher level.
        """
        group, decided = list(candidates), 0
        for ctx in context:
            if len(group) == 1 and decided:
                break
            scores = [self.shared(p, ctx) for p in group]
            best = max(scores)
            if best > 0:
                group = [p for p, s in zip(group, scores, strict=True) if s == best]
                decided = decided or best
        if len(group) > 1:
            top = min(LEVEL_RANK[p.level] for p in group)
            group = [p for p in group if LEVEL_RANK[p.level] == top]
        return sorted(group, key=lambda p: (p.adcode, p.full_name)), decided

    def choose(self, candidates: list[Place], context: list[Place]) -> Place | None:
        """The one place a surface means here, or None for a township the context rejects.

        A township name needs support: one candidate not contradicted by the context (no
        context, or a context place in the same province), or a context that picks one.
        """
        group, decided = self.resolve(candidates, context)
        if not group:
            return None
        best = group[0]
        if best.level != "township":
            return best
        if len(group) > 1:
            return None
        if len(candidates) > 1 or context:
            return best if decided > 0 else None
        return best

    def standalone(self, surface: str) -> list[Place]:
        """Places a surface may name on its own."""
        return [v.place for v in self.variants_of(surface) if v.standalone]

    def parse(self, text: str, context: list[Place] | None = None) -> list[Place] | None:
        """Split a compound name (浙江台州, 浚县王庄镇) into its chain of nested places.

        The head must be a standalone surface; each later part must lie within the part
        before it. Longest parts win. None when ``text`` is not such a chain.
        """
        chain: list[Place] = []
        i = 0
        while i < len(text):
            for j in range(min(len(text), i + self.max_len), i + 1, -1):
                variants = self.variants_of(text[i:j])
                if chain:
                    fits = [v.place for v in variants if self.within(v.place, chain[-1])]
                else:
                    fits = [v.place for v in variants if v.standalone]
                if fits:
                    chain.append(self.resolve(fits, chain[::-1] + (context or []))[0][0])
                    i = j
                    break
            else:
                return None
        return chain or None


class _VariantIndex(Mapping[str, list[Variant]]):
    """``gazetteer().variants``: a mapping view that makes township places on demand."""

    def __init__(self, gaz: Gazetteer) -> None:
        self._gaz = gaz

    def __getitem__(self, surface: str) -> list[Variant]:
        found = self._gaz.variants_of(surface)
        if not found:
            raise KeyError(surface)
        return found

    def __contains__(self, surface: object) -> bool:
        return isinstance(surface, str) and bool(self._gaz.variants_of(surface))

    def __iter__(self) -> Iterator[str]:
        return iter(self._gaz.surfaces())

    def __len__(self) -> int:
        return len(self._gaz.surfaces())


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built on first use, about 0.2 s)."""
    rules = place_rules()[1]
    # ~90k small objects: the cyclic GC would run dozens of useless passes meanwhile.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return Gazetteer(rules)
    finally:
        if enabled:
            gc.enable()


def lookup(name: str, context_adcodes: tuple[str, ...] | list[str] = ()) -> Place | None:
    """The place ``name`` means, given adcodes of places mentioned before it (nearest first).

    ``name`` may be an official name, a generated short form, an alias or a compound
    (``浙江台州``, ``吉林省长春市``). Returns None for unknown names, for surfaces that need a
    parent (``合作``, ``城区``) and for townships the context cannot pin down.
    """
    gaz = gazetteer()
    context = [gaz.by_adcode[a] for a in context_adcodes if a in gaz.by_adcode]
    candidates = gaz.standalone(name)
    if candidates:
        return gaz.choose(candidates, context)
    chain = gaz.parse(name, context)
    return chain[-1] if chain is not None and len(chain) > 1 else None
