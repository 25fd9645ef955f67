"""The worker's Scrapy scheduler over the frontier: leases renewed and released, polling, idle exit, and the start middleware."""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any, cast

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response
from scrapy_redis.scheduler import Scheduler
from twisted.python.failure import Failure

from crawler.frontier.connection import connect, one_line
from crawler.frontier.dupefilter import FrontierDupeFilter, is_article
from crawler.frontier.queue import LeasedQueue
from crawler.frontier.scripts import Scripts, start_round
from crawler.frontier.serialize import JsonRequestSerializer
from crawler.frontier.settings import (
    ACK_BATCH,
    ACK_DELAY,
    LEASE_META,
    PREFETCH_MAX,
    RETRY_LATER_STATUSES,
    TRIM_EVERY,
    Frontier,
    FrontierError,
)

log = logging.getLogger("planwatch.crawler")


def failed_for_now(result: Response | Failure) -> bool:
    """True when the page should be tried again later: a download error, a 5xx, 408 or 429."""
    if isinstance(result, Failure):
        return not result.check(IgnoreRequest)
    return result.status >= 500 or result.status in RETRY_LATER_STATUSES


def call_later(delay: float, func: Any) -> Any:
    from twisted.internet import reactor

    return cast(Any, reactor).callLater(delay, func)


def finish_outcome(request: Request, result: Response | Failure, page_failed: bool) -> str:
    """What becomes of a finished request's lease.

    ``release``: done. ``forget``: done, and its article may be taken again by a later
    round (the download failed for now). ``expire``: downloaded but the spider could not
    process or store it (``page_failed``): the lease is left to run out, so another worker
    tries again after ``lease`` seconds (at most ``max_reclaims`` times, then it is set aside).
    """
    if page_failed and isinstance(result, Response) and result.status < 400:
        return "expire"
    if is_article(request) and failed_for_now(result):
        return "forget"
    return "release"


class WorkerSpiders:
    """The frontier schedulers of this process, to decide idleness for the worker as a whole."""

    def __init__(self) -> None:
        self._schedulers: list[DistributedScheduler] = []

    def add(self, scheduler: DistributedScheduler) -> None:
        self._schedulers.append(scheduler)

    def remove(self, scheduler: DistributedScheduler) -> None:
        if scheduler in self._schedulers:
            self._schedulers.remove(scheduler)

    def quiet_since(self) -> float | None:
        """Since when every source of this worker has had nothing queued or leased; None while one has."""
        marks = [s.idle_since for s in self._schedulers]
        if not marks or any(mark is None for mark in marks):
            return None
        return max(mark for mark in marks if mark is not None)


WORKER_SPIDERS = WorkerSpiders()
_SHARED_CLIENTS: dict[str, redis.Redis] = {}


def shared_client(redis_url: str) -> redis.Redis:
    """One client (one connection pool) per Redis for all the spiders of a worker process."""
    if redis_url not in _SHARED_CLIENTS:
        _SHARED_CLIENTS[redis_url] = connect(redis_url)
    return _SHARED_CLIENTS[redis_url]


