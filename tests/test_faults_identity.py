"""Article identity under attack from the pages themselves: foreign canonicals, shared canonicals, aliases.

One fixture server on 127.0.0.1 answers under two host names, ``127.0.0.1`` and
``localhost`` (two sites as far as identity goes: neither has a registrable domain,
so each host is its own site). Real crawls in child processes, on SQLite and on
PostgreSQL (``PLANWATCH_TEST_DB=postgresql``):

- a portal page on ``localhost`` declaring the paper's (``127.0.0.1``) article URL as
  its ``rel=canonical`` must not make the paper's article look stored;
- five different articles of one site all declaring the section page as canonical
  (a CMS template bug) are five articles, said once in the log, none fetched again;
- an article reached as ``localhost`` after it was stored as ``127.0.0.1`` leaves that
  URL as an alias: the next run fetches neither.
"""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path

import pytest
from faults_support import FAST_CRAWL, connect_db, integrity_problems, planwatch_cmd, run_measured, write
from sites.articles import HANBIT
from sites.hostile import article_page, generated_article
from sites.news import HTML, article_path, ndsoft_article_html
from sites.server import FixtureServer, Page

pytestmark = [pytest.mark.slow, pytest.mark.faults]


def feed(links: list[str]) -> Page:
    items = "".join(f"<item><title>기사 {i}</title><link>{html.escape(u)}</link></item>" for i, u in enumerate(links))
    body = f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    return Page(body.encode(), headers={"Content-Type": "application/rss+xml"})


def config(tmp: Path, sources: dict[str, str]) -> Path:
    tables = "".join(f'\n[[source]]\nname = "{name}"\ntype = "feed"\nurl = "{url}"\n' for name, url in sources.items())
    return write(tmp / "planwatch.toml", FAST_CRAWL + tables)


def crawl(tmp: Path, cfg: Path, db_url: str, *sources: str, tag: str):  # type: ignore[no-untyped-def]
    result = run_measured(planwatch_cmd(cfg, db_url, "crawl", "--json", "--no-digest", *sources), tmp, timeout=120,
                          tag=tag)
    assert result.returncode == 0, result.stderr
    return result, {s["name"]: s for s in json.loads(result.stdout)["sources"]}


def rows(db_url: str, query: str) -> list[tuple]:
    conn = connect_db(db_url)
    try:
        cur = conn.cursor()
        cur.execute(query)
        return list(cur.fetchall())
    finally:
        conn.close()


def problems(db_url: str) -> dict[str, int]:
    conn = connect_db(db_url)
    try:
        return integrity_problems(conn)
    finally:
        conn.close()


def article_requests(site: FixtureServer, host: str) -> list[str]:
    return [r.target for r in site.log if r.path.startswith(("/news/", "/portal/")) and
            r.headers.get("host", "").startswith(host)]


def test_a_canonical_on_another_site_does_not_hide_that_sites_article(tmp_path: Path, db_url: str) -> None:
    paper_article, portal_text = generated_article(0), generated_article(1)
    with FixtureServer() as site:
        paper = site.url("", host="127.0.0.1")
        portal = site.url("", host="localhost")
        # The portal's page carries its own text, but claims to be the paper's article.
        forged = dataclasses.replace(portal_text, key=paper_article.key)
        site.routes["/portal/view?id=1"] = Page(ndsoft_article_html(forged, paper).encode(), headers=dict(HTML))
        site.routes["/portal/rss.xml"] = feed([portal + "/portal/view?id=1"])
        site.routes[article_path(paper_article.key)] = article_page(paper_article, paper)
        site.routes["/rss/allArticle.xml"] = feed([paper + article_path(paper_article.key)])
        cfg = config(tmp_path, {"portal": portal + "/portal/rss.xml", "paper": paper + "/rss/allArticle.xml"})
        crawl(tmp_path, cfg, db_url, "portal", tag="portal")
        _, reports = crawl(tmp_path, cfg, db_url, "paper", tag="paper")
        fetched = article_requests(site, "127.0.0.1")
        port = site.port
    assert fetched == [article_path(paper_article.key)]  # the paper's article was not taken for known
    assert reports["paper"]["new_articles"] == 1
    titles = {title for (title,) in rows(db_url, "SELECT title FROM articles")}
    assert any(paper_article.title in t for t in titles) and any(portal_text.title in t for t in titles), titles
    identities = sorted(c for (c,) in rows(db_url, "SELECT canonical_url FROM articles"))
    assert identities == [f"https://127.0.0.1:{port}{article_path(paper_article.key)}",
                          f"https://localhost:{port}/portal/view?id=1"]
    assert problems(db_url) == {}


