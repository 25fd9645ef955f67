"""Where the shared frontier lives and how workers use it: ``[distributed]`` as one frozen record, and its Redis key names."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import asdict, dataclass
from typing import Any, Literal

Mode = Literal["seed", "work", "both"]  # push start requests only / take requests only / both
LEASE_META = "planwatch_lease"  # the lease a popped request is held under (never stored in Redis)
PASSWORD_ENV = "PLANWATCH_REDIS_PASSWORD"
SETTING = "PLANWATCH_FRONTIER"  # the Scrapy setting carrying a Frontier as a dict
REDIS_TIMEOUT = 10.0  # seconds for one Redis command: a worker must not hang on a dead server
TRIM_EVERY = 600.0  # seconds between trimming expired article fingerprints
RECLAIM_BATCH = 500  # expired leases put back per call
PREFETCH_MAX = 8  # requests leased in one round trip, at most
ACK_BATCH = 32  # finished requests released in one round trip, at most
ACK_DELAY = 0.05  # seconds a finished request waits for others to be released with
RETRY_LATER_STATUSES = frozenset({408, 429})  # like 5xx: worth another try in a later round


class FrontierError(Exception):
    """Redis cannot be reached or used; one line."""


@dataclass(frozen=True)
class Frontier:
    """Where the shared frontier lives and how workers use it (from ``[distributed]`` plus options)."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    prefix: str = "planwatch"
    mode: Mode = "work"
    idle_timeout: float = 60.0
    lease: float = 120.0
    poll_interval: float = 1.0
    article_ttl: float = 30 * 86400.0
    round_ttl: float = 7 * 86400.0
    max_reclaims: int = 3
    worker_id: str = ""

    @classmethod
    def from_config(cls, settings: Any, *, mode: Mode = "work", redis_url: str | None = None,
                    idle_timeout: float | None = None, prefix: str | None = None) -> Frontier:
        """From ``config.distributed``; explicit arguments (command-line options) win."""
        from planwatch.config import parse_duration

        return cls(
            redis_url=redis_url or settings.redis_url,
            prefix=prefix or settings.key_prefix,
            mode=mode,
            idle_timeout=idle_timeout if idle_timeout is not None else parse_duration(settings.idle_timeout),
            lease=parse_duration(settings.lease),
            poll_interval=settings.poll_interval,
            article_ttl=parse_duration(settings.article_ttl),
            round_ttl=parse_duration(settings.round_ttl),
            max_reclaims=settings.max_reclaims,
            worker_id=new_worker_id(),
        )

    @classmethod
    def from_settings(cls, settings: Any) -> Frontier:
        values = settings.getdict(SETTING)
        if not values:
            raise FrontierError(f"the distributed scheduler needs the {SETTING} setting")
        return cls(**values)

    def scrapy_settings(self) -> dict[str, Any]:
        """What a spider class needs on top of ``crawler.settings.build_settings`` to use this frontier."""
        return {
            "SCHEDULER": "crawler.frontier.scheduler.DistributedScheduler",
            SETTING: asdict(self),
            "SPIDER_MIDDLEWARES": {"crawler.frontier.scheduler.DistributedStartMiddleware": 10},
            # A worker lives for many rounds and takes leased requests: dropping one past a per-process
            # budget would lose it. The frontier bounds a round instead (entry pages once, articles once).
            "PLANWATCH_REQUEST_BUDGET": False,
        }

    def display_url(self) -> str:
        return self.redis_url

    def keys(self, source: str) -> FrontierKeys:
        return FrontierKeys(self.prefix, source)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


@dataclass(frozen=True)
class FrontierKeys:
    prefix: str
    source: str

    def _key(self, name: str) -> str:
        return f"{self.prefix}:{self.source}:{name}"

    @property
    def requests(self) -> str:
        return self._key("requests")

    @property
    def leases(self) -> str:
        return self._key("leases")

    @property
    def leased(self) -> str:
        return self._key("leased")

    @property
    def round(self) -> str:
        return self._key("round")

    @property
    def entries_prefix(self) -> str:
        return self._key("entries:")

    @property
    def reclaims(self) -> str:
        return self._key("reclaims")

    @property
    def set_aside(self) -> str:
        return self._key("set_aside")

    @property
    def stats(self) -> str:
        return self._key("stats")

    @property
    def lease_seq(self) -> str:
        return self._key("lease_seq")

    @property
    def articles(self) -> str:
        return f"{self.prefix}:articles"
