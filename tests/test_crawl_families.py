"""End to end: `planwatch crawl` reads one fixture site of every CMS family a preset was added for.

Each family's site (tests/sites/families.py) publishes twelve articles, plan steps
and ordinary news, listed ten to a page: the crawl must follow the family's paging
(a page number or a "next" link), find every article through the preset alone (one
line of configuration per site), and extract each with the preset's selectors: the
title, the date the page prints and the text without the page's chrome.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import ExitStack
from datetime import date

import pytest
from sites.articles import FixtureArticle
from sites.families import FAMILIES, family_routes
from sites.plan_news import PlanStep, ordinary_article, plan_article
from sites.server import FixtureServer

pytestmark = pytest.mark.slow

OUTLETS = {
    "web-view-php": "영남일보", "page-view": "강원일보", "busan-view": "부산일보", "newsbody-asp": "국제신문",
    "yna": "연합뉴스", "newsis": "뉴시스", "news1": "뉴스1", "egov-bbs": "강릉시",
    "bbs-list-do": "원주시",
}
TOWNS = ("강릉시", "속초시", "정선군", "원주시")
EVENTS = ("plan_kickoff", "plan_interim_report", "plan_final_report")


def family_articles(index: int) -> list[FixtureArticle]:
    """Twelve distinct articles for the family numbered ``index``: six plan steps, six ordinary."""
    base = 10_000 * (index + 1)
    out = []
    for i in range(6):
        day = date(2020 + i % 3, 1 + index, 3 + i)
        step = PlanStep(base + i, TOWNS[(index + i) % 4], "시청" if TOWNS[(index + i) % 4].endswith("시") else "군청",
                        EVENTS[i % 3], day, 1 + index % 2)
        out.append(plan_article(step))
        out.append(ordinary_article(base + 100 + i, TOWNS[i % 4], day))
    return out


def config_text(servers: dict[str, FixtureServer]) -> str:
    lines = ["[crawl]", "allow_private_addresses = true", "delay = 0", "autothrottle = false", "retries = 0",
             "timeout = 10", "max_pages = 5", ""]
    for preset, server in servers.items():
        family = FAMILIES[preset]
        lines += ["[[source]]", f'name = "{preset}-site"', f'preset = "{preset}"',
                  f'url = "{family.source_url(server.url(""))}"', ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("families")
    published: dict[str, list[FixtureArticle]] = {}
    with ExitStack() as stack:
        servers = {p: stack.enter_context(FixtureServer()) for p in FAMILIES}
        for index, (preset, server) in enumerate(servers.items()):
            published[preset] = family_articles(index)
            server.routes.update(family_routes(FAMILIES[preset], server.url(""), published[preset], OUTLETS[preset]))
        config = tmp / "planwatch.toml"
        config.write_text(config_text(servers), encoding="utf-8")
        db = tmp / "families.db"
        proc = subprocess.run([sys.executable, "-m", "planwatch", "--config", str(config), "--db", f"sqlite:///{db}",
                               "crawl", "--no-digest"], cwd=tmp, capture_output=True, text=True, timeout=300)
        logs = {p: list(s.log) for p, s in servers.items()}
        ports = {p: s.port for p, s in servers.items()}
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM articles")]
        plans = [dict(r) for r in conn.execute("SELECT municipality, province FROM plans")]
    return {"published": published, "rows": rows, "logs": logs, "ports": ports, "plans": plans}


@pytest.mark.parametrize("preset", list(FAMILIES))
def test_every_article_of_the_family_is_found_once_and_read_right(crawled, preset):
    port = crawled["ports"][preset]
    family = FAMILIES[preset]
    stored = {r["url"].split(f":{port}", 1)[1]: r for r in crawled["rows"] if f":{port}/" in (r["url"] or "")}
    expected = crawled["published"][preset]
    article_paths = {family.article_path(a.key) for a in expected}
    assert set(stored) == article_paths
    fetched = [r.target for r in crawled["logs"][preset] if r.target in article_paths]
    assert sorted(fetched) == sorted(article_paths)  # each article once
    for article in expected:
        row = stored[family.article_path(article.key)]
        assert row["title"] == article.title
        assert row["published"].startswith(article.published), (preset, row["published"], article.published)
        assert row["text"].startswith(article.paragraphs[0])
        assert all(p in row["text"] for p in article.paragraphs)
        for chrome in ("많이 본 뉴스", "무단전재", "발행인", "작성자", "보도자료.hwp", "첨부파일", "담당부서"):
            assert chrome not in row["text"], (preset, chrome)
        assert bool(row["relevant"]) == article.relevant


def test_the_plans_of_every_family_are_built(crawled):
    assert {(p["municipality"], p["province"]) for p in crawled["plans"]} == {(t, "강원특별자치도") for t in TOWNS}
