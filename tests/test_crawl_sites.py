"""End to end: `planwatch crawl` against fixture news sites served on 127.0.0.1.

Two real HTTP servers serve 한빛일보 (NDSoft CMS, UTF-8: feed, listing, sitemap,
search, robots.txt, 503 + Retry-After, a redirect, a gzip page, a wrong charset
header) and 남도신문 (CP949 without a charset header). Two sources cannot be
reached (a closed port, an unresolvable host). The crawl runs twice as a user would
(child processes of the real command line, one SQLite file), with --record on the
first run; the recorded WARC is then replayed into a fresh database.

What is checked comes from the servers' request logs and the stored rows.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sites.articles import HANBIT, NAMDO, FixtureArticle
from sites.news import (
    BOILERPLATE_MARKERS,
    FEED_ITEMS,
    GZIP_ARTICLE,
    LISTING_PAGES,
    MISLABELLED_ARTICLE,
    NAMDO_MISLABELLED,
    NAMDO_UNDECLARED,
    NEWS_SITEMAP,
    REDIRECTED_ARTICLE,
    RETRY_AFTER_ARTICLE,
    ROBOTS_FORBIDDEN,
    SEARCH_PAGES,
    SEARCH_QUERY,
    hanbit_routes,
    hanbit_sources_toml,
    namdo_routes,
)
from sites.server import FixtureServer, closed_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def planwatch(cwd: Path, config: Path, db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "planwatch", "--config", str(config), "--db", f"sqlite:///{db}",
           "--outbox", str(cwd / "outbox"), *args]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=240)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def write_config(path: Path, hanbit: FixtureServer, namdo: FixtureServer, refused_port: int) -> None:
    path.write_text(
        f"""
[crawl]
allow_private_addresses = true   # the fixture sites live on 127.0.0.1
delay = 0
autothrottle = false
retry_backoff = 0
retries = 2
timeout = 10
max_pages = 5
{hanbit_sources_toml(hanbit.url)}
[[source]]
name = "hanbit-search"
preset = "ndsoft"
type = "search"
url = "{hanbit.url('')}"
queries = ["{SEARCH_QUERY}"]

[[source]]
name = "namdo"
preset = "article-php"
type = "listing"
url = "{namdo.url('', host='localhost')}"

[[source]]
name = "gone-dns"
type = "feed"
url = "http://nonexistent.invalid/rss/allArticle.xml"

