"""The service's commands: ``run`` (the scheduler, until a signal) and ``status`` (what it did, what is next)."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from planwatch.config import parse_duration
from planwatch.logs import configure_logging

LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]
SERVICE_LOG_LEVEL = "INFO"  # a service without its job lines would be silent for hours


@click.command()
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), default=None,
              help=f"Log verbosity (default {SERVICE_LOG_LEVEL} for the service).")
@click.option("--log-file", metavar="FILE", default=None, help="Write logs to FILE instead of stderr.")
@click.option("--log-json", is_flag=True, default=False, help="Log one JSON object per line.")
@click.pass_context
def run(ctx: click.Context, log_level: str | None, log_file: str | None, log_json: bool) -> None:
    """Run the service: crawl every source on its schedule, send digests, tidy the database.

    Runs until SIGTERM, SIGINT or SIGHUP, then lets running jobs finish (or stops them
    cleanly within service.shutdown_timeout) and exits 0; a second signal exits at
    once. Only one service may run on a database. See docs/service.md.
    """
    from planwatch.service import Service, quiet_apscheduler
    from planwatch.service_lock import ServiceLockHeld

    app = ctx.obj
    settings = _log_settings(ctx, log_level, log_file, log_json)
    configure_logging(settings.level, settings.file, settings.json)
    quiet_apscheduler(settings.level)
    config = app.config
    if not any(s.enabled for s in config.sources):
        click.echo("warning: no enabled source in the configuration; only digests and housekeeping will run",
                   err=True)
    service = Service(config, app.database(), app.outbox, settings)
    try:
        code = service.run()
    except ServiceLockHeld as exc:
        raise click.ClickException(str(exc)) from None
    if code:
        ctx.exit(code)


def _log_settings(ctx: click.Context, level: str | None, file: str | None, as_json: bool):  # -> LogSettings
    """The command's own options win; then the global ones given explicitly; then the service's default."""
    from planwatch.jobs import LogSettings

    parent = ctx.parent
    params = parent.params if parent is not None else {}
    if level is None:
        explicit = parent is not None and parent.get_parameter_source("log_level") not in (
            click.core.ParameterSource.DEFAULT, None)
        level = params.get("log_level") if explicit else SERVICE_LOG_LEVEL
    if params.get("debug"):
        level = "DEBUG"
    return LogSettings(level=str(level).upper(), file=file or params.get("log_file"),
                       json=bool(as_json or params.get("log_json")))


# --- status -------------------------------------------------------------------------------------


@dataclass
class StoredJob:
    id: str
    next_run: datetime | None  # None: paused
    schedule: str | None


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.pass_obj
def status(app: Any, as_json: bool) -> None:
    """Show each job's next run and last outcome, and the sources failing or silent too long."""
    from alerts.delivery_status import delivery_overview
    from planwatch.runs import ATTENTION, last_runs, run_key, skipped_counts, source_health
    from planwatch.schedules import desired_jobs
    from planwatch.service_lock import running_service

    config = app.config
    db = app.database(create=False)
    holder = running_service(db)
    with db.session(read_only=True) as session:
        deliveries = delivery_overview(session, datetime.now(timezone.utc).replace(tzinfo=None))
    stored = read_stored_jobs(db)
    last = last_runs(db)
    skipped = skipped_counts(db)
    enabled = [s.name for s in config.sources if s.enabled]
    health = source_health(db, enabled, failing_after=parse_duration(config.service.failing_after),
                           silent_after=parse_duration(config.digest.silent_after))
    rows = []
    specs = {spec.id: spec for spec in desired_jobs(config)}
    for job_id in list(specs) + sorted(set(stored) - set(specs)):
        spec, kept = specs.get(job_id), stored.get(job_id)
        source, job = run_key(job_id)
        run = last.get((source, job))
        rows.append({
            "job": job_id,
            "schedule": spec.schedule if spec else (kept.schedule if kept else None),
            "scheduled": kept is not None,
            "in_config": spec is not None,
            "next_run": kept.next_run.isoformat() if kept and kept.next_run else None,
            "last_run": run.to_json() if run else None,
            "overruns": skipped.get((source, "overrun"), 0),
            "missed": skipped.get((source, "missed"), 0),
        })
    attention = [h for h in health if h.state in ATTENTION]
    in_doubt = deliveries_in_doubt(db)
    if as_json:
        click.echo(json.dumps({
            "database": app.database_description,
            "service": {"running": holder is not None, "holder": holder},
            "jobs": rows,
            "sources": [h.to_json() for h in health],
            "attention": [h.source for h in attention],
            "deliveries": deliveries.to_json(),
            "deliveries_in_doubt": [m.to_json() for m in in_doubt],
        }, ensure_ascii=False, indent=2))
        return
    _print_status(config, holder, rows, attention, database=app.database_description)
    _print_deliveries(deliveries, ZoneInfo(config.service.timezone))
    _print_in_doubt(in_doubt)


def deliveries_in_doubt(db: Any) -> list[Any]:
    """Messages that may not have reached their subscriber (a sending run killed mid-send)."""
    from alerts.outbox import messages_in_doubt
    from storage.models import utcnow

    with db.session(read_only=True) as session:
        return messages_in_doubt(session, utcnow())


def _print_in_doubt(in_doubt: list[Any]) -> None:
    if not in_doubt:
        return
    out = Console()
    out.print()
    out.print("deliveries in doubt (the sending run stopped; they may not have arrived):", highlight=False)
    for m in in_doubt:
        out.print(f"  {m.subscriber}: {len(m.items)} item(s) {m.state} since {m.since:%Y-%m-%d %H:%M} UTC"
                  f" (message {m.message_id})", highlight=False, markup=False)
        for item_id, kind, about in m.items:
            out.print(f"    {kind} #{item_id}: {about}", highlight=False, markup=False)
        out.print(f"    resend them: planwatch digest --resend {m.subscriber}", highlight=False, markup=False)


