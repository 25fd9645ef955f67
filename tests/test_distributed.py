"""The shared crawl frontier on a real Redis (127.0.0.1:6379): queue, leases, duplicate filter, commands.

Each test works under its own key prefix and deletes it afterwards. The crawls with
worker processes are in ``test_distributed_crawl.py``.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
import redis
import scrapy
from distributed_workers import REDIS_URL, delete_prefix, unique_prefix
from scrapy.http import FormRequest, Request
from scrapy.utils.request import RequestFingerprinter, request_from_dict

from crawler.frontier import Frontier, current_round, start_round
from crawler.frontier.dupefilter import FrontierDupeFilter
from crawler.frontier.queue import LeasedQueue
from crawler.frontier.scheduler import finish_outcome
from crawler.frontier.scripts import Scripts
from crawler.frontier.serialize import JsonRequestSerializer, request_dict
from crawler.frontier.settings import LEASE_META

pytestmark = pytest.mark.redis


class NewsSpider(scrapy.Spider):
    name = "news"

    def parse_article(self, response):  # type: ignore[no-untyped-def]
        return None

    def article_failed(self, failure):  # type: ignore[no-untyped-def]
        return None


@pytest.fixture
def prefix():
    name = unique_prefix()
    yield name
    delete_prefix(name)


@pytest.fixture
def server():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis on 127.0.0.1:6379 is not reachable ({exc}); run scripts/ensure-services", pytrace=False)
    yield client
    client.close()


def frontier(prefix: str, **overrides) -> Frontier:  # type: ignore[no-untyped-def]
    values = {"redis_url": REDIS_URL, "prefix": prefix, "worker_id": "test-worker", "lease": 60.0}
    values.update(overrides)
    return Frontier(**values)


def article(spider: NewsSpider, n: int, *, canonical: str | None = None, priority: int = 10) -> Request:
    url = f"http://news.example/a/{n}.html"
    return Request(url, callback=spider.parse_article, errback=spider.article_failed, priority=priority,
                   meta={"planwatch_role": "article", "planwatch_canonical": canonical or url})


def listing(spider: NewsSpider, page: int) -> Request:
    return Request(f"http://news.example/list?page={page}", callback=spider.parse_article, dont_filter=True,
                   meta={"planwatch_role": "listing", "planwatch_entry": True})


# --- requests as JSON -------------------------------------------------------------------------


def test_a_request_survives_the_queue_as_json_with_its_callbacks_headers_body_and_meta():
    spider = NewsSpider()
    fetched = datetime(2025, 3, 12, 6, 30, 1)
    request = Request(
        "http://news.example/a/1.html?x=%ED%95%9C",
        method="POST",
        body=b"\x00\xffbytes",
        headers={"If-None-Match": '"v1"', "Accept": ["a", "b"]},
        callback=spider.parse_article,
        errback=spider.article_failed,
        priority=10,
        meta={"planwatch_role": "article", "planwatch_fetched_at": fetched, "redirect_urls": ["http://x/1"],
              "$odd": {"nested": (1, 2)}, LEASE_META: "w/1", "unshareable": object()},
    )
    data = JsonRequestSerializer.dumps(request_dict(request, spider))
    assert "w/1" not in data and "unshareable" not in data
    back = request_from_dict(JsonRequestSerializer.loads(data), spider=spider)
    assert back.url == request.url and back.method == "POST" and back.body == b"\x00\xffbytes"
    assert back.callback == spider.parse_article and back.errback == spider.article_failed
    assert back.priority == 10
    assert back.headers.getlist("Accept") == [b"a", b"b"] and back.headers["If-None-Match"] == b'"v1"'
    assert back.meta["planwatch_fetched_at"] == fetched
    assert back.meta["redirect_urls"] == ["http://x/1"]
    assert back.meta["$odd"] == {"nested": [1, 2]}
    assert LEASE_META not in back.meta and "unshareable" not in back.meta
    # equal requests are equal strings: the sorted-set queue holds them once
    assert JsonRequestSerializer.dumps(request_dict(request, spider)) == data


def test_only_plain_requests_with_spider_methods_go_into_the_queue():
    spider = NewsSpider()
    with pytest.raises(TypeError, match="only plain scrapy.Request"):
        JsonRequestSerializer.dumps(request_dict(FormRequest("http://x/", formdata={"a": "1"}), spider))
    with pytest.raises(ValueError, match="not a method of the spider news"):
        request_dict(Request("http://x/", callback=lambda r: None), spider)
    with pytest.raises(ValueError, match="not a request of the shared queue"):
        JsonRequestSerializer.loads('{"$b": "AAAA"}')
    # a pickle is not read: nothing from Redis is ever unpickled
    with pytest.raises(ValueError):
        JsonRequestSerializer.loads(b"\x80\x04\x95\x00")


# --- the queue and its leases -----------------------------------------------------------------


def test_requests_are_taken_highest_priority_first_under_a_lease_and_released_when_done(server, prefix):
    spider = NewsSpider()
    f = frontier(prefix)
    queue = LeasedQueue(server, spider, f, Scripts(server))
    queue.push(listing(spider, 2))  # priority 0
    for n in (1, 2, 3):
        queue.push(article(spider, n))  # priority 10
    assert queue.sizes() == (4, 0)

    taken = queue.pop_leased(3)
    assert [r.meta["planwatch_role"] for _, r in taken] == ["article"] * 3
    assert all(lease.startswith("test-worker/") for lease, _ in taken)
    assert queue.sizes() == (1, 3)
    assert queue.ack([taken[0][0]]) == 1
    assert queue.ack([taken[0][0]]) == 0  # released once
    assert queue.sizes() == (1, 2)
    assert queue.release([lease for lease, _ in taken[1:]]) == 2  # a stopping worker hands them back
    assert queue.sizes() == (3, 0)
    assert sorted(r.url for _, r in queue.pop_leased(8)) == [
        "http://news.example/a/2.html", "http://news.example/a/3.html", "http://news.example/list?page=2"]
    assert queue.pop_leased(1) == []


def test_an_expired_lease_returns_to_the_queue_and_a_request_that_keeps_failing_is_set_aside(server, prefix):
    spider = NewsSpider()
    f = frontier(prefix, lease=1.0, max_reclaims=2)
    queue = LeasedQueue(server, spider, f, Scripts(server))
    queue.push(article(spider, 7))
    queue.push(article(spider, 8))
    (held, _), (renewed, _) = queue.pop_leased(2)
    assert queue.reclaim_expired() == (0, 0)  # not expired yet
    time.sleep(0.6)
    assert queue.renew([renewed]) == 1  # its worker is alive
    time.sleep(0.6)
    assert queue.reclaim_expired() == (1, 0)  # the other one's worker died
    assert queue.sizes() == (1, 1)
    assert queue.renew([held]) == 0  # too late: that lease is gone
    assert queue.ack([renewed]) == 1

    # the same request dies with its worker twice more: the third time it is set aside
    for expected in ((1, 0), (0, 1)):
        (_lease, request), = queue.pop_leased(1)
        assert request.url == "http://news.example/a/7.html"
        time.sleep(1.05)
        assert queue.reclaim_expired() == expected
    assert queue.sizes() == (0, 0)
    keys = f.keys("news")
    assert server.llen(keys.set_aside) == 1
    assert server.hgetall(keys.stats) == {b"reclaimed": b"2", b"set_aside": b"1"}


# --- duplicate filter -------------------------------------------------------------------------


def test_an_article_is_taken_once_over_all_sources_and_again_after_its_ttl(server, prefix):
    spider, other = NewsSpider(), NewsSpider(name="other-source")
    f = frontier(prefix, article_ttl=1.0)
    scripts = Scripts(server)
    fingerprinter = RequestFingerprinter()
    news = FrontierDupeFilter(server, f, f.keys("news"), scripts, fingerprinter)
    second = FrontierDupeFilter(server, f, f.keys("other-source"), scripts, fingerprinter)

    canonical = "https://news.example/a/1.html"
    assert not news.request_seen(article(spider, 1, canonical=canonical))
    assert news.request_seen(article(spider, 1, canonical=canonical))
    # another spelling of the same article (tracking tail), listed by another source
    tracked = Request("http://news.example/a/1.html?utm_source=rss", meta={"planwatch_role": "article",
                                                                           "planwatch_canonical": canonical})
    assert second.request_seen(tracked)
    assert not second.request_seen(article(other, 2))
    # an article whose download failed is forgotten at once
    news.forget(article(spider, 2))
    assert not news.request_seen(article(spider, 2))
    # after the TTL (whole seconds of Redis time) an article may be taken again
    time.sleep(2.05)
    assert news.trim() == 2
    assert not news.request_seen(article(spider, 1, canonical=canonical))


def test_entry_pages_are_taken_once_per_round(server, prefix):
    spider = NewsSpider()
    f = frontier(prefix)
    keys = f.keys("news")
    filt = FrontierDupeFilter(server, f, keys, Scripts(server), RequestFingerprinter())
    assert current_round(server, keys) == 0
    assert not filt.request_seen(listing(spider, 1))
    assert filt.request_seen(listing(spider, 1))  # dont_filter for Scrapy, but once in a round here
    assert not filt.request_seen(listing(spider, 2))
    assert start_round(server, keys) == 1
    assert not filt.request_seen(listing(spider, 1))
    assert filt.request_seen(listing(spider, 1))
    assert 0 < server.ttl(f"{keys.entries_prefix}1") <= int(f.round_ttl)


def test_a_push_is_filtered_and_queued_in_one_step(server, prefix):
    spider = NewsSpider()
    f = frontier(prefix)
    scripts = Scripts(server)
    queue = LeasedQueue(server, spider, f, scripts)
    filt = FrontierDupeFilter(server, f, f.keys("news"), scripts, RequestFingerprinter())
    first = article(spider, 5)
    assert queue.push_claimed(first, filt.claim_for(first))
    assert not queue.push_claimed(article(spider, 5), filt.claim_for(article(spider, 5)))
    forced = article(spider, 5)
    forced.dont_filter = True
    assert queue.push_claimed(forced, filt.claim_for(forced))
    assert queue.sizes() == (2, 0)


def test_what_becomes_of_a_finished_requests_lease():
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse
    from twisted.python.failure import Failure

    spider = NewsSpider()
    page, entry = article(spider, 1), listing(spider, 1)

    def response(status: int) -> HtmlResponse:
        return HtmlResponse(page.url, status=status, body=b"", request=page)

    assert finish_outcome(page, response(200), page_failed=False) == "release"
    # downloaded, but not stored: another worker tries again when the lease runs out
    assert finish_outcome(page, response(200), page_failed=True) == "expire"
    assert finish_outcome(entry, response(200), page_failed=True) == "expire"
    # the site answered for good: done (the article stays taken)
    assert finish_outcome(page, response(404), page_failed=True) == "release"
    # failed for now: done, and a later round may take the article again
    for failed in (response(503), response(429), response(408), Failure(ConnectionRefusedError())):
        assert finish_outcome(page, failed, page_failed=True) == "forget"
    assert finish_outcome(entry, response(503), page_failed=True) == "release"
    assert finish_outcome(page, Failure(IgnoreRequest("forbidden by robots.txt")), page_failed=False) == "release"


def test_a_worker_stops_only_when_all_its_sources_have_been_quiet():
    from types import SimpleNamespace

    from crawler.frontier.scheduler import WorkerSpiders

    feed, listing_ = SimpleNamespace(idle_since=100.0), SimpleNamespace(idle_since=None)
    spiders = WorkerSpiders()
    spiders.add(feed)  # type: ignore[arg-type]
    spiders.add(listing_)  # type: ignore[arg-type]
    assert spiders.quiet_since() is None  # the feed has been quiet long, but the listing has work
    listing_.idle_since = 160.0
    assert spiders.quiet_since() == 160.0  # quiet as a whole since the last one went quiet
    spiders.remove(listing_)  # type: ignore[arg-type]
    assert spiders.quiet_since() == 100.0
    spiders.remove(feed)  # type: ignore[arg-type]
    assert spiders.quiet_since() is None


# --- commands ---------------------------------------------------------------------------------


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(tmp_path: Path, db_url: str, *args: str):  # type: ignore[no-untyped-def]
    """The command line in this process (these commands fail or finish before any reactor starts)."""
    from click.testing import CliRunner

    from planwatch.cli import main

    config = tmp_path / "planwatch.toml"
    if not config.exists():
        config.write_text('[[source]]\nname = "a"\ntype = "feed"\nurl = "http://127.0.0.1:9/feed.xml"\n')
    return CliRunner().invoke(main, ["--config", str(config), "--db", db_url, *args], env={"PLANWATCH_REDIS_URL": None})


def test_worker_and_enqueue_without_redis_fail_in_one_line(tmp_path, db_url):
    port = closed_port()
    for command in ("worker", "enqueue"):
        done = run_cli(tmp_path, db_url, command, "--redis", f"redis://127.0.0.1:{port}/0")
        assert done.exit_code == 1, done.output
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: cannot reach Redis at redis://127.0.0.1:{port}/0"), lines
    done = run_cli(tmp_path, db_url, "worker", "nope", "--redis", REDIS_URL)
    assert done.exit_code == 1 and "unknown source 'nope'" in done.stderr


def test_db_upgrade_and_current(tmp_path, empty_db_url, db_backend):
    behind = run_cli(tmp_path, empty_db_url, "db", "current")
    assert behind.exit_code == 1
    expected = "there is no database file" if db_backend == "sqlite" else "schema at none, this planwatch needs"
    assert expected in behind.stderr and len(behind.stderr.strip().splitlines()) == 1
    from storage.db import head_revision

    up = run_cli(tmp_path, empty_db_url, "db", "upgrade")
    assert up.exit_code == 0, up.output
    assert up.stdout.strip() == f"schema at {head_revision()} (head)"
    now = run_cli(tmp_path, empty_db_url, "db", "current")
    assert now.exit_code == 0 and now.stdout.strip() == f"schema at {head_revision()} (head)"
    again = run_cli(tmp_path, empty_db_url, "db", "upgrade")
    assert again.exit_code == 0


def test_frontier_settings_come_from_the_configuration_and_options(tmp_path):
    from planwatch.config import Config, ConfigError, load_config

    f = Frontier.from_config(Config().distributed, mode="both", idle_timeout=5.0)
    assert (f.redis_url, f.prefix, f.mode, f.idle_timeout, f.lease) == (
        "redis://127.0.0.1:6379/0", "planwatch", "both", 5.0, 120.0)
    assert f.article_ttl == 30 * 86400 and f.worker_id.count(":") == 2
    settings = f.scrapy_settings()
    assert settings["SCHEDULER"] == "crawler.frontier.scheduler.DistributedScheduler"
    assert Frontier(**settings["PLANWATCH_FRONTIER"]) == f
    path = tmp_path / "planwatch.toml"
    path.write_text('[distributed]\nredis_url = "redis://:secret@cache:6379/0"\n')
    with pytest.raises(ConfigError, match="PLANWATCH_REDIS_PASSWORD"):
        load_config(str(path))


@pytest.mark.slow
def test_the_service_crawl_job_in_distributed_mode_begins_a_round_for_the_workers(tmp_path, db, prefix):
    """`[service] distributed = true`: the scheduled job seeds the frontier and fetches no article itself."""
    from distributed_site import NewsSite
    from distributed_workers import FEED_SOURCE, frontier_config, outstanding

    from planwatch.config import parse_config
    from planwatch.jobs import JobContext, crawl_in_child

    with NewsSite(articles=40, feed_size=10) as site:
        text = frontier_config(site.base(), prefix) + "\n[service]\ndistributed = true\n"
        config = parse_config(text, str(tmp_path / "planwatch.toml"))
        figures = crawl_in_child(JobContext(config, db, tmp_path / "outbox"), FEED_SOURCE)
        assert figures.outcome == "ok", figures
        assert site.hits() == []  # the service fetched nothing itself
    assert outstanding(prefix, (FEED_SOURCE,)) == 1  # the round's entry request waits for the workers
