"""The metric of a figure: the cue word of ``rules/metrics.yaml`` nearest the figure,
looked for in the places ``facts.precedence.metric`` lists, first match wins.

Steps:
- ``table_row``: a figure of a table counts what its row label names (a cue in it);
- ``band``: a figure that bounds a band or sets a threshold (``100万元到500万元之间``,
  ``50万元以上的项目``) counts no metric;
- ``incidental``: people or bodies present at an event (``10余家社会组织负责人参加活动``)
  count no metric;
- ``rate``: a figure after a rate's denominator (``每万人拥有持证社工12人``) counts no
  metric, unless the rate itself is one (``每千名老年人…社会工作者``);
- ``breakdown_inherit``: a part of a breakdown (``其中，助理社会工作者4792人``) counts the
  same thing as the figure before it in the sentence;
- ``list_item``: a cue in the figure's list item (between 、), the head noun after the
  figure winning (``15个区级社会工作服务指导中心``); a noun of its own after the figure
  that no cue continues counts no metric (``108个乡镇（街道）已…``);
- ``verb``: for money, the verb before the figure says whether it was received
  (募集, 收到: donations) or spent (投入, 支出: funding);
- ``clause``: the nearest cue before the figure in its clause;
- ``cue_pattern``: a metric's pattern cue in the clause (``取得…证书的…人``);
- ``list_header``: a part of a list or table a colon introduces counts what the
  introduction counts (``其中：⏎(1)恤病170.52万元``, ``捐款数额如下：⏎历下区 1746070元``);
- ``sentence``: the nearest long cue (three characters or more) earlier in the sentence,
  unless the clause names a thing of its own before the figure (``建成孵化平台1538个``).

A cue right before a category word (``社会服务类``) names a category of something else,
not what is counted, and is skipped.
"""

from __future__ import annotations

from .context import DocContext, Figure, Step
from .vocab import FactRules, MetricEntry

OTHER = "other"  # a step's answer that the figure counts no metric of the vocabulary


def cue_hits(
    text: str, lo: int, hi: int, unit: str, rules: FactRules, min_len: int = 1
) -> list[tuple[int, int, MetricEntry]]:
    """Cue occurrences in text[lo:hi] of metrics that take ``unit``; a cue inside a
    longer cue occurrence (``服务`` in ``社会工作服务站``) does not count."""
    index = rules.cue_index.get(unit)
    if index is None:
        return []
    ranked: list[tuple[int, int, int, MetricEntry]] = []  # (rank, start, end, metric)
    categories = rules.words("category")
    for m in index.pattern.finditer(text, lo, hi, overlapped=True):
        s, e = m.span()
        if text.startswith(categories, e):
            continue  # 社会服务类: a category of something else
        if e - s >= min_len:
            ranked.extend((rank, s, e, metric) for rank, metric in index.entries[m.group()])
    # In vocabulary order, each cue's occurrences left to right: ties go to the first.
    ranked.sort(key=lambda r: (r[0], r[1]))
    found = [(s, e, m) for _r, s, e, m in ranked]
    # The spans inside another one, in one sweep: by start, the longer first; a span is
    # inside when an earlier one reaches its end (no pairwise test: a long range holds
    # many cues).
    inner: set[tuple[int, int]] = set()
    reach = -1
    for s, e in sorted({(s, e) for s, e, _m in found}, key=lambda x: (x[0], -x[1])):
        if reach >= e:
            inner.add((s, e))
        reach = max(reach, e)
    return [(s, e, m) for s, e, m in found if (s, e) not in inner]


def best_metric(
    ctx: DocContext,
    lo: int,
    hi: int,
    fig: Figure,
    *,
    after: bool,
    min_len: int = 1,
) -> MetricEntry | None:
    """The metric whose cue is nearest the figure in text[lo:hi].

    With ``after``, a cue following the figure wins over one before it, and of those the
    last one, the head of the noun phrase. A longer cue wins a tie. A cue before the
    figure with a noun of its own between them (``社会组织违法违规案件1293起``) modifies
    that noun and says nothing of what is counted.
    """
    best: tuple[int, int, int, MetricEntry] | None = None
    for s, e, metric in cue_hits(ctx.text, lo, hi, fig.unit, ctx.rules, min_len):
        if e <= fig.start:
            key = (1 if after else 0, fig.start - e, -(e - s))
        elif s >= fig.end:
            if not after:
                continue
            key = (0, -e, -(e - s))  # the noun phrase's head is its last cue
        else:
            continue
        if best is None or key < best[:3]:
            if e < fig.start and (
                (_noun_before(ctx, e, fig.start) and not _verb_cue(ctx, s, e))
                or _preposition(ctx, s, e)
            ):
                continue
            best = (*key, metric)
    return best[3] if best else None


