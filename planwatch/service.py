"""The long-running service behind ``planwatch run``: APScheduler 3 jobs, listeners and signals.

Jobs, derived from the configuration at every start:

- ``crawl:<source>`` for every enabled source, on its ``schedule`` (an interval or a
  cron expression; ``service.default_schedule`` otherwise), with jitter; at most one
  run of a source at a time (``max_instances = 1``), crawls in ``service.parallel_crawls``
  worker threads that each wait on one crawl process;
- ``digest:daily`` at ``digest.daily_at`` (or ``service.digest_schedule``) and
  ``digest:weekly`` on ``digest.weekly_on``, in ``digest.timezone``;
- ``housekeeping`` on ``service.housekeeping``.

The jobs live in the database (APScheduler's SQLAlchemy job store, table
``apscheduler_jobs``), so a restart keeps each job's next run time: a run missed while
the service was down runs once at start (coalesce) if it is at most
``service.misfire_grace`` late, and is recorded as ``missed`` otherwise. A job whose
schedule did not change is left alone at start; a changed one is rescheduled.

SIGTERM / SIGINT / SIGHUP: no job starts any more (a digest sends no further message); running jobs get ``service.shutdown_timeout``
to finish, the last part of which crawls spend closing cleanly after a SIGTERM of
their own, and a digest's connection to its SMTP server is cut; then they are killed.
"stopped" is logged only when no job runs any more. A second signal exits at once. The
SQLite file deleted or replaced while the service runs stops it (exit code 1).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.interval import IntervalTrigger

from planwatch import jobs
from planwatch.config import Config, parse_duration
from planwatch.jobs import JobContext, LogSettings
from planwatch.runs import mark_interrupted, record_skipped, run_key
from planwatch.schedules import (
    CRAWL_EXECUTOR,
    JOBS_TABLE,
    OTHER_EXECUTOR,
    JobSpec,
    desired_jobs,
    trigger_signature,
)
from planwatch.service_lock import DatabaseFile, ServiceLock
from storage.db import Database

log = logging.getLogger("planwatch.service")

LOCK_CHECK_SECONDS = 5.0  # how often the main thread checks the lock, the database file and the clock
EXIT_DATABASE_GONE = 3  # the database file was deleted or replaced: not to be restarted blindly
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)  # SIGHUP: a graceful stop too, never a reload
CLOCK_STEP_SECONDS = 30.0  # the wall clock falling this far behind the monotonic one is a step, not drift
CLEAN_STOP_SHARE = 1 / 3  # share of shutdown_timeout left to crawls to close after SIGTERM ...
CLEAN_STOP_MAX = 15.0  # ... but at most this many seconds
OTHER_WORKERS = 2  # digests and housekeeping
MISSED_RUNS_COUNTED = 10_000  # enough to say "many"; bounds the loop over a long downtime

# APScheduler's own lines that planwatch repeats with its figures (or, for the
# routine INFO chatter, that would double the one line per job start and end).
REPEATED_APSCHEDULER_LINES = (
    'Execution of job "%s" skipped: maximum number of running instances reached',
    'Run time of job "%s" was missed by',
)


def same_schedule(job: Job, spec: JobSpec) -> bool:
    return (
        trigger_signature(job.trigger) == trigger_signature(spec.trigger)
        and _func_ref(job) == spec.func
        and tuple(job.args) == spec.args
    )


def _func_ref(job: Job) -> str:
    return str(job.func_ref)


# --- the scheduler ------------------------------------------------------------------------------


class ServiceScheduler(BackgroundScheduler):
    """APScheduler's background scheduler, minus one last look for due jobs after ``shutdown``.

    Its loop processes jobs once more when woken by ``shutdown``; a job due at that
    moment would fail to reach the closed executor and still have its next run time
    advanced — a run lost instead of caught up at the next start.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


class ClockWatch:
    """Notices the wall clock stepping back (an NTP correction, a restored VM).

    APScheduler 3 sleeps until each job's next run time on the wall clock, so after a
    step back of two hours every job would wait two hours; the monotonic clock does
    not step, and the difference between the two is the size of the step.
    """

    def __init__(self) -> None:
        self.wall, self.mono = time.time(), time.monotonic()

    def backward_step(self) -> float:
        """Seconds the wall clock stepped back since the last call (0 when it did not)."""
        wall, mono = time.time(), time.monotonic()
        step = (mono - self.mono) - (wall - self.wall)
        self.wall, self.mono = wall, mono
        return step if step > CLOCK_STEP_SECONDS else 0.0


