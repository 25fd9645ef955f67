"""Crawls that must refuse or survive: private addresses, redirects off-site, broken pages; `scrapy` itself.

Each test runs the real command line in a child process against a small site on
127.0.0.1 and reads what the server saw.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sites.articles import HANBIT
from sites.news import HTML, article_path, ndsoft_article_html, rss_xml
from sites.server import FixtureServer, Page

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TITLES = {a.key: a.title for a in HANBIT} | {2001: "꺼진 페이지", 2002: "PDF 자료", 2003: "다른 사이트로"}

FAST = """
[crawl]
delay = 0
autothrottle = false
retry_backoff = 0
retries = 1
timeout = 10
"""


def run(tmp: Path, config: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp / "planwatch.toml"
    path.write_text(config, encoding="utf-8")
    cmd = [sys.executable, "-m", "planwatch", "--config", str(path), "--db", f"sqlite:///{tmp / 'pw.db'}", *args]
    return subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=180)


def stored_titles(tmp: Path) -> set[str]:
    with sqlite3.connect(tmp / "pw.db") as conn:
        return {row[0] for row in conn.execute("SELECT title FROM articles")}


def test_private_addresses_are_refused_by_default(tmp_path: Path) -> None:
    with FixtureServer({"/rss/allArticle.xml": Page(b"<rss version='2.0'><channel/></rss>")}) as server:
        config = FAST + f"""
[[source]]
name = "loopback-ip"
type = "feed"
url = "{server.url('/rss/allArticle.xml')}"

[[source]]
name = "loopback-name"
type = "feed"
url = "{server.url('/rss/allArticle.xml', host='localhost')}"
"""
        proc = run(tmp_path, config, "crawl", "--json", "--no-digest")
        assert server.log == []  # not even robots.txt
    assert proc.returncode == 1  # every source failed
    summary = json.loads(proc.stdout)
    for report in summary["sources"]:
        assert report["outcome"] == "failed"
        assert "a loopback address (crawl.allow_private_addresses is false)" in report["message"]
    assert "Error: every source failed (2 of 2)" in proc.stderr


def broken_site(server: FixtureServer, other: FixtureServer) -> None:
    good = next(a for a in HANBIT if a.key == 1003)
    server.routes.update(
        {
            "/robots.txt": Page(b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
            "/rss/allArticle.xml": Page(
                rss_xml(server.url(""), ("1003", "2001", "2002", "2003"), TITLES).replace(
                    "</channel>",
                    "<item><title>x</title><link>file:///etc/passwd</link></item>"
                    "<item><title>y</title><link>javascript:alert(1)</link></item></channel>",
                ).encode(),
                headers={"Content-Type": "application/rss+xml"},
            ),
            article_path(1003): Page(ndsoft_article_html(good, server.url("")).encode(), headers=HTML),
            article_path(2001): Page(b"<html><body>error</body></html>", status=500, headers=HTML),
            article_path(2002): Page(b"%PDF-1.4 not a page", headers={"Content-Type": "application/pdf"}),
            article_path(2003): Page(status=302, headers={"Location": other.url(article_path(2003), host="localhost")}),
        }
    )
    other.routes[article_path(2003)] = Page(b"<html><body>elsewhere</body></html>", headers=HTML)


def test_broken_pages_and_offsite_redirects_cost_one_page_each(tmp_path: Path) -> None:
    with FixtureServer() as server, FixtureServer() as other:
        broken_site(server, other)
        config = FAST + f"""allow_private_addresses = true

[[source]]
name = "broken"
preset = "ndsoft"
url = "{server.url('')}"
"""
        proc = run(tmp_path, config, "crawl", "--json", "--no-digest")
        assert other.log == []  # the redirect to another host was not followed
        targets = [r.target for r in server.log]
        broken_url = server.url(article_path(2001))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)["sources"][0]
    assert report["outcome"] == "ok"
    assert report["new_articles"] == 1
    assert report["errors"] == 3
    problems = "\n".join(report["problems"])
    assert f"HTTP 500 from {broken_url}" in problems
    assert "not an HTML page (application/pdf)" in problems
    assert "redirects outside the source's allowed domains (to localhost)" in problems
    assert targets.count(article_path(2001)) == 2  # one retry, then given up
    assert not any("passwd" in t or "javascript" in t for t in targets)
    assert f"page failed: {broken_url}: HTTP 500" in proc.stderr
    assert stored_titles(tmp_path) == {TITLES[1003]}


def cli(tmp: Path, config: str, *args: str):  # type: ignore[no-untyped-def]
    """The command line in this process, for commands that never start a crawl."""
    from click.testing import CliRunner

    from planwatch.cli import main

    path = tmp / "planwatch.toml"
    path.write_text(config, encoding="utf-8")
    return CliRunner().invoke(main, ["--config", str(path), "--db", f"sqlite:///{tmp / 'pw.db'}", *args])


def test_sources_check_validates_without_crawling(tmp_path: Path) -> None:
    config = FAST + """
[[source]]
name = "a"
preset = "ndsoft"
url = "https://www.example.kr"

