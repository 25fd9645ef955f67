"""Coverage: which provinces and governments planwatch watches, what it knows of each, and where it is blind.

``coverage_report`` is a pure function of the database and the configured sources:
it reads, writes nothing, and returns typed records that the command line
(``planwatch coverage``) prints and the web desk draws as its map. Per province
(the 17 광역 of the gazetteer): the sources whose ``provinces`` name it, their
articles of the last 30 days, the plans known there, and how many of its
governments (the 광역 itself and its 기초 governments; 243 in all) have at least
one plan; then every government without any plan, and the sources that have
brought nothing new for longer than their ``silent_after``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from extractors.gazetteer import Gazetteer, load_gazetteer
from planwatch.config import Source
from storage import models as m

RECENT_DAYS = 30
KST_OFFSET = timedelta(hours=9)  # Article.published is the outlet's local time (KST), naive


@dataclass(frozen=True)
class SourceCoverage:
    name: str
    type: str
    provinces: tuple[str, ...]  # empty: national (a portal search)
    enabled: bool
    articles: int  # stored from this source, ever
    # its newest article (UTC): by publication time, so that a backfill's old finds do not make a
    # source look fresh; by the time it was stored when no article of the source has a date
    last_article_at: datetime | None
    silent_after_days: float
    state: str  # ok | silent (nothing new for longer than silent_after) | never (no article yet) | disabled


@dataclass(frozen=True)
class GovernmentCoverage:
    name: str
    level: str  # 광역 | 시 | 군 | 구
    province: str
    plans: int


@dataclass(frozen=True)
class ProvinceCoverage:
    province: str
    sources: tuple[str, ...]  # enabled sources whose provinces name it
    articles_recent: int  # their articles published in the last RECENT_DAYS days
    plans: int
    governments_with_plan: int
    governments: int
    without_plan: tuple[str, ...]  # its governments with no plan, in gazetteer order


@dataclass(frozen=True)
class CoverageReport:
    as_of: datetime
    recent_days: int
    provinces: tuple[ProvinceCoverage, ...]
    national_sources: tuple[str, ...]  # enabled sources without provinces
    sources: tuple[SourceCoverage, ...]
    governments: tuple[GovernmentCoverage, ...]

    @property
    def governments_without_plan(self) -> tuple[GovernmentCoverage, ...]:
        return tuple(g for g in self.governments if g.plans == 0)

    @property
    def silent_sources(self) -> tuple[SourceCoverage, ...]:
        return tuple(s for s in self.sources if s.state == "silent")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat(timespec="seconds")
        for source in out["sources"]:
            when = source["last_article_at"]
            source["last_article_at"] = when.isoformat(timespec="seconds") if when else None
        out["governments_without_plan"] = [g.name if g.level == "광역" else f"{g.province} {g.name}"
                                           for g in self.governments_without_plan]
        out["silent_sources"] = [s.name for s in self.silent_sources]
        out["totals"] = {
            "governments": len(self.governments),
            "governments_with_plan": sum(1 for g in self.governments if g.plans),
            "plans": sum(p.plans for p in self.provinces),
        }
        return out


def coverage_report(
    session: Session,
    sources: Sequence[Source],
    now: datetime,
    default_silent_after: str = "3d",
    gazetteer: Gazetteer | None = None,
) -> CoverageReport:
    """The coverage of ``sources`` over the database at ``now`` (naive UTC, as the database stores times)."""
    gaz = gazetteer or load_gazetteer()
    plans_by_government = Counter(
        {(muni, prov): n for muni, prov, n in session.execute(
            select(m.Plan.municipality, m.Plan.province, func.count()).group_by(m.Plan.municipality, m.Plan.province)
        )}
    )
    governments = tuple(
        GovernmentCoverage(g.name, g.level, g.province, plans_by_government.get((g.name, g.province), 0))
        for g in gaz.governments
    )
    source_rows = tuple(_source_coverage(session, s, now, default_silent_after) for s in sources)
    recent = _recent_articles_by_source(session, [s.name for s in sources], now)
    by_province: dict[str, list[GovernmentCoverage]] = defaultdict(list)
    for g in governments:
        by_province[g.province].append(g)
    provinces = []
    for metro in gaz.provinces:
        watching = tuple(s.name for s in sources if s.enabled and metro.name in s.provinces)
        members = by_province[metro.name]
        provinces.append(ProvinceCoverage(
            province=metro.name,
            sources=watching,
            articles_recent=sum(recent.get(name, 0) for name in watching),
            plans=sum(g.plans for g in members),
            governments_with_plan=sum(1 for g in members if g.plans),
            governments=len(members),
            without_plan=tuple(g.name for g in members if not g.plans),
        ))
    national = tuple(s.name for s in sources if s.enabled and not s.provinces)
    return CoverageReport(now, RECENT_DAYS, tuple(provinces), national, source_rows, governments)


def _source_coverage(session: Session, source: Source, now: datetime, default_silent_after: str) -> SourceCoverage:
    count, newest_published, newest_stored = session.execute(
        select(func.count(), func.max(m.Article.published), func.max(m.Article.created_at))
        .where(m.Article.origin == source.name)
    ).one()
    last = newest_published - KST_OFFSET if newest_published is not None else newest_stored
    silent_after = source.silent_after_seconds(default_silent_after)
    if not source.enabled:
        state = "disabled"
    elif last is None:
        state = "never"
    elif now - last > timedelta(seconds=silent_after):
        state = "silent"
    else:
        state = "ok"
    return SourceCoverage(source.name, source.type, tuple(source.provinces), source.enabled, int(count), last,
                          round(silent_after / 86400, 2), state)


def _recent_articles_by_source(session: Session, names: list[str], now: datetime) -> dict[str, int]:
    """Articles per source published (else stored) in the last RECENT_DAYS days; ``published`` is KST."""
    if not names:
        return {}
    kst_now = now + KST_OFFSET
    start_kst = kst_now - timedelta(days=RECENT_DAYS)
    start_utc = now - timedelta(days=RECENT_DAYS)
    rows = session.execute(
        select(m.Article.origin, func.count())
        .where(m.Article.origin.in_(names))
        .where(or_(m.Article.published >= start_kst,
                   (m.Article.published.is_(None)) & (m.Article.created_at >= start_utc)))
        .group_by(m.Article.origin)
    )
    return {origin: int(n) for origin, n in rows if origin is not None}

