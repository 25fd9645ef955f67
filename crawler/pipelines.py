"""The one item pipeline: every article Capture goes through ``planwatch.pipeline``, off the reactor.

Extraction runs in the crawl's worker threads and storing in its single writer
thread (``crawler.context.CrawlContext.process``), exactly the steps of
``Pipeline.process`` that ``planwatch replay`` runs. A page that fails here is
logged with its URL and reason and counted on its source; the crawl goes on.

Except when the database cannot take anything more (disk full, read-only file):
then every page would fail the same way, so storing stops with one line, each
spider of the process closes, and the articles not stored wait for the next run.
"""

from __future__ import annotations

import logging
from typing import Any

from crawler.context import CrawlContext
from planwatch.records import Capture
from storage.db import StorageError

log = logging.getLogger("planwatch.crawler")


STORAGE_FAILED = "storage_failed"  # the close reason of a spider whose pages can no longer be stored


class CapturePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self._closing = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> CapturePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Capture):
            return item
        spider = self.crawler.spider
        context = CrawlContext.for_settings(self.crawler.settings)
        report = spider.report
        if context.storage_failed is not None:
            self.stop()
            return item
        try:
            result = await context.process(item)
        except StorageError as exc:
            if not exc.lasting:
                spider.page_failed(item.url or "?", f"StorageError: {exc}")
                return item
            context.stop_storing(str(exc))
            self.stop()
            return item
        except Exception as exc:  # a storage or extractor bug must cost one page, not the crawl
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
            spider.page_failed(item.url or "?", reason)
            log.debug("processing %s failed", item.url, exc_info=True)
            return item
        if result.status == "rejected":
            report.rejected += 1
            report.problem(f"{item.url}: {result.reason}")
            log.warning("page rejected: %s: %s", item.url, result.reason)
            return item
        report.relevant += int(result.relevant)
        report.updated_plans += int(result.updated_plan)
        outcome = result.outcome
        if outcome is not None:
            report.new_articles += int(outcome.article_new)
            report.duplicates += int(not outcome.article_new)
            report.new_plans += int(outcome.plan_new)
        return item

    def stop(self) -> None:
        """Close this pipeline's spider; scheduled, since closing waits for the items in flight (this one too)."""
        from scrapy.utils.defer import deferred_from_coro

        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and not self._closing:
            self._closing = True
            deferred_from_coro(engine.close_spider_async(reason=STORAGE_FAILED))
