"""The shared crawl frontier in Redis: one request queue and duplicate filter for N worker processes.

scrapy-redis 0.9.1 supplies the shape (a Redis scheduler, a sorted-set priority queue, a
Redis duplicate filter); this module adapts its classes to Scrapy 2.19 and to what
planwatch needs from a shared crawl:

- **Scrapy 2.19.** Components are built with ``from_crawler`` (scrapy-redis' ``from_settings``
  and ``from_spider`` paths are deprecated); stats are counted without the removed ``spider``
  argument; the queue is never popped with a blocking ``BRPOP`` (it would freeze the
  reactor): an empty queue is looked at again every ``poll_interval`` seconds instead; the
  queue is never flushed on close (scrapy-redis' default would delete the other workers'
  queue when the first worker stops); requests are stored as JSON, not pickles, so
  whoever can write to Redis cannot run code in the workers.
- **Entry pages once per round, articles once ever.** ``planwatch enqueue`` (and
  ``crawl --distributed``) starts a new *round* of each source and pushes its start
  requests. Feed, sitemap, listing and search pages are fingerprinted per round (a set
  that expires after ``round_ttl``), so the next round reads them again. Article requests
  are fingerprinted by canonical URL in one sorted set shared by all sources, scored with
  the time they were first taken, so an article is fetched once by one worker even when
  several sources list it; an entry older than ``article_ttl`` is forgotten (the
  database remembers stored articles for good, and the spiders ask it first). An
  article whose download failed is forgotten at once, so a later round tries it again.
- **Nothing lost when a worker dies.** Popping a request *leases* it: the request moves
  atomically from the queue to a lease table with a deadline (Redis server time, so
  clocks of different machines do not matter). The worker renews the leases of what it
  has in flight every third of ``lease`` and releases a lease when Scrapy has finished
  with the response: the callback ran, its new requests are in the queue and its items
  went through the item pipeline into the database. A lease that is not renewed (the
  worker was killed, its machine lost power) expires, and any worker puts the request
  back into the queue. A request that comes back ``max_reclaims`` times is set aside in a
  list instead of killing more workers. A retry or a redirect carries its parent's lease:
  pushing it releases the parent. To keep Redis round trips few, a worker leases up to a
  quarter of its ``concurrency`` at once and releases finished requests in batches (within
  50 ms); what a killed worker had not released yet is simply done again by another.
- **Workers stop by themselves.** A worker whose queues are empty keeps polling while any
  request of its sources is leased (the worker holding it may still produce new ones, or
  die and leave it to be reclaimed). After ``idle_timeout`` with nothing queued and
  nothing leased for *any* of its sources, all its spiders close and the process ends; a
  source quiet for long keeps its spider while another source has work, so a long-lived
  worker is still there for every source when the next round starts.

Redis keys, under ``<prefix>`` (``[distributed] key_prefix``):

=================================  ======  ==================================================
``<prefix>:<source>:requests``     zset    queued requests (JSON), score = -priority
``<prefix>:<source>:leases``       zset    lease id -> deadline (Redis time, seconds)
``<prefix>:<source>:leased``       hash    lease id -> "score request-json"
``<prefix>:<source>:round``        string  the source's current round number
``<prefix>:<source>:entries:<n>``  set     entry-page fingerprints of round n (expires)
``<prefix>:<source>:reclaims``     hash    request digest -> times reclaimed
``<prefix>:<source>:set_aside``    list    requests that came back ``max_reclaims`` times
``<prefix>:<source>:stats``        hash    reclaimed, set_aside counters
``<prefix>:<source>:lease_seq``    string  lease id counter
``<prefix>:articles``              zset    article fingerprints -> first taken (Redis time)
=================================  ======  ==================================================
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import socket
import time
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal, cast

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.python.failure import Failure

log = logging.getLogger("planwatch.crawler")

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


# --- settings ---------------------------------------------------------------------------------


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
            "SCHEDULER": "crawler.distributed.DistributedScheduler",
            SETTING: asdict(self),
            "SPIDER_MIDDLEWARES": {"crawler.distributed.DistributedStartMiddleware": 10},
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


# --- connection -------------------------------------------------------------------------------


def connect(redis_url: str) -> redis.Redis:
    """A client for ``redis_url``; the password, if any, comes from ``$PLANWATCH_REDIS_PASSWORD``."""
    from scrapy_redis.connection import get_redis

    extra = {"password": os.environ[PASSWORD_ENV]} if os.environ.get(PASSWORD_ENV) else {}
    return get_redis(
        url=redis_url,
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
        retry_on_timeout=True,
        health_check_interval=30,
        **extra,
    )


def check_redis(redis_url: str) -> None:
    """Raise ``FrontierError`` (one line) unless Redis answers at ``redis_url``."""
    try:
        client = connect(redis_url)
        client.ping()
        client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise FrontierError(f"cannot reach Redis at {redis_url}: {one_line(exc)}") from None


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- requests as JSON -------------------------------------------------------------------------


class JsonRequestSerializer:
    """``loads``/``dumps`` for scrapy-redis queues: a request dict as tagged JSON, not a pickle.

    bytes become ``{"$b": base64}``, datetimes ``{"$dt": iso}``, dicts with non-string keys
    (headers) ``{"$d": [[k, v], ...]}``. Keys are sorted, so two equal requests are equal
    strings and the sorted-set queue holds them once.
    """

    @staticmethod
    def dumps(obj: dict[str, Any]) -> str:
        if obj.get("_class"):
            raise TypeError(f"only plain scrapy.Request objects go into the shared queue, not {obj['_class']}")
        obj = dict(obj)
        obj["meta"] = shareable_meta(obj.get("meta") or {})
        return json.dumps(to_json_value(obj), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def loads(data: bytes | str) -> dict[str, Any]:
        obj = from_json_value(json.loads(data))
        if not isinstance(obj, dict) or "url" not in obj or obj.get("_class"):
            raise ValueError("not a request of the shared queue")
        return obj


def shareable_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The request meta without the lease and without values JSON cannot carry (logged, dropped)."""
    out = {}
    for key, value in meta.items():
        if key == LEASE_META:
            continue
        try:
            to_json_value(value)
        except TypeError:
            log.debug("meta %r (%s) is not shared between workers", key, type(value).__name__)
            continue
        out[key] = value
    return out


