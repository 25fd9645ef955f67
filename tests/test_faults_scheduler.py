"""The scheduler's faults, against a real ``planwatch run``: its clock jumping, and a kill while a crawl runs.

- The wall clock steps (NTP, a VM resumed, an operator): the service process and
  its crawl processes run under libfaketime (``LD_PRELOAD``, the library the
  ``libfaketime`` package builds), whose offset the test rewrites while they run;
  the monotonic clock is left alone, as a real step leaves it.
- The service killed with SIGKILL in the middle of a crawl: its crawl process
  stops by itself, and the restarted service records the run as interrupted,
  crawls again and stores every article once.

Two services on one database are refused in one line:
``tests/test_service_run.py::test_the_service_crawls_on_schedule_finds_new_articles_mails_the_digest_and_stops_on_sigterm``
(real processes) and ``tests/test_service_units.py::test_a_second_service_on_the_same_database_is_refused``.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
from faults_support import FAST_CRAWL, connect_db, integrity_problems, serve_articles, write
from service_process import drop_job_store, finished, planwatch_command, runs
from service_site import wait_until
from sites.hostile import HostileServer

pytestmark = [pytest.mark.slow, pytest.mark.faults]

SERVICE = """
[service]
jitter = "0s"
housekeeping = "1h"
digest_schedule = "1h"
misfire_grace = "1h"
crawl_timeout = "60s"
shutdown_timeout = "20s"
"""


class Service:
    """``planwatch run`` in a child process, with extra environment (the fake clock)."""

    def __init__(self, config: Path, db_url: str, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.config, self.db_url, self.workdir = config, db_url, workdir
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        err = (self.workdir / "service.stderr").open("ab")
        self.proc = subprocess.Popen(
            planwatch_command(self.config, self.db_url, self.workdir / "outbox", "run", "--log-level", "INFO",
                              "--log-file", str(self.workdir / "service.log")),
            cwd=self.workdir, stdout=err, stderr=err, env=self.env)
        return self

    def log(self) -> str:
        path = self.workdir / "service.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait(timeout=10)


@pytest.fixture
def services() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        if service.proc is not None and service.proc.poll() is None:
            service.proc.kill()
            service.proc.wait(timeout=10)


@pytest.fixture
def fake_clock(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The offset file and the environment that make a process (and its children) read a fake wall clock."""
    libfaketime = pytest.importorskip("libfaketime")
    _, env = libfaketime.get_reload_information()
    offset = tmp_path / "faketime.rc"
    offset.write_text("+0\n")
    return offset, {**env, "FAKETIME_TIMESTAMP_FILE": str(offset), "DONT_FAKE_MONOTONIC": "1",
                    "FAKETIME_NO_CACHE": "1"}


def crawl_config(tmp: Path, site: HostileServer, schedule: str = "2s") -> Path:
    return write(tmp / "planwatch.toml", FAST_CRAWL + SERVICE + f"""
[[source]]
name = "paper"
preset = "ndsoft"
url = "{site.url('')}"
schedule = "{schedule}"
""")


def crawls(db_url: str) -> list:  # type: ignore[type-arg]
    return finished(runs(db_url, "paper", "crawl"))


# --- the clock steps -------------------------------------------------------------------------


@pytest.mark.sqlite_only  # the clock, not the database, is under test
def test_a_forward_clock_jump_runs_each_due_job_once_and_the_schedule_goes_on(
        db_url: str, fake_clock, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    offset, env = fake_clock
    drop_job_store(db_url)
    with HostileServer() as site:
        serve_articles(site, 2)
        service = Service(crawl_config(tmp_path, site), db_url, tmp_path, env).start()
        services.append(service)
        assert wait_until(lambda: crawls(db_url), 60), service.log()
        offset.write_text("+2h\n")  # two hours pass in an instant
        first_run = crawls(db_url)[0].started_at
        jumped = wait_until(lambda: [r for r in crawls(db_url) if r.started_at - first_run > timedelta(hours=1)], 40)
        assert jumped, service.log()
        after_jump = len(crawls(db_url))
        assert wait_until(lambda: len(crawls(db_url)) > after_jump, 40), service.log()  # and again, on schedule
        assert service.stop() == 0
    rows = runs(db_url)
    # The hourly digest and housekeeping became due: each ran once, not once per missed hour or second.
    assert len([r for r in rows if r.job == "digest"]) == 1
    assert len([r for r in rows if r.job == "housekeeping"]) == 1
    assert not [r for r in rows if r.outcome == "missed"], [(r.job, r.outcome) for r in rows]
    assert all(r.outcome in ("ok", "overrun") for r in rows if r.source == "paper"), [(r.outcome, r.message)
                                                                                      for r in rows]


@pytest.mark.sqlite_only
def test_a_backward_clock_jump_does_not_stop_the_crawls(db_url: str, fake_clock, services,
                                                        tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    offset, env = fake_clock
    drop_job_store(db_url)
    with HostileServer() as site:
        serve_articles(site, 2)
        service = Service(crawl_config(tmp_path, site), db_url, tmp_path, env).start()
        services.append(service)
        assert wait_until(lambda: crawls(db_url), 60), service.log()
        starts = service.log().count("crawl:paper: started")
        offset.write_text("-2h\n")  # the clock steps back two hours
        went_on = wait_until(lambda: service.log().count("crawl:paper: started") > starts, 15)
        service.stop()
    assert went_on, "no crawl ran for 15 s after the clock stepped back (schedule: every 2 s)"


# --- killed while a crawl runs -----------------------------------------------------------------


def test_a_service_killed_during_a_crawl_leaves_no_orphan_and_the_restart_completes_it_once(
        db_url: str, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    drop_job_store(db_url)
    with HostileServer() as site:
        urls = serve_articles(site, 30, delay=0.3)  # a crawl of several seconds
        # A run time passing while the service is down is caught up at restart; an interrupted run is
        # not, so a short schedule lets the restarted service crawl again soon.
        config = crawl_config(tmp_path, site, schedule="3s")
        first = Service(config, db_url, tmp_path).start()
        services.append(first)
        assert wait_until(lambda: len(site.requests(path="/news/articleView.html")) >= 4, 60), first.log()
        assert first.proc is not None
        children = psutil.Process(first.proc.pid).children(recursive=True)
        assert children, "no crawl process"
        first.proc.kill()  # SIGKILL: no shutdown, no run record completed
        first.proc.wait(timeout=10)
        _, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, "the crawl process outlived its service"
        assert [r.outcome for r in runs(db_url, "paper", "crawl")] == ["running"]
        stored_at_kill = len(stored_urls(db_url))
        assert stored_at_kill < len(urls)  # killed in the middle

        second = Service(config, db_url, tmp_path).start()
        services.append(second)
        done = wait_until(lambda: [r for r in crawls(db_url) if r.outcome == "ok"], 90)
        assert done, second.log()
        assert second.stop() == 0
    outcomes = [r.outcome for r in runs(db_url, "paper", "crawl")]
    assert outcomes[0] == "interrupted" and "ok" in outcomes, outcomes
    assert set(stored_urls(db_url)) == set(urls)
    conn = connect_db(db_url)
    try:
        assert integrity_problems(conn) == {}  # every article once, nothing half-stored
    finally:
        conn.close()


def stored_urls(db_url: str) -> list[str]:
    conn = connect_db(db_url)
    try:
        cur = conn.cursor()
        cur.execute("SELECT url FROM articles")
        return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()
