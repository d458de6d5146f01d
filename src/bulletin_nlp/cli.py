"""Command-line interface: a thin layer over the library (every command is a function)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import BulletinError

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


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc))


@click.group()
@click.version_option(package_name="bulletin-nlp")
def main() -> None:
    """Turn Chinese social-work bulletins into a SQLite database of source-linked facts."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines (FACTS.md shape).")
@click.option("--issue-year", type=int, default=None, help="Year of the issue, if no date in text.")
def extract(paths: tuple[str, ...], as_json: bool, issue_year: int | None) -> None:
    """Extract mentions, facts and roles from bulletin files.

    Example: bulletin-nlp extract corpus/000_44766cfa53dbf2a3.txt --json
    """
    from .io import expand_paths
    from .pipeline import process_file, to_json

    failed = 0
    for path in expand_paths(list(paths)):
        try:
            doc = process_file(path, issue_year=issue_year)
        except BulletinError as exc:
            click.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        record = to_json(doc)
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(f"== {doc.name}: {len(doc.mentions)} mentions")
            for m in doc.mentions:
                click.echo(f"{m.start:>6}-{m.end:<6} {m.type:<10} {m.text}\t{_norm_text(m.norm)}")
    if failed:
        sys.exit(1)


def _norm_text(norm: Any) -> str:
    return norm if isinstance(norm, str) else json.dumps(norm, ensure_ascii=False)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--issue-year", type=int, default=None, help="Year of the issue, if no date in text.")
def ingest(paths: tuple[str, ...], db_path: str, issue_year: int | None) -> None:
    """Process bulletin files or folders into the database; unchanged files are skipped.

    Example: bulletin-nlp ingest corpus/ --db bulletins.db
    """
    from .ingest import ingest as run_ingest

    def report(name: str, reason: str) -> None:
        click.echo(f"error: {reason}", err=True)

    try:
        result = run_ingest(list(paths), db_path, issue_year=issue_year, on_error=report)
    except BulletinError as exc:
        _fail(exc)
        return
    c = result.counts
    click.echo(
        f"{db_path}: {c['documents']} documents, {c['articles']} articles, "
        f"{c['sentences']} sentences, {c['mentions']} mentions, {c['facts']} facts, "
        f"{c['roles']} roles "
        f"({len(result.processed)} processed, {len(result.skipped)} unchanged, "
        f"{len(result.failed)} failed)"
    )
    if result.failed:
        sys.exit(1)


@main.command()
@click.argument("query")
@db_option
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def search(query: str, db_path: str, limit: int, as_json: bool) -> None:
    """Full-text search over sentences (two-character Chinese queries work).

    Example: bulletin-nlp search 社工 --db bulletins.db
    """
    from .store import Store

    try:
        rows = Store.open_existing(db_path).search(query, limit=limit)
    except BulletinError as exc:
        _fail(exc)
        return
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(f"{row['doc']}:{row['start']}-{row['end']}  {row['text']}")


FACT_COLUMNS = (
    "id", "doc", "metric", "subject", "value", "unit", "approx", "place", "place_name",
    "org", "year", "modality", "qualifier", "quantity_text", "evidence_text",
    "quantity_start", "quantity_end", "evidence_start", "evidence_end",
)
_APPROX = {"about": "约", "over": ">", "under": "<", "exact": ""}


def _value_text(row: dict[str, Any]) -> str:
    value = row["value"]
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return f"{_APPROX.get(row['approx'], '')}{shown} {row['unit'] or ''}".strip()


