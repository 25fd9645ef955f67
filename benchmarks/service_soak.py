"""Soak check of ``planwatch run``: many scheduled crawls of a fixture site in a row, memory at start and end.

    .venv/bin/python benchmarks/service_soak.py [--crawls 200] [--sources 2] [--db URL] [--json]

Starts the fixture news site of the service tests on 127.0.0.1, runs ``planwatch run``
as a real process with every source on a 1 s schedule (so the scheduler starts a
crawl as soon as the previous one of that source ends), publishes a new article every
few crawls, and waits until ``--crawls`` crawl runs have finished. The service's peak
resident memory (VmHWM) and current memory (VmRSS) are read after the first
``--warmup`` crawls ("start") and after the last one ("end"); the crawl processes'
largest resident size is sampled in both windows too. Exits 1 when the service's peak
grew by more than ``--max-growth`` (20 %), when a crawl failed, or when the service
did not stop with exit code 0 on SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from service_site import STORIES, FixtureSite  # noqa: E402

from storage.db import open_database  # noqa: E402

PUBLISH_EVERY = 5  # crawls between two new articles on the site
POLL_SECONDS = 0.5
CRAWL_SECONDS_LIMIT = 60.0  # the run is abandoned if no crawl finishes for this long


@dataclass
class Memory:
    service_peak_mb: float
    service_rss_mb: float
    crawl_peak_mb: float  # the largest crawl process seen in the window


@dataclass
class SoakReport:
    crawls: int
    failed: int
    overruns: int
    new_articles: int
    seconds: float
    start: Memory | None = None
    end: Memory | None = None
    growth: float | None = None  # of the service's peak, end vs start
    exit_code: int | None = None
    problems: list[str] = field(default_factory=list)


def kib_field(pid: int, name: str) -> float:
    """A ``VmHWM`` / ``VmRSS`` line of /proc/<pid>/status, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(name)


