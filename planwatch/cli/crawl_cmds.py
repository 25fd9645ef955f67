"""Commands over the configured sources: ``crawl`` (fetch what is new) and ``sources`` (list, check)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from planwatch.cli.summaries import summary_table
from planwatch.cli.terminal import console

stdout = console()
stderr = console(stderr=True)


@click.command()
@click.argument("source_names", metavar="[SOURCE]...", nargs=-1)
@click.option("--record", "record_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Also write every response to a new .warc.gz in DIR (replay it with `planwatch replay DIR`).")
@click.option("--max-pages", type=click.IntRange(1, 1000), metavar="N",
              help="Follow at most N list or search pages per source (default: each source's max_pages).")
@click.option("--no-digest", is_flag=True, help="Store only; leave immediate messages for later (planwatch digest).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--distributed", is_flag=True,
              help="Start a round on the shared Redis crawl and work on it with any `planwatch worker`s "
                   "(see docs/scaling.md).")
@click.pass_obj
def crawl(app, source_names: tuple[str, ...], record_dir: Path | None, max_pages: int | None, no_digest: bool,
          as_json: bool, distributed: bool) -> None:
    """Crawl the configured sources (all enabled ones, or the SOURCEs named) for new articles.

    Feeds, sitemaps, listings and searches are read on every run; an article is
    fetched once, ever. Each new article is extracted, judged, stored and queued
    for the digest, like `planwatch replay` does. A source that cannot be reached is
    reported in one line at the end; the others go on. Exits 1 when every source failed.
    """
    if distributed:
        from planwatch.cli.distributed_cmds import run_distributed_crawl

        outbox = None if no_digest else app.outbox
        run_distributed_crawl(app, source_names, record_dir=record_dir, max_pages=max_pages, outbox=outbox,
                              as_json=as_json)
        return
    from crawler.runner import CrawlError, run_crawl
    from planwatch.cli.progress import CrawlProgress
    from planwatch.logs import hide_summarised
    from storage.db import StorageError

    config = app.config
    hide_summarised()  # a failed source is named once, in the summary
    try:
        with CrawlProgress() as progress:
            summary = run_crawl(
                config,
                app.announced_db_url(),
                list(source_names) or None,
                record_dir=record_dir,
                outbox=None if no_digest else app.outbox,
                max_pages=max_pages,
                record_runs=True,
                progress=None if as_json else progress.update,
            )
    except (CrawlError, StorageError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        sys.stdout.write(summary.to_json() + "\n")
    else:
        _print_summary(summary)
    failed = summary.failures()
    if failed and len(failed) == len(summary.sources):
        raise click.ClickException(f"every source failed ({len(failed)} of {len(summary.sources)})")
    refused_exit(summary.digest_refused)


def refused_exit(refused: list[str]) -> None:
    """Each recipient the server refused for good, on stderr, then exit 1 naming them."""
    if not refused:
        return
    for line in refused:
        click.echo(f"digest refused: {line}", err=True)
    who = ", ".join(line.split(":", 1)[0] for line in refused[:3]) + (" …" if len(refused) > 3 else "")
    raise click.ClickException(f"the digest was refused for {len(refused)} recipients ({who})")


def _print_summary(summary) -> None:  # type: ignore[no-untyped-def]
    ok = len(summary.sources) - len(summary.failures())
    table, rows = summary_table([("sources crawled", f"{ok} of {len(summary.sources)}")], summary)
    rejected = summary.total("rejected")
    if rejected:
        rows.append(("pages without an article", rejected))
    for label, value in rows:
        table.add_row(label, str(value))
    if summary.record_file:
        table.add_row("recorded to", summary.record_file + (" (stopped early)" if summary.record_stopped else ""))
    if summary.digest:
        table.add_row("digest", summary.digest)
    stdout.print(table)
    if summary.record_stopped:
        stdout.print(summary.record_stopped, highlight=False, soft_wrap=True)
    for report in summary.failures():
        stdout.print(report.headline(), highlight=False, markup=False, soft_wrap=True)


@click.command()
@click.option("--check", is_flag=True, help="Only validate the configuration (no network, no database).")
@click.pass_obj
def sources(app, check: bool) -> None:
    """List the configured sources with their last run, articles found and errors.

    With --check, validate the configuration (keys, URLs, presets, selectors,
    schedules) and say how many sources are ready.
    """
    config = app.config
    if check:
        enabled = sum(1 for s in config.sources if s.enabled)
        where = config.path or "built-in defaults"
        disabled = len(config.sources) - enabled
        extra = f" ({disabled} disabled)" if disabled else ""
        stdout.print(f"{len(config.sources)} sources OK{extra} in {where}", highlight=False)
        return
    if not config.sources:
        stdout.print("No sources configured: add [[source]] tables to planwatch.toml (see docs/crawling.md).")
        return
    last_runs, found = _source_history(app.database(), [s.name for s in config.sources])
    from planwatch.cli.service_cmds import zone_label

    zone = ZoneInfo(config.service.timezone)
    table = Table(title=f"Sources (times in {zone_label(zone)})", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("last run", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("articles", justify="right", no_wrap=True)
    table.add_column("errors", overflow="fold")
    for source in config.sources:
        run = last_runs.get(source.name)
        name = source.name if source.enabled else f"{source.name} (disabled)"
        if run is None:
            last, outcome, errors = "never", "-", "-"
        else:
            last = _when(run.started_at, zone)
            outcome = run.outcome
            errors = str(run.errors) + (f": {run.message}" if run.message else "")
        table.add_row(name, source.type, last, outcome, str(found.get(source.name, 0)), errors)
    stdout.print(table)


def _source_history(database, names: list[str]):  # type: ignore[no-untyped-def]
    """The latest run of each source, and how many stored articles each brought."""
    from sqlalchemy import func, select

    from storage import models as m

    with database.session(read_only=True) as session:
        latest = (
            select(m.SourceRun.source, func.max(m.SourceRun.id).label("id"))
            .where(m.SourceRun.source.in_(names), m.SourceRun.job == "crawl")
            .group_by(m.SourceRun.source)
            .subquery()
        )
        runs = {r.source: r for r in session.scalars(select(m.SourceRun).join(latest, m.SourceRun.id == latest.c.id))}
        counts = dict(
            session.execute(
                select(m.Article.origin, func.count()).where(m.Article.origin.in_(names)).group_by(m.Article.origin)
            ).all()
        )
    return runs, counts


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    """A stored (naive UTC) time in the configured zone, named in the table's title."""
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"
