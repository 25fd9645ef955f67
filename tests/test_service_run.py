"""``planwatch run`` as a real process: a fixture news site on 127.0.0.1, a real SMTP server, second-level schedules.

Each test is bounded (well under 40 s on an idle machine): the service crawls the
site again and again, finds what is published between two runs, sends the digest
when it is due, refuses a second instance, survives a crawl process killed under
it, runs a job missed during a downtime once, and stops on SIGTERM with exit code 0.
"""

from __future__ import annotations

import json
import pickle
import signal
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psutil
import pytest
from service_process import ServiceProcess, drop_job_store, finished, run_cli, runs
from service_site import STORIES, FixtureSite, wait_until
from smtp_server import SmtpTestServer
from sqlalchemy import select

from storage.db import open_database
from storage.models import Article, utcnow

pytestmark = pytest.mark.slow

CRAWL_SETTINGS = """
[crawl]
allow_private_addresses = true
delay = 0
autothrottle = false
retries = 0
timeout = 10
"""


def write_config(path: Path, body: str) -> Path:
    path.write_text(CRAWL_SETTINGS + body, encoding="utf-8")
    return path


@pytest.fixture
def service_db(db_url):
    drop_job_store(db_url)
    return db_url


@pytest.fixture
def site():
    with FixtureSite() as s:
        yield s


@pytest.fixture
def smtp():
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def services():
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        service.close()


def add_daily_subscriber(db_url: str, email: str) -> None:
    from alerts.subscribers import add_subscriber

    db = open_database(db_url)
    try:
        with db.session() as session:
            add_subscriber(session, email, frequency="daily")
    finally:
        db.dispose()


def test_the_service_crawls_on_schedule_finds_new_articles_mails_the_digest_and_stops_on_sigterm(
        service_db, site, smtp, services, tmp_path):
    config = write_config(tmp_path / "planwatch.toml", f"""
[service]
jitter = "0s"
housekeeping = "1h"
crawl_timeout = "40s"
shutdown_timeout = "30s"
digest_schedule = "3s"

[smtp]
url = "{smtp.url}"
sender = "planwatch <planwatch@example.kr>"

[[source]]
name = "citizen"
preset = "ndsoft"
url = "{site.url}"
schedule = "2s"
""")
    add_daily_subscriber(service_db, "reader@example.kr")
    service = ServiceProcess(config, service_db, tmp_path).start()
    services.append(service)

    # the first crawl runs at start and stores the two published articles
    first = wait_until(lambda: finished(runs(service_db, "citizen", "crawl")), 40)
    assert first, f"no crawl finished\n{service.log()}\n{service.stderr()}"
    assert (first[0].outcome, first[0].new_articles, first[0].errors) == ("ok", 2, 0), first[0].message
    assert first[0].pages >= 3  # the feed and two articles

    # the daily digest, due every 3 s here, reaches the subscriber through SMTP
    assert smtp.wait_for(1, timeout=20), f"no digest\n{service.log()}"
    digest = smtp.to("reader@example.kr")[0].message
    assert "수원시" in digest.get_body(("plain",)).get_content()

    # an article published between two runs is found by the next one
    published_at = utcnow()
    site.publish(STORIES[2])
    later = wait_until(lambda: [r for r in finished(runs(service_db, "citizen", "crawl"), "ok")
                                if r.finished_at >= published_at and r.new_articles == 1], 40)
    assert later, f"the new article was not found\n{service.log()}"
    db = open_database(service_db)
    try:
        with db.session(read_only=True) as session:
            urls = set(session.execute(select(Article.url)).scalars())
    finally:
        db.dispose()
    assert site.article_url(103) in urls and len(urls) == 3
    assert site.feed_requests() >= 2

    # only one service per database: a second one refuses in one line
    second = run_cli(config, service_db, tmp_path, "run", timeout=60)
    assert second.returncode == 1
    errors = [line for line in second.stderr.splitlines() if line.strip() and " INFO " not in line]
    assert len(errors) == 1 and "another planwatch service is already running" in errors[0], second.stderr
    assert f"pid {service.proc.pid}" in errors[0]

    def read_status() -> dict:
        status = run_cli(config, service_db, tmp_path, "status", "--json")
        assert status.returncode == 0, status.stderr
        return json.loads(status.stdout)

    # The digest job runs every few seconds: read the status again while one is in progress.
    data = read_status()
    for _ in range(10):
        digest_job = {j["job"]: j for j in data["jobs"]}.get("digest:daily") or {}
        if (digest_job.get("last_run") or {}).get("outcome") != "running":
            break
        time.sleep(0.5)
        data = read_status()
    assert data["service"]["running"] and f"pid {service.proc.pid}" in data["service"]["holder"]
    jobs = {j["job"]: j for j in data["jobs"]}
    assert jobs["crawl:citizen"]["next_run"] is not None
    assert jobs["digest:daily"]["last_run"]["outcome"] == "ok"

    # SIGTERM: the running crawl (if any) finishes, the process exits 0
    service.signal(signal.SIGTERM)
    assert service.wait(timeout=45) == 0, service.stderr()
    log = service.log()
    assert "SIGTERM received: stopping" in log and "stopped after" in log
    assert "crawl:citizen: started" in log and "crawl:citizen: ok, " in log  # one line per start and end
    assert not [r for r in runs(service_db) if r.outcome == "running"]
    assert len(finished(runs(service_db, "citizen", "crawl"), "ok")) >= 2
    assert len(runs(service_db, "digest:daily", "digest")) >= 1