class DistributedScheduler(Scheduler):
    """scrapy-redis' scheduler with leases, per-round entry pages, polling and idle exit (see module doc)."""

    def __init__(self, crawler: Any, server: redis.Redis, frontier: Frontier) -> None:
        super().__init__(server, persist=True, flush_on_start=False, idle_before_close=0,
                         serializer=JsonRequestSerializer)
        self.crawler = crawler
        self.stats = crawler.stats
        self.frontier = frontier
        self.scripts = Scripts(server)
        # A few requests are leased at once (one round trip); the engine takes them one by one.
        self.prefetch = max(1, min(PREFETCH_MAX, crawler.settings.getint("CONCURRENT_REQUESTS", 16) // 4))
        self.ready: deque[Request] = deque()
        self.in_flight: dict[str, float] = {}  # lease id -> when taken (monotonic)
        self.acks: list[str] = []  # finished, released in the next batch
        self.failed_urls: set[str] = set()  # pages the spider reported as failed, until their request finishes
        self.queue_looked_empty = False
        self.idle_since: float | None = None
        self.last_trim = 0.0
        self._tender: Any = None
        self._wakeup: Any = None
        self._ack_call: Any = None
        self._redis_down_logged = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> DistributedScheduler:
        frontier = Frontier.from_settings(crawler.settings)
        server = shared_client(frontier.redis_url)
        try:
            server.ping()
        except redis.RedisError as exc:
            raise FrontierError(f"cannot reach Redis at {frontier.redis_url}: {one_line(exc)}") from None
        return cls(crawler, server, frontier)

    @property
    def works(self) -> bool:
        return self.frontier.mode in ("work", "both")

    @property
    def seeds(self) -> bool:
        return self.frontier.mode in ("seed", "both")

    # --- lifecycle -------------------------------------------------------------------------

    def open(self, spider: Any) -> None:
        self.spider = spider
        keys = self.frontier.keys(spider.name)
        self.queue = LeasedQueue(self.server, spider, self.frontier, self.scripts)
        self.df = FrontierDupeFilter(self.server, self.frontier, keys, self.scripts,
                                     self.crawler.request_fingerprinter,
                                     debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        if self.seeds:
            number = start_round(self.server, keys)
            self.stats.set_value("planwatch/round", number)
            log.info("source %s: crawl round %d", spider.name, number)
        if not self.works:
            return
        self.crawler.signals.connect(self._watch_finished_responses, signal=signals.spider_opened)
        self.crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        WORKER_SPIDERS.add(self)
        self._tend()
        from twisted.internet import task

        self._tender = task.LoopingCall(self._tend)
        self._tender.start(max(0.2, min(self.frontier.lease / 3, 30.0)), now=False)

    def close(self, reason: str) -> None:
        WORKER_SPIDERS.remove(self)
        if self._tender is not None and self._tender.running:
            self._tender.stop()
        for call in (self._wakeup, self._ack_call):
            if call is not None and call.active():
                call.cancel()
        self._flush_acks()
        if self.in_flight:
            try:
                back = self.queue.release(list(self.in_flight))
                log.info("source %s: %d unfinished requests handed back to the queue", self.spider.name, back)
            except redis.RedisError as exc:
                log.warning("source %s: could not hand back %d requests (%s); they return when their lease "
                            "expires", self.spider.name, len(self.in_flight), one_line(exc))
            self.in_flight.clear()
            self.ready.clear()

    # --- the engine's side -----------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        parent = request.meta.pop(LEASE_META, None)
        try:
            if parent is not None and parent in self.in_flight:
                return self._continue(request, parent)
            pushed = self.queue.push_claimed(request, self.df.claim_for(request))
        except redis.RedisError as exc:
            self._redis_failed("push", exc)
            raise
        if not pushed:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue_looked_empty = False
        return True

    def _continue(self, request: Request, parent: str) -> bool:
        """A retry or redirect of a leased request: push it and release the parent in one step.

        It is not filtered again: the parent took the article's fingerprint already (a
        redirect to an article stored meanwhile is dropped by ``KnownArticleMiddleware``).
        """
        self.queue.push_and_ack(request, parent)
        self.in_flight.pop(parent, None)
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue_looked_empty = False
        return True

    def next_request(self) -> Request | None:
        if not self.works:
            return None
        if not self.ready:
            try:
                popped = self.queue.pop_leased(self.prefetch)
            except redis.RedisError as exc:
                self._redis_failed("pop", exc)
                popped = []
            if not popped:
                self.queue_looked_empty = True
                self._wake_later()
                return None
            self._redis_down_logged = False
            now = time.monotonic()
            for lease_id, request in popped:
                request.meta[LEASE_META] = lease_id
                self.in_flight[lease_id] = now
                self.ready.append(request)
        self.queue_looked_empty = False
        self.idle_since = None
        self.stats.inc_value("scheduler/dequeued/redis")
        return self.ready.popleft()

    def has_pending_requests(self) -> bool:
        # What the last look at the queue said: asking Redis every time the engine wonders
        # would cost a round trip per response.
        return self.works and (bool(self.ready) or not self.queue_looked_empty)

    # --- finishing a request ----------------------------------------------------------------

    def _watch_finished_responses(self, spider: Any) -> None:
        """Hook the point where Scrapy is done with a response: callback, new requests and items all handled.

        Scrapy has no signal for it; the scraper slot's ``finish_response`` is called then,
        for responses and failures alike (read in Scrapy 2.19's scraper).
        """
        if spider is not self.spider:
            return
        slot = getattr(getattr(self.crawler.engine, "scraper", None), "slot", None)
        original = getattr(slot, "finish_response", None)
        if slot is None or original is None:
            raise FrontierError("this Scrapy version has no scraper slot to follow finished requests; "
                                "the distributed mode is tested with Scrapy 2.19")

        def finish_response(result: Response | Failure, request: Request) -> None:
            try:
                self.request_finished(request, result)
            finally:
                original(result, request)

        slot.finish_response = finish_response
        self._watch_failed_pages(spider)

    def _watch_failed_pages(self, spider: Any) -> None:
        """Note the pages the spider counts as failed (``SourceSpider.page_failed``): download or processing."""
        report = getattr(spider, "page_failed", None)
        if report is None:
            return

        def page_failed(url: str, reason: str) -> None:
            self.failed_urls.add(url)
            report(url, reason)

        spider.page_failed = page_failed

    def request_finished(self, request: Request, result: Response | Failure) -> None:
        lease_id = request.meta.get(LEASE_META)
        if lease_id is None or self.in_flight.pop(lease_id, None) is None:
            return
        urls = {request.url, result.url} if isinstance(result, Response) else {request.url}
        outcome = finish_outcome(request, result, bool(urls & self.failed_urls))
        self.failed_urls.difference_update(urls)
        if outcome == "expire":
            log.info("source %s: %s failed after download; it is tried again once its lease expires",
                     self.spider.name, request.url)
            return
        if outcome == "forget":
            try:
                self.df.forget(request)
            except redis.RedisError as exc:
                self._redis_failed("forget", exc)
        self.acks.append(lease_id)
        if len(self.acks) >= ACK_BATCH:
            self._flush_acks()
        elif self._ack_call is None or not self._ack_call.active():
            self._ack_call = call_later(ACK_DELAY, self._flush_acks)

    def _flush_acks(self) -> None:
        acks, self.acks = self.acks, []
        try:
            self.queue.ack(acks)
        except redis.RedisError as exc:
            # The leases expire and another worker does those requests again: nothing is lost.
            self._redis_failed("release", exc)

    # --- leases, polling and idling ---------------------------------------------------------

    def _tend(self) -> None:
        """Renew this worker's leases, put expired ones (of dead workers) back, trim old fingerprints."""
        try:
            if self.in_flight:
                kept = self.queue.renew(list(self.in_flight))
                if kept < len(self.in_flight):
                    log.warning("source %s: %d leases expired before they were renewed (was the worker stalled?); "
                                "those requests may be fetched twice", self.spider.name, len(self.in_flight) - kept)
            back, aside = self.queue.reclaim_expired()
            if back:
                log.info("source %s: %d requests of a stopped worker are back in the queue", self.spider.name, back)
                self.queue_looked_empty = False
                self._wake_later(0.0)
            if aside:
                log.warning("source %s: %d requests set aside after %d reclaims (see %s)", self.spider.name, aside,
                            self.frontier.max_reclaims, self.queue.k.set_aside)
            now = time.monotonic()
            if now - self.last_trim > TRIM_EVERY:
                self.last_trim = now
                self.df.trim()
        except redis.RedisError as exc:
            self._redis_failed("lease upkeep", exc)

    def _on_idle(self, spider: Any) -> None:
        if spider is not self.spider:
            return
        try:
            queued, leased = self.queue.sizes()
        except redis.RedisError as exc:
            self._redis_failed("idle check", exc)
            queued, leased = 0, 0
        now = time.monotonic()
        if queued or leased:
            self.idle_since = None
        elif self.idle_since is None:
            self.idle_since = now
        # The worker stops as a whole: a source quiet for long keeps its spider open while
        # another source of the process has work, so the next round finds it still there.
        quiet_since = WORKER_SPIDERS.quiet_since()
        if quiet_since is None or now - quiet_since < self.frontier.idle_timeout:
            self._wake_later()
            raise DontCloseSpider
        log.info("source %s: nothing queued or leased for any source of this worker for %.0f s; it stops",
                 spider.name, now - quiet_since)

    def _wake_later(self, delay: float | None = None) -> None:
        """Ask the engine to look at the queue again soon (it would otherwise wait for its 5 s heartbeat)."""
        if self._wakeup is not None and self._wakeup.active():
            return
        self._wakeup = call_later(self.frontier.poll_interval if delay is None else delay, self._wake)

    def _wake(self) -> None:
        self.queue_looked_empty = False
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def _redis_failed(self, what: str, exc: Exception) -> None:
        if not self._redis_down_logged:
            log.error("source %s: Redis %s failed: %s", getattr(self.spider, "name", "?"), what, one_line(exc))
            self._redis_down_logged = True


class DistributedStartMiddleware:
    """A worker takes requests from the shared queue only; seeding is ``enqueue``'s (or ``crawl``'s) job."""

    def __init__(self, seeds: bool) -> None:
        self.seeds = seeds

    @classmethod
    def from_crawler(cls, crawler: Any) -> DistributedStartMiddleware:
        return cls(Frontier.from_settings(crawler.settings).mode in ("seed", "both"))

    async def process_start(self, start: Any) -> Any:
        if self.seeds:
            async for item_or_request in start:
                yield item_or_request

    def process_start_requests(self, start_requests: Any, spider: Any) -> Any:  # Scrapy < 2.13
        if self.seeds:
            yield from start_requests
