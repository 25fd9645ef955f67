"""The crawler's pieces one by one: address guard, Retry-After, links, presets, WARC round trip, summary."""

from __future__ import annotations

import asyncio
import gzip
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError as TxConnectionRefused
from twisted.python.failure import Failure

from crawler.failures import describe_failure, is_connection_failure
from crawler.middlewares import AddressGuardMiddleware, RefusedAddress, non_public_reason, retry_after_seconds
from crawler.presets import PRESETS, PresetError, apply_preset
from crawler.runner import CrawlError, group_by_host, select_sources
from crawler.spiders import SPIDER_TYPES, spider_class_for
from crawler.spiders.base import allowed_domains_for, host_allowed, select_links
from crawler.spiders.feed import feed_entry_links
from crawler.spiders.listing import SearchSpider
from crawler.summary import CrawlSummary, SourceReport
from crawler.warc import Exchange, WarcRecorder, read_article_captures
from planwatch.captures import read_warc
from planwatch.config import parse_config


@pytest.mark.parametrize(
    "address, reason",
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("10.1.2.3", "a private-network address"),
        ("172.16.0.9", "a private-network address"),
        ("192.168.1.1", "a private-network address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "a non-public address"),
        ("224.0.0.1", "a multicast address"),
        ("211.234.100.10", None),
        ("2001:4860:4860::8888", None),
    ],
)
def test_non_public_addresses(address: str, reason: str | None) -> None:
    assert non_public_reason(address) == reason


def test_guard_refuses_loopback_and_other_schemes() -> None:
    guard = AddressGuardMiddleware(allow_private=False)
    with pytest.raises(RefusedAddress, match="127.0.0.1, a loopback address"):
        asyncio.run(guard.process_request(Request("http://127.0.0.1:8080/rss.xml")))
    with pytest.raises(RefusedAddress, match="10.0.0.5, a private-network address"):
        asyncio.run(guard.process_request(Request("https://10.0.0.5/")))
    with pytest.raises(RefusedAddress, match="only http and https"):
        asyncio.run(guard.process_request(Request("file:///etc/passwd")))
    assert asyncio.run(guard.process_request(Request("http://211.234.100.10/"))) is None
    allowing = AddressGuardMiddleware(allow_private=True)
    assert asyncio.run(allowing.process_request(Request("http://127.0.0.1/"))) is None
    with pytest.raises(RefusedAddress):
        asyncio.run(allowing.process_request(Request("ftp://127.0.0.1/")))


def test_retry_after_values() -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_failures_are_one_line() -> None:
    request = Request("http://nonexistent.invalid/rss.xml")
    dns = Failure(CannotResolveHostError("no such host"))
    assert describe_failure(dns, request.url) == "cannot reach host nonexistent.invalid (DNS lookup failed)"
    assert is_connection_failure(dns)
    refused = Failure(TxConnectionRefused())
    assert describe_failure(refused, "http://127.0.0.1:9/x") == "cannot reach host 127.0.0.1:9 (connection refused)"
    response = Response("https://example.kr/gone", status=404, request=request)
    assert describe_failure(Failure(HttpError(response)), request.url) == "HTTP 404 from https://example.kr/gone"
    robots = Failure(IgnoreRequest("Forbidden by robots.txt"))
    assert describe_failure(robots, "https://example.kr/a") == "robots.txt forbids https://example.kr/a"
    assert not is_connection_failure(robots)


RSS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>https://www.example.kr/news/articleView.html?idxno=1</link></item>
<item><title>b</title><guid>https://www.example.kr/news/articleView.html?idxno=2</guid></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>a</title><link href="https://example.kr/a/1"/><id>urn:1</id></entry></feed>"""


def test_feed_links() -> None:
    assert feed_entry_links(RSS) == [
        "https://www.example.kr/news/articleView.html?idxno=1",
        "https://www.example.kr/news/articleView.html?idxno=2",
    ]
    assert feed_entry_links(ATOM) == ["https://example.kr/a/1"]
    assert feed_entry_links(b"<html><body><p>not a feed</p></body></html>") is None