def test_a_killed_crawl_is_recorded_as_failed_and_the_other_sources_go_on(service_db, site, services, tmp_path):
    with FixtureSite(name="느린일보") as slow:
        slow.hang_seconds = 60  # its feed never answers in time
        config = write_config(tmp_path / "planwatch.toml", f"""
[service]
jitter = "0s"
housekeeping = "1h"
digest_schedule = "1h"
crawl_timeout = "90s"
shutdown_timeout = "30s"

[[source]]
name = "steady"
preset = "ndsoft"
url = "{site.url}"
schedule = "2s"

[[source]]
name = "stuck"
preset = "ndsoft"
url = "{slow.url}"
schedule = "2s"
""")
        service = ServiceProcess(config, service_db, tmp_path).start()
        services.append(service)

        # the stuck source's crawl process is killed from outside while it waits on the feed
        child = wait_until(lambda: _crawl_child_waiting_on(service, slow), 40)
        assert child, f"no crawl process reached the slow site\n{service.log()}"
        child.kill()
        killed = wait_until(lambda: finished(runs(service_db, "stuck", "crawl"), "failed"), 20)
        assert killed and "the crawl process was killed by SIGKILL" in killed[0].message, killed

        # meanwhile the steady source was crawled again and again
        steady = wait_until(lambda: finished(runs(service_db, "steady", "crawl"), "ok")[1:], 30)
        assert steady, service.log()
        assert finished(runs(service_db, "steady", "crawl"))[0].new_articles == 2
        assert not finished(runs(service_db, "steady", "crawl"), "failed")
        assert service.proc.poll() is None

        # overruns of the stuck source were logged and counted (the next stuck crawl may still be starting)
        assert wait_until(lambda: "crawl:stuck: overrun" in service.log(), 20), service.log()
        assert [r for r in runs(service_db, "stuck", "skipped") if r.outcome == "overrun"]

        # a second signal does not wait for the stuck crawl: the service exits at once, its crawls killed
        crawls = [p for p in psutil.Process(service.proc.pid).children(recursive=True)]
        service.signal(signal.SIGTERM)
        time.sleep(0.5)
        service.signal(signal.SIGTERM)
        code = service.wait(timeout=10)
        assert code == 128 + signal.SIGTERM
        assert "SIGTERM again: exiting at once" in service.log()
        gone, alive = psutil.wait_procs(crawls, timeout=10)
        assert not alive


def test_a_crawl_that_hangs_is_stopped_at_the_crawl_timeout_and_recorded_as_failed(db, tmp_path):
    from planwatch.config import parse_config
    from planwatch.jobs import CHILD_FORCE_WAIT, JobContext, crawl_in_child

    with FixtureSite(name="느린일보") as slow:
        slow.hang_seconds = 60
        config = parse_config(CRAWL_SETTINGS + f"""
[service]
crawl_timeout = "6s"

[[source]]
name = "stuck"
preset = "ndsoft"
url = "{slow.url}"
""", "test.toml")
        started = time.monotonic()
        figures = crawl_in_child(JobContext(config, db, tmp_path / "outbox"), "stuck")
        took = time.monotonic() - started
    assert figures.outcome == "failed" and "stopped after the crawl timeout of 6s" in figures.message, figures
    # 6 s, then a quarter of it to close cleanly, then the forced stop: never the 60 s the feed hangs
    assert took < 6 + 1.5 + CHILD_FORCE_WAIT + 3, took


