"""The state one crawl process shares between its spiders: database, workers, reports, recorder.

Scrapy runs every spider of a process on one reactor thread. What must not run
there is given to thread pools here:

- extraction (``extract_or_reason``: CPU-bound, trafilatura) to an
  ``ExtractionPool``: threads at first, worker processes once pages queue up,
  so downloading continues while pages are parsed and a large crawl uses every core;
- every database write to one writer thread, because SQLite has one writer and
  the order of writes should not depend on thread scheduling;
- database reads (known URLs, validators) to the reactor's own small pool.

Every database call is a ``Database.transaction``: a lost race, a locked SQLite
file or a PostgreSQL connection the server dropped is retried from scratch.

The context also holds the run's claim set: every canonical article URL some
spider of this process has decided to fetch, so an article listed by a feed and a
listing, or under two tracking-parameter spellings, is fetched once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from crawler.extraction_pool import ExtractionPool
from crawler.summary import CrawlSummary, SourceReport
from crawler.warc import WarcRecorder
from planwatch.config import Config, Source
from planwatch.pipeline import Pipeline, ProcessResult
from planwatch.records import Capture

log = logging.getLogger("planwatch.crawler")

T = TypeVar("T")


def utc_now_seconds() -> datetime:
    """Now as naive UTC in whole seconds: what a WARC-Date can hold, so a replay sees the same time."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


