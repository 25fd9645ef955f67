"""The plan list's query: filters, search, sorting and paging, read from a URL and run in SQL.

Every page that lists plans (``/``, ``/plans.csv``, ``/plans.xlsx``, ``/feeds/plans.atom``,
``/api/v1/plans``) takes the same query string, parsed by ``PlanQuery.from_params``; an
unknown value is refused with one line naming it (``QueryError``), an empty one means
"no filter" (what an HTML form sends for a field left blank).

The filters run in the database, so a page of 50 out of 10,000 plans reads 50 plans:

- ``province``, ``municipality``, ``family``, ``stage``: equal to the plan's;
- ``event`` (an event type) and ``date_from`` / ``date_to``: the plan has one event that is
  of that type and dated in that range (an event without a date counts by the day it was
  first reported);
- ``changed_since``: the plan was created or changed on or after that day (Korean time);
- ``q``: every word occurs in the plan's title, vision, items, municipality or in the title of
  an article reporting one of its events (ignoring case).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timezone
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement, Select

from planwatch.records import EVENT_TYPES
from storage import models as m

KST = ZoneInfo("Asia/Seoul")
FAMILIES: tuple[str, ...] = ("4ir", "smart_city", "digital", "ai", "informatization")
SORTS: dict[str, str] = {
    "updated": "최근 변경순 · recently changed",
    "event": "최근 일정순 · latest event",
    "place": "지역순 · by place",
    "title": "계획명순 · by title",
}
DEFAULT_SORT = "updated"
MAX_PER_PAGE = 500
MAX_QUERY_CHARS = 200
MAX_WORDS = 8
LIKE_ESCAPE = "!"
FILTER_KEYS: tuple[str, ...] = (
    "q", "province", "municipality", "family", "stage", "event", "date_from", "date_to", "changed_since",
)


class QueryError(ValueError):
    """A refused query value, phrased as one line naming the parameter."""


@dataclass(frozen=True)
class PlanQuery:
    q: str | None = None
    province: str | None = None
    municipality: str | None = None
    family: str | None = None
    stage: str | None = None
    event: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    changed_since: date | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = 50
    words: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, per_page: int = 50) -> PlanQuery:
        """Parse a query string's values; raises QueryError for the first bad one."""
        value = {key: (params.get(key) or "").strip() for key in (*FILTER_KEYS, "sort", "page", "per_page")}
        q = value["q"][:MAX_QUERY_CHARS] or None
        for key in ("province", "municipality"):
            if len(value[key]) > 100:
                raise QueryError(f"{key}: at most 100 characters")
        family = value["family"] or None
        if family is not None and family not in FAMILIES:
            raise QueryError(f"family: unknown plan family {family!r} (one of {', '.join(FAMILIES)})")
        for key in ("stage", "event"):
            if value[key] and value[key] not in EVENT_TYPES:
                raise QueryError(f"{key}: unknown event type {value[key]!r} (one of {', '.join(EVENT_TYPES)})")
        sort = value["sort"] or DEFAULT_SORT
        if sort not in SORTS:
            raise QueryError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}")
        query = cls(
            q=q,
            province=value["province"] or None,
            municipality=value["municipality"] or None,
            family=family,
            stage=value["stage"] or None,
            event=value["event"] or None,
            date_from=_day(value["date_from"], "date_from"),
            date_to=_day(value["date_to"], "date_to"),
            changed_since=_day(value["changed_since"], "changed_since"),
            sort=sort,
            page=_positive(value["page"], "page", 1, 1_000_000),
            per_page=_positive(value["per_page"], "per_page", per_page, MAX_PER_PAGE),
            words=tuple((q or "").split()[:MAX_WORDS]),
        )
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise QueryError("date_from: after date_to")
        return query

    def filters(self) -> dict[str, str]:
        """The filter part of the query as URL parameters (no sort or page), empty ones left out."""
        out: dict[str, str] = {}
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if value:
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def query_string(self, **changes: Any) -> str:
        """This query's URL parameters with some changed (``page=2``), defaults left out."""
        merged = replace(self, **changes) if changes else self
        params = merged.filters()
        if merged.sort != DEFAULT_SORT:
            params["sort"] = merged.sort
        if merged.page != 1:
            params["page"] = str(merged.page)
        return urlencode(params)

    def is_filtered(self) -> bool:
        return bool(self.filters())


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise QueryError(f"{name}: expected a date like 2024-09-24, got {text[:30]!r}") from None


