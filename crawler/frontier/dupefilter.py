"""The shared duplicate filter: articles once (by canonical URL, with a TTL), entry pages once per round."""

from __future__ import annotations

import hashlib
from typing import Any

import redis
from scrapy.http import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.frontier.queue import Claim
from crawler.frontier.scripts import Scripts
from crawler.frontier.settings import Frontier, FrontierKeys


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


