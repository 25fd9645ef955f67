"""The database misbehaving under a running crawl or replay: locked, full, its connection dropped.

- SQLite locked by another process holding ``BEGIN EXCLUSIVE``: the crawl waits
  (WAL, busy timeout, retries) and stores everything once the lock is gone; a lock
  held past the busy timeout ends a replay with one line and keeps what was stored.
- The disk full: the database on a small tmpfs. The crawl reports one line, stores
  nothing half, and once there is room again the next run stores the rest. The
  outbox on a full disk: the digest is deferred in one line and written once later.
- PostgreSQL terminating the crawl's connections (``pg_terminate_backend``) in
  waves while it runs: the crawl reconnects (``pool_pre_ping``, transactions retried
  on a fresh connection) and every article of the run is stored in that run.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from faults_support import (
    FAST_CRAWL,
    alive,
    finish,
    integrity_problems,
    planwatch_cmd,
    run_measured,
    serve_articles,
    small_tmpfs,
    sqlite_rows,
    start,
    write,
)
from sites.hostile import HostileServer

pytestmark = [pytest.mark.slow, pytest.mark.faults]

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def feed_config(tmp: Path, site: HostileServer) -> Path:
    return write(tmp / "planwatch.toml", FAST_CRAWL + f"""
[[source]]
name = "hanbit"
preset = "ndsoft"
url = "{site.url('')}"
""")


def sqlite_count(path: Path, table: str = "articles") -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def sqlite_problems(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
        return integrity_problems(conn)


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN EXCLUSIVE")
print("locked", time.monotonic(), flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
print("released", time.monotonic(), flush=True)
"""


