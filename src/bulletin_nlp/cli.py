"""Command-line interface: a thin layer over the library (every command is a function)."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import BulletinError
from .io import display_path, expand_paths, json_line, json_safe, read_text, terminal_safe
from .store import Store
from .store.columns import EXPORTED, names

F = TypeVar("F", bound=Callable[..., Any])


def db_option(fn: F) -> F:
    """The shared ``--db`` option."""
    return click.option(
        "--db",
        "db_path",
        default="bulletins.db",
        show_default=True,
        type=click.Path(dir_okay=False),
        help="SQLite database file.",
    )(fn)


def model_option(fn: F) -> F:
    """The shared ``--model/--no-model`` switch of the trained model stage."""
    return click.option(
        "--model/--no-model",
        "use_model",
        default=True,
        show_default=True,
        help="Run the trained NER model beside the rules (docs/model.md). It can be most "
        "of the time of an extraction; --no-model skips it (docs/batch.md, Throughput).",
    )(fn)


def _model_switch(use_model: bool) -> None:
    """Turn the model stage off for this process and the workers it starts."""
    if not use_model:
        from .extract.model import ENV_OFF

        os.environ[ENV_OFF] = "1"


#: ``--limit``: 1 or more (0 or a negative would mean no limit), and what SQLite can hold.
LIMIT = click.IntRange(1, 2**63 - 1)
#: ``--issue-year``: a year a date can have.
ISSUE_YEAR = click.IntRange(1000, 9999)


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().params.get("debug"))


def _fail(exc: Exception) -> None:
    """One line naming the input and the reason (the traceback too with ``--debug``)."""
    if _debug():
        raise exc

    raise click.ClickException(terminal_safe(str(exc)))


def _safe(text: object) -> str:
    """Untrusted text (bulletin content, file names) fit for one terminal line: line
    breaks as spaces, other control characters as escapes (``\\x1b``), never acted on."""

    flat = str("" if text is None else text).replace("\r\n", " ").replace("\n", " ")
    return terminal_safe(flat, newlines=False)


class _Main(click.Group):
    """The command group: an error nobody foresaw still ends in one line (exit 1), not
    a traceback, unless ``--debug`` asks for it."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if ctx.params.get("debug"):
                raise
            if isinstance(exc, BulletinError):
                message = str(exc)
            else:
                message = (
                    f"internal error: {type(exc).__name__}: {exc} "
                    "(run with --debug for the traceback, and report it)"
                )

            raise click.ClickException(terminal_safe(message)) from None


@click.group(cls=_Main)
@click.version_option(package_name="bulletin-nlp")
@click.option(
    "--debug",
    is_flag=True,
    envvar="BULLETIN_NLP_DEBUG",
    help="Show the traceback of an error instead of its one-line message.",
)
def main(debug: bool) -> None:
    """Turn Chinese social-work bulletins into a SQLite database of source-linked facts.

    \b
    Example:
      bulletin-nlp ingest corpus/ --db bulletins.db        # build the database
      bulletin-nlp check  --db bulletins.db                # figures that do not add up
      bulletin-nlp review --db bulletins.db                # accept, reject, correct
      bulletin-nlp facts  --db bulletins.db --place 浙江省 --metric 持证社会工作者人数
      bulletin-nlp serve  --db bulletins.db                # browse it in Datasette

    Each command has its own --help; docs/ has a page for researchers, editors and
    batch operators.
    """


