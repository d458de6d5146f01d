"""PERSON mentions: people's names, licensed by the context around them.

A name is found when (1) a role title stands right before it (``副会长乔恒``), (2) a title or
a leader's "thought" follows it (``习近平总书记``), (3) it continues a list opened by such a
name (``专家代表李敏兰、黄匡忠``), or (4) it repeats a name already licensed in the same
document (a later bare ``陈存根``). Every candidate must have name shape: a listed surname,
one or two given characters (two or three after a double surname), and a follower that ends
a name (punctuation, end of text or a cue word such as ``表示``).

Hits of kind (1) and (3) keep their titles for role facts: ``attrs["role"]`` and
``attrs["role_span"]`` (the title nearest the name), ``attrs["roles"]`` (the chain of titles
joined by ``、`` or ``兼``, e.g. ``党委书记、副局长``, each with its span). Kind (2) keeps
``attrs["post_title"]`` and ``attrs["post_title_span"]`` (``总书记``). ``attrs["via"]`` says
which of title, post_title, list, leader or repeat found the name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import ahocorasick
import regex

from ..doc import Doc
from ..rules import RuleEntry, load_entries
from ..segment import tokenize, word_freq
from ..spans import Hit

Kind = Literal[
    "title",
    "post_title",
    "surname",
    "double_surname",
    "follow_cue",
    "not_name",
    "not_given",
    "not_given_char",
    "leader",
]

# Characters that end a name on their own: punctuation, brackets, whitespace.
_BOUNDARY = set("，。、；：！？（）()《》“”‘’「」\"'\n\r\t ,.;:!?·—-…■□●◆#[]【】")
# Title chain connectors: 党委书记、副局长 / 副会长兼秘书长.
_CHAIN = set("、兼")
_HANS = regex.compile(r"\p{Han}*")
# Score of a follower: punctuation or end > multi-character cue > one-character cue > a new
# title (weakest, so 李晓和社工王芳 gives 李晓 + 和, not 李晓和 + 社工).
_END, _LONG_CUE, _SHORT_CUE, _TITLE = 4, 3, 2, 1
# A candidate that jieba knows as a word this common is a word, not a name (水平, 文明, 单位);
# real names are absent from the dictionary or rare in it (习近平 has 4, 李娜 438 is lost).
_COMMON_WORD_FREQ = 100


class PersonEntry(RuleEntry):
    """One vocabulary list of ``rules/person.yaml``."""

    kind: Kind
    values: list[str]


@dataclass(frozen=True)
class PersonRules:
    """The PERSON vocabulary, compiled once per process."""

    version: str
    titles: dict[str, str]  # title -> entry id
    title_re: regex.Pattern[str]
    title_automaton: ahocorasick.Automaton  # every title, valued by its length
    post_titles: dict[str, str]  # title after a name -> entry id
    post_re: regex.Pattern[str]
    surnames: frozenset[str]
    double_surnames: frozenset[str]
    cues: tuple[str, ...]  # longest first
    cue_set: frozenset[str]
    cue_lengths: tuple[int, ...]  # the distinct lengths of the cues, longest first
    not_name: frozenset[str]
    not_given: frozenset[str]
    not_given_char: frozenset[str]
    leaders: dict[str, str]  # national leaders, names wherever they occur -> entry id


def _alternation(words: Iterable[str]) -> regex.Pattern[str]:
    ordered = sorted(set(words), key=len, reverse=True)
    return regex.compile("|".join(regex.escape(w) for w in ordered))


def _automaton(words: Iterable[str]) -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for word in words:
        auto.add_word(word, len(word))
    auto.make_automaton()
    return auto


@lru_cache(maxsize=1)
def load_rules() -> PersonRules:
    """Load and compile ``rules/person.yaml`` (once per process)."""
    version, entries = load_entries("person", PersonEntry)
    by_kind: dict[str, dict[str, str]] = {}
    for entry in entries:
        bucket = by_kind.setdefault(entry.kind, {})
        for value in entry.values:
            bucket.setdefault(value, entry.id)
    titles = by_kind.get("title", {})
    posts = by_kind.get("post_title", {})
    cues = by_kind.get("follow_cue", {})
    return PersonRules(
        version=version,
        titles=titles,
        title_re=_alternation(titles),
        title_automaton=_automaton(titles),
        post_titles=posts,
        post_re=_alternation(posts),
        surnames=frozenset(by_kind.get("surname", {})),
        double_surnames=frozenset(by_kind.get("double_surname", {})),
        cues=tuple(sorted(cues, key=len, reverse=True)),
        cue_set=frozenset(cues),
        cue_lengths=tuple(sorted({len(c) for c in cues}, reverse=True)),
        not_name=frozenset(by_kind.get("not_name", {})),
        not_given=frozenset(by_kind.get("not_given", {})),
        not_given_char=frozenset(by_kind.get("not_given_char", {})),
        leaders=by_kind.get("leader", {}),
    )


# ---- name shape -------------------------------------------------------------------------


def _shaped(name: str, rules: PersonRules) -> bool:
    """Whether ``name`` looks like a Chinese personal name (surname + given name)."""
    if not _HANS.fullmatch(name) or name in rules.not_name:
        return False
    if name not in rules.leaders and word_freq(name) >= _COMMON_WORD_FREQ:
        return False
    if name[:2] in rules.double_surnames and len(name) in (3, 4):
        given = name[2:]
    elif name[0] in rules.surnames and len(name) in (2, 3):
        given = name[1:]
    else:
        return False
    return given not in rules.not_given and not any(ch in rules.not_given_char for ch in given)


def _follow_score(text: str, end: int, rules: PersonRules) -> int:
    """How well the text at ``end`` closes a name: 0 (not at all) to 4 (punctuation)."""
    if end >= len(text) or text[end] in _BOUNDARY:
        return _END
    cues = rules.cue_set
    for length in rules.cue_lengths:  # the longest cue at ``end`` decides
        if end + length <= len(text) and text[end : end + length] in cues:
            return _LONG_CUE if length > 1 else _SHORT_CUE
    if rules.title_re.match(text, end):  # 记者张三通讯员李红
        return _TITLE
    return 0


def _name_at(text: str, start: int, rules: PersonRules) -> int | None:
    """End of the best name starting at ``start``, or None.

    Among shapes followed by a name-ending context, the best follower wins (so ``李品参与``
    gives 李品, not 李品参 + 与), then the longer name (``江春华对`` gives 江春华).
    """
    if rules.title_re.match(text, start):  # 专家顾问组: a title is not a name
        return None
    best: tuple[int, int] | None = None
    for length in (2, 3, 4):
        end = start + length
        if end > len(text) or not _shaped(text[start:end], rules):
            continue
        score = _follow_score(text, end, rules)
        if score and (best is None or (score, length) > best):
            best = (score, length)
    return start + best[1] if best else None


# ---- titles -----------------------------------------------------------------------------


def _title_ends(text: str, rules: PersonRules) -> dict[int, int]:
    """Map end offset -> start offset of the longest title ending there.

    Only the longest title starting at an offset counts (as ``title_re`` would match there).
    """
    longest: dict[int, int] = {}  # start -> length
    for last, length in rules.title_automaton.iter(text):
        start = last + 1 - length
        if length > longest.get(start, 0):
            longest[start] = length
    ends: dict[int, int] = {}
    for start in sorted(longest):
        ends.setdefault(start + longest[start], start)
    return ends


def _role_chain(
    text: str, start: int, end: int, ends: dict[int, int], org_ends: dict[int, int] | None = None
) -> list[dict[str, object]]:
    """The title at ``[start, end)`` and those chained before it by ``、`` or ``兼``.

    ``org_ends`` (end -> start of ORG spans): a title may carry its own organization
    (``协会副会长、华东理工大学教授徐永祥``): the chain goes on across it.
    """
    chain: list[dict[str, object]] = [{"role": text[start:end], "span": (start, end)}]
    org_ends = org_ends or {}
    while start > 0:
        sep = org_ends.get(start, start) - 1  # before this title's own organization, if any
        if sep < 0 or text[sep] not in _CHAIN or sep not in ends:
            break
        end = sep
        start = ends[end]
        chain.insert(0, {"role": text[start:end], "span": (start, end)})
    return chain


# ---- finding ----------------------------------------------------------------------------


Blocked = Callable[[int, int], bool]


def _hit(start: int, end: int, text: str, rule_id: str, via: str, **attrs: object) -> Hit:
    return Hit(start, end, "PERSON", text[start:end], rule_id, attrs={"via": via, **attrs})


def _by_title(
    text: str, rules: PersonRules, blocked: Blocked, org_ends: dict[int, int] | None = None
) -> list[Hit]:
    """Names right after a role title, and the ``、`` list they open."""
    hits: list[Hit] = []
    ends = _title_ends(text, rules)
    for t_end, t_start in sorted(ends.items()):
        start = t_end
        while start < len(text) and text[start] in " \t":  # "记者 皮磊" in raw tests
            start += 1
        end = _name_at(text, start, rules)
        if end is None or blocked(start, end):
            continue
        title = text[t_start:t_end]
        roles = _role_chain(text, t_start, t_end, ends, org_ends)
        role = {"role": title, "role_span": (t_start, t_end), "roles": roles}
        hits.append(_hit(start, end, text, rules.titles[title], "title", **role))
        # A list after the name: 专家代表李敏兰、黄匡忠 (stop where a new title starts).
        while end < len(text) and text[end] == "、":
            nxt = end + 1
            if rules.title_re.match(text, nxt):
                break
            nend = _name_at(text, nxt, rules)
            if nend is None or blocked(nxt, nend):
                break
            hits.append(_hit(nxt, nend, text, rules.titles[title], "list", **role))
            end = nend
    return hits


def _single_token(start: int, end: int, bounds: AbstractSet[int]) -> bool:
    return start in bounds and end in bounds and not any(i in bounds for i in range(start + 1, end))


def _word_after_surname(name: str, rules: PersonRules) -> bool:
    cut = 2 if name[:2] in rules.double_surnames else 1
    return word_freq(name[cut:]) >= _COMMON_WORD_FREQ


def _by_leader(text: str, rules: PersonRules, blocked: Blocked) -> list[Hit]:
    """National leaders named in the lexicon (习近平新时代中国特色社会主义思想)."""
    hits: list[Hit] = []
    if not rules.leaders:
        return hits
    for m in _alternation(rules.leaders).finditer(text):
        s, e = m.span()
        # Short names hide in words (李强调): ask for a name-ending follower.
        if blocked(s, e) or (len(m.group()) < 3 and not _follow_score(text, e, rules)):
            continue
        hits.append(_hit(s, e, text, rules.leaders[m.group()], "leader"))
    return hits


def _by_post_title(
    text: str, rules: PersonRules, blocked: Blocked, bounds: Callable[[], AbstractSet[int]]
) -> list[Hit]:
    """Names right before a title such as ``总书记`` or ``同志`` (``习近平总书记``)."""
    hits: list[Hit] = []
    for m in rules.post_re.finditer(text):
        end = m.start()
        shapes = [
            end - n for n in (4, 3, 2) if end - n >= 0 and _shaped(text[end - n : end], rules)
        ]
        if not shapes:
            continue
        tb = bounds()
        # A whole jieba token first (习近平/总书记), else the longest at a token start whose
        # given part is not itself a common word (向/雷锋 is a preposition and a word).
        pick = next((s for s in shapes if _single_token(s, end, tb)), None)
        if pick is None:
            pick = next(
                (s for s in shapes if s in tb and not _word_after_surname(text[s:end], rules)), None
            )
        if pick is None or blocked(pick, end):
            continue
        post = {"post_title": m.group(), "post_title_span": m.span()}
        hits.append(_hit(pick, end, text, rules.post_titles[m.group()], "post_title", **post))
    return hits


def _repeats(
    text: str, names: set[str], rules: PersonRules, taken: list[Hit], blocked: Blocked
) -> list[Hit]:
    """Later (or earlier) bare mentions of names licensed elsewhere in the document."""
    hits: list[Hit] = []
    occupied = {(h.start, h.end) for h in taken}
    for name in sorted(names, key=len, reverse=True):
        e = 0
        while (s := text.find(name, e)) >= 0:  # non-overlapping, left to right
            e = s + len(name)
            if (s, e) in occupied or blocked(s, e):
                continue
            if any(h.start < e and s < h.end for h in taken + hits):
                continue
            # Two-character names are common substrings; ask for a name-ending follower.
            if len(name) < 3 and not _follow_score(text, e, rules):
                continue
            hits.append(_hit(s, e, text, "person.repeat", "repeat"))
    return hits


def find_persons(
    text: str,
    blocked_spans: Iterable[tuple[int, int]] = (),
    token_bounds: AbstractSet[int] | None = None,
    org_spans: Iterable[tuple[int, int]] = (),
) -> list[Hit]:
    """PERSON hits in ``text``; ``blocked_spans`` are ORG/PLACE spans a name may not cross,
    ``org_spans`` the ORG spans (titles chain across them: ``协会会长、大学教授``)."""
    rules = load_rules()
    spans = list(blocked_spans)
    # A name may hold a shorter span wholly inside it (the longer span wins later), but may
    # not straddle or sit inside another entity: that is, no span may run across its start
    # or its end. straddled[p] is 1 where some span has s < p < e.
    straddled = bytearray(max([len(text), *(e for _s, e in spans)]) + 1)
    for s, e in spans:
        if e - s > 1:
            straddled[s + 1 : e] = b"\x01" * (e - s - 1)

    def blocked(start: int, end: int) -> bool:
        return bool(straddled[start] or straddled[end])

    cache: dict[str, AbstractSet[int]] = {}

    def bounds() -> AbstractSet[int]:
        if token_bounds is not None:
            return token_bounds
        if "b" not in cache:
            cache["b"] = frozenset(b for _w, s, e in tokenize(text) for b in (s, e))
        return cache["b"]

    licensed = (
        _by_title(text, rules, blocked, {e: s for s, e in org_spans})
        + _by_post_title(text, rules, blocked, bounds)
        + _by_leader(text, rules, blocked)
    )
    found: dict[tuple[int, int], Hit] = {}
    for hit in licensed:  # title hits first: they carry the roles
        found.setdefault((hit.start, hit.end), hit)
    hits = list(found.values())
    hits += _repeats(text, {h.norm for h in hits}, rules, hits, blocked)
    return sorted(hits, key=lambda h: (h.start, h.end))


def extract(doc: Doc) -> list[Hit]:
    """PERSON hits over ``doc.norm`` (names may not cross ORG or PLACE hits)."""
    blocked = [(h.start, h.end) for h in doc.hits_of("ORG", "PLACE")]
    orgs = [(h.start, h.end) for h in doc.hits_of("ORG")]
    return find_persons(doc.norm, blocked, doc.token_bounds, orgs)
