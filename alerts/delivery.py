"""Sending digests: queue what is new, build one message per subscriber, hand it over, mark it.

``send_pending`` is the one entry point the command line, the pipeline and the
scheduler share:

1. queue: configured recipients become subscribers if there are none; every new
   digest item is fanned out to the subscribers whose filters match (outbox);
2. recover: messages a crashed run left half-done are settled (outbox);
3. for each subscriber that is due, its due deliveries become one digest
   (digest → render → mime), recorded with its Message-ID before it is handed to
   the transport, then marked sent, deferred or failed by what the transport said.

``immediate`` and ``run`` subscribers are due whenever a run ends
(``queue_and_send_immediate``, called by replay and crawl): an immediate subscriber
gets one message per new plan or update, a run subscriber (the configured
recipients) one digest listing everything the run found. ``daily``/``weekly`` subscribers are due when
the scheduler (or ``planwatch digest --send``) asks for their frequency. A
deferred message of any subscriber is retried by the first run after its backoff.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from alerts.channels import ChannelTransport, channel_text, is_channel_address, sync_channels
from alerts.digest import Digest, build_digest
from alerts.identity import MailIdentity, SenderError, mail_identity
from alerts.mime import build_message, message_bytes, recipient_address
from alerts.operator import operator_alert_due, send_operator_alert
from alerts.outbox import (
    LostRace,
    Recovery,
    active_subscribers,
    claim,
    defer,
    drop_unrenderable,
    due_deliveries,
    fail,
    mark_sent,
    queue_new_items,
    recover_in_flight,
    release_claim,
    requeue_for_resend,
)
from alerts.render import RenderedDigest, RenderError, render_digest
from alerts.subscribers import FREQUENCIES, SubscriberError, ensure_default_subscribers, find_subscriber
from alerts.transport import (
    MessageTooLarge,
    OutgoingEnvelope,
    PermanentFailure,
    SmtpConfigError,
    TemporaryFailure,
    Transport,
    TransportUnavailable,
    transport_from_config,
)
from planwatch.config import Config
from storage.models import Delivery, DigestItem, Subscriber, utcnow

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one sending run did; ``summary_line`` is what the commands print."""

    messages_sent: int = 0  # accepted by the SMTP server
    messages_written: int = 0  # written as .eml files
    items: int = 0  # deliveries marked sent
    queued: int = 0  # deliveries queued by this run
    deferred: int = 0  # messages kept for a later attempt
    failed: int = 0  # messages refused for good
    recovered: Recovery = field(default_factory=Recovery)
    failures: list[str] = field(default_factory=list)
    operator_mails: int = 0  # source health mailed to [alerts] operator
    notifications: int = 0  # messages handed to [[channel]] services
    refused: list[str] = field(default_factory=list)  # recipients whose message was refused for good
    deferred_to: list[str] = field(default_factory=list)  # recipients whose message waits for a retry

    @property
    def messages(self) -> int:
        return self.messages_sent + self.messages_written

    def summary_line(self) -> str:
        parts = []
        if self.messages_sent:
            parts.append(f"{self.messages_sent} sent")
        if self.messages_written:
            parts.append(f"{self.messages_written} written to the outbox")
        if self.notifications:
            parts.append(f"{self.notifications} channel notifications")
        if not parts:
            parts.append("nothing to send")
        else:
            parts.append(f"{self.items} items")
        if self.deferred:
            parts.append(f"{self.deferred} deferred{_names(self.deferred_to)}")
        if self.failed:
            parts.append(f"{self.failed} refused{_names(self.refused)}")
        if self.operator_mails:
            parts.append("source health sent to the operator")
        if self.recovered.unconfirmed:
            parts.append(f"{self.recovered.unconfirmed} unconfirmed from an interrupted run")
        return ", ".join(parts)

    # kept short for callers that want the one line under another name
    summary = summary_line


def _names(addresses: list[str], shown: int = 3) -> str:
    """`` (a@x.kr, b@y.kr and 2 more)``: who it was, in a summary line."""
    unique = list(dict.fromkeys(addresses))
    if not unique:
        return ""
    more = f" and {len(unique) - shown} more" if len(unique) > shown else ""
    return f" ({', '.join(unique[:shown])}{more})"


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    name: str | None
    language: str
    frequency: str


@dataclass
class Batch:
    recipient: Recipient
    delivery_ids: list[int]
    item_ids: list[int]