[[source]]
name = "gone-refused"
type = "feed"
url = "http://127.0.0.1:{refused_port}/rss/allArticle.xml"
""",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    with FixtureServer() as hanbit, FixtureServer() as namdo:
        hanbit.routes.update(hanbit_routes(hanbit.url("")))
        namdo.routes.update(namdo_routes(namdo.url("", host="localhost")))
        refused = closed_port()
        config = tmp / "planwatch.toml"
        write_config(config, hanbit, namdo, refused)
        db = tmp / "live.db"
        first = planwatch(tmp, config, db, "crawl", "--record", str(tmp / "warc"), "--json", "--no-digest")
        first_log = {"hanbit": list(hanbit.log), "namdo": list(namdo.log)}
        hanbit.clear_log()
        namdo.clear_log()
        second = planwatch(tmp, config, db, "crawl", "--no-digest")
        second_log = {"hanbit": list(hanbit.log), "namdo": list(namdo.log)}
        sources = planwatch(tmp, config, db, "sources")
    replay_db = tmp / "replay.db"
    replay = planwatch(tmp, config, replay_db, "replay", "--no-digest", str(tmp / "warc"))
    return {
        "tmp": tmp, "config": config, "db": db, "replay_db": replay_db, "refused": refused,
        "first": first, "summary": json.loads(first.stdout), "first_log": first_log,
        "second": second, "second_log": second_log, "sources": sources, "replay": replay,
    }


def article_requests(log, key: int) -> list:
    return [r for r in log if r.path == "/news/articleView.html" and r.params.get("idxno") == str(key)]


def articles(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM articles ORDER BY canonical_url").fetchall()
    return {row["title"]: dict(row) for row in rows}


def report(summary: dict, name: str) -> dict:
    return next(s for s in summary["sources"] if s["name"] == name)


EXPECTED = [a for a in HANBIT if a.key != ROBOTS_FORBIDDEN] + list(NAMDO)


def test_every_article_is_found_and_fetched_once(crawled):
    logs = crawled["first_log"]["hanbit"] + crawled["second_log"]["hanbit"]
    for article in HANBIT:
        if article.key in (ROBOTS_FORBIDDEN, RETRY_AFTER_ARTICLE):
            continue
        ok = [r for r in article_requests(logs, article.key) if r.status == 200]
        assert len(ok) == 1, (article.key, [r.target for r in article_requests(logs, article.key)])
    stored = articles(crawled["db"])
    assert sorted(stored) == sorted(a.title for a in EXPECTED)
    namdo_logs = crawled["first_log"]["namdo"] + crawled["second_log"]["namdo"]
    for article in NAMDO:
        assert len([r for r in namdo_logs if r.path == "/article.php" and r.params["aid"] == str(article.key)]) == 1


def test_same_article_under_tracking_parameters_is_one_request(crawled):
    log = crawled["first_log"]["hanbit"]
    spelled = {r.target for r in article_requests(log, 1001)}
    assert len(spelled) == 1  # the feed's utm_ link, the listing's fbclid link and the sitemap's plain link
    assert FEED_ITEMS[0].startswith("1001&") and LISTING_PAGES[1][0].startswith("1001&") and "1001" in NEWS_SITEMAP


def test_second_crawl_fetches_only_the_entry_pages(crawled):
    targets = sorted(r.target for r in crawled["second_log"]["hanbit"])
    search_page_1 = [t for t in targets if "sc_word=" in t and "page=1" in t]
    assert len(search_page_1) == 1
    assert sorted(targets) == sorted(
        ["/robots.txt", "/rss/allArticle.xml", "/news/articleList.html?page=1&view_type=sm", "/sitemap.xml",
         search_page_1[0]]
    )
    statuses = {r.target: r.status for r in crawled["second_log"]["hanbit"]}
    assert statuses["/rss/allArticle.xml"] == 304  # ETag / Last-Modified sent back
    assert statuses["/sitemap.xml"] == 304
    feed_request = next(r for r in crawled["second_log"]["hanbit"] if r.target == "/rss/allArticle.xml")
    assert feed_request.headers.get("if-none-match") == '"feed-v1"'
    assert sorted(r.target for r in crawled["second_log"]["namdo"]) == ["/robots.txt", "/section.php?sid=0&page=1"]
    assert "articles new" in crawled["second"].stdout


def test_paging_stops_when_a_page_brings_nothing_new(crawled):
    first = [r.params.get("page") for r in crawled["first_log"]["hanbit"]
             if r.path == "/news/articleList.html" and "sc_word" not in r.params]
    assert first == ["1", "2", "3", "4"]  # page 4 lists nothing: no page 5
    search = [r.params["page"] for r in crawled["first_log"]["hanbit"] if "sc_word" in r.params]
    assert search == [str(p) for p in SEARCH_PAGES]


def test_robots_txt_is_obeyed(crawled):
    logs = crawled["first_log"]["hanbit"] + crawled["second_log"]["hanbit"]
    assert article_requests(logs, ROBOTS_FORBIDDEN) == []
    assert report(crawled["summary"], "hanbit-list")["robots_skipped"] == 1
    assert [r.target for r in crawled["first_log"]["hanbit"]].count("/robots.txt") == 1  # shared by four spiders


def test_503_is_retried_after_the_time_retry_after_asks(crawled):
    tries = article_requests(crawled["first_log"]["hanbit"], RETRY_AFTER_ARTICLE)
    assert [r.status for r in tries] == [503, 200]
    assert tries[1].at - tries[0].at >= 0.95


def test_redirected_article_is_stored_under_its_target(crawled):
    log = crawled["first_log"]["hanbit"]
    assert [r.status for r in log if r.params.get("mode") == "old"] == [301]
    title = next(a.title for a in HANBIT if a.key == REDIRECTED_ARTICLE)
    row = articles(crawled["db"])[title]
    assert row["canonical_url"].endswith(f"/news/articleView.html?idxno={REDIRECTED_ARTICLE}")


def test_gzip_page_is_read_decompressed(crawled):
    request = article_requests(crawled["first_log"]["hanbit"], GZIP_ARTICLE)[0]
    assert "gzip" in request.headers.get("accept-encoding", "")
    assert next(a.title for a in HANBIT if a.key == GZIP_ARTICLE) in articles(crawled["db"])


@pytest.mark.parametrize("article", EXPECTED, ids=lambda a: str(a.key))
def test_stored_text_is_the_article_without_boilerplate(crawled, article: FixtureArticle):
    row = articles(crawled["db"])[article.title]
    text = " ".join(row["text"].split())
    for paragraph in article.paragraphs:
        assert " ".join(paragraph.split()) in text, (article.key, paragraph)
    for marker in BOILERPLATE_MARKERS:
        assert marker not in text, (article.key, marker)
    assert "\ufffd" not in text and "\ufffd" not in row["title"]
    assert str(row["published"]).startswith(article.date)


def test_encodings_are_read_right(crawled):
    stored = articles(crawled["db"])
    for key in (MISLABELLED_ARTICLE,):
        article = next(a for a in HANBIT if a.key == key)
        assert article.paragraphs[0] in stored[article.title]["text"]
    undeclared = next(a for a in NAMDO if a.key == NAMDO_UNDECLARED)
    assert undeclared.paragraphs[1] in stored[undeclared.title]["text"]
    cp949_only = next(a for a in NAMDO if a.key == NAMDO_MISLABELLED)
    assert "똠양꿍" in stored[cp949_only.title]["text"]


def test_unreachable_sources_are_one_line_each_and_the_others_go_on(crawled):
    summary = crawled["summary"]
    dns = report(summary, "gone-dns")
    refused = report(summary, "gone-refused")
    assert dns["outcome"] == refused["outcome"] == "unreachable"
    assert dns["message"] == "cannot reach host nonexistent.invalid (DNS lookup failed)"
    assert refused["message"] == f"cannot reach host 127.0.0.1:{crawled['refused']} (connection refused)"
    others = [s for s in summary["sources"] if not s["name"].startswith("gone-")]
    assert all(s["outcome"] == "ok" for s in others) and len(others) == 5
    out = crawled["second"].stdout
    assert out.count("source gone-dns: cannot reach host nonexistent.invalid (DNS lookup failed)") == 1
    assert out.count(f"source gone-refused: cannot reach host 127.0.0.1:{crawled['refused']}") == 1
    assert "Traceback" not in crawled["first"].stderr + crawled["second"].stderr


def test_summary_counts(crawled):
    summary = crawled["summary"]
    assert summary["totals"]["new_articles"] == len(EXPECTED)
    assert summary["totals"]["errors"] == 2  # the two unreachable sources; no page failed
    assert summary["totals"]["relevant"] == sum(a.relevant for a in EXPECTED)
    assert summary["record_file"].endswith(".warc.gz")


def test_sources_lists_last_runs(crawled):
    out = crawled["sources"].stdout
    for name in ("hanbit-feed", "hanbit-list", "namdo", "gone-dns"):
        assert name in out
    assert "unreachable" in out
    with sqlite3.connect(crawled["db"]) as conn:
        runs = conn.execute("SELECT source, outcome, new_articles FROM source_runs WHERE job='crawl'").fetchall()
    assert len(runs) == 2 * 7
    assert ("gone-dns", "unreachable", 0) in runs


def comparable(plans: list[dict]) -> list[dict]:
    """The plans without what differs between two databases: row ids and the times of writing."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("id", "article_id", "updated_at", "at")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(plans)


def test_recorded_warc_replays_to_the_same_records(crawled):
    live, replayed = articles(crawled["db"]), articles(crawled["replay_db"])
    assert sorted(live) == sorted(replayed)
    for title, row in live.items():
        other = replayed[title]
        for column in ("canonical_url", "url", "text", "published", "outlet", "author", "relevant",
                       "relevance_score", "extraction", "fetched_at", "content_hash"):
            assert row[column] == other[column], (title, column)
    plans_live = json.loads(planwatch(crawled["tmp"], crawled["config"], crawled["db"], "plans", "--json").stdout)
    plans_replayed = json.loads(
        planwatch(crawled["tmp"], crawled["config"], crawled["replay_db"], "plans", "--json").stdout
    )
    assert comparable(plans_live) == comparable(plans_replayed)
    assert len(plans_live) >= 1
