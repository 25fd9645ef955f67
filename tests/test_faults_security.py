"""A feed cannot make the crawler fetch internal services; what the crawl writes is readable by its owner only.

The "internet" here is a forward proxy on 127.0.0.1 (the crawl child gets
``http_proxy``) that answers for two public addresses, a paper and another site;
``no_proxy`` sends loopback names straight to an "internal service" on
127.0.0.1. With ``crawl.allow_private_addresses = false`` (what a live
configuration has), links and redirects to loopback, private, link-local and
``file:`` addresses, and to domains outside ``allowed_domains``, must reach
nothing: the request logs of the internal service and of the proxy say so. The
same crawl with the flag set does reach the internal service, so it was the
address guard that held.

The crawl runs under ``umask 000``: the SQLite file (and its WAL and shared-memory
files) and the outbox must still be created for the owner only.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from faults_support import Finished, run_measured, stored_urls, write
from sites.articles import HANBIT
from sites.news import HTML, article_path, ndsoft_article_html, rss_xml
from sites.server import FixtureServer, Page

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.sqlite_only]  # its own SQLite file

PAPER = "93.184.216.34"  # public addresses only the proxy answers for; nothing leaves the machine
OTHER = "93.184.216.35"
GOOD = next(a for a in HANBIT if a.key == 1001)  # a relevant article: the digest goes to the outbox
PORTAL_GOOD = next(a for a in HANBIT if a.key == 1004)

CRAWL = """
[crawl]
allow_private_addresses = {allow}
delay = 0
autothrottle = false
retry_backoff = 0
retries = 0
timeout = 5
"""


def internet(internal: FixtureServer) -> FixtureServer:
    """The proxy: absolute-form requests for the public paper and the other site."""
    paper, other = f"http://{PAPER}", f"http://{OTHER}"
    leaks = [
        f"http://127.0.0.1:{internal.port}/admin?idxno=1",
        "file:///etc/passwd",
        f"{other}{article_path(77)}",  # outside the paper's allowed domains
    ]
    titles = {GOOD.key: GOOD.title, 1002: "옮긴 기사", 1003: "다른 곳으로", 77: "남의 기사"}
    feed = rss_xml(paper, (str(GOOD.key), "1002", "1003"), titles).replace(
        "</channel>", "".join(f"<item><title>x</title><link>{link}</link></item>" for link in leaks) + "</channel>")
    # A portal's search (no allowed_domains: it links to every outlet) whose results point inwards.
    inward = [
        f"http://127.0.0.1:{internal.port}/admin?from=portal",
        f"http://localhost:{internal.port}/admin?from=portal-name",
        f"http://[::1]:{internal.port}/admin?from=portal-v6",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/intranet",
        "file:///etc/passwd",
        f"{paper}{article_path(PORTAL_GOOD.key)}",
        f"{paper}{article_path(1006)}",  # redirects to the internal service
    ]
    results = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>검색</title>'
               + "".join(f"<item><title>결과</title><link>{link.replace('&', '&amp;')}</link></item>" for link in inward)
               + "</channel></rss>")
    proxy = FixtureServer({
        f"{paper}/rss/allArticle.xml": Page(feed.encode(), headers={"Content-Type": "application/rss+xml"}),
        f"{paper}{article_path(GOOD.key)}": Page(ndsoft_article_html(GOOD, paper).encode(), headers=HTML),
        f"{paper}{article_path(PORTAL_GOOD.key)}": Page(ndsoft_article_html(PORTAL_GOOD, paper).encode(),
                                                         headers=HTML),
        f"{paper}{article_path(1002)}": Page(status=302, headers={"Location": f"http://127.0.0.1:{internal.port}/secret"}),
        f"{paper}{article_path(1003)}": Page(status=302, headers={"Location": f"{other}{article_path(78)}"}),
        f"{paper}{article_path(1006)}": Page(status=302, headers={"Location": f"http://127.0.0.1:{internal.port}/secret"}),
        f"{paper}/search.xml?q=%EC%8A%A4%EB%A7%88%ED%8A%B8%EC%8B%9C%ED%8B%B0": Page(
            results.encode(), headers={"Content-Type": "application/rss+xml"}),
    })
    return proxy


def crawl(tmp: Path, proxy: FixtureServer, allow: bool) -> Finished:
    config = write(tmp / "planwatch.toml", CRAWL.format(allow=str(allow).lower()) + f"""
[[source]]
name = "paper"
preset = "ndsoft"
url = "http://{PAPER}"