def to_utc_naive(value: datetime | None) -> datetime:
    """Timestamps in the database are naive UTC."""
    if value is None:
        return utcnow()
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def local_time(now: datetime, config: Config) -> datetime:
    return now.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(config.digest.timezone))


def prepare_queue(db, config: Config, now: datetime) -> int:
    """Default subscribers and the configured channels, then fan-out of new items; returns deliveries queued."""
    with db.session() as session:
        ensure_default_subscribers(session, config, now)
        sync_channels(session, config)
        return queue_new_items(session, now)


def _recipient(s: Subscriber) -> Recipient:
    return Recipient(s.id, s.email, s.name, s.language, s.frequency)


def due_batches(
    db,
    now: datetime,
    *,
    frequencies: Iterable[str],
    subscriber_email: str | None = None,
    ignore_backoff: bool = False,
    immediate_cap: int | None = None,
) -> list[Batch]:
    """One batch per subscriber with something due.

    A subscriber whose frequency is asked for gets all its due deliveries; any
    other subscriber only its retries (deliveries that failed before and whose
    backoff has passed), so a failed daily digest does not wait for tomorrow.
    """
    wanted = set(frequencies)
    batches: list[Batch] = []
    with db.session() as session:
        subscribers = active_subscribers(session)
        if subscriber_email is not None:
            target = find_subscriber(session, subscriber_email)
            if target is None:
                raise SubscriberError(f"{subscriber_email} is not subscribed")
            subscribers = [s for s in subscribers if s.id == target.id]
        for s in subscribers:
            due = due_deliveries(session, s.id, now, ignore_backoff=ignore_backoff)
            if s.frequency not in wanted:
                due = [d for d in due if d.attempts > 0]
            if s.frequency == "immediate":  # one message per new plan or update, up to the cap
                news, backfilled = split_backfilled(session, due)
                single, rest = (news, []) if immediate_cap is None else (news[:immediate_cap], news[immediate_cap:])
                batches.extend(Batch(_recipient(s), [d.id], [d.item_id]) for d in single)
                rest = backfilled + rest  # beyond the cap, and what a new subscriber starts with: one digest
                if rest:
                    batches.append(Batch(_recipient(s), [d.id for d in rest], [d.item_id for d in rest]))
            elif due:
                batches.append(Batch(_recipient(s), [d.id for d in due], [d.item_id for d in due]))
    return batches


def split_backfilled(session, due: list[Delivery]) -> tuple[list[Delivery], list[Delivery]]:
    """(found by a run, queued later by a backfill): a backfilled delivery was made after its item's fan-out."""
    if not due:
        return [], []
    fanned = dict(
        session.execute(
            select(DigestItem.id, DigestItem.queued_at).where(DigestItem.id.in_([d.item_id for d in due]))
        ).all()
    )
    news: list[Delivery] = []
    backfilled: list[Delivery] = []
    for d in due:
        queued_at = fanned.get(d.item_id)
        (backfilled if queued_at is not None and d.created_at > queued_at else news).append(d)
    return news, backfilled


def _items(session, item_ids: list[int]) -> list[DigestItem]:
    return list(
        session.scalars(select(DigestItem).where(DigestItem.id.in_(item_ids)).order_by(DigestItem.id))
    )


def compose(db, config: Config, batch: Batch, now: datetime) -> tuple[Digest, RenderedDigest] | None:
    """The digest and its rendering for one batch; None (and the deliveries dropped) if nothing is left.

    A digest whose HTML would pass ``alerts.max_digest_bytes`` (Gmail clips at about
    102 KB, cutting off the footer) keeps its first entries and says how many more
    follow; the batch then holds only the deliveries shown, the others stay queued.
    """
    day = local_time(now, config).date()
    with db.session() as session:
        subscriber = session.get(Subscriber, batch.recipient.id)
        digest = (
            build_digest(session, subscriber, _items(session, batch.item_ids), config, now=now, day=day)
            if subscriber is not None
            else None
        )
        if digest is None:
            drop_unrenderable(
                session, batch.delivery_ids, "the plan or article of this item no longer exists"
            )
            return None
    add_subscription_links(digest, config, batch.recipient)
    digest.more_url = f"{config.web.base_url}/" if config.web.base_url else None  # the plan list
    rendered = fit_to_size(digest, config)
    shown = set(digest.item_ids)
    if len(shown) < len(batch.item_ids):
        kept = [(d, i) for d, i in zip(batch.delivery_ids, batch.item_ids, strict=True) if i in shown]
        batch.delivery_ids = [d for d, _ in kept]
        batch.item_ids = [i for _, i in kept]
    return digest, rendered


