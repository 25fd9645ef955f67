"""The public pages: the plan list, a plan, a province, the sources, and the health check.

All of them only read. Filters come from the query string (``web.query``), so every view
of the list is a link that can be shared, bookmarked or turned into an export or a feed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from alerts.digest import http_url
from extractors.gazetteer import load_gazetteer
from planwatch.config import parse_duration
from planwatch.runs import SourceHealth, source_health
from storage import models as m
from storage.views import PlanView, load_plans
from web import svg
from web.desk import Desk, desk, stage_text
from web.query import SORTS, PlanQuery, QueryError, conditions, dialect_of, place_names, plan_page

router = APIRouter()


def parse_query(request: Request, d: Desk) -> PlanQuery:
    try:
        return PlanQuery.from_params(request.query_params, per_page=d.config.web.page_size)
    except QueryError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


def plans_in_order(session: Session, ids: list[int]) -> list[PlanView]:
    """``load_plans`` for these ids, in the order of ``ids``."""
    if not ids:
        return []
    by_id = {p.id: p for p in load_plans(session, plan_ids=ids)}
    return [by_id[i] for i in ids if i in by_id]


def province_counts(session: Session, query: PlanQuery) -> dict[str, int]:
    """Plans per province under the query's other filters (what the map shades)."""
    wider = replace(query, province=None, municipality=None)
    rows = session.execute(
        select(m.Plan.province, func.count()).where(*conditions(wider, dialect_of(session)))
        .group_by(m.Plan.province)
    ).all()
    return {province: int(n) for province, n in rows}


def total_from_counts(query: PlanQuery, counts: dict[str, int]) -> int | None:
    """The list's total read off the map's counts (one query fewer), when no municipality is asked for."""
    if query.municipality:
        return None
    return counts.get(query.province, 0) if query.province else sum(counts.values())


def province_names() -> list[str]:
    return [g.name for g in load_gazetteer().provinces]


@router.get("/", response_class=HTMLResponse, summary="The plan list, with filters, search, sorting and paging")
def plan_list(request: Request) -> Response:
    d = desk(request)
    query = parse_query(request, d)
    with d.db.session(read_only=True) as session:
        counts = province_counts(session, query)
        page = plan_page(session, query, total=total_from_counts(query, counts))
        plans = plans_in_order(session, page.ids)
    tiles = svg.province_tiles(counts, {k: v for k, v in query.filters().items() if k not in ("province", "municipality")})
    picture = svg.tile_map(tiles, "시·도별 계획 수 · plans per province")
    return d.render(
        request,
        "list.html.j2",
        query=query,
        page=page,
        plans=plans,
        facets=place_names(),
        provinces=province_names(),
        sorts=SORTS,
        tilemap=picture,
        tiles=sorted(tiles, key=lambda t: -t.count),
    )


@dataclass
class KeptArticle:
    id: int
    title: str
    outlet: str | None
    url: str | None
    href: str | None
    published: str | None
    score: float
    reasons: list[str]


def kept_articles(session: Session, plan_id: int) -> list[KeptArticle]:
    """The articles stored as sources of the plan's events, with why each was judged relevant."""
    rows = session.scalars(
        select(m.Article)
        .join(m.EventSource, m.EventSource.article_id == m.Article.id)
        .join(m.PlanEvent, m.PlanEvent.id == m.EventSource.event_id)
        .where(m.PlanEvent.plan_id == plan_id)
        .order_by(m.Article.published, m.Article.id)
    ).unique()
    out: list[KeptArticle] = []
    seen: set[int] = set()
    for a in rows:
        if a.id in seen:
            continue
        seen.add(a.id)
        out.append(
            KeptArticle(
                id=a.id,
                title=a.title,
                outlet=a.outlet,
                url=a.url or a.canonical_url,
                href=http_url(a.url) or http_url(a.canonical_url),
                published=a.published.strftime("%Y-%m-%d %H:%M") if a.published else None,
                score=float(a.relevance_score or 0.0),
                reasons=[str(r) for r in (a.relevance_reasons or [])],
            )
        )
    return out


