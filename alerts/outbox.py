"""The outbox in the database: deliveries queued once, claimed for a message, marked once.

A Delivery is one (subscriber, item) pair and moves through

    queued ──claim──► sending ──accepted──► sent
       ▲                 │
       └──── deferred ◄──┤ (4xx, server down: attempts+1, next_attempt_at with backoff)
                         └──── refused (5xx) ──► failed

Claiming writes the OutgoingMessage (status ``prepared``, with its Message-ID) and
moves the deliveries to ``sending`` in one transaction, *before* the message is
handed over; the claim is a conditional UPDATE, so two processes can never both
claim the same delivery. ``recover_in_flight`` settles what a crashed run left in
``sending``: delivered if the transport can prove it (the .eml exists), requeued if
it can prove the opposite, and otherwise marked sent-but-unconfirmed, never sent
again (see docs/alerts.md for this one ambiguous window).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.digest import build_entries
from alerts.filters import matches
from alerts.labels import DEFAULT_LANGUAGE
from alerts.subscribers import filters_of
from planwatch.config import Config, parse_duration
from storage.models import Article, Delivery, DigestItem, OutgoingMessage, Plan, Subscriber

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(days=1)
MIN_IN_FLIGHT_GRACE = timedelta(minutes=10)
CHUNK = 500
ERROR_CHARS = 500
UNCONFIRMED_NOTE = "handed to the server by a run that stopped before the reply was recorded; not sent again"


IN_DOUBT_DAYS = 30  # how long a message that may not have arrived is named by ``status``
RESENT_NOTE = "sent again by the operator (planwatch digest --resend)"
ITEM_LABEL_CHARS = 200


class LostRace(Exception):
    """Another process claimed some of these deliveries first."""


@dataclass
class Recovery:
    """What ``recover_in_flight`` did with messages a previous run left unfinished."""

    delivered: int = 0  # proven delivered (the file exists): marked sent
    requeued: int = 0  # proven not delivered: queued again
    unconfirmed: int = 0  # maybe delivered: marked sent, never sent again
    waiting: int = 0  # too recent to judge: perhaps another process is sending it
    items: int = 0  # deliveries of the proven-delivered messages


@dataclass
class InDoubt:
    """A message that may not have reached its subscriber: in flight when its run stopped, or unconfirmed."""

    subscriber: str
    message_id: str
    state: str  # "in flight" (claimed, never marked) | "unconfirmed" (settled as sent, not proven)
    since: datetime
    items: list[tuple[int, str, str]]  # (digest item id, kind, what it was about)

    def to_json(self) -> dict[str, Any]:
        return {
            "subscriber": self.subscriber,
            "message_id": self.message_id,
            "state": self.state,
            "since": self.since.isoformat() + "+00:00",
            "items": [{"id": i, "kind": k, "about": about} for i, k, about in self.items],
        }


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def backoff(config: Config, attempts: int) -> timedelta:
    """``retry_after`` doubled for each failed attempt after the first, at most a day."""
    first = timedelta(seconds=parse_duration(config.digest.retry_after))
    return min(first * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def in_flight_grace(config: Config) -> timedelta:
    """How long a claimed message may legitimately be in another process's hands."""
    return max(MIN_IN_FLIGHT_GRACE, timedelta(seconds=4 * config.smtp.timeout))


def active_subscribers(session: Session) -> list[Subscriber]:
    return list(
        session.scalars(
            select(Subscriber)
            .where(
                Subscriber.active.is_(True),
                Subscriber.state == "confirmed",  # nothing goes to an address not yet confirmed
                Subscriber.permanent_failure.is_(None),
            )
            .order_by(Subscriber.id)
        )
    )


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount or 0