def _crawl_child_waiting_on(service: ServiceProcess, slow: FixtureSite) -> psutil.Process | None:
    """The crawl process with a connection open to the slow site (its feed request hangs)."""
    port = int(slow.url.rsplit(":", 1)[1])
    for child in psutil.Process(service.proc.pid).children(recursive=True):
        try:
            if any(c.raddr and c.raddr.port == port for c in child.net_connections(kind="tcp")):
                return child
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return None


def test_a_run_missed_while_the_service_was_stopped_runs_once_at_restart(service_db, services, tmp_path):
    interval = 3
    config = write_config(tmp_path / "planwatch.toml", f"""
[service]
housekeeping = "{interval}s"
misfire_grace = "1m"
digest_schedule = "1h"
""")
    first = ServiceProcess(config, service_db, tmp_path).start()
    services.append(first)
    stored = wait_until(lambda: _stored_job(service_db, "housekeeping"), 30)
    assert stored, first.stderr()
    first.signal(signal.SIGINT)  # as Ctrl-C in a terminal
    assert first.wait(timeout=30) == 0

    trigger = stored["trigger"]
    grid_start = trigger.start_date
    # stay down for at least two run times
    down_until = grid_start + timedelta(seconds=interval * 2 + 0.5)
    time.sleep(max(0.0, (down_until - datetime.now(timezone.utc)).total_seconds()))

    restarted_at = utcnow()
    first.log_path.rename(tmp_path / "first.log")
    second = ServiceProcess(config, service_db, tmp_path).start("--log-json")
    services.append(second)
    caught_up = wait_until(lambda: finished(runs(service_db, "housekeeping", "housekeeping")), 30)
    assert caught_up, second.log()
    catch_up = caught_up[0].started_at.replace(tzinfo=timezone.utc)
    assert caught_up[0].started_at >= restarted_at and caught_up[0].outcome == "ok"
    # Watch until at least 1 s after the catch-up, stopping short of a run time.
    window_end = _first_grid_point_after(grid_start, interval, catch_up + timedelta(seconds=1)) - timedelta(seconds=0.3)
    time.sleep(max(0.0, (window_end - datetime.now(timezone.utc)).total_seconds()) + 0.1)
    # Each regular run time in the window ran, or was skipped as an overrun of the catch-up;
    # without coalescing, the missed run times would have run one after the other here.
    in_window = [r for r in runs(service_db, "housekeeping")
                 if r.started_at.replace(tzinfo=timezone.utc) < window_end and r.started_at >= restarted_at]
    regular = _grid_points_between(grid_start, interval, catch_up, window_end)
    assert len(in_window) == 1 + regular, ([(r.job, r.outcome, r.started_at) for r in in_window], regular)
    assert not [r for r in in_window if r.outcome == "missed"]
    lines = [json.loads(line) for line in second.log().splitlines()]
    missed = next(line for line in lines if "missed while stopped" in line["message"])
    assert missed["job"] == "housekeeping" and missed["message"].endswith("running it once now")
    assert int(missed["message"].split("housekeeping: ")[1].split()[0]) >= 2
    ended = next(line for line in lines if line.get("job") == "housekeeping" and line.get("outcome") == "ok")
    assert ended["level"] == "info" and ended["source"] == "housekeeping" and ended["seconds"] >= 0

    second.signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0


def _stored_job(db_url: str, job_id: str) -> dict | None:
    db = open_database(db_url)
    try:
        with db.engine.connect() as conn:
            from sqlalchemy import inspect, text

            if not inspect(conn).has_table("apscheduler_jobs"):
                return None
            row = conn.execute(text("SELECT job_state FROM apscheduler_jobs WHERE id = :id"), {"id": job_id}).first()
    finally:
        db.dispose()
    return pickle.loads(row[0]) if row else None


def _first_grid_point_after(start: datetime, interval: float, moment: datetime) -> datetime:
    steps = max(0, int((moment - start).total_seconds() // interval) + 1)
    return start + timedelta(seconds=steps * interval)


def _grid_points_between(start: datetime, interval: float, after: datetime, before: datetime) -> int:
    count, point = 0, start
    while point < before:
        if point > after:
            count += 1
        point += timedelta(seconds=interval)
    return count