def fit_to_size(digest: Digest, config: Config) -> RenderedDigest:
    """Render; while the HTML is over the limit, keep fewer entries (at least one)."""
    limit = config.alerts.max_digest_bytes
    rendered = render_digest(digest, config.digest.template_dir)
    size = len(rendered.html.encode("utf-8"))
    while size > limit and len(digest.entries) > 1:
        count = len(digest.entries)
        estimate = int(count * limit / size * 0.95)  # entries are about the same size
        digest.keep_first(max(1, min(count - 1, estimate)))
        rendered = render_digest(digest, config.digest.template_dir)
        size = len(rendered.html.encode("utf-8"))
    return rendered


def add_subscription_links(digest: Digest, config: Config, recipient: Recipient) -> None:
    """The signed manage and one-click unsubscribe links, when ``[web] base_url`` is set."""
    if not config.web.base_url:
        return
    from web.tokens import subscription_links

    links = subscription_links(config, recipient.id, recipient.email)
    if links is not None:
        digest.manage_url, digest.unsubscribe_url = links.manage, links.unsubscribe


def send_pending(
    db,
    config: Config,
    outbox_dir: Path | str,
    *,
    now: datetime | None = None,
    frequencies: Iterable[str] = FREQUENCIES,
    subscriber_email: str | None = None,
    ignore_backoff: bool = False,
    transport: Transport | None = None,
    env: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
    abort: threading.Event | None = None,
    one_click_url: Callable[[str], str | None] | None = None,
) -> DeliveryReport:
    """Queue new items and send every due subscriber its digest; never sends a delivery twice.

    ``stop`` set: no further message is started (the rest stays queued); ``abort`` set:
    the message being sent is cut off too (deferred, as a lost connection).
    ``one_click_url(email)``: the recipient's https one-click unsubscribe link, put first in
    List-Unsubscribe with List-Unsubscribe-Post (RFC 8058); without it (and without the web
    desk's signed link of ``[web] base_url``), the mailto only.
    """
    now = to_utc_naive(now)
    report = DeliveryReport()
    report.queued = prepare_queue(db, config, now)
    with db.session() as session:
        report.recovered = recover_in_flight(session, config, now)
        report.items += report.recovered.items
    batches = due_batches(
        db,
        now,
        frequencies=frequencies,
        subscriber_email=subscriber_email,
        ignore_backoff=ignore_backoff,
        immediate_cap=config.alerts.immediate_cap,
    )
    alert = operator_alert_due(db, config, now) if subscriber_email is None else None
    if not batches and alert is None:
        return report
    own_transport = transport is None
    if transport is None:
        try:
            transport = transport_from_config(config, outbox_dir, env)
        except SmtpConfigError as exc:
            report.failures.append(str(exc))
            return report
    try:
        identity = mail_identity(config, relay=transport.name != "file", one_click=one_click_url)
    except SenderError as exc:  # nothing claimed: everything stays queued
        report.failures.append(str(exc))
        if own_transport:
            transport.close()
        return report
    try:
        with aborting(transport, abort):
            _send_batches(db, config, transport, identity, batches, now, report, stop)
            if alert is not None and not (stop is not None and stop.is_set()):
                delivered, problems = send_operator_alert(db, config, transport, identity, alert, now)
                report.operator_mails += delivered
                report.failures.extend(problems)
    finally:
        if own_transport:
            transport.close()
    return report


ABORT_POLL_SECONDS = 0.2


