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
                          env=child_env(), cwd=workdir, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"enqueue failed ({done.returncode}): {done.stderr or done.stdout}")
    return json.loads(done.stdout)


def rounds(prefix: str, sources: tuple[str, ...]) -> list[int]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return [int(client.get(f"{prefix}:{source}:round") or 0) for source in sources]
    finally:
        client.close()


def start_round_and_workers(config: Path, db_url: str, workdir: Path, workers: int, prefix: str,
                            sources: tuple[str, ...] = (LISTING_SOURCE, FEED_SOURCE),
                            timeout: float = 60) -> list[Worker]:
    """Run ``enqueue`` and start the workers as soon as it has begun the round (so none idles out first)."""
    before = rounds(prefix, sources)
    seeding = subprocess.Popen(enqueue_command(config, db_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=child_env(), cwd=workdir)
    deadline = time.monotonic() + timeout
    while any(now <= was for now, was in zip(rounds(prefix, sources), before)):
        if seeding.poll() is not None or time.monotonic() > deadline:
            out, err = seeding.communicate(timeout=10)
            raise AssertionError(f"enqueue did not start a round ({seeding.returncode}): {err or out}")
        time.sleep(0.05)
    started = [start_worker(config, db_url, workdir, i) for i in range(workers)]
    out, err = seeding.communicate(timeout=timeout)
    if seeding.returncode != 0:
        raise AssertionError(f"enqueue failed ({seeding.returncode}): {err or out}")
    return started


def run_round(config: Path, db_url: str, workdir: Path, workers: int, prefix: str, *,
              timeout: float = 120) -> list[Worker]:
    """Start a round and the workers, wait for all of them to finish by themselves."""
    started = start_round_and_workers(config, db_url, workdir, workers, prefix)
    try:
        deadline = time.monotonic() + timeout
        for w in started:
            w.wait(max(1.0, deadline - time.monotonic()))
    finally:
        for w in started:
            if w.proc.poll() is None:
                w.kill()
                w.proc.wait(10)
    return started
