"""A crawl's work is bounded whatever a site serves: sitemap loops, request floods, link-stuffed pages,
oversized validators, a recording disk that fills up.

Real ``planwatch crawl`` child processes against fixture sites on 127.0.0.1:

- a sitemap index that lists itself and an endless chain of indexes, at ``delay = 0``:
  each sitemap is fetched once per run, indexes are followed 3 levels deep, and the
  other source on the host is crawled as usual;
- a source whose links would cost more than ``crawl.max_requests``: the requests stop
  there, once said, and the rest waits for the next run;
- an article page with 100,000 links: refused before extraction (the element budget),
  in one line, while the other pages of the crawl are stored;
- a feed whose ``ETag`` is 600 characters (PostgreSQL holds 500): the crawl is ``ok``,
  the run record is closed, the validator is not kept;
- ``crawl --record`` into a directory on a disk that fills up: one line naming the
  file, recording stops, the crawl goes on and stores everything, the summary says so,
  and the WARC written so far replays.
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

import pytest
from faults_support import (
    FAST_CRAWL,
    connect_db,
    planwatch_cmd,
    run_measured,
    serve_articles,
    small_tmpfs,
    write,
)
from sites.hostile import HostileServer, article_page, generated_article
from sites.news import HTML, article_path, ndsoft_article_html, urlset_xml
from sites.server import Page

pytestmark = [pytest.mark.slow, pytest.mark.faults]

XML = {"Content-Type": "application/xml"}


def rows(db_url: str, query: str) -> list[tuple]:
    conn = connect_db(db_url)
    try:
        cur = conn.cursor()
        cur.execute(query)
        return list(cur.fetchall())
    finally:
        conn.close()


def crawl(tmp: Path, config: str, db_url: str, *args: str, tag: str = "crawl", timeout: float = 120):  # type: ignore[no-untyped-def]
    cfg = write(tmp / "planwatch.toml", config)
    return run_measured(planwatch_cmd(cfg, db_url, "crawl", "--json", "--no-digest", *args), tmp, timeout=timeout,
                        tag=tag)


def reports(result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {s["name"]: s for s in json.loads(result.stdout)["sources"]}


def sitemap_index(base: str, locs: list[str]) -> Page:
    entries = "".join(f"<sitemap><loc>{html.escape(base + loc)}</loc></sitemap>" for loc in locs)
    return Page(f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">{entries}</sitemapindex>'.encode(), headers=dict(XML))


class EndlessIndex:
    """``/sitemap/chain.xml?n=N`` is an index listing ``?n=N+1``, for ever."""

    def __call__(self, request) -> Page:  # type: ignore[no-untyped-def]
        n = int(request.params.get("n", "0"))
        return sitemap_index(self.base, [f"/sitemap/chain.xml?n={n + 1}"])

    def __init__(self, base: str) -> None:
        self.base = base


# --- sitemap loops and the request budget ---------------------------------------------------------


def test_a_sitemap_index_listing_itself_and_an_endless_chain_end_promptly(tmp_path: Path, db_url: str) -> None:
    with HostileServer() as site:
        base = site.url("")
        feed_urls = serve_articles(site, 2)  # the other source on the host: a feed of two articles
        sitemap_articles = [generated_article(n) for n in (30, 31)]
        for article in sitemap_articles:
            site.routes[article_path(article.key)] = article_page(article, base)
        site.routes["/sitemap.xml"] = sitemap_index(base, ["/sitemap.xml", "/sitemap/chain.xml?n=1",
                                                           "/sitemap/news.xml"])
        site.routes["/sitemap/chain.xml"] = EndlessIndex(base)
        site.routes["/sitemap/news.xml"] = Page(urlset_xml(base, tuple(str(a.key) for a in sitemap_articles),
                                                           news=False).encode(), headers=dict(XML))
        config = FAST_CRAWL + f"""
[[source]]
name = "looping-sitemap"
type = "sitemap"
url = "{base}/sitemap.xml"

