"""A crawl's progress on the terminal: one rich line, shown once a crawl takes a few seconds.

Only on a terminal (and never with ``--json``): a crawl run by cron or piped to a file
prints its summary and nothing else. The line goes to stderr and is gone when the
crawl ends, so the summary that follows is the only thing left.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

SHOW_AFTER = 2.0  # seconds: a quick crawl shows nothing but its summary


class CrawlProgress:
    """Give ``update`` as ``run_crawl(progress=...)``; use as a context manager around the crawl."""

    def __init__(self, console: Console | None = None, show_after: float = SHOW_AFTER) -> None:
        self.console = console or Console(stderr=True)
        self.show_after = show_after
        self.started = time.monotonic()
        self._progress: Progress | None = None
        self._task: Any = None

    @property
    def enabled(self) -> bool:
        return self.console.is_terminal

    def update(self, summary: Any) -> None:
        if not self.enabled or time.monotonic() - self.started < self.show_after:
            return
        if self._progress is None:
            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                console=self.console, transient=True,
            )
            self._task = self._progress.add_task("crawling", total=None)
            self._progress.start()
        self._progress.update(self._task, description=describe(summary))

    def __enter__(self) -> CrawlProgress:
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def describe(summary: Any) -> str:
    """``crawling 8 sources: 120 pages, 14 new articles, 2 errors``."""
    errors = f", {summary.errors} errors" if summary.errors else ""
    return (f"crawling {len(summary.sources)} sources: {summary.pages} pages, "
            f"{summary.new_articles} new articles{errors}")
