"""The shared request queue: scrapy-redis' sorted-set priority queue, filtered on push, popped under a lease."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis
from scrapy.http import Request
from scrapy_redis.queue import PriorityQueue

from crawler.frontier.connection import one_line
from crawler.frontier.scripts import Scripts
from crawler.frontier.serialize import JsonRequestSerializer, request_dict
from crawler.frontier.settings import RECLAIM_BATCH, Frontier

log = logging.getLogger("planwatch.crawler")


@dataclass(frozen=True)
class Claim:
    """How a request is filtered on its way into the queue (see ``FrontierDupeFilter``)."""

    mode: str  # article | entry | always
    seen_key: str
    fingerprint: str = ""
    ttl: int = 0


class LeasedQueue(PriorityQueue):
    """scrapy-redis' sorted-set priority queue, filtered on push and popped under a lease."""

    def __init__(self, server: redis.Redis, spider: Any, frontier: Frontier, scripts: Scripts) -> None:
        self.frontier = frontier
        self.k = frontier.keys(spider.name)
        self.scripts = scripts
        super().__init__(server, spider, self.k.requests, serializer=JsonRequestSerializer)

    def _encode_request(self, request: Request) -> str:
        return self.serializer.dumps(request_dict(request, self.spider))

    def push(self, request: Request) -> None:
        self.server.zadd(self.key, {self._encode_request(request): -request.priority})

    def push_claimed(self, request: Request, claim: Claim) -> bool:
        """Push unless the claim's fingerprint is taken; check and push are one atomic step."""
        pushed = self.scripts(
            "push", [claim.seen_key, self.k.requests],
            [claim.mode, claim.fingerprint, claim.ttl, self.k.entries_prefix, self._encode_request(request),
             -request.priority],
        )
        return bool(pushed)

    def pop_leased(self, count: int = 1) -> list[tuple[str, Request]]:
        """Up to ``count`` requests, highest priority first, now leased to this worker."""
        k = self.k
        found = self.scripts("pop", [k.requests, k.leases, k.leased, k.lease_seq],
                             [self.frontier.worker_id, self.frontier.lease, count])
        out = []
        for lease_id, data in zip(found[::2], found[1::2]):
            lease_id = _text(lease_id)
            try:
                out.append((lease_id, self._decode_request(data)))
            except ValueError as exc:  # a renamed callback or a foreign entry: drop it, keep crawling
                log.warning("dropped an unreadable request from %s: %s", self.key, one_line(exc))
                self.ack([lease_id])
        return out

    def push_and_ack(self, request: Request, lease_id: str) -> None:
        """Push a retry or redirect and release the lease of the request it continues, atomically."""
        pipe = self.server.pipeline(transaction=True)
        pipe.zadd(self.key, {self._encode_request(request): -request.priority})
        self.scripts("ack", [self.k.leases, self.k.leased, self.k.reclaims], [lease_id], client=pipe)
        pipe.execute()

    def ack(self, lease_ids: list[str]) -> int:
        if not lease_ids:
            return 0
        return int(self.scripts("ack", [self.k.leases, self.k.leased, self.k.reclaims], lease_ids))

    def renew(self, lease_ids: list[str]) -> int:
        if not lease_ids:
            return 0
        return int(self.scripts("renew", [self.k.leases], [self.frontier.lease, *lease_ids]))

    def release(self, lease_ids: list[str]) -> int:
        if not lease_ids:
            return 0
        return int(self.scripts("release", [self.k.requests, self.k.leases, self.k.leased], lease_ids))

    def reclaim_expired(self) -> tuple[int, int]:
        k = self.k
        back, aside = self.scripts(
            "reclaim", [k.requests, k.leases, k.leased, k.reclaims, k.set_aside, k.stats],
            [self.frontier.max_reclaims, RECLAIM_BATCH],
        )
        return int(back), int(aside)

    def sizes(self) -> tuple[int, int]:
        """(queued, leased) requests of this source, over all workers."""
        pipe = self.server.pipeline(transaction=False)
        pipe.zcard(self.k.requests)
        pipe.zcard(self.k.leases)
        queued, leased = pipe.execute()
        return int(queued), int(leased)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
