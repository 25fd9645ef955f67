"""Starting a crawl round on the shared frontier, and looking at the frontier's state.

``enqueue_sources`` is ``planwatch enqueue``: for each source it begins a new round
(so its feed, sitemap, listing and search pages may be fetched again) and pushes the
start requests the source's spider makes, exactly as a local crawl would start
(conditional feed requests included), into the source's Redis queue. It downloads
nothing; the workers do. It runs the spiders' ``start()`` under Scrapy, so, like a
crawl, it needs a fresh process.

``frontier_status`` reads, without changing anything, what is queued, leased and set
aside per source.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from crawler.frontier import Frontier, FrontierError, check_redis, connect, current_round, one_line
from crawler.summary import CrawlSummary
from crawler.worker import FrontierRun, SpiderRun
from planwatch.config import Config


@dataclass
class SourceFrontier:
    """One source's part of the shared frontier, as ``planwatch enqueue --status`` prints it."""

    source: str
    round: int
    queued: int
    leased: int
    set_aside: int
    reclaimed: int


def enqueue_sources(
    config: Config, db_url: str, source_names: list[str] | tuple[str, ...] | None = None, *, frontier: Frontier
) -> list[SpiderRun]:
    """Begin a round of each source (all enabled ones when none are named); one ``SpiderRun`` per source."""
    return _begin_rounds(config, db_url, source_names, frontier).spiders


def seed_round(config: Config, db_url: str, source_name: str) -> CrawlSummary:
    """The service's crawl job in distributed mode: begin one source's round for the workers.

    Redis comes from ``[distributed]`` or ``$PLANWATCH_REDIS_URL`` (as for ``planwatch enqueue``).
    """
    import os

    frontier = Frontier.from_config(config.distributed, mode="seed",
                                    redis_url=os.environ.get("PLANWATCH_REDIS_URL") or None)
    return _begin_rounds(config, db_url, [source_name], frontier).summary


def _begin_rounds(config: Config, db_url: str, source_names: list[str] | tuple[str, ...] | None,
                  frontier: Frontier) -> FrontierRun:
    from dataclasses import replace

    from crawler.runner import select_sources
    from crawler.worker import run_spiders

    sources = select_sources(config, source_names)
    check_redis(frontier.redis_url)
    return run_spiders(config, db_url, sources, replace(frontier, mode="seed"))


def frontier_status(config: Config, source_names: list[str] | tuple[str, ...] | None, *,
                    frontier: Frontier) -> list[SourceFrontier]:
    from crawler.runner import select_sources

    sources = select_sources(config, source_names)
    try:
        server = connect(frontier.redis_url)
        out = []
        for source in sources:
            keys = frontier.keys(source.name)
            pipe = server.pipeline(transaction=False)
            pipe.zcard(keys.requests)
            pipe.zcard(keys.leases)
            pipe.llen(keys.set_aside)
            pipe.hget(keys.stats, "reclaimed")
            queued, leased, aside, reclaimed = pipe.execute()
            out.append(SourceFrontier(source.name, current_round(server, keys), int(queued), int(leased),
                                      int(aside), int(reclaimed or 0)))
        server.close()
        return out
    except (redis.RedisError, OSError) as exc:
        raise FrontierError(f"cannot read the frontier at {frontier.redis_url}: {one_line(exc)}") from None
