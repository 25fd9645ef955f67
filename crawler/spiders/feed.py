"""The spider for RSS and Atom feeds: the feed on every run (conditionally), its new article links.

feedparser reads the feed (RSS 0.9x-2.0, Atom, with whatever encoding it declares);
an unchanged feed answers 304 to the ETag / Last-Modified of the last run and
costs nothing more. A feed that is not well-formed XML is read as far as
feedparser's lenient parser gets, and the breakage is logged with the feed's URL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from xml.sax import SAXParseException

import feedparser
from scrapy.http import Request, Response

from crawler.spiders.base import SourceSpider

log = logging.getLogger("planwatch.crawler")


def feed_entry_links(body: bytes) -> list[str] | None:
    """The article links of an RSS/Atom document in feed order; None when it is not a feed."""
    return read_feed(body)[0]


def read_feed(body: bytes) -> tuple[list[str] | None, str | None]:
    """``feed_entry_links`` and, for a feed that is not well-formed XML, where it breaks."""
    parsed = feedparser.parse(body)
    if not parsed.get("version") and not parsed.entries:
        return None, None
    links: list[str] = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            link = next((alt.get("href") for alt in entry.get("links", []) if alt.get("href")), None)
        if not link and str(entry.get("id", "")).startswith(("http://", "https://")):
            link = entry["id"]
        if link:
            links.append(link)
    return links, xml_breakage(parsed.get("bozo_exception"))


def xml_breakage(exc: object) -> str | None:
    """``line 7: unclosed token`` for a SAX parse error; None for feedparser's other remarks (encodings)."""
    if not isinstance(exc, SAXParseException):
        return None
    return f"line {exc.getLineNumber()}: {exc.getMessage()}"


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
        links, broken = read_feed(response.body)
        if links is None:
            self.entry_unusable(response, "is not an RSS or Atom feed")
            return
        if broken:
            problem = f"not well-formed XML ({broken}); read the {len(links)} links found despite it"
            self.report.problem(f"{response.url}: {problem}")
            log.warning("feed %s: %s", response.url, problem)
            self.left_for_next_run += 1  # entries past the break may be missing: no 304 next time
        self.entry_succeeded(response)
        for request in await self.new_article_requests(response, links):
            yield request
