"""Commands for the people who receive digests: ``subscribers ...`` and ``digest``."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from alerts.delivery import DeliveryReport, preview_digest, resend, send_pending
from alerts.labels import LANGUAGES
from alerts.subscribers import (
    FREQUENCIES,
    SubscriberError,
    SubscriberRow,
    add_subscriber,
    edit_subscriber,
    find_subscriber,
    list_subscribers,
    pause_subscriber,
    remove_subscriber,
    resume_subscriber,
    validate_filters,
)
from alerts.transport import SmtpConfigError
from extractors.topics import FAMILY_NAMES
from planwatch.records import EVENT_TYPES

stdout = Console()
stderr = Console(stderr=True)

LIST_HELP = "repeat the option or separate values with commas"


def _session(app, *, create: bool = True):
    return app.database(create=create).session()


@click.group()
def subscribers() -> None:
    """Manage who receives digests, with which filters, how often and in which language."""


@subscribers.command("add")
@click.argument("email")
@click.option("--name", help="How the digest greets the subscriber.")
@click.option(
    "--provinces", multiple=True, metavar="NAMES", help=f"Only plans of these 광역 governments ({LIST_HELP})."
)
@click.option(
    "--municipalities",
    multiple=True,
    metavar="NAMES",
    help=f"Only plans of these local governments ({LIST_HELP}).",
)
@click.option(
    "--events",
    multiple=True,
    metavar="TYPES",
    help=f"Only these steps: {', '.join(EVENT_TYPES)} ({LIST_HELP}).",
)
@click.option(
    "--families",
    multiple=True,
    metavar="NAMES",
    help=f"Only plans of these families: {', '.join(FAMILY_NAMES)} or one of [topics] ({LIST_HELP}).",
)
@click.option(
    "--keywords", multiple=True, metavar="WORDS", help=f"Only entries mentioning one of these ({LIST_HELP})."
)
@click.option(
    "--frequency",
    type=click.Choice(FREQUENCIES),
    default="daily",
    show_default=True,
    help="immediate: a message per new plan or update, at the end of the run that finds it; "
         "run: one digest per run; daily/weekly: one digest at the scheduled time.",
)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="ko",
    show_default=True,
    help="Language of the digest.",
)
@click.option(
    "--backfill",
    metavar="DAYS",
    help="Start with the stored plans of the last DAYS (30d, 2w; 0: none) that pass the filters "
         "[default: alerts.backfill_days].",
)
@click.option("--preview", is_flag=True, help="Show what the filters match; save nothing.")
@click.pass_obj
def add(
    app,
    email: str,
    name: str | None,
    provinces: tuple[str, ...],
    municipalities: tuple[str, ...],
    events: tuple[str, ...],
    keywords: tuple[str, ...],
    families: tuple[str, ...],
    frequency: str,
    language: str,
    backfill: str | None,
    preview: bool,
) -> None:
    """Subscribe EMAIL. Without filters it receives everything.

    Places are matched if either the province or the municipality is listed; all
    kinds of filter given must match. Its first digest starts with the stored plans
    of the last --backfill days that match.
    """
    from alerts.backfill import backfill as queue_backfill
    from alerts.backfill import parse_days

    now = _utcnow()
    try:
        days = parse_days(backfill) if backfill is not None else app.config.alerts.backfill_days
        if preview:
            filters = validate_filters(provinces, municipalities, events, keywords)
            _print_preview(app, filters, days, language, now)
            return
        with _session(app) as session:
            s = add_subscriber(
                session,
                email,
                name=name,
                provinces=provinces,
                municipalities=municipalities,
                events=events,
                keywords=keywords,
                families=families,
                known_families=app.config.topics.vocabulary().names,
                frequency=frequency,
                language=language,
            )
            queued = queue_backfill(session, s, days=days, now=now)
            filters_text = _filters_text(s.provinces, s.municipalities, s.events, s.keywords, s.families)
            summary = f"subscribed {s.email} ({s.frequency}, {s.language}; {filters_text})"
            started = (
                f"its first digest starts with {queued} stored plans of the last {days} days"
                if queued
                else (
                    f"no stored plan of the last {days} days matches: its first digest waits for a new one"
                    if days
                    else "no backfill: its first digest waits for a new plan"
                )
            )
    except SubscriberError as exc:
        raise click.ClickException(str(exc)) from None
    stdout.print(summary, markup=False, highlight=False, soft_wrap=True)
    stdout.print(started, markup=False, highlight=False, soft_wrap=True)


PREVIEW_LINES = 10


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _print_preview(app, filters, days: int, language: str, now: datetime) -> None:
    """What ``filters`` match among the stored plans of the last ``days`` days; nothing is saved."""
    from alerts.backfill import filter_matches

    window = days or 3650
    with _session(app) as session:
        found = filter_matches(session, filters, days=window, now=now, language=language)
    text = _filters_text(filters.provinces, filters.municipalities, filters.events, filters.keywords,
                          filters.families)
    span = f"the last {days} days" if days else "everything stored"
    stdout.print(f"{text} matches {len(found)} stored plans of {span} (nothing saved)",
                 markup=False, highlight=False, soft_wrap=True)
    for m in found[:PREVIEW_LINES]:
        e = m.entry
        bits = [e.place, e.plan_title or e.headline or "", e.stage_label or "", e.event_date or ""]
        stdout.print("  " + " · ".join(b for b in bits if b), markup=False, highlight=False, soft_wrap=True)
    if len(found) > PREVIEW_LINES:
        stdout.print(f"  … and {len(found) - PREVIEW_LINES} more", markup=False, highlight=False)


@subscribers.command("edit")
@click.argument("email")
@click.option("--email", "new_email", metavar="NEW", help="A corrected address (clears a permanent failure).")
@click.option("--name", help="How the digest greets the subscriber.")
@click.option("--provinces", multiple=True, metavar="NAMES", help=f"Replace the province filter ({LIST_HELP}; '' clears).")
@click.option("--municipalities", multiple=True, metavar="NAMES", help="Replace the municipality filter.")
@click.option("--events", multiple=True, metavar="TYPES", help="Replace the event filter.")
@click.option("--keywords", multiple=True, metavar="WORDS", help="Replace the keyword filter.")
@click.option("--families", multiple=True, metavar="NAMES", help="Replace the plan-family filter.")
@click.option("--frequency", type=click.Choice(FREQUENCIES), help="How often it receives digests.")
@click.option("--language", type=click.Choice(LANGUAGES), help="Language of the digest.")
@click.option("--preview", is_flag=True, help="Show what the new filters match; save nothing.")
@click.pass_obj
def edit(
    app,
    email: str,
    new_email: str | None,
    name: str | None,
    provinces: tuple[str, ...],
    municipalities: tuple[str, ...],
    events: tuple[str, ...],
    keywords: tuple[str, ...],
    families: tuple[str, ...],
    frequency: str | None,
    language: str | None,
    preview: bool,
) -> None:
    """Change EMAIL's address, name, filters, frequency or language; its pending items stay queued.

    Only the options given change. A filter option replaces that filter; give it as
    '' to clear it (--provinces '').
    """
    def given(values: tuple[str, ...]) -> tuple[str, ...] | None:
        return values if values else None

    try:
        if preview:
            with _session(app) as session:
                current = find_subscriber(session, email)
                if current is None:
                    raise SubscriberError(f"{email} is not subscribed")
                filters = validate_filters(
                    provinces or current.provinces, municipalities or current.municipalities,
                    events or current.events, keywords or current.keywords, families or current.families,
                    app.config.topics.vocabulary().names,
                )
                lang = language or current.language
            _print_preview(app, filters, app.config.alerts.backfill_days, lang, _utcnow())
            return
        with _session(app) as session:
            s = edit_subscriber(
                session, email, new_email=new_email, name=name, provinces=given(provinces),
                municipalities=given(municipalities), events=given(events), keywords=given(keywords),
                families=given(families), frequency=frequency, language=language,
                known_families=app.config.topics.vocabulary().names,
            )
            pending = next(r.pending for r in list_subscribers(session) if r.email == s.email)
            text = _filters_text(s.provinces, s.municipalities, s.events, s.keywords, s.families)
            summary = f"changed {s.email} ({s.frequency}, {s.language}; {text}); {pending} items pending"
    except SubscriberError as exc:
        raise click.ClickException(str(exc)) from None
    stdout.print(summary, markup=False, highlight=False, soft_wrap=True)


@subscribers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list (times in UTC with their offset).")
@click.pass_obj
def list_(app, as_json: bool) -> None:
    """Show every subscriber, its filters, what is pending and any permanent delivery failure."""
    from alerts.subscriber_io import record_of

    with _session(app, create=False) as session:
        rows = list_subscribers(session)
    if as_json:
        records = [
            {
                **record_of(r),
                "pending": r.pending,
                "last_sent": r.last_sent.replace(tzinfo=timezone.utc).isoformat() if r.last_sent else None,
                "permanent_failure": r.permanent_failure,
            }
            for r in rows
        ]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    if not rows:
        stdout.print("no subscribers yet (the configured digest.recipients are added on the first run)")
        return
    stdout.print(_table(rows, ZoneInfo(app.config.digest.timezone)))
    failing = [r for r in rows if r.permanent_failure]
    if failing:
        stdout.print(
            "permanent delivery failures: a wrong address is corrected with "
            "`subscribers edit OLD --email NEW` (its refused items are sent again); "
            "when the receiving server was at fault and is fixed, `subscribers resume EMAIL`:",
            markup=False,
            soft_wrap=True,
        )
        for r in failing:
            stdout.print(f"  {r.email}: {r.permanent_failure}", markup=False, highlight=False, soft_wrap=True)


def _filters_text(provinces, municipalities, events, keywords, families=()) -> str:
    parts = []
    for label, values in (
        ("provinces", provinces),
        ("municipalities", municipalities),
        ("events", events),
        ("families", families),
        ("keywords", keywords),
    ):
        if values:
            parts.append(f"{label}: {', '.join(values)}")
    return "; ".join(parts) or "everything"


def _local(moment: datetime, zone: ZoneInfo) -> str:
    """A stored (naive UTC) time in the digest's zone, with its offset: ``2026-11-22 09:30 +09:00``."""
    local = moment.replace(tzinfo=timezone.utc).astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def _table(rows: list[SubscriberRow], zone: ZoneInfo) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("subscriber", no_wrap=True)
    table.add_column("sends", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("pending", justify="right", no_wrap=True)
    table.add_column("filters", overflow="fold", ratio=1)
    for r in rows:
        f = r.filters
        who = Text(r.email)
        if r.name:
            who.append(f"\n{r.name}", style="dim")
        if r.permanent_failure:
            status = Text("failing", style="red")
        else:
            status = Text("active" if r.active else "paused", style="green" if r.active else "yellow")
        if r.last_sent:
            status.append(f"\nlast {_local(r.last_sent, zone)}", style="dim")
        table.add_row(
            who,
            f"{r.frequency}, {r.language}",
            status,
            str(r.pending),
            Text(_filters_text(f.provinces, f.municipalities, f.events, f.keywords, f.families)),
        )
    return table


def _change_subscriber(app, email: str, change, done: str) -> None:
    try:
        with _session(app) as session:
            change(session, email)
    except SubscriberError as exc:
        raise click.ClickException(str(exc)) from None
    stdout.print(f"{done} {email}", markup=False, highlight=False)


def _format_of(path: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("csv", "json"):
        return suffix
    raise click.UsageError(f"say --format csv or --format json (cannot tell from {path!r})")


@subscribers.command("export")
@click.argument("file", default="-")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), help="Default: from FILE's suffix.")
@click.pass_obj
def export(app, file: str, fmt: str | None) -> None:
    """Write every subscriber to FILE (CSV or JSON; '-' for standard output, JSON by default)."""
    from alerts.subscriber_io import export_records

    fmt = fmt or ("json" if file == "-" else _format_of(file, None))
    with _session(app, create=False) as session:
        rows = list_subscribers(session)
    text = export_records(rows, fmt)
    if file == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(file).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot write: {exc.strerror or exc}") from None
    stderr.print(f"exported {len(rows)} subscribers to {file}", markup=False, highlight=False)


