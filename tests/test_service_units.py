"""The service's parts on a real database: job set, schedule sync, run log, lock, housekeeping, status."""

from __future__ import annotations

import json
import os
import signal
from datetime import datetime, timedelta, timezone

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from click.testing import CliRunner
from sqlalchemy import select, text

from planwatch.config import parse_config
from planwatch.jobs import figures_from_child, tidy_database
from planwatch.runs import (
    RunFigures,
    finish_run,
    last_runs,
    mark_interrupted,
    prune_runs,
    record_skipped,
    skipped_counts,
    source_health,
    start_run,
)
from planwatch.service import (
    JOBS_TABLE,
    build_scheduler,
    desired_jobs,
    job_defaults,
    log_missed_runs,
    missed_while_stopped,
    sync_jobs,
)
from planwatch.service_lock import ServiceLock, ServiceLockHeld, running_service
from storage.models import Article, RawPage, SourceRun, utcnow

CONFIG = """
[service]
timezone = "Asia/Seoul"
default_schedule = "1h"
jitter = "5m"
misfire_grace = "10m"

[digest]
daily_at = "07:30"
weekly_on = "fri"

[[source]]
name = "a-news"
type = "feed"
url = "http://127.0.0.1:9/rss"

[[source]]
name = "b-news"
type = "feed"
url = "http://127.0.0.1:9/rss2"
schedule = "20s"

[[source]]
name = "c-news"
type = "feed"
url = "http://127.0.0.1:9/rss3"
schedule = "0 */2 * * *"

[[source]]
name = "off"
type = "feed"
url = "http://127.0.0.1:9/rss4"
enabled = false
"""


def config(text_: str = CONFIG):
    return parse_config(text_, "test.toml")


@pytest.fixture
def clean_jobs(db):
    """The job store table is not part of the schema the fixtures empty; start each test without it."""
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {JOBS_TABLE}"))
    return db


# --- the job set --------------------------------------------------------------------------------


def test_jobs_follow_the_configuration():
    specs = {s.id: s for s in desired_jobs(config())}
    assert list(specs) == ["crawl:a-news", "crawl:b-news", "crawl:c-news", "digest:daily", "digest:weekly",
                           "housekeeping"]
    a, b, c = specs["crawl:a-news"].trigger, specs["crawl:b-news"].trigger, specs["crawl:c-news"].trigger
    assert isinstance(a, IntervalTrigger) and a.interval_length == 3600 and a.jitter == 300
    assert b.interval_length == 20 and b.jitter == 10  # jitter at most half the interval
    assert str(c) == "cron[month='*', day='*', day_of_week='*', hour='*/2', minute='0']"
    assert specs["crawl:a-news"].run_at_start and not specs["crawl:c-news"].run_at_start
    daily, weekly = specs["digest:daily"].trigger, specs["digest:weekly"].trigger
    assert str(daily.timezone) == "Asia/Seoul"
    seoul_7_30 = daily.get_next_fire_time(None, datetime(2025, 3, 2, 20, 0, tzinfo=timezone.utc))  # 05:00 in Seoul
    assert seoul_7_30 == datetime(2025, 3, 3, 7, 30, tzinfo=seoul_7_30.tzinfo)
    friday = weekly.get_next_fire_time(None, datetime(2025, 3, 3, 0, 0, tzinfo=timezone.utc))
    assert friday.weekday() == 4 and (friday.hour, friday.minute) == (7, 30)


def test_digest_schedule_overrides_daily_at():
    specs = {s.id: s for s in desired_jobs(config(CONFIG.replace('misfire_grace = "10m"',
                                                                  'misfire_grace = "10m"\ndigest_schedule = "5s"')))}
    assert specs["digest:daily"].trigger.interval_length == 5
    assert specs["digest:daily"].schedule == "every 5s"


@pytest.mark.parametrize("line, message", [
    ('digest_schedule = "soon"', "service.digest_schedule: expected an interval"),
    ('housekeeping = "0s"', "service.housekeeping: an interval schedule must be at least 1s"),
    ('crawl_timeout = "0s"', "service.crawl_timeout: must be at least 1s"),
    ('parallel_crawls = 0', "service.parallel_crawls"),
])
def test_bad_service_settings_are_one_line(line, message):
    from planwatch.config import ConfigError

    with pytest.raises(ConfigError) as err:
        config(f"[service]\n{line}\n")
    assert message in str(err.value) and "test.toml:2" in str(err.value)
    assert "\n" not in str(err.value)


# --- keeping the schedule across restarts -------------------------------------------------------


