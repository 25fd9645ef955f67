"""Running spiders on the shared frontier: a worker (``planwatch worker``), or seed and work (``crawl --distributed``).

Every selected source gets its spider in one Scrapy ``CrawlerProcess``, scheduled by
``crawler.frontier.scheduler.DistributedScheduler``: the spiders take requests from the
sources' Redis queues, and what they find goes through the same item pipeline as a
local crawl (``crawler.pipelines`` → ``planwatch.pipeline``) into the shared database.
All spiders run side by side (not one host after the other as in a local crawl): a
worker must be ready for whatever the queues hold. ``crawl.per_domain`` and
``crawl.delay`` hold per worker, so N workers visit a site N times as hard.

Scrapy's reactor runs once per process: call these in a fresh process each time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.frontier import Frontier, check_redis
from crawler.summary import CrawlSummary
from planwatch.config import Config, Source

log = logging.getLogger("planwatch.crawler")


@dataclass
class SpiderRun:
    """What one source's spider did on the frontier (from its Scrapy stats)."""

    source: str
    round: int | None = None  # the round it started (seeding modes)
    pushed: int = 0  # requests it put into the shared queue
    taken: int = 0  # requests it took from the shared queue


@dataclass
class FrontierRun:
    summary: CrawlSummary
    spiders: list[SpiderRun] = field(default_factory=list)


def run_worker(
    config: Config,
    db_url: str,
    source_names: list[str] | tuple[str, ...] | None = None,
    *,
    frontier: Frontier,
    record_dir: Path | str | None = None,
    max_pages: int | None = None,
    outbox: Path | str | None = None,
) -> FrontierRun:
    """Work on the shared crawl of the sources (all enabled ones when none are named) until it is idle.

    ``frontier.mode`` says whether this process also starts a new round (``both``, for
    ``crawl --distributed``) or only works (``work``). Raises ``CrawlError`` (bad source
    names), ``FrontierError`` (Redis unreachable) or ``StorageError`` before anything runs.
    """
    from crawler.runner import select_sources

    sources = select_sources(config, source_names)
    check_redis(frontier.redis_url)
    run = run_spiders(config, db_url, sources, frontier, record_dir=record_dir, max_pages=max_pages)
    if outbox is not None:
        from crawler.runner import _send_immediate

        run.summary.digest, run.summary.digest_refused = _send_immediate(config, db_url, Path(outbox))
    return run


def run_spiders(
    config: Config,
    db_url: str,
    sources: list[Source],
    frontier: Frontier,
    *,
    record_dir: Path | str | None = None,
    max_pages: int | None = None,
) -> FrontierRun:
    """One ``CrawlerProcess`` with a frontier-scheduled spider per source; returns when all have closed."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.context import CrawlContext
    from crawler.runner import keep_scrapy_at_root_level, quiet_robots_errors
    from crawler.settings import build_settings
    from crawler.spiders import spider_class_for

    context = CrawlContext.install(
        CrawlContext(config, db_url, Path(record_dir) if record_dir is not None else None, max_pages,
                     record_runs=False)
    )
    crawlers: list[tuple[str, Any]] = []
    try:
        for source in sources:
            context.report_for(source)
        quiet_robots_errors()
        keep_scrapy_at_root_level()
        process = CrawlerProcess(Settings(build_settings(config)))
        extra = frontier.scrapy_settings()
        for source in sources:
            crawler = process.create_crawler(spider_class_for(source, config, extra))
            crawlers.append((source.name, crawler))
            process.crawl(crawler).addErrback(log_start_failure, source.name)
        log.info("worker %s on %s (%s): %d sources", frontier.worker_id, frontier.redis_url, frontier.mode,
                 len(sources))
        process.start(stop_after_crawl=True, install_signal_handlers=True)
        summary = context.summary()
    finally:
        context.close()
    return FrontierRun(summary, [spider_run(name, crawler) for name, crawler in crawlers])


def log_start_failure(failure: Any, source: str) -> None:
    log.error("source %s: the crawl could not run: %s", source, failure.getErrorMessage())


def spider_run(name: str, crawler: Any) -> SpiderRun:
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    return SpiderRun(
        source=name,
        round=stats.get("planwatch/round"),
        pushed=int(stats.get("scheduler/enqueued/redis", 0)),
        taken=int(stats.get("scheduler/dequeued/redis", 0)),
    )