def _positive(text: str, name: str, default: int, limit: int) -> int:
    if not text:
        return default
    try:
        number = int(text)
    except ValueError:
        raise QueryError(f"{name}: expected a whole number, got {text[:30]!r}") from None
    if not 1 <= number <= limit:
        raise QueryError(f"{name}: expected 1 to {limit}, got {number}")
    return number


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE's wildcards in the word taken literally (escape ``!``)."""
    escaped = word.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


def json_text(word: str) -> str:
    """How ``word`` reads inside a stored JSON list (non-ASCII written as ``\\uXXXX`` escapes)."""
    return json.dumps(word)[1:-1]


def event_date() -> ColumnElement[Any]:
    return func.coalesce(m.PlanEvent.date, m.PlanEvent.first_reported)


def contains(column: Any, pattern: str, dialect: str) -> ColumnElement[bool]:
    """``column`` matches the LIKE ``pattern`` ignoring case: SQLite's LIKE already ignores the case of
    ASCII letters (as its lower() does, and Hangul has none), PostgreSQL needs ILIKE."""
    if dialect == "sqlite":
        return column.like(pattern, escape=LIKE_ESCAPE)  # type: ignore[no-any-return]
    return column.ilike(pattern, escape=LIKE_ESCAPE)  # type: ignore[no-any-return]


def word_condition(word: str, dialect: str) -> ColumnElement[bool]:
    pattern = like_pattern(word)
    # the plans with an article of that title: uncorrelated subqueries run once, not once per plan
    titled = select(m.Article.id).where(contains(m.Article.title, pattern, dialect))
    reported = select(m.EventSource.event_id).where(m.EventSource.article_id.in_(titled))
    in_article_titles = m.Plan.id.in_(
        select(m.PlanEvent.plan_id)
        .where(m.PlanEvent.id.in_(reported))
        .correlate(None)  # the events list has plan_events outside too: never tie this to it
    )
    return or_(
        contains(m.Plan.title, pattern, dialect),
        contains(m.Plan.vision, pattern, dialect),
        contains(m.Plan.municipality, pattern, dialect),
        contains(cast(m.Plan.items, String), pattern, dialect),
        contains(cast(m.Plan.items, String), like_pattern(json_text(word)), dialect),
        in_article_titles,
    )


def conditions(query: PlanQuery, dialect: str) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if query.province:
        out.append(m.Plan.province == query.province)
    if query.municipality:
        out.append(m.Plan.municipality == query.municipality)
    if query.family:
        out.append(m.Plan.family == query.family)
    if query.stage:
        out.append(m.Plan.stage == query.stage)
    if query.event or query.date_from or query.date_to:
        event = aliased(m.PlanEvent)  # its own name: the events list joins plan_events around this
        wanted: list[ColumnElement[bool]] = [event.plan_id == m.Plan.id]
        if query.event:
            wanted.append(event.type == query.event)
        if query.date_from:
            wanted.append(func.coalesce(event.date, event.first_reported) >= query.date_from)
        if query.date_to:
            wanted.append(func.coalesce(event.date, event.first_reported) <= query.date_to)
        out.append(exists(select(1).select_from(event).where(and_(*wanted)).correlate(m.Plan)))
    if query.changed_since:
        out.append(m.Plan.updated_at >= kst_day_start_utc(query.changed_since))
    out.extend(word_condition(word, dialect) for word in query.words)
    return out


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def kst_day_start_utc(day: date) -> datetime:
    """Midnight of ``day`` in Korea as the naive UTC the database keeps."""
    return datetime.combine(day, time(), KST).astimezone(timezone.utc).replace(tzinfo=None)


