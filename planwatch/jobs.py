"""The service's jobs: crawl one source in a child process, send a digest, keep the database tidy.

APScheduler stores jobs in the database by reference (``planwatch.jobs:crawl_source``
with the source's name as the only argument), so the job functions find what they
work with — configuration, database, outbox — in the ``JobContext`` the running
service binds here. Every run writes its start and end to the run log
(``planwatch.runs``) and one log line each, with its figures.

A crawl runs in a child process (see docs/service.md for why): Scrapy's Twisted reactor
cannot be restarted in one process, a crash or a leak stays in the child, and a hung crawl
can be stopped from outside — first with SIGTERM, which Scrapy takes as "close the spiders
cleanly", then with SIGKILL. The child is forked from multiprocessing's *forkserver*: a
single-threaded process started once, from a clean interpreter, that imports the crawler
(``CRAWL_PRELOAD``) and then only forks. Each crawl starts with Scrapy and trafilatura
already imported instead of paying for the imports, yet nothing of the service (its threads,
locks, connection pools) is copied into it, and a crawl that crashes ends only itself.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete

from planwatch.config import Config, parse_duration
from planwatch.logs import configure_logging, redact
from planwatch.runs import CRAWL_JOB, RunFigures, finish_run, prune_runs, record_skipped, run_key, start_run
from storage.db import Database
from storage.models import RawPage, utcnow

log = logging.getLogger("planwatch.service")

CHILD_POLL_SECONDS = 0.25  # how often the parent looks at a running crawl
# A crawl that must stop gets SIGTERM (Scrapy closes the spiders, waiting for downloads in
# flight), then a second SIGTERM (Scrapy stops its reactor at once; the summary still comes
# back), then SIGKILL.
CHILD_STOP_GRACE = 15.0  # seconds to close cleanly after the first SIGTERM, at most ...
CHILD_STOP_SHARE = 0.25  # ... and at most this share of the crawl timeout
CHILD_FORCE_WAIT = 5.0  # seconds after the second SIGTERM before SIGKILL
CHILD_EXIT_WAIT = 5.0  # seconds a child that reported its summary gets to exit
PARENT_WATCH_SECONDS = 1.0  # how often a crawl process checks that the service still lives
# Imported once by the crawl forkserver. None of them installs a Twisted reactor or starts a
# thread when imported (tests/test_service_units.py checks it): a crawl installs its own reactor.
CRAWL_PRELOAD = [
    "crawler.runner", "crawler.settings", "crawler.context", "crawler.spiders", "crawler.middlewares",
    "crawler.pipelines", "crawler.extraction_pool", "planwatch.extraction", "storage.repository", "scrapy.crawler",
]
# Libraries whose INFO lines would drown the one line per job start and end.
QUIET_LIBRARIES = ("scrapy", "twisted", "filelock", "hpack", "protego", "alembic", "apscheduler")
SQLITE_VACUUM_FREE_SHARE = 0.2  # VACUUM rewrites the whole file: only when this share is free pages


@dataclass(frozen=True)
class LogSettings:
    """The logging of the service, repeated in each crawl process."""

    level: str = "INFO"
    file: str | None = None
    json: bool = False


@dataclass
class JobContext:
    """What the jobs of a running service share."""

    config: Config
    db: Database
    outbox: Path
    log: LogSettings = field(default_factory=LogSettings)
    stopping: threading.Event = field(default_factory=threading.Event)  # no job starts any more
    abort: threading.Event = field(default_factory=threading.Event)  # running crawls must stop now
    kill_at: float = float("inf")  # monotonic time by which crawls stopped for shutdown are killed
    mail_lock: threading.Lock = field(default_factory=threading.Lock)  # one sender at a time
    # Why no job may start any more (the database file is gone, say): a callable the service sets.
    guard: Callable[[], str | None] | None = None
    _children: dict[int, BaseProcess] = field(default_factory=dict)
    _running: dict[str, float] = field(default_factory=dict)
    _idle: threading.Condition = field(default_factory=threading.Condition)

    @contextmanager
    def job(self, job_id: str) -> Iterator[bool]:
        """Count the job as running while the block lasts; yields False when the service is stopping."""
        problem = self.guard() if self.guard is not None else None
        with self._idle:
            if self.stopping.is_set() or problem:
                allowed = False
            else:
                allowed = True
                self._running[job_id] = time.monotonic()
        try:
            yield allowed
        finally:
            if allowed:
                with self._idle:
                    self._running.pop(job_id, None)
                    self._idle.notify_all()

    def running_jobs(self) -> list[str]:
        with self._idle:
            return sorted(self._running)

    def wait_idle(self, until: float) -> bool:
        """Wait until no job runs or the monotonic time ``until``; True when idle."""
        with self._idle:
            while self._running:
                left = until - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.5))
            return True

    def add_child(self, proc: BaseProcess) -> None:
        with self._idle:
            self._children[proc.pid or 0] = proc

    def remove_child(self, proc: BaseProcess) -> None:
        with self._idle:
            self._children.pop(proc.pid or 0, None)

    def kill_children(self) -> int:
        """SIGKILL every crawl process; for a second signal or a shutdown past its time."""
        with self._idle:
            children = list(self._children.values())
        for proc in children:
            try:
                proc.kill()
            except (OSError, ValueError):
                pass
        return len(children)


_context: JobContext | None = None


def bind(context: JobContext | None) -> None:
    """Make ``context`` the one the job functions use (the service does this at start)."""
    global _context
    _context = context


def current() -> JobContext:
    if _context is None:
        raise RuntimeError("planwatch jobs run inside `planwatch run` only")
    return _context


# --- the job functions (referenced by name from the job store) --------------------------------


def crawl_source(source: str) -> None:
    """Crawl one source in a child process and record how it went."""
    ctx = current()
    job_id = f"crawl:{source}"
    with ctx.job(job_id) as allowed:
        if not allowed:
            _skip_while_stopping(ctx, job_id)
            return
        if ctx.config.find_source(source) is None:
            log.warning("crawl %s: not in the configuration any more; nothing to do", source)
            return
        _recorded(ctx, job_id, lambda: crawl_in_child(ctx, source))
        send_immediate(ctx)


def send_digest(frequency: str) -> None:
    """Send the ``daily`` or ``weekly`` digest to the subscribers who chose it."""
    ctx = current()
    job_id = f"digest:{frequency}"
    with ctx.job(job_id) as allowed:
        if not allowed:
            _skip_while_stopping(ctx, job_id)
            return
        _recorded(ctx, job_id, lambda: _send_pending(ctx, frequency))


def housekeeping() -> None:
    """Prune old raw pages and run records, then let the database tidy itself."""
    ctx = current()
    job_id = "housekeeping"
    with ctx.job(job_id) as allowed:
        if not allowed:
            _skip_while_stopping(ctx, job_id)
            return
        _recorded(ctx, job_id, lambda: tidy_database(ctx.db, ctx.config))


def send_immediate(ctx: JobContext) -> None:
    """After every crawl: ``immediate`` subscribers get what it found, and deferred digests whose
    back-off has passed are retried (so a digest the SMTP server refused does not wait a day)."""
    try:
        from alerts.delivery import queue_and_send_immediate

        with ctx.mail_lock:
            report = queue_and_send_immediate(ctx.db, ctx.config, ctx.outbox, stop=ctx.stopping, abort=ctx.abort)
    except Exception as exc:  # a mail problem must not fail the crawl that preceded it
        log.warning("immediate alerts: not sent: %s", _one_line(exc))
        return
    if report.messages or report.deferred or report.failed:
        level = logging.WARNING if report.deferred or report.failed else logging.INFO
        log.log(level, "immediate alerts: %s", _describe(report))


# --- recording ----------------------------------------------------------------------------------


def _recorded(ctx: JobContext, job_id: str, work: Any) -> RunFigures | None:
    """Run ``work`` between a start and an end record and log line; never raises."""
    source, job = run_key(job_id)
    started = time.monotonic()
    try:
        run_id = start_run(ctx.db, source, job)
    except Exception as exc:
        log.error("%s: not started, the run could not be recorded: %s", job_id, _one_line(exc),
                  extra={"job": job_id, "source": source, "outcome": "failed"})
        return None
    log.info("%s: started", job_id, extra={"job": job_id, "source": source})
    try:
        figures = work()
    except Exception as exc:
        log.debug("%s failed", job_id, exc_info=True)
        figures = RunFigures("failed", message=_one_line(exc))
    seconds = round(time.monotonic() - started, 1)
    try:
        finish_run(ctx.db, run_id, figures)
    except Exception as exc:
        log.error("%s: the end of the run could not be recorded: %s", job_id, _one_line(exc))
    level = logging.INFO if figures.outcome == "ok" else logging.WARNING
    extra = {"job": job_id, "source": source, "outcome": figures.outcome, "seconds": seconds}
    detail = f": {figures.message}" if figures.message else ""
    if job == CRAWL_JOB:
        extra.update(pages=figures.pages, new_articles=figures.new_articles, errors=figures.errors)
        log.log(level, "%s: %s, %d pages, %d new articles, %d errors in %.1f s%s", job_id, figures.outcome,
                figures.pages, figures.new_articles, figures.errors, seconds, detail, extra=extra)
    else:
        log.log(level, "%s: %s in %.1f s%s", job_id, figures.outcome, seconds, detail, extra=extra)
    return figures


def _skip_while_stopping(ctx: JobContext, job_id: str) -> None:
    source, _ = run_key(job_id)
    problem = ctx.guard() if ctx.guard is not None else None
    if problem:  # nothing is written to a database file that is gone or is another one now
        log.info("%s: not started, the service is stopping", job_id, extra={"job": job_id, "outcome": "missed"})
        return
    log.info("%s: not started, the service is stopping", job_id, extra={"job": job_id, "outcome": "missed"})
    try:
        record_skipped(ctx.db, source, "missed", f"{job_id} was due while the service was stopping")
    except Exception as exc:
        log.warning("%s: the skipped run could not be recorded: %s", job_id, _one_line(exc))


# --- crawling in a child process --------------------------------------------------------------


def crawl_in_child(ctx: JobContext, source: str) -> RunFigures:
    """Start the crawl process, wait for its summary within ``crawl_timeout``, stop it if need be."""
    context = crawl_process_context()
    reader, writer = context.Pipe(duplex=False)
    proc = context.Process(
        target=crawl_child_main,
        args=(writer, ctx.config, ctx.db.url, source, ctx.log, os.getpid()),
        name=f"planwatch-crawl-{source}",
    )
    proc.start()
    writer.close()  # the child holds the only writer: its death ends our reads with EOF
    ctx.add_child(proc)
    try:
        report, stop_reason = _await_child(ctx, proc, reader)
    finally:
        ctx.remove_child(proc)
        reader.close()
    return figures_from_child(report, stop_reason, proc.exitcode,
                              parse_duration(ctx.config.service.crawl_timeout), source)


def crawl_process_context() -> ForkServerContext:
    """Where crawl processes come from: the forkserver, its first start importing ``CRAWL_PRELOAD``.

    multiprocessing starts the forkserver on first use and again if it has died (killed, say),
    so a lost forkserver costs the next crawl its imports, never the crawl itself.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(CRAWL_PRELOAD)
    return context


