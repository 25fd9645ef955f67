"""The crawler killed with SIGKILL in the middle of a crawl, then run again.

A fixture paper lists 60 articles in its feed and answers each one slowly enough
that the kill lands while pages are being fetched, extracted and stored. After the
kill nothing may be half-stored (an article without its raw page, an event without
a source); the next run must store every article the first one did not, each once,
and fetch none of those already stored.

Runs on the suite's database backend (SQLite file or PostgreSQL).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from faults_support import (
    FAST_CRAWL,
    alive,
    connect_db,
    finish,
    integrity_problems,
    kill,
    planwatch_cmd,
    start,
    write,
)
from sites.hostile import HostileServer, Slow, article_page, article_path, generated_articles
from sites.news import rss_xml
from sites.server import Page

pytestmark = [pytest.mark.slow, pytest.mark.faults]

ARTICLES = 60
KILL_AFTER_STORED = 12


def stored(db_url: str) -> set[str]:
    conn = connect_db(db_url)
    try:
        cur = conn.cursor()
        cur.execute("SELECT url FROM articles")
        return {row[0] for row in cur.fetchall()}
    finally:
        conn.close()


def problems(db_url: str) -> dict[str, int]:
    conn = connect_db(db_url)
    try:
        return integrity_problems(conn)
    finally:
        conn.close()


def test_a_crawl_killed_midway_loses_nothing_and_the_next_run_stores_the_rest_once(db, db_url: str,
                                                                                     tmp_path: Path) -> None:
    db.dispose()  # created and migrated; the crawls open it themselves
    articles = generated_articles(ARTICLES)
    titles = {a.key: a.title for a in articles}
    with HostileServer() as site:
        base = site.url("")
        site.routes["/rss/allArticle.xml"] = Page(
            rss_xml(base, tuple(str(a.key) for a in articles), titles).encode(),
            headers={"Content-Type": "application/rss+xml"}, etag='"all-60"')
        for article in articles:
            site.routes[article_path(article.key)] = Slow(article_page(article, base), 0.15)
        config = write(tmp_path / "planwatch.toml", FAST_CRAWL + f"""
[[source]]
name = "hanbit"
preset = "ndsoft"
url = "{base}"
""")
        cmd = planwatch_cmd(config, db_url, "crawl", "--json", "--no-digest")

        first = start(cmd, tmp_path, tag="killed")
        deadline = time.monotonic() + 90
        while len(stored(db_url)) < KILL_AFTER_STORED:
            assert alive(first), "the crawl ended before it could be killed"
            assert time.monotonic() < deadline, "the crawl stored nothing for 90 s"
            time.sleep(0.1)
        kill(first)
        finish(first, timeout=10)
        site.clear_log()

        at_kill = stored(db_url)
        assert KILL_AFTER_STORED <= len(at_kill) < ARTICLES  # killed in the middle
        assert problems(db_url) == {}  # nothing half-stored

        second = finish(start(cmd, tmp_path, tag="second"), timeout=120)
        refetched = {base + r.target for r in site.requests(path="/news/articleView.html")}

    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)["sources"][0]
    assert report["outcome"] == "ok" and report["errors"] == 0
    assert report["new_articles"] == ARTICLES - len(at_kill)
    every = {base + article_path(a.key) for a in articles}
    assert stored(db_url) == every
    assert problems(db_url) == {}  # and every article once
    assert refetched == every - at_kill  # nothing stored before is fetched again
