"""``planwatch run`` as a real process under attack: a stalled mail server at shutdown, SIGHUP, the
database file deleted or replaced under it, and a second service reaching the same database by
another path (a symlink, a hard link, another host name for the PostgreSQL server).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest
from alerts_fixtures import add_plan
from service_process import ServiceProcess, drop_job_store, run_cli
from service_site import wait_until
from smtp_server import Behaviour, SmtpTestServer
from sqlalchemy.engine import make_url

from alerts.subscribers import add_subscriber
from storage.db import open_database
from storage.models import Delivery

pytestmark = [pytest.mark.faults, pytest.mark.slow]

QUIET_SERVICE = """
[service]
jitter = "0s"
housekeeping = "1h"
digest_schedule = "1h"
shutdown_timeout = "6s"
"""


@pytest.fixture
def service_db(db_url):
    drop_job_store(db_url)
    return db_url


@pytest.fixture
def services():
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        service.close()


def start(services, config: Path, db_url: str, workdir: Path) -> ServiceProcess:
    service = ServiceProcess(config, db_url, workdir).start()
    services.append(service)
    assert wait_until(lambda: "service started" in service.log(), 30), service.stderr()
    return service


def queue_one_plan_for(db_url: str, email: str) -> None:
    db = open_database(db_url)
    try:
        with db.session() as session:
            add_subscriber(session, email, frequency="daily")
        with db.session() as session:
            add_plan(session, municipality="수원시", province="경기도", title="수원시 스마트시티 계획",
                     event_type="plan_kickoff", event_date=date(2026, 11, 20))
    finally:
        db.dispose()


def deliveries(db_url: str) -> list[Delivery]:
    db = open_database(db_url)
    try:
        with db.session(read_only=True) as session:
            return list(session.query(Delivery))
    finally:
        db.dispose()


def test_sigterm_while_a_digest_waits_on_a_stalled_smtp_server_stops_within_the_shutdown_timeout(
        service_db, services, tmp_path):
    queue_one_plan_for(service_db, "reader@example.kr")
    with SmtpTestServer(behaviour=Behaviour(hold=True)) as srv:  # takes the DATA, never answers it (30 s)
        config = tmp_path / "planwatch.toml"
        config.write_text(QUIET_SERVICE.replace('digest_schedule = "1h"', 'digest_schedule = "2s"') + f"""
[smtp]
url = "{srv.url}"
sender = "planwatch <planwatch@example.kr>"
timeout = 120
""", encoding="utf-8")
        service = start(services, config, service_db, tmp_path)
        assert srv.data_received.wait(30), service.log()
        signalled = time.monotonic()
        service.signal(signal.SIGTERM)
        assert service.wait(timeout=20) == 0, service.log()
        took = time.monotonic() - signalled
    log = service.log()
    assert took < 6 + 3, (took, log)  # shutdown_timeout, not the server's 30 s or smtp.timeout's 120 s
    ended = log.index("digest:daily: failed")  # its one line, after the cut connection
    assert "stopped after" in log[ended:] and "stopped after" not in log[:ended]
    assert "not sent: the sending run was stopped before the server answered" in log[ended:]
    (delivery,) = deliveries(service_db)
    assert (delivery.status, delivery.attempts) == ("queued", 1)  # kept for the next run, not lost


def test_sighup_stops_the_service_gracefully_and_says_so(service_db, services, tmp_path):
    config = tmp_path / "planwatch.toml"
    config.write_text(QUIET_SERVICE, encoding="utf-8")
    service = start(services, config, service_db, tmp_path)
    service.signal(signal.SIGHUP)
    assert service.wait(timeout=20) == 0, service.stderr()
    log = service.log()
    assert "SIGHUP received: stopping gracefully (the configuration is not reloaded" in log
    assert "stopped after" in log


def sqlite_file(db_url: str) -> Path:
    return Path(make_url(db_url).database or "")


@pytest.mark.sqlite_only
@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_the_database_file_deleted_or_replaced_under_the_service_stops_it_with_one_line(
        service_db, services, tmp_path, how):
    config = tmp_path / "planwatch.toml"
    config.write_text(QUIET_SERVICE, encoding="utf-8")
    path = sqlite_file(service_db)
    service = start(services, config, service_db, tmp_path)
    if how == "deleted":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        other = tmp_path / "other.db"
        sqlite3.connect(other).close()
        os.replace(other, path)
    assert service.wait(timeout=20) == 3, service.log()  # not 1: systemd is told not to restart it
    errors = [line for line in service.log().splitlines() if " ERROR " in line]
    assert len(errors) == 1, errors
    assert f"the database file {path} was {how}" in errors[0] and "stopping" in errors[0]
    if how == "deleted":
        assert not path.exists()  # no fresh, empty database made behind the operator's back
    else:
        assert sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_a_second_service_through_a_linked_path_to_the_same_file_is_refused(
        service_db, services, tmp_path, link):
    config = tmp_path / "planwatch.toml"
    config.write_text(QUIET_SERVICE, encoding="utf-8")
    service = start(services, config, service_db, tmp_path)
    other = tmp_path / "elsewhere" / "same.db"
    other.parent.mkdir()
    (os.symlink if link == "symlink" else os.link)(sqlite_file(service_db), other)
    second = run_cli(config, f"sqlite:///{other}", tmp_path, "run", timeout=60)
    assert second.returncode == 1, second.stderr
    errors = [line for line in second.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "another planwatch service is already running" in errors[0], second.stderr
    if link == "symlink":  # the holder's note is found beside the resolved path
        assert f"pid {service.proc.pid}" in errors[0]
    assert service.proc.poll() is None


def test_a_second_service_reaching_the_same_postgresql_database_by_another_host_name_is_refused(
        service_db, services, tmp_path, db_backend):
    if db_backend != "postgresql":
        pytest.skip("the PostgreSQL lock; the SQLite one is tested above")
    config = tmp_path / "planwatch.toml"
    config.write_text(QUIET_SERVICE, encoding="utf-8")
    service = start(services, config, service_db, tmp_path)
    url = make_url(service_db)
    alias = url.set(host="localhost" if url.host != "localhost" else "127.0.0.1")
    second = run_cli(config, alias.render_as_string(hide_password=False), tmp_path, "run", timeout=60)
    assert second.returncode == 1, second.stderr
    assert "another planwatch service is already running" in second.stderr
    assert f"pid {service.proc.pid}" in second.stderr