def test_different_articles_declaring_one_canonical_are_each_stored_and_said_once(tmp_path: Path,
                                                                                 db_url: str) -> None:
    articles = list(HANBIT[:5])  # five different texts (the generated ones are near-duplicates of each other)
    with FixtureServer() as site:
        base = site.url("")
        links = []
        for article in articles:
            # og:url and rel=canonical of every page name the section list (a CMS template bug)
            text = ndsoft_article_html(article, base).replace(
                f'"{base}{article_path(article.key)}"', f'"{base}/news/articleList.html?section=S1N1"')
            assert text.count("articleList.html?section=S1N1") >= 2
            site.routes[article_path(article.key)] = Page(text.encode(), headers=dict(HTML))
            links.append(base + article_path(article.key))
        site.routes["/rss/allArticle.xml"] = feed(links)
        cfg = config(tmp_path, {"section": base + "/rss/allArticle.xml"})
        first, reports = crawl(tmp_path, cfg, db_url, tag="first")
        site.clear_log()
        _, again = crawl(tmp_path, cfg, db_url, tag="again")
        refetched = article_requests(site, "127.0.0.1")
        port = site.port
    assert reports["section"]["new_articles"] == 5, first.stderr
    assert len(rows(db_url, "SELECT id FROM articles")) == 5
    told = first.lines("declare one canonical URL")
    assert len(told) == 1, first.stderr
    assert told[0].split(": ", 1)[1].startswith(
        f"different articles declare one canonical URL https://127.0.0.1:{port}/news/articleList.html?section=S1N1"
        " (a site template bug?): each is stored under its own URL")
    assert refetched == [] and again["section"]["articles_requested"] == 0
    assert problems(db_url) == {}


def test_an_alias_that_led_to_a_stored_article_is_not_fetched_again(tmp_path: Path, db_url: str) -> None:
    article = generated_article(20)
    with FixtureServer() as site:
        paper, mirror = site.url("", host="127.0.0.1"), site.url("", host="localhost")
        site.routes[article_path(article.key)] = article_page(article, paper)  # og:url, canonical: 127.0.0.1
        site.routes["/rss/allArticle.xml"] = feed([paper + article_path(article.key)])
        site.routes["/rss/mirror.xml"] = feed([mirror + article_path(article.key)])
        cfg = config(tmp_path, {"paper": paper + "/rss/allArticle.xml", "mirror": mirror + "/rss/mirror.xml"})
        _, first = crawl(tmp_path, cfg, db_url, "paper", tag="paper")
        _, alias = crawl(tmp_path, cfg, db_url, "mirror", tag="mirror")
        site.clear_log()
        _, again = crawl(tmp_path, cfg, db_url, tag="again")
        refetched = article_requests(site, "")
        port = site.port
    assert first["paper"]["new_articles"] == 1
    assert (alias["mirror"]["articles_requested"], alias["mirror"]["duplicates"]) == (1, 1)
    assert rows(db_url, "SELECT url FROM url_aliases") == [(f"https://localhost:{port}{article_path(article.key)}",)]
    assert refetched == []  # neither spelling is fetched again
    assert again["paper"]["articles_requested"] == again["mirror"]["articles_requested"] == 0
    assert len(rows(db_url, "SELECT id FROM articles")) == 1 and problems(db_url) == {}
