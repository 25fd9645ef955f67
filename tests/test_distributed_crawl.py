"""A shared crawl by three ``planwatch worker`` processes over Redis, into the test database.

The fixture site (``distributed_site.NewsSite``) serves thousands of article pages on
127.0.0.1 and logs every request, so the tests count fetches per article. The
database is the suite's backend: PostgreSQL with ``PLANWATCH_TEST_DB=postgresql``
(several workers on several machines), else one SQLite file the workers share.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest
import redis
from distributed_site import NewsSite
from distributed_workers import (
    FEED_SOURCE,
    LISTING_SOURCE,
    REDIS_URL,
    child_env,
    cli,
    delete_prefix,
    enqueue,
    frontier_config,
    outstanding,
    start_workers,
    stop,
    unique_prefix,
    wait_ready,
    wait_until_done,
)
from sqlalchemy import func, select

from storage import models as m

pytestmark = [pytest.mark.slow, pytest.mark.redis]

WORKERS = 3
PLAN_IDS = range(1001, 1013)  # twelve reports of one plan's final report, side by side in the listing


@pytest.fixture
def prefix():
    name = unique_prefix()
    yield name
    delete_prefix(name)


def stored_urls(db) -> list[str]:  # type: ignore[no-untyped-def]
    with db.session(read_only=True) as session:
        return list(session.scalars(select(m.Article.url)))


def assert_clean_exit(workers) -> None:  # type: ignore[no-untyped-def]
    for w in workers:
        assert w.proc.returncode == 0, w.log_text()[-3000:]
        assert "Traceback" not in w.log_text(), w.log_text()[-3000:]
        assert "ScrapyDeprecationWarning" not in w.log_text()


def test_three_workers_fetch_every_article_once_and_the_next_round_only_the_new_ones(tmp_path, db, db_url, prefix):
    with NewsSite(2000, page_size=100, plan_ids=PLAN_IDS) as site:
        config = tmp_path / "planwatch.toml"
        # a long lease: on a busy machine a live worker must never look dead here
        config.write_text(frontier_config(site.base(), prefix, idle_timeout="60s", lease="60s"))
        workers = start_workers(config, db_url, tmp_path, WORKERS)
        try:
            started = enqueue(config, db_url, tmp_path)
            assert [(r["source"], r["round"], r["pushed"]) for r in started] == [(LISTING_SOURCE, 1, 1),
                                                                                   (FEED_SOURCE, 1, 1)]
            wait_until_done(prefix, workers, timeout=300)

            # every article fetched exactly once over all workers, every list page once, the feed once
            fetches = site.article_fetches()
            assert set(fetches) == set(range(1, 2001))
            assert max(fetches.values()) == 1, {n: c for n, c in fetches.items() if c > 1}
            assert site.listing_fetches() == {page: 1 for page in range(1, 22)}  # page 21 is the empty end
            assert site.feed_fetches() == 1

            # every item stored once
            urls = stored_urls(db)
            assert len(urls) == 2000 and set(urls) == {site.article_url(n) for n in range(1, 2001)}

            # twelve outlets' reports of one step, stored by whichever workers took them: one plan, one event
            with db.session(read_only=True) as session:
                plans = session.scalars(select(m.Plan).where(m.Plan.municipality == "수원시")).all()
                assert len(plans) == 1, [p.key for p in plans]
                events = session.scalars(select(m.PlanEvent).where(m.PlanEvent.plan_id == plans[0].id)).all()
                assert [(e.type, str(e.date)) for e in events] == [("plan_final_report", "2025-03-12")]
                sources = session.scalar(select(func.count()).select_from(m.EventSource)
                                         .where(m.EventSource.event_id == events[0].id))
                assert sources == len(PLAN_IDS)
                new_plan_items = session.scalar(select(func.count()).select_from(m.DigestItem)
                                                .where(m.DigestItem.kind == "new_plan"))
                assert new_plan_items == 1

            # the next round reads the list pages and the feed again, and fetches only what is new
            new = site.grow(150)
            site.clear_log()
            assert [r["round"] for r in enqueue(config, db_url, tmp_path)] == [2, 2]
            wait_until_done(prefix, workers, timeout=300)
            assert site.article_fetches() == {n: 1 for n in new}
            assert site.listing_fetches() == {1: 1, 2: 1, 3: 1}  # page 3 holds only known articles: paging stops
            assert site.feed_fetches() == 1
            assert len(stored_urls(db)) == 2150
        finally:
            stop(workers)
        assert_clean_exit(workers)

        # the work was shared, and every worker reports what it did
        results = [w.result() for w in workers]
        taken = [sum(s["taken"] for s in r["worker"]["spiders"]) for r in results]
        assert sum(taken) == (2000 + 21 + 1) + (150 + 3 + 1), taken
        assert sum(1 for t in taken if t > 0) >= 2, taken
        assert sum(r["totals"]["new_articles"] for r in results) == 2150


def test_a_worker_killed_mid_crawl_loses_nothing(tmp_path, db, db_url, prefix):
    from click.testing import CliRunner

    from planwatch.cli import main

    with NewsSite(600, page_size=100) as site:
        config = tmp_path / "planwatch.toml"
        config.write_text(frontier_config(site.base(), prefix, lease="6s", concurrency=8))
        # three processes share the crawl: two workers (waiting for work), then `crawl --distributed`,
        # which begins the round, works on it too and stops by itself once the round is done
        workers = start_workers(config, db_url, tmp_path, 2, "--idle-timeout", "60s")
        victim, survivor = workers
        client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
        crawling = None
        try:
            wait_ready(workers)
            crawling = subprocess.Popen(cli(config, db_url, "crawl", "--distributed", "--no-digest", "--json"),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env=child_env(), cwd=tmp_path)
            owner = f"{socket.gethostname()}:{victim.pid}:"
            leases_key, leased_key = f"{prefix}:{LISTING_SOURCE}:leases", f"{prefix}:{LISTING_SOURCE}:leased"

            # kill a worker while it holds requests, after a quarter of the crawl
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                holds = any(lease.startswith(owner) for lease in client.zrange(leases_key, 0, -1))
                if len(site.article_fetches()) >= 150 and holds:
                    victim.kill()
                    break
                time.sleep(0.02)
            else:
                pytest.fail("the worker never held a request mid-crawl")
            victim.wait(10)
            # what it held when it died (read at once: its leases expire seconds later)
            held = [lease for lease in client.zrange(leases_key, 0, -1) if lease.startswith(owner)]
            orphans = [value.split(" ", 1)[1] for value in client.hmget(leased_key, held) if value]
            held_urls = {url for url in (_url_of(data) for data in orphans) if url}
            assert held_urls, "the killed worker held nothing"

            out, err = crawling.communicate(timeout=120)  # it idles out once the round is done
            assert outstanding(prefix) == 0
        finally:
            stop([survivor])
            for process in (crawling, victim.proc):
                if process is not None and process.poll() is None:
                    process.kill()
        assert crawling.returncode == 0, err
        assert_clean_exit([survivor])

        # the others took its requests back and finished the crawl: nothing lost, nothing stored twice
        urls = stored_urls(db)
        assert len(urls) == 600 and set(urls) == {site.article_url(n) for n in range(1, 601)}
        fetches = site.article_fetches()
        assert set(fetches) == set(range(1, 601))
        twice = {site.article_url(n) for n, count in fetches.items() if count > 1}
        assert twice <= held_urls, twice - held_urls  # only what the killed worker had in hand is fetched again
        assert int(client.hget(f"{prefix}:{LISTING_SOURCE}:stats", "reclaimed") or 0) >= 1
        client.close()

        # `crawl --distributed` began round 1 of both sources; the frontier is empty now
        summary = json.loads(out)
        assert {s["source"]: s["round"] for s in summary["worker"]["spiders"]} == {LISTING_SOURCE: 1, FEED_SOURCE: 1}
        assert summary["totals"]["new_articles"] > 0
        status = CliRunner().invoke(main, ["--config", str(config), "--db", db_url, "enqueue", "--status", "--json"])
        assert status.exit_code == 0, status.output
        assert [(r["source"], r["round"], r["queued"], r["leased"]) for r in json.loads(status.stdout)] == [
            (LISTING_SOURCE, 1, 0, 0), (FEED_SOURCE, 1, 0, 0)]


def _url_of(data: str) -> str | None:
    try:
        return json.loads(data)["url"]
    except (ValueError, KeyError):
        return None