@main.command(short_help="Print the mentions, facts and roles of bulletin files.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines (FACTS.md shape).")
@click.option(
    "--issue-year", type=ISSUE_YEAR, default=None, help="Year of the issue, if no date in text."
)
@model_option
def extract(paths: tuple[str, ...], as_json: bool, issue_year: int | None, use_model: bool) -> None:
    """Extract mentions, facts and roles from bulletin files.

    Example: bulletin-nlp extract corpus/000_44766cfa53dbf2a3.txt --json
    """
    from .pipeline import process_text, to_json

    failed = 0

    def report(name: str, reason: str) -> None:
        nonlocal failed
        click.echo(f"error: {_safe(reason)}", err=True)
        failed += 1

    try:
        files = expand_paths(list(paths), on_error=report)
    except BulletinError as exc:
        _fail(exc)
        return
    for path in files:
        name = display_path(path)
        try:
            text, encoding = read_text(path)
            doc = process_text(
                text, name, encoding=encoding, issue_year=issue_year, use_model=use_model
            )
        except BulletinError as exc:
            report(name, str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the rest
            if _debug():
                raise
            report(name, f"{name}: internal error ({type(exc).__name__}: {exc})")
            continue
        record = to_json(doc)
        if as_json:
            click.echo(json_line(record))
        else:
            click.echo(f"== {_safe(doc.name)}: {len(doc.mentions)} mentions")
            for m in doc.mentions:
                click.echo(
                    f"{m.start:>6}-{m.end:<6} {m.type:<10} {_safe(m.text)}\t"
                    f"{_safe(_norm_text(m.norm))}"
                )
    if failed:
        sys.exit(1)


def _norm_text(norm: Any) -> str:
    return norm if isinstance(norm, str) else json.dumps(norm, ensure_ascii=False)


@main.command(short_help="Process bulletin files or folders into the database.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option(
    "--issue-year", type=ISSUE_YEAR, default=None, help="Year of the issue, if no date in text."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Extraction processes (one writer); with --dask, workers of a local cluster. "
    "At most the CPU count unless --force-workers.",
)
@click.option(
    "--force-workers",
    is_flag=True,
    help="Start --workers processes even when there are fewer CPUs.",
)
@click.option(
    "--dask",
    "dask_address",
    default=None,
    metavar="ADDRESS",
    help="Extract on a dask.distributed cluster: scheduler address or 'local' (extra: dask).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Force the progress bar on, or all progress output off (default: a bar on a "
    "terminal, plain log lines otherwise).",
)
@model_option
def ingest(
    paths: tuple[str, ...],
    db_path: str,
    issue_year: int | None,
    workers: int,
    force_workers: bool,
    dask_address: str | None,
    progress: bool | None,
    use_model: bool,
) -> None:
    """Process bulletin files or folders into the database; unchanged files are skipped.

    Reads .txt, .md (UTF-8, GB18030, UTF-16...), .html, .pdf (extra: pdf) and .docx
    (extra: docx); other files of a folder are listed as skipped. A file with the same
    content as another is stored once. A run can be killed at any moment; the next one
    finishes the rest. The findings of `check` are stored after each ingest.

    The model stage (--model, on by default) costs about a third of the time: 202
    bulletins took 21.8 s with it and 15.1 s with --no-model on a 2-core machine, one
    worker (docs/batch.md).

    Example: bulletin-nlp ingest corpus/ --db bulletins.db --workers 2
    """
    # The batch runner itself, not ingest(): its pydantic result would cost a no-op
    # re-run of an unchanged archive half its time (the import alone).
    from .batch import cap_workers, run_batch

    _model_switch(use_model)
    if dask_address is None or dask_address == "local":  # a remote cluster has its own
        workers, warning = cap_workers(workers, force=force_workers)
        if warning:
            click.echo(f"warning: {warning}", err=True)

    def report(name: str, reason: str) -> None:
        click.echo(f"error: {_safe(reason)}", err=True)

    try:
        result, c = run_batch(
            list(paths),
            db_path,
            issue_year=issue_year,
            # With progress output, errors go through it (above the bar, never over it).
            on_error=report if progress is False else None,
            workers=workers,
            dask=dask_address,
            progress=progress,
        )
    except BulletinError as exc:
        _fail(exc)
        return
    duplicates = ""
    if len(result.duplicates) == 1:
        duplicates = f"1 duplicate of {_safe(next(iter(result.duplicates.values())))}, "
    elif result.duplicates:
        duplicates = f"{len(result.duplicates)} duplicates, "
    click.echo(
        f"{_safe(db_path)}: {c['documents']} documents, {c['articles']} articles, "
        f"{c['sentences']} sentences, {c['mentions']} mentions, {c['facts']} facts, "
        f"{c['roles']} roles "
        f"({len(result.processed)} processed, {len(result.skipped)} unchanged, "
        f"{duplicates}{len(result.failed)} failed) in {result.seconds:.1f}s"
    )
    if len(result.duplicates) > 1:
        _listed("duplicate", [f"{_safe(a)} = {_safe(b)}" for a, b in result.duplicates.items()])
    if result.unsupported:
        kinds: dict[str, int] = {}
        for name in result.unsupported:
            suffix = Path(name).suffix.lower() or "(no suffix)"
            kinds[suffix] = kinds.get(suffix, 0) + 1
        by_kind = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        n = len(result.unsupported)
        click.echo(
            f"skipped {n} file{'s' if n != 1 else ''} of a format not read ({by_kind}); "
            "bulletins are read from .txt, .md, .html, .htm, .pdf and .docx",
            err=True,
        )
        if n <= UNSUPPORTED_LISTED:  # a few strays are named; a folder of data files is not
            _listed("skipped", [_safe(name) for name in result.unsupported])
    if result.failed:
        sys.exit(1)


#: Skipped files named one by one when there are no more than this many.
UNSUPPORTED_LISTED = 5


def _listed(what: str, lines: list[str], most: int = 10) -> None:
    """Up to ``most`` lines ``what: line``, then how many more (on stderr)."""
    for line in lines[:most]:
        click.echo(f"{what}: {line}", err=True)
    if len(lines) > most:
        click.echo(f"{what}: ... and {len(lines) - most} more", err=True)


@main.command(short_help="Full-text search over sentences (any length, 社工 or 五社联动).")
@click.argument("query")
@db_option
@click.option(
    "--limit", type=LIMIT, default=20, show_default=True, help="Show at most N sentences."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON Lines (id, doc, start, end, text, headline) instead of text lines.",
)
def search(query: str, db_path: str, limit: int, as_json: bool) -> None:
    """Full-text search over sentences: two-character Chinese queries (社工) work, and so
    do longer words (社工站, 五社联动, 持证社工); several words must all occur.

    Example: bulletin-nlp search 社工站 --db bulletins.db
    """

    try:
        rows = Store.open_existing(db_path).search(query, limit=limit)
    except BulletinError as exc:
        _fail(exc)
        return
    for row in rows:
        if as_json:
            click.echo(json_line(row))
        else:
            # Control characters of the bulletin are shown as escapes, never acted on.
            click.echo(f"{_safe(row['doc'])}:{row['start']}-{row['end']}  {_safe(row['text'])}")


_APPROX = {"about": "约", "over": ">", "under": "<", "exact": ""}


def _value_text(row: dict[str, Any], value: Any = None) -> str:
    value = row["value"] if value is None else value
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return f"{_APPROX.get(row['approx'], '')}{shown} {row['unit'] or ''}".strip()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


#: ``--status``: what review status the facts shown have (default: all but rejected).
STATUS = click.Choice(["accepted", "corrected", "unreviewed", "rejected", "all"])
STATUS_HELP = (
    "Review status of the facts shown: accepted (kept by an editor, corrections "
    "included), corrected, unreviewed, rejected or all. Default: every fact but the "
    "rejected ones."
)


def fact_filters(fn: F) -> F:
    """The filters of ``facts``, shared by ``export``."""
    options = [
        click.option(
            "--metric",
            default=None,
            help="Metric id or label (certified_social_workers, 持证社会工作者人数; "
            "rules/metrics.yaml). An unknown one is refused with the list.",
        ),
        click.option(
            "--place", default=None, help="Place name or adcode; includes places below it."
        ),
        click.option("--year", default=None, help="YYYY or YYYY-YYYY (2021-2023)."),
        click.option("--org", default=None, help="Organization (canonical name or part of it)."),
        click.option(
            "--modality",
            type=click.Choice(["actual", "target"]),
            default=None,
            help="actual: figures reported; target: figures planned.",
        ),
        click.option("--status", type=STATUS, default=None, help=STATUS_HELP),
        click.option("--limit", type=LIMIT, default=None, help="At most N facts."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@main.command(short_help="Query facts by metric, place, year, org, modality, status.")
@db_option
@fact_filters
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table: for reading (values as reviewed, qualifier, status); csv or json: every "
    "column, with evidence offsets and the extracted values of corrected fields.",
)
def facts(db_path: str, fmt: str, **filters: Any) -> None:
    """Query facts by metric, place (and its sub-places), year, org, modality and
    review status. Values are as reviewed: a correction replaces the extracted value
    (shown beside it), rejected facts are left out unless --status asks for them.

    Example: bulletin-nlp facts --db bulletins.db --place 浙江省 --year 2021-2023
    """

    hidden = 0
    try:
        store = Store.open_existing(db_path)
        rows = store.facts(**filters)
        if fmt == "table" and filters.get("status") is None:
            hidden = len(store.facts(**{**filters, "status": "rejected", "limit": None}))
    except BulletinError as exc:
        _fail(exc)
        return

    columns = names(EXPORTED)  # one definition of a fact row for `facts` and `export`
    if fmt == "json":
        click.echo(json_line([{k: r.get(k) for k in columns} for r in rows], indent=1))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()  # RFC 4180 line ends
        writer.writerows(rows)
    else:
        _facts_table(rows, hidden)


def _was(current: str, original: Any) -> str:
    """A corrected cell: the value as reviewed, then the extracted one."""
    return current if original in (None, "") else f"{current} (was {original})"


def _facts_table(rows: list[dict[str, Any]], hidden: int = 0) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False)
    for col in (
        "id",
        "metric",
        "qualifier",
        "value",
        "place",
        "year",
        "modality",
        "status",
        "evidence",
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        evidence = "".join(str(r["evidence_text"]).split())
        metric = str(r["metric"])
        if metric == "other" and r.get("subject"):
            metric = f"other: {r['subject']}"
        original_value = r.get("original_value")
        cells = (
            str(r["id"])[:10],
            _was(metric, r.get("original_metric")),
            str(r.get("qualifier") or ""),
            _was(
                _value_text(r), None if original_value is None else _value_text(r, original_value)
            ),
            _was(str(r["place_name"] or ""), r.get("original_place_name")),
            _was(str(r["year"] or ""), r.get("original_year")),
            str(r["modality"]),
            str(r.get("review_status") or ""),
            evidence[:30] + ("…" if len(evidence) > 30 else ""),
        )
        table.add_row(*(Text(_safe(c)) for c in cells))  # Text: no rich markup either
    Console(width=180).print(table)
    left_out = f" ({_plural(hidden, 'rejected fact')} left out: --status all)" if hidden else ""
    click.echo(_plural(len(rows), "fact") + left_out)


@main.command(short_help="Show one fact in its source, with its review.")
@click.argument("fact_id")
@db_option
def show(fact_id: str, db_path: str) -> None:
    """Show one fact against its source: evidence with the figure highlighted,
    file:line:col, and its review (status, note, extracted → corrected values).

    Example: bulletin-nlp show 3f2a9c --db bulletins.db
    """

    try:
        row = Store.open_existing(db_path).fact(fact_id)
    except BulletinError as exc:
        _fail(exc)
        return
    raw: str = row["raw"]
    qs, qe, es, ee = (
        row["quantity_start"],
        row["quantity_end"],
        row["evidence_start"],
        row["evidence_end"],
    )
    line = raw.count("\n", 0, qs) + 1
    column = qs - (raw.rfind("\n", 0, qs) + 1) + 1
    # Every field comes from a bulletin or a file name: control characters are escaped.
    status = row.get("review_status") or "unreviewed"

    def corrected(current: str, original: Any) -> str:
        return current if original is None else f"{_safe(original)} → {current} (corrected)"

    subject = f" ({_safe(row['subject'])})" if row["subject"] else ""
    original_value = row.get("original_value")
    click.echo(f"fact      {_safe(row['id'])}")
    decided = ""
    if status != "unreviewed":
        decided = f" by {_safe(row.get('reviewer') or '-')}, {_safe(row.get('decided_at') or '-')}"
    click.echo(f"review    {_safe(status)}{decided}")
    if row.get("review_note"):
        click.echo(f"note      {_safe(row['review_note'])}")
    click.echo(f"metric    {corrected(_safe(row['metric']), row.get('original_metric'))}{subject}")
    click.echo(
        "value     "
        + corrected(
            _safe(_value_text(row)),
            None if original_value is None else _value_text(row, original_value),
        )
        + f"   [{_safe(row['approx'])}]"
    )
    place = f"{_safe(row['place_name'] or '-')} ({_safe(row['place'] or '-')})"
    original_place = None
    if row.get("original_place") is not None:
        original_place = f"{row.get('original_place_name') or '-'} ({row['original_place']})"
    click.echo(f"place     {corrected(place, original_place)}")
    click.echo(
        f"year      {corrected(_safe(row['year'] or '-'), row.get('original_year'))}   "
        f"modality {_safe(row['modality'])}   org {_safe(row['org'] or '-')}"
    )
    if row["qualifier"]:
        click.echo(f"qualifier {_safe(row['qualifier'])}")
    click.echo(f"article   {_safe(row['headline'] or '-')}")
    click.echo(f"source    {_safe(row['source'] or '-')}")
    sentence = (
        _safe(raw[es:qs])
        + click.style(_safe(raw[qs:qe]), fg="red", bold=True, underline=True)
        + _safe(raw[qe:ee])
    )
    click.echo("evidence  " + sentence)
    click.echo(f"at        {_safe(row['path'])}:{line}:{column}")


@main.command(short_help="Browse the database in Datasette on 127.0.0.1.")
@db_option
@click.option(
    "--port",
    default=8001,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port on 127.0.0.1 (checked after the database).",
)
@click.option("--print-metadata", is_flag=True, help="Print the Datasette metadata JSON and exit.")
def serve(db_path: str, port: int, print_metadata: bool) -> None:
    """Browse the database in Datasette on 127.0.0.1 (needs the [serve] extra): facts as
    reviewed, sentences with full-text search, findings, canned queries and charts.

    Example: bulletin-nlp serve --db bulletins.db --port 8001
    """
    from .datasette_app import build_metadata, prepare
    from .datasette_app import serve as run_server

    try:
        if print_metadata:
            store = Store.open_existing(db_path, write=True)  # prepare() writes
            prepare(store)
            click.echo(json.dumps(build_metadata(store), ensure_ascii=False, indent=1))
            return
        run_server(db_path, port, on_ready=lambda url: click.echo(f"Serving {url} (Ctrl+C stops)"))
    except BulletinError as exc:
        _fail(exc)


@main.command(short_help="Export facts as CSV, JSON Lines or Parquet.")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    required=True,
    help="csv (UTF-8, RFC 4180), jsonl (one JSON object a line) or parquet (extra: parquet).",
)
@click.option("--out", required=True, help="Output file ('-' for stdout; not for parquet).")
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for Excel: UTF-8 with a byte order mark, so Chinese text opens correctly.",
)
@fact_filters
def export(db_path: str, fmt: str, out: str, excel: bool, **filters: Any) -> None:
    """Export facts as reviewed, with their raw evidence text and offsets, the review
    status and the extracted values of corrected fields (rejected facts left out unless
    --status asks for them).

    Example: bulletin-nlp export --db bulletins.db --format csv --excel --out facts.csv
    """
    from .export import export as run_export

    try:
        count = run_export(Store.open_existing(db_path), fmt, out, excel=excel, **filters)
    except BulletinError as exc:
        _fail(exc)
        return
    if out != "-":
        click.echo(f"{_safe(out)}: {_plural(count, 'fact')}")


