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

One module per concern: ``settings`` (the ``Frontier`` record and its key names),
``connection`` (the Redis client), ``serialize`` (requests as JSON), ``scripts`` (the atomic
steps in Lua), ``queue`` (the leased queue), ``dupefilter`` (articles once, entry pages once
per round) and ``scheduler`` (the worker's Scrapy scheduler and start middleware).
"""

from __future__ import annotations

from crawler.frontier.connection import check_redis, connect, one_line
from crawler.frontier.scripts import current_round, start_round
from crawler.frontier.settings import Frontier, FrontierError, FrontierKeys

__all__ = ["Frontier", "FrontierError", "FrontierKeys", "check_redis", "connect", "current_round", "one_line",
           "start_round"]
