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
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from alerts.digest import Digest, build_digest
from alerts.mime import build_message, message_bytes, new_message_id, recipient_address, sender_address
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
from storage.models import DigestItem, Subscriber, utcnow

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

    @property
    def messages(self) -> int:
        return self.messages_sent + self.messages_written

    def summary_line(self) -> str:
        parts = []
        if self.messages_sent:
            parts.append(f"{self.messages_sent} sent")
        if self.messages_written:
            parts.append(f"{self.messages_written} written to the outbox")
        if not parts:
            parts.append("nothing to send")
        else:
            parts.append(f"{self.items} items")
        if self.deferred:
            parts.append(f"{self.deferred} deferred")
        if self.failed:
            parts.append(f"{self.failed} refused")
        if self.recovered.unconfirmed:
            parts.append(f"{self.recovered.unconfirmed} unconfirmed from an interrupted run")
        return ", ".join(parts)

    # kept short for callers that want the one line under another name
    summary = summary_line


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
    """Default subscribers, then fan-out of new items; returns deliveries queued."""
    with db.session() as session:
        ensure_default_subscribers(session, config, now)
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
            if s.frequency == "immediate":  # one message per new plan or update
                batches.extend(Batch(_recipient(s), [d.id], [d.item_id]) for d in due)
            elif due:
                batches.append(Batch(_recipient(s), [d.id for d in due], [d.item_id for d in due]))
    return batches


def _items(session, item_ids: list[int]) -> list[DigestItem]:
    return list(
        session.scalars(select(DigestItem).where(DigestItem.id.in_(item_ids)).order_by(DigestItem.id))
    )


def compose(db, config: Config, batch: Batch, now: datetime) -> tuple[Digest, RenderedDigest] | None:
    """The digest and its rendering for one batch; None (and the deliveries dropped) if nothing is left."""
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
    return digest, render_digest(digest, config.digest.template_dir)


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
) -> DeliveryReport:
    """Queue new items and send every due subscriber its digest; never sends a delivery twice.

    ``stop`` set: no further message is started (the rest stays queued); ``abort`` set:
    the message being sent is cut off too (deferred, as a lost connection).
    """
    now = to_utc_naive(now)
    report = DeliveryReport()
    report.queued = prepare_queue(db, config, now)
    with db.session() as session:
        report.recovered = recover_in_flight(session, config, now)
        report.items += report.recovered.items
    batches = due_batches(
        db, now, frequencies=frequencies, subscriber_email=subscriber_email, ignore_backoff=ignore_backoff
    )
    if not batches:
        return report
    own_transport = transport is None
    if transport is None:
        try:
            transport = transport_from_config(config, outbox_dir, env)
        except SmtpConfigError as exc:
            report.failures.append(str(exc))
            return report
    try:
        with aborting(transport, abort):
            _send_batches(db, config, transport, batches, now, report, stop)
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
    batches: list[Batch],
    now: datetime,
    report: DeliveryReport,
    stop: threading.Event | None = None,
) -> None:
    sender = sender_address(config.smtp.sender)
    limit = config.mail.max_message_bytes
    todo = deque(batches)
    while todo:
        if stop is not None and stop.is_set():
            left = sum(len(b.delivery_ids) for b in todo)
            report.failures.append(f"stopping: {left} deliveries left queued for the next run")
            return
        batch = todo.popleft()
        try:
            composed = compose(db, config, batch, now)
        except RenderError as exc:
            report.failures.append(str(exc))
            return  # a broken template breaks every message: leave everything queued
        if composed is None:
            continue
        digest, rendered = composed
        recipient = recipient_address(batch.recipient.email, batch.recipient.name)
        message_id = new_message_id(sender)
        message = build_message(
            sender=sender,
            recipient=recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=message_id,
            date=local_time(now, config),
            language=batch.recipient.language,
            unsubscribe_url=digest.unsubscribe_url,
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
        envelope = OutgoingEnvelope(
            message, rendered.html, sender.addr_spec, recipient.addr_spec, message_id, path
        )
        try:
            transport.send(envelope)
        except TransportUnavailable as exc:
            _deferred(db, config, now, report, message_id, f"{batch.recipient.email}: {exc}")
            rest = [d for later in todo for d in later.delivery_ids]
            if rest and not (stop is not None and stop.is_set()):
                with db.session() as session:
                    defer(session, None, config, now, str(exc), delivery_ids=rest)
                report.deferred += len(todo)
            return
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
            continue
        except Exception as exc:  # a bug or an unforeseen library error: keep the items, say so
            log.exception("sending to %s failed unexpectedly", batch.recipient.email)
            _deferred(
                db, config, now, report, message_id, f"{batch.recipient.email}: {type(exc).__name__}: {exc}"
            )
            continue
        with db.session() as session:
            report.items += mark_sent(session, message_id, now)
        if transport.name == "file":
            report.messages_written += 1
        else:
            report.messages_sent += 1
        log.info("digest %s with %d items to %s", message_id, len(digest.item_ids), batch.recipient.email)


def _failed(db, now: datetime, report: DeliveryReport, batch: Batch, message_id: str, exc: PermanentFailure) -> None:
    with db.session() as session:
        fail(session, message_id, batch.recipient.id, now, str(exc), address_refused=exc.address_refused)
    report.failed += 1
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
    if not batches:
        return None
    batch = batches[0]
    day = local_time(now, config).date()
    with db.session() as session:
        subscriber = session.get(Subscriber, batch.recipient.id)
        digest = build_digest(session, subscriber, _items(session, batch.item_ids), config, now=now, day=day)
    if digest is None:
        return None
    return batch.recipient.email, digest, render_digest(digest, config.digest.template_dir)