[[source]]
name = "portal"
type = "search"
url = "http://{PAPER}/search.xml?q={{query}}"
queries = ["스마트시티"]
article_links = "a"
""")
    env = {**os.environ, "http_proxy": proxy.url(""), "no_proxy": "127.0.0.1,localhost,::1"}
    for name in ("HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(name, None)
    cmd = ["/bin/sh", "-c", 'umask 000 && exec "$@"', "sh", sys.executable, "-m", "planwatch",
           "--config", str(config), "--db", f"sqlite:///{tmp / 'data' / 'pw.db'}", "--outbox", str(tmp / "outbox"),
           "crawl", "--json"]
    return run_measured(cmd, tmp, timeout=120, env=env)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    guarded_dir, allowed_dir = tmp_path_factory.mktemp("guarded"), tmp_path_factory.mktemp("allowed")
    internal_pages = {"/admin": Page(b"internal", headers=HTML), "/secret": Page(b"secret", headers=HTML)}
    with FixtureServer(internal_pages) as inside, internet(inside) as proxy:
        guarded = crawl(guarded_dir, proxy, allow=False)
        guarded_inside, guarded_proxy = list(inside.log), list(proxy.log)
        inside.clear_log()
        proxy.clear_log()
        allowed = crawl(allowed_dir, proxy, allow=True)
        # A redirect keeps the proxy of the request it came from: look for the internal host there too.
        allowed_inside = list(inside.log) + [r for r in proxy.log if "127.0.0.1" in r.target]
    return guarded, guarded_inside, guarded_proxy, guarded_dir, allowed, allowed_inside


def test_no_link_or_redirect_reaches_an_internal_address(crawls) -> None:  # type: ignore[no-untyped-def]
    guarded, inside_log, proxy_log, tmp, _, _ = crawls
    assert guarded.returncode == 0, guarded.stderr
    assert inside_log == []  # the internal service saw nothing: no link, no redirect, not robots.txt
    hosts = {r.target.split("/")[2] for r in proxy_log}
    assert hosts == {PAPER}  # not the other site, not 169.254.169.254, not 10.1.2.3
    assert set(stored_urls(tmp / "data" / "pw.db")) == {f"http://{PAPER}{article_path(k)}" for k in (GOOD.key,
                                                                                                      PORTAL_GOOD.key)}
    assert "passwd" not in guarded.stderr + "".join(r.target for r in proxy_log)


def test_each_refusal_is_one_line_naming_the_url_and_why(crawls) -> None:  # type: ignore[no-untyped-def]
    guarded, _, _, _, _, _ = crawls
    reports = {r["name"]: r for r in json.loads(guarded.stdout)["sources"]}
    problems = "\n".join(reports["portal"]["problems"] + reports["paper"]["problems"])
    for host, why in (("127.0.0.1", "a loopback address"), ("localhost", "a loopback address"),
                      ("::1", "a loopback address"), ("169.254.169.254", "a link-local address"),
                      ("10.1.2.3", "a private-network address")):
        assert f"refused {host}: it resolves to " in problems and why in problems, (host, problems)
    assert problems.count("(crawl.allow_private_addresses is false)") == 6  # five links and one redirect
    assert (f"http://{PAPER}{article_path(1003)}: redirects outside the source's allowed domains (to {OTHER})"
            in problems)
    assert f"http://{PAPER}{article_path(1002)}: redirects outside the source's allowed domains (to 127.0.0.1)" \
        in problems


def test_with_private_addresses_allowed_the_loopback_fixture_is_reached(crawls) -> None:  # type: ignore[no-untyped-def]
    _, _, _, _, allowed, inside_log = crawls
    assert allowed.returncode == 0, allowed.stderr
    reached = {urlsplit(r.target)._replace(scheme="", netloc="").geturl() for r in inside_log}
    assert {"/admin?from=portal", "/admin?from=portal-name", "/secret"} <= reached, reached


def test_database_and_outbox_are_for_the_owner_only_even_under_umask_000(crawls) -> None:  # type: ignore[no-untyped-def]
    _, _, _, tmp, _, _ = crawls
    data, outbox = tmp / "data", tmp / "outbox"
    files = [p for p in data.iterdir() if p.name.startswith("pw.db")]
    assert {p.name for p in files} >= {"pw.db"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    messages = list(outbox.iterdir())
    assert messages, "the digest of the relevant article was not written"
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    for path in messages:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
