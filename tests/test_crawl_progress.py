"""A crawl's progress line (a terminal only, after a few seconds) and failures printed once."""

from __future__ import annotations

import io
import logging
import threading

from rich.console import Console

from crawler.runner import ProgressWatcher
from crawler.summary import CrawlSummary, SourceReport
from planwatch.cli.progress import CrawlProgress
from planwatch.logs import SUMMARISED, configure_logging, hide_summarised


def summary() -> CrawlSummary:
    return CrawlSummary(sources=[SourceReport("a", "feed", pages=3, new_articles=2, errors=1),
                                 SourceReport("b", "feed", pages=4)])


def test_the_progress_line_shows_on_a_terminal_once_the_crawl_takes_a_while():
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    with CrawlProgress(terminal, show_after=3600) as progress:
        progress.update(summary())
    assert screen.getvalue() == ""  # a quick crawl: only its summary
    with CrawlProgress(terminal, show_after=0) as progress:
        progress.update(summary())
    assert "crawling 2 sources: 7 pages, 2 new articles, 1 errors" in screen.getvalue()


def test_no_progress_when_not_a_terminal():
    piped = io.StringIO()
    with CrawlProgress(Console(file=piped, force_terminal=False), show_after=0) as progress:
        progress.update(summary())
    assert piped.getvalue() == ""


def test_the_watcher_reports_while_the_crawl_runs_and_stops():
    called = threading.Event()
    seen: list[CrawlSummary] = []

    class Context:
        def summary(self) -> CrawlSummary:
            return summary()

    def progress(s: CrawlSummary) -> None:
        seen.append(s)
        called.set()

    watcher = ProgressWatcher(Context(), progress)
    watcher.start()
    assert called.wait(10)
    watcher.stop()
    count = len(seen)
    assert seen[0].pages == 7 and not watcher._thread.is_alive() and len(seen) == count


def test_a_line_the_summary_repeats_stays_off_the_terminal_but_in_the_log_file(capsys, tmp_path):
    log = logging.getLogger("planwatch.crawler.test")
    try:
        configure_logging("WARNING")
        hide_summarised()
        log.warning("source gone: cannot reach host x (connection refused)", extra=SUMMARISED)
        log.warning("page failed: https://x.kr/1: HTTP 500")
        err = capsys.readouterr().err
        assert "cannot reach host" not in err and "page failed" in err
        configure_logging("WARNING", str(tmp_path / "crawl.log"))
        hide_summarised()
        log.warning("source gone: cannot reach host x (connection refused)", extra=SUMMARISED)
        logging.getLogger().handlers[0].flush()
        assert "cannot reach host" in (tmp_path / "crawl.log").read_text(encoding="utf-8")
    finally:
        configure_logging("WARNING")
