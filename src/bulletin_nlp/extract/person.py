"""PERSON mentions: people's names, licensed by the context around them.

A name is found when (1) a role title stands right before it (``副会长乔恒``), (2) a title or
a leader's "thought" follows it (``习近平总书记``), (3) it continues a list opened by such a
name (``专家代表李敏兰、黄匡忠``; a byline's names between spaces: ``报道员 王磊 赵晨``), (4) its
titles follow it in brackets or after a comma (``周建军（县民政局党组书记、局长）``), (5) a
byline bracket holds it (``（盘锦日报 孙天健）``), or (6) it repeats a name already licensed
in the same document (a later bare ``陈存根``). Every candidate must have name shape: a
listed surname, one or two given characters (two or three after a double surname), and a
follower that ends a name (punctuation, end of text, a space of the source or a cue word
such as ``表示``); a given part that is a very common verb is none (``师|组成``).

Every hit carries :class:`~bulletin_nlp.spans.PersonAttrs`. Hits of kind (1), (3) and (4)
keep their titles for role facts: ``role`` and ``role_span`` (the title nearest the name),
``roles`` (the chain of titles joined by ``、`` or ``兼``, e.g. ``党委书记、副局长``, each
with its span). Kind (2) keeps ``post_title`` and ``post_title_span`` (``总书记``), and the
role fields when the title is an office (``张伟局长``). ``via`` says which of title,
post_title, list, byline, leader or repeat found the name.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import ahocorasick
import regex

from ..doc import Doc
from ..rules import RuleEntry, load_entries
from ..segment import pos_tokenize, tokenize, word_freq
from ..spans import Hit, PersonAttrs, RoleLink
from .org import space_gaps

_OFFICE_PREFIX = regex.compile(r"^(?:常务|执行)?副?")

# The stage's declaration, checked by the pipeline at start-up (bulletin_nlp.pipeline).
REQUIRES = ("articles", "sentences", "hits:ORG", "hits:PLACE")
ASSIGNS = ("hits:PERSON",)
RULES: tuple[str, ...] = ("person",)

Kind = Literal[
    "title",
    "byline",
    "title_prefix",
    "post_title",
    "post_byline",
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
# real names are absent from the dictionary or rare in it (习近平 has 4); a common one that
# jieba tags as a person's name (李娜 438, 郑功成 261) is a name after a title.
_COMMON_WORD_FREQ = 100
# A two-character given part this common as a verb is a verb (师|组成的), not a name.
_COMMON_VERB_FREQ = 10000
_NAME_TAGS = ("nr",)


class PersonEntry(RuleEntry):
    """One vocabulary list of ``rules/person.yaml``."""

    kind: Kind
    values: list[str]


@dataclass(frozen=True)
class PersonRules:
    """The PERSON vocabulary, compiled once per process."""

    version: str
    titles: dict[str, str]  # title -> entry id (byline titles included)
    bylines: frozenset[str]  # titles of bylines (记者, 通讯员): names, never roles
    post_bylines: frozenset[str]  # bylines after a name (供稿)
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
    base = {**by_kind.get("title", {}), **by_kind.get("byline", {})}
    # 原主席, 前会长: a former holder's title is a title too.
    titles = {
        **base,
        **{x + t: i for x in by_kind.get("title_prefix", {}) for t, i in base.items()},
    }
    posts = {**by_kind.get("post_title", {}), **by_kind.get("post_byline", {})}
    cues = by_kind.get("follow_cue", {})
    return PersonRules(
        version=version,
        titles=titles,
        bylines=frozenset(by_kind.get("byline", {})),
        post_bylines=frozenset(by_kind.get("post_byline", {})),
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


def _shaped(name: str, rules: PersonRules, strong: bool = False) -> bool:
    """Whether ``name`` looks like a Chinese personal name (surname + given name).

    ``strong``: a title licenses it, so a common word jieba tags as a name passes (李娜).
    """
    if not _HANS.fullmatch(name) or name in rules.not_name:
        return False
    freq = word_freq(name)
    if name not in rules.leaders and freq >= _COMMON_WORD_FREQ:
        if not (strong and _tagged_name(name)):
            return False
    if name[:2] in rules.double_surnames and len(name) in (3, 4):
        given = name[2:]
    elif name[0] in rules.surnames and len(name) in (2, 3):
        given = name[1:]
    else:
        return False
    if given in rules.not_given or any(ch in rules.not_given_char for ch in given):
        return False
    return not (len(given) == 2 and _verb_given(given))


def _verb_given(given: str) -> bool:
    """The given part is a very common verb, so the whole is no name (师|组成的)."""
    return word_freq(given) >= _COMMON_VERB_FREQ and _tag(given) == "v"


@lru_cache(maxsize=4096)
def _tag(word: str) -> str:
    """jieba's part-of-speech tag of ``word`` read alone ("" if it splits)."""
    tokens = pos_tokenize(word)
    return tokens[0][1] if len(tokens) == 1 else ""


