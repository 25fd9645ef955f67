"""What a new subscriber starts with, and what a filter would match before it is saved.

An item is fanned out to the subscribers of the moment it is found, so a new
subscriber would otherwise wait for the next plan to appear, with an empty first
digest and nothing saying why. ``backfill`` queues for it the stored plans (new and
updated) of the last N days that pass its filters (``alerts.backfill_days``, or
``subscribers add --backfill 30d``; 0 switches it off), through the same
insert-or-ignore as every other delivery, so nothing is queued twice.
``filter_matches`` is the same selection without storing anything: the preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.digest import Entry, build_entries, sort_entries
from alerts.filters import matches
from alerts.labels import DEFAULT_LANGUAGE
from alerts.outbox import insert_deliveries
from alerts.subscribers import SubscriberError, SubscriberFilters, filters_of
from storage.models import DigestItem, Subscriber

PLAN_KINDS: tuple[str, ...] = ("new_plan", "updated_plan")
_DAYS = {"d": 1, "w": 7}


def parse_days(value: str | int) -> int:
    """``30d`` / ``2w`` / ``30`` / ``0`` → days; anything else is refused in one line."""
    if isinstance(value, int):
        days = value
    else:
        text = value.strip().lower()
        unit = text[-1:] if text[-1:] in _DAYS else "d"
        number = text[:-1] if text[-1:] in _DAYS else text
        if not number.isdigit():
            raise SubscriberError(f"--backfill takes a number of days like 30d, 2w or 0, got {value!r}")
        days = int(number) * _DAYS[unit]
    if not 0 <= days <= 3650:
        raise SubscriberError(f"--backfill must be between 0 and 3650 days, got {days}")
    return days


@dataclass
class Match:
    item_id: int
    entry: Entry


def filter_matches(
    session: Session,
    filters: SubscriberFilters,
    *,
    days: int,
    now: datetime,
    language: str = DEFAULT_LANGUAGE,
    fanned_out_only: bool = False,
) -> list[Match]:
    """Stored plan items of the last ``days`` days that pass ``filters``, newest event first.

    ``fanned_out_only``: leave out items not queued yet (the next run fans them out to everyone).
    """
    if days <= 0:
        return []
    since = now - timedelta(days=days)
    query = select(DigestItem).where(DigestItem.kind.in_(PLAN_KINDS), DigestItem.created_at >= since)
    if fanned_out_only:
        query = query.where(DigestItem.queued_at.is_not(None))
    items = list(session.scalars(query.order_by(DigestItem.id)))
    entries = build_entries(session, items, language)
    kept = [entry for entry in entries.values() if matches(filters, entry)]
    return [Match(entry.item_id, entry) for entry in sort_entries(kept)]


def backfill(session: Session, subscriber: Subscriber, *, days: int, now: datetime) -> int:
    """Queue the matching stored plans for ``subscriber``; returns how many were queued."""
    found = filter_matches(
        session, filters_of(subscriber), days=days, now=now, language=subscriber.language, fanned_out_only=True
    )
    rows = [
        {"subscriber_id": subscriber.id, "item_id": m.item_id, "status": "queued", "attempts": 0, "created_at": now}
        for m in found
    ]
    return insert_deliveries(session, rows)