def read_stored_jobs(db: Any) -> dict[str, StoredJob]:
    """The job store's rows, read without APScheduler (which deletes rows it cannot load)."""
    from planwatch.schedules import JOBS_TABLE

    try:
        if not inspect(db.engine).has_table(JOBS_TABLE):
            return {}
        from sqlalchemy import Column, Float, LargeBinary, MetaData, Table, Unicode

        table = Table(JOBS_TABLE, MetaData(), Column("id", Unicode(191), primary_key=True),
                      Column("next_run_time", Float(25)), Column("job_state", LargeBinary))
        with db.engine.connect() as conn:
            rows = conn.execute(select(table.c.id, table.c.next_run_time, table.c.job_state)).all()
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the service's jobs: {str(exc).splitlines()[0]}") from None
    out = {}
    for job_id, next_run, state in rows:
        try:
            schedule = pickle.loads(state).get("name")
        except Exception:
            schedule = None
        when = datetime.fromtimestamp(next_run, timezone.utc) if next_run is not None else None
        out[job_id] = StoredJob(job_id, when, schedule)
    return out


def _print_status(config: Any, holder: str | None, rows: list[dict[str, Any]], attention: list[Any], *,
                  database: str = "") -> None:
    from alerts.source_health import user_reason

    tz = ZoneInfo(config.service.timezone)
    out = Console()
    out.print(f"service: [green]running[/] ({holder})" if holder else "service: [yellow]not running[/]",
              highlight=False)
    if database:
        out.print(f"database: {escape(database)}", highlight=False)
    table = Table(title=f"jobs (times in {zone_label(tz)})", title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    table.add_column("job", min_width=12, overflow="fold")
    table.add_column("schedule", min_width=10)
    for name in ("next run", "last run", "outcome"):
        table.add_column(name, no_wrap=True)
    table.add_column("pages/new/err", justify="right", no_wrap=True)
    table.add_column("overruns", justify="right", no_wrap=True)
    notes = []
    for row in rows:
        run = row["last_run"] or {}
        if not row["in_config"]:
            notes.append(f"{row['job']}: not in the configuration any more; dropped at the next start")
        elif not row["scheduled"]:
            notes.append(f"{row['job']}: scheduled when the service starts")
        elif run.get("outcome") not in (None, "ok") and run.get("message"):
            notes.append(f"{row['job']}: {run['message']}")
        table.add_row(
            row["job"], row["schedule"] or "", _when(row["next_run"], tz), _when(run.get("started_at"), tz),
            _outcome(run.get("outcome")),
            f"{run['pages']}/{run['new_articles']}/{run['errors']}" if run else "", str(row["overruns"] or ""),
        )
    out.print(table)
    for note in notes:
        out.print(note, highlight=False, markup=False)
    if not attention:
        out.print("sources: none failing or silent", highlight=False)
        return
    out.print()
    out.print("sources needing attention:", highlight=False)
    for h in attention:
        since = _when(h.since.isoformat() if h.since else None, tz)
        state = f"[red]{h.state}[/]" if h.state in ("failing", "failed") else f"[yellow]{h.state}[/]"
        reason = f": {escape(user_reason(h.message, h.last_outcome or '', 'en'))} ({escape(h.message)})" if h.message else ""
        out.print(f"  {escape(h.source)} {state} since {since} (last outcome {h.last_outcome}){reason}",
                  highlight=False)


def zone_label(tz: ZoneInfo) -> str:
    """``Asia/Seoul, +09:00``: the zone every time of the table is in."""
    offset = datetime.now(tz).strftime("%z")
    return f"{tz.key}, {offset[:3]}:{offset[3:]}"


def _when(value: str | None, tz: ZoneInfo) -> str:
    """The date and time in the configured zone (the zone and offset are in the table's title)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _print_deliveries(overview: Any, tz: ZoneInfo) -> None:
    """Sent in the last day, waiting for a retry (next try, last error), refused for good (the reply)."""
    out = Console()
    out.print()
    last = f", last {_when(overview.last_sent.isoformat(), tz)}" if overview.last_sent else ""
    head = f"deliveries (times in {zone_label(tz)}): {overview.sent_recently} sent in the last day{last}"
    if overview.queued:
        head += f", {overview.queued} items queued"
    out.print(head, highlight=False, markup=False)
    for w in overview.deferred:
        when = _when(w.next_try.isoformat(), tz) if w.next_try else "the next run"
        out.print(f"  [yellow]deferred[/] {escape(w.email)}: {w.items} items, next try {when}"
                  + (f": {escape(w.error)}" if w.error else ""), highlight=False, soft_wrap=True)
    for r in overview.failed:
        items = f"{r.items} items refused" if r.items else "nothing queued"
        out.print(f"  [red]failed[/] {escape(r.email)}: {items}" + (f": {escape(r.reply)}" if r.reply else ""),
                  highlight=False, soft_wrap=True)
    if overview.unconfirmed:
        out.print(f"  [yellow]unconfirmed[/] {overview.unconfirmed} messages of an interrupted run "
                  "(maybe delivered; see docs/alerts.md)", highlight=False)


def _outcome(value: str | None) -> str:
    colors = {"ok": "green", "failed": "red", "unreachable": "red", "running": "cyan", "interrupted": "yellow"}
    if not value:
        return ""
    color = colors.get(value)
    return f"[{color}]{value}[/]" if color else value
