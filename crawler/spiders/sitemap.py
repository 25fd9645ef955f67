"""The spider for sitemaps: sitemap indexes, sitemaps and Google News sitemaps, gzipped or not.

Scrapy's own sitemap parser reads the XML. From an index, the newest child
sitemaps (by ``lastmod``) are followed, at most ``max_pages`` of them per run; from
a sitemap, the URLs that pass the source's ``include`` / ``exclude`` regexes and
its article URL pattern, newest first. Every sitemap is fetched conditionally.

A sitemap may be as large as the sitemap protocol allows (50 MB uncompressed),
whatever ``crawl.max_page_bytes`` says for pages; only the source's article budget
of its URLs is requested in a run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

from scrapy.http import Request, Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.spiders.base import SourceSpider

log = logging.getLogger("planwatch.crawler")

SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the sitemap protocol's limit for one file, uncompressed


def newest_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries with a ``lastmod`` newest first, then the rest in file order (ISO dates sort as text)."""
    dated = sorted((e for e in entries if e.get("lastmod")), key=lambda e: e["lastmod"], reverse=True)
    return dated + [e for e in entries if not e.get("lastmod")]


class SitemapSpider(SourceSpider):
    role = "sitemap"

    async def start(self) -> AsyncIterator[Request]:
        validators = await self.context.validators(self.source.url)
        yield self.entry_request(self.source.url, self.parse_sitemap, conditional=True, validators=validators,
                                 download_maxsize=self.max_bytes())

    def max_bytes(self) -> int:
        return max(self.crawler.settings.getint("DOWNLOAD_MAXSIZE"), SITEMAP_MAX_BYTES)

    def sitemap_body(self, response: Response) -> bytes:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=self.max_bytes())
        return body

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Any]:
        if response.status == 304:
            self.entry_succeeded(response)
            self.report.unchanged = True
            return
        try:
            sitemap = Sitemap(self.sitemap_body(response))
            entries = list(sitemap)
        except Exception as exc:  # lxml and gzip raise many types for a page that is not a sitemap
            self.entry_unusable(response, f"is not a sitemap ({type(exc).__name__})")
            return
        if sitemap.type not in ("sitemapindex", "urlset"):
            self.entry_unusable(response, f"is not a sitemap (root element <{sitemap.type}>)")
            return
        self.entry_succeeded(response)
        if sitemap.type == "sitemapindex":
            for entry in newest_first(entries)[: self.max_pages()]:
                url = response.urljoin(entry["loc"])
                validators = await self.context.validators(url)
                yield self.entry_request(url, self.parse_sitemap, conditional=True, validators=validators,
                                         planwatch_entry=False, download_maxsize=self.max_bytes())
            return
        locs = [e["loc"] for e in newest_first(entries) if self.wanted(e["loc"])]
        for request in await self.new_article_requests(response, locs):
            yield request

    def wanted(self, url: str) -> bool:
        if self.source.include and not any(re.search(p, url) for p in self.source.include):
            return False
        return not any(re.search(p, url) for p in self.source.exclude)
