"""Running a backfill: the selected sources walked back in time in one Scrapy process, then the summary.

``run_backfill`` is ``run_crawl``'s counterpart for the past: the same settings
(robots.txt, delays, per-site limits, retries), the same article pipeline and the
same "an article is fetched once, ever" rule, but the spiders are
``BackfillSpider``s that page through a source's list, search or board back to
``since``, and what they store is history: the plans and their timelines get the
articles' real dates, and no subscriber is alerted (``Pipeline(history=True)``).

A feed or sitemap holds only the newest articles; such a source with a preset is
walked through its preset's listing instead (the same site, the same selectors).
Other feeds and sitemaps are reported as not walkable and skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from crawler.context import CrawlContext
from crawler.summary import CrawlSummary
from planwatch.config import Config, Source
from planwatch.pipeline import Pipeline

log = logging.getLogger("planwatch.crawler")

WALKABLE = ("listing", "search", "board")
DEFAULT_MAX_PAGES = 50  # list pages per source and run


class BackfillContext(CrawlContext):
    """The crawl context with a history pipeline and the backfill cursors."""

    def __init__(self, config: Config, db_url: str, record_dir: Path | None = None) -> None:
        super().__init__(config, db_url, record_dir, None, record_runs=False)
        self.pipeline = Pipeline(self.database, history=True, vocabulary=config.topics.vocabulary())

    async def backfill_cursor(self, source: str, since: date, until: date) -> Any:
        return await self._write(self._backfill_cursor, source, since, until)

    def _backfill_cursor(self, source: str, since: date, until: date) -> Any:
        from storage.cursors import Cursor, load_cursor, save_cursor

        def read_or_make(session: Any) -> Cursor:
            found = load_cursor(session, source, since)
            if found is not None:
                return found
            made = Cursor(source, since, until)
            save_cursor(session, made)
            return made

        return self.database.transaction(read_or_make)

    async def save_backfill_cursor(self, cursor: Any) -> None:
        await self._write(self._save_backfill_cursor, cursor)

    def _save_backfill_cursor(self, cursor: Any) -> None:
        from storage.cursors import save_cursor

        self.database.transaction(lambda session: save_cursor(session, cursor))


@dataclass
class BackfillOutcome:
    """A backfill run: the crawl summary, each source's walk, and the sources that cannot be walked."""

    summary: CrawlSummary
    walks: dict[str, Any] = field(default_factory=dict)  # source name → BackfillWalk
    skipped: dict[str, str] = field(default_factory=dict)  # source name → why it cannot be walked

    def to_dict(self) -> dict[str, Any]:
        out = self.summary.to_dict()
        for report in out["sources"]:
            walk = self.walks.get(report["name"])
            if walk is not None:
                report["backfill"] = walk_state(walk)
        out["skipped"] = dict(self.skipped)
        return out


def walk_state(walk: Any) -> dict[str, Any]:
    saved = walk.saved or walk.cursor
    state: dict[str, Any] = {"since": walk.since.isoformat(), "list_pages": walk.pages}
    if saved is None:
        return {**state, "state": "not started"}
    if saved.done:
        return {**state, "state": "done", "note": walk.note}
    return {**state, "state": "continues", "next_page": saved.next_url,
            "position": {"query": saved.query_index, "window": saved.window_index, "page": saved.page}}


def walkable_source(source: Source) -> Source | str:
    """The source to walk back (a feed with a preset becomes its preset's listing), or why there is none."""
    if source.type in WALKABLE:
        return source
    from crawler.presets import get_preset

    if source.preset and get_preset(source.preset).listing_path:
        from urllib.parse import urlsplit

        parts = urlsplit(source.url)
        root = f"{parts.scheme}://{parts.netloc}"
        keep = source.model_dump(exclude={"type", "url", "article_links", "next_page", "list_items", "include",
                                          "exclude"}, exclude_defaults=True)
        keep["selectors"] = {k: v for k, v in source.selectors.items()
                             if v != get_preset(source.preset).selectors.get(k)}
        return Source.model_validate({**keep, "type": "listing", "url": root})
    return f"a {source.type} holds only the newest articles and the source has no preset with a listing to walk"


def run_backfill(
    config: Config,
    db_url: str,
    since: date,
    source_names: list[str] | tuple[str, ...] | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_articles: int | None = None,
    record_dir: Path | str | None = None,
    today: date | None = None,
) -> BackfillOutcome:
    """Walk the sources (every enabled one when none are named) back to ``since``; see the module docstring.

    ``max_pages`` list pages and ``max_articles`` article fetches (default: the
    source's ``max_articles``) per source and run; the cursors keep the rest for the
    next run. Raises ``CrawlError`` for a run that cannot start.
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.runner import (
        _crawl_one_after_another,
        group_by_host,
        keep_scrapy_at_root_level,
        quiet_robots_errors,
        select_sources,
    )
    from crawler.settings import build_settings
    from crawler.spiders.backfill import BackfillWalk, backfill_spider_class

    chosen = select_sources(config, source_names)
    until = today or date.today()
    walks: dict[str, BackfillWalk] = {}
    skipped: dict[str, str] = {}
    sources: list[Source] = []
    for source in chosen:
        walkable = walkable_source(source)
        if isinstance(walkable, str):
            skipped[source.name] = walkable
            continue
        if max_articles is not None:
            walkable = walkable.model_copy(update={"max_articles": max_articles})
        sources.append(walkable)
        walks[source.name] = BackfillWalk(since=since, until=until, max_pages=max_pages)
    context = CrawlContext.install(
        BackfillContext(config, db_url, Path(record_dir) if record_dir is not None else None)
    )
    try:
        for source in sources:
            context.report_for(source)
        if sources:
            quiet_robots_errors()
            keep_scrapy_at_root_level()
            process = CrawlerProcess(Settings(build_settings(config)))
            for group in group_by_host(sources):
                classes = [backfill_spider_class(s, config, walks[s.name]) for s in group]
                _crawl_one_after_another(process, classes, context)
            process.start(stop_after_crawl=True, install_signal_handlers=True)
        summary = context.summary()
    finally:
        context.close()
    return BackfillOutcome(summary, dict(walks), skipped)
