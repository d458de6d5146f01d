"""Whether a figure is a result (``actual``) or a plan (``target``), in the order
``facts.precedence.modality`` gives.

Steps:
- ``headline_echo``: a headline figure is what the same figure in its body is;
- ``breakdown``: a part of a breakdown (其中，…17个) is what its total is;
- ``target_cue``: a target word before the figure in its clause (争取, 预计, 力争) or a
  deadline before it in its sentence (到2025年, 明年年底前), or a plan word earlier in the
  sentence (根据计划，…; ``target_frame``) with no result word after it (目前已…), not
  inside a name (童伴计划) nor in an achieved phrase (争取到资金; ``not_target``);
- ``future_year``: the figure's own clause dates it after the article's year;
- ``actual``: otherwise.
"""

from __future__ import annotations

from .context import DocContext, Figure, Step
from .vocab import FactRules


def _has_target(rules: FactRules, head: str, before: str) -> bool:
    if any(w in head for w in rules.words("target")) or any(
        p.search(before) for p in rules.patterns("target")
    ):
        return True
    # A plan word earlier in the sentence governs the figures after it (根据计划，2018年全省
    # 筹划安排项目47个，计划总投资…), until a result word intervenes (目前已建成60个).
    words = rules.words("target_frame")
    at = max((before.rfind(w) for w in words), default=-1)
    return at >= 0 and not any(w in before[at:] for w in rules.words("result"))


def target_cue(fig: Figure, ctx: DocContext) -> bool:
    """A target cue before the figure, outside names and achieved phrases (memoized)."""
    if "target_cue" in fig.memo:
        return bool(fig.memo["target_cue"])
    cs, lo = fig.clause[0], fig.sentence[0]
    text = ctx.text
    found = _has_target(ctx.rules, text[cs : fig.start], text[lo : fig.start])
    if found:  # confirm it with names and achieved phrases blanked out
        plain = ctx.plain
        found = _has_target(ctx.rules, plain[cs : fig.start], plain[lo : fig.start])
    fig.memo["target_cue"] = found
    return found


def _target_cue(fig: Figure, ctx: DocContext) -> str | None:
    return "target" if target_cue(fig, ctx) else None


def _breakdown(fig: Figure, ctx: DocContext) -> str | None:
    """A part of a breakdown (其中，扶老助残项目17个) is a plan or a result as its total is."""
    lo = fig.sentence[0]
    at = max((ctx.text.rfind(w, lo, fig.start) for w in ctx.rules.words("breakdown")), default=-1)
    if at < 0:
        return None
    for prev, _metric in reversed(ctx.previous):
        if prev.start < lo:
            break
        if prev.start < at:
            return prev.resolved.get("modality")  # type: ignore[no-any-return]
    return None


def _headline_echo(fig: Figure, ctx: DocContext) -> str | None:
    """A headline figure is a plan or a result as the same figure in its body is."""
    twin = ctx.body_twin(fig)
    return twin.resolved.get("modality") if twin is not None else None


def _future_year(fig: Figure, ctx: DocContext) -> str | None:
    """A figure tied to a year after the article's own is a plan, not a result."""
    art = fig.article
    year = fig.resolved.get("year")
    if art is None or art.year is None or year is None or year <= art.year:
        return None
    if fig.resolved.get("year_step") not in ("clause_date", "sentence_date"):
        return None
    cs, ce = fig.clause
    for d in ctx.date_index.within(cs, ce):
        y = year_of(str(d.norm), prefer_end=True)
        if y is not None and y > art.year:
            return "target"
    return None


def _actual(fig: Figure, ctx: DocContext) -> str:
    return "actual"


def year_of(iso: str, prefer_end: bool) -> int | None:
    """The year of an ISO date or range (its end with ``prefer_end``)."""
    parts = iso.split("/")
    chosen = parts[-1] if prefer_end else parts[0]
    return int(chosen[:4]) if chosen[:4].isdigit() else None


STEPS: dict[str, Step] = {
    "headline_echo": _headline_echo,
    "breakdown": _breakdown,
    "target_cue": _target_cue,
    "future_year": _future_year,
    "actual": _actual,
}