def _tagged_name(word: str) -> bool:
    return _tag(word).startswith(_NAME_TAGS)


def _follow_score(
    text: str, end: int, rules: PersonRules, gaps: AbstractSet[int] = frozenset()
) -> int:
    """How well the text at ``end`` closes a name: 0 (not at all) to 4 (punctuation, or a
    space of the source that normalization removed: ``gaps``)."""
    if end >= len(text) or text[end] in _BOUNDARY or end in gaps:
        return _END
    cues = rules.cue_set
    for length in rules.cue_lengths:  # the longest cue at ``end`` decides
        if end + length <= len(text) and text[end : end + length] in cues:
            return _LONG_CUE if length > 1 else _SHORT_CUE
    if rules.title_re.match(text, end):  # 记者张三通讯员李红
        return _TITLE
    return 0


def _name_at(
    text: str, start: int, rules: PersonRules, gaps: AbstractSet[int] = frozenset()
) -> int | None:
    """End of the best name starting at ``start`` (right after a title), or None.

    Among shapes followed by a name-ending context, the best follower wins (so ``李品参与``
    gives 李品, not 李品参 + 与), then a shape that does not end in a one-character cue
    (``王芳和同事们`` gives 王芳, not 王芳和 + 同), then the longer name (``江春华对``).
    """
    if rules.title_re.match(text, start):  # 专家顾问组: a title is not a name
        return None
    best: tuple[int, bool, int] | None = None
    for length in (2, 3, 4):
        end = start + length
        if end > len(text) or not _shaped(text[start:end], rules, strong=True):
            continue
        score = _follow_score(text, end, rules, gaps)
        key = (score, text[end - 1] not in rules.cue_set, length)
        if score and (best is None or key > best):
            best = key
    return start + best[2] if best else None


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
) -> tuple[RoleLink, ...]:
    """The title at ``[start, end)`` and those chained before it by ``、`` or ``兼``.

    ``org_ends`` (end -> start of ORG spans): a title may carry its own organization
    (``协会副会长、华东理工大学教授徐永祥``): the chain goes on across it.
    """
    chain = [RoleLink(text[start:end], (start, end))]
    org_ends = org_ends or {}
    while start > 0:
        sep = org_ends.get(start, start) - 1  # before this title's own organization, if any
        if sep < 0 or text[sep] not in _CHAIN or sep not in ends:
            break
        end = sep
        start = ends[end]
        chain.insert(0, RoleLink(text[start:end], (start, end)))
    return tuple(chain)


# ---- finding ----------------------------------------------------------------------------


Blocked = Callable[[int, int], bool]


def _hit(start: int, end: int, text: str, rule_id: str, attrs: PersonAttrs) -> Hit:
    return Hit(start, end, "PERSON", text[start:end], rule_id, attrs=attrs)


