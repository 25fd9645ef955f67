"""Running a crawl: the selected sources in one Scrapy ``CrawlerProcess``, then the summary.

``run_crawl`` is the one entry point (``planwatch crawl`` and the scheduler's child
processes call it). Scrapy's reactor cannot be restarted, so it runs once per
process: call it in a fresh process for each crawl.

Sources of one host run one after the other, so that the per-domain limits hold
across a paper's feed, listing and search; different hosts run side by side.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.summary import CrawlSummary
from planwatch.config import Config, Source
from planwatch.logs import SUMMARISED

log = logging.getLogger("planwatch.crawler")
PROGRESS_EVERY = 0.5  # seconds between two progress calls


class CrawlError(Exception):
    """A crawl that cannot start (unknown source names, nothing enabled); one line."""


def select_sources(config: Config, names: list[str] | tuple[str, ...] | None) -> list[Source]:
    """The named sources (disabled ones too, when named), or every enabled source."""
    if names:
        unknown = [n for n in names if config.find_source(n) is None]
        if unknown:
            known = ", ".join(s.name for s in config.sources) or "none configured"
            raise CrawlError(f"unknown source {', '.join(map(repr, unknown))} (sources: {known})")
        return [s for n in dict.fromkeys(names) if (s := config.find_source(n)) is not None]
    chosen = [s for s in config.sources if s.enabled]
    if not chosen:
        where = config.path or "the configuration"
        raise CrawlError(f"no sources to crawl: {where} has no enabled [[source]]")
    return chosen


class ProgressWatcher:
    """Calls ``progress(context.summary())`` every ``PROGRESS_EVERY`` seconds from a thread of its own."""

    def __init__(self, context: Any, progress: Callable[[CrawlSummary], None]) -> None:
        self.context, self.progress = context, progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="crawl-progress", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(PROGRESS_EVERY):
            try:
                self.progress(self.context.summary())
            except Exception:  # a display problem never stops a crawl
                log.debug("progress display failed", exc_info=True)
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def group_by_host(sources: list[Source]) -> list[list[Source]]:
    groups: OrderedDict[str, list[Source]] = OrderedDict()
    for source in sources:
        host = source.site_host()
        key = host[4:] if host.startswith("www.") else host
        groups.setdefault(key, []).append(source)
    return list(groups.values())


def run_crawl(
    config: Config,
    db_url: str,
    source_names: list[str] | tuple[str, ...] | None = None,
    record_dir: Path | str | None = None,
    outbox: Path | str | None = None,
    max_pages: int | None = None,
    record_runs: bool = False,
    progress: Callable[[CrawlSummary], None] | None = None,
) -> CrawlSummary:
    """Crawl the sources (all enabled ones when no names are given) and return what happened.

    With ``record_dir`` every response is written to one new ``.warc.gz`` there. With
    ``outbox``, immediate subscribers are sent their items afterwards, as after a replay.
    With ``record_runs`` each source's run is written to ``source_runs`` (``planwatch
    crawl`` does; the service keeps that log itself and leaves it False). Raises
    ``CrawlError`` for a crawl that cannot start; a source that fails is reported in
    the summary, not raised. ``progress`` is called with the summary so far about twice
    a second while the crawl runs (from another thread: it must only read it).
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.context import CrawlContext
    from crawler.settings import build_settings
    from crawler.spiders import spider_class_for

    sources = select_sources(config, source_names)
    context = CrawlContext.install(
        CrawlContext(config, db_url, Path(record_dir) if record_dir is not None else None, max_pages, record_runs)
    )
    watcher = ProgressWatcher(context, progress) if progress is not None else None
    try:
        for source in sources:
            context.report_for(source)  # every selected source appears in the summary, in config order
        if watcher is not None:
            watcher.start()
        quiet_robots_errors()
        keep_scrapy_at_root_level()
        process = CrawlerProcess(Settings(build_settings(config)))
        for group in group_by_host(sources):
            _crawl_one_after_another(process, [spider_class_for(s, config) for s in group], context)
        process.start(stop_after_crawl=True, install_signal_handlers=True)
        summary = context.summary()
    finally:
        if watcher is not None:
            watcher.stop()
        context.close()
    if outbox is not None:
        summary.digest, summary.digest_refused = _send_immediate(config, db_url, Path(outbox))
    return summary


class _DropRobotsDownloadErrors(logging.Filter):
    """A host that cannot be reached fails its robots.txt first; the source's one line says it better."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error downloading")


class _DropSizeLimitWarnings(logging.Filter):
    """Scrapy warns when a download passes the size limit; the page's own failure line says it once."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not ("download max size" in message or "exceeded DOWNLOAD_MAXSIZE" in message)


SIZE_LIMIT_LOGGERS = ("scrapy.core.downloader.handlers.http11", "scrapy.downloadermiddlewares.httpcompression")


class _AtLeastRootLevel(logging.Filter):
    """Scrapy raises its own loggers to DEBUG; the root logger's level (``--log-level``) decides instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.getLogger().getEffectiveLevel()


def keep_scrapy_at_root_level() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _AtLeastRootLevel) for f in handler.filters):
            handler.addFilter(_AtLeastRootLevel())


def quiet_robots_errors() -> None:
    robots_log = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    if not any(isinstance(f, _DropRobotsDownloadErrors) for f in robots_log.filters):
        robots_log.addFilter(_DropRobotsDownloadErrors())
    for name in SIZE_LIMIT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropSizeLimitWarnings) for f in logger.filters):
            logger.addFilter(_DropSizeLimitWarnings())


def _crawl_one_after_another(process, spider_classes, context) -> None:  # type: ignore[no-untyped-def]
    """Chain the crawls of one host; a crawl that cannot even start fails its source, not the others."""

    def start(_: object, cls) -> object:  # type: ignore[no-untyped-def]
        deferred = process.crawl(cls)
        deferred.addErrback(failed, cls)
        return deferred

    def failed(failure, cls) -> None:  # type: ignore[no-untyped-def]
        report = context.report_for(cls.source)
        report.outcome = "failed"
        report.message = f"the crawl could not run: {failure.getErrorMessage().splitlines()[0]}"
        log.error("source %s: %s", cls.source.name, report.message, extra=SUMMARISED)

    from twisted.internet.defer import succeed

    chain = succeed(None)
    for spider_class in spider_classes:
        chain.addCallback(start, spider_class)


def _send_immediate(config: Config, db_url: str, outbox: Path) -> tuple[str | None, list[str]]:
    """Hand new items to immediate subscribers; the summary line and who was refused (with the reply)."""
    from alerts.delivery import queue_and_send_immediate
    from storage.db import open_database

    database = open_database(db_url)
    try:
        report = queue_and_send_immediate(database, config, outbox)
    finally:
        database.dispose()
    refused = [line for line in report.failures if line.split(":", 1)[0] in set(report.refused)]
    return report.summary_line(), refused