class CrawlContext:
    """One per crawl process; ``CrawlContext.current()`` is how spiders and components find it."""

    _current: ClassVar[CrawlContext | None] = None

    def __init__(self, config: Config, db_url: str, record_dir: Path | None = None,
                 max_pages: int | None = None, record_runs: bool = True) -> None:
        from storage.db import open_database

        self.config = config
        self.record_runs = record_runs  # False when the caller (the service) keeps the run log itself
        self.db_url = db_url
        self.max_pages = max_pages
        self.database = open_database(db_url)
        vocabulary = config.topics.vocabulary()
        self.pipeline = Pipeline(self.database, vocabulary=vocabulary)
        self.recorder = WarcRecorder(record_dir) if record_dir is not None else None
        self.reports: dict[str, SourceReport] = {}
        self.claimed: set[str] = set()
        self.storage_failed: str | None = None  # the one line, once the database took nothing more
        self.started_at = datetime.now(timezone.utc)
        crawl = config.crawl
        self.extraction = ExtractionPool(crawl.extract_workers, crawl.extract_processes, crawl.extract_backlog,
                                         vocabulary=vocabulary)
        self._writer_pool: Any = None

    # --- lifecycle -------------------------------------------------------------------------

    @classmethod
    def install(cls, context: CrawlContext) -> CrawlContext:
        cls._current = context
        return context

    @classmethod
    def current(cls) -> CrawlContext | None:
        return cls._current

    @classmethod
    def for_settings(cls, settings: Any) -> CrawlContext:
        """The installed context, or one built from Scrapy settings (``scrapy crawl NAME``)."""
        if cls._current is None:
            from planwatch.config import load_config
            from storage.db import default_db_url

            config = load_config(settings.get("PLANWATCH_CONFIG") or None)
            db_url = settings.get("PLANWATCH_DB") or default_db_url()
            record = settings.get("PLANWATCH_RECORD_DIR")
            cls.install(cls(config, db_url, Path(record) if record else None))
        assert cls._current is not None
        return cls._current

    def _writer(self) -> Any:
        if self._writer_pool is None:
            from twisted.internet import reactor
            from twisted.python.threadpool import ThreadPool

            self._writer_pool = ThreadPool(minthreads=1, maxthreads=1, name="planwatch-writer")
            self._writer_pool.start()
            reactor.addSystemEventTrigger("during", "shutdown", self._writer_pool.stop)  # type: ignore[attr-defined,arg-type]
        return self._writer_pool

    def close(self) -> None:
        self.extraction.close()
        if self._writer_pool is not None and self._writer_pool.started:
            self._writer_pool.stop()
        if self.recorder is not None:
            self.recorder.close()
        self.database.dispose()
        if CrawlContext._current is self:
            CrawlContext._current = None

    # --- reports ---------------------------------------------------------------------------

    def report_for(self, source: Source) -> SourceReport:
        if source.name not in self.reports:
            self.reports[source.name] = SourceReport(name=source.name, type=source.type)
        return self.reports[source.name]

    def summary(self) -> CrawlSummary:
        return CrawlSummary(
            sources=list(self.reports.values()),
            started_at=self.started_at.isoformat(timespec="seconds"),
            finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            record_file=str(self.recorder.path) if self.recorder is not None else None,
            record_stopped=self.recorder.stopped if self.recorder is not None else None,
        )

    def stop_storing(self, reason: str) -> None:
        if self.storage_failed is None:
            self.storage_failed = reason
            log.error("storing stopped: %s", reason)

    # --- the run's claim set ---------------------------------------------------------------

    def claim(self, canonical_urls: Iterable[str]) -> list[str]:
        """The URLs no spider of this run has claimed yet, now claimed; order kept."""
        fresh = []
        for url in canonical_urls:
            if url not in self.claimed:
                self.claimed.add(url)
                fresh.append(url)
        return fresh

    # --- work off the reactor thread ------------------------------------------------------

    async def _read(self, func: Callable[..., T], *args: Any) -> T:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        return await maybe_deferred_to_future(deferToThread(func, *args))

    async def _write(self, func: Callable[..., T], *args: Any) -> T:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThreadPool

        deferred = deferToThreadPool(reactor, self._writer(), func, *args)  # type: ignore[arg-type]
        return await maybe_deferred_to_future(deferred)

    async def process(self, capture: Capture) -> ProcessResult:
        """Extract in the extraction pool, store in the writer thread: ``Pipeline.process`` split in two."""
        extracted = await self.extraction.extract(capture)
        if isinstance(extracted, str):
            return self.pipeline.rejected(capture, extracted)
        return await self._write(self.pipeline.store, capture, *extracted)

    async def known_articles(self, pairs: list[tuple[str, str]]) -> set[str]:
        """The canonical URLs of ``(fetched URL, canonical URL)`` pairs whose article is stored.

        An article is stored under the canonical URL its page declares (``og:url``,
        ``rel=canonical``), which can differ from the link that led to it; the URL it
        was fetched from is kept too, and either one makes it known.
        """
        if not pairs:
            return set()
        return await self._read(self._known_articles, pairs)

    def _known_articles(self, pairs: list[tuple[str, str]]) -> set[str]:
        from sqlalchemy import select

        from storage import models as m
        from storage.repository import known_urls

        def read(session: Any) -> set[str]:
            known = known_urls(session, [canonical for _, canonical in pairs])
            fetched = [url for url, canonical in pairs if canonical not in known]
            for start in range(0, len(fetched), 500):
                chunk = fetched[start : start + 500]
                stored = set(session.scalars(select(m.Article.url).where(m.Article.url.in_(chunk))))
                known.update(canonical for url, canonical in pairs if url in stored)
            return known

        return self.database.transaction(read, read_only=True)

    async def validators(self, url: str) -> tuple[str | None, str | None]:
        return await self._read(self._validators, url)

    def _validators(self, url: str) -> tuple[str | None, str | None]:
        from storage.repository import get_validators

        def read(session: Any) -> tuple[str | None, str | None]:
            found = get_validators(session, url)
            return (found.etag, found.last_modified) if found is not None else (None, None)

        return self.database.transaction(read, read_only=True)

    async def save_validators(self, items: list[tuple[str, str | None, str | None]]) -> None:
        if items:
            await self._write(self._save_validators, items)

    def _save_validators(self, items: list[tuple[str, str | None, str | None]]) -> None:
        from storage.repository import save_validators

        def write(session: Any) -> None:
            for url, etag, last_modified in items:
                save_validators(session, url, etag, last_modified)

        self.database.transaction(write)

    async def run_started(self, source: str) -> int:
        return await self._write(self._run_started, source)

    def _run_started(self, source: str) -> int:
        from storage.repository import record_run_start

        return self.database.transaction(lambda session: record_run_start(session, source, "crawl"))

    async def run_finished(self, run_id: int, report: SourceReport) -> None:
        await self._write(self._run_finished, run_id, report)

    def _run_finished(self, run_id: int, report: SourceReport) -> None:
        from storage.repository import record_run_end

        self.database.transaction(lambda session: record_run_end(
            session, run_id, outcome=report.outcome, pages=report.pages, new_articles=report.new_articles,
            errors=report.errors + report.rejected, message=report.message,
        ))

