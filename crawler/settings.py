"""Scrapy settings: polite defaults, and the ones derived from planwatch's ``[crawl]`` table.

This module is also the Scrapy project's settings module (``scrapy.cfg``), so
``scrapy list`` and ``scrapy crawl SOURCE`` see the sources of ``planwatch.toml``
(or of ``$PLANWATCH_CONFIG``) and store into ``$PLANWATCH_DB``. Values here are
the polite floor; ``build_settings`` turns a validated ``Config`` into the rest, and
every spider class carries them (``crawler.spiders.spider_class_for``).
"""

from __future__ import annotations

import os
from typing import Any

BOT_NAME = "planwatch"
SPIDER_LOADER_CLASS = "crawler.loader.SourceSpiderLoader"
SPIDER_MODULES: list[str] = []

PLANWATCH_CONFIG = os.environ.get("PLANWATCH_CONFIG")
PLANWATCH_DB = os.environ.get("PLANWATCH_DB")
PLANWATCH_RECORD_DIR = os.environ.get("PLANWATCH_RECORD_DIR")

ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port in a crawler
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
LOG_LEVEL = "INFO"
# Scrapy starts this many asyncio tasks for every response's output. An article page yields one
# Capture and a list page only requests, so its default of 100 is CPU spent on nothing: a third
# of the reactor thread's time in a 1,000-page crawl (cProfile).
CONCURRENT_ITEMS = 2
# Extraction hands pages to executors with asyncio (crawler.extraction_pool): Scrapy's default
# reactor, named here because the crawler depends on it.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Our own retry and robots.txt middlewares replace Scrapy's; the rest are the crawler's middlewares,
# placed around Scrapy's (offsite 50, robots.txt 100, retry 550, compression 590, redirect 600).
DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    "crawler.middlewares.AddressGuardMiddleware": 40,
    "crawler.middlewares.KnownArticleMiddleware": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.SharedRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.PoliteRetryMiddleware": 550,
    "crawler.middlewares.EncodingMiddleware": 585,
    "crawler.middlewares.RecordingMiddleware": 610,
    "crawler.middlewares.RequestBudgetMiddleware": 950,  # last before the download: counts what is sent
}
ITEM_PIPELINES = {"crawler.pipelines.CapturePipeline": 300}
# Scrapy imports every extension of EXTENSIONS_BASE before it asks whether it is enabled, and
# remote control (disabled above) imports aiohttp: a tenth of a second of every crawl's start.
NEVER_ENABLED_EXTENSIONS = ("scrapy.extensions.remote_control.RemoteControl",)

# Only encodings a WARC reader can undo, so recorded bodies replay as they were read.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5",
    "Accept-Encoding": "gzip, deflate",
}


def extensions_base() -> dict[str, int]:
    """Scrapy's built-in extensions, less the ones a crawler never enables."""
    from scrapy.settings import default_settings

    return {k: v for k, v in default_settings.EXTENSIONS_BASE.items() if k not in NEVER_ENABLED_EXTENSIONS}


def build_settings(config: Any) -> dict[str, Any]:
    """Scrapy settings for a validated ``planwatch.config.Config``."""
    crawl = config.crawl
    return {
        "BOT_NAME": BOT_NAME,
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_domain,
        "DOWNLOAD_DELAY": crawl.delay,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawl.delay, 1.0),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": min(crawl.max_page_bytes, 2_000_000),
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",  # the crawler logs its own one-line failure
        "PLANWATCH_RETRY_BACKOFF": crawl.retry_backoff,
        "PLANWATCH_MAX_RETRY_AFTER": crawl.max_retry_after,
        "PLANWATCH_ALLOW_PRIVATE_ADDRESSES": crawl.allow_private_addresses,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "REDIRECT_MAX_TIMES": 5,
        "CONCURRENT_ITEMS": CONCURRENT_ITEMS,
        "TWISTED_REACTOR": TWISTED_REACTOR,
        "METAREFRESH_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": dict(DOWNLOADER_MIDDLEWARES),
        "ITEM_PIPELINES": dict(ITEM_PIPELINES),
        "EXTENSIONS_BASE": extensions_base(),
        "DEFAULT_REQUEST_HEADERS": dict(DEFAULT_REQUEST_HEADERS),
        # Scrapy's own per-request logging is for debugging; planwatch logs one line per failure.
        "LOGSTATS_INTERVAL": 0,
        "LOG_INSTALL_ROOT_HANDLER": False,
        "STATS_DUMP": False,
    }