#: Facts of a finding printed by `check` (``--json`` lists them all).
CHECK_FACTS_SHOWN = 5


@main.command("check", short_help="Find figures that do not add up (findings in Chinese).")
@db_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object per finding (message in Chinese and English, every fact).",
)
@click.option("--strict", is_flag=True, help="Exit with status 1 when there is any finding.")
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date deadlines are judged against (default: today).",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the messages printed.",
)
@click.option(
    "--store/--no-store",
    "keep",
    default=True,
    show_default=True,
    help="Store the findings in the database (check_findings) when they changed.",
)
def check_cmd(db_path: str, as_json: bool, strict: bool, today: Any, lang: str, keep: bool) -> None:
    """Find facts that do not add up: breakdowns, shares, growth rates, conflicting
    figures across articles, implausible values, targets past their deadline. The
    findings are stored in the database (table check_findings) when they changed.

    Example: bulletin-nlp check --db bulletins.db --strict
    """
    from .check import check, findings_changed, store_findings

    day = today.date() if today else None
    try:
        store = Store.open_existing(db_path)
        findings = check(store, day)
        changed = keep and findings_changed(store, findings)
    except BulletinError as exc:
        _fail(exc)
        return
    if changed:  # only then is the database opened for writing
        try:
            writer = Store.open_existing(db_path, write=True)
            store_findings(writer, findings, trigger="check", today=day)
        except BulletinError as exc:
            click.echo(f"warning: findings not stored in the database ({_safe(exc)})", err=True)

    for finding in findings:
        if as_json:
            click.echo(json_safe(finding.model_dump_json()))
            continue
        message = finding.message if lang == "zh" else finding.message_en
        click.echo(f"{finding.severity}: [{finding.kind}] {_safe(message)}")
        for f in finding.facts[:CHECK_FACTS_SHOWN]:
            evidence = "".join(f.evidence_text.split())
            click.echo(
                f"    {f.id[:10]}  {_safe(f.doc)}:{f.quantity_start}-{f.quantity_end}  "
                f"{_safe(evidence)}"
            )
        if len(finding.facts) > CHECK_FACTS_SHOWN:
            more = len(finding.facts) - CHECK_FACTS_SHOWN
            click.echo(f"    ... and {_plural(more, 'more fact')} (--json lists them all)")
    if not as_json:
        click.echo(_plural(len(findings), "finding"))
    if strict and findings:
        sys.exit(1)


