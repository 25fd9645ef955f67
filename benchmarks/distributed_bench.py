"""Pages per second of the shared crawl with 1, 2 and 3 worker processes on the 2,000-article fixture site.

Each run: a fresh PostgreSQL database (or a SQLite file with ``--db sqlite``), the fixture
site of the distributed tests (``tests/distributed_site.py``: article pages rendered from
templates, served by an asyncio server on 127.0.0.1), a fresh Redis key prefix, N
``planwatch worker`` processes started and ready (their start-up is not timed), then one
``planwatch enqueue``. The crawl is timed from the site's first request to the moment the
frontier is empty (every response handled, every article stored), and checked: every
article fetched once and stored once. The figure per N is the median of ``--runs`` runs.

Worker CPU is read from the worker processes (user + system, start-up excluded) and
divided by the pages they fetched. The machine's load average is printed with each run:
on a shared 2-core machine other work moves the figures.

    .venv/bin/python benchmarks/distributed_bench.py               # 2000 pages, 1/2/3 workers, 3 runs
    .venv/bin/python benchmarks/distributed_bench.py --workers 3 --runs 1 --pages 500
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from distributed_site import NewsSite  # noqa: E402
from distributed_workers import (  # noqa: E402
    delete_prefix,
    enqueue,
    frontier_config,
    start_workers,
    stop,
    unique_prefix,
    wait_ready,
    wait_until_done,
)

PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"


@dataclass
class Run:
    workers: int
    pages: int  # responses: articles, list pages, the feed
    seconds: float
    pages_per_second: float
    worker_cpu_ms_per_page: float
    load_average: float


def fresh_database(kind: str, workdir: Path) -> tuple[str, str | None]:
    """A migrated empty database: (URL, PostgreSQL database name to drop afterwards)."""
    from storage.db import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
        upgrade(url)
        return url, None
    import psycopg

    name = f"planwatch_bench_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    upgrade(url)
    return url, name


def drop_database(name: str | None) -> None:
    if name is None:
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_seconds(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def one_run(workers: int, pages: int, db_kind: str) -> Run:
    from sqlalchemy import func, select

    from storage import models as m
    from storage.db import open_database

    with tempfile.TemporaryDirectory(prefix="pw-bench-") as tmp, NewsSite(pages, page_size=100) as site:
        workdir = Path(tmp)
        db_url, pg_name = fresh_database(db_kind, workdir)
        prefix = unique_prefix()
        config = workdir / "planwatch.toml"
        config.write_text(frontier_config(site.base(), prefix, idle_timeout="300s"))
        started = start_workers(config, db_url, workdir, workers)
        try:
            wait_ready(started)
            pids = [w.pid for w in started]
            cpu_before = cpu_seconds(pids)
            load = os.getloadavg()[0]
            enqueue(config, db_url, workdir)
            done_at = wait_until_done(prefix, started, timeout=600)
            cpu_used = cpu_seconds(pids) - cpu_before
        finally:
            stop(started)
            delete_prefix(prefix)
        hits = site.hits()
        fetches = site.article_fetches()
        if set(fetches) != set(range(1, pages + 1)) or max(fetches.values()) != 1:
            raise SystemExit(f"the crawl with {workers} workers did not fetch every article exactly once")
        database = open_database(db_url)
        try:
            with database.session(read_only=True) as session:
                stored = session.scalar(select(func.count()).select_from(m.Article))
        finally:
            database.dispose()
        drop_database(pg_name)
        if stored != pages:
            raise SystemExit(f"{stored} articles stored, expected {pages}")
        seconds = done_at - min(h.at for h in hits)
        return Run(workers, len(hits), round(seconds, 2), round(len(hits) / seconds, 1),
                   round(cpu_used * 1000 / len(hits), 2), round(load, 2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages on the site (default 2000)")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure (default 1,2,3)")
    parser.add_argument("--runs", type=int, default=3, help="runs per worker count; the median is reported")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--json", metavar="FILE", help="also write every run as JSON")
    args = parser.parse_args(argv)

    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    runs: list[Run] = []
    print(f"{args.pages} articles, {args.db}, {os.cpu_count()} CPUs; median of {args.runs} runs per worker count")
    for n in counts:
        mine = []
        for i in range(args.runs):
            run = one_run(n, args.pages, args.db)
            mine.append(run)
            print(f"  {n} worker(s), run {i + 1}: {run.pages} pages in {run.seconds:.1f} s = "
                  f"{run.pages_per_second:.0f} pages/s, worker CPU {run.worker_cpu_ms_per_page:.1f} ms/page "
                  f"(load average {run.load_average:.1f})", flush=True)
        runs.extend(mine)
        median = statistics.median(r.pages_per_second for r in mine)
        cpu = statistics.median(r.worker_cpu_ms_per_page for r in mine)
        print(f"{n} worker(s): median {median:.0f} pages/s, {cpu:.1f} ms worker CPU per page", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in runs], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