def plan_marks(plans: list[PlanView], with_place: bool = False) -> list[svg.Mark]:
    marks = []
    for plan in plans:
        for event in plan.timeline:
            day = event.date or event.first_reported
            if day is None:
                continue
            label = stage_text(event.type).split(" · ")[0]
            if with_place:
                label = f"{plan.municipality} {label}"
            marks.append(svg.Mark(day, label, event.type, f"/plans/{plan.id}" if with_place else None))
    return marks


@router.get("/plans/{plan_id}", response_class=HTMLResponse, summary="A plan's page")
def plan_page_view(request: Request, plan_id: int) -> Response:
    d = desk(request)
    with d.db.session(read_only=True) as session:
        found = load_plans(session, plan_ids=[plan_id])
        if not found:
            raise HTTPException(status_code=404, detail=f"no plan {plan_id}")
        plan = found[0]
        articles = kept_articles(session, plan_id)
    picture = svg.timeline(plan_marks([plan]), f"{plan.municipality} 계획의 일정 · timeline")
    return d.render(request, "plan.html.j2", plan=plan, articles=articles, timeline_svg=picture)


@router.get("/provinces/{name}", response_class=HTMLResponse, summary="A province: its municipalities and timeline")
def province_page(request: Request, name: str) -> Response:
    d = desk(request)
    gazetteer = load_gazetteer()
    if name not in {g.name for g in gazetteer.provinces}:
        raise HTTPException(status_code=404, detail=f"no province named {name!r}")
    members = [g.name for g in gazetteer.governments if g.province == name and not g.is_metro]
    with d.db.session(read_only=True) as session:
        ids = list(
            session.scalars(select(m.Plan.id).where(m.Plan.province == name).order_by(m.Plan.updated_at.desc()).limit(500))
        )
        plans = plans_in_order(session, ids)
    counts = Counter(p.municipality for p in plans)
    places = members or [name]
    tiles = svg.municipality_tiles(places, counts)
    picture = svg.tile_map(tiles, f"{name} 시·군·구별 계획 수", tile=84, font=13)
    line = svg.timeline(plan_marks(plans, with_place=True), f"{name}의 일정 · timeline")
    return d.render(
        request, "province.html.j2", name=name, plans=plans, tilemap=picture, tiles=tiles, timeline_svg=line,
        counts=counts,
    )


@dataclass
class SourceRow:
    name: str
    type: str
    url: str
    enabled: bool
    health: SourceHealth
    articles: int
    runs: list[m.SourceRun]


def source_rows(d: Desk, recent: int = 5) -> list[SourceRow]:
    names = [s.name for s in d.config.sources]
    health = {
        h.source: h
        for h in source_health(
            d.db,
            names,
            failing_after=parse_duration(d.config.service.failing_after),
            silent_after=parse_duration(d.config.digest.silent_after),
        )
    }
    rows: list[SourceRow] = []
    with d.db.session(read_only=True) as session:
        found: dict[str, int] = dict(
            session.execute(  # type: ignore[arg-type]
                select(m.Article.origin, func.count()).where(m.Article.origin.in_(names)).group_by(m.Article.origin)
            ).all()
        )
        for source in d.config.sources:
            runs = list(
                session.scalars(
                    select(m.SourceRun)
                    .where(m.SourceRun.source == source.name, m.SourceRun.job == "crawl")
                    .order_by(m.SourceRun.id.desc())
                    .limit(recent)
                )
            )
            rows.append(
                SourceRow(source.name, source.type, source.url, source.enabled, health[source.name],
                          int(found.get(source.name, 0)), runs)
            )
    return rows


@router.get("/sources", response_class=HTMLResponse, summary="Each source's last runs, articles and errors")
def sources_page(request: Request) -> Response:
    d = desk(request)
    return d.render(request, "sources.html.j2", sources=source_rows(d))


@router.get("/healthz", response_class=PlainTextResponse, summary="200 when the database answers, 503 otherwise")
def healthz(request: Request) -> Response:
    d = desk(request)
    try:
        with d.db.session(read_only=True) as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # StorageError or any other failure to reach the database: a 503
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        return PlainTextResponse(f"database unreachable: {reason}\n", status_code=503)
    return PlainTextResponse("ok\n")