@main.command(short_help="Review facts in the browser: accept, reject, correct.")
@db_option
@click.option(
    "--port",
    default=8002,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port on 127.0.0.1.",
)
@click.option("--reviewer", default=None, help="Who decides (default: the login name).")
@click.option(
    "--export",
    "export_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write every decision to this JSON Lines file and exit.",
)
@click.option(
    "--import",
    "import_path",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="Apply the decisions of a JSON Lines export and exit.",
)
def review(
    db_path: str, port: int, reviewer: str | None, export_path: str | None, import_path: str | None
) -> None:
    """Review facts in the browser (127.0.0.1): accept, reject or correct them; or move
    decisions between databases with --export / --import. See docs/editors.md.

    Example: bulletin-nlp review --db bulletins.db --port 8002
    """

    try:
        if export_path or import_path:
            from .review import export_decisions, import_decisions

            store = Store.open_existing(db_path, write=bool(import_path))
            if import_path:
                r = import_decisions(store, import_path)
                click.echo(
                    f"{import_path}: {r.applied} applied, {r.reattached} re-attached, "
                    f"{r.pending} waiting for their bulletin, {r.kept_newer} older than ours"
                )
            if export_path:
                count = export_decisions(store, export_path)
                click.echo(f"{export_path}: {_plural(count, 'decision')}")
            return
        from .review_server import serve as run_review

        run_review(
            db_path,
            port,
            reviewer,
            on_ready=lambda url: click.echo(f"Reviewing at {url} (Ctrl+C stops)"),
        )
    except BulletinError as exc:
        _fail(exc)


