"""Commands for running planwatch on shared parts: ``worker``, ``enqueue``, ``db upgrade`` / ``db current``.

``worker`` and ``enqueue`` use the Redis frontier of ``[distributed]`` (``--redis`` or
``$PLANWATCH_REDIS_URL`` override its URL); ``crawl --distributed`` calls
``run_distributed_crawl`` here. ``db`` manages the schema: SQLite databases migrate
themselves when opened, a shared PostgreSQL database only with ``planwatch db upgrade``.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from planwatch.cli.summaries import summary_table
from planwatch.cli.terminal import console

stdout = console()

REDIS_ENV = "PLANWATCH_REDIS_URL"


def parse_seconds(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    from planwatch.config import parse_duration

    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if seconds <= 0:
        raise click.BadParameter("must be more than 0s")
    return seconds


def make_frontier(app: Any, mode: str, redis_url: str | None = None, idle_timeout: float | None = None) -> Any:
    from crawler.frontier import Frontier

    return Frontier.from_config(app.config.distributed, mode=mode,  # type: ignore[arg-type]
                                redis_url=redis_url or os.environ.get(REDIS_ENV) or None,
                                idle_timeout=idle_timeout)


def frontier_errors() -> tuple[type[Exception], ...]:
    from crawler.frontier import FrontierError
    from crawler.runner import CrawlError
    from storage.db import StorageError

    return (CrawlError, FrontierError, StorageError)


redis_option = click.option(
    "--redis", "redis_url", metavar="URL", envvar=REDIS_ENV,
    help="Redis holding the shared crawl (env PLANWATCH_REDIS_URL; default [distributed] redis_url). "
         "The password comes from $PLANWATCH_REDIS_PASSWORD.")


@click.command()
@click.argument("source_names", metavar="[SOURCE]...", nargs=-1)
@redis_option
@click.option("--idle-timeout", metavar="DURATION", callback=parse_seconds,
              help="Stop after this long with nothing queued or leased, e.g. 30s (default [distributed] idle_timeout).")
@click.option("--max-pages", type=click.IntRange(1, 1000), metavar="N",
              help="Follow at most N list or search pages per source and round.")
@click.option("--record", "record_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Also write every response this worker fetches to a new .warc.gz in DIR.")
@click.option("--json", "as_json", is_flag=True, help="Print what this worker did as JSON.")
@click.pass_obj
def worker(app: Any, source_names: tuple[str, ...], redis_url: str | None, idle_timeout: float | None,
           max_pages: int | None, record_dir: Path | None, as_json: bool) -> None:
    """Work on the shared crawl: take requests from Redis, fetch, extract and store into the shared database.

    Start as many workers as you like, on any machines, with the same configuration,
    database and Redis; push work with `planwatch enqueue`. A worker stops by itself
    after the idle timeout with nothing to do. Stopping or killing one loses nothing:
    what it had taken goes back to the queue.
    """
    from crawler.worker import run_worker

    frontier = make_frontier(app, "work", redis_url, idle_timeout)
    try:
        run = run_worker(app.config, app.announced_db_url(), list(source_names) or None, frontier=frontier,
                         record_dir=record_dir, max_pages=max_pages)
    except frontier_errors() as exc:
        raise click.ClickException(str(exc)) from None
    print_run(run, frontier, as_json)


def run_distributed_crawl(app: Any, source_names: tuple[str, ...], *, record_dir: Path | None,
                          max_pages: int | None, outbox: Path | None, as_json: bool) -> None:
    """``planwatch crawl --distributed``: start a round of the sources, then work on it like a worker."""
    from crawler.worker import run_worker

    frontier = make_frontier(app, "both")
    try:
        run = run_worker(app.config, app.announced_db_url(), list(source_names) or None, frontier=frontier,
                         record_dir=record_dir, max_pages=max_pages, outbox=outbox)
    except frontier_errors() as exc:
        raise click.ClickException(str(exc)) from None
    print_run(run, frontier, as_json)


def print_run(run: Any, frontier: Any, as_json: bool) -> None:
    summary = run.summary
    taken = sum(s.taken for s in run.spiders)
    if as_json:
        data = summary.to_dict()
        data["worker"] = {"id": frontier.worker_id, "redis": frontier.display_url(), "mode": frontier.mode,
                          "spiders": [asdict(s) for s in run.spiders]}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_run_table(run, frontier, taken)
    from planwatch.cli.crawl_cmds import refused_exit

    refused_exit(summary.digest_refused)  # exit 1 naming who the digest was refused for


def _print_run_table(run: Any, frontier: Any, taken: int) -> None:
    summary = run.summary
    table, rows = summary_table([("worker", frontier.worker_id), ("requests taken", taken)], summary)
    for label, value in rows:
        table.add_row(label, str(value))
    if summary.digest:
        table.add_row("digest", summary.digest)
    stdout.print(table)


@click.command()
@click.argument("source_names", metavar="[SOURCE]...", nargs=-1)
@redis_option
@click.option("--status", is_flag=True, help="Only show each source's round, queued, leased and set-aside requests.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def enqueue(app: Any, source_names: tuple[str, ...], redis_url: str | None, status: bool, as_json: bool) -> None:
    """Start a crawl round of the sources (all enabled ones, or the SOURCEs named) for the workers.

    Pushes each source's start requests (feed, sitemap, listing, search pages) into
    the shared queue; they are fetched again in every round, articles only once ever.
    Downloads nothing itself.
    """
    from crawler.enqueue import enqueue_sources, frontier_status

    frontier = make_frontier(app, "seed", redis_url)
    try:
        if status:
            rows = frontier_status(app.config, list(source_names) or None, frontier=frontier)
            print_status(rows, as_json)
            return
        spiders = enqueue_sources(app.config, app.announced_db_url(), list(source_names) or None, frontier=frontier)
    except frontier_errors() as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps([asdict(s) for s in spiders], ensure_ascii=False, indent=2) + "\n")
        return
    for spider in spiders:
        stdout.print(f"{spider.source}: round {spider.round}, {spider.pushed} start requests queued",
                     highlight=False, markup=False)


def print_status(rows: list[Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="Shared crawl", title_justify="left")
    for column in ("source", "round", "queued", "leased", "set aside", "reclaimed"):
        table.add_column(column, justify="left" if column == "source" else "right", no_wrap=True)
    for r in rows:
        table.add_row(r.source, str(r.round), str(r.queued), str(r.leased), str(r.set_aside), str(r.reclaimed))
    stdout.print(table)


@click.group()
def db() -> None:
    """The database schema (Alembic migrations shipped with planwatch)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Migrate up to this revision.")
