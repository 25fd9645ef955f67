"""Subscribers: who receives digests, filtered how, how often and in which language.

Everything a user types about a subscriber is checked here before it is stored: the
address (email-validator, no DNS), places against the gazetteer, events against the
taxonomy, plan families against the configured ones (``[topics]``). A bad value is refused with one line naming it. Configured recipients
(``digest.recipients``) become ``immediate`` subscribers when the database has none,
so a fresh install writes its first digest without any set-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.addresses import SubscriberError, clean_text, normalize_email
from alerts.labels import LANGUAGES, STAGE_LABELS
from extractors.topics import FAMILY_NAMES
from planwatch.records import EVENT_TYPES
from storage.models import Delivery, Subscriber, utcnow

if TYPE_CHECKING:  # the configuration validates addresses with alerts.addresses: no import circle
    from planwatch.config import Config

# immediate: one message per new plan or update, as soon as a run finds it; run: one digest at
# the end of every crawl or replay (what the configured recipients get); daily / weekly: one
# digest at the scheduled time.
FREQUENCIES: tuple[str, ...] = ("immediate", "run", "daily", "weekly")
DEFAULT_FREQUENCY = "daily"
DEFAULT_LANGUAGE = "ko"

# ``[[channel]]`` rows (alerts.channels) are subscribers at this reserved domain; they are not people.
CHANNEL_DOMAIN = "channels.invalid"

MAX_KEYWORD = 100


@dataclass(frozen=True)
class SubscriberFilters:
    """A subscriber's filters, normalized: official place names, event codes, trimmed keywords."""

    provinces: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    families: tuple[str, ...] = ()


@dataclass
class SubscriberRow:
    """One line of ``planwatch subscribers list``."""

    email: str
    name: str | None
    frequency: str
    language: str
    active: bool
    filters: SubscriberFilters
    pending: int
    last_sent: datetime | None
    permanent_failure: str | None