@dataclass
class StopPlan:
    """When a crawl process that must stop is asked again (forced) and then killed (monotonic times)."""

    force_at: float
    kill_at: float

    @classmethod
    def starting(cls, now: float, grace: float, deadline: float = float("inf")) -> StopPlan:
        """``grace`` seconds to close cleanly, then the forced stop, all by ``deadline`` if one is set."""
        kill_at = min(now + grace + CHILD_FORCE_WAIT, deadline)
        share = grace / (grace + CHILD_FORCE_WAIT) if grace + CHILD_FORCE_WAIT > 0 else 0.0
        return cls(force_at=now + max(0.0, kill_at - now) * share, kill_at=kill_at)


def _await_child(ctx: JobContext, proc: BaseProcess, reader: Connection) -> tuple[Any, str | None]:
    timeout = parse_duration(ctx.config.service.crawl_timeout)
    deadline = time.monotonic() + timeout
    stop_reason: str | None = None
    plan: StopPlan | None = None
    forced = False
    report: Any = None
    while True:
        if reader.poll(CHILD_POLL_SECONDS):
            try:
                report = reader.recv()
            except (EOFError, OSError):
                report = None
            break
        now = time.monotonic()
        if plan is None:
            if now > deadline:
                stop_reason = "timeout"
                plan = StopPlan.starting(now, min(CHILD_STOP_GRACE, timeout * CHILD_STOP_SHARE))
            elif ctx.abort.is_set():
                stop_reason = "shutdown"
                plan = StopPlan.starting(now, CHILD_STOP_GRACE, ctx.kill_at)
            if plan is not None:
                _signal(proc, signal.SIGTERM)
        elif not forced and now >= plan.force_at:
            forced = True
            _signal(proc, signal.SIGTERM)
        elif now >= plan.kill_at:
            _signal(proc, signal.SIGKILL)
    proc.join(CHILD_EXIT_WAIT if plan is None else max(0.0, min(plan.kill_at - time.monotonic(), CHILD_EXIT_WAIT)))
    if proc.is_alive():
        proc.kill()
        proc.join()
    return report, stop_reason


