"""The benchmark's generated news site: 20 pages served on 127.0.0.1, feed and page fetched."""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import quality  # noqa: E402
from benchmarks.server import SiteServer, count_requests, free_port, read_log  # noqa: E402
from benchmarks.sitegen import generate_site, read_manifest  # noqa: E402

N = 20


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return response.read()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    info = generate_site(root, N, base_url)
    with SiteServer(root / "www", root / "access.log", port=port, backend="python") as server:
        yield info, server


def test_feed_lists_the_newest_articles(site):
    info, server = site
    feed = ElementTree.fromstring(fetch(server.base_url + "/rss/allArticle.xml"))
    links = [item.findtext("link") for item in feed.iter("item")]
    assert links == [e.url for e in reversed(info.articles)]  # 20 < 50: all of them, newest first


def test_page_holds_the_expected_body(site):
    import trafilatura

    info, server = site
    entry = info.articles[7]
    html = fetch(entry.url).decode("utf-8")
    assert 60_000 < len(html.encode()) < 200_000  # the size of a real CMS page
    expected = (info.expected_dir / f"{entry.idxno}.txt").read_text(encoding="utf-8")
    paragraphs = expected.strip().split("\n")
    assert len(paragraphs) >= 3
    body = html[html.index('id="article-view-content-div"'):]
    body = body[: body.index("</article>")]
    for para in paragraphs:  # every expected paragraph is in the body, escaped as HTML
        assert f"<p>{para.replace('&', '&amp;').replace(chr(34), '&quot;')}</p>" in body
    assert entry.title in html and "많이 본 뉴스" in html and "무단전재 및 재배포 금지" in html
    # an extractor finds mostly that text: the page is a fair test, not a trick
    assert quality.score(expected, trafilatura.extract(html)).recall > 0.9


def test_requests_are_logged_by_kind(site):
    info, server = site
    fetch(server.base_url + "/rss/allArticle.xml")  # also here: under xdist the feed test may run elsewhere
    fetch(server.base_url + "/sitemap.xml")
    fetch(info.articles[0].url)
    kinds = count_requests(read_log(server.log_path))
    assert kinds["feed"] >= 1 and kinds["sitemap"] == 1 and kinds["article"] >= 1


def test_generation_is_deterministic_and_growing_keeps_pages(tmp_path):
    # from 100 pages on (one ranking stretch) a page never depends on how many follow it
    a = generate_site(tmp_path / "a", 100, "http://127.0.0.1:1")
    generate_site(tmp_path / "b", 101, "http://127.0.0.1:1")
    for entry in a.articles[::9]:
        page = f"www/news/articleView/{entry.idxno}.html"
        assert (tmp_path / "a" / page).read_bytes() == (tmp_path / "b" / page).read_bytes()
    generate_site(tmp_path / "a", 101, "http://127.0.0.1:1")
    assert read_manifest(tmp_path / "a").n == 101
    assert (tmp_path / "a/www/rss/allArticle.xml").read_bytes() == (tmp_path / "b/www/rss/allArticle.xml").read_bytes()
