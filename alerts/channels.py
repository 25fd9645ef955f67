"""Channels beyond e-mail: Slack, Teams, Telegram, Discord, a JSON webhook... through Apprise.

A channel is configured like a subscriber, with an Apprise URL instead of an address::

    [[channel]]
    name = "desk-slack"
    url = "slack://T000/B000/XXXX"         # or json://host:port/path, tgram://…, msteams://…
    provinces = ["경기도"]
    operator = true                       # also gets the source-health alerts

Each channel is kept in the ``subscribers`` table as ``<name>@channels.invalid``
(``.invalid`` is reserved: no mail can ever go there), frequency ``immediate``, with
the channel's filters; so its items go through the same outbox as mail: one
``deliveries`` row per (channel, item), inserted once, claimed before sending,
marked sent after Apprise said it was delivered, deferred with the same backoff
when it was not. The URL is read from the configuration at sending time and never
stored, logged or printed (it often holds a token): messages name the channel.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.digest import Digest
from alerts.subscribers import CHANNEL_DOMAIN, validate_filters
from alerts.transport import OutgoingEnvelope, PermanentFailure, TemporaryFailure
from planwatch.config import ChannelConfig, Config
from storage.models import Subscriber

log = logging.getLogger(__name__)

SUMMARY_CHARS = 300


def channel_address(name: str) -> str:
    return f"{name}@{CHANNEL_DOMAIN}"


def is_channel_address(email: str) -> bool:
    return email.lower().endswith("@" + CHANNEL_DOMAIN)


def channel_name(email: str) -> str:
    return email.rpartition("@")[0]


def sync_channels(session: Session, config: Config) -> None:
    """Make the ``subscribers`` rows match ``[[channel]]``: filters kept current, removed channels paused."""
    wanted = {channel_address(c.name): c for c in config.channel if c.immediate}
    rows = {
        s.email: s
        for s in session.scalars(select(Subscriber).where(Subscriber.email.like(f"%@{CHANNEL_DOMAIN}")))
    }
    for address, channel in wanted.items():
        filters = validate_filters(channel.provinces, channel.municipalities, channel.events, channel.keywords)
        row = rows.get(address)
        if row is None:
            row = Subscriber(email=address, frequency="immediate", active=True)
            session.add(row)
        row.name = channel.name
        row.language = channel.language
        row.frequency = "immediate"
        row.provinces = list(filters.provinces)
        row.municipalities = list(filters.municipalities)
        row.events = list(filters.events)
        row.keywords = list(filters.keywords)
        row.active = True
    for address, row in rows.items():
        if address not in wanted:
            row.active = False  # nothing more is queued for it; its history stays
    session.flush()


def channel_text(digest: Digest) -> str:
    """A short plain text for a chat: one block per entry, its place, stage, date, summary and links."""
    blocks = []
    for e in digest.entries:
        head = " · ".join(b for b in (e.place, e.stage_label, e.event_date) if b)
        lines = [head, e.plan_title or e.headline or ""]
        lines += [f"{c.label}: {c.old} → {c.new}" for c in e.changes]
        if e.summary:
            lines.append(e.summary[:SUMMARY_CHARS])
        lines += [s.href for s in e.sources if s.href]
        blocks.append("\n".join(line for line in lines if line))
    if digest.more:
        blocks.append(f"+{digest.more}")
    return "\n\n".join(blocks)


class ChannelTransport:
    """Hands a message to the Apprise URL of the channel it is addressed to."""

    name = "apprise"

    def __init__(self, channels: list[ChannelConfig]) -> None:
        self.channels = {c.name: c for c in channels}

    def path_for(self, message_id: str, recipient: str, now: datetime) -> Path | None:
        return None

    def send(self, envelope: OutgoingEnvelope) -> None:
        """The envelope's ``html`` holds the chat text (``channel_text``) for a channel."""
        name = channel_name(envelope.recipient)
        self.notify(name, envelope.message["Subject"] or "planwatch", envelope.html)

    def notify(self, name: str, title: str, body: str) -> None:
        import apprise

        channel = self.channels.get(name)
        if channel is None:
            raise PermanentFailure(f"channel {name}: not in the configuration any more")
        sender = apprise.Apprise()
        if not sender.add(channel.url):
            raise PermanentFailure(f"channel {name}: Apprise cannot use its URL (check the scheme and the fields)")
        try:
            delivered = sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
        except Exception as exc:  # a plugin's own failure: keep the item for a retry
            raise TemporaryFailure(f"channel {name}: {type(exc).__name__}") from None
        if not delivered:
            raise TemporaryFailure(f"channel {name}: the service did not accept the notification")

    def close(self) -> None:
        pass