def _signal(proc: BaseProcess, signum: int) -> None:
    if proc.pid is not None and proc.exitcode is None:
        try:
            os.kill(proc.pid, signum)
        except ProcessLookupError:
            pass


def figures_from_child(report: Any, stop_reason: str | None, exitcode: int | None, timeout: float,
                       source: str) -> RunFigures:
    """Turn what the crawl process sent (or its silence and exit code) into the run's figures."""
    stopped = {
        "timeout": f"stopped after the crawl timeout of {_human(timeout)}",
        "shutdown": "stopped by the service shutdown",
    }.get(stop_reason or "")
    outcome_when_stopped = "interrupted" if stop_reason == "shutdown" else "failed"
    if isinstance(report, tuple) and len(report) == 2 and report[0] == "summary":
        figures = figures_from_summary(report[1], source)
        if stopped:
            return dataclasses.replace(figures, outcome=outcome_when_stopped,
                                       message=_join(stopped, figures.message))
        return figures
    if isinstance(report, tuple) and len(report) == 2 and report[0] == "error":
        return RunFigures(outcome_when_stopped if stopped else "failed", errors=1,
                          message=_join(stopped, f"the crawl raised {report[1]}"))
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        died = f"the crawl process was killed by {name}"
    else:
        died = f"the crawl process exited with code {exitcode} without a summary"
    return RunFigures(outcome_when_stopped if stopped else "failed", errors=1, message=_join(stopped, died))


