"""Sites that misbehave: each is bounded in time and memory, logged with its URL and reason, and the crawl goes on.

One crawl (a real ``planwatch crawl`` child process) meets, on one fixture paper
whose feed also lists two good articles:

- a slow-loris server (headers, then a byte a second): cut at ``crawl.timeout``;
- 50 MB announced by Content-Length, and 50 MB streamed without one: cut at
  ``crawl.max_page_bytes`` without reading the rest;
- a redirect loop (A → B → A) and an endless redirect chain;
- a 200 page that says "요청하신 페이지를 찾을 수 없습니다": rejected, not stored;
- HTML nested 10,000 levels deep: rejected with a one-line reason, no crash;
- a gzip bomb (2 MB that inflate to 2 GB) sent with Content-Encoding: gzip:
  Scrapy 2.19's HttpCompressionMiddleware stops at ``crawl.max_page_bytes`` of
  decompressed data;

and, on a second paper, a feed broken in the middle and a sitemap of 100,000 URLs
(only the source's ``max_articles`` are requested, promptly). The child's peak
memory is read with ``wait4``. Then the sites recover and a second run stores
every page the first could not: nothing was skipped for good.
"""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import pytest
from faults_support import FAST_CRAWL, Finished, planwatch_cmd, run_measured, stored_urls, write
from sites.articles import FixtureArticle
from sites.hostile import (
    HostileServer,
    article_page,
    article_path,
    compressed,
    endless_body,
    generated_article,
    gzip_bomb,
    nested_html,
    slow_loris,
)
from sites.news import HTML, ndsoft_article_html, rss_xml
from sites.server import Page

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.sqlite_only]  # its own SQLite file

TIMEOUT = 3  # crawl.timeout for this crawl
MAX_BYTES = 5_000_000  # crawl.max_page_bytes
FIFTY_MB = 50 * 1024 * 1024
PEAK_RSS_LIMIT_MB = 600  # a crawl child sits near 300 MB; a decompressed bomb alone would be 2048 MB
SITEMAP_URLS = 100_000
SITEMAP_BUDGET = 5

LORIS, BIG_DECLARED, BIG_STREAMED, LOOP, ERROR_PAGE, NESTED, BOMB, CHAIN = range(9001, 9009)
HOSTILE = (LORIS, BIG_DECLARED, BIG_STREAMED, LOOP, ERROR_PAGE, NESTED, BOMB, CHAIN)
ERROR_TEXT = (
    "요청하신 페이지를 찾을 수 없습니다.",
    "페이지의 주소가 잘못 입력되었거나, 주소가 변경 혹은 삭제되어 요청하신 페이지를 찾을 수 없습니다.",
    "입력하신 주소가 정확한지 다시 한번 확인해 주시기 바랍니다.",
    "관련 문의사항은 고객센터에 알려주시면 친절하게 안내해 드리겠습니다. 감사합니다.",
)


def real_article(key: int) -> FixtureArticle:
    """What the page at ``key`` holds once the site works again."""
    return dataclasses.replace(generated_article(key - 8900), key=key)


def hostile_routes(site: HostileServer, bomb: bytes) -> dict[int, object]:
    base = site.url("")
    error_page = FixtureArticle(ERROR_PAGE, "한빛일보", "", "2025-03-01 00:00", "관리자", ERROR_TEXT)
    routes = {
        LORIS: slow_loris(interval=1.0, limit=40.0),
        BIG_DECLARED: endless_body(FIFTY_MB, declared=True),
        BIG_STREAMED: endless_body(FIFTY_MB, declared=False),
        LOOP: Page(status=302, headers={"Location": base + "/moved/loop"}),
        ERROR_PAGE: Page(ndsoft_article_html(error_page, base).encode(), headers=dict(HTML)),
        NESTED: Page(nested_html(10_000, "깊이 들어간 문단입니다. " * 30), headers=dict(HTML)),
        BOMB: compressed(bomb),
        CHAIN: Page(status=302, headers={"Location": base + "/moved/chain?n=1"}),
    }
    site.routes.update({article_path(key): route for key, route in routes.items()})
    site.routes["/moved/loop"] = Page(status=302, headers={"Location": base + article_path(LOOP)})
    site.routes["/moved/chain"] = lambda request: Page(
        status=302, headers={"Location": f"{base}/moved/chain?n={int(request.params['n']) + 1}"})
    return routes


