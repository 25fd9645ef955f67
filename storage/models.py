"""The database schema: SQLAlchemy 2.0 typed models for every table planwatch keeps.

Identity is enforced by unique constraints, not by reading first: several crawler
workers may store at once, and the constraints are what keeps one row per thing.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Day = date  # for annotations inside classes that have a column named ``date``


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names are fixed by convention so that migrations (and SQLite batch
migrations, which rebuild tables) can refer to them identically on every backend."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Article(Base):
    """One article, stored once: by canonical URL when it has one, else by content hash."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str | None] = mapped_column(String(2048), unique=True)
    url: Mapped[str | None] = mapped_column(String(2048))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    subtitle: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[datetime | None] = mapped_column(DateTime)
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(String(2048))  # source name or file the capture came from
    relevant: Mapped[bool] = mapped_column(Boolean, default=False)
    relevance_score: Mapped[float] = mapped_column(Float, default=0.0)
    relevance_reasons: Mapped[list[Any]] = mapped_column(default=list)
    extraction: Mapped[dict[str, Any] | None] = mapped_column()  # the extractor's JSON, for `plans --json`
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    sources: Mapped[list[EventSource]] = relationship(back_populates="article")


class UrlAlias(Base):
    """Another URL of a stored article (``localhost`` for ``127.0.0.1``, an ``m.`` or ``www.`` host,
    a copy on a portal): once it led to the article, it is known, so it is not fetched again."""

    __tablename__ = "url_aliases"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)  # canonical form (extractors.urls)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RawPage(Base):
    """The bytes an article was extracted from, kept for re-extraction; pruned by housekeeping."""

    __tablename__ = "raw_pages"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fetched_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Plan(Base):
    """One local plan, whatever the number of articles that report on it.

    ``key`` is the plan's identity: municipality + family + phase (or period), built
    by ``storage.identity``; a unique key is what lets concurrent writers converge.
    """

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    municipality: Mapped[str] = mapped_column(String(100), index=True)
    province: Mapped[str] = mapped_column(String(100), index=True)
    family: Mapped[str] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(Text)
    phase: Mapped[int | None] = mapped_column(Integer)
    period_start: Mapped[int | None] = mapped_column(Integer)
    period_end: Mapped[int | None] = mapped_column(Integer)
    vision: Mapped[str | None] = mapped_column(Text)
    strategies: Mapped[int | None] = mapped_column(Integer)
    tasks: Mapped[int | None] = mapped_column(Integer)
    action_tasks: Mapped[int | None] = mapped_column(Integer)
    projects: Mapped[int | None] = mapped_column(Integer)
    previous_counts: Mapped[dict[str, Any] | None] = mapped_column()
    items: Mapped[list[Any]] = mapped_column(default=list)
    committee: Mapped[dict[str, Any] | None] = mapped_column()
    partners: Mapped[list[Any]] = mapped_column(default=list)
    stage: Mapped[str | None] = mapped_column(String(40))  # the most advanced event type so far
    # the date of the newest article whose facts were merged: older articles only fill gaps
    facts_as_of: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # indexed: the web desk lists plans newest change first
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)

    events: Mapped[list[PlanEvent]] = relationship(
        back_populates="plan", order_by="PlanEvent.date", cascade="all, delete-orphan"
    )
    changes: Mapped[list[PlanChange]] = relationship(back_populates="plan", cascade="all, delete-orphan")