def figures_from_summary(summary: dict[str, Any], source: str) -> RunFigures:
    """The run's figures from the source's report in a crawl summary (``CrawlSummary.to_dict()``)."""
    report = next((r for r in summary.get("sources") or [] if r.get("name") == source), None)
    if report is None:
        return RunFigures("failed", errors=1, message=f"the crawl summary has no report for {source}")
    message = report.get("message")
    if report.get("unchanged") and not message:
        message = "the feed was not modified"
    return RunFigures(str(report.get("outcome") or "ok"), int(report.get("pages") or 0),
                      int(report.get("new_articles") or 0), int(report.get("errors") or 0),
                      str(message) if message else None)


def crawl_child_main(writer: Connection, config: Config, db_url: str, source: str, log_settings: LogSettings,
                     parent_pid: int) -> None:
    """The crawl process: run one crawl and send its summary (or its error) to the service."""
    # Out of the terminal's process group: Ctrl-C reaches the service, which decides
    # whether this crawl finishes or stops.
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    configure_logging(log_settings.level, log_settings.file, log_settings.json)
    quiet_libraries(log_settings.level)
    _exit_with_parent(parent_pid)
    try:
        if config.service.distributed:
            from crawler.enqueue import seed_round

            summary = seed_round(config, db_url, source)
        else:
            from crawler.runner import run_crawl

            summary = run_crawl(config, db_url, [source])
        writer.send(("summary", summary_as_dict(summary)))
    except BaseException as exc:  # anything, even SystemExit: the service must hear why
        logging.getLogger("planwatch.crawl").debug("crawl %s raised", source, exc_info=True)
        try:
            writer.send(("error", f"{type(exc).__name__}: {_one_line(exc)}"))
        except OSError:
            pass
    finally:
        writer.close()