def huge_sitemap(base: str) -> bytes:
    rows = "\n".join(
        f"<url><loc>{base}{article_path(100_000 + n)}</loc><lastmod>2025-03-01</lastmod></url>"
        for n in range(SITEMAP_URLS)
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{rows}\n</urlset>\n").encode()


def broken_feed(base: str, keys: tuple[int, ...]) -> bytes:
    """An RSS feed cut in the middle of its third item, as a crashed CMS job leaves it."""
    titles = {k: f"기사 {k}" for k in keys}
    text = rss_xml(base, tuple(map(str, keys)), titles)
    third = text.index("<item>", text.index(article_path(keys[1])))
    return text[: third + 40].encode()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    tmp = tmp_path_factory.mktemp("hostile")
    db_url = f"sqlite:///{tmp / 'pw.db'}"
    bomb = gzip_bomb(2 << 30)
    with HostileServer() as paper, HostileServer() as other:
        base, other_base = paper.url(""), other.url("", host="localhost")
        good = (generated_article(0), generated_article(1))
        feed_keys = tuple(a.key for a in good) + HOSTILE
        paper.routes["/rss/allArticle.xml"] = Page(
            rss_xml(base, tuple(map(str, feed_keys)), {k: f"기사 {k}" for k in feed_keys}).encode(),
            headers={"Content-Type": "application/rss+xml"})
        paper.routes.update({article_path(a.key): article_page(a, base) for a in good})
        routes = hostile_routes(paper, bomb)

        after_break = (generated_article(2), generated_article(3))
        other.routes["/rss/broken.xml"] = Page(broken_feed(other_base, tuple(a.key for a in after_break) + (5999,)),
                                               headers={"Content-Type": "application/rss+xml"})
        other.routes["/rss/garbage.xml"] = Page(b"\x00\x01<<<not a feed>>>", headers={"Content-Type": "text/xml"})
        other.routes.update({article_path(a.key): article_page(a, other_base) for a in after_break})
        other.routes["/sitemap.xml"] = Page(huge_sitemap(other_base), headers={"Content-Type": "application/xml"})
        other.routes["/news/articleView.html"] = lambda request: article_page(  # every sitemap URL is an article
            dataclasses.replace(generated_article(int(request.params["idxno"]) - 99_000),
                                key=int(request.params["idxno"])), other_base)

        config = write(tmp / "planwatch.toml", FAST_CRAWL.replace("timeout = 10", f"timeout = {TIMEOUT}") + f"""
max_page_bytes = {MAX_BYTES}

[[source]]
name = "paper"
preset = "ndsoft"
url = "{base}"

[[source]]
name = "broken-feed"
type = "feed"
url = "{other_base}/rss/broken.xml"

[[source]]
name = "garbage-feed"
type = "feed"
url = "{other_base}/rss/garbage.xml"

[[source]]
name = "huge-sitemap"
type = "sitemap"
url = "{other_base}/sitemap.xml"
max_articles = {SITEMAP_BUDGET}
""")
        cmd = planwatch_cmd(config, db_url, "crawl", "--json", "--no-digest")
        first = run_measured(cmd, tmp, timeout=150, tag="first")
        first_log = list(paper.log)
        sitemap_log = list(other.log)
        stored_first = set(stored_urls(tmp / "pw.db"))

        # The sites recover: every hostile URL now serves its article.
        for key in HOSTILE:
            paper.routes[article_path(key)] = article_page(real_article(key), base)
        paper.clear_log()
        other.clear_log()
        second = run_measured(cmd, tmp, timeout=150, tag="second")
        second_log = list(paper.log)
        stored_second = set(stored_urls(tmp / "pw.db"))
    return SimpleNamespace(
        first=first, second=second, reports=_reports(first), reports_after=_reports(second), routes=routes,
        base=base, other_base=other_base, good=good, after_break=after_break, first_log=first_log,
        sitemap_log=sitemap_log, second_log=second_log, stored_first=stored_first, stored_second=stored_second,
    )


def _reports(result: Finished) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads(result.stdout)["sources"]}


def url(crawled: SimpleNamespace, key: int) -> str:
    return crawled.base + article_path(key)


def failure_line(crawled: SimpleNamespace, key: int) -> str:
    """The one log line of the page at ``key`` (failed or rejected)."""
    lines = crawled.first.lines(f": {url(crawled, key)}: ")
    assert len(lines) == 1, (key, lines, crawled.first.stderr)
    return lines[0]


# --- the whole crawl -----------------------------------------------------------------------


def test_the_crawl_survives_every_hostile_page_within_time_and_memory(crawled: SimpleNamespace) -> None:
    first = crawled.first
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert first.peak_rss_mb < PEAK_RSS_LIMIT_MB, first.peak_rss_mb
    assert first.seconds < 90, first.seconds
    paper = crawled.reports["paper"]
    assert paper["outcome"] == "ok"
    assert paper["new_articles"] == 2  # the good articles of the same site
    assert {url(crawled, a.key) for a in crawled.good} <= crawled.stored_first
    assert paper["errors"] + paper["rejected"] == len(HOSTILE)
    assert not {url(crawled, key) for key in HOSTILE} & crawled.stored_first