class ChildSampler(threading.Thread):
    """Samples the resident size of the service's crawl processes; ``take()`` returns the window's maximum."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.service = psutil.Process(pid)
        self.largest = 0.0
        self.stop_event = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        while not self.stop_event.wait(0.2):
            try:
                children = self.service.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            for child in children:
                try:
                    rss = child.memory_info().rss / 2**20
                except psutil.NoSuchProcess:
                    continue
                with self.lock:
                    self.largest = max(self.largest, rss)

    def take(self) -> float:
        with self.lock:
            value, self.largest = self.largest, 0.0
        return value


def follow_up(n: int):  # -> Story
    """The n-th new article: a fixture story with its own title and a closing line, so it is new text."""
    base = STORIES[n % len(STORIES)]
    closing = f"시는 {n}차 점검 회의 결과를 다음 달 누리집에 공개할 예정이다."
    return replace(base, idxno=1000 + n, title=f"{base.title} ({n}보)", paragraphs=base.paragraphs + (closing,))


def write_config(path: Path, site: FixtureSite, sources: int) -> None:
    lines = [
        "[crawl]", "allow_private_addresses = true", "delay = 0", "autothrottle = false", "retries = 0",
        "timeout = 10", "",
        "[service]", 'jitter = "0s"', 'housekeeping = "1h"', 'digest_schedule = "1h"', 'crawl_timeout = "60s"',
        'shutdown_timeout = "60s"', f"parallel_crawls = {sources}", "",
    ]
    for n in range(sources):
        lines += ["[[source]]", f'name = "soak{n + 1}"', 'preset = "ndsoft"', f'url = "{site.url}"',
                  'schedule = "1s"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def crawl_counts(db) -> tuple[int, int, int, int]:
    """(finished crawls, failed crawls, overruns, new articles) recorded so far."""
    from sqlalchemy import func, select

    from storage.models import SourceRun

    with db.session(read_only=True) as s:
        done = s.scalar(select(func.count()).where(SourceRun.job == "crawl", SourceRun.outcome != "running")) or 0
        failed = s.scalar(select(func.count()).where(
            SourceRun.job == "crawl", SourceRun.outcome.in_(("failed", "unreachable", "interrupted")))) or 0
        overruns = s.scalar(select(func.count()).where(SourceRun.outcome == "overrun")) or 0
        new = s.scalar(select(func.coalesce(func.sum(SourceRun.new_articles), 0)).where(SourceRun.job == "crawl"))
    return done, failed, overruns, int(new or 0)


def soak(crawls: int, sources: int, warmup: int, db_url: str | None, max_growth: float) -> SoakReport:
    workdir = Path(tempfile.mkdtemp(prefix="planwatch-soak-"))
    db_url = db_url or f"sqlite:///{workdir / 'soak.db'}"
    site = FixtureSite().start()
    config = workdir / "planwatch.toml"
    write_config(config, site, sources)
    db = open_database(db_url)
    report = SoakReport(0, 0, 0, 0, 0.0)
    log = open(workdir / "service.log", "ab")  # noqa: SIM115 (the service writes to it while it runs)
    proc = subprocess.Popen(
        [sys.executable, "-m", "planwatch", "--config", str(config), "--db", db_url, "--outbox",
         str(workdir / "outbox"), "run", "--log-file", str(workdir / "service.log")],
        cwd=workdir, stdout=log, stderr=log,
    )
    sampler = ChildSampler(proc.pid)
    sampler.start()
    started = time.monotonic()
    published = 0
    last_progress = (time.monotonic(), 0)
    try:
        while True:
            if proc.poll() is not None:
                report.problems.append(f"the service exited early with code {proc.returncode}")
                break
            done, failed, overruns, new = crawl_counts(db)
            report.crawls, report.failed, report.overruns, report.new_articles = done, failed, overruns, new
            if done != last_progress[1]:
                last_progress = (time.monotonic(), done)
            elif time.monotonic() - last_progress[0] > CRAWL_SECONDS_LIMIT:
                report.problems.append(f"no crawl finished for {CRAWL_SECONDS_LIMIT:.0f} s")
                break
            if report.start is None and done >= warmup:
                report.start = Memory(kib_field(proc.pid, "VmHWM"), kib_field(proc.pid, "VmRSS"), sampler.take())
            if done // PUBLISH_EVERY > published:
                published += 1
                site.publish(follow_up(published))
            if done >= crawls:
                report.end = Memory(kib_field(proc.pid, "VmHWM"), kib_field(proc.pid, "VmRSS"), sampler.take())
                break
            time.sleep(POLL_SECONDS)
    finally:
        report.seconds = round(time.monotonic() - started, 1)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                report.exit_code = proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                report.exit_code = proc.wait()
                report.problems.append("the service did not stop within 120 s of SIGTERM")
        sampler.stop_event.set()
        db.dispose()
        site.stop()
    if report.start and report.end:
        report.growth = round(report.end.service_peak_mb / report.start.service_peak_mb - 1, 4)
        if report.growth > max_growth:
            report.problems.append(f"the service's peak memory grew by {report.growth:.1%} (limit {max_growth:.0%})")
    if report.failed:
        report.problems.append(f"{report.failed} crawls failed (see {workdir / 'service.log'})")
    if report.exit_code not in (0, None):
        report.problems.append(f"the service exited with code {report.exit_code} after SIGTERM")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawls", type=int, default=200)
    parser.add_argument("--sources", type=int, default=2, help="sources crawled side by side (parallel_crawls)")
    parser.add_argument("--warmup", type=int, default=10, help="crawls before the 'start' measurement")
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--max-growth", type=float, default=0.20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = soak(args.crawls, args.sources, args.warmup, args.db, args.max_growth)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print(f"crawls finished    {report.crawls} ({report.failed} failed, {report.overruns} overruns skipped)")
        print(f"new articles       {report.new_articles}")
        print(f"time               {report.seconds:.0f} s ({report.seconds / max(report.crawls, 1):.1f} s per crawl)")
        for label, memory in (("start", report.start), ("end", report.end)):
            if memory:
                print(f"memory at {label:<5}    service peak {memory.service_peak_mb:.1f} MiB, "
                      f"now {memory.service_rss_mb:.1f} MiB; largest crawl process {memory.crawl_peak_mb:.1f} MiB")
        if report.growth is not None:
            print(f"peak growth        {report.growth:+.1%}")
        for problem in report.problems:
            print(f"problem: {problem}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