def _noun_before(ctx: DocContext, e: int, start: int) -> bool:
    """Whether the word right before the figure is a noun of its own after the cue
    (``社会组织违法违规案件1293起``: it counts 案件, the cue only modifies them)."""
    word, tag, ws, _we = ctx.doc.pos_tokens.at(start - 1)
    if ws < e or len(word) < 2 or not (tag.startswith("n") or tag == "vn"):
        return False  # one character (共, read as a noun) is no name of a thing
    if tag in ("nr", "ns", "nt", "nz"):
        return False  # names, and jieba's catch-all (力争 comes out nz)
    rules = ctx.rules
    if any(word in rules.words(kind) for kind in ("target", "base", "decline", "now", "frame")):
        return False  # a cue word of the fact stage, whatever jieba tags it
    return word not in rules.words("generic_head") and not any(
        h.type in ("PLACE", "ORG", "DATE") for h in ctx.named_index.covering(ws)
    )


def _verb_cue(ctx: DocContext, s: int, e: int) -> bool:
    """A cue read as a verb (捐赠衣被5244.5万件: the noun after it is its object, what the
    figure counts), not as a noun that modifies the next one."""
    _word, tag, ws, we = ctx.doc.pos_tokens.at(s)
    return (ws, we) == (s, e) and tag.startswith("v") and tag != "vn"


def _preposition(ctx: DocContext, s: int, e: int) -> bool:
    """A verb cue read as a preposition (``通过心理量表测量12000余人``: by means of)."""
    _word, tag, ws, we = ctx.doc.pos_tokens.at(s)
    return (ws, we) == (s, e) and tag == "p"