def test_after_the_sites_recover_nothing_was_skipped_for_good(crawled: SimpleNamespace) -> None:
    second = crawled.second
    assert second.returncode == 0, second.stderr
    assert crawled.reports_after["paper"]["new_articles"] == len(HOSTILE)
    fetched = {crawled.base + r.target for r in crawled.second_log if r.path == "/news/articleView.html"}
    assert fetched == {url(crawled, key) for key in HOSTILE}  # the good ones are not fetched again
    assert {url(crawled, key) for key in HOSTILE} <= crawled.stored_second
    assert crawled.reports_after["huge-sitemap"]["new_articles"] == SITEMAP_BUDGET  # the next five


# --- one fault each --------------------------------------------------------------------------


def test_slow_loris_is_cut_at_the_download_timeout(crawled: SimpleNamespace) -> None:
    loris = crawled.routes[LORIS]
    assert failure_line(crawled, LORIS).endswith(
        f"did not send the whole page within {TIMEOUT} s (crawl.timeout)")
    assert loris.calls == 2  # tried, retried once (crawl.retries = 1), given up
    assert not loris.finished and loris.sent < 400  # the server would have trickled for 40 s each


def test_fifty_megabytes_are_not_read(crawled: SimpleNamespace) -> None:
    declared, streamed = crawled.routes[BIG_DECLARED], crawled.routes[BIG_STREAMED]
    assert failure_line(crawled, BIG_DECLARED).endswith(
        f"too large: the server announced {FIFTY_MB} bytes, over crawl.max_page_bytes ({MAX_BYTES} bytes)")
    assert not declared.finished and declared.sent < 20 * 1024 * 1024  # refused on the header, hung up
    assert failure_line(crawled, BIG_STREAMED).endswith(
        f"too large: more than crawl.max_page_bytes ({MAX_BYTES} bytes) arrived, download stopped")
    assert not streamed.finished and streamed.sent < 20 * 1024 * 1024  # ~5 MB read, plus what socket buffers took


def test_redirect_loop_and_endless_chain_are_one_line_each(crawled: SimpleNamespace) -> None:
    assert failure_line(crawled, LOOP).endswith(f"redirect loop: it leads back to {url(crawled, LOOP)}")
    assert failure_line(crawled, CHAIN).endswith(
        f"too many redirects (a loop or an endless chain), the last to {crawled.base}/moved/chain?n=5")
    chain = [r for r in crawled.first_log if r.path == "/moved/chain"]
    assert len(chain) == 5  # REDIRECT_MAX_TIMES
    assert [r.path for r in crawled.first_log].count("/moved/loop") == 1


def test_an_error_page_served_as_200_is_rejected_not_stored(crawled: SimpleNamespace) -> None:
    line = failure_line(crawled, ERROR_PAGE)
    assert "page rejected" in line
    assert line.endswith("saying '요청하신 페이지를 찾을 수 없습니다'), not an article")
    assert url(crawled, ERROR_PAGE) not in crawled.stored_first
    assert url(crawled, ERROR_PAGE) in crawled.stored_second  # read again once the article is there


def test_html_nested_ten_thousand_levels_is_one_line(crawled: SimpleNamespace) -> None:
    line = failure_line(crawled, NESTED)
    assert "page rejected" in line and line.endswith(": no article text found")


def test_gzip_bomb_is_stopped_at_the_size_limit_while_inflating(crawled: SimpleNamespace) -> None:
    assert crawled.routes[BOMB].body[:2] == b"\x1f\x8b" and len(crawled.routes[BOMB].body) < 3_000_000
    assert failure_line(crawled, BOMB).endswith(
        f"too large once decompressed: over {MAX_BYTES} bytes (crawl.max_page_bytes) from a compressed body, "
        "decompression stopped")


def test_a_broken_feed_gives_what_it_has_and_says_where_it_breaks(crawled: SimpleNamespace) -> None:
    report = crawled.reports["broken-feed"]
    assert report["outcome"] == "ok" and report["new_articles"] == 2
    feed_url = f"{crawled.other_base}/rss/broken.xml"
    [line] = crawled.first.lines(f"feed {feed_url}: ")
    assert "not well-formed XML (line" in line and line.endswith("read the 2 links found despite it")
    garbage = crawled.reports["garbage-feed"]
    assert (garbage["outcome"], garbage["message"]) == (
        "failed", f"{crawled.other_base}/rss/garbage.xml is not an RSS or Atom feed")


def test_a_sitemap_of_100000_urls_costs_the_article_budget(crawled: SimpleNamespace) -> None:
    report = crawled.reports["huge-sitemap"]
    assert (report["outcome"], report["articles_requested"], report["new_articles"]) == ("ok", SITEMAP_BUDGET,
                                                                                        SITEMAP_BUDGET)
    sitemap = [r for r in crawled.sitemap_log if r.path == "/sitemap.xml"]
    articles = [r for r in crawled.sitemap_log
                if r.path == "/news/articleView.html" and int(r.params["idxno"]) >= 100_000]
    assert len(sitemap) == 1 and len(articles) == SITEMAP_BUDGET
    assert max(r.at for r in articles) - sitemap[0].at < 15  # read, sorted and five articles fetched promptly
