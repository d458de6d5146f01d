"""Find paragraphs, articles (headline, body, source line) and sentences in ``doc.norm``.

Reading order in bulletins is messy: columns put some headlines after their bodies, and
articles of one page are not always closed by a source line. The rules here are what a
reader does:

* an article ends with its source line ``（据…）``;
* a headline after body text starts a new article when the next paragraph opens with a
  dateline (``4月28日``, ``近日``) or when no source line follows in the bulletin at all;
  otherwise it is a subheading (and becomes the headline of an article that has none);
* headlines stranded after a source line with no body of their own (a column layout)
  go to the headline-less article whose text they share most words with.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from .doc import Article, Doc, Sentence
from .layout_cues import layout_cues
from .normalize import PAGE_MARKER, is_table_row
from .tables import read_tables

HEADLINE_MAX = 60
SECTION_LABEL_MAX = 6
BYLINE_MAX = 20  # a byline is a short line of its own
# A sentence longer than this (text without terminal punctuation, such as a table pasted as
# one line) is cut at a clause mark or between figures: every stage's work per sentence
# stays bounded, so a document's cost grows linearly with its length.
SENTENCE_MAX = 240
_SENTENCE_END = regex.compile(r"[。！？!?…]+[”’」）)]*")


@dataclass(slots=True)
class Para:
    start: int
    end: int
    kind: str  # toc, headline, byline, body, source
    source_start: int | None = None  # a body paragraph ending in an inline source


def _table_rows(doc: Doc, lines: list[str]) -> set[int]:
    """Indexes of the lines that are table rows: printed as label and figure (or cells
    with ``|``) next to another such line or right under a line ending in a colon, and the
    line right above a table (its caption). A lone headline ending in a figure
    (持证社工人数达 73.7 万) is no table."""
    rowlike: list[bool] = []
    pos = 0
    for line in lines:
        start, end = pos, pos + len(line)
        pos = end + 1
        raw = doc.raw[doc.nmap[start] : doc.nmap[end - 1] + 1] if line else ""
        rowlike.append(bool(line) and is_table_row(raw))
    rows: set[int] = set()
    for i, is_row in enumerate(rowlike):
        if not is_row:
            continue
        prev = next((k for k in range(i - 1, -1, -1) if lines[k]), None)
        nxt = next((k for k in range(i + 1, len(lines)) if lines[k]), None)
        if (
            "|" in lines[i]
            or (prev is not None and (rowlike[prev] or lines[prev].endswith(("：", ":"))))
            or (nxt is not None and rowlike[nxt])
        ):
            rows.add(i)
    # A table's caption (表9 接收社会捐款和衣被) belongs to it: no headline of an article.
    for i in sorted(rows):
        prev = next((k for k in range(i - 1, -1, -1) if lines[k]), None)
        if prev is not None and prev not in rows and len(lines[prev]) <= HEADLINE_MAX:
            if not lines[prev].endswith(("。", "！", "？")) and (i - prev) == 1:
                rows.add(prev)
    return rows


def _paragraphs(doc: Doc) -> list[Para]:
    pats = layout_cues()
    paras: list[Para] = []
    blocks: list[int] = []  # block number of each paragraph (blocks are split by blank lines)
    block = 0
    pos = 0
    lines = doc.norm.split("\n")
    rows = _table_rows(doc, lines)
    for index, line in enumerate(lines):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line:
            block += 1
            continue
        blocks.append(block)
        raw_end = doc.nmap[end - 1] + 1
        nl = doc.raw.find("\n", raw_end)
        rest = doc.raw[raw_end : nl if nl >= 0 else len(doc.raw)]
        if rest.strip() and PAGE_MARKER.search(rest):
            paras.append(Para(start, end, "toc"))
            continue
        src = pats["source"].search(line)
        issue = pats["masthead"].search(line) if "masthead" in pats else None
        if pats["meta"].match(line):
            paras.append(Para(start, end, "meta"))  # a publication line: date and source
        elif index in rows:
            paras.append(Para(start, end, "body"))  # a table row is body text, no headline
        elif issue is not None and len(line) <= HEADLINE_MAX:
            paras.append(Para(start, end, "toc"))  # the issue line: no article's text
            year = issue.groupdict().get("year")
            if year and doc.issue_year is None:  # front matter, as --issue-year would say
                doc.issue_year = int(year)
        elif src and src.start() == 0:
            # A bracketed reporter line is a byline where it opens an article (see analyze).
            paras.append(Para(start, end, "source"))
        elif src:
            paras.append(Para(start, end, "body", source_start=start + src.start()))
        elif pats["byline"].match(line) and len(line) <= BYLINE_MAX:
            paras.append(Para(start, end, "byline"))
        elif pats["subheading"].match(line) and len(line) <= HEADLINE_MAX and "。" not in line:
            paras.append(Para(start, end, "subheading"))
        elif (
            len(line) <= HEADLINE_MAX
            and "。" not in line
            and line.rstrip("”’）)")[-1:] not in "。！？!?…；"
        ):
            paras.append(Para(start, end, "headline"))
        else:
            paras.append(Para(start, end, "body"))
    # A table of contents: every line of a block holding a page-marked line.
    toc_blocks = {blocks[i] for i, p in enumerate(paras) if p.kind == "toc"}
    for i, p in enumerate(paras):
        if blocks[i] in toc_blocks:
            p.kind = "toc"
    return paras


def _bigrams(text: str) -> set[str]:
    return set(map(str.__add__, text, text[1:]))


def _headline_text(doc: Doc, paras: list[Para]) -> str:
    prefix = layout_cues()["headline_prefix"]
    lines = [prefix.sub("", doc.norm[p.start : p.end]) for p in paras]
    # A short label directly above a headline names the section, not the article.
    if len(lines) > 1 and len(lines[0]) <= SECTION_LABEL_MAX:
        lines = lines[1:]
    return " / ".join(lines)


def analyze(doc: Doc) -> Doc:
    """Fill ``doc.paragraphs``, ``doc.articles``, ``doc.sentences`` and ``doc.table_cells``."""
    paras = _paragraphs(doc)
    dateline = layout_cues()["dateline"]
    doc.paragraphs = [(p.start, p.end) for p in paras]
    source_after = [False] * (len(paras) + 1)
    for i in range(len(paras) - 1, -1, -1):
        is_src = paras[i].kind == "source" or paras[i].source_start is not None
        source_after[i] = source_after[i + 1] or is_src

    # Each article: [headline paras], [body paras], source span, closed flag.
    groups: list[dict] = []
    owner: list[int] = [-1] * len(paras)
    stranded: list[tuple[int, list[int]]] = []  # (index of article before, headline paras)
    pending: list[int] = []

    def new_group() -> dict:
        groups.append(
            {"head": [], "body": [], "byline": [], "meta": [], "source": None, "closed": False}
        )
        return groups[-1]

    def next_body(i: int) -> Para | None:
        for p in paras[i:]:
            if p.kind in ("body", "source"):
                return p
        return None

    news_opening = layout_cues()["news_opening"]
    lead_heads: dict[int, list[int]] = {}
    cur: dict | None = None
    for i, p in enumerate(paras):
        if p.kind == "toc":
            continue
        if p.kind == "subheading":
            if cur is not None and not cur["closed"]:
                owner[i] = len(groups) - 1
                cur["body"].append(i)
                continue
            p.kind = "headline"  # a numbered line opening an article is its headline
        if p.kind == "source" and (cur is None or cur["closed"] or not cur["body"]):
            p.kind = "byline"  # a reporter line under a headline, not an article's end
        if (
            p.kind == "body"
            and cur is not None
            and cur["body"]
            and not cur["closed"]
            and news_opening.match(doc.norm[p.start : p.end])
        ):
            cur["closed"] = True  # a news item's own opening (本报讯, …电) starts another
        if p.kind == "headline":
            if cur is None or cur["closed"]:
                pending.append(i)
                continue
            if not cur["body"]:
                cur["head"].append(i)
                owner[i] = len(groups) - 1
                continue
            nb = next_body(i + 1)
            starts_article = not source_after[i] or (
                nb is not None and dateline.match(doc.norm[nb.start : nb.end])
            )
            if starts_article:
                cur["closed"] = True
                pending.append(i)
            else:
                g = len(groups) - 1
                owner[i] = g  # a subheading
                lead = lead_heads.setdefault(g, [])
                if len(cur["body"]) == 1 and (not lead or lead[-1] == i - 1):
                    lead.append(i)  # may be the headline below a lead paragraph
            continue
        if p.kind == "source":
            if cur is None:
                cur = new_group()
            cur["source"] = (p.start, p.end)
            cur["body"].append(i)
            owner[i] = len(groups) - 1
            cur["closed"] = True
            continue
        # body or byline
        if cur is None or cur["closed"]:
            prev_index = len(groups) - 1
            cur = new_group()
            if pending:
                stranded.append((prev_index, pending))
                pending = []
        if p.kind in ("byline", "meta") and not cur["body"]:
            owner[i] = len(groups) - 1
            cur["byline"].append(i)
            if p.kind == "meta":
                cur["meta"].append(i)
            continue
        cur["body"].append(i)
        owner[i] = len(groups) - 1
        if p.source_start is not None:
            cur["source"] = (p.source_start, p.end)
            cur["closed"] = True
    if pending:
        stranded.append((len(groups) - 1, pending))

    _place_stranded(doc, paras, groups, owner, stranded)
    for g, heads in lead_heads.items():
        if not groups[g]["head"]:
            groups[g]["head"].extend(heads)
    doc.articles = []
    for grp in groups:
        spans = [paras[k] for k in grp["body"]]
        head = [paras[k] for k in sorted(grp["head"])]
        members = spans + [h for h in head if spans and h.end <= spans[-1].end]
        members = members or head or [paras[k] for k in grp["byline"]]
        art = Article(start=min(p.start for p in members), end=max(p.end for p in members))
        art.dateline_span = _dateline_place(doc, [paras[k] for k in grp["body"]])
        art.meta_spans = [(paras[k].start, paras[k].end) for k in grp["meta"]]
        if head:
            art.headline = _headline_text(doc, head)
            art.headline_span = (head[0].start, head[-1].end)
        if grp["source"]:
            s, e = grp["source"]
            art.source = doc.norm[s:e].strip("（）()")
            art.source_span = (s, e)
        doc.articles.append(art)
    if not doc.articles:
        doc.articles.append(Article(start=0, end=len(doc.norm)))
    _sentences(doc, paras, owner)
    doc.table_cells = read_tables(doc)
    return doc


def _dateline_place(doc: Doc, body: list[Para]) -> tuple[int, int] | None:
    """The span of the place a dateline names (新华社北京3月5日电: 北京), if the
    article's first paragraph opens with one."""
    if not body:
        return None
    first = body[0]
    m = layout_cues()["dateline_place"].match(doc.norm[first.start : first.end])
    return (first.start + m.start("where"), first.start + m.end("where")) if m else None