def _table_row(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    cell = ctx.cell_of(fig)
    index = ctx.rules.cue_index.get(fig.unit)
    if cell is None or index is None:
        return None
    found = [m.group() for m in index.pattern.finditer(cell.label, overlapped=True)]
    if not found:
        return None
    head = max(found, key=lambda c: (cell.label.rfind(c) + len(c), len(c)))
    return index.entries[head][0][1]


def _incidental(fig: Figure, ctx: DocContext) -> str | None:
    clause = ctx.text[fig.clause[0] : fig.clause[1]]
    if any(p.search(clause) for p in ctx.rules.patterns("incidental")):
        return OTHER
    return None


def _band(fig: Figure, ctx: DocContext) -> str | None:
    after = ctx.text[fig.end : fig.end + 16]
    return OTHER if any(p.match(after) for p in ctx.rules.patterns("band")) else None


def _rate(fig: Figure, ctx: DocContext) -> MetricEntry | str | None:
    cs = fig.clause[0]
    head = ctx.text[cs : fig.start]
    if not any(p.search(head) for p in ctx.rules.patterns("rate")):
        return None
    for _s, _e, m in cue_hits(ctx.text, cs, fig.clause[1], fig.unit, ctx.rules):
        if any("每" in c for c in m.cues):
            return m  # the rate is a metric of its own (elder_care_ratio)
    return OTHER


def _cue_pattern(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    cs, ce = fig.clause
    for m in ctx.rules.metrics:
        if fig.unit in m.units and any(
            p.search(ctx.text, cs, ce) for p in ctx.rules.metric_patterns(m.id)
        ):
            return m
    return None


def _verb(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    """The metric of the verb nearest before the figure in its clause (``募集资金…``)."""
    cs = fig.clause[0]
    best: tuple[int, MetricEntry] | None = None
    for m in ctx.rules.metrics:
        if fig.unit not in m.units:
            continue
        for verb in m.verbs:
            k = ctx.text.rfind(verb, cs, fig.start)
            if k >= 0 and (best is None or k > best[0]):
                best = (k, m)
    return best[1] if best else None


def _list_header(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    """A part of a list or table that a colon introduces (``…救助支出1308.94万元。其中：
    ⏎(1)恤病170.52万元``, ``具体捐款数额如下：⏎历下区 1746070元``) counts what the
    introduction counts: the metric of its figure in the same unit, else its cue."""
    intro = ctx.list_intro(fig)
    if intro is None:
        return None
    intro_lo, colon = intro
    for prev, metric in reversed(ctx.previous):
        if prev.start < intro_lo:
            break
        if prev.start < colon and metric is not None and fig.unit in metric.units:
            return metric
    # The cue of the introduction nearest its colon.
    hits = cue_hits(ctx.text, intro_lo, colon, fig.unit, ctx.rules)
    return max(hits, key=lambda h: h[1])[2] if hits else None


def _breakdown_inherit(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    text, rules = ctx.text, ctx.rules
    cs, ce = fig.clause
    lo = fig.sentence[0]
    clause = text[cs:ce]
    if not any(w in clause for w in rules.words("level")):
        return None
    if max((text.rfind(w, lo, fig.start) for w in rules.words("breakdown")), default=-1) < 0:
        return None
    # Skipping figures in other units (a share between the total and its parts).
    for prev, m in reversed(ctx.previous):
        if prev.start < lo:
            break  # figures come in reading order: none earlier is in this sentence
        if prev.sentence[0] == lo and m is not None and fig.unit in m.units:
            return m
    return None


# jieba tags of words that end a noun phrase: verbs, adverbs, prepositions, conjunctions.
_BREAK_TAGS = ("v", "d", "p", "c", "r")


def counts_another_noun(fig: Figure, ctx: DocContext) -> bool:
    """Whether the figure is followed by a noun of its own that no cue continues
    (``108个乡镇（街道）已建成社工站``: it counts 乡镇, not stations)."""
    pos, text = ctx.doc.pos_tokens, ctx.text
    _ss, se = fig.item
    if fig.end >= se:
        return False
    _word, tag, _s, _e = pos.at(fig.end)
    if not (tag.startswith("n") or tag in ("vn", "j")) or tag in ("nr", "ns"):
        return False
    if text.startswith(ctx.rules.words("base"), fig.end) or text.startswith(
        ctx.rules.all_cues(), fig.end
    ):
        return False  # a comparison (同比) or a cue of another unit
    hits = [h for h in cue_hits(text, fig.end, se, fig.unit, ctx.rules) if h[0] >= fig.end]
    if not hits:
        return True
    first = min(h[0] for h in hits)
    k = fig.end
    while k < first:  # a verb between the noun and the first cue ends the phrase
        _w, tag, _s, e = pos.at(k)
        if tag.startswith(_BREAK_TAGS) and not tag.startswith("vn"):
            return True
        k = max(e, k + 1)
    return False


def _list_item(fig: Figure, ctx: DocContext) -> MetricEntry | str | None:
    """The cue of the figure's list item, one after the figure winning (the last of them,
    the head noun); a noun of its own right after the figure that no cue continues makes
    the figure count something else (``108个乡镇``)."""
    if counts_another_noun(fig, ctx):
        return OTHER
    ss, se = fig.item
    return best_metric(ctx, ss, se, fig, after=True)


_MEASURE_WORDS = frozenset(
    {"人数", "总数", "数量", "总量", "规模", "人次", "总额", "金额", "数", "总计", "合计", "共计"}
)


def has_own_noun(ctx: DocContext, a: int, b: int) -> bool:
    """Whether ``text[a:b]`` names a thing of its own: a noun that is no name, measure
    word (人数, 总量), category (社会服务类) or scope word."""
    categories = ctx.rules.words("category")
    pos, text = ctx.doc.pos_tokens, ctx.text
    if any(c in text[a:b] for c in categories):
        return False  # a category label (社会服务类2153个) names no thing of its own
    k = a
    while k < b:
        word, tag, s, e = pos.at(k)
        k = max(e, k + 1)
        if not (tag.startswith("n") or tag == "vn") or tag in ("nr", "ns", "nt"):
            continue
        if word in _MEASURE_WORDS or any(scope in word for scope in ctx.rules.scope()):
            continue
        if e > b or any(h.start <= s and e <= h.end for h in ctx.named_index.covering(s)):
            continue
        return True
    return False


def own_noun(fig: Figure, ctx: DocContext) -> bool:
    """Whether the clause names a thing of its own before the figure (``建成孵化平台1538个``):
    then a cue elsewhere in the sentence does not say what it counts."""
    return has_own_noun(ctx, fig.clause[0], fig.start)


def _clause(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    cs, ce = fig.clause
    return best_metric(ctx, cs, ce, fig, after=False)


def _sentence(fig: Figure, ctx: DocContext) -> MetricEntry | None:
    if own_noun(fig, ctx):
        return None
    lo = fig.sentence[0]
    return best_metric(ctx, lo, fig.start, fig, after=False, min_len=3)


STEPS: dict[str, Step] = {
    "table_row": _table_row,
    "band": _band,
    "incidental": _incidental,
    "rate": _rate,
    "cue_pattern": _cue_pattern,
    "list_header": _list_header,
    "breakdown_inherit": _breakdown_inherit,
    "list_item": _list_item,
    "verb": _verb,
    "clause": _clause,
    "sentence": _sentence,
}