[[source]]
name = "feed"
preset = "ndsoft"
url = "{base}"
"""
        result = crawl(tmp_path, config, db_url, timeout=60)
        index_requests = len(site.requests(path="/sitemap.xml"))
        chain = sorted(int(r.params["n"]) for r in site.requests(path="/sitemap/chain.xml"))
    assert result.returncode == 0, result.stderr
    assert result.seconds < 30
    assert index_requests == 1  # listed by itself, fetched once
    assert chain == [1, 2, 3]  # /sitemap.xml is level 0: sitemaps are followed 3 levels below it, no further
    got = reports(result)
    assert got["looping-sitemap"]["new_articles"] == 2 and got["looping-sitemap"]["outcome"] == "ok"
    assert got["feed"]["new_articles"] == len(feed_urls)
    said = result.lines("sitemap index")
    assert [line.split(": ", 1)[1] for line in said] == [
        f"source looping-sitemap: sitemap index {base}/sitemap.xml lists a sitemap already read in this run "
        f"({base}/sitemap.xml): not fetched again",
        f"source looping-sitemap: sitemap index {base}/sitemap/chain.xml?n=3 lists a sitemap nested deeper than "
        f"3 levels ({base}/sitemap/chain.xml?n=4): not followed",
    ], result.stderr


def test_requests_stop_at_the_sources_request_budget_and_the_rest_waits_for_the_next_run(tmp_path: Path,
                                                                                          db_url: str) -> None:
    with HostileServer() as site:
        urls = serve_articles(site, 30)
        config = FAST_CRAWL + f"""max_requests = 12
max_articles = 12  # no more than max_requests (sources --check says so); robots.txt and the feed cost two