def reschedule_after_clock_step(scheduler: BackgroundScheduler, step: float) -> int:
    """Bring every job's next run back by a backward clock step; returns how many moved.

    An interval job keeps the wait it had left; a cron job (the daily digest) is due at
    its next wall-clock time again, which after a step back may be sooner.
    """
    now = datetime.now(scheduler.timezone)
    moved = 0
    for job in scheduler.get_jobs():
        if job.next_run_time is None:
            continue
        if isinstance(job.trigger, IntervalTrigger):
            new = job.next_run_time - timedelta(seconds=step)
        else:
            new = job.trigger.get_next_fire_time(None, now)
        if new is not None and new != job.next_run_time:
            scheduler.modify_job(job.id, next_run_time=new)
            moved += 1
    scheduler.wakeup()
    return moved


def job_defaults(config: Config) -> dict[str, Any]:
    """What every job gets: missed runs coalesced, one run at a time, the configured grace."""
    return {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": max(1, int(parse_duration(config.service.misfire_grace))),
    }


def build_scheduler(config: Config, db: Database) -> ServiceScheduler:
    svc = config.service
    return ServiceScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=db.engine, tablename=JOBS_TABLE)},
        executors={
            CRAWL_EXECUTOR: ThreadPoolExecutor(svc.parallel_crawls),
            OTHER_EXECUTOR: ThreadPoolExecutor(OTHER_WORKERS),
        },
        job_defaults=job_defaults(config),
        timezone=ZoneInfo(svc.timezone),
    )


@dataclass
class SyncReport:
    added: list[str]
    rescheduled: list[str]
    kept: list[str]
    removed: list[str]


def sync_jobs(scheduler: BackgroundScheduler, specs: list[JobSpec], defaults: dict[str, Any],
              now: datetime | None = None) -> SyncReport:
    """Make the stored jobs what the configuration asks for, keeping unchanged ones as they are.

    ``defaults`` (``job_defaults``) are applied to kept jobs too, so a changed grace
    time takes effect without moving any next run time.
    """
    now = now or datetime.now(timezone.utc)
    stored = {job.id: job for job in scheduler.get_jobs()}
    wanted = {spec.id for spec in specs}
    report = SyncReport([], [], [], [])
    for job_id in sorted(set(stored) - wanted):
        scheduler.remove_job(job_id)
        report.removed.append(job_id)
    for spec in specs:
        old = stored.get(spec.id)
        if old is not None and same_schedule(old, spec):
            changes = {k: v for k, v in defaults.items() if getattr(old, k) != v}
            if old.executor != spec.executor:
                changes["executor"] = spec.executor
            if old.name != spec.schedule:
                changes["name"] = spec.schedule
            if changes:
                scheduler.modify_job(spec.id, **changes)
            report.kept.append(spec.id)
            continue
        options: dict[str, Any] = {}
        if old is not None and old.next_run_time is not None and old.next_run_time <= now:
            options["next_run_time"] = old.next_run_time  # missed under the old schedule: still due
        elif old is None and spec.run_at_start:
            options["next_run_time"] = now
        scheduler.add_job(spec.func, spec.trigger, args=spec.args, id=spec.id, name=spec.schedule,
                          executor=spec.executor, replace_existing=True, **options)
        (report.rescheduled if old is not None else report.added).append(spec.id)
    return report


def missed_while_stopped(job: Job, now: datetime) -> int:
    """How many run times of ``job`` passed while the service was not running."""
    count = 0
    run_time = job.next_run_time
    while run_time is not None and run_time <= now and count < MISSED_RUNS_COUNTED:
        count += 1
        run_time = job.trigger.get_next_fire_time(run_time, now)
    return count


def log_missed_runs(scheduler: BackgroundScheduler, grace: float, now: datetime | None = None,
                    new: frozenset[str] | set[str] = frozenset()) -> dict[str, int]:
    """Say, per job, how many runs the downtime cost and what happens now (once, or skipped).

    Jobs in ``new`` were added by this start (a first run due now is not a missed one).
    """
    now = now or datetime.now(timezone.utc)
    missed: dict[str, int] = {}
    for job in scheduler.get_jobs():
        if job.id in new:
            continue
        count = missed_while_stopped(job, now)
        if not count:
            continue
        missed[job.id] = count
        last_due = _last_due(job, now)
        late = (now - last_due).total_seconds() if last_due else 0.0
        plural = "s" if count != 1 else ""
        if late <= grace:
            log.info("%s: %d run%s missed while stopped; running it once now", job.id, count, plural,
                     extra={"job": job.id})
        else:
            log.warning("%s: %d run%s missed while stopped, the last %.0f s ago (grace %.0f s): skipped",
                        job.id, count, plural, late, grace, extra={"job": job.id})
    return missed