def _by_title(
    text: str,
    rules: PersonRules,
    blocked: Blocked,
    org_ends: dict[int, int] | None = None,
    gaps: AbstractSet[int] = frozenset(),
) -> list[Hit]:
    """Names right after a role title, and the ``、`` list they open (a byline's list may
    be separated by spaces of the source: ``gaps``)."""
    hits: list[Hit] = []
    ends = _title_ends(text, rules)
    for t_end, t_start in sorted(ends.items()):
        title = text[t_start:t_end]
        start = t_end
        # "记者 皮磊" in raw tests; a byline's colon (编辑：薛鑫)
        while start < len(text) and (
            text[start] in " \t" or title in rules.bylines and text[start] in "：:"
        ):
            start += 1
        end = _name_at(text, start, rules, gaps)
        if end is None or blocked(start, end):
            continue
        roles = _role_chain(text, t_start, t_end, ends, org_ends)
        role = PersonAttrs("title", role=title, role_span=(t_start, t_end), roles=roles)
        hits.append(_hit(start, end, text, rules.titles[title], role))
        # A list after the name: 专家代表李敏兰、黄匡忠 (stop where a new title starts); a
        # byline lists names between spaces (报道员 王磊 赵晨).
        byline = title in rules.bylines
        while end < len(text) and (text[end] == "、" or byline and _spaced(text, end, gaps)):
            nxt = end if end in gaps and text[end] not in " \t" else end + 1
            while byline and nxt < len(text) and text[nxt] in " \t":
                nxt += 1
            if rules.title_re.match(text, nxt):
                break
            nend = _name_at(text, nxt, rules, gaps)
            if nend is None or blocked(nxt, nend):
                break
            hits.append(_hit(nxt, nend, text, rules.titles[title], replace(role, via="list")))
            end = nend
    return hits


def _spaced(text: str, pos: int, gaps: AbstractSet[int]) -> bool:
    """A space at ``pos``, in the text or removed from the source there."""
    return text[pos] in " \t" or pos in gaps


def _single_token(start: int, end: int, bounds: AbstractSet[int]) -> bool:
    return start in bounds and end in bounds and not any(i in bounds for i in range(start + 1, end))


def _word_after_surname(name: str, rules: PersonRules) -> bool:
    """The part after the surname is itself a common name (向|雷锋): the "surname" is a
    word of its own. A given part that is a common noun (周|建军) is still a name's."""
    cut = 2 if name[:2] in rules.double_surnames else 1
    given = name[cut:]
    return word_freq(given) >= _COMMON_WORD_FREQ and (len(given) < 2 or _tagged_name(given))


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
        hits.append(_hit(s, e, text, rules.leaders[m.group()], PersonAttrs("leader")))
    return hits


def _pick_before(
    text: str,
    end: int,
    rules: PersonRules,
    bounds: Callable[[], AbstractSet[int]],
    strong: bool = False,
) -> int | None:
    """Start of the name that ends at ``end`` (before a title or a bracket), or None.

    A whole jieba token first (习近平/总书记), else the longest at a token start whose
    given part is not itself a common word (向/雷锋 is a preposition and a word).
    ``strong``: an office title or a byline licenses it (see :func:`_shaped`).
    """
    shapes = [
        end - n
        for n in (4, 3, 2)
        if end - n >= 0 and _shaped(text[end - n : end], rules, strong=strong)
    ]
    if not shapes:
        return None
    tb = bounds()
    pick = next((s for s in shapes if _single_token(s, end, tb)), None)
    if pick is None:
        pick = next(
            (s for s in shapes if s in tb and not _word_after_surname(text[s:end], rules)), None
        )
    return pick