def latest_events() -> Any:
    """Each plan's latest event date (its last dated or reported event), one grouped pass."""
    return (
        select(m.PlanEvent.plan_id.label("plan_id"), func.max(event_date()).label("latest"))
        .group_by(m.PlanEvent.plan_id)
        .subquery("latest_events")
    )


def ordered(statement: Select[Any], sort: str) -> Select[Any]:
    if sort == "event":
        latest = latest_events()
        return statement.outerjoin(latest, latest.c.plan_id == m.Plan.id).order_by(
            latest.c.latest.is_(None), latest.c.latest.desc(), m.Plan.id.desc()
        )
    if sort == "place":
        return statement.order_by(m.Plan.province, m.Plan.municipality, m.Plan.id)
    if sort == "title":
        return statement.order_by(m.Plan.title.is_(None), m.Plan.title, m.Plan.id)
    return statement.order_by(m.Plan.updated_at.desc(), m.Plan.id.desc())


@dataclass
class PlanPage:
    """One page of the list: the matching plans' ids in order, and how many match in all."""

    query: PlanQuery
    total: int
    ids: list[int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.query.page - 1) * self.query.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.query.page * self.query.per_page)


def matching_count(session: Session, query: PlanQuery) -> int:
    return int(session.scalar(select(func.count()).select_from(m.Plan).where(*conditions(query, dialect_of(session)))) or 0)


def plan_page(session: Session, query: PlanQuery, total: int | None = None) -> PlanPage:
    """The ids of the plans on ``query``'s page, in its order (``total`` when the caller counted them)."""
    if total is None:
        total = matching_count(session, query)
    statement = ordered(select(m.Plan.id).where(*conditions(query, dialect_of(session))), query.sort)
    statement = statement.limit(query.per_page).offset((query.page - 1) * query.per_page)
    return PlanPage(query, total, list(session.scalars(statement)))


def all_matching_ids(session: Session, query: PlanQuery, limit: int | None = None) -> list[int]:
    """Every matching plan's id in the query's order (exports and feeds), at most ``limit``."""
    statement = ordered(select(m.Plan.id).where(*conditions(query, dialect_of(session))), query.sort)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def place_names() -> dict[str, list[str]]:
    """The names the filter form offers: every province and municipality of the gazetteer."""
    from extractors.gazetteer import load_gazetteer

    governments = load_gazetteer().governments
    return {
        "provinces": [g.name for g in governments if g.is_metro],
        "municipalities": sorted({g.name for g in governments if not g.is_metro}),
    }


def matching_events(session: Session, query: PlanQuery, limit: int) -> tuple[int, list[tuple[int, int]]]:
    """Events of the matching plans that are themselves of ``event`` and in the date range, newest
    first: how many in all, and (event id, plan id) of the first ``limit``."""
    wanted: list[ColumnElement[bool]] = [*conditions(query, dialect_of(session))]
    if query.event:
        wanted.append(m.PlanEvent.type == query.event)
    if query.date_from:
        wanted.append(event_date() >= query.date_from)
    if query.date_to:
        wanted.append(event_date() <= query.date_to)
    joined = select(m.PlanEvent.id, m.PlanEvent.plan_id).join(m.Plan, m.Plan.id == m.PlanEvent.plan_id).where(*wanted)
    total = int(session.scalar(select(func.count()).select_from(joined.subquery())) or 0)
    rows = session.execute(
        joined.order_by(event_date().is_(None), event_date().desc(), m.PlanEvent.id.desc()).limit(limit)
    ).tuples().all()
    return total, [(int(e), int(p)) for e, p in rows]
