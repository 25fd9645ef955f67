"""Commands over what planwatch watches: ``backfill`` (read the past) and ``coverage`` (where it is blind)."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

stdout = Console()


def _parse_since(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2017-01-01, got {value!r}") from None


@click.command()
@click.argument("source_names", metavar="[SOURCE]...", nargs=-1)
@click.option("--since", callback=_parse_since, metavar="DATE",
              help="Walk back to this day (YYYY-MM-DD), e.g. 2017-01-01.")
@click.option("--status", is_flag=True, help="Only show where each source's walk stands (nothing is fetched).")
@click.option("--max-pages", type=click.IntRange(1, 100_000), default=50, show_default=True, metavar="N",
              help="List or search pages per source in this run; the next run continues where this one stopped.")
@click.option("--max-articles", type=click.IntRange(1, 100_000), metavar="N",
              help="Article fetches per source in this run (default: the source's max_articles).")
@click.option("--record", "record_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Also write every response to a new .warc.gz in DIR.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def backfill(app, source_names: tuple[str, ...], since: date | None, status: bool, max_pages: int,
             max_articles: int | None, record_dir: Path | None, as_json: bool) -> None:
    """Read the sources' past: walk their list, search and board pages back to --since.

    Date-windowed searches are read one window at a time, newest first; other lists
    page by page until the dates they print pass --since. Bounded per run
    (--max-pages, --max-articles) and resumable: the next run continues where this
    one stopped. As polite as a crawl (robots.txt, delays, per-site limits), and an
    article is fetched once, ever. What is found builds plans and timelines with
    the articles' real dates; no subscriber is alerted of it.
    """
    if status:
        _print_cursors(app, set(source_names), as_json)
        return
    if since is None:
        raise click.UsageError("Missing option '--since' (the day to walk back to, e.g. 2017-01-01).")
    from crawler.backfill import run_backfill
    from crawler.runner import CrawlError
    from storage.db import StorageError

    if since > date.today():
        raise click.BadParameter("--since lies in the future", param_hint="--since")
    try:
        outcome = run_backfill(app.config, app.db_url, since, list(source_names) or None, max_pages=max_pages,
                               max_articles=max_articles, record_dir=record_dir)
    except (CrawlError, StorageError) as exc:
        raise click.ClickException(str(exc)) from None
    data = outcome.to_dict()
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_backfill(data)
    walked = outcome.summary.sources
    failed = outcome.summary.failures()
    if not walked:
        raise click.ClickException("no source can be walked back: " + "; ".join(
            f"{name}: {why}" for name, why in outcome.skipped.items()))
    if failed and len(failed) == len(walked):
        raise click.ClickException(f"every source failed ({len(failed)} of {len(walked)})")


def _print_cursors(app, names: set[str], as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import asdict

    from storage.cursors import all_cursors

    with app.database().session(read_only=True) as session:
        cursors = [c for c in all_cursors(session) if not names or c.source in names]
    if as_json:
        rows = [{**asdict(c), "since": c.since.isoformat(), "until": c.until.isoformat()} for c in cursors]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not cursors:
        stdout.print("no backfill has run yet", highlight=False)
        return
    table = Table(title="Backfill walks", title_justify="left")
    for column in ("source", "since", "state", "runs", "list pages", "articles"):
        table.add_column(column, no_wrap=column != "state")
    for c in cursors:
        state = "done" if c.done else f"continues at {c.next_url or f'page {c.page}'}"
        table.add_row(c.source, c.since.isoformat(), state, str(c.runs), str(c.pages_read), str(c.articles_found))
    stdout.print(table)


def _print_backfill(data: dict) -> None:  # type: ignore[type-arg]
    table = Table(title="Backfill", title_justify="left")
    for column in ("source", "state", "list pages", "new articles", "relevant", "new plans", "errors"):
        table.add_column(column, no_wrap=column != "state", justify="left" if column in ("source", "state") else "right")
    for report in data["sources"]:
        walk = report.get("backfill", {})
        state = walk.get("state", "-")
        if report["outcome"] != "ok":
            state = report["outcome"]
        elif state == "continues" and walk.get("next_page"):
            state = f"continues at {walk['next_page']}"
        table.add_row(report["name"], state, str(walk.get("list_pages", 0)), str(report["new_articles"]),
                      str(report["relevant"]), str(report["new_plans"]), str(report["errors"]))
    stdout.print(table)
    for report in data["sources"]:
        if report["outcome"] != "ok":
            stdout.print(f"source {report['name']}: {report['message'] or report['outcome']}", highlight=False,
                         markup=False, soft_wrap=True)
    for name, why in data["skipped"].items():
        stdout.print(f"source {name}: skipped: {why}", highlight=False, markup=False, soft_wrap=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def coverage(app, as_json: bool) -> None:
    """Where planwatch watches and where it is blind, per province.

    For each of the 17 provinces: the sources watching it, their articles of the last
    30 days, the plans known and how many of its governments have at least one;
    then the governments with no plan news at all, and the sources silent longer
    than their expected period (silent_after).
    """
    from storage.coverage import coverage_report

    config = app.config
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with app.database().session(read_only=True) as session:
        report = coverage_report(session, config.sources, now, config.digest.silent_after)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Coverage ({report.recent_days}-day article counts)", title_justify="left")
    table.add_column("province", no_wrap=True)
    table.add_column("sources", justify="right")
    table.add_column("articles", justify="right")
    table.add_column("plans", justify="right")
    table.add_column("governments with a plan", justify="right")
    for p in report.provinces:
        table.add_row(p.province, str(len(p.sources)), str(p.articles_recent), str(p.plans),
                      f"{p.governments_with_plan} of {p.governments}")
    stdout.print(table)
    if report.national_sources:
        stdout.print(f"national sources: {', '.join(report.national_sources)}", highlight=False)
    without = report.governments_without_plan
    stdout.print(f"governments with no plan news: {len(without)} of {len(report.governments)}", highlight=False)
    for p in report.provinces:
        if p.without_plan:
            stdout.print(f"  {p.province}: {', '.join(p.without_plan)}", highlight=False, soft_wrap=True)
    never = [s.name for s in report.sources if s.state == "never"]
    if never:
        stdout.print(f"sources with no article yet ({len(never)}): {', '.join(never)}", highlight=False,
                     soft_wrap=True)
    silent = report.silent_sources
    if silent:
        stdout.print("silent sources:", highlight=False)
        for s in silent:
            when = s.last_article_at.strftime("%Y-%m-%d %H:%M UTC") if s.last_article_at else "-"
            stdout.print(f"  {s.name}: no new article since {when} (expected within {s.silent_after_days:g} days)",
                         highlight=False)