class LibraryThreshold(logging.Filter):
    """Keep only warnings and errors of ``QUIET_LIBRARIES`` in the service's log.

    Scrapy sets its loggers to DEBUG when its process starts, after our logging is
    configured, so the threshold sits on the handlers instead of the loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(QUIET_LIBRARIES)


def quiet_libraries(level: str) -> None:
    """Below DEBUG, the libraries' INFO chatter stays out of the service's log."""
    if level.upper() == "DEBUG":
        return
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, LibraryThreshold) for f in handler.filters):
            handler.addFilter(LibraryThreshold())


def summary_as_dict(summary: Any) -> dict[str, Any]:
    if hasattr(summary, "to_dict"):
        return dict(summary.to_dict())
    if dataclasses.is_dataclass(summary) and not isinstance(summary, type):
        return dataclasses.asdict(summary)
    if isinstance(summary, dict):
        return summary
    return dict(vars(summary))


def _exit_with_parent(parent_pid: int) -> None:
    """A crawl outliving a killed service would run unwatched: stop it when the service is gone.

    The crawl's parent is the forkserver, not the service, so the service is watched by its pid:
    a pidfd becomes readable when it exits, zombie or not. The forkserver going (it ends when
    the service does) is a second sign, seen as the crawl being re-parented.
    """
    forkserver = os.getppid()
    try:
        service = os.pidfd_open(parent_pid)
    except ProcessLookupError:
        service = None
        forkserver = -1  # already gone: stop at once
    except (AttributeError, OSError):  # no pidfd (not Linux 5.3+): the re-parenting alone tells
        service = None

    def service_alive() -> bool:
        if os.getppid() != forkserver:
            return False
        if service is None:
            time.sleep(PARENT_WATCH_SECONDS)
            return True
        readable, _, _ = select.select([service], [], [], PARENT_WATCH_SECONDS)
        return not readable

    def watch() -> None:
        while service_alive():
            pass
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(CHILD_STOP_GRACE)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(CHILD_FORCE_WAIT)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


# --- digests ------------------------------------------------------------------------------------


def _send_pending(ctx: JobContext, frequency: str) -> RunFigures:
    from alerts.delivery import send_pending

    with ctx.mail_lock:
        report = send_pending(ctx.db, ctx.config, ctx.outbox, frequencies=(frequency,), stop=ctx.stopping,
                              abort=ctx.abort)
    problems = report.deferred + report.failed + (len(report.failures) if not report.messages else 0)
    outcome = "failed" if problems and not report.messages else "ok"
    return RunFigures(outcome, errors=report.deferred + report.failed, message=_describe(report))


def _describe(report: Any) -> str:
    """``DeliveryReport.summary_line()`` and the first failure, if any."""
    line = report.summary_line()
    if report.failures:
        line += f" ({report.failures[0]})"
    return line


# --- housekeeping -------------------------------------------------------------------------------


def tidy_database(db: Database, config: Config) -> RunFigures:
    """Prune raw pages older than ``keep_raw_days`` and runs beyond ``keep_runs``, then optimize."""
    pages = prune_raw_pages(db, config.service.keep_raw_days)
    runs = prune_runs(db, config.service.keep_runs)
    done = optimize_database(db)
    return RunFigures("ok", message=f"pruned {pages} raw pages and {runs} run records; {done}")


def prune_raw_pages(db: Database, keep_days: int) -> int:
    cutoff = utcnow() - timedelta(days=keep_days)
    with db.session() as session:
        result = session.execute(delete(RawPage).where(RawPage.fetched_at < cutoff))
        return cast("CursorResult[Any]", result).rowcount or 0  # a DELETE's result has a row count


def optimize_database(db: Database) -> str:
    """SQLite: ``PRAGMA optimize`` and, when enough pages are free, VACUUM; PostgreSQL: ANALYZE.

    Both run outside a transaction (VACUUM refuses to run inside one), on a raw
    connection that bypasses the BEGIN IMMEDIATE of storage's sessions.
    """
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.dialect == "postgresql":
            assert raw.driver_connection is not None  # a fresh raw connection always has its driver's
            raw.driver_connection.autocommit = True
            cursor.execute("ANALYZE")
            return "analyzed"
        cursor.execute("PRAGMA optimize")
        free = cursor.execute("PRAGMA freelist_count").fetchone()[0]
        total = cursor.execute("PRAGMA page_count").fetchone()[0] or 1
        if free / total < SQLITE_VACUUM_FREE_SHARE:
            return f"optimized ({free} of {total} pages free, no vacuum needed)"
        try:
            cursor.execute("VACUUM")
        except Exception as exc:  # a crawl writing right now: next time
            return f"optimized; vacuum postponed: {_one_line(exc)}"
        return f"optimized and vacuumed ({free} of {total} pages were free)"
    finally:
        raw.close()


# --- small helpers ------------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    text_ = str(exc).strip()
    return redact(text_.splitlines()[0]) if text_ else type(exc).__name__


def _join(*parts: str | None) -> str:
    return "; ".join(p for p in parts if p)


def _human(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"