@click.pass_obj
def db_upgrade(app: Any, revision: str) -> None:
    """Create or migrate the schema of --db (required once per release for PostgreSQL)."""
    from storage.db import StorageError, head_revision, upgrade

    try:
        reached = upgrade(app.announced_db_url(), revision)
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    note = " (head)" if reached == head_revision() else ""
    stdout.print(f"schema at {reached}{note}", highlight=False, markup=False)


@db.command("current")
@click.pass_obj
def db_current(app: Any) -> None:
    """Show the schema revision of --db and whether it is the one this planwatch needs. Exits 1 when behind."""
    from sqlalchemy import create_engine

    from storage.db import StorageError, current_revision, head_revision, is_memory, parse_url

    try:
        parsed = parse_url(app.db_url)
        if parsed.get_backend_name() == "sqlite" and not is_memory(parsed) and not Path(parsed.database or "").exists():
            raise StorageError(f"there is no database file {parsed.database}")
        engine = create_engine(parsed)
        try:
            current = current_revision(engine)
        finally:
            engine.dispose()
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    head = head_revision()
    if current == head:
        stdout.print(f"schema at {current} (head)", highlight=False, markup=False)
        return
    shown = current or "none"
    raise click.ClickException(f"schema at {shown}, this planwatch needs {head}: run `planwatch db upgrade`")