def insert_deliveries(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert-or-ignore on (subscriber, item): a pair already queued stays as it is."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        from sqlalchemy.dialects import postgresql, sqlite

        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        inserted = 0
        for chunk in _chunks(rows):
            stmt = (
                insert(Delivery)
                .values(list(chunk))
                .on_conflict_do_nothing(index_elements=["subscriber_id", "item_id"])
            )
            inserted += _rowcount(session.execute(stmt))
        return inserted
    inserted = 0
    for row in rows:  # any other database: one savepoint per row
        try:
            with session.begin_nested():
                session.add(Delivery(**row))
            inserted += 1
        except IntegrityError:
            pass
    return inserted


def queue_new_items(session: Session, now: datetime) -> int:
    """Fan every item not yet queued out to the active subscribers whose filters match it.

    Returns the number of deliveries created. An item is fanned out once: a
    subscriber added later receives what is found after it subscribed, not the past.
    """
    items = list(
        session.scalars(select(DigestItem).where(DigestItem.queued_at.is_(None)).order_by(DigestItem.id))
    )
    if not items:
        return 0
    subscribers = active_subscribers(session)
    entries = build_entries(session, items, DEFAULT_LANGUAGE)
    rows: list[dict[str, Any]] = []
    for item in items:
        entry = entries.get(item.id)
        if entry is None:
            continue
        for subscriber in subscribers:
            if matches(filters_of(subscriber), entry):
                rows.append(
                    {
                        "subscriber_id": subscriber.id,
                        "item_id": item.id,
                        "status": "queued",
                        "attempts": 0,
                        "created_at": now,
                    }
                )
    inserted = insert_deliveries(session, rows)
    for chunk in _chunks([i.id for i in items]):
        session.execute(
            update(DigestItem)
            .where(DigestItem.id.in_(list(chunk)), DigestItem.queued_at.is_(None))
            .values(queued_at=now)
            .execution_options(synchronize_session=False)
        )
    return inserted


def due_deliveries(
    session: Session, subscriber_id: int, now: datetime, *, ignore_backoff: bool = False
) -> list[Delivery]:
    query = select(Delivery).where(Delivery.subscriber_id == subscriber_id, Delivery.status == "queued")
    if not ignore_backoff:
        query = query.where(or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
    return list(session.scalars(query.order_by(Delivery.id)))


def claim(
    session: Session,
    delivery_ids: Sequence[int],
    *,
    message_id: str,
    subscriber_id: int,
    transport: str,
    path: Path | None,
    subject: str,
    now: datetime,
) -> None:
    """Record the message and move its deliveries to ``sending``, or raise LostRace."""
    claimed = _rowcount(
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(list(delivery_ids)), Delivery.status == "queued")
            .values(status="sending", message_id=message_id)
            .execution_options(synchronize_session=False)
        )
    )
    if claimed != len(delivery_ids):
        raise LostRace(f"{len(delivery_ids) - claimed} deliveries were claimed by another process")
    session.add(
        OutgoingMessage(
            message_id=message_id,
            subscriber_id=subscriber_id,
            status="prepared",
            transport=transport,
            path=str(path) if path else None,
            subject=subject,
            created_at=now,
        )
    )


def _message(session: Session, message_id: str) -> OutgoingMessage | None:
    return session.scalars(select(OutgoingMessage).where(OutgoingMessage.message_id == message_id)).first()


def _sending(session: Session, message_id: str) -> list[Delivery]:
    return list(
        session.scalars(
            select(Delivery).where(Delivery.message_id == message_id, Delivery.status == "sending")
        )
    )


def mark_sent(
    session: Session, message_id: str, now: datetime, *, note: str | None = None, status: str = "sent"
) -> int:
    """The server accepted (or the file exists): message and deliveries are done. Returns items marked."""
    message = _message(session, message_id)
    if message is not None:
        message.status = status
        message.sent_at = now
        message.error = note
    deliveries = _sending(session, message_id)
    for d in deliveries:
        d.status = "sent"
        d.sent_at = now
        d.error = note
    return len(deliveries)


def defer(
    session: Session,
    message_id: str | None,
    config: Config,
    now: datetime,
    error: str,
    delivery_ids: Sequence[int] = (),
) -> int:
    """Not delivered this time: back to ``queued`` with attempts+1 and a later next attempt.

    With a message id, its claimed deliveries; with ``delivery_ids``, still-queued
    ones that this run had no chance to try. Returns the number of deliveries deferred.
    """
    error = error[:ERROR_CHARS]
    deliveries: list[Delivery] = []
    if message_id is not None:
        message = _message(session, message_id)
        if message is not None:
            message.status = "failed"
            message.error = error
        deliveries = _sending(session, message_id)
    if delivery_ids:
        deliveries += list(
            session.scalars(
                select(Delivery).where(Delivery.id.in_(list(delivery_ids)), Delivery.status == "queued")
            )
        )
    for d in deliveries:
        d.status = "queued"
        d.message_id = None
        d.attempts = (d.attempts or 0) + 1
        d.next_attempt_at = now + backoff(config, d.attempts)
        d.error = error
    return len(deliveries)


def fail(
    session: Session, message_id: str, subscriber_id: int, now: datetime, error: str, *, address_refused: bool
) -> int:
    """Refused for good (5xx): deliveries failed; a refused address is recorded on the subscriber."""
    error = error[:ERROR_CHARS]
    message = _message(session, message_id)
    if message is not None:
        message.status = "failed"
        message.error = error
    deliveries = _sending(session, message_id)
    for d in deliveries:
        d.status = "failed"
        d.attempts = (d.attempts or 0) + 1
        d.error = error
    if address_refused:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is not None:
            subscriber.permanent_failure = f"{now:%Y-%m-%d %H:%M} UTC {error}"
    return len(deliveries)


def release_claim(session: Session, message_id: str, reason: str) -> None:
    """Give a claimed message's deliveries back to the queue untried (no attempt counted)."""
    message = _message(session, message_id)
    if message is not None:
        _requeue(session, message, reason[:ERROR_CHARS])