def _by_post_title(
    text: str, rules: PersonRules, blocked: Blocked, bounds: Callable[[], AbstractSet[int]]
) -> list[Hit]:
    """Names right before a title such as ``总书记`` or ``同志`` (``习近平总书记``); an
    office title after a name (``张伟局长``) is the name's role."""
    hits: list[Hit] = []
    for m in rules.post_re.finditer(text):
        end = m.start()
        office = m.group() in rules.titles
        if office and not (m.end() in bounds() or _follow_score(text, m.end(), rules)):
            continue  # 城市长远: no title
        strong = office or m.group() in rules.post_bylines
        pick = _pick_before(text, end, rules, bounds, strong=strong)
        if pick is None or blocked(pick, end):
            continue
        if office and _heads(m.group(), text[pick:end]):
            continue  # 救助管理站|站长: the body the title heads, not a name
        post = PersonAttrs("post_title", post_title=m.group(), post_title_span=m.span())
        if office:
            link = RoleLink(m.group(), m.span())
            post = replace(post, role=link.role, role_span=link.span, roles=(link,))
        hits.append(_hit(pick, end, text, rules.post_titles[m.group()], post))
    return hits


def _heads(title: str, name: str) -> bool:
    """``name`` ends in what ``title`` is the head of (管理站 before 站长, 民政局 before 局长)."""
    office = _OFFICE_PREFIX.sub("", title)
    return office.endswith("长") and len(office) > 1 and name.endswith(office[:-1])


_BRACKET = regex.compile(r"（([^（）\n]{2,40})）")


def _by_bracketed_titles(
    text: str,
    rules: PersonRules,
    blocked: Blocked,
    bounds: Callable[[], AbstractSet[int]],
    org_ends: dict[int, int],
) -> list[Hit]:
    """A name before its titles in brackets: ``周建军（县民政局党组书记、局长）``."""
    hits: list[Hit] = []
    ends: dict[int, int] | None = None
    for m in _BRACKET.finditer(text):
        ends = ends if ends is not None else _title_ends(text, rules)
        close = m.end(1)
        if close not in ends:
            continue
        roles = _role_chain(text, ends[close], close, ends, org_ends)
        first = roles[0].span[0]
        if org_ends.get(first, first) != m.start(1):
            continue  # the bracket holds more than the titles and their organizations
        pick = _pick_before(text, m.start(), rules, bounds, strong=True)
        if pick is None or blocked(pick, m.start()):
            continue
        title = text[ends[close] : close]
        role = PersonAttrs("title", role=title, role_span=(ends[close], close), roles=roles)
        hits.append(_hit(pick, m.start(), text, rules.titles[title], role))
    return hits


def _repeats(
    text: str, names: set[str], rules: PersonRules, taken: list[Hit], blocked: Blocked
) -> list[Hit]:
    """Later (or earlier) bare mentions of names licensed elsewhere in the document."""
    hits: list[Hit] = []
    occupied = {(h.start, h.end) for h in taken}
    # 1 where a hit (found or repeated) lies: an overlap test is one find.
    used = bytearray(len(text) + 1)
    for h in taken:
        used[h.start : h.end] = b"\x01" * (h.end - h.start)
    starts = _starts(text, names)  # every name's occurrences, in one pass
    for name in sorted(names, key=len, reverse=True):
        free = 0
        for s in starts[name]:  # non-overlapping, left to right
            if s < free:
                continue
            e = free = s + len(name)
            if (s, e) in occupied or blocked(s, e):
                continue
            if used.find(1, s, e) >= 0:
                continue
            # Two-character names are common substrings; ask for a name-ending follower.
            if len(name) < 3 and not _follow_score(text, e, rules):
                continue
            hits.append(_hit(s, e, text, "person.repeat", PersonAttrs("repeat")))
            used[s:e] = b"\x01" * (e - s)
    return hits


def _starts(text: str, words: Iterable[str]) -> dict[str, list[int]]:
    """Where each word starts in ``text`` (overlapping occurrences too), in one pass."""
    found: dict[str, list[int]] = {w: [] for w in words}
    if any(found):
        auto = _automaton(w for w in found if w)
        for last, length in auto.iter(text):
            found[text[last + 1 - length : last + 1]].append(last + 1 - length)
    return found