def _last_due(job: Job, now: datetime) -> datetime | None:
    last = None
    run_time = job.next_run_time
    for _ in range(MISSED_RUNS_COUNTED):
        if run_time is None or run_time > now:
            break
        last = run_time
        run_time = job.trigger.get_next_fire_time(run_time, now)
    return last


class _RepeatedLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(REPEATED_APSCHEDULER_LINES)


def quiet_apscheduler(level: str) -> None:
    """One line per job start and end is planwatch's; APScheduler keeps the warnings it alone can give."""
    jobs.quiet_libraries(level)
    if level.upper() == "DEBUG":
        return
    for name in ("apscheduler.scheduler", "apscheduler.executors.default", "apscheduler.executors.crawl"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RepeatedLines) for f in logger.filters):
            logger.addFilter(_RepeatedLines())


# --- the service --------------------------------------------------------------------------------


class Service:
    """``planwatch run``: holds the lock, runs the scheduler, and stops cleanly on a signal."""

    def __init__(self, config: Config, db: Database, outbox: Path, log_settings: LogSettings | None = None) -> None:
        self.config = config
        self.db = db
        self.context = JobContext(config=config, db=db, outbox=outbox, log=log_settings or LogSettings())
        self._stop = threading.Event()
        self._signals: list[int] = []
        self.exit_code = 0
        self._database_file: DatabaseFile | None = None
        self._database_problem: str | None = None
        self._abandoned: list[str] = []  # jobs still running when the shutdown gave up on them

    def run(self) -> int:
        """Run until SIGTERM / SIGINT (or ``stop()``); returns the exit code."""
        lock = ServiceLock.acquire(self.db)  # ServiceLockHeld: the caller prints its one line
        self._database_file = DatabaseFile.of(self.db)
        self.context.guard = self.database_problem
        previous = self._install_signal_handlers()
        scheduler: BackgroundScheduler | None = None
        try:
            interrupted = mark_interrupted(self.db)
            if interrupted:
                log.warning("%d run(s) were cut short when the service last stopped; marked interrupted", interrupted)
            quiet_apscheduler(self.context.log.level)
            jobs.bind(self.context)
            scheduler = build_scheduler(self.config, self.db)
            scheduler.add_listener(self._on_overrun, EVENT_JOB_MAX_INSTANCES)
            scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
            scheduler.add_listener(self._on_error, EVENT_JOB_ERROR)
            scheduler.start(paused=True)
            report = sync_jobs(scheduler, desired_jobs(self.config), job_defaults(self.config))
            log_missed_runs(scheduler, parse_duration(self.config.service.misfire_grace), new=set(report.added))
            scheduler.resume()
            self._log_started(scheduler, report)
            clock = ClockWatch()
            while not self._stop.wait(LOCK_CHECK_SECONDS):
                if self.database_problem():
                    break
                if not lock.check():
                    log.error("the service lock was lost (database connection dropped); stopping")
                    self.exit_code = 1
                    break
                step = clock.backward_step()
                if step:
                    moved = reschedule_after_clock_step(scheduler, step)
                    log.warning("the clock stepped back %.0f s; %d job(s) rescheduled from the new time", step, moved)
            if self._database_problem:
                log.error("%s; stopping: nothing more is written to it (start the service again on the right file)",
                          self._database_problem)
                self.exit_code = EXIT_DATABASE_GONE
            self._shutdown(scheduler)
        finally:
            if scheduler is not None and scheduler.running:
                scheduler.shutdown(wait=False)
            jobs.bind(None)
            self._restore_signal_handlers(previous)
            lock.release()
        if self._abandoned and threading.current_thread() is threading.main_thread():
            # The interpreter would wait for the stuck job's thread at exit: leave now, as said.
            for handler in logging.getLogger().handlers:
                handler.flush()
            os._exit(self.exit_code)
        return self.exit_code

    def database_problem(self) -> str | None:
        """Why no job may touch the database any more (its file deleted or replaced); asks the service to stop."""
        if self._database_file is None:
            return None
        if self._database_problem is None:
            problem = self._database_file.problem()
            if problem:
                self._database_problem = problem
                self._stop.set()
        return self._database_problem

    def stop(self) -> None:
        """Ask the service to stop, as a first signal does."""
        self._stop.set()

    # -- shutdown --

    def _shutdown(self, scheduler: BackgroundScheduler) -> None:
        ctx = self.context
        timeout = parse_duration(self.config.service.shutdown_timeout)
        ctx.stopping.set()
        scheduler.pause()
        running = ctx.running_jobs()
        start = time.monotonic()
        deadline = start + timeout
        clean_stop = min(CLEAN_STOP_MAX, timeout * CLEAN_STOP_SHARE)
        if running:
            log.info("stopping: no new jobs; waiting up to %.0f s for %s", timeout, ", ".join(running))
        else:
            log.info("stopping: no job was running")
        idle = ctx.wait_idle(until=deadline - clean_stop)
        if not idle:
            ctx.kill_at = deadline
            ctx.abort.set()  # crawl processes get SIGTERM; a digest's connection to its server is cut
            log.warning("stopping: %s still running; asking it to stop cleanly within %.0f s",
                        ", ".join(ctx.running_jobs()), max(0.0, deadline - time.monotonic()))
            idle = ctx.wait_idle(until=deadline + jobs.CHILD_EXIT_WAIT)
            if not idle:
                killed = ctx.kill_children()
                if killed:
                    log.error("stopping: killed %d crawl process(es) that did not stop in time", killed)
                idle = ctx.wait_idle(until=time.monotonic() + jobs.CHILD_EXIT_WAIT)
        scheduler.shutdown(wait=False)
        if idle:
            log.info("stopped after %.1f s", time.monotonic() - start)
            return
        self._abandoned = ctx.running_jobs()
        self.exit_code = 1
        log.error("not stopped cleanly after %.1f s: %s still running; exiting without it (its run is marked"
                  " interrupted at the next start)", time.monotonic() - start, ", ".join(self._abandoned))

    # -- signals --

    def _install_signal_handlers(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}  # embedded (tests, benchmarks): the caller stops us with stop()
        previous: dict[int, Any] = {}
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _restore_signal_handlers(self, previous: dict[int, Any]) -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if self._stop.is_set():
            killed = self.context.kill_children()
            log.warning("%s again: exiting at once (%d crawl process(es) killed)", name, killed)
            for handler in logging.getLogger().handlers:
                handler.flush()
            os._exit(128 + signum)
        if signum == signal.SIGHUP:
            log.info("SIGHUP received: stopping gracefully (the configuration is not reloaded; start the service"
                     " again to apply a change; send a signal again to exit at once)")
        else:
            log.info("%s received: stopping (send it again to exit at once)", name)
        self._stop.set()

    # -- listeners (run in the scheduler's threads) --

    def _on_overrun(self, event: JobSubmissionEvent) -> None:
        due = ", ".join(self._utc(t) for t in event.scheduled_run_times)
        source, _ = run_key(event.job_id)
        log.warning("%s: overrun: the run due at %s was skipped because the previous run is still going",
                    event.job_id, due, extra={"job": event.job_id, "source": source, "outcome": "overrun"})
        self._record_skipped(event.job_id, "overrun", f"due at {due}; the previous run was still going")

    def _on_missed(self, event: JobExecutionEvent) -> None:
        due = self._utc(event.scheduled_run_time)
        source, _ = run_key(event.job_id)
        log.warning("%s: the run due at %s was missed by more than the grace time; skipped", event.job_id, due,
                    extra={"job": event.job_id, "source": source, "outcome": "missed"})
        self._record_skipped(event.job_id, "missed", f"due at {due}; later than service.misfire_grace")

    def _on_error(self, event: JobExecutionEvent) -> None:
        log.error("%s: the job raised %s: %s", event.job_id, type(event.exception).__name__, event.exception)

    def _record_skipped(self, job_id: str, outcome: str, message: str) -> None:
        source, _ = run_key(job_id)
        try:
            record_skipped(self.db, source, outcome, message)
        except Exception as exc:
            log.error("%s: the %s could not be recorded: %s", job_id, outcome, exc)

    def _log_started(self, scheduler: BackgroundScheduler, report: SyncReport) -> None:
        parts = [f"{len(report.kept)} kept", f"{len(report.added)} added"]
        if report.rescheduled:
            parts.append(f"{len(report.rescheduled)} rescheduled ({', '.join(report.rescheduled)})")
        if report.removed:
            parts.append(f"{len(report.removed)} removed ({', '.join(report.removed)})")
        log.info("service started (pid %d): jobs %s", os.getpid(), ", ".join(parts))
        for job in scheduler.get_jobs():
            log.info("%s: %s, next run %s", job.id, job.name,
                     self._utc(job.next_run_time) if job.next_run_time else "none")

    def _utc(self, moment: datetime) -> str:
        """Log lines give times in UTC with the offset, like their own stamps (`status` shows the zone's)."""
        return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