[[source]]
name = "b"
preset = "ndsoft"
type = "search"
url = "https://www.example.kr"
queries = ["4차 산업혁명"]
enabled = false
"""
    result = cli(tmp_path, config, "sources", "--check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 sources OK (1 disabled)")
    assert not (tmp_path / "pw.db").exists()
    bad = cli(tmp_path, config.replace('preset = "ndsoft"\nurl', 'preset = "ndsoftt"\nurl', 1), "sources", "--check")
    assert bad.exit_code == 1
    assert f"{tmp_path / 'planwatch.toml'}:11: source[a].preset: unknown preset 'ndsoftt'" in bad.output


def test_unknown_source_name_is_one_line(tmp_path: Path) -> None:
    result = cli(tmp_path, FAST + '[[source]]\nname = "a"\ntype = "feed"\nurl = "https://example.kr/rss"\n',
                 "crawl", "nope")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: unknown source 'nope' (sources: a)"


def test_scrapy_list_and_crawl_use_the_configuration(tmp_path: Path) -> None:
    good = next(a for a in HANBIT if a.key == 1005)
    with FixtureServer() as server:
        server.routes.update({
            "/rss/allArticle.xml": Page(rss_xml(server.url(""), ("1005",), TITLES).encode(),
                                        headers={"Content-Type": "application/rss+xml"}),
            article_path(1005): Page(ndsoft_article_html(good, server.url("")).encode(), headers=HTML),
        })
        config = tmp_path / "planwatch.toml"
        config.write_text(FAST + f"""allow_private_addresses = true

[[source]]
name = "hanbit"
preset = "ndsoft"
url = "{server.url('')}"

[[source]]
name = "other"
type = "feed"
url = "https://www.example.kr/rss"
""", encoding="utf-8")
        env = {**os.environ, "PLANWATCH_CONFIG": str(config), "PLANWATCH_DB": f"sqlite:///{tmp_path / 'pw.db'}"}
        scrapy = str(Path(sys.executable).with_name("scrapy"))
        listed = subprocess.run([scrapy, "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.split() == ["hanbit", "other"]
        crawled = subprocess.run([scrapy, "crawl", "hanbit", "-s", "LOG_LEVEL=WARNING"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
        assert crawled.returncode == 0, crawled.stderr
        assert server.requests(path="/news/articleView.html")
    assert stored_titles(tmp_path) == {good.title}


def test_article_budget_leaves_the_rest_for_the_next_run(tmp_path: Path) -> None:
    listed = (1003, 1005, 1007, 1008, 1013)
    in_feed = (1010, 1012, 1014, 1015, 1016)
    by_key = {a.key: a for a in HANBIT}
    with FixtureServer() as server, FixtureServer() as feed_site:
        base, feed_base = server.url(""), feed_site.url("", host="localhost")
        server.routes.update({
            "/news/articleList.html?page=1&view_type=sm": Page(
                "".join(f'<div id="section-list"><a href="{article_path(k)}">{TITLES[k]}</a></div>' for k in listed)
                .encode(), headers=HTML),
            **{article_path(k): Page(ndsoft_article_html(by_key[k], base).encode(), headers=HTML) for k in listed},
        })
        feed_site.routes.update({
            "/rss/allArticle.xml": Page(rss_xml(feed_base, tuple(map(str, in_feed)), TITLES).encode(),
                                        headers={"Content-Type": "application/rss+xml"}, etag='"v1"'),
            **{article_path(k): Page(ndsoft_article_html(by_key[k], feed_base).encode(), headers=HTML)
               for k in in_feed},
        })
        config = FAST + f"""allow_private_addresses = true

[[source]]
name = "list"
preset = "ndsoft"
type = "listing"
url = "{base}"
max_articles = 3

[[source]]
name = "feed"
preset = "ndsoft"
url = "{feed_base}"
max_articles = 3
"""
        runs = [run(tmp_path, config, "crawl", "--json", "--no-digest", "--max-pages", "1") for _ in range(3)]
        fetched = [int(r.params["idxno"]) for r in server.requests(path="/news/articleView.html")]
        fetched_from_feed = [int(r.params["idxno"]) for r in feed_site.requests(path="/news/articleView.html")]
        pages = [r.params["page"] for r in server.requests(path="/news/articleList.html")]
        feed_statuses = [r.status for r in feed_site.requests(path="/rss/allArticle.xml")]
    for proc in runs:
        assert proc.returncode == 0, proc.stderr
    new = [{r["name"]: r["new_articles"] for r in json.loads(p.stdout)["sources"]} for p in runs]
    assert new == [{"list": 3, "feed": 3}, {"list": 2, "feed": 2}, {"list": 0, "feed": 0}]
    assert sorted(fetched) == sorted(listed) and sorted(fetched_from_feed) == sorted(in_feed)  # each once
    assert pages == ["1", "1", "1"]  # --max-pages 1: page 2 never asked for
    # The feed's validators are kept only once nothing was left over: the third run gets a 304.
    assert feed_statuses == [200, 200, 304]
    assert stored_titles(tmp_path) == {by_key[k].title for k in listed + in_feed}