def _place_stranded(
    doc: Doc,
    paras: list[Para],
    groups: list[dict],
    owner: list[int],
    stranded: list[tuple[int, list[int]]],
) -> None:
    """Give each stranded headline block to the articles it fits best."""
    body_grams: dict[int, set[str]] = {}  # group -> bigrams of its body's start (unchanged here)

    def grams_of_body(g: int) -> set[str]:
        if g not in body_grams:
            body = "".join(doc.norm[paras[k].start : paras[k].end] for k in groups[g]["body"])
            body_grams[g] = _bigrams(body[:400])
        return body_grams[g]

    for before, heads in stranded:
        following = before + 1 if before + 1 < len(groups) else None
        candidates = [g for g in range(0, before + 1) if not groups[g]["head"]]
        if following is not None:
            candidates.append(following)
        if not candidates:
            continue
        # Group lines into headlines: a line ending in "：" or a section label joins the next.
        blocks: list[list[int]] = []
        for k in heads:
            blocks.append([k])
        scores = []
        for bi, block in enumerate(blocks):
            text = "".join(doc.norm[paras[k].start : paras[k].end] for k in block)
            grams = _bigrams(text)
            for g in candidates:
                scores.append((len(grams & grams_of_body(g)), bi, g))
        taken_blocks: set[int] = set()
        taken_groups: set[int] = set()
        for score, bi, g in sorted(scores, key=lambda t: (-t[0], t[2] != following)):
            if bi in taken_blocks or (g in taken_groups and g != following):
                continue
            if score == 0 and g != following:
                continue
            taken_blocks.add(bi)
            taken_groups.add(g)
            for k in blocks[bi]:
                groups[g]["head"].append(k)
                owner[k] = g
        for bi, block in enumerate(blocks):
            if bi not in taken_blocks and following is not None:
                for k in block:
                    groups[following]["head"].append(k)
                    owner[k] = following