def _scheduler(cfg, db) -> BackgroundScheduler:
    scheduler = build_scheduler(cfg, db)
    scheduler.start(paused=True)
    return scheduler


def test_restart_keeps_unchanged_jobs_and_reschedules_changed_ones(clean_jobs):
    db = clean_jobs
    first = _scheduler(config(), db)
    report = sync_jobs(first, desired_jobs(config()), job_defaults(config()))
    assert sorted(report.added) == ["crawl:a-news", "crawl:b-news", "crawl:c-news", "digest:daily",
                                    "digest:weekly", "housekeeping"]
    before = {j.id: j.next_run_time for j in first.get_jobs()}
    first.shutdown(wait=False)

    longer_grace = config(CONFIG.replace('misfire_grace = "10m"', 'misfire_grace = "20m"'))
    second = _scheduler(longer_grace, db)
    report = sync_jobs(second, desired_jobs(longer_grace), job_defaults(longer_grace))
    assert report.added == [] and report.rescheduled == [] and len(report.kept) == 6
    assert {j.id: j.next_run_time for j in second.get_jobs()} == before
    assert {j.misfire_grace_time for j in second.get_jobs()} == {1200}
    second.shutdown(wait=False)

    changed = CONFIG.replace('schedule = "20s"', 'schedule = "45s"').replace(
        '[[source]]\nname = "c-news"', '[[source]]\nname = "c-news"\nenabled = false')
    third = _scheduler(config(changed), db)
    report = sync_jobs(third, desired_jobs(config(changed)), job_defaults(config(changed)))
    assert report.rescheduled == ["crawl:b-news"] and report.removed == ["crawl:c-news"]
    job = third.get_job("crawl:b-news")
    assert job.trigger.interval_length == 45 and job.misfire_grace_time == 600 and job.coalesce
    assert job.max_instances == 1
    third.shutdown(wait=False)


def test_a_run_missed_while_stopped_is_counted_and_due_once(clean_jobs):
    db = clean_jobs
    cfg = config(CONFIG.replace('jitter = "5m"', 'jitter = "0s"'))
    scheduler = _scheduler(cfg, db)
    sync_jobs(scheduler, desired_jobs(cfg), job_defaults(cfg))
    job = scheduler.get_job("crawl:b-news")  # every 20 s from its start date, one interval after creation
    scheduler.modify_job(job.id, next_run_time=job.trigger.start_date - timedelta(seconds=60))
    now = datetime.now(timezone.utc)
    job = scheduler.get_job(job.id)
    assert missed_while_stopped(job, now) == 3  # start -60, -40 and -20 s
    assert log_missed_runs(scheduler, grace=600, now=now)["crawl:b-news"] == 3
    assert job.coalesce  # so APScheduler hands the three run times over as one run
    scheduler.shutdown(wait=False)


# --- the run log --------------------------------------------------------------------------------


def test_runs_are_recorded_from_start_to_end(db):
    run_id = start_run(db, "a-news", "crawl")
    assert last_runs(db)[("a-news", "crawl")].outcome == "running"
    finish_run(db, run_id, RunFigures("ok", pages=7, new_articles=3, errors=1, message=None))
    record_skipped(db, "a-news", "overrun", "due at 12:00; the previous run was still going")
    record_skipped(db, "a-news", "overrun", "due at 12:01; the previous run was still going")
    last = last_runs(db)[("a-news", "crawl")]
    assert (last.outcome, last.pages, last.new_articles, last.errors) == ("ok", 7, 3, 1)
    assert last.finished_at is not None and last.finished_at >= last.started_at
    assert skipped_counts(db) == {("a-news", "overrun"): 2}


def test_runs_left_running_by_a_dead_service_become_interrupted(db):
    start_run(db, "a-news", "crawl")
    assert mark_interrupted(db) == 1
    assert last_runs(db)[("a-news", "crawl")].outcome == "interrupted"
    assert mark_interrupted(db) == 0


def test_old_runs_are_pruned_per_job(db):
    with db.session() as s:
        for i in range(30):
            s.add(SourceRun(source="a-news", job="crawl", outcome="ok", pages=i))
        for i in range(5):
            s.add(SourceRun(source="b-news", job="crawl", outcome="ok", pages=i))
    assert prune_runs(db, keep=10) == 20
    with db.session(read_only=True) as s:
        kept = s.execute(select(SourceRun.pages).where(SourceRun.source == "a-news")).scalars().all()
        assert sorted(kept) == list(range(20, 30))
        assert len(s.execute(select(SourceRun).where(SourceRun.source == "b-news")).all()) == 5


