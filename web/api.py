"""``/api/v1``: plans, a plan, events and sources as JSON, in the models of ``web.schema``.

The list endpoints take the plan list's query string (``web.query``), documented here
parameter by parameter so that ``/openapi.json`` describes them.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request

from storage.views import load_plans
from web.desk import desk
from web.pages import parse_query, plans_in_order, source_rows
from web.query import matching_events, plan_page
from web.schema import (
    EventListV1,
    EventV1,
    PlanEventV1,
    PlanListV1,
    PlanV1,
    SourceListV1,
    SourceStatusV1,
    event_v1,
    plan_v1,
)

router = APIRouter(prefix="/api/v1", tags=["v1"])

MAX_EVENTS = 500


@router.get("/plans", response_model=PlanListV1, summary="The plans matching the list's filters, one page")
def api_plans(
    request: Request,
    q: str | None = Query(None, description="words that must all occur in title, vision, items or an article title"),
    province: str | None = Query(None, description="official name, e.g. 경기도"),
    municipality: str | None = Query(None, description="official name, e.g. 안양시"),
    family: str | None = Query(None, description="4ir, smart_city, digital, ai or informatization"),
    stage: str | None = Query(None, description="the plan's current stage (an event type)"),
    event: str | None = Query(None, description="the plan has an event of this type (in the date range, if given)"),
    date_from: str | None = Query(None, description="an event on or after this day (YYYY-MM-DD)"),
    date_to: str | None = Query(None, description="an event on or before this day (YYYY-MM-DD)"),
    changed_since: str | None = Query(None, description="created or changed on or after this day (Korean time)"),
    sort: str | None = Query(None, description="updated (default), event, place or title"),
    page: int | None = Query(None, ge=1),
    per_page: int | None = Query(None, ge=1, le=500),
) -> PlanListV1:
    d = desk(request)
    query = parse_query(request, d)
    with d.db.session(read_only=True) as session:
        found = plan_page(session, query)
        plans = plans_in_order(session, found.ids)
    return PlanListV1(
        total=found.total, page=query.page, per_page=query.per_page, pages=found.pages,
        filters=query.filters(), plans=[plan_v1(p) for p in plans],
    )


@router.get("/plans/{plan_id}", response_model=PlanV1, summary="One plan with its timeline and changes")
def api_plan(request: Request, plan_id: int) -> PlanV1:
    d = desk(request)
    with d.db.session(read_only=True) as session:
        found = load_plans(session, plan_ids=[plan_id])
    if not found:
        raise HTTPException(status_code=404, detail=f"no plan {plan_id}")
    return plan_v1(found[0])


@router.get("/plans/{plan_id}/events", response_model=list[EventV1], summary="A plan's events with their sources")
def api_plan_events(request: Request, plan_id: int) -> list[EventV1]:
    return api_plan(request, plan_id).timeline


@router.get("/events", response_model=EventListV1,
            summary="Events of the plans matching the list's filters, newest first")
def api_events(
    request: Request,
    q: str | None = Query(None, description="as for /api/v1/plans"),
    province: str | None = Query(None),
    municipality: str | None = Query(None),
    family: str | None = Query(None),
    stage: str | None = Query(None),
    event: str | None = Query(None, description="only events of this type"),
    date_from: str | None = Query(None, description="only events on or after this day"),
    date_to: str | None = Query(None, description="only events on or before this day"),
    changed_since: str | None = Query(None),
    limit: int = Query(100, ge=1, le=MAX_EVENTS),
) -> EventListV1:
    d = desk(request)
    query = parse_query(request, d)
    with d.db.session(read_only=True) as session:
        total, wanted = matching_events(session, query, limit)
        plans = {p.id: p for p in load_plans(session, plan_ids=list({plan_id for _e, plan_id in wanted}))}
    events: list[PlanEventV1] = []
    for event_id, plan_id in wanted:
        plan = plans[plan_id]
        found = next(e for e in plan.timeline if e.id == event_id)
        events.append(PlanEventV1(**event_v1(found).model_dump(), plan_id=plan.id, municipality=plan.municipality,
                                  province=plan.province, plan_title=plan.title))
    return EventListV1(total=total, events=events)


@router.get("/sources", response_model=SourceListV1, summary="Each configured source and its health")
def api_sources(request: Request) -> SourceListV1:
    d = desk(request)
    out = []
    for row in source_rows(d, recent=1):
        h = row.health
        out.append(SourceStatusV1(
            name=row.name, type=row.type, url=row.url, enabled=row.enabled, state=h.state,  # type: ignore[arg-type]
            last_outcome=h.last_outcome, last_run_at=h.last_run_at, last_ok_at=h.last_ok_at,
            last_new_article_at=h.last_new_article_at, since=h.since, message=h.message, articles=row.articles,
        ))
    return SourceListV1(sources=out)