def test_select_links_css_and_xpath() -> None:
    body = '<div id="list"><a href="/a?idxno=1">하나</a><a href="/a?idxno=2">둘</a></div><a href="/x">밖</a>'
    response = HtmlResponse("https://example.kr/list", body=body.encode(), encoding="utf-8")
    assert select_links(response, "#list a") == ["/a?idxno=1", "/a?idxno=2"]
    assert select_links(response, "//div[@id='list']/a/@href") == ["/a?idxno=1", "/a?idxno=2"]


def test_allowed_domains() -> None:
    config = parse_config(
        '[[source]]\nname = "f"\npreset = "ndsoft"\nurl = "https://www.kyeongin.com"\n\n'
        '[[source]]\nname = "s"\ntype = "search"\nurl = "https://search.example.kr/?q={query}"\n'
        'queries = ["x"]\narticle_links = "a"\n\n'
        '[[source]]\nname = "o"\ntype = "feed"\nurl = "https://rss.example.kr/feed"\n'
        'allowed_domains = ["news.example.kr"]\n'
    )
    feed, search, own = config.sources
    assert allowed_domains_for(feed) == ["kyeongin.com"]
    assert host_allowed("m.kyeongin.com", ["kyeongin.com"]) and not host_allowed("kyeongin.com.evil.kr", ["kyeongin.com"])
    assert allowed_domains_for(search) == []  # portal results link to every outlet
    assert allowed_domains_for(own) == ["news.example.kr"]


def test_presets_are_complete_rows() -> None:
    for preset in PRESETS.values():
        assert preset.default_type in SPIDER_TYPES
        assert preset.path_for(preset.default_type), preset.name
        assert preset.search_path is None or "{query}" in preset.search_path
        assert preset.selectors.get("body"), preset.name
    expanded = apply_preset({"name": "x", "preset": "view-php", "url": "http://gginews.kr"})
    assert expanded["type"] == "listing"
    assert expanded["url"] == "http://gginews.kr/news/list.php?page={page}"
    assert expanded["article_links"] == "a[href*='view.php?idx=']"
    with pytest.raises(PresetError, match="unknown preset 'nope'"):
        apply_preset({"name": "x", "preset": "nope", "url": "http://gginews.kr"})


def test_spider_classes_are_per_type_and_polite() -> None:
    config = parse_config('[[source]]\nname = "kyeongin"\npreset = "ndsoft"\nurl = "https://www.kyeongin.com"\n')
    cls = spider_class_for(config.sources[0], config)
    assert cls.name == "kyeongin" and issubclass(cls, SPIDER_TYPES["feed"])
    settings = cls.custom_settings
    assert settings["ROBOTSTXT_OBEY"] is True
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] <= 2
    assert settings["AUTOTHROTTLE_ENABLED"] is True
    assert settings["USER_AGENT"].startswith("planwatch/")
    assert settings["DOWNLOAD_MAXSIZE"] == config.crawl.max_page_bytes
    assert settings["DOWNLOAD_TIMEOUT"] == config.crawl.timeout
    assert settings["PLANWATCH_ALLOW_PRIVATE_ADDRESSES"] is False
    middlewares = settings["DOWNLOADER_MIDDLEWARES"]
    assert middlewares["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert middlewares["crawler.middlewares.AddressGuardMiddleware"] < 100  # before robots.txt is fetched


def test_search_queries_are_encoded_for_the_site() -> None:
    config = parse_config(
        '[[source]]\nname = "s"\ntype = "search"\nurl = "http://old.example.kr/search.php?kw={query}&p={page}"\n'
        'queries = ["4차 산업혁명"]\narticle_links = "a"\nencoding = "euc-kr"\n'
    )
    spider_cls = spider_class_for(config.sources[0], config)
    assert issubclass(spider_cls, SearchSpider)
    template = spider_cls.templates(spider_cls.__new__(spider_cls))[0]
    assert template == "http://old.example.kr/search.php?kw=4%C2%F7%20%BB%EA%BE%F7%C7%F5%B8%ED&p={page}"


def test_select_sources_and_groups() -> None:
    config = parse_config(
        '[[source]]\nname = "a"\ntype = "feed"\nurl = "https://www.one.kr/rss"\n\n'
        '[[source]]\nname = "b"\ntype = "feed"\nurl = "https://one.kr/rss2"\n\n'
        '[[source]]\nname = "c"\ntype = "feed"\nurl = "https://two.kr/rss"\nenabled = false\n'
    )
    assert [s.name for s in select_sources(config, None)] == ["a", "b"]
    assert [s.name for s in select_sources(config, ["c"])] == ["c"]
    with pytest.raises(CrawlError, match="unknown source 'z'"):
        select_sources(config, ["z"])
    assert [[s.name for s in g] for g in group_by_host(config.sources)] == [["a", "b"], ["c"]]
    with pytest.raises(CrawlError, match="no enabled"):
        select_sources(parse_config(""), None)


PAGE = "<html><head><title>안양시 보고회</title></head><body><p>본문입니다.</p></body></html>".encode()


def exchange(url: str, role: str, body: bytes, headers: list[tuple[str, str]], **kw) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("User-Agent", "planwatch/0.1")], status=200,
                    reason="OK", response_headers=headers, body=body,
                    fetched_at=datetime(2025, 3, 1, 9, 30, 15), role=role, **kw)