@contextmanager
def aborting(transport: Transport, abort: threading.Event | None) -> Iterator[None]:
    """While the block runs, ``abort`` being set cuts the transport's connection (if it has one)."""
    cut = getattr(transport, "abort", None)
    if abort is None or cut is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(ABORT_POLL_SECONDS):
            if abort.is_set():
                cut()
                return

    watcher = threading.Thread(target=watch, name="delivery-abort", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def remainder(whole: Batch, shown: Batch) -> Batch | None:
    """The deliveries of ``whole`` that ``shown`` (a digest kept under its size) left out, or None."""
    kept = set(shown.delivery_ids)
    pairs = [(d, i) for d, i in zip(whole.delivery_ids, whole.item_ids, strict=True) if d not in kept]
    if not pairs:
        return None
    return Batch(whole.recipient, [d for d, _ in pairs], [i for _, i in pairs])


def split(batch: Batch) -> list[Batch]:
    """A batch too large for one message as two halves (their messages are each about half the size)."""
    half = len(batch.delivery_ids) // 2
    return [
        Batch(batch.recipient, batch.delivery_ids[:half], batch.item_ids[:half]),
        Batch(batch.recipient, batch.delivery_ids[half:], batch.item_ids[half:]),
    ]


def too_large(db, batch: Batch, size: int, limit: int, report: DeliveryReport) -> list[Batch]:
    """A message over ``mail.max_message_bytes``: split it, or refuse the one item that is too big alone."""
    if len(batch.delivery_ids) > 1:
        log.info("the digest to %s is %d bytes, over %d (mail.max_message_bytes): split in two",
                 batch.recipient.email, size, limit)
        return split(batch)
    reason = f"message refused ({size} bytes): over mail.max_message_bytes ({limit} bytes)"
    with db.session() as session:
        drop_unrenderable(session, batch.delivery_ids, reason)
    report.failed += 1
    report.failures.append(f"{batch.recipient.email}: {reason}")
    return []


def _send_batches(
    db,
    config: Config,
    transport: Transport,
    identity: MailIdentity,
    batches: list[Batch],
    now: datetime,
    report: DeliveryReport,
    stop: threading.Event | None = None,
) -> None:
    sender = identity.sender
    limit = config.mail.max_message_bytes
    mail_transport = transport
    channels = ChannelTransport(config.channel)
    skipped: set[int] = set()  # mail batches already deferred because the mail server is unavailable
    todo = deque(batches)
    while todo:
        if stop is not None and stop.is_set():
            left = sum(len(b.delivery_ids) for b in todo if id(b) not in skipped)
            report.failures.append(f"stopping: {left} deliveries left queued for the next run")
            return
        batch = todo.popleft()
        if id(batch) in skipped:
            continue
        to_channel = is_channel_address(batch.recipient.email)
        transport = channels if to_channel else mail_transport
        whole = Batch(batch.recipient, list(batch.delivery_ids), list(batch.item_ids))
        try:
            composed = compose(db, config, batch, now)
        except RenderError as exc:
            report.failures.append(str(exc))
            return  # a broken template breaks every message: leave everything queued
        if composed is None:
            continue
        digest, rendered = composed
        left_out = remainder(whole, batch)
        if left_out is not None:  # a digest cut to alerts.max_digest_bytes: the rest follows in the next message
            todo.appendleft(left_out)
        recipient = recipient_address(batch.recipient.email, batch.recipient.name)
        message_id = identity.new_message_id()
        message = build_message(
            sender=sender,
            recipient=recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=message_id,
            date=local_time(now, config),
            language=batch.recipient.language,
            list_headers=identity.headers_for(recipient.addr_spec, digest.unsubscribe_url),
            reply_to=identity.reply_to,
        )
        size = len(message_bytes(message))
        if size > limit:
            todo.extendleft(reversed(too_large(db, batch, size, limit, report)))
            continue
        path = transport.path_for(message_id, batch.recipient.email, local_time(now, config))
        try:
            with db.session() as session:
                claim(
                    session,
                    batch.delivery_ids,
                    message_id=message_id,
                    subscriber_id=batch.recipient.id,
                    transport=transport.name,
                    path=path,
                    subject=rendered.subject,
                    now=now,
                )
        except LostRace as exc:
            log.info("skipping %s: %s", batch.recipient.email, exc)
            continue
        body = channel_text(digest) if to_channel else rendered.html  # a chat gets short text
        envelope = OutgoingEnvelope(message, body, identity.envelope_sender, recipient.addr_spec, message_id, path)
        try:
            transport.send(envelope)
        except TransportUnavailable as exc:
            _deferred(db, config, now, report, message_id, f"{batch.recipient.email}: {exc}")
            report.deferred_to.append(batch.recipient.email)
            later_mail = [b for b in todo if not is_channel_address(b.recipient.email) and id(b) not in skipped]
            rest = [d for later in later_mail for d in later.delivery_ids]
            if rest and not (stop is not None and stop.is_set()):
                with db.session() as session:
                    defer(session, None, config, now, str(exc), delivery_ids=rest)
                report.deferred += len(later_mail)
                report.deferred_to.extend(later.recipient.email for later in later_mail)
            skipped.update(id(b) for b in later_mail)
            continue  # no more mail in this run; channels go on
        except MessageTooLarge as exc:
            if len(batch.delivery_ids) > 1:  # the server's limit is lower than ours: smaller messages
                with db.session() as session:
                    release_claim(session, message_id, f"split in two: {exc}")
                log.info("%s: %s; sending it in two parts", batch.recipient.email, exc)
                todo.extendleft(reversed(split(batch)))
                continue
            _failed(db, now, report, batch, message_id, exc)
            continue
        except PermanentFailure as exc:
            _failed(db, now, report, batch, message_id, exc)
            continue
        except TemporaryFailure as exc:
            _deferred(db, config, now, report, message_id, f"{batch.recipient.email}: {exc}")
            report.deferred_to.append(batch.recipient.email)
            continue
        except Exception as exc:  # a bug or an unforeseen library error: keep the items, say so
            log.exception("sending to %s failed unexpectedly", batch.recipient.email)
            _deferred(
                db, config, now, report, message_id, f"{batch.recipient.email}: {type(exc).__name__}: {exc}"
            )
            report.deferred_to.append(batch.recipient.email)
            continue
        with db.session() as session:
            report.items += mark_sent(session, message_id, now)
        if to_channel:
            report.notifications += 1
        elif transport.name == "file":
            report.messages_written += 1
        else:
            report.messages_sent += 1
        log.info("digest %s with %d items to %s", message_id, len(digest.item_ids), batch.recipient.email)


def _failed(db, now: datetime, report: DeliveryReport, batch: Batch, message_id: str, exc: PermanentFailure) -> None:
    with db.session() as session:
        fail(session, message_id, batch.recipient.id, now, str(exc), address_refused=exc.address_refused)
    report.failed += 1
    report.refused.append(batch.recipient.email)
    report.failures.append(f"{batch.recipient.email}: {exc}")


def _deferred(
    db, config: Config, now: datetime, report: DeliveryReport, message_id: str, reason: str
) -> None:
    with db.session() as session:
        defer(session, message_id, config, now, reason)
    report.deferred += 1
    report.failures.append(reason)


def queue_and_send_immediate(
    db,
    config: Config,
    outbox_dir: Path | str,
    now: datetime | None = None,
    *,
    transport: Transport | None = None,
    env: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
    abort: threading.Event | None = None,
) -> DeliveryReport:
    """End of a replay or crawl: queue what it found and send ``immediate`` subscribers (and due retries)."""
    return send_pending(
        db, config, outbox_dir, now=now, frequencies=("immediate", "run"), transport=transport, env=env,
        stop=stop, abort=abort,
    )


def resend(
    db,
    config: Config,
    outbox_dir: Path | str,
    subscriber_email: str,
    *,
    now: datetime | None = None,
    transport: Transport | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[int, DeliveryReport]:
    """Send a subscriber again the items of its messages in doubt (``planwatch digest --resend``).

    Returns the number of messages that were in doubt and the report of the sending run,
    which also sends whatever else is pending for that subscriber.
    """
    now = to_utc_naive(now)
    with db.session() as session:
        subscriber = find_subscriber(session, subscriber_email)
        if subscriber is None:
            raise SubscriberError(f"{subscriber_email} is not subscribed")
        in_doubt = requeue_for_resend(session, subscriber.id, now)
    if not in_doubt:
        return 0, DeliveryReport()
    report = send_pending(db, config, outbox_dir, now=now, subscriber_email=subscriber_email,
                          ignore_backoff=True, transport=transport, env=env)
    return len(in_doubt), report


def preview_digest(
    db,
    config: Config,
    *,
    subscriber_email: str | None = None,
    now: datetime | None = None,
) -> tuple[str, Digest, RenderedDigest] | None:
    """What the next digest would be for a subscriber, marking nothing sent.

    Everything the subscriber has queued is included, whatever its backoff. With no
    address, the first active subscriber that has something queued is shown.
    Returns (email, digest, rendering) or None when nothing is queued.
    """
    now = to_utc_naive(now)
    prepare_queue(db, config, now)
    batches = due_batches(
        db, now, frequencies=FREQUENCIES, subscriber_email=subscriber_email, ignore_backoff=True
    )
    people = [b for b in batches if not is_channel_address(b.recipient.email)]
    if not people:
        return None
    batch = people[0]
    day = local_time(now, config).date()
    with db.session() as session:
        subscriber = session.get(Subscriber, batch.recipient.id)
        digest = build_digest(session, subscriber, _items(session, batch.item_ids), config, now=now, day=day)
    if digest is None:
        return None
    digest.more_url = f"{config.web.base_url}/" if config.web.base_url else None  # the plan list
    return batch.recipient.email, digest, fit_to_size(digest, config)
