"""The spider for RSS and Atom feeds: the feed on every run (conditionally), its new article links.

feedparser reads the feed (RSS 0.9x-2.0, Atom, with whatever encoding it declares);
an unchanged feed answers 304 to the ETag / Last-Modified of the last run and
costs nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import feedparser
from scrapy.http import Request, Response

from crawler.spiders.base import SourceSpider

log = logging.getLogger("planwatch.crawler")


def feed_entry_links(body: bytes) -> list[str] | None:
    """The article links of an RSS/Atom document in feed order; None when it is not a feed."""
    parsed = feedparser.parse(body)
    if not parsed.get("version") and not parsed.entries:
        return None
    links: list[str] = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            link = next((alt.get("href") for alt in entry.get("links", []) if alt.get("href")), None)
        if not link and str(entry.get("id", "")).startswith(("http://", "https://")):
            link = entry["id"]
        if link:
            links.append(link)
    return links


def looks_like_feed(response: Response) -> bool:
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    if any(t in content_type for t in ("rss", "atom", "/xml")):
        return True
    head = response.body[:512].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in response.body[:2048] or b"<feed" in response.body[:2048])


class FeedSpider(SourceSpider):
    role = "feed"

    async def start(self) -> AsyncIterator[Request]:
        validators = await self.context.validators(self.source.url)
        yield self.entry_request(self.source.url, self.parse_feed, conditional=True, validators=validators)

    async def parse_feed(self, response: Response) -> AsyncIterator[Any]:
        if response.status == 304:
            self.entry_succeeded(response)
            self.report.unchanged = True
            log.info("source %s: feed unchanged since the last run", self.source.name)
            return
        links = feed_entry_links(response.body)
        if links is None:
            self.entry_unusable(response, "is not an RSS or Atom feed")
            return
        self.entry_succeeded(response)
        for request in await self.new_article_requests(response, links):
            yield request
