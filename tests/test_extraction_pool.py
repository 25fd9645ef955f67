"""Extraction off the crawl's core: threads for a few pages, worker processes for a backlog.

The pool is driven the way the crawler drives it, from coroutines on an asyncio
loop; the worker processes are real (forkserver). The end-to-end test crawls a
fixture site with worker processes from the first page and checks that the
stored records are exactly those a replay of the same responses (extracted in
the replaying process) stores.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from faults_support import planwatch_cmd, run_measured
from sites.news import hanbit_routes, hanbit_sources_toml
from sites.server import FixtureServer

from crawler.extraction_pool import ExtractionPool
from planwatch.extraction import extract_or_reason
from planwatch.records import Capture

PLAN_TEXT = (
    "안양시, 제4차 산업혁명 대응 기본계획 수립 착수\n"
    "안양시가 4차 산업혁명에 대응하는 5개년 기본계획(2027~2031) 수립을 위한 연구용역 착수보고회를 열었다.\n"
    "시는 이번 계획에 5대 전략과 20개 세부과제를 담을 예정이라고 밝혔다."
)


def captures(n: int) -> list[Capture]:
    return [Capture(body=f"{PLAN_TEXT}\n기사 번호 {i}번.".encode(), kind="text", url=f"http://test.invalid/{i}")
            for i in range(n)]


def dies_on_crash_url(capture: Capture):
    """Extraction that takes its worker process down on one page, as a crash in a C library would."""
    if capture.url is not None and capture.url.endswith("/crash"):
        os._exit(70)
    return extract_or_reason(capture)


async def extract_all(pool: ExtractionPool, items: list[Capture]) -> list:
    try:
        return list(await asyncio.gather(*(pool.extract(c) for c in items)))
    finally:
        pool.close()


def test_few_pages_are_extracted_in_threads():
    pool = ExtractionPool(threads=2, processes=2, backlog=8)
    items = captures(5)
    results = asyncio.run(extract_all(pool, items))
    assert pool.started_processes == 0
    assert results == [extract_or_reason(c) for c in items]


def test_a_backlog_starts_worker_processes_with_the_same_results():
    pool = ExtractionPool(threads=2, processes=2, backlog=3)
    items = captures(12)
    results = asyncio.run(extract_all(pool, items))
    assert pool.started_processes == 1
    assert results == [extract_or_reason(c) for c in items]
    article, extraction = results[0]
    assert extraction.relevance.relevant and extraction.plan is not None


def test_the_configured_families_reach_threads_and_worker_processes():
    from extractors.topics import TopicVocabulary

    only_ai = TopicVocabulary.build(watch=["ai"])
    for processes, backlog in ((0, 0), (1, 0)):
        pool = ExtractionPool(threads=1, processes=processes, backlog=backlog, vocabulary=only_ai)
        results = asyncio.run(extract_all(pool, captures(2)))
        assert pool.started_processes == processes
        for _, extraction in results:
            assert not extraction.relevance.relevant and "topic:unwatched:4ir" in extraction.relevance.reasons


def test_zero_processes_keeps_extraction_in_threads():
    pool = ExtractionPool(threads=1, processes=0, backlog=0)
    results = asyncio.run(extract_all(pool, captures(6)))
    assert pool.started_processes == 0
    assert all(not isinstance(r, str) for r in results)


def test_a_dead_worker_costs_its_pages_and_a_new_pool_takes_the_next():
    pool = ExtractionPool(threads=1, processes=1, backlog=0, extract=dies_on_crash_url)
    crash = Capture(body=PLAN_TEXT.encode(), kind="text", url="http://test.invalid/crash")

    async def run() -> tuple:
        try:
            died = await pool.extract(crash)
            after = await pool.extract(captures(1)[0])
            return died, after
        finally:
            pool.close()

    died, after = asyncio.run(run())
    assert died == "extraction failed: the extraction process died (out of memory, or a crash on this page)"
    assert not isinstance(after, str) and after[0].url == "http://test.invalid/0"
    assert pool.started_processes == 2


def test_a_refusal_crosses_the_process_boundary_as_its_reason():
    pool = ExtractionPool(threads=1, processes=1, backlog=0)
    empty = Capture(body=b"<html><body><nav>menu</nav></body></html>", kind="html", url="http://test.invalid/e")
    [reason] = asyncio.run(extract_all(pool, [empty]))
    assert reason == extract_or_reason(empty)
    assert isinstance(reason, str) and reason


# --- end to end ---------------------------------------------------------------------------------

def stored(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT canonical_url, title, text, published, relevant, relevance_score, extraction, "
                            "content_hash FROM articles").fetchall()
    return {row[0]: row[1:] for row in rows}


@pytest.mark.slow
def test_crawl_with_worker_processes_stores_what_replay_stores(tmp_path):
    with FixtureServer() as hanbit:
        hanbit.routes.update(hanbit_routes(hanbit.url("")))
        config = tmp_path / "planwatch.toml"
        config.write_text(f"""
[crawl]
allow_private_addresses = true
delay = 0
autothrottle = false
retry_backoff = 0
retries = 1
extract_processes = 2
extract_backlog = 0   # worker processes from the first page
{hanbit_sources_toml(hanbit.url)}""", encoding="utf-8")
        crawl = run_measured(planwatch_cmd(config, f"sqlite:///{tmp_path / 'live.db'}", "--log-level", "INFO",
                                           "crawl", "--json", "--no-digest", "--record", str(tmp_path / "warc")),
                             tmp_path, timeout=240, tag="crawl")
    assert crawl.returncode == 0, crawl.stderr
    assert "starting 2 extraction processes" in crawl.stderr
    replay = run_measured(planwatch_cmd(config, f"sqlite:///{tmp_path / 'replay.db'}", "replay", "--no-digest",
                                        str(tmp_path / "warc")), tmp_path, timeout=240, tag="replay")
    assert replay.returncode == 0, replay.stderr
    live, replayed = stored(tmp_path / "live.db"), stored(tmp_path / "replay.db")
    assert len(live) >= 8
    assert live == replayed
    assert sum(1 for row in live.values() if row[3]) >= 1  # plan news among them, judged the same way
    summary = json.loads(crawl.stdout)
    assert sum(s["new_articles"] for s in summary["sources"]) == len(live)


# The crawl process of the next test: starts a pool's worker processes, says so, then waits to be killed.
POOL_OWNER = """
import asyncio, sys, time
from crawler.extraction_pool import ExtractionPool
from planwatch.records import Capture

async def main():
    pool = ExtractionPool(threads=1, processes=2, backlog=0)
    await pool.extract(Capture(body="안양시 본문".encode(), kind="text", url="http://test.invalid/1"))
    print("ready", flush=True)
    time.sleep(120)

asyncio.run(main())
"""


def test_worker_processes_end_when_the_crawl_process_is_killed():
    import psutil

    owner = subprocess.Popen([sys.executable, "-c", POOL_OWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"
        descendants = psutil.Process(owner.pid).children(recursive=True)
        assert len(descendants) >= 3  # the forkserver and two workers (and multiprocessing's resource tracker)
    finally:
        owner.kill()
        owner.wait()
    gone, alive = psutil.wait_procs(descendants, timeout=15)
    assert alive == [], [p.cmdline()[-1][:80] for p in alive]