def hold_exclusive_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process takes SQLite's write lock for ``seconds``; returns once it holds it."""
    proc = subprocess.Popen([sys.executable, "-c", LOCKER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("locked")
    return proc


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


# --- SQLite locked by another writer ----------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_crawl_waits_for_another_writers_lock_and_stores_everything(tmp_path: Path) -> None:
    db_path = tmp_path / "pw.db"
    with HostileServer() as site:
        urls = serve_articles(site, 24, delay=0.1)
        child = start(planwatch_cmd(feed_config(tmp_path, site), f"sqlite:///{db_path}", "crawl", "--json",
                                    "--no-digest"), tmp_path)
        wait_for(lambda: db_path.exists() and _count_or_zero(db_path) >= 4, 60, "the first articles")
        locker = hold_exclusive_lock(db_path, 4.0)
        samples = []  # (count, when it was read): WAL lets readers go on while the writer is locked out
        while locker.poll() is None:
            samples.append((sqlite_count(db_path), time.monotonic()))
            time.sleep(0.2)
        assert locker.stdout is not None
        released = float(locker.stdout.read().split()[-1])  # the locker's "released <monotonic time>"
        result = finish(child, timeout=120)
    assert result.returncode == 0, result.stderr
    # Only the counts read before the lock was released: the crawl stores the moment it is.
    during = [count for count, read_at in samples if read_at < released]
    assert len(during) >= 10
    assert len(set(during)) == 1, during  # not one article got in while the other process held the lock
    assert during[0] < len(urls)  # and the crawl still had articles to store
    report = json.loads(result.stdout)["sources"][0]
    assert (report["new_articles"], report["errors"]) == (len(urls), 0)
    assert sqlite_count(db_path) == len(urls) and sqlite_problems(db_path) == {}


def _count_or_zero(path: Path) -> int:
    try:
        return sqlite_count(path)
    except sqlite3.OperationalError:  # not migrated yet
        return 0


@pytest.mark.sqlite_only
def test_a_lock_held_past_the_busy_timeout_ends_a_replay_with_one_line_and_keeps_what_was_stored(
        tmp_path: Path) -> None:
    db_path = tmp_path / "pw.db"
    url = f"sqlite:///{db_path}?timeout=0.2"  # a busy timeout of 0.2 s instead of 15
    first = run_measured([sys.executable, "-m", "planwatch", "--db", url, "replay", str(SEEDS / "000_f084e2116eebfcde.txt")],
                         tmp_path, timeout=120, tag="first")
    assert first.returncode == 0, first.stderr
    assert sqlite_count(db_path) == 1
    locker = hold_exclusive_lock(db_path, 30.0)
    try:
        started = time.monotonic()
        blocked = run_measured([sys.executable, "-m", "planwatch", "--db", url, "replay", str(SEEDS)], tmp_path,
                               timeout=60, tag="blocked")
        waited = time.monotonic() - started
    finally:
        locker.kill()
        locker.wait()
    assert blocked.returncode == 1
    errors = [line for line in blocked.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("Error: storing stopped: the database "), errors
    assert errors[0].endswith("stayed locked by another writer (tried 3 times): database is locked")
    assert waited < 30  # gave up well before the other writer let go
    assert sqlite_count(db_path) == 1 and sqlite_problems(db_path) == {}  # what was stored before is kept


# --- the disk full ----------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs mounted for the test (root only); resized with ``resize``."""
    with small_tmpfs(tmp_path / "disk", "1m") as mount:
        yield mount


def resize(mount: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(mount)], check=True)


@pytest.mark.sqlite_only
def test_a_full_disk_stops_storing_with_one_line_and_the_next_run_stores_the_rest(small_disk: Path,
                                                                                 tmp_path: Path) -> None:
    db_path = small_disk / "pw.db"
    with HostileServer() as site:
        urls = serve_articles(site, 40)
        cmd = planwatch_cmd(feed_config(tmp_path, site), f"sqlite:///{db_path}", "crawl", "--json", "--no-digest")
        full = run_measured(cmd, tmp_path, timeout=120, tag="full")
        kept = sqlite_count(db_path)
        assert 0 < kept < len(urls), full.stderr  # the disk filled up in the middle
        assert sqlite_problems(db_path) == {}
        resize(small_disk, "64m")
        site.clear_log()
        after = run_measured(cmd, tmp_path, timeout=120, tag="after")
        refetched = {site.url(r.target) for r in site.requests(path="/news/articleView.html")}
    assert full.returncode == 1  # its only source failed
    report = json.loads(full.stdout)["sources"][0]
    message = f"storing stopped: the disk holding sqlite:///{db_path} is full: database or disk is full"
    assert (report["outcome"], report["message"]) == ("failed", message)
    assert report["new_articles"] == kept
    assert full.lines("is full") == [full.lines("is full")[0]]  # said once, not once per page
    assert full.lines("is full")[0].endswith(f"ERROR planwatch.crawler: {message}")
    assert "Traceback" not in full.stderr
    assert after.returncode == 0, after.stderr
    assert sqlite_count(db_path) == len(urls) and sqlite_problems(db_path) == {}
    assert len(refetched) == len(urls) - kept  # the stored ones are not fetched again


@pytest.mark.sqlite_only
def test_a_full_outbox_disk_defers_the_digest_with_one_line_and_it_is_written_once_later(
        small_disk: Path, tmp_path: Path) -> None:
    outbox = small_disk / "outbox"
    base = [sys.executable, "-m", "planwatch", "--db", f"sqlite:///{tmp_path / 'pw.db'}", "--outbox", str(outbox)]
    stored = run_measured([*base, "replay", str(SEEDS), "--no-digest"], tmp_path, tag="replay")
    assert stored.returncode == 0, stored.stderr
    outbox.mkdir()
    filler = small_disk / "filler"
    with filler.open("wb") as out:  # fill the disk to the last block
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    full = run_measured([*base, "digest"], tmp_path, tag="full")
    assert full.returncode == 1
    errors = [line for line in full.stderr.splitlines() if line.strip()]
    expected = (f"Error: not delivered: planwatch@localhost: cannot write to the outbox {outbox}: "
                "No space left on device; deferred items are retried on a later run")
    assert errors == [expected], full.stderr
    assert [p.name for p in outbox.iterdir()] == []  # no half-written message left behind
    filler.unlink()
    sent = run_measured([*base, "digest", "--send"], tmp_path, tag="sent")  # now, without waiting out the back-off
    assert sent.returncode == 0, sent.stderr
    assert len(list(outbox.glob("*.eml"))) == 1  # one digest with every item, written once
    statuses = sqlite_rows(tmp_path / "pw.db", "SELECT status, count(*) FROM deliveries GROUP BY status")
    assert [status for status, _ in statuses] == ["sent"]  # nothing left to send twice


# --- PostgreSQL connections dropped -----------------------------------------------------------


@pytest.mark.postgres
def test_a_crawl_whose_postgresql_connections_are_terminated_reconnects_and_stores_everything(
        db_backend: str, db_url: str, tmp_path: Path) -> None:
    import psycopg
    from conftest import PG_ADMIN_DSN

    if db_backend != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL (--db-backend=postgresql, as `make test` does)")
    dbname = db_url.rsplit("/", 1)[1]
    waves = 0
    with HostileServer() as site, psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        urls = serve_articles(site, 40, delay=0.25)  # 40 × 0.25 s over two connections: 5 s at least
        child = start(planwatch_cmd(feed_config(tmp_path, site), db_url, "crawl", "--json",
                                    "--no-digest"), tmp_path)
        wait_for(lambda: site.requests(path="/news/articleView.html"), 60, "the first article request")
        while alive(child):  # a wave of dropped connections every 0.4 s, as a restarting server would
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,)).fetchall()
            waves += any(ok for (ok,) in rows)
            time.sleep(0.4)
        result = finish(child, timeout=120)
    conn = psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={dbname}", autocommit=True)
    with conn:
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        problems = integrity_problems(conn)
    assert waves >= 3, "the crawl's connections were not dropped while it ran"
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["sources"][0]
    assert (report["new_articles"], report["errors"]) == (len(urls), 0), result.stderr
    assert "page failed" not in result.stderr
    assert count == len(urls) and problems == {}
