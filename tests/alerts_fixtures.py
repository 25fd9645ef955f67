"""Row builders for the alerts tests: plans, events, articles, changes, digest items, subscribers.

They write rows the way the store does (a plan, its event, the event's source
articles, a DigestItem pointing at them) into the shared ``db`` fixture of
conftest.py (SQLite or PostgreSQL), so the alerts code reads exactly what it
reads in production.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from planwatch.config import Config, parse_config
from storage.models import (
    Article,
    Delivery,
    DigestItem,
    EventSource,
    OutgoingMessage,
    Plan,
    PlanChange,
    PlanEvent,
    Subscriber,
)

_serial = itertools.count(1)

ANYANG_LEAD = (
    "안양시는 24일 제2기 4차 산업혁명 촉진 종합계획 수립 중간보고회를 열었다. 위원회 위원 13명이 참석했다."
)


def make_config(text: str = "") -> Config:
    return parse_config(text or "", "test.toml")


@dataclass
class Made:
    plan_id: int | None
    event_id: int | None
    article_ids: list[int]
    item_id: int


def add_article(
    session: Session,
    *,
    title: str,
    text: str,
    outlet: str | None = "중도일보",
    url: str | None = None,
    published: datetime | None = None,
    extraction: dict[str, Any] | None = None,
) -> Article:
    from storage.repository import MAX_URL, storable, truncate

    # Stored as the repository stores crawled text: NUL removed (PostgreSQL holds none), lengths bounded.
    n = next(_serial)
    article = Article(
        canonical_url=truncate(url, MAX_URL),
        url=truncate(url, MAX_URL),
        content_hash=f"hash-{n}",
        title=storable(title),
        outlet=truncate(outlet, 200),
        published=published,
        text=storable(text),
        relevant=True,
        extraction=extraction,
    )
    session.add(article)
    session.flush()
    return article


def add_plan(
    session: Session,
    *,
    municipality: str,
    province: str,
    title: str,
    event_type: str,
    event_date: date | None,
    precision: str = "day",
    text: str = "",
    sources: list[tuple[str, str | None]] | None = None,  # (outlet, url)
    published: datetime | None = None,
    counts: dict[str, int | None] | None = None,
    previous_counts: dict[str, int | None] | None = None,
    period: tuple[int | None, int | None] = (None, None),
    vision: str | None = None,
    phase: int | None = None,
    items: list[str] | None = None,
    headline: str | None = None,
    kind: str = "new_plan",
    family: str = "4ir",
) -> Made:
    """A plan with one event reported by ``sources`` and a DigestItem for it."""
    n = next(_serial)
    counts = counts or {}
    plan = Plan(
        key=f"{municipality}|{family}|{n}",
        municipality=municipality,
        province=province,
        family=family,
        title=title,
        phase=phase,
        period_start=period[0],
        period_end=period[1],
        vision=vision,
        previous_counts=previous_counts,
        items=items or [],
        stage=event_type,
        **{k: counts.get(k) for k in ("strategies", "tasks", "action_tasks", "projects")},
    )
    session.add(plan)
    session.flush()
    ev = PlanEvent(plan_id=plan.id, type=event_type, date=event_date, date_precision=precision)
    session.add(ev)
    session.flush()
    article_ids = []
    for outlet, url in sources or [("중도일보", f"https://example.kr/news/{n}")]:
        article = add_article(
            session,
            title=headline or f"{municipality} {title} 보도",
            text=text
            or f"{municipality}는 {title}을 논의했다. 두 번째 문장이다. 세 번째 문장은 요약에 없다.",
            outlet=outlet,
            url=url,
            published=published
            or (datetime(event_date.year, event_date.month, event_date.day, 10) if event_date else None),
        )
        session.add(EventSource(event_id=ev.id, article_id=article.id))
        article_ids.append(article.id)
    session.flush()
    item = DigestItem(kind=kind, dedup_key=f"{kind}:{plan.id}:{ev.id}:{n}", plan_id=plan.id, event_id=ev.id)
    session.add(item)
    session.flush()
    return Made(plan.id, ev.id, article_ids, item.id)


def add_update(
    session: Session,
    plan_id: int,
    *,
    event_type: str,
    event_date: date,
    changes: list[tuple[str, Any, Any]],
    sources: list[tuple[str, str | None]] | None = None,
    text: str = "",
) -> Made:
    """A new event on an existing plan with its changes (field, old, new) and an updated_plan item."""
    n = next(_serial)
    plan = session.get(Plan, plan_id)
    ev = PlanEvent(plan_id=plan_id, type=event_type, date=event_date)
    session.add(ev)
    session.flush()
    article_ids = []
    for outlet, url in sources or [("광주일보", f"https://example.kr/update/{n}")]:
        article = add_article(
            session,
            title=f"{plan.municipality} 계획 변경",
            text=text or f"{plan.municipality}가 계획을 바꿨다. 규모가 커졌다.",
            outlet=outlet,
            url=url,
            published=datetime(event_date.year, event_date.month, event_date.day, 9),
        )
        session.add(EventSource(event_id=ev.id, article_id=article.id))
        article_ids.append(article.id)
    change_ids = []
    for field_name, old, new in changes:
        change = PlanChange(plan_id=plan_id, event_id=ev.id, field=field_name, old=old, new=new)
        session.add(change)
        session.flush()
        change_ids.append(change.id)
    item = DigestItem(
        kind="updated_plan",
        dedup_key=f"updated:{plan_id}:{ev.id}:{n}",
        plan_id=plan_id,
        event_id=ev.id,
        change_ids=change_ids,
    )
    session.add(item)
    session.flush()
    return Made(plan_id, ev.id, article_ids, item.id)


def add_news(
    session: Session,
    *,
    title: str,
    text: str,
    outlet: str = "경기일보",
    url: str | None = None,
    municipality: str | None = None,
    province: str | None = None,
    published: datetime | None = None,
) -> Made:
    extraction = (
        {"plan": {"municipality": municipality, "province": province, "title": None}}
        if municipality
        else None
    )
    article = add_article(
        session,
        title=title,
        text=text,
        outlet=outlet,
        url=url,
        published=published or datetime(2026, 11, 20, 9),
        extraction=extraction,
    )
    item = DigestItem(kind="news", dedup_key=f"news:{article.id}", article_id=article.id)
    session.add(item)
    session.flush()
    return Made(None, None, [article.id], item.id)


def add_subscriber_row(session: Session, email: str, **fields: Any) -> Subscriber:
    s = Subscriber(email=email, **fields)
    session.add(s)
    session.flush()
    return s


def deliveries_of(db, email: str) -> list[Delivery]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Delivery)
                .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
                .where(Subscriber.email == email)
                .order_by(Delivery.item_id)
            )
        )


def outgoing(db) -> list[OutgoingMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))


def seed_like_plans(session: Session) -> dict[str, Made]:
    """Five plans shaped like the seeds' records (domain.md), with Korean text and sources."""
    return {
        "안양시": add_plan(
            session,
            municipality="안양시",
            province="경기도",
            title="제2기 안양시 4차 산업혁명 촉진 종합계획",
            event_type="plan_interim_report",
            event_date=date(2024, 9, 24),
            period=(2025, 2029),
            phase=2,
            sources=[
                ("중도일보", "https://www.joongdo.co.kr/web/view.php?key=1"),
                ("경기일보", "https://www.kyeonggi.com/a/2"),
            ],
            text=ANYANG_LEAD + " 세 번째 문장.",
        ),
        "부천시": add_plan(
            session,
            municipality="부천시",
            province="경기도",
            title="부천시 4차 산업혁명 촉진 종합계획",
            event_type="committee_meeting",
            event_date=date(2022, 11, 16),
            counts={"tasks": 9, "action_tasks": 31},
            previous_counts={"tasks": 7, "action_tasks": 17},
            vision="스마트라이프를 위한 첨단융합산업 선도 도시, 부천",
        ),
        "광양시": add_plan(
            session,
            municipality="광양시",
            province="전라남도",
            title="광양시 4차산업혁명 촉진 기본계획",
            event_type="plan_adopted",
            event_date=date(2023, 2, 1),
            precision="month",
            period=(2023, 2027),
            counts={"strategies": 4, "tasks": 10, "projects": 29},
            vision="ABC 중심의 스마트 청정 미래산업 도시",
            sources=[("광주일보", "http://www.kwangju.co.kr/article.php?aid=1")],
        ),
        "대전광역시": add_plan(
            session,
            municipality="대전광역시",
            province="대전광역시",
            title="4차 산업혁명 특별시 대전육성 기본계획",
            event_type="committee_launch",
            event_date=date(2017, 7, 31),
            counts={"strategies": 4, "tasks": 17},
            previous_counts={"strategies": 3, "tasks": 12},
        ),
        "시흥시": add_plan(
            session,
            municipality="시흥시",
            province="경기도",
            title="시흥시 스마트도시계획",
            event_type="mou",
            event_date=date(2018, 4, 17),
            vision="지속가능한 스마트 프로슈밍 시티, 시흥",
            sources=[("경인일보", "https://www.gginews.kr/news/1")],
        ),
    }
