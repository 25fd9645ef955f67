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


def read_all(fd: int, proc, timeout: float) -> bytes:  # type: ignore[no-untyped-def]
    """Everything written to the pty until the process ends (bounded by ``timeout``)."""
    import os
    import select
    import time

    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


def test_a_long_crawl_on_a_terminal_shows_progress_and_each_failure_once(tmp_path):
    import os
    import pty
    import subprocess

    from faults_support import FAST_CRAWL, planwatch_cmd, serve_articles, write
    from sites.hostile import HostileServer
    from smtp_server import free_port

    with HostileServer() as site:
        serve_articles(site, 40, delay=0.15)  # about three seconds at two requests at a time
        config = write(tmp_path / "planwatch.toml", FAST_CRAWL + f"""
[[source]]
name = "hanbit"
preset = "ndsoft"
url = "{site.url('')}"

[[source]]
name = "gone"
type = "feed"
url = "http://127.0.0.1:{free_port()}/rss.xml"
""")
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
        cmd = planwatch_cmd(config, f"sqlite:///{tmp_path / 'tty.db'}", "crawl", "--no-digest")
        leader, follower = pty.openpty()
        proc = subprocess.Popen(cmd, cwd=tmp_path, stdin=follower, stdout=follower, stderr=follower, env=env)
        os.close(follower)
        try:
            screen = read_all(leader, proc, 240).decode("utf-8", "replace")
            assert proc.wait(timeout=30) == 0, screen
        finally:
            os.close(leader)
        piped = subprocess.run(planwatch_cmd(config, f"sqlite:///{tmp_path / 'pipe.db'}", "crawl", "--no-digest"),
                               cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert "crawling 2 sources:" in screen and "new articles" in screen
    assert screen.count("cannot reach host 127.0.0.1") == 1, screen
    assert piped.returncode == 0, piped.stderr
    assert "crawling 2 sources" not in piped.stdout + piped.stderr
    assert (piped.stdout + piped.stderr).count("cannot reach host 127.0.0.1") == 1
