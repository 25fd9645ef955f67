"""Read models of stored plans for `planwatch plans` and the digest: plan, timeline, sources, changes.

``load_plans`` reads every table it needs in a handful of queries (not one per plan)
and returns plain dataclasses; ``PlanView.to_json()`` is the JSON of ``planwatch plans
--json``. Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from planwatch.records import date_with_precision
from storage import models as m

Day = date  # for annotations inside classes that have a field named ``date``
COUNT_NAMES = ("strategies", "tasks", "action_tasks", "projects")


@dataclass
class SourceView:
    """An article reporting an event."""

    url: str | None
    outlet: str | None
    title: str
    published: datetime | None
    article_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "outlet": self.outlet,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
        }


@dataclass
class EventView:
    """One step of a plan's timeline with the articles that report it."""

    type: str
    date: date | None
    precision: str = "day"
    first_reported: Day | None = None
    sources: list[SourceView] = field(default_factory=list)
    id: int | None = None

    def date_iso(self) -> str | None:
        return date_with_precision(self.date, self.precision)

    def sort_date(self) -> Day:
        return self.date or self.first_reported or Day.max

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "date": self.date_iso(), "sources": [s.to_json() for s in self.sources]}


@dataclass
class ChangeView:
    field: str
    old: Any
    new: Any
    at: datetime  # UTC

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "at": self.at.replace(tzinfo=timezone.utc).isoformat(),
        }


@dataclass
class PlanView:
    """A plan as a reader sees it: its facts, its timeline and what changed."""

    id: int
    key: str
    municipality: str
    province: str
    family: str
    title: str | None = None
    phase: int | None = None
    period_start: int | None = None
    period_end: int | None = None
    vision: str | None = None
    counts: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES))
    previous_counts: dict[str, int | None] | None = None
    items: list[str] = field(default_factory=list)
    stage: str | None = None
    committee: dict[str, Any] | None = None
    partners: list[str] = field(default_factory=list)
    timeline: list[EventView] = field(default_factory=list)
    changes: list[ChangeView] = field(default_factory=list)
    updated_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "municipality": self.municipality,
            "province": self.province,
            "title": self.title,
            "family": self.family,
            "phase": self.phase,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "vision": self.vision,
            "counts": dict(self.counts),
            "previous_counts": dict(self.previous_counts) if self.previous_counts else None,
            "items": list(self.items),
            "stage": self.stage,
            "committee": self.committee,
            "partners": list(self.partners),
            "timeline": [e.to_json() for e in self.timeline],
            "changes": [c.to_json() for c in self.changes],
        }


def load_plans(
    session: Session,
    *,
    municipality: str | None = None,
    province: str | None = None,
    plan_ids: Sequence[int] | None = None,
) -> list[PlanView]:
    """Every stored plan (or those matching the filters), ordered by province, municipality, phase."""
    query = select(m.Plan)
    if municipality is not None:
        query = query.where(m.Plan.municipality == municipality)
    if province is not None:
        query = query.where(m.Plan.province == province)
    if plan_ids is not None:
        query = query.where(m.Plan.id.in_(list(plan_ids)))
    plans = session.scalars(query).all()
    if not plans:
        return []
    ids = [p.id for p in plans]
    timelines = load_timelines(session, ids)
    changes = load_changes(session, ids)
    views = [plan_view(p, timelines.get(p.id, []), changes.get(p.id, [])) for p in plans]
    views.sort(key=lambda v: (v.province, v.municipality, v.family, v.phase or 0, v.period_start or 0, v.id))
    return views


def plan_view(plan: m.Plan, timeline: list[EventView], changes: list[ChangeView]) -> PlanView:
    return PlanView(
        id=plan.id,
        key=plan.key,
        municipality=plan.municipality,
        province=plan.province,
        family=plan.family,
        title=plan.title,
        phase=plan.phase,
        period_start=plan.period_start,
        period_end=plan.period_end,
        vision=plan.vision,
        counts={name: getattr(plan, name) for name in COUNT_NAMES},
        previous_counts=dict(plan.previous_counts) if plan.previous_counts else None,
        items=list(plan.items or []),
        stage=plan.stage,
        committee=dict(plan.committee) if plan.committee else None,
        partners=list(plan.partners or []),
        timeline=timeline,
        changes=changes,
        updated_at=plan.updated_at,
    )


def load_timelines(session: Session, plan_ids: Sequence[int]) -> dict[int, list[EventView]]:
    events = session.scalars(select(m.PlanEvent).where(m.PlanEvent.plan_id.in_(plan_ids))).all()
    by_event: dict[int, EventView] = {}
    by_plan: dict[int, list[EventView]] = defaultdict(list)
    for e in events:
        view = EventView(type=e.type, date=e.date, precision=e.date_precision, first_reported=e.first_reported, id=e.id)
        by_event[e.id] = view
        by_plan[e.plan_id].append(view)
    if by_event:
        rows = session.execute(
            select(m.EventSource.event_id, m.Article.id, m.Article.url, m.Article.outlet, m.Article.title, m.Article.published)
            .join(m.Article, m.Article.id == m.EventSource.article_id)
            .where(m.EventSource.event_id.in_(list(by_event)))
        ).all()
        for event_id, article_id, url, outlet, title, published in rows:
            by_event[event_id].sources.append(SourceView(url, outlet, title, published, article_id))
    for view in by_event.values():
        view.sources.sort(key=lambda s: (s.published or datetime.max, s.article_id or 0))
    for views in by_plan.values():
        views.sort(key=lambda v: (v.sort_date(), v.id or 0))
    return by_plan


def load_changes(session: Session, plan_ids: Sequence[int]) -> dict[int, list[ChangeView]]:
    rows = session.scalars(
        select(m.PlanChange).where(m.PlanChange.plan_id.in_(plan_ids)).order_by(m.PlanChange.id)
    ).all()
    by_plan: dict[int, list[ChangeView]] = defaultdict(list)
    for c in rows:
        by_plan[c.plan_id].append(ChangeView(c.field, c.old, c.new, c.created_at))
    return by_plan
