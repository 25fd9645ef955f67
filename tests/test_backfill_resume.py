"""`planwatch backfill` when things go wrong: an article that fails, a site that cannot be reached,
a feed that cannot be walked back, a run killed by its page budget.

One NDSoft fixture site publishes 25 articles (three list pages of ten, dated rows).
An article of page 2 answers 500 the first time, and so does list page 3. The first
run stops at page 3, and must not count page 2 as done: the second run reads page 2
again (fetching only the failed article), then page 3 and the empty page 4, and the
walk is done; a third run sends nothing. A source on a closed port is one line and
the others go on; a feed without a preset is skipped with its reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sites.families import NDSOFT, family_routes
from sites.plan_news import ordinary_article
from sites.server import FailingFirst, FixtureServer, Page, closed_port

pytestmark = pytest.mark.slow

ARTICLES = [ordinary_article(7000 + i, ("강릉시", "동해시", "삼척시")[i % 3], date(2021, 1 + i % 12, 1 + i)) for i in range(25)]
FAILING = ARTICLES[4]  # on the second list page (newest first)


def planwatch(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "planwatch", "--config", str(tmp / "planwatch.toml"), "--db",
           f"sqlite:///{tmp / 'resume.db'}", *args]
    return subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resume")
    with FixtureServer() as site:
        routes = family_routes(NDSOFT, site.url(""), ARTICLES, "동해안일보")
        path = NDSOFT.article_path(FAILING.key)
        page = routes[path]
        assert isinstance(page, Page)
        error = Page(b"<html>error</html>", status=500, headers={"Content-Type": "text/html"})
        routes[path] = FailingFirst(page, error)
        third = routes[NDSOFT.list_path(3)]
        assert isinstance(third, Page)
        routes[NDSOFT.list_path(3)] = FailingFirst(third, error)
        site.routes.update(routes)
        (tmp / "planwatch.toml").write_text(f"""
[crawl]
allow_private_addresses = true
delay = 0
autothrottle = false
retries = 0
timeout = 5

[[source]]
name = "donghaean"
preset = "ndsoft"
url = "{site.url('')}"

[[source]]
name = "gone"
preset = "ndsoft"
type = "listing"
url = "http://127.0.0.1:{closed_port()}"

[[source]]
name = "some-feed"
type = "feed"
url = "{site.url('/rss/other.xml')}"
""", encoding="utf-8")
        out = []
        for _ in range(3):
            proc = planwatch(tmp, "backfill", "--since", "2020-06-01")
            out.append((proc, [r.target for r in site.log]))
            site.clear_log()
        as_json = planwatch(tmp, "backfill", "--since", "2020-06-01", "--json")
    status = planwatch(tmp, "backfill", "--status", "--json")
    return out, json.loads(as_json.stdout), json.loads(status.stdout)


def test_an_unreachable_source_is_one_line_and_the_others_go_on(runs):
    proc, log = runs[0][0]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("source gone:")]
    assert len(lines) == 1 and "cannot" in lines[0], proc.stdout
    assert any(t.startswith("/news/articleView.html") for t in log)


def test_a_feed_without_a_preset_is_skipped_with_its_reason(runs):
    proc, _ = runs[0][0]
    assert "source some-feed: skipped: a feed holds only the newest articles" in proc.stdout.replace("\n", " ")


def test_a_failed_article_or_list_page_is_read_again_and_nothing_else(runs):
    (_, first), (_, second), (_, third) = runs[0]
    newest = sorted(ARTICLES, key=lambda a: a.published, reverse=True)
    paths = [NDSOFT.article_path(a.key) for a in newest]
    failing = NDSOFT.article_path(FAILING.key)
    assert failing in paths[10:20]
    lists = [NDSOFT.list_path(n) for n in (1, 2, 3, 4)]
    assert [t for t in first if t in lists] == lists[:3]  # page 3 failed: the run stops there
    assert sorted(t for t in first if t in paths) == sorted(paths[:20])  # pages 1 and 2, one of them failed
    assert [t for t in second if t in lists] == lists[1:]  # again from page 2, the failed article's page
    assert sorted(t for t in second if t in paths) == sorted([failing, *paths[20:]])
    assert [t for t in third if t != "/robots.txt"] == []  # done: nothing at all


def test_the_status_shows_each_walk_without_fetching(runs):
    cursors = {c["source"]: c for c in runs[2]}
    assert cursors["donghaean"]["done"] and cursors["donghaean"]["runs"] == 2  # the third run did not count
    assert cursors["donghaean"]["articles_found"] == len(ARTICLES)
    assert cursors["donghaean"]["pages_read"] == 2 + 3  # pages 1-2 (3 failed), then 2-4
    assert not cursors["gone"]["done"] and cursors["gone"]["page"] == 1


def test_the_json_says_which_walks_are_done(runs):
    _, data, _ = runs
    states = {s["name"]: s["backfill"]["state"] for s in data["sources"]}
    assert states["donghaean"] == "done"
    assert states["gone"] == "continues"  # never reached: it starts again next run
    assert "some-feed" in data["skipped"]