def _run(db, source, outcome, *, hours_ago, new=0, message=None):
    at = utcnow() - timedelta(hours=hours_ago)
    with db.session() as s:
        s.add(SourceRun(source=source, job="crawl", started_at=at, finished_at=at + timedelta(seconds=5),
                        outcome=outcome, new_articles=new, message=message))


def test_health_names_sources_failed_failing_or_silent_too_long(db):
    _run(db, "failing", "ok", hours_ago=30, new=2)
    _run(db, "failing", "failed", hours_ago=20, message="the crawl process was killed by SIGKILL")
    _run(db, "failing", "unreachable", hours_ago=1, message="connection refused")
    _run(db, "briefly-down", "ok", hours_ago=3, new=1)
    _run(db, "briefly-down", "failed", hours_ago=1, message="timeout")
    _run(db, "silent", "ok", hours_ago=100, new=4)
    _run(db, "silent", "ok", hours_ago=1, new=0)
    _run(db, "fine", "ok", hours_ago=2, new=1)
    health = {h.source: h for h in source_health(
        db, ["failing", "briefly-down", "silent", "fine", "new"], failing_after=86400, silent_after=3 * 86400)}
    assert health["failing"].state == "failing" and health["failing"].message == "connection refused"
    assert health["failing"].since is not None and health["failing"].last_outcome == "unreachable"
    assert health["briefly-down"].state == "failed" and health["briefly-down"].message == "timeout"
    assert health["silent"].state == "silent"
    assert health["fine"].state == "ok"
    assert health["new"].state == "never_run"


# --- figures of a crawl process ----------------------------------------------------------------


def test_what_a_crawl_process_leaves_behind_becomes_the_runs_figures():
    from crawler.summary import CrawlSummary, SourceReport

    summary = CrawlSummary(sources=[SourceReport("a", "feed", pages=4, new_articles=2),
                                    SourceReport("b", "feed", outcome="unreachable", message="refused")])
    sent = ("summary", summary.to_dict())
    ok = figures_from_child(sent, None, 0, 60, "a")
    assert (ok.outcome, ok.pages, ok.new_articles, ok.errors) == ("ok", 4, 2, 0)
    unreachable = figures_from_child(sent, None, 0, 60, "b")
    assert (unreachable.outcome, unreachable.message) == ("unreachable", "refused")
    raised = figures_from_child(("error", "RuntimeError: spider exploded"), None, 0, 60, "a")
    assert raised.outcome == "failed" and "spider exploded" in raised.message
    killed = figures_from_child(None, None, -signal.SIGKILL, 60, "a")
    assert killed.outcome == "failed" and killed.message == "the crawl process was killed by SIGKILL"
    timed_out = figures_from_child(sent, "timeout", 0, 1800, "a")
    assert timed_out.outcome == "failed" and "crawl timeout of 30m" in timed_out.message
    assert timed_out.pages == 4  # what the crawl did before it was stopped still counts
    stopped = figures_from_child(None, "shutdown", -signal.SIGTERM, 60, "a")
    assert stopped.outcome == "interrupted" and "SIGTERM" in stopped.message


# --- one service per database ------------------------------------------------------------------


def test_a_second_service_on_the_same_database_is_refused(db):
    lock = ServiceLock.acquire(db)
    try:
        assert f"pid {os.getpid()}" in (running_service(db) or "")
        with pytest.raises(ServiceLockHeld) as err:
            ServiceLock.acquire(db)
        message = str(err.value)
        assert message.startswith("another planwatch service is already running on this database")
        assert f"pid {os.getpid()}" in message and "\n" not in message
    finally:
        lock.release()
    assert running_service(db) is None
    ServiceLock.acquire(db).release()  # free again


# --- housekeeping ------------------------------------------------------------------------------


def test_housekeeping_prunes_old_raw_pages_only(db):
    with db.session() as s:
        for i, age in enumerate((200, 100, 10)):
            article = Article(content_hash=f"{i:064d}", title=f"t{i}", text="본문", url=f"http://x/{i}")
            s.add(article)
            s.flush()
            s.add(RawPage(article_id=article.id, body=b"<html/>", fetched_at=utcnow() - timedelta(days=age)))
    figures = tidy_database(db, config("[service]\nkeep_raw_days = 90\n"))
    assert figures.outcome == "ok" and figures.message.startswith("pruned 2 raw pages")
    with db.session(read_only=True) as s:
        assert s.execute(select(RawPage)).scalars().all().__len__() == 1
        assert len(s.execute(select(Article)).all()) == 3  # articles stay


# --- status ------------------------------------------------------------------------------------