class PlanEvent(Base):
    """One step of a plan's life (a report, an adoption, a meeting), with its sources."""

    __tablename__ = "plan_events"
    __table_args__ = (UniqueConstraint("plan_id", "type", "date", name="uq_event_plan_type_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    date: Mapped[date | None] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(8), default="day")
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # of the first source's text, for near-dups
    # when the first source was published: stands in for a missing event date in near-dup windows
    first_reported: Mapped[Day | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="events")
    sources: Mapped[list[EventSource]] = relationship(back_populates="event", cascade="all, delete-orphan")


class EventSource(Base):
    """An article that reports an event; several outlets make several rows."""

    __tablename__ = "event_sources"

    event_id: Mapped[int] = mapped_column(ForeignKey("plan_events.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    event: Mapped[PlanEvent] = relationship(back_populates="sources")
    article: Mapped[Article] = relationship(back_populates="sources")


class PlanChange(Base):
    """A field of a plan that an article changed, with the old and new value."""

    __tablename__ = "plan_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("plan_events.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(40))  # stage, counts, period, title, vision, ...
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="changes")


class DigestItem(Base):
    """Something worth telling subscribers: a new plan, an updated plan, other relevant news.

    Written once by the store when it happens; each subscriber's copy is a Delivery.
    """

    __tablename__ = "digest_items"
    __table_args__ = (UniqueConstraint("dedup_key", name="uq_digest_item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # new_plan | updated_plan | news
    dedup_key: Mapped[str] = mapped_column(String(300))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("plan_events.id", ondelete="SET NULL"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    change_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # when the outbox fanned it out to the subscribers of that moment; NULL = not yet
    queued_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    # found looking back (`planwatch backfill`): never fanned out; sent only in a history digest asked for
    history: Mapped[bool | None] = mapped_column(Boolean, default=False)


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    provinces: Mapped[list[Any]] = mapped_column(default=list)
    municipalities: Mapped[list[Any]] = mapped_column(default=list)
    events: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    families: Mapped[list[Any]] = mapped_column(default=list)  # plan families (extractors.topics); empty: all
    frequency: Mapped[str] = mapped_column(String(10), default="daily")  # immediate | daily | weekly
    language: Mapped[str] = mapped_column(String(2), default="ko")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # pending: subscribed on the web, its address not yet confirmed (nothing is sent to it);
    # confirmed: added by an operator, or its confirmation link was followed
    state: Mapped[str] = mapped_column(String(12), default="confirmed", server_default="confirmed")
    permanent_failure: Mapped[str | None] = mapped_column(Text)  # last 5xx for this address
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Delivery(Base):
    """The outbox: one row per (subscriber, item), queued once, marked sent once."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("subscriber_id", "item_id", name="uq_delivery_subscriber_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("digest_items.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OutgoingMessage(Base):
    """A digest message, recorded with its Message-ID before it is handed to the server."""

    __tablename__ = "outgoing_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="prepared")  # prepared | sent | unconfirmed | failed
    transport: Mapped[str] = mapped_column(String(10))  # smtp | file
    path: Mapped[str | None] = mapped_column(String(2048))  # the .eml file, for the file transport
    subject: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)


class SourceRun(Base):
    """One crawl of one source (or one job of the service): when, how it went, what it found."""

    __tablename__ = "source_runs"
    __table_args__ = (Index("ix_source_runs_source_started", "source", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    job: Mapped[str] = mapped_column(String(200), default="crawl")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(12), default="running")  # running | ok | failed | unreachable
    pages: Mapped[int] = mapped_column(Integer, default=0)
    new_articles: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)


class HttpValidator(Base):
    """ETag / Last-Modified of a feed or sitemap, for conditional requests on the next run."""

    __tablename__ = "http_validators"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class BackfillCursor(Base):
    """Where ``planwatch backfill`` of one source back to one date stopped, so the next run continues there.

    The walk is fixed when the cursor is made: the source's queries in order, for
    each the date windows from ``until`` back to ``since`` (one window without date
    parameters), for each the list pages in order. The position is the next page to
    read: ``query_index``, ``window_index``, ``page`` and, for a source paged by a
    "next" link, that link (``next_url``).
    """

    __tablename__ = "backfill_cursors"

    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    since: Mapped[date] = mapped_column(Date, primary_key=True)
    until: Mapped[date] = mapped_column(Date)
    query_index: Mapped[int] = mapped_column(Integer, default=0)
    window_index: Mapped[int] = mapped_column(Integer, default=0)
    page: Mapped[int] = mapped_column(Integer, default=1)
    next_url: Mapped[str | None] = mapped_column(String(2048))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    pages_read: Mapped[int] = mapped_column(Integer, default=0)  # over all runs
    articles_found: Mapped[int] = mapped_column(Integer, default=0)  # new articles stored, over all runs
    runs: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
