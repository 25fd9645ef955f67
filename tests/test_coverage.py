"""storage.coverage.coverage_report over a database written row by row, on SQLite and PostgreSQL.

Homonym governments (중구 of 서울 and of 부산) are told apart by province; an
article counts as recent by its publication time (KST), else by when it was stored;
a source is silent after its own ``silent_after`` since its newest article's publication
(an old article found today by a backfill does not make it fresh), never when it brought
nothing yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from planwatch.config import parse_config
from storage import models as m
from storage.coverage import coverage_report

NOW = datetime(2026, 5, 20, 3, 0)  # naive UTC; 12:00 in Seoul

CONFIG = """
[[source]]
name = "seoul-paper"
type = "feed"
url = "https://seoul.example.kr/rss"
provinces = ["서울"]

[[source]]
name = "busan-paper"
type = "feed"
url = "https://busan.example.kr/rss"
provinces = ["부산", "울산"]
silent_after = "10d"

[[source]]
name = "weekly"
type = "feed"
url = "https://weekly.example.kr/rss"
provinces = ["부산"]

[[source]]
name = "portal"
type = "feed"
url = "https://portal.example.kr/rss"

[[source]]
name = "old"
type = "feed"
url = "https://old.example.kr/rss"
provinces = ["서울"]
enabled = false
"""


def add_article(session, n: int, origin: str, published: datetime | None, created: datetime) -> None:
    session.add(m.Article(canonical_url=f"https://x.example.kr/{n}", url=f"https://x.example.kr/{n}",
                          content_hash=f"{n:064d}", title=f"기사 {n}", text="본문", origin=origin,
                          published=published, created_at=created))


def add_plan(session, key: str, municipality: str, province: str) -> None:
    session.add(m.Plan(key=key, municipality=municipality, province=province, family="4ir"))


def test_coverage_per_province_and_government(db):
    config = parse_config(CONFIG)
    with db.session() as session:
        # 서울: recent by publication (KST) and one just outside 30 days; 부산: one stored recently without a date
        add_article(session, 1, "seoul-paper", NOW + timedelta(hours=9) - timedelta(days=2), NOW - timedelta(days=2))
        add_article(session, 2, "seoul-paper", NOW + timedelta(hours=9) - timedelta(days=31), NOW - timedelta(hours=1))
        add_article(session, 3, "busan-paper", None, NOW - timedelta(days=8))
        # found yesterday by a backfill, published 40 days ago: the portal is still silent
        add_article(session, 4, "portal", NOW + timedelta(hours=9) - timedelta(days=40), NOW - timedelta(days=1))
        add_plan(session, "a", "중구", "서울특별시")
        add_plan(session, "b", "중구", "서울특별시")
        add_plan(session, "c", "서울특별시", "서울특별시")
        add_plan(session, "d", "기장군", "부산광역시")
    with db.session(read_only=True) as session:
        report = coverage_report(session, config.sources, NOW, "3d")
    provinces = {p.province: p for p in report.provinces}
    seoul, busan, ulsan = provinces["서울특별시"], provinces["부산광역시"], provinces["울산광역시"]
    assert seoul.sources == ("seoul-paper",)  # the disabled one is not watching
    assert busan.sources == ("busan-paper", "weekly") and ulsan.sources == ("busan-paper",)
    assert (seoul.articles_recent, busan.articles_recent, ulsan.articles_recent) == (1, 1, 1)
    assert (seoul.plans, seoul.governments_with_plan, seoul.governments) == (3, 2, 26)
    assert (busan.plans, busan.governments_with_plan, busan.governments) == (1, 1, 17)
    assert "중구" in busan.without_plan and "중구" not in seoul.without_plan
    assert report.national_sources == ("portal",)
    assert len(report.governments) == 243 and len(report.governments_without_plan) == 240
    states = {s.name: s.state for s in report.sources}
    assert states == {"seoul-paper": "ok", "busan-paper": "ok", "weekly": "never", "portal": "silent",
                      "old": "disabled"}
    data = report.to_dict()
    assert data["silent_sources"] == ["portal"]
    assert "부산광역시 중구" in data["governments_without_plan"] and "서울특별시 중구" not in data["governments_without_plan"]
    assert data["totals"] == {"governments": 243, "governments_with_plan": 3, "plans": 4}
