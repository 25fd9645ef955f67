"""The JSON of plans, events and sources, version 1: what ``/api/v1`` answers and ``plans --json`` prints.

The models are pydantic, so the framework publishes them as the OpenAPI schema at
``/openapi.json``. The rules a consumer can rely on while the version is 1:

- ids are the database's integer ids and never change for a row (``plan.id``, ``event.id``,
  ``source.article_id``); ``key`` is the plan's readable identity;
- an event's ``date`` is ISO 8601 cut to its ``precision`` (``day``: 2024-09-24, ``month``:
  2023-02, ``year``: 2023); ``first_reported`` is the day the first article told it;
- every time carries its zone: articles' publication times in Korean time (+09:00, as the
  outlets print them), the times planwatch recorded in UTC;
- fields are added, never renamed or removed, within a version.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from storage.views import COUNT_NAMES, ChangeView, EventView, PlanView, SourceView

Day = date  # for annotations inside classes that have a field named ``date``
SCHEMA_VERSION = "1"
KST = ZoneInfo("Asia/Seoul")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceV1(_Model):
    """An article that reports an event."""

    article_id: int | None = Field(description="the stored article's id")
    outlet: str | None
    title: str
    url: str | None
    published: datetime | None = Field(description="publication time in Korean time (+09:00)")


class EventV1(_Model):
    """One step of a plan's life, with every article that reports it."""

    id: int | None
    type: str = Field(description="ordinance, committee_launch, plan_kickoff, ... (planwatch.records.EVENT_TYPES)")
    date: str | None = Field(description="ISO 8601 date cut to the precision: 2024-09-24, 2023-02 or 2023")
    precision: Literal["day", "month", "year"]
    first_reported: Day | None = Field(description="the day the first article about it was published")
    sources: list[SourceV1]


class ChangeV1(_Model):
    """A field of the plan an article changed."""

    field: str
    old: Any
    new: Any
    at: datetime = Field(description="when planwatch recorded the change (UTC)")


class CountsV1(_Model):
    strategies: int | None = None
    tasks: int | None = None
    action_tasks: int | None = None
    projects: int | None = None


class PlanV1(_Model):
    """A plan: its facts, its timeline of events and what changed."""

    id: int
    key: str = Field(description="municipality, family and phase or period: the plan's readable identity")
    municipality: str
    province: str
    title: str | None
    family: str = Field(description="4ir, smart_city, digital, ai or informatization")
    phase: int | None
    period_start: int | None
    period_end: int | None
    vision: str | None
    counts: CountsV1
    previous_counts: CountsV1 | None
    items: list[str]
    stage: str | None = Field(description="the most advanced event type so far")
    committee: dict[str, Any] | None
    partners: list[str]
    updated_at: datetime | None = Field(description="when planwatch last changed this plan (UTC)")
    timeline: list[EventV1]
    changes: list[ChangeV1]


class PlanListV1(_Model):
    """A page of the plan list, with the filter query it was asked with."""

    schema_version: str = SCHEMA_VERSION
    total: int
    page: int
    per_page: int
    pages: int
    filters: dict[str, str]
    plans: list[PlanV1]


class PlanEventV1(EventV1):
    """An event in a list of events across plans."""

    plan_id: int
    municipality: str
    province: str
    plan_title: str | None


class EventListV1(_Model):
    schema_version: str = SCHEMA_VERSION
    total: int
    events: list[PlanEventV1]


class SourceStatusV1(_Model):
    """A configured source: its last runs and whether it is failing or silent."""

    name: str
    type: str
    url: str
    enabled: bool
    state: Literal["ok", "failing", "silent", "never_run"]
    last_outcome: str | None
    last_run_at: datetime | None
    last_ok_at: datetime | None
    last_new_article_at: datetime | None
    since: datetime | None = Field(description="when the failing or silent stretch began")
    message: str | None
    articles: int = Field(description="stored articles this source brought")


class SourceListV1(_Model):
    schema_version: str = SCHEMA_VERSION
    sources: list[SourceStatusV1]


def kst(value: datetime | None) -> datetime | None:
    """A stored publication time (naive Korean time) with its zone."""
    if value is None:
        return None
    return value.replace(tzinfo=KST) if value.tzinfo is None else value


def utc(value: datetime | None) -> datetime | None:
    """A stored record time (naive UTC) with its zone."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def source_v1(source: SourceView) -> SourceV1:
    return SourceV1(
        article_id=source.article_id,
        outlet=source.outlet,
        title=source.title,
        url=source.url,
        published=kst(source.published),
    )


def precision_of(value: str) -> Literal["day", "month", "year"]:
    if value == "month":
        return "month"
    if value == "year":
        return "year"
    return "day"


def event_v1(event: EventView) -> EventV1:
    return EventV1(
        id=event.id,
        type=event.type,
        date=event.date_iso(),
        precision=precision_of(event.precision),
        first_reported=event.first_reported,
        sources=[source_v1(s) for s in event.sources],
    )


def change_v1(change: ChangeView) -> ChangeV1:
    at = utc(change.at)
    assert at is not None
    return ChangeV1(field=change.field, old=change.old, new=change.new, at=at)


def counts_v1(counts: dict[str, int | None]) -> CountsV1:
    return CountsV1(**{name: counts.get(name) for name in COUNT_NAMES})


def plan_v1(plan: PlanView) -> PlanV1:
    return PlanV1(
        id=plan.id,
        key=plan.key,
        municipality=plan.municipality,
        province=plan.province,
        title=plan.title,
        family=plan.family,
        phase=plan.phase,
        period_start=plan.period_start,
        period_end=plan.period_end,
        vision=plan.vision,
        counts=counts_v1(plan.counts),
        previous_counts=counts_v1(plan.previous_counts) if plan.previous_counts else None,
        items=[str(i) for i in plan.items],
        stage=plan.stage,
        committee=plan.committee,
        partners=[str(p) for p in plan.partners],
        updated_at=utc(plan.updated_at),
        timeline=[event_v1(e) for e in plan.timeline],
        changes=[change_v1(c) for c in plan.changes],
    )


def plans_json(plans: list[PlanView]) -> list[dict[str, Any]]:
    """``planwatch plans --json``: the plans as version 1 objects."""
    return [plan_v1(p).model_dump(mode="json") for p in plans]