@subscribers.command("import")
@click.argument("file")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), help="Default: from FILE's suffix.")
@click.pass_obj
def import_(app, file: str, fmt: str | None) -> None:
    """Add or update the subscribers of FILE (CSV or JSON, as `export` writes); running it twice changes nothing."""
    from alerts.subscriber_io import import_records, parse_records

    fmt = _format_of(file, fmt) if file != "-" else (fmt or "json")
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        records = parse_records(text, fmt)
    except SubscriberError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    with _session(app) as session:
        report = import_records(session, records, where=file)
    stdout.print(f"import: {report.summary_line()}", markup=False, highlight=False)
    for line in report.errors:
        stderr.print(line, markup=False, highlight=False, soft_wrap=True)
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} records of {file} were refused (the others were imported)")


@subscribers.command("remove")
@click.argument("email")
@click.pass_obj
def remove(app, email: str) -> None:
    """Unsubscribe EMAIL (its queued items are dropped)."""
    _change_subscriber(app, email, remove_subscriber, "removed")


@subscribers.command("pause")
@click.argument("email")
@click.pass_obj
def pause(app, email: str) -> None:
    """Stop sending to EMAIL for now; news found meanwhile is not kept for it."""
    _change_subscriber(app, email, pause_subscriber, "paused")


@subscribers.command("resume")
@click.argument("email")
@click.pass_obj
def resume(app, email: str) -> None:
    """Send to EMAIL again (a recorded permanent failure is cleared and the refused items are queued again)."""
    _change_subscriber(app, email, resume_subscriber, "resumed")


