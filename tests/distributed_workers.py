"""Running a shared crawl against a fixture site: the configuration, worker processes, Redis clean-up.

Used by the distributed crawl tests and by ``benchmarks/distributed_bench.py``. Workers
are real ``planwatch worker`` processes (``python -m planwatch``), each with its own log
file, so a test can kill one and read what the others did.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REDIS_URL = "redis://127.0.0.1:6379/0"
LISTING_SOURCE = "garam-list"
FEED_SOURCE = "garam-feed"
SOURCES = (LISTING_SOURCE, FEED_SOURCE)


def frontier_config(site_base: str, prefix: str, *, idle_timeout: str = "2s", lease: str = "10s",
                    concurrency: int = 16, poll_interval: float = 0.2) -> str:
    """A planwatch.toml for the fixture site: no delays, private addresses allowed, two sources."""
    return f"""
[crawl]
concurrency = {concurrency}
per_domain = {concurrency}
delay = 0
autothrottle = false
obey_robots = false
allow_private_addresses = true
retries = 1
retry_backoff = 0
max_pages = 200
max_articles = 100000
extract_workers = 1
extract_processes = 0   # the workers are the processes: several share this machine's cores
timeout = 20

[distributed]
redis_url = "{REDIS_URL}"
key_prefix = "{prefix}"
idle_timeout = "{idle_timeout}"
lease = "{lease}"
poll_interval = {poll_interval}

[[source]]
name = "{LISTING_SOURCE}"
type = "listing"
url = "{site_base}/list?page={{page}}"
article_links = "ul.articles a"
article_url_pattern = "/news/\\\\d+\\\\.html$"

[[source]]
name = "{FEED_SOURCE}"
type = "feed"
url = "{site_base}/feed.xml"
"""


def unique_prefix() -> str:
    return f"pwtest-{os.getpid()}-{secrets.token_hex(4)}"


def delete_prefix(prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


def cli(config: Path, db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "planwatch", "--config", str(config), "--db", db_url, *args]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PLANWATCH_REDIS_URL", None)
    env["PYTHONWARNINGS"] = "always::DeprecationWarning"
    return env


@dataclass
class Worker:
    proc: subprocess.Popen[str]
    log: Path
    out: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def result(self) -> dict[str, Any]:
        return json.loads(self.out.read_text(encoding="utf-8"))

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def start_workers(config: Path, db_url: str, workdir: Path, count: int, *extra: str) -> list[Worker]:
    return [start_worker(config, db_url, workdir, i, *extra) for i in range(count)]


def start_worker(config: Path, db_url: str, workdir: Path, index: int, *extra: str) -> Worker:
    log = workdir / f"worker-{index}.log"
    out = workdir / f"worker-{index}.json"
    with open(out, "w", encoding="utf-8") as stdout:
        proc = subprocess.Popen(
            cli(config, db_url, "--log-level", "INFO", "--log-file", str(log), "worker", "--json", *extra),
            stdout=stdout, stderr=subprocess.STDOUT, text=True, env=child_env(), cwd=workdir,
        )
    return Worker(proc, log, out)


def enqueue_command(config: Path, db_url: str) -> list[str]:
    return cli(config, db_url, "enqueue", "--json")


def enqueue(config: Path, db_url: str, workdir: Path, timeout: float = 60) -> list[dict[str, Any]]:
    done = subprocess.run(enqueue_command(config, db_url), capture_output=True, text=True,
                          env=child_env(), cwd=workdir, timeout=timeout, check=False)
    if done.returncode != 0:
        raise AssertionError(f"enqueue failed ({done.returncode}): {done.stderr or done.stdout}")
    return json.loads(done.stdout)


def outstanding(prefix: str, sources: tuple[str, ...] = SOURCES) -> int:
    """Requests queued or leased (taken, not finished) over the sources' frontier."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return sum(client.zcard(f"{prefix}:{s}:requests") + client.zcard(f"{prefix}:{s}:leases") for s in sources)
    finally:
        client.close()


def wait_until_done(prefix: str, workers: list[Worker], timeout: float = 120,
                    sources: tuple[str, ...] = SOURCES) -> float:
    """After a round began: wait until nothing is queued or leased; returns when (monotonic).

    A lease is released only once its response's requests are queued and its items
    stored, so an empty frontier means the round's work is all done.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if outstanding(prefix, sources) == 0:
            return time.monotonic()
        dead = [w for w in workers if w.proc.poll() is not None]
        if dead and len(dead) == len(workers):
            raise AssertionError(f"every worker stopped with work left:\n{dead[0].log_text()[-2000:]}")
        time.sleep(0.05)
    raise AssertionError(f"the round was not done after {timeout:.0f} s ({outstanding(prefix, sources)} requests left)")


def wait_ready(workers: list[Worker], sources: int = len(SOURCES), timeout: float = 90) -> None:
    """Until every worker has opened its spiders (it polls the queue from then on)."""
    deadline = time.monotonic() + timeout
    for w in workers:
        while w.log_text().count("Spider opened") < sources:
            if w.proc.poll() is not None:
                raise AssertionError(f"a worker stopped while starting:\n{w.log_text()[-2000:]}\n{w.out.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError("the workers did not start in time")
            time.sleep(0.05)


def stop(workers: list[Worker], timeout: float = 30) -> None:
    """SIGTERM (a graceful stop: unfinished requests go back to the queue), then wait."""
    for w in workers:
        if w.proc.poll() is None:
            w.proc.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            w.kill()
            w.proc.wait(10)