@main.command(short_help="Write the review view as one static HTML file.")
@db_option
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
def report(db_path: str, out: str) -> None:
    """Write the review view as one self-contained static HTML file (no buttons).

    Example: bulletin-nlp report --db bulletins.db --out report.html
    """
    from .report import write_report

    try:
        count = write_report(Store.open_existing(db_path), out)
    except BulletinError as exc:
        _fail(exc)
        return
    click.echo(f"{_safe(out)}: {count} bulletins")


@main.command("eval", short_help="Score extraction against gold annotations (P/R/F1).")
@click.option(
    "--gold",
    "gold_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="Folder of gold annotations (*.json, compiled by `gold compile`): corpus/gold, "
    "corpus/realworld/dev/gold...",
)
@click.option(
    "--corpus",
    "corpus_dir",
    default=None,
    type=click.Path(exists=True, file_okay=False),
    help="Folder of the bulletins the golds name (default: the folder above --gold).",
)
@click.option("--errors", "show_errors", is_flag=True, help="List every disagreement.")
@click.option("--type", "only_type", default=None, help="With --errors: one mention type.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@model_option
def eval_cmd(
    gold_dir: str,
    corpus_dir: str | None,
    show_errors: bool,
    only_type: str | None,
    as_json: bool,
    use_model: bool,
) -> None:
    """Score extraction against gold annotations (per-type P/R/F1, value accuracy, facts, roles).

    Example: bulletin-nlp eval --gold corpus/gold
    """
    from .evaluate import evaluate, overall

    try:
        _check_gold(gold_dir)
        report = evaluate(gold_dir, corpus_dir, use_model=use_model)
    except BulletinError as exc:
        _fail(exc)
        return
    if as_json:
        click.echo(report.model_dump_json(indent=1))
        return
    if show_errors:
        for err in report.errors:
            if only_type and err.get("type") != only_type:
                continue
            click.echo(json.dumps(err, ensure_ascii=False))
    click.echo(f"{'type':<11}{'P':>7}{'R':>7}{'F1':>7}{'norm':>7}{'tp':>6}{'fp':>5}{'fn':>5}")
    rows = list(report.mentions.items()) + [("overall", overall(report))]
    for name, prf in rows:
        click.echo(
            f"{name:<11}{prf.precision:>7.3f}{prf.recall:>7.3f}{prf.f1:>7.3f}"
            f"{prf.norm_accuracy:>7.3f}{prf.tp:>6}{prf.fp:>5}{prf.fn:>5}"
        )
    f = report.facts
    click.echo(
        f"{'facts':<11}{f.precision:>7.3f}{f.recall:>7.3f}{f.f1:>7.3f}{'':>7}{f.tp:>6}{f.fp:>5}{f.fn:>5}"
    )
    fields = "  ".join(f"{k}={v:.3f}" for k, v in report.fact_fields.items() if k != "matched")
    click.echo(f"{'':<11}matched={int(report.fact_fields.get('matched', 0))}  {fields}")
    r = report.roles
    click.echo(
        f"{'roles':<11}{r.precision:>7.3f}{r.recall:>7.3f}{r.f1:>7.3f}{'':>7}{r.tp:>6}{r.fp:>5}{r.fn:>5}"
    )


def _check_gold(gold_dir: str) -> None:
    """Every gold file of ``gold_dir`` is a JSON object naming its bulletin, or one line
    says which is not and why (before any extraction starts)."""
    from .formats import read_bytes

    for path in sorted(Path(gold_dir).glob("*.json")):
        try:
            data = json.loads(read_bytes(path).decode("utf-8"))
        except UnicodeDecodeError:
            raise BulletinError(f"{path}: gold file is not UTF-8 text") from None
        except (ValueError, RecursionError) as exc:
            raise BulletinError(f"{path}: malformed gold JSON ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("doc"), str):
            raise BulletinError(f'{path}: not a gold file (no "doc" naming its bulletin)')


@main.group(short_help="Draft and compile gold annotations.")
def gold() -> None:
    """Write and compile gold annotations (FACTS.md "Gold format")."""


@gold.command("compile")
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--corpus",
    "corpus_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder of the bulletins (default: the folder above GOLD_DIR).",
)
def gold_compile(gold_dir: str, corpus_dir: str | None) -> None:
    """Resolve every YAML gold in GOLD_DIR to raw offsets and write the JSON beside it.

    Example: bulletin-nlp gold compile corpus/realworld/dev/gold
    """
    from .gold import compile_folder

    try:
        written = compile_folder(gold_dir, corpus_dir)
    except BulletinError as exc:
        _fail(exc)
        return
    click.echo(f"{len(written)} gold files compiled")


@gold.command("draft")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", default=None, help="The source address, kept in the gold file.")
def gold_draft(path: str, url: str | None) -> None:
    """Print a YAML gold draft of PATH from the pipeline's output, to correct by hand.

    Example: bulletin-nlp gold draft corpus/realworld/dev/rw001.txt --url https://...
    """
    from .gold import draft_gold

    try:
        click.echo(draft_gold(path, url), nl=False)
    except BulletinError as exc:
        _fail(exc)


@main.group()
def rules() -> None:
    """Work with the rule files in rules/."""


@rules.command("check")
@click.option(
    "--dir",
    "directory",
    default=None,
    type=click.Path(file_okay=False),
    help="Rules folder (default: $BULLETIN_NLP_RULES, else the project's rules/).",
)
def rules_check(directory: str | None) -> None:
    """Validate every rules file; list every bad entry.

    An entry without an example fails too, unless rules/examples_exempt.yaml lists it
    with a reason (tests/test_rule_examples.py runs every example).

    Example: bulletin-nlp rules check
    """
    from .ruleset import check_rules

    try:
        summary = check_rules(Path(directory) if directory else None)
    except BulletinError as exc:
        _fail(exc)
        return
    for name, count in summary.items():
        click.echo(f"{name}: {count} entries ok")


if __name__ == "__main__":  # pragma: no cover
    main()