def _sentences(doc: Doc, paras: list[Para], owner: list[int]) -> None:
    doc.sentences = []
    last = 0
    for pi, p in enumerate(paras):
        if p.kind == "toc":
            continue  # a masthead or table of contents is no article's text
        art = owner[pi] if owner[pi] >= 0 else last
        last = art
        text = doc.norm[p.start : p.end]
        cut = 0
        bounds = [m.end() for m in _SENTENCE_END.finditer(text)]
        if p.source_start is not None:
            bounds.append(p.source_start - p.start)
        for b in sorted(set(bounds)) + [len(text)]:
            while b - cut > SENTENCE_MAX:  # text without terminal punctuation (a table)
                piece = _bounded_cut(text, cut, cut + SENTENCE_MAX)
                doc.sentences.append(Sentence(p.start + cut, p.start + piece, art, pi))
                cut = piece
            if b > cut:
                doc.sentences.append(Sentence(p.start + cut, p.start + b, art, pi))
                cut = b
    doc.sentences.sort(key=lambda s: s.start)


_IN_FIGURE = regex.compile(r"[\d.,，%万亿千百十余多]")


def _bounded_cut(text: str, start: int, limit: int) -> int:
    """Where to end a sentence that runs past ``SENTENCE_MAX`` characters: after the last
    clause punctuation before ``limit``, else at the last place that cuts no figure, so
    the work per sentence stays bounded on text without terminal punctuation."""
    k = max(text.rfind(c, start, limit) for c in "，；：,;")
    if k > start + SENTENCE_MAX // 2:
        return k + 1
    for cut in range(limit, start + SENTENCE_MAX // 2, -1):
        if not _IN_FIGURE.match(text, cut - 1) and not _IN_FIGURE.match(text, cut):
            return cut
    return limit
