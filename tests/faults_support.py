"""What the fault tests share: running the command line as a measured child, configs, row checks.

``run_measured`` starts ``planwatch ...`` as a child process and reports its exit
code, output, wall time and peak resident memory (``os.wait4`` reads the child's
own ``ru_maxrss``, not the maximum over every child this test process ever had).
``start`` / ``finish`` split it for tests that act while the child runs (kill it,
lock its database, drop its connection).

``integrity_problems`` lists rows that a crash must never leave behind: an article
without its raw page, an event without a source, a source without its article.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sites.hostile import HostileServer, Slow, article_page, article_path, generated_articles
from sites.news import rss_xml
from sites.server import Page

FAST_CRAWL = """
[crawl]
allow_private_addresses = true   # the fixture sites live on 127.0.0.1
delay = 0
autothrottle = false
retry_backoff = 0
retries = 1
timeout = 10
"""


@dataclass
class Child:
    proc: subprocess.Popen[bytes]
    started: float
    out: Path
    err: Path


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float

    def lines(self, containing: str) -> list[str]:
        return [line for line in self.stderr.splitlines() if containing in line]


def planwatch_cmd(config: Path, db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "planwatch", "--config", str(config), "--db", db_url, *args]


def start(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, tag: str = "child") -> Child:
    out, err = cwd / f"{tag}.out", cwd / f"{tag}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=stderr, env=env)
    return Child(proc, time.monotonic(), out, err)


def finish(child: Child, timeout: float) -> Finished:
    """Wait for the child (killing it after ``timeout`` s) and read its peak memory."""
    deadline = child.started + timeout
    status, usage = 0, None
    while True:
        pid, status, usage = os.wait4(child.proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            child.proc.kill()
            pid, status, usage = os.wait4(child.proc.pid, 0)
            break
        time.sleep(0.05)
    child.proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    seconds = time.monotonic() - child.started
    return Finished(
        returncode=child.proc.returncode,
        stdout=child.out.read_text(encoding="utf-8", errors="replace"),
        stderr=child.err.read_text(encoding="utf-8", errors="replace"),
        seconds=seconds,
        peak_rss_mb=usage.ru_maxrss / 1024 if usage is not None else 0.0,  # Linux: kilobytes
    )


def run_measured(cmd: list[str], cwd: Path, timeout: float = 120, env: dict[str, str] | None = None,
                 tag: str = "child") -> Finished:
    return finish(start(cmd, cwd, env, tag), timeout)


def alive(child: Child) -> bool:
    """Whether the child still runs, without reaping it (``finish`` reads its resource usage)."""
    return os.waitid(os.P_PID, child.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None


def kill(child: Child) -> None:
    child.proc.send_signal(signal.SIGKILL)


def serve_articles(site: HostileServer, count: int, delay: float = 0.0, first: int = 0) -> list[str]:
    """A feed of ``count`` generated articles on ``site``; returns their URLs."""
    base = site.url("")
    articles = generated_articles(first + count)[first:]
    titles = {a.key: a.title for a in articles}
    site.routes["/rss/allArticle.xml"] = Page(
        rss_xml(base, tuple(str(a.key) for a in articles), titles).encode(),
        headers={"Content-Type": "application/rss+xml"})
    for article in articles:
        page = article_page(article, base)
        site.routes[article_path(article.key)] = Slow(page, delay) if delay else page
    return [base + article_path(a.key) for a in articles]


# --- what is stored ---------------------------------------------------------------------------

INTEGRITY_QUERIES = {
    "articles without their raw page":
        "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM raw_pages r WHERE r.article_id = a.id)",
    "raw pages without their article":
        "SELECT count(*) FROM raw_pages r WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = r.article_id)",
    "events without a source":
        "SELECT count(*) FROM plan_events e WHERE NOT EXISTS (SELECT 1 FROM event_sources s WHERE s.event_id = e.id)",
    "event sources without their article":
        "SELECT count(*) FROM event_sources s WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = s.article_id)",
    "plans without an event":
        "SELECT count(*) FROM plans p WHERE NOT EXISTS (SELECT 1 FROM plan_events e WHERE e.plan_id = p.id)",
    "articles stored twice under one URL":
        "SELECT count(*) FROM (SELECT url FROM articles WHERE url IS NOT NULL GROUP BY url HAVING count(*) > 1) d",
    "articles stored twice with one text":
        "SELECT count(*) FROM (SELECT content_hash FROM articles GROUP BY content_hash HAVING count(*) > 1) d",
}


def connect_db(db_url: str):  # type: ignore[no-untyped-def]
    """A DB-API connection to a test database, to look at it from outside (read-only on SQLite)."""
    if db_url.startswith("sqlite"):
        path = db_url.split("///", 1)[1].split("?", 1)[0]
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    import psycopg
    from conftest import PG_HOST, PG_PORT, PG_USER

    return psycopg.connect(f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={db_url.rsplit('/', 1)[1]}",
                           autocommit=True)


def integrity_problems(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Counts of rows a crash must never leave (any DB-API connection: sqlite3 or psycopg)."""
    problems = {}
    for what, query in INTEGRITY_QUERIES.items():
        cur = conn.cursor()
        cur.execute(query)
        found = cur.fetchone()[0]
        if found:
            problems[what] = found
    return problems


def sqlite_rows(path: Path, query: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(query))


def stored_urls(path: Path) -> list[str]:
    return [row[0] for row in sqlite_rows(path, "SELECT url FROM articles")]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- a small disk -----------------------------------------------------------------------------


@contextmanager
def small_tmpfs(mount: Path, size: str = "1m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``mount`` for the block (root only; the test is skipped elsewhere)."""
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()}); "
                    "tests/test_storage.py::test_a_full_disk_is_one_line_and_loses_nothing covers a full database "
                    "with SQLite's max_page_count instead")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
