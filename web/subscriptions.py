"""Self-service subscriptions: subscribe with double opt-in, confirm, manage, unsubscribe.

A web subscription starts ``pending`` (and inactive): the outbox sends nothing to it
except the one confirmation mail, which carries a signed link valid for
``[web] confirm_within``. Following it makes the subscriber ``confirmed``. Subscribing
an address that is already confirmed sends that address its manage link instead, so
the page answers the same whatever the address, and tells no one who is subscribed.

The mails go out like digests: recorded as an ``OutgoingMessage`` before they are handed
to the configured transport (SMTP, or an .eml file in the outbox directory).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from jinja2 import Environment
from sqlalchemy import delete, func, select

from alerts.delivery import local_time
from alerts.identity import SenderError, mail_identity
from alerts.mime import build_message, recipient_address
from alerts.subscribers import (
    FREQUENCIES,
    SubscriberError,
    SubscriberFilters,
    normalize_email,
    validate_filters,
)
from alerts.transport import DeliveryError, OutgoingEnvelope, SmtpConfigError, transport_from_config
from planwatch.config import Config, parse_duration
from storage.db import Database
from storage.models import OutgoingMessage, Subscriber, utcnow
from web.tokens import Tokens, link

WEB_FREQUENCIES: tuple[str, ...] = tuple(f for f in FREQUENCIES if f != "run")  # run is the configured recipients'
ADDRESS_RESEND = 300.0  # seconds between two mails to one address


class MailError(Exception):
    """The confirmation (or manage-link) mail could not be handed over; one line."""


class RateLimiter:
    """At most ``limit`` events per key in a sliding ``window`` (seconds), in this process."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and moment - events[0] > self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(moment)
            if len(self._events) > 10_000:  # forget idle keys
                for stale in [k for k, v in self._events.items() if not v or moment - v[-1] > self.window]:
                    del self._events[stale]
            return True


@dataclass(frozen=True)
class Choices:
    """What a subscriber chooses on the form, validated."""

    filters: SubscriberFilters
    frequency: str
    language: str


def validate_choices(
    provinces: list[str], municipalities: str, events: list[str], keywords: str, frequency: str, language: str,
    families: list[str] | None = None,
) -> Choices:
    if frequency not in WEB_FREQUENCIES:
        raise SubscriberError(f"unknown frequency {frequency!r} (expected one of: {', '.join(WEB_FREQUENCIES)})")
    if language not in ("ko", "en"):
        raise SubscriberError(f"unknown language {language!r} (expected ko or en)")
    filters = validate_filters(provinces, [municipalities] if municipalities else [], events,
                               [keywords] if keywords else [], families or [])
    return Choices(filters, frequency, language)


@dataclass(frozen=True)
class SubscriberInfo:
    """A subscriber as its own pages show it (detached from the session)."""

    id: int
    email: str
    state: str
    active: bool
    frequency: str
    language: str
    filters: SubscriberFilters


def info(s: Subscriber) -> SubscriberInfo:
    return SubscriberInfo(
        s.id, s.email, s.state, s.active, s.frequency, s.language,
        SubscriberFilters(tuple(s.provinces or ()), tuple(s.municipalities or ()), tuple(s.events or ()),
                          tuple(s.keywords or ()), tuple(s.families or ())),
    )


def apply_choices(s: Subscriber, choices: Choices) -> None:
    s.provinces = list(choices.filters.provinces)
    s.municipalities = list(choices.filters.municipalities)
    s.events = list(choices.filters.events)
    s.keywords = list(choices.filters.keywords)
    s.families = list(choices.filters.families)
    s.frequency = choices.frequency
    s.language = choices.language