def _by_byline_bracket(
    text: str,
    rules: PersonRules,
    blocked: Blocked,
    gaps: AbstractSet[int],
    org_spans: dict[int, int],
) -> list[Hit]:
    """A bracket at the end of a paragraph holding only names between spaces, after an
    outlet or not: ``（张贵才 储晨亮 丁娟）``, ``（盘锦日报 孙天健）``."""
    hits: list[Hit] = []
    ordered: list[int] | None = None  # the gaps, sorted
    for m in _BRACKET.finditer(text):
        after = m.end()
        if after < len(text) and text[after] not in "\n":
            continue
        s, e = m.span(1)
        if ordered is None:
            ordered = sorted(gaps)
        inside = ordered[bisect_right(ordered, s) : bisect_left(ordered, e)]
        cuts = sorted({s, e, *inside})
        parts = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b].strip()]
        names: list[tuple[int, int]] = []
        for i, (a, b) in enumerate(parts):
            while a < b and text[a] in " \t":
                a += 1
            while b > a and text[b - 1] in " \t":
                b -= 1
            if i == 0 and org_spans.get(a) == b:
                continue  # the outlet
            if not _shaped(text[a:b], rules, strong=True) or blocked(a, b):
                names = []
                break
            names.append((a, b))
        if len(names) >= 2 or names and len(parts) == 2:
            hits += [_hit(a, b, text, "person.byline", PersonAttrs("byline")) for a, b in names]
    return hits


def _by_apposition(
    text: str,
    rules: PersonRules,
    blocked: Blocked,
    bounds: Callable[[], AbstractSet[int]],
    org_ends: dict[int, int],
) -> list[Hit]:
    """A name, a comma, then its organization and titles ending the clause:
    ``李健，济南市历下区民政局局长、党组书记、一级调研员，主持…``."""
    hits: list[Hit] = []
    ends = _title_ends(text, rules)
    for t_end, t_start in sorted(ends.items()):
        if t_end >= len(text) or text[t_end] not in "，,。；":
            continue
        roles = _role_chain(text, t_start, t_end, ends, org_ends)
        first = roles[0].span[0]
        lead = org_ends.get(first)
        if lead is None or lead < 2 or text[lead - 1] not in "，,":
            continue
        end = lead - 1
        pick = _pick_before(text, end, rules, bounds, strong=True)
        if pick is None or blocked(pick, end):
            continue
        if pick > 0 and text[pick - 1] not in _BOUNDARY:
            continue  # 有李四，市民政局局长: the name must open its clause
        title = text[t_start:t_end]
        role = PersonAttrs("title", role=title, role_span=(t_start, t_end), roles=roles)
        hits.append(_hit(pick, end, text, rules.titles[title], role))
    return hits


def find_persons(
    text: str,
    blocked_spans: Iterable[tuple[int, int]] = (),
    token_bounds: AbstractSet[int] | None = None,
    org_spans: Iterable[tuple[int, int]] = (),
    gaps: AbstractSet[int] = frozenset(),
) -> list[Hit]:
    """PERSON hits in ``text``; ``blocked_spans`` are ORG/PLACE spans a name may not cross,
    ``org_spans`` the ORG spans (titles chain across them: ``协会会长、大学教授``),
    ``gaps`` the offsets where the source had spaces that normalization removed."""
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

    org_ends = {e: s for s, e in org_spans}
    licensed = (
        _by_title(text, rules, blocked, org_ends, gaps)
        + _by_bracketed_titles(text, rules, blocked, bounds, org_ends)
        + _by_apposition(text, rules, blocked, bounds, org_ends)
        + _by_byline_bracket(text, rules, blocked, gaps, {s: e for s, e in org_spans})
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
    return find_persons(doc.norm, blocked, doc.token_bounds, orgs, space_gaps(doc))