@main.command()
@db_option
@click.option("--metric", default=None, help="Metric id (see rules/metrics.yaml).")
@click.option("--place", default=None, help="Place name or adcode; includes places below it.")
@click.option("--year", default=None, help="YYYY or YYYY-YYYY.")
@click.option("--org", default=None, help="Organization (canonical name or part of it).")
@click.option("--modality", type=click.Choice(["actual", "target"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.option("--limit", type=int, default=None)
def facts(
    db_path: str,
    metric: str | None,
    place: str | None,
    year: str | None,
    org: str | None,
    modality: str | None,
    fmt: str,
    limit: int | None,
) -> None:
    """Query quantity facts by metric, place (and its sub-places), year, org, modality.

    Example: bulletin-nlp facts --db bulletins.db --place 浙江省 --year 2021-2023
    """
    from .store import Store

    try:
        rows = Store.open_existing(db_path).facts(
            metric=metric, place=place, year=year, org=org, modality=modality, limit=limit
        )
    except BulletinError as exc:
        _fail(exc)
        return
    rows = [{k: r.get(k) for k in FACT_COLUMNS} for r in rows]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=FACT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        _facts_table(rows)


def _facts_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("id", "metric", "value", "place", "year", "modality", "evidence"):
        table.add_column(col, overflow="fold")
    for r in rows:
        evidence = "".join(str(r["evidence_text"]).split())
        table.add_row(
            str(r["id"])[:10],
            str(r["metric"]),
            _value_text(r),
            str(r["place_name"] or ""),
            str(r["year"] or ""),
            str(r["modality"]),
            evidence[:30] + ("…" if len(evidence) > 30 else ""),
        )
    Console(width=160).print(table)
    click.echo(f"{len(rows)} facts")


@main.command()
@click.argument("fact_id")
@db_option
def show(fact_id: str, db_path: str) -> None:
    """Show one fact against its source: evidence with the figure highlighted, file:line:col.

    Example: bulletin-nlp show 3f2a9c --db bulletins.db
    """
    from .store import Store

    try:
        row = Store.open_existing(db_path).fact(fact_id)
    except BulletinError as exc:
        _fail(exc)
        return
    raw: str = row["raw"]
    qs, qe, es, ee = row["quantity_start"], row["quantity_end"], row["evidence_start"], row["evidence_end"]
    line = raw.count("\n", 0, qs) + 1
    column = qs - (raw.rfind("\n", 0, qs) + 1) + 1
    click.echo(f"fact      {row['id']}")
    click.echo(f"metric    {row['metric']}" + (f" ({row['subject']})" if row["subject"] else ""))
    click.echo(f"value     {_value_text(row)}   [{row['approx']}]")
    click.echo(f"place     {row['place_name'] or '-'} ({row['place'] or '-'})")
    click.echo(f"year      {row['year'] or '-'}   modality {row['modality']}   org {row['org'] or '-'}")
    if row["qualifier"]:
        click.echo(f"qualifier {row['qualifier']}")
    click.echo(f"article   {row['headline'] or '-'}")
    click.echo(f"source    {row['source'] or '-'}")
    sentence = (
        raw[es:qs] + click.style(raw[qs:qe], fg="red", bold=True, underline=True) + raw[qe:ee]
    )
    click.echo("evidence  " + sentence.replace("\n", " "))
    click.echo(f"at        {row['path']}:{line}:{column}")


@main.command("eval")
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--corpus", "corpus_dir", default=None, type=click.Path(exists=True, file_okay=False))
@click.option("--errors", "show_errors", is_flag=True, help="List every disagreement.")
@click.option("--type", "only_type", default=None, help="With --errors: one mention type.")
@click.option("--json", "as_json", is_flag=True)
def eval_cmd(
    gold_dir: str, corpus_dir: str | None, show_errors: bool, only_type: str | None, as_json: bool
) -> None:
    """Score extraction against gold annotations (per-type P/R/F1, value accuracy, facts, roles).

    Example: bulletin-nlp eval --gold corpus/gold
    """
    from .evaluate import evaluate, overall

    try:
        report = evaluate(gold_dir, corpus_dir)
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


@main.group()
def rules() -> None:
    """Work with the rule files in rules/."""


@rules.command("check")
@click.option("--dir", "directory", default=None, type=click.Path(file_okay=False))
def rules_check(directory: str | None) -> None:
    """Validate every rules file; list every bad entry.

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