[[source]]
name = "hanbit"
preset = "ndsoft"
url = "{site.url('')}"
"""
        first = crawl(tmp_path, config, db_url, tag="first")
        sent_first = len(site.log)
        site.clear_log()
        second = crawl(tmp_path, config, db_url, tag="second")
        sent_second = len(site.log)
    assert first.returncode == 0, first.stderr
    assert sent_first == 12 and sent_second == 12  # robots.txt, the feed, ten articles: twelve requests
    report = reports(first)["hanbit"]
    assert (report["outcome"], report["new_articles"]) == ("ok", 10)
    said = first.lines("request budget")
    assert len(said) == 1, first.stderr
    assert said[0].split(": ", 1)[1] == ("source hanbit: request budget spent (12 requests, crawl.max_requests): "
                                          "the other pages wait for the next run")
    assert reports(second)["hanbit"]["new_articles"] == 10  # the next ten: nothing was skipped for good
    assert len(rows(db_url, "SELECT id FROM articles")) == 20 < len(urls)


def test_max_requests_below_max_articles_is_a_configuration_error(tmp_path: Path) -> None:
    cfg = write(tmp_path / "planwatch.toml", "[crawl]\nmax_requests = 50\n\n[[source]]\nname = \"a\"\ntype = "
                "\"feed\"\nurl = \"https://example.kr/rss\"\nmax_articles = 100\n")
    done = run_measured([sys.executable, "-m", "planwatch", "--config", str(cfg), "sources", "--check"], tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"Error: {cfg}:8: source[a].max_articles: 100 article requests do not fit in "
                                   "crawl.max_requests (50 requests per source and run)"), done.stderr


# --- a page stuffed with links --------------------------------------------------------------------


def test_an_article_page_with_100000_links_is_refused_before_extraction_and_the_crawl_goes_on(
        tmp_path: Path, db_url: str) -> None:
    with HostileServer() as site:
        base = site.url("")
        urls = serve_articles(site, 2)
        stuffed = generated_article(40)
        links = "".join(f'<li><a href="/t/{n}">{n}</a></li>' for n in range(100_000))
        page = ndsoft_article_html(stuffed, base).replace("</body>", f"<ul>{links}</ul></body>")
        assert len(page.encode()) > 3_000_000
        site.routes[article_path(stuffed.key)] = Page(page.encode(), headers=dict(HTML))
        feed = site.routes["/rss/allArticle.xml"]
        assert isinstance(feed, Page)
        feed.body = feed.body.replace(b"</channel>", f"<item><title>t</title><link>{base}{article_path(stuffed.key)}"
                                                     f"</link></item></channel>".encode())
        config = FAST_CRAWL + f'\n[[source]]\nname = "hanbit"\npreset = "ndsoft"\nurl = "{base}"\n'
        result = crawl(tmp_path, config, db_url, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.seconds < 30  # the extraction alone took 80 s of CPU
    report = reports(result)["hanbit"]
    assert (report["new_articles"], report["rejected"]) == (len(urls), 1)
    rejected = [line.split("page rejected: ", 1)[1] for line in result.lines("page rejected")]
    assert rejected == [f"{base}{article_path(stuffed.key)}: too much HTML to extract: more than 30,000 elements "
                        "(the limit per page), not an article page"], result.stderr


# --- server-chosen values too long for the database --------------------------------------------------


def test_an_etag_longer_than_the_database_holds_leaves_no_run_running(tmp_path: Path, db_url: str) -> None:
    with HostileServer() as site:
        urls = serve_articles(site, 3)
        feed = site.routes["/rss/allArticle.xml"]
        assert isinstance(feed, Page)
        feed.etag = '"' + "e" * 600 + '"'
        feed.last_modified = "Wed, 12 Mar 2025 06:30:00 GMT" + " " * 200
        config = FAST_CRAWL + f'\n[[source]]\nname = "hanbit"\npreset = "ndsoft"\nurl = "{site.url("")}"\n'
        first = crawl(tmp_path, config, db_url, tag="first")
        site.clear_log()
        second = crawl(tmp_path, config, db_url, tag="second")
        conditional = [r.headers.get("if-none-match") for r in site.requests(path="/rss/allArticle.xml")]
    assert first.returncode == 0, first.stderr
    assert reports(first)["hanbit"]["new_articles"] == len(urls)
    assert rows(db_url, "SELECT outcome FROM source_runs") == [("ok",), ("ok",)]
    assert rows(db_url, "SELECT count(*) FROM http_validators WHERE length(etag) > 500 "
                        "OR length(last_modified) > 100") == [(0,)]
    assert second.returncode == 0 and conditional == [None]  # read in full again, as for a server without ETag


# --- recording into a full disk -------------------------------------------------------------------------


def test_recording_into_a_full_disk_stops_recording_with_one_line_and_the_crawl_goes_on(
        tmp_path: Path, db_url: str) -> None:
    with small_tmpfs(tmp_path / "disk", "1m") as disk, HostileServer() as site:
        urls = serve_articles(site, 40)
        filler = disk / "filler"
        with filler.open("wb") as out:  # leave about 60 KB: a few pages' worth of WARC records
            out.write(b"\0" * (1024 * 1024 - 60 * 1024))
        record_dir = disk / "warc"
        config = FAST_CRAWL + f'\n[[source]]\nname = "hanbit"\npreset = "ndsoft"\nurl = "{site.url("")}"\n'
        result = crawl(tmp_path, config, db_url, "--record", str(record_dir))
        warcs = list(record_dir.glob("*.warc.gz"))
        replayed = run_measured([sys.executable, "-m", "planwatch", "--db", f"sqlite:///{tmp_path / 'replay.db'}",
                                 "replay", "--no-digest", str(record_dir)], tmp_path, tag="replay")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["sources"][0]["new_articles"] == len(urls)  # every page stored despite the full disk
    assert summary["sources"][0]["errors"] == 0
    assert len(warcs) == 1
    said = result.lines("recording stopped")
    assert len(said) == 1, result.stderr
    expected = (f"recording stopped: the disk holding {warcs[0]} is full (No space left on device); "
                "the crawl goes on without recording")
    assert said[0].endswith(f"ERROR planwatch.crawler: {expected}")
    assert summary["record_stopped"] == expected
    assert "Errno 28" not in result.stderr.replace(said[0], "")
    assert replayed.returncode == 0, replayed.stderr
    assert "truncated" not in replayed.stderr  # the file ends after the last record that fit
    kept = replayed.stdout.split("articles kept", 1)[1].splitlines()[0].strip()
    assert 0 < int(kept) < len(urls), replayed.stdout
