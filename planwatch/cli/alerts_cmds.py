"""Commands for the people who receive digests: ``subscribers ...`` and ``digest``."""

from __future__ import annotations

from pathlib import Path

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
    list_subscribers,
    pause_subscriber,
    remove_subscriber,
    resume_subscriber,
)
from alerts.transport import SmtpConfigError
from extractors.topics import FAMILY_NAMES
from planwatch.records import EVENT_TYPES

stdout = Console()
stderr = Console(stderr=True)

LIST_HELP = "repeat the option or separate values with commas"


def _session(app):
    return app.database().session()


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
) -> None:
    """Subscribe EMAIL. Without filters it receives everything.

    Places are matched if either the province or the municipality is listed; all
    kinds of filter given must match.
    """
    try:
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
            filters = _filters_text(s.provinces, s.municipalities, s.events, s.keywords, s.families)
            summary = f"subscribed {s.email} ({s.frequency}, {s.language}; {filters})"
    except SubscriberError as exc:
        raise click.ClickException(str(exc)) from None
    stdout.print(summary, markup=False, highlight=False, soft_wrap=True)


@subscribers.command("list")
@click.pass_obj
def list_(app) -> None:
    """Show every subscriber, its filters, what is pending and any permanent delivery failure."""
    with _session(app) as session:
        rows = list_subscribers(session)
    if not rows:
        stdout.print("no subscribers yet (the configured digest.recipients are added on the first run)")
        return
    stdout.print(_table(rows))
    failing = [r for r in rows if r.permanent_failure]
    if failing:
        stdout.print(
            "permanent delivery failures (fix the address, then `subscribers resume`):", markup=False
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


def _table(rows: list[SubscriberRow]) -> Table:
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
            status.append(f"\nlast {r.last_sent:%Y-%m-%d}", style="dim")
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
    """Send to EMAIL again (also clears a recorded permanent failure)."""
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