def test_status_shows_next_runs_last_outcomes_and_attention(clean_jobs, db_url, tmp_path):
    from planwatch.cli import main

    db = clean_jobs
    cfg_path = tmp_path / "planwatch.toml"
    cfg_path.write_text(CONFIG, encoding="utf-8")
    scheduler = _scheduler(config(), db)
    sync_jobs(scheduler, desired_jobs(config()), job_defaults(config()))
    scheduler.shutdown(wait=False)
    _run(db, "a-news", "failed", hours_ago=30, message="the crawl raised ValueError: boom")
    _run(db, "a-news", "failed", hours_ago=2, message="the crawl process was killed by SIGKILL")
    _run(db, "b-news", "ok", hours_ago=1, new=3)
    record_skipped(db, "b-news", "overrun", "due at 12:00")

    result = CliRunner().invoke(main, ["--config", str(cfg_path), "--db", db_url, "status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["service"] == {"running": False, "holder": None}
    jobs = {j["job"]: j for j in data["jobs"]}
    assert set(jobs) == {"crawl:a-news", "crawl:b-news", "crawl:c-news", "digest:daily", "digest:weekly",
                         "housekeeping"}
    assert jobs["crawl:a-news"]["next_run"] is not None
    assert jobs["crawl:a-news"]["last_run"]["outcome"] == "failed"
    assert jobs["crawl:b-news"]["last_run"]["new_articles"] == 3 and jobs["crawl:b-news"]["overruns"] == 1
    assert jobs["crawl:c-news"]["last_run"] is None
    assert data["attention"] == ["a-news"]

    table = CliRunner().invoke(main, ["--config", str(cfg_path), "--db", db_url, "status"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0] == "service: not running"
    b_line = next(line for line in lines if line.strip().startswith("crawl:b-news"))
    assert "every 20s" in b_line and " ok " in b_line and "0/3/0" in b_line and b_line.rstrip().endswith("1")
    assert any(line.strip().startswith("digest:weekly") and "fri 07:30" in line for line in lines)
    assert "crawl:a-news: the crawl process was killed by SIGKILL" in lines
    assert any(line.strip().startswith("a-news failing since") for line in lines)


@pytest.mark.slow
def test_an_exception_in_a_crawl_process_comes_back_as_a_failed_run_with_its_reason(db, tmp_path):
    from planwatch.jobs import JobContext, crawl_in_child

    # run_crawl raises CrawlError in the child for a source the configuration does not have
    figures = crawl_in_child(JobContext(config(), db, tmp_path / "outbox"), "no-such-source")
    assert figures.outcome == "failed" and figures.errors == 1
    assert figures.message.startswith("the crawl raised CrawlError: unknown source 'no-such-source'"), figures


def test_the_crawl_preload_installs_no_reactor_and_starts_no_thread():
    import subprocess
    import sys

    code = ("import importlib, json, sys, threading\n"
            "from planwatch.jobs import CRAWL_PRELOAD\n"
            "for name in CRAWL_PRELOAD: importlib.import_module(name)\n"
            "print(json.dumps(['twisted.internet.reactor' in sys.modules, threading.active_count(), "
            "'scrapy' in sys.modules, 'trafilatura' in sys.modules]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    reactor, threads, scrapy, trafilatura = json.loads(proc.stdout)
    assert not reactor and threads == 1  # a fork copies no reactor and no other thread's locks
    assert scrapy and trafilatura  # what a crawl would otherwise import first


@pytest.mark.slow
def test_crawls_come_from_the_forkserver_and_survive_losing_it(db, tmp_path):
    import multiprocessing.forkserver
    import time

    import psutil

    from planwatch.jobs import JobContext, crawl_in_child, crawl_process_context

    assert crawl_process_context().get_start_method() == "forkserver"
    ctx = JobContext(config(), db, tmp_path / "outbox")
    first = crawl_in_child(ctx, "no-such-source")
    assert first.message.startswith("the crawl raised CrawlError: unknown source"), first
    server = multiprocessing.forkserver._forkserver._forkserver_pid
    assert server is not None and psutil.pid_exists(server)
    os.kill(server, signal.SIGKILL)  # the forkserver dies (the OOM killer, an operator)
    deadline = time.monotonic() + 10  # dead, not reaped: multiprocessing reaps it when it looks
    while psutil.Process(server).status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.05)
    again = crawl_in_child(ctx, "no-such-source")  # a new forkserver is started for it
    assert again.message == first.message, again
    assert multiprocessing.forkserver._forkserver._forkserver_pid not in (None, server)