def test_warc_round_trip(tmp_path: Path) -> None:
    recorder = WarcRecorder(tmp_path)
    html = [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")]
    recorder.write(exchange("http://a.kr/list", "listing", PAGE, html, source="a"))
    recorder.write(exchange("http://a.kr/news/1", "article", PAGE, html, source="a", encoding="cp949",
                            selectors={"body": "#article-view-content-div"}))
    recorder.write(exchange("http://a.kr/news/2", "article", gzip.compress(PAGE),
                            html + [("Content-Encoding", "gzip")], source="a"))
    recorder.write(exchange("http://a.kr/robots.txt", "robots", b"User-agent: *\n", [("Content-Type", "text/plain")]))
    recorder.close()
    assert recorder.path.name.endswith(".warc.gz") and recorder.records == 4
    ours = list(read_article_captures(recorder.path))
    assert [c.url for c in ours] == ["http://a.kr/news/1", "http://a.kr/news/2"]
    assert all(c.body == PAGE for c in ours)  # gzip undone, chunking never recorded
    assert ours[0].fetched_at == datetime(2025, 3, 1, 9, 30, 15)
    assert ours[0].encoding == "cp949" and ours[0].selectors == {"body": "#article-view-content-div"}
    assert ours[0].origin == "a" and "transfer-encoding" not in ours[0].headers
    replayed = [c for c in read_warc(recorder.path)]  # what `planwatch replay` reads
    assert [c.url for c in replayed] == ["http://a.kr/news/1", "http://a.kr/news/2"]
    assert [c.body for c in replayed] == [PAGE, PAGE]
    assert replayed[0].selectors == ours[0].selectors and replayed[0].encoding == "cp949"
    assert [c.fetched_at for c in replayed] == [c.fetched_at for c in ours]


def test_summary_round_trips_as_json() -> None:
    summary = CrawlSummary(
        sources=[
            SourceReport("a", "feed", pages=3, new_articles=2, relevant=1),
            SourceReport("b", "feed", outcome="unreachable", message="cannot reach host b.kr (DNS lookup failed)",
                         errors=1),
        ],
        started_at="2025-03-01T00:00:00+00:00",
    )
    again = CrawlSummary.from_json(summary.to_json())
    assert again == summary
    assert summary.to_dict()["totals"]["new_articles"] == 2
    assert [r.headline() for r in summary.failures()] == ["source b: cannot reach host b.kr (DNS lookup failed)"]