def drop_unrenderable(session: Session, delivery_ids: Sequence[int], reason: str) -> None:
    """Items whose plan or article is gone cannot be told: failed, with the reason."""
    for d in session.scalars(
        select(Delivery).where(Delivery.id.in_(list(delivery_ids)), Delivery.status == "queued")
    ):
        d.status = "failed"
        d.error = reason[:ERROR_CHARS]


def recover_in_flight(session: Session, config: Config, now: datetime) -> Recovery:
    """Settle messages a previous run claimed but never marked (it crashed or was killed)."""
    report = Recovery()
    grace = in_flight_grace(config)
    for message in session.scalars(select(OutgoingMessage).where(OutgoingMessage.status == "prepared")):
        delivered = _provably_delivered(message)
        if delivered is True:
            report.items += mark_sent(session, message.message_id, now)
            report.delivered += 1
            log.info("message %s was written before the last run stopped: marked sent", message.message_id)
            continue
        if now - message.created_at < grace:
            report.waiting += 1
            continue
        if delivered is False:
            _requeue(session, message, "the previous run stopped before delivering it")
            report.requeued += 1
        else:
            mark_sent(
                session,
                message.message_id,
                now,
                note=UNCONFIRMED_NOTE,
                status="unconfirmed",
            )
            report.unconfirmed += 1
            log.warning(
                "message %s to subscriber %s may or may not have been accepted (the sending run stopped);"
                " it is not sent again",
                message.message_id,
                message.subscriber_id,
            )
    # deliveries left in ``sending`` without any message row (should not happen): queue them again
    orphans = session.scalars(
        select(Delivery)
        .outerjoin(OutgoingMessage, OutgoingMessage.message_id == Delivery.message_id)
        .where(Delivery.status == "sending", OutgoingMessage.id.is_(None))
    ).all()
    for d in orphans:
        d.status = "queued"
        d.message_id = None
        report.requeued += 1
    return report


def messages_in_doubt(session: Session, now: datetime, subscriber_id: int | None = None) -> list[InDoubt]:
    """SMTP messages of the last ``IN_DOUBT_DAYS`` that may not have arrived, with their items."""
    query = (
        select(OutgoingMessage, Subscriber.email)
        .join(Subscriber, Subscriber.id == OutgoingMessage.subscriber_id)
        .where(
            OutgoingMessage.status.in_(("prepared", "unconfirmed")),
            OutgoingMessage.transport != "file",
            OutgoingMessage.created_at >= now - timedelta(days=IN_DOUBT_DAYS),
        )
        .order_by(OutgoingMessage.created_at)
    )
    if subscriber_id is not None:
        query = query.where(OutgoingMessage.subscriber_id == subscriber_id)
    found = []
    for message, email in session.execute(query).all():
        state = "in flight" if message.status == "prepared" else "unconfirmed"
        found.append(InDoubt(email, message.message_id, state, message.created_at, _items_of(session, message)))
    return found


def _items_of(session: Session, message: OutgoingMessage) -> list[tuple[int, str, str]]:
    rows = session.execute(
        select(DigestItem.id, DigestItem.kind, Plan.municipality, Plan.title, Article.title)
        .join(Delivery, Delivery.item_id == DigestItem.id)
        .outerjoin(Plan, Plan.id == DigestItem.plan_id)
        .outerjoin(Article, Article.id == DigestItem.article_id)
        .where(Delivery.message_id == message.message_id)
        .order_by(DigestItem.id)
    ).all()
    items = []
    for item_id, kind, municipality, plan_title, article_title in rows:
        about = " ".join(p for p in (municipality, plan_title) if p) or article_title or f"item {item_id}"
        items.append((item_id, kind, about[:ITEM_LABEL_CHARS]))
    return items


def requeue_for_resend(session: Session, subscriber_id: int, now: datetime) -> list[InDoubt]:
    """The operator's resend: the deliveries of this subscriber's messages in doubt are queued again."""
    in_doubt = messages_in_doubt(session, now, subscriber_id)
    for found in in_doubt:
        message = _message(session, found.message_id)
        if message is not None:
            message.status = "resent"
            message.error = RESENT_NOTE
        for d in session.scalars(select(Delivery).where(Delivery.message_id == found.message_id)):
            d.status = "queued"
            d.message_id = None
            d.sent_at = None
            d.next_attempt_at = None
            d.error = RESENT_NOTE
    return in_doubt


def _provably_delivered(message: OutgoingMessage) -> bool | None:
    if message.transport == "file":
        return message.path is not None and Path(message.path).is_file()
    return None


def _requeue(session: Session, message: OutgoingMessage, reason: str) -> None:
    message.status = "failed"
    message.error = reason
    for d in _sending(session, message.message_id):
        d.status = "queued"
        d.message_id = None
        d.error = reason