def to_json_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: to_json_value(v) for k, v in value.items()}
        return {"$d": [[to_json_value(k), to_json_value(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    raise TypeError(f"a {type(value).__name__} cannot go into the shared queue")


def from_json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [from_json_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, inner), = value.items()
        if tag == "$b":
            return base64.b64decode(inner)
        if tag == "$dt":
            return datetime.fromisoformat(inner)
        if tag == "$d":
            return {_hashable(from_json_value(k)): from_json_value(v) for k, v in inner}
    return {k: from_json_value(v) for k, v in value.items()}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# --- Redis scripts ----------------------------------------------------------------------------
# Each script is one atomic step and one round trip. They read the clock with TIME, so
# every worker, on any machine, measures leases and TTLs against the same clock.

CLAIM_LUA = """
local function claim(mode, seen_key, fingerprint, ttl, entries_prefix)
    if mode == 'article' then
        local now = tonumber(redis.call('TIME')[1])
        local seen = redis.call('ZSCORE', seen_key, fingerprint)
        if seen and tonumber(seen) > now - tonumber(ttl) then return 0 end
        redis.call('ZADD', seen_key, now, fingerprint)
    elseif mode == 'entry' then
        local key = entries_prefix .. (redis.call('GET', seen_key) or '0')
        if redis.call('SADD', key, fingerprint) == 0 then return 0 end
        redis.call('EXPIRE', key, tonumber(ttl))
    end
    return 1
end
"""

SCRIPTS: dict[str, str] = {
    # KEYS: seen key (articles zset, or the round counter for entries)
    # ARGV: mode (article | entry | always), fingerprint, ttl, entries key prefix — 1 when new
    "claim": CLAIM_LUA + "return claim(ARGV[1], KEYS[1], ARGV[2], ARGV[3], ARGV[4])",
    # KEYS: seen key, requests | ARGV: as "claim", then request json, score — 1 when pushed
    "push": CLAIM_LUA + """
        if claim(ARGV[1], KEYS[1], ARGV[2], ARGV[3], ARGV[4]) == 0 then return 0 end
        redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])
        return 1
    """,
    # KEYS: requests, leases, leased, lease_seq | ARGV: owner, lease seconds, how many
    # -> {lease id, request json, ...}, highest priority first
    "pop": """
        local top = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
        if #top == 0 then return {} end
        local t = redis.call('TIME')
        local deadline = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[2])
        local out = {}
        for i = 1, #top, 2 do
            redis.call('ZREM', KEYS[1], top[i])
            local id = ARGV[1] .. '/' .. redis.call('INCR', KEYS[4])
            redis.call('ZADD', KEYS[2], deadline, id)
            redis.call('HSET', KEYS[3], id, top[i + 1] .. ' ' .. top[i])
            out[#out + 1] = id
            out[#out + 1] = top[i]
        end
        return out
    """,
    # KEYS: leases, leased, reclaims | ARGV: lease ids — the requests are done
    "ack": """
        local done = 0
        for _, id in ipairs(ARGV) do
            local v = redis.call('HGET', KEYS[2], id)
            if v then
                local sp = string.find(v, ' ', 1, true)
                redis.call('HDEL', KEYS[3], redis.sha1hex(string.sub(v, sp + 1)))
                redis.call('HDEL', KEYS[2], id)
                done = done + 1
            end
            redis.call('ZREM', KEYS[1], id)
        end
        return done
    """,
    # KEYS: leases | ARGV: lease seconds, lease ids — how many were still held
    "renew": """
        local t = redis.call('TIME')
        local deadline = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
        local kept = 0
        for i = 2, #ARGV do
            kept = kept + redis.call('ZADD', KEYS[1], 'XX', 'CH', deadline, ARGV[i])
        end
        return kept
    """,
    # KEYS: requests, leases, leased | ARGV: lease ids — a stopping worker hands its requests back now
    "release": """
        local back = 0
        for _, id in ipairs(ARGV) do
            local v = redis.call('HGET', KEYS[3], id)
            if v then
                local sp = string.find(v, ' ', 1, true)
                redis.call('ZADD', KEYS[1], string.sub(v, 1, sp - 1), string.sub(v, sp + 1))
                redis.call('HDEL', KEYS[3], id)
                back = back + 1
            end
            redis.call('ZREM', KEYS[2], id)
        end
        return back
    """,
    # KEYS: requests, leases, leased, reclaims, set_aside, stats | ARGV: max reclaims, batch
    # -> {put back, set aside}: expired leases (their worker is gone) return to the queue
    "reclaim": """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
        local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
        local back, aside = 0, 0
        for _, id in ipairs(ids) do
            local v = redis.call('HGET', KEYS[3], id)
            if v then
                local sp = string.find(v, ' ', 1, true)
                local data = string.sub(v, sp + 1)
                local digest = redis.sha1hex(data)
                if redis.call('HINCRBY', KEYS[4], digest, 1) > tonumber(ARGV[1]) then
                    redis.call('RPUSH', KEYS[5], data)
                    redis.call('HDEL', KEYS[4], digest)
                    aside = aside + 1
                else
                    redis.call('ZADD', KEYS[1], string.sub(v, 1, sp - 1), data)
                    back = back + 1
                end
                redis.call('HDEL', KEYS[3], id)
            end
            redis.call('ZREM', KEYS[2], id)
        end
        if back > 0 then redis.call('HINCRBY', KEYS[6], 'reclaimed', back) end
        if aside > 0 then redis.call('HINCRBY', KEYS[6], 'set_aside', aside) end
        return {back, aside}
    """,
    # KEYS: articles | ARGV: ttl seconds — forget fingerprints taken longer ago
    "trim_articles": """
        local now = tonumber(redis.call('TIME')[1])
        return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
    """,
}


class Scripts:
    def __init__(self, server: redis.Redis) -> None:
        self._scripts = {name: server.register_script(body) for name, body in SCRIPTS.items()}

    def __call__(self, name: str, keys: list[str], args: list[Any], client: Any = None) -> Any:
        return self._scripts[name](keys=keys, args=args, client=client)


def start_round(server: redis.Redis, keys: FrontierKeys) -> int:
    """Begin a new crawl round of a source: its entry pages may be fetched again."""
    return int(server.incr(keys.round))


def current_round(server: redis.Redis, keys: FrontierKeys) -> int:
    return int(server.get(keys.round) or 0)


# --- requests in and out of the queue ---------------------------------------------------------


def request_dict(request: Request, spider: Any) -> dict[str, Any]:
    """``Request.to_dict(spider=...)`` without its search through every attribute of the spider."""
    data: dict[str, Any] = {
        "url": request.url,
        "callback": method_name(spider, request.callback),
        "errback": method_name(spider, request.errback),
        "headers": dict(request.headers),
    }
    for attribute in request.attributes:
        data.setdefault(attribute, getattr(request, attribute))
    if type(request) is not Request:
        data["_class"] = f"{type(request).__module__}.{type(request).__name__}"
    return data


def method_name(spider: Any, func: Any) -> str | None:
    if func is None or isinstance(func, str):
        return func
    name = getattr(func, "__name__", None)
    if name and getattr(func, "__self__", None) is spider:
        return name
    raise ValueError(f"{func!r} is not a method of the spider {spider.name}; it cannot go into the shared queue")


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


# --- duplicate filter -------------------------------------------------------------------------


class FrontierDupeFilter(RFPDupeFilter):
    """Articles once (by canonical URL, shared by all sources, with a TTL); entry pages once per round."""

    def __init__(self, server: redis.Redis, frontier: Frontier, keys: FrontierKeys, scripts: Scripts,
                 fingerprinter: Any, debug: bool = False) -> None:
        super().__init__(server, keys.articles, debug=debug)
        self.frontier = frontier
        self.k = keys
        self.scripts = scripts
        self.fingerprinter = fingerprinter

    def claim_for(self, request: Request) -> Claim:
        if is_article(request):
            if request.dont_filter:
                return Claim("always", self.k.articles)
            return Claim("article", self.k.articles, self.article_fingerprint(request), int(self.frontier.article_ttl))
        # Entry pages are dont_filter for Scrapy's own filter (they are read on every run);
        # here they are filtered within their round.
        return Claim("entry", self.k.round, self.request_fingerprint(request), int(self.frontier.round_ttl))

    def request_seen(self, request: Request) -> bool:
        claim = self.claim_for(request)
        return not self.scripts("claim", [claim.seen_key],
                                [claim.mode, claim.fingerprint, claim.ttl, self.k.entries_prefix])

    def article_fingerprint(self, request: Request) -> str:
        """The canonical URL's digest: tracking parameters and http/https spellings are one article."""
        canonical = request.meta.get("planwatch_canonical") or request.url
        return hashlib.sha1(canonical.encode("utf-8")).hexdigest()

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def forget(self, request: Request) -> None:
        """Let a later round take this article again (its download failed)."""
        self.server.zrem(self.k.articles, self.article_fingerprint(request))

    def trim(self) -> int:
        return int(self.scripts("trim_articles", [self.k.articles], [int(self.frontier.article_ttl)]))

    def clear(self) -> None:  # the fingerprints are shared: a closing worker keeps them
        pass

    def close(self, reason: str = "") -> None:
        pass


def is_article(request: Request) -> bool:
    return request.meta.get("planwatch_role") == "article"


def failed_for_now(result: Response | Failure) -> bool:
    """True when the page should be tried again later: a download error, a 5xx, 408 or 429."""
    if isinstance(result, Failure):
        return not result.check(IgnoreRequest)
    return result.status >= 500 or result.status in RETRY_LATER_STATUSES


def call_later(delay: float, func: Any) -> Any:
    from twisted.internet import reactor

    return cast(Any, reactor).callLater(delay, func)


def finish_outcome(request: Request, result: Response | Failure, page_failed: bool) -> str:
    """What becomes of a finished request's lease.

    ``release``: done. ``forget``: done, and its article may be taken again by a later
    round (the download failed for now). ``expire``: downloaded but the spider could not
    process or store it (``page_failed``): the lease is left to run out, so another worker
    tries again after ``lease`` seconds (at most ``max_reclaims`` times, then it is set aside).
    """
    if page_failed and isinstance(result, Response) and result.status < 400:
        return "expire"
    if is_article(request) and failed_for_now(result):
        return "forget"
    return "release"


# --- scheduler --------------------------------------------------------------------------------


class WorkerSpiders:
    """The frontier schedulers of this process, to decide idleness for the worker as a whole."""

    def __init__(self) -> None:
        self._schedulers: list[DistributedScheduler] = []

    def add(self, scheduler: DistributedScheduler) -> None:
        self._schedulers.append(scheduler)

    def remove(self, scheduler: DistributedScheduler) -> None:
        if scheduler in self._schedulers:
            self._schedulers.remove(scheduler)

    def quiet_since(self) -> float | None:
        """Since when every source of this worker has had nothing queued or leased; None while one has."""
        marks = [s.idle_since for s in self._schedulers]
        if not marks or any(mark is None for mark in marks):
            return None
        return max(mark for mark in marks if mark is not None)


WORKER_SPIDERS = WorkerSpiders()
_SHARED_CLIENTS: dict[str, redis.Redis] = {}


def shared_client(redis_url: str) -> redis.Redis:
    """One client (one connection pool) per Redis for all the spiders of a worker process."""
    if redis_url not in _SHARED_CLIENTS:
        _SHARED_CLIENTS[redis_url] = connect(redis_url)
    return _SHARED_CLIENTS[redis_url]


class DistributedScheduler(Scheduler):
    """scrapy-redis' scheduler with leases, per-round entry pages, polling and idle exit (see module doc)."""

    def __init__(self, crawler: Any, server: redis.Redis, frontier: Frontier) -> None:
        super().__init__(server, persist=True, flush_on_start=False, idle_before_close=0,
                         serializer=JsonRequestSerializer)
        self.crawler = crawler
        self.stats = crawler.stats
        self.frontier = frontier
        self.scripts = Scripts(server)
        # A few requests are leased at once (one round trip); the engine takes them one by one.
        self.prefetch = max(1, min(PREFETCH_MAX, crawler.settings.getint("CONCURRENT_REQUESTS", 16) // 4))
        self.ready: deque[Request] = deque()
        self.in_flight: dict[str, float] = {}  # lease id -> when taken (monotonic)
        self.acks: list[str] = []  # finished, released in the next batch
        self.failed_urls: set[str] = set()  # pages the spider reported as failed, until their request finishes
        self.queue_looked_empty = False
        self.idle_since: float | None = None
        self.last_trim = 0.0
        self._tender: Any = None
        self._wakeup: Any = None
        self._ack_call: Any = None
        self._redis_down_logged = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> DistributedScheduler:
        frontier = Frontier.from_settings(crawler.settings)
        server = shared_client(frontier.redis_url)
        try:
            server.ping()
        except redis.RedisError as exc:
            raise FrontierError(f"cannot reach Redis at {frontier.redis_url}: {one_line(exc)}") from None
        return cls(crawler, server, frontier)

    @property
    def works(self) -> bool:
        return self.frontier.mode in ("work", "both")

    @property
    def seeds(self) -> bool:
        return self.frontier.mode in ("seed", "both")

    # --- lifecycle -------------------------------------------------------------------------

    def open(self, spider: Any) -> None:
        self.spider = spider
        keys = self.frontier.keys(spider.name)
        self.queue = LeasedQueue(self.server, spider, self.frontier, self.scripts)
        self.df = FrontierDupeFilter(self.server, self.frontier, keys, self.scripts,
                                     self.crawler.request_fingerprinter,
                                     debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        if self.seeds:
            number = start_round(self.server, keys)
            self.stats.set_value("planwatch/round", number)
            log.info("source %s: crawl round %d", spider.name, number)
        if not self.works:
            return
        self.crawler.signals.connect(self._watch_finished_responses, signal=signals.spider_opened)
        self.crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        WORKER_SPIDERS.add(self)
        self._tend()
        from twisted.internet import task

        self._tender = task.LoopingCall(self._tend)
        self._tender.start(max(0.2, min(self.frontier.lease / 3, 30.0)), now=False)

    def close(self, reason: str) -> None:
        WORKER_SPIDERS.remove(self)
        if self._tender is not None and self._tender.running:
            self._tender.stop()
        for call in (self._wakeup, self._ack_call):
            if call is not None and call.active():
                call.cancel()
        self._flush_acks()
        if self.in_flight:
            try:
                back = self.queue.release(list(self.in_flight))
                log.info("source %s: %d unfinished requests handed back to the queue", self.spider.name, back)
            except redis.RedisError as exc:
                log.warning("source %s: could not hand back %d requests (%s); they return when their lease "
                            "expires", self.spider.name, len(self.in_flight), one_line(exc))
            self.in_flight.clear()
            self.ready.clear()

    # --- the engine's side -----------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        parent = request.meta.pop(LEASE_META, None)
        try:
            if parent is not None and parent in self.in_flight:
                return self._continue(request, parent)
            pushed = self.queue.push_claimed(request, self.df.claim_for(request))
        except redis.RedisError as exc:
            self._redis_failed("push", exc)
            raise
        if not pushed:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue_looked_empty = False
        return True

    def _continue(self, request: Request, parent: str) -> bool:
        """A retry or redirect of a leased request: push it and release the parent in one step.

        It is not filtered again: the parent took the article's fingerprint already (a
        redirect to an article stored meanwhile is dropped by ``KnownArticleMiddleware``).
        """
        self.queue.push_and_ack(request, parent)
        self.in_flight.pop(parent, None)
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue_looked_empty = False
        return True

    def next_request(self) -> Request | None:
        if not self.works:
            return None
        if not self.ready:
            try:
                popped = self.queue.pop_leased(self.prefetch)
            except redis.RedisError as exc:
                self._redis_failed("pop", exc)
                popped = []
            if not popped:
                self.queue_looked_empty = True
                self._wake_later()
                return None
            self._redis_down_logged = False
            now = time.monotonic()
            for lease_id, request in popped:
                request.meta[LEASE_META] = lease_id
                self.in_flight[lease_id] = now
                self.ready.append(request)
        self.queue_looked_empty = False
        self.idle_since = None
        self.stats.inc_value("scheduler/dequeued/redis")
        return self.ready.popleft()

    def has_pending_requests(self) -> bool:
        # What the last look at the queue said: asking Redis every time the engine wonders
        # would cost a round trip per response.
        return self.works and (bool(self.ready) or not self.queue_looked_empty)

    # --- finishing a request ----------------------------------------------------------------

    def _watch_finished_responses(self, spider: Any) -> None:
        """Hook the point where Scrapy is done with a response: callback, new requests and items all handled.

        Scrapy has no signal for it; the scraper slot's ``finish_response`` is called then,
        for responses and failures alike (read in Scrapy 2.19's scraper).
        """
        if spider is not self.spider:
            return
        slot = getattr(getattr(self.crawler.engine, "scraper", None), "slot", None)
        original = getattr(slot, "finish_response", None)
        if slot is None or original is None:
            raise FrontierError("this Scrapy version has no scraper slot to follow finished requests; "
                                "the distributed mode is tested with Scrapy 2.19")

        def finish_response(result: Response | Failure, request: Request) -> None:
            try:
                self.request_finished(request, result)
            finally:
                original(result, request)

        slot.finish_response = finish_response
        self._watch_failed_pages(spider)

    def _watch_failed_pages(self, spider: Any) -> None:
        """Note the pages the spider counts as failed (``SourceSpider.page_failed``): download or processing."""
        report = getattr(spider, "page_failed", None)
        if report is None:
            return

        def page_failed(url: str, reason: str) -> None:
            self.failed_urls.add(url)
            report(url, reason)

        spider.page_failed = page_failed

    def request_finished(self, request: Request, result: Response | Failure) -> None:
        lease_id = request.meta.get(LEASE_META)
        if lease_id is None or self.in_flight.pop(lease_id, None) is None:
            return
        urls = {request.url, result.url} if isinstance(result, Response) else {request.url}
        outcome = finish_outcome(request, result, bool(urls & self.failed_urls))
        self.failed_urls.difference_update(urls)
        if outcome == "expire":
            log.info("source %s: %s failed after download; it is tried again once its lease expires",
                     self.spider.name, request.url)
            return
        if outcome == "forget":
            try:
                self.df.forget(request)
            except redis.RedisError as exc:
                self._redis_failed("forget", exc)
        self.acks.append(lease_id)
        if len(self.acks) >= ACK_BATCH:
            self._flush_acks()
        elif self._ack_call is None or not self._ack_call.active():
            self._ack_call = call_later(ACK_DELAY, self._flush_acks)

    def _flush_acks(self) -> None:
        acks, self.acks = self.acks, []
        try:
            self.queue.ack(acks)
        except redis.RedisError as exc:
            # The leases expire and another worker does those requests again: nothing is lost.
            self._redis_failed("release", exc)

    # --- leases, polling and idling ---------------------------------------------------------

    def _tend(self) -> None:
        """Renew this worker's leases, put expired ones (of dead workers) back, trim old fingerprints."""
        try:
            if self.in_flight:
                kept = self.queue.renew(list(self.in_flight))
                if kept < len(self.in_flight):
                    log.warning("source %s: %d leases expired before they were renewed (was the worker stalled?); "
                                "those requests may be fetched twice", self.spider.name, len(self.in_flight) - kept)
            back, aside = self.queue.reclaim_expired()
            if back:
                log.info("source %s: %d requests of a stopped worker are back in the queue", self.spider.name, back)
                self.queue_looked_empty = False
                self._wake_later(0.0)
            if aside:
                log.warning("source %s: %d requests set aside after %d reclaims (see %s)", self.spider.name, aside,
                            self.frontier.max_reclaims, self.queue.k.set_aside)
            now = time.monotonic()
            if now - self.last_trim > TRIM_EVERY:
                self.last_trim = now
                self.df.trim()
        except redis.RedisError as exc:
            self._redis_failed("lease upkeep", exc)

    def _on_idle(self, spider: Any) -> None:
        if spider is not self.spider:
            return
        try:
            queued, leased = self.queue.sizes()
        except redis.RedisError as exc:
            self._redis_failed("idle check", exc)
            queued, leased = 0, 0
        now = time.monotonic()
        if queued or leased:
            self.idle_since = None
        elif self.idle_since is None:
            self.idle_since = now
        # The worker stops as a whole: a source quiet for long keeps its spider open while
        # another source of the process has work, so the next round finds it still there.
        quiet_since = WORKER_SPIDERS.quiet_since()
        if quiet_since is None or now - quiet_since < self.frontier.idle_timeout:
            self._wake_later()
            raise DontCloseSpider
        log.info("source %s: nothing queued or leased for any source of this worker for %.0f s; it stops",
                 spider.name, now - quiet_since)

    def _wake_later(self, delay: float | None = None) -> None:
        """Ask the engine to look at the queue again soon (it would otherwise wait for its 5 s heartbeat)."""
        if self._wakeup is not None and self._wakeup.active():
            return
        self._wakeup = call_later(self.frontier.poll_interval if delay is None else delay, self._wake)

    def _wake(self) -> None:
        self.queue_looked_empty = False
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def _redis_failed(self, what: str, exc: Exception) -> None:
        if not self._redis_down_logged:
            log.error("source %s: Redis %s failed: %s", getattr(self.spider, "name", "?"), what, one_line(exc))
            self._redis_down_logged = True


# --- start requests ---------------------------------------------------------------------------


class DistributedStartMiddleware:
    """A worker takes requests from the shared queue only; seeding is ``enqueue``'s (or ``crawl``'s) job."""

    def __init__(self, seeds: bool) -> None:
        self.seeds = seeds

    @classmethod
    def from_crawler(cls, crawler: Any) -> DistributedStartMiddleware:
        return cls(Frontier.from_settings(crawler.settings).mode in ("seed", "both"))

    async def process_start(self, start: Any) -> Any:
        if self.seeds:
            async for item_or_request in start:
                yield item_or_request

    def process_start_requests(self, start_requests: Any, spider: Any) -> Any:  # Scrapy < 2.13
        if self.seeds:
            yield from start_requests
