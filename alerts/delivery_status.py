"""What the outbox says, for ``planwatch status``: sent lately, waiting for a retry, refused for good.

- **sent**: messages accepted (or written to the outbox directory) in the last day,
  and the newest one;
- **deferred**: per subscriber, the items waiting after a failed attempt, the next
  try and the last error;
- **failed**: per subscriber, the items refused for good with the server's reply,
  and addresses with a recorded permanent failure (nothing is queued for them);
- **unconfirmed**: messages an interrupted run may or may not have handed over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Delivery, OutgoingMessage, Subscriber

RECENT = timedelta(days=1)


@dataclass
class Waiting:
    email: str
    items: int
    next_try: datetime | None  # naive UTC
    error: str | None


@dataclass
class Refused:
    email: str
    items: int
    reply: str | None


@dataclass
class DeliveryOverview:
    sent_recently: int = 0
    last_sent: datetime | None = None
    queued: int = 0  # never tried yet
    deferred: list[Waiting] = field(default_factory=list)
    failed: list[Refused] = field(default_factory=list)
    unconfirmed: int = 0

    def to_json(self) -> dict[str, Any]:
        def utc(value: datetime | None) -> str | None:
            return value.replace(tzinfo=timezone.utc).isoformat() if value else None

        return {
            "sent_last_day": self.sent_recently,
            "last_sent": utc(self.last_sent),
            "queued": self.queued,
            "deferred": [
                {"email": w.email, "items": w.items, "next_try": utc(w.next_try), "error": w.error}
                for w in self.deferred
            ],
            "failed": [{"email": r.email, "items": r.items, "reply": r.reply} for r in self.failed],
            "unconfirmed": self.unconfirmed,
        }


def delivery_overview(session: Session, now: datetime) -> DeliveryOverview:
    """``now`` is naive UTC, like every stored time."""
    out = DeliveryOverview()
    out.sent_recently = int(
        session.scalar(
            select(func.count()).select_from(OutgoingMessage).where(
                OutgoingMessage.status == "sent", OutgoingMessage.sent_at >= now - RECENT
            )
        )
        or 0
    )
    out.last_sent = session.scalar(select(func.max(OutgoingMessage.sent_at)).where(OutgoingMessage.status == "sent"))
    out.unconfirmed = int(
        session.scalar(select(func.count()).select_from(OutgoingMessage).where(OutgoingMessage.status == "unconfirmed"))
        or 0
    )
    out.queued = int(
        session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status == "queued", Delivery.attempts == 0)
        )
        or 0
    )
    waiting = session.execute(
        select(Subscriber.email, func.count(), func.min(Delivery.next_attempt_at), func.max(Delivery.error))
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.status == "queued", Delivery.attempts > 0)
        .group_by(Subscriber.email)
        .order_by(Subscriber.email)
    ).all()
    out.deferred = [Waiting(email, int(n), next_try, error) for email, n, next_try, error in waiting]
    refused = session.execute(
        select(Subscriber.email, func.count(), func.max(Delivery.error))
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.status == "failed")
        .group_by(Subscriber.email)
        .order_by(Subscriber.email)
    ).all()
    out.failed = [Refused(email, int(n), reply) for email, n, reply in refused]
    named = {r.email for r in out.failed}
    for email, reply in session.execute(
        select(Subscriber.email, Subscriber.permanent_failure)
        .where(Subscriber.permanent_failure.is_not(None))
        .order_by(Subscriber.email)
    ).all():
        if email not in named:
            out.failed.append(Refused(email, 0, reply))
    return out