def split_values(values: Iterable[str] | None) -> list[str]:
    """Repeated or comma-separated values: ``("경기도,전라남도", "시흥시")`` → three names."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return out


def _gazetteer():
    try:
        from extractors.gazetteer import normalize_municipality, normalize_province
    except ImportError:
        raise SubscriberError(
            "place filters need the gazetteer (extractors.gazetteer), which is not installed"
        ) from None
    return normalize_province, normalize_municipality


def _event_code(value: str) -> str | None:
    wanted = value.strip()
    if wanted in EVENT_TYPES:
        return wanted
    for labels in STAGE_LABELS.values():
        for code, label in labels.items():
            if wanted.casefold() == label.casefold():
                return code
    return None


def validate_filters(
    provinces: Iterable[str] = (),
    municipalities: Iterable[str] = (),
    events: Iterable[str] = (),
    keywords: Iterable[str] = (),
    families: Iterable[str] = (),
    known_families: Iterable[str] = FAMILY_NAMES,
) -> SubscriberFilters:
    """Normalize every filter value, refusing the first unknown one by name."""
    province_values, municipality_values = split_values(provinces), split_values(municipalities)
    if province_values or municipality_values:
        normalize_province, normalize_municipality = _gazetteer()
    out_provinces: list[str] = []
    for value in province_values:
        official = normalize_province(value)
        if not official:
            raise SubscriberError(
                f"unknown province {value!r} (expected a 광역 government such as 경기도 or 대전광역시)"
            )
        _append_once(out_provinces, official)
    out_municipalities: list[str] = []
    for value in municipality_values:
        official = normalize_municipality(value)
        if not official:
            raise SubscriberError(
                f"unknown municipality {value!r} (expected a local government such as 안양시)"
            )
        _append_once(out_municipalities, official)
    out_events: list[str] = []
    for value in split_values(events):
        code = _event_code(value)
        if code is None:
            raise SubscriberError(f"unknown event {value!r} (expected one of: {', '.join(EVENT_TYPES)})")
        _append_once(out_events, code)
    out_keywords: list[str] = []
    for value in split_values(keywords):
        keyword = clean_text(value, MAX_KEYWORD + 1)
        if len(keyword) > MAX_KEYWORD:
            raise SubscriberError(f"keyword {keyword[:20]!r}... is longer than {MAX_KEYWORD} characters")
        if keyword:
            _append_once(out_keywords, keyword)
    known = tuple(known_families)
    out_families: list[str] = []
    for value in split_values(families):
        family = value.strip().lower()
        if family not in known:
            raise SubscriberError(f"unknown plan family {value!r} (expected one of: {', '.join(known)})")
        _append_once(out_families, family)
    return SubscriberFilters(
        tuple(out_provinces), tuple(out_municipalities), tuple(out_events), tuple(out_keywords), tuple(out_families)
    )


def _append_once(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def filters_of(subscriber: Subscriber) -> SubscriberFilters:
    return SubscriberFilters(
        tuple(subscriber.provinces or ()),
        tuple(subscriber.municipalities or ()),
        tuple(subscriber.events or ()),
        tuple(subscriber.keywords or ()),
        tuple(subscriber.families or ()),
    )


def find_subscriber(session: Session, email: str) -> Subscriber | None:
    try:
        address = normalize_email(email)
    except SubscriberError:
        address = email.strip()
    return session.scalars(select(Subscriber).where(func.lower(Subscriber.email) == address.lower())).first()


def add_subscriber(
    session: Session,
    email: str,
    *,
    name: str | None = None,
    provinces: Iterable[str] = (),
    municipalities: Iterable[str] = (),
    events: Iterable[str] = (),
    keywords: Iterable[str] = (),
    families: Iterable[str] = (),
    known_families: Iterable[str] = FAMILY_NAMES,
    frequency: str = DEFAULT_FREQUENCY,
    language: str = DEFAULT_LANGUAGE,
) -> Subscriber:
    """Validate and store a new subscriber; an address already subscribed is refused."""
    address = normalize_email(email)
    if frequency not in FREQUENCIES:
        raise SubscriberError(f"unknown frequency {frequency!r} (expected one of: {', '.join(FREQUENCIES)})")
    if language not in LANGUAGES:
        raise SubscriberError(f"unknown language {language!r} (expected one of: {', '.join(LANGUAGES)})")
    filters = validate_filters(provinces, municipalities, events, keywords, families, known_families)
    if find_subscriber(session, address) is not None:
        raise SubscriberError(f"{address} is already subscribed (change it with `planwatch subscribers edit {address}`)")
    subscriber = Subscriber(
        email=address,
        name=clean_text(name) or None,
        provinces=list(filters.provinces),
        municipalities=list(filters.municipalities),
        events=list(filters.events),
        keywords=list(filters.keywords),
        families=list(filters.families),
        frequency=frequency,
        language=language,
        active=True,
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def _require(session: Session, email: str) -> Subscriber:
    subscriber = find_subscriber(session, email)
    if subscriber is None:
        raise SubscriberError(f"{clean_text(email)} is not subscribed")
    return subscriber


def edit_subscriber(
    session: Session,
    email: str,
    *,
    new_email: str | None = None,
    name: str | None = None,
    provinces: Iterable[str] | None = None,
    municipalities: Iterable[str] | None = None,
    events: Iterable[str] | None = None,
    keywords: Iterable[str] | None = None,
    families: Iterable[str] | None = None,
    frequency: str | None = None,
    language: str | None = None,
    known_families: Iterable[str] = FAMILY_NAMES,
) -> Subscriber:
    """Change what is given (None: keep it); queued items stay queued.

    A filter given as an empty list clears it. A new address also clears a recorded
    permanent failure and queues again what was refused for the old address, which
    never reached anyone.
    """
    subscriber = _require(session, email)
    if frequency is not None and frequency not in FREQUENCIES:
        raise SubscriberError(f"unknown frequency {frequency!r} (expected one of: {', '.join(FREQUENCIES)})")
    if language is not None and language not in LANGUAGES:
        raise SubscriberError(f"unknown language {language!r} (expected one of: {', '.join(LANGUAGES)})")
    current = filters_of(subscriber)
    filters = validate_filters(
        current.provinces if provinces is None else provinces,
        current.municipalities if municipalities is None else municipalities,
        current.events if events is None else events,
        current.keywords if keywords is None else keywords,
        current.families if families is None else families,
        known_families,
    )
    if new_email is not None:
        address = normalize_email(new_email)
        other = find_subscriber(session, address)
        if other is not None and other.id != subscriber.id:
            raise SubscriberError(f"{address} is already subscribed")
        if address != subscriber.email:
            subscriber.email = address
            if subscriber.permanent_failure:
                _clear_permanent_failure(session, subscriber)
    if name is not None:
        subscriber.name = clean_text(name) or None
    subscriber.provinces = list(filters.provinces)
    subscriber.municipalities = list(filters.municipalities)
    subscriber.events = list(filters.events)
    subscriber.keywords = list(filters.keywords)
    subscriber.families = list(filters.families)
    if frequency is not None:
        subscriber.frequency = frequency
    if language is not None:
        subscriber.language = language
    session.flush()
    return subscriber


def remove_subscriber(session: Session, email: str) -> None:
    """Delete the subscriber and its outbox rows (its sent history goes with it)."""
    subscriber = _require(session, email)
    session.delete(subscriber)
    session.flush()


def pause_subscriber(session: Session, email: str) -> Subscriber:
    """Stop sending; what is already queued waits, items found meanwhile are not queued."""
    subscriber = _require(session, email)
    subscriber.active = False
    return subscriber


def resume_subscriber(session: Session, email: str) -> Subscriber:
    """Send again; a recorded permanent failure is cleared and what was refused is queued again."""
    subscriber = _require(session, email)
    subscriber.active = True
    if subscriber.permanent_failure:
        _clear_permanent_failure(session, subscriber)
    return subscriber


def _clear_permanent_failure(session: Session, subscriber: Subscriber) -> None:
    """The address works again: forget the refusal and queue the refused items (they reached nobody)."""
    subscriber.permanent_failure = None
    session.execute(
        update(Delivery)
        .where(Delivery.subscriber_id == subscriber.id, Delivery.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=None, message_id=None, error=None)
    )


def list_subscribers(session: Session) -> list[SubscriberRow]:
    pending = dict(
        session.execute(
            select(Delivery.subscriber_id, func.count())
            .where(Delivery.status.in_(("queued", "sending")))
            .group_by(Delivery.subscriber_id)
        ).all()
    )
    last_sent = dict(
        session.execute(
            select(Delivery.subscriber_id, func.max(Delivery.sent_at))
            .where(Delivery.status == "sent")
            .group_by(Delivery.subscriber_id)
        ).all()
    )
    rows = []
    people = select(Subscriber).where(~Subscriber.email.like(f"%@{CHANNEL_DOMAIN}")).order_by(Subscriber.email)
    for s in session.scalars(people):
        rows.append(
            SubscriberRow(
                email=s.email,
                name=s.name,
                frequency=s.frequency,
                language=s.language,
                active=s.active,
                filters=filters_of(s),
                pending=int(pending.get(s.id, 0)),
                last_sent=last_sent.get(s.id),
                permanent_failure=s.permanent_failure,
            )
        )
    return rows


def ensure_default_subscribers(session: Session, config: Config, now: datetime | None = None) -> list[str]:
    """With no subscriber at all, the configured recipients become ``run`` subscribers (one digest per run).

    Returns the addresses added. Two processes doing this at once may both try: the
    unique address keeps one row each (the loser's flush fails and is rolled back to
    the savepoint).
    """
    # subscriptions made on the web and not yet confirmed do not count (they receive nothing yet),
    # nor do the [[channel]] rows
    people = (
        select(func.count())
        .select_from(Subscriber)
        .where(Subscriber.state == "confirmed", ~Subscriber.email.like(f"%@{CHANNEL_DOMAIN}"))
    )
    if session.scalar(people):
        return []
    added: list[str] = []
    for recipient in config.digest.recipients:
        address = normalize_email(recipient)
        if address in added:
            continue
        try:
            with session.begin_nested():
                session.add(
                    Subscriber(
                        email=address,
                        frequency="run",
                        language=DEFAULT_LANGUAGE,
                        active=True,
                        created_at=now or utcnow(),
                    )
                )
        except IntegrityError:  # a concurrent process added the same address first
            continue
        added.append(address)
    return added