class Subscriptions:
    """The subscription desk over one database, configuration, outbox and secret."""

    def __init__(self, db: Database, config: Config, outbox: Path, tokens: Tokens, templates: Environment) -> None:
        self.db, self.config, self.outbox, self.tokens, self.templates = db, config, outbox, tokens, templates
        self.per_client = RateLimiter(config.web.subscribe_per_hour, 3600.0)
        self.per_address = RateLimiter(1, ADDRESS_RESEND)

    # --- subscribing ----------------------------------------------------------------------------

    def subscribe(self, email: str, choices: Choices, base_url: str) -> None:
        """Store a pending subscription and mail its confirmation link (or, when the address is
        confirmed already, its manage link). Raises SubscriberError for a bad address."""
        address = normalize_email(email)
        now = utcnow()
        with self.db.session() as session:
            self._forget_unconfirmed(session, now)
            found = session.scalars(
                select(Subscriber).where(func.lower(Subscriber.email) == address.lower())
            ).first()
            if found is None:
                found = Subscriber(email=address, state="pending", active=False, created_at=now)
                apply_choices(found, choices)
                session.add(found)
                session.flush()
            elif found.state == "pending":
                apply_choices(found, choices)
            subscriber = info(found)
        if not self.per_address.allow(subscriber.email.lower()):
            return  # a mail went to this address a moment ago: do not flood it
        if subscriber.state == "pending":
            token = self.tokens.make("confirm", subscriber.id, subscriber.email)
            self.send_mail(subscriber, "confirm", link(base_url, "/confirm", token))
        else:
            token = self.tokens.make("manage", subscriber.id, subscriber.email)
            self.send_mail(subscriber, "already", link(base_url, "/manage", token))

    def _forget_unconfirmed(self, session, now: datetime) -> None:  # type: ignore[no-untyped-def]
        """Pending subscriptions whose confirmation link has expired are deleted."""
        cutoff = now - timedelta(seconds=parse_duration(self.config.web.confirm_within))
        session.execute(delete(Subscriber).where(Subscriber.state == "pending", Subscriber.created_at < cutoff))

    # --- the signed links -------------------------------------------------------------------------

    def subscriber(self, purpose: str, token: str | None) -> SubscriberInfo | None:
        """The subscriber a valid token names; None when it no longer exists. TokenError for a bad token."""
        subject = self.tokens.read(purpose, token)
        with self.db.session(read_only=True) as session:
            s = session.get(Subscriber, subject.subscriber_id)
            if s is None or s.email.lower() != subject.email.lower():
                return None
            return info(s)

    def confirm(self, token: str | None) -> SubscriberInfo | None:
        subject = self.tokens.read("confirm", token)
        with self.db.session() as session:
            s = session.get(Subscriber, subject.subscriber_id)
            if s is None or s.email.lower() != subject.email.lower():
                return None
            if s.state != "confirmed":
                s.state, s.active = "confirmed", True
            return info(s)

    def update(self, token: str | None, choices: Choices) -> SubscriberInfo | None:
        subject = self.tokens.read("manage", token)
        with self.db.session() as session:
            s = session.get(Subscriber, subject.subscriber_id)
            if s is None or s.email.lower() != subject.email.lower():
                return None
            apply_choices(s, choices)
            return info(s)

    def set_paused(self, token: str | None, paused: bool) -> SubscriberInfo | None:
        subject = self.tokens.read("manage", token)
        with self.db.session() as session:
            s = session.get(Subscriber, subject.subscriber_id)
            if s is None or s.email.lower() != subject.email.lower() or s.state != "confirmed":
                return None
            s.active = not paused
            if not paused:
                s.permanent_failure = None
            return info(s)

    def unsubscribe(self, purpose: str, token: str | None) -> bool:
        """Delete the subscriber (its queued deliveries go with it); False if it was gone already."""
        subject = self.tokens.read(purpose, token)
        with self.db.session() as session:
            s = session.get(Subscriber, subject.subscriber_id)
            if s is None or s.email.lower() != subject.email.lower():
                return False
            session.delete(s)
            return True

    # --- mail -------------------------------------------------------------------------------------

    def send_mail(self, subscriber: SubscriberInfo, kind: str, url: str) -> None:
        """The confirmation (``confirm``) or manage-link (``already``) mail, through the outbox."""
        context = {"url": url, "email": subscriber.email, "kind": kind, "lang": subscriber.language,
                   "hours": int(parse_duration(self.config.web.confirm_within) // 3600)}
        subject = self.templates.get_template("mail_subject.txt.j2").render(context).strip()
        text = self.templates.get_template("mail.txt.j2").render(context)
        html = self.templates.get_template("mail.html.j2").render(context)
        now = utcnow()
        try:
            transport = transport_from_config(self.config, self.outbox)
        except SmtpConfigError as exc:
            raise MailError(str(exc)) from None
        try:
            identity = mail_identity(self.config, relay=transport.name != "file")
        except SenderError as exc:
            transport.close()
            raise MailError(str(exc)) from None
        sender, message_id = identity.sender, identity.new_message_id()
        recipient = recipient_address(subscriber.email)
        message = build_message(
            sender=sender, recipient=recipient, subject=subject, text=text, html=html, message_id=message_id,
            date=local_time(now, self.config), language=subscriber.language, reply_to=identity.reply_to,
        )
        try:
            path = transport.path_for(message_id, subscriber.email, local_time(now, self.config))
            with self.db.session() as session:
                session.add(OutgoingMessage(message_id=message_id, subscriber_id=subscriber.id, status="prepared",
                                            transport=transport.name, path=str(path) if path else None,
                                            subject=subject, created_at=now))
            try:
                transport.send(OutgoingEnvelope(message, html, identity.envelope_sender, recipient.addr_spec, message_id,
                                                path))
            except DeliveryError as exc:
                self._mark(message_id, "failed", str(exc))
                raise MailError(f"the mail to {subscriber.email} could not be sent: {exc}") from None
            self._mark(message_id, "sent", None)
        finally:
            transport.close()

    def _mark(self, message_id: str, status: str, error: str | None) -> None:
        with self.db.session() as session:
            row = session.scalars(select(OutgoingMessage).where(OutgoingMessage.message_id == message_id)).first()
            if row is not None:
                row.status, row.error = status, (error or None) and error[:500]
                row.sent_at = utcnow() if status == "sent" else None
