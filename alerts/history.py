"""The history digest: what `planwatch backfill` found, sent once to a subscriber who asks for it.

A backfill's digest items are never fanned out (``DigestItem.history``): nobody is
told years of news as if it were new. A subscriber who wants the past anyway gets
one message with every history item its filters match
(``planwatch digest --history --subscriber EMAIL``). Each item is queued for the
subscriber once (the outbox's unique (subscriber, item) pair), so asking again
sends only what a later backfill found since.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from alerts.delivery import Batch, DeliveryReport, _recipient, _send_batches, to_utc_naive
from alerts.digest import build_entries
from alerts.filters import matches
from alerts.identity import SenderError, mail_identity
from alerts.labels import DEFAULT_LANGUAGE
from alerts.outbox import insert_deliveries
from alerts.subscribers import SubscriberError, filters_of, find_subscriber
from alerts.transport import transport_from_config
from planwatch.config import Config
from storage.models import Delivery, DigestItem


def queue_history(session: Any, subscriber_id: int, now: datetime) -> list[int]:
    """Queue the history items the subscriber's filters match and it never got; their delivery ids."""
    from storage.models import Subscriber

    subscriber = session.get(Subscriber, subscriber_id)
    items = list(session.scalars(select(DigestItem).where(DigestItem.history.is_(True)).order_by(DigestItem.id)))
    entries = build_entries(session, items, DEFAULT_LANGUAGE)
    rows = [
        {"subscriber_id": subscriber_id, "item_id": item.id, "status": "queued", "attempts": 0, "created_at": now}
        for item in items
        if (entry := entries.get(item.id)) is not None and matches(filters_of(subscriber), entry)
    ]
    insert_deliveries(session, rows)
    history_ids = [item.id for item in items]
    return list(session.scalars(
        select(Delivery.id).where(Delivery.subscriber_id == subscriber_id, Delivery.status == "queued",
                                  Delivery.item_id.in_(history_ids or [-1])).order_by(Delivery.id)
    ))


def send_history_digest(db: Any, config: Config, outbox_dir: Path | str, email: str,
                        now: datetime | None = None) -> DeliveryReport:
    """One message to ``email`` with the history items it has not had yet; raises SubscriberError."""
    now = to_utc_naive(now)
    report = DeliveryReport()
    with db.session() as session:
        subscriber = find_subscriber(session, email)
        if subscriber is None:
            raise SubscriberError(f"{email} is not subscribed")
        recipient = _recipient(subscriber)
        delivery_ids = queue_history(session, subscriber.id, now)
        item_ids = list(session.scalars(select(Delivery.item_id).where(Delivery.id.in_(delivery_ids or [-1]))))
    report.queued = len(delivery_ids)
    if not delivery_ids:
        return report
    transport = transport_from_config(config, outbox_dir)
    try:
        identity = mail_identity(config, relay=transport.name != "file")
        _send_batches(db, config, transport, identity, [Batch(recipient, delivery_ids, item_ids)], now, report)
    except SenderError as exc:  # nothing claimed: the items stay queued
        report.failures.append(str(exc))
    finally:
        transport.close()
    return report