@click.command()
@click.option(
    "--preview",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the HTML of the next digest to FILE; nothing is sent or marked.",
)
@click.option("--subscriber", "subscriber_email", metavar="EMAIL", help="Only this subscriber.")
@click.option(
    "--send", is_flag=True, help="Send every active subscriber its pending items now, whatever its frequency."
)
@click.option(
    "--resend",
    "resend_email",
    metavar="EMAIL",
    help="Send EMAIL again the items of its messages in doubt (named by `planwatch status`).",
)
@click.option("--history", is_flag=True,
              help="With --subscriber: send that subscriber, once, what `planwatch backfill` found for its filters.")
@click.pass_obj
def digest(app, preview: Path | None, subscriber_email: str | None, send: bool, resend_email: str | None,
           history: bool) -> None:
    """Build and deliver the pending digest.

    Without options, sends what is due now: immediate and run subscribers' items and
    retries whose wait is over. Messages go to the SMTP server of the
    configuration (or PLANWATCH_SMTP_URL), else into the outbox directory as .eml
    files.
    """
    if sum((preview is not None, send, resend_email is not None)) > 1:
        raise click.UsageError("--preview, --send and --resend cannot be used together")
    if history and (subscriber_email is None or preview is not None or send or resend_email is not None):
        raise click.UsageError("--history needs --subscriber EMAIL (and none of --preview, --send, --resend)")
    config = app.config
    db = app.database()
    try:
        if resend_email is not None:
            _resend(db, config, app.outbox, resend_email)
            return
        if history:
            from alerts.history import send_history_digest

            _finish(send_history_digest(db, config, app.outbox, subscriber_email or ""))
            return
        if preview is not None:
            _write_preview(db, config, preview, subscriber_email)
            return
        if send:
            report = send_pending(
                db, config, app.outbox, subscriber_email=subscriber_email, ignore_backoff=True
            )
        else:
            report = send_pending(
                db, config, app.outbox, frequencies=("immediate", "run"), subscriber_email=subscriber_email
            )
    except (SubscriberError, SmtpConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    _finish(report)


def _resend(db, config, outbox: Path, email: str) -> None:
    count, report = resend(db, config, outbox, email)
    if not count:
        raise click.ClickException(
            f"nothing to resend to {email}: no message to it is in flight or unconfirmed (see planwatch status)"
        )
    stdout.print(f"resending {count} message(s) in doubt to {email}", markup=False, highlight=False)
    _finish(report)


def _write_preview(db, config, path: Path, subscriber_email: str | None) -> None:
    result = preview_digest(db, config, subscriber_email=subscriber_email)
    if result is None:
        who = subscriber_email or "any subscriber"
        stdout.print(f"nothing queued for {who}: no preview written", markup=False, highlight=False)
        return
    email, digest_, rendered = result
    try:
        path.write_text(rendered.html, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot write the preview: {exc.strerror or exc}") from None
    stdout.print(
        f"preview for {email}: {len(digest_.item_ids)} items, "
        f"subject {rendered.subject!r}, written to {path}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _finish(report: DeliveryReport) -> None:
    stdout.print(f"digest: {report.summary_line()}", markup=False, highlight=False, soft_wrap=True)
    if report.failures:
        for line in report.failures[1:]:
            stderr.print(f"not delivered: {line}", markup=False, highlight=False, soft_wrap=True)
        more = f" (and {len(report.failures) - 1} more)" if len(report.failures) > 1 else ""
        retry = "; deferred items are retried on a later run" if report.deferred else ""
        raise click.ClickException(f"not delivered: {report.failures[0]}{more}{retry}")
