"""The spider for sitemaps: sitemap indexes, sitemaps and Google News sitemaps, gzipped or not.

Scrapy's own sitemap parser reads the XML. From an index, the newest child
sitemaps (by ``lastmod``) are followed, at most ``max_pages`` of them per run; from
a sitemap, the URLs that pass the source's ``include`` / ``exclude`` regexes and
its article URL pattern, newest first. Every sitemap is fetched conditionally.

A sitemap may be as large as the sitemap protocol allows (50 MB uncompressed),
whatever ``crawl.max_page_bytes`` says for pages; only the source's article budget
of its URLs is requested in a run.

Indexes are followed at most ``MAX_INDEX_DEPTH`` levels below the source's sitemap
(the protocol allows one; some sites nest two), and each sitemap once per run, by
canonical URL: an index that lists itself, or a chain of indexes without end, costs a
few requests and one log line each, not a crawl that never ends.
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
MAX_INDEX_DEPTH = 3  # levels of sitemaps below the source's own (which is level 0)


def newest_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries with a ``lastmod`` newest first, then the rest in file order (ISO dates sort as text)."""
    dated = sorted((e for e in entries if e.get("lastmod")), key=lambda e: e["lastmod"], reverse=True)
    return dated + [e for e in entries if not e.get("lastmod")]


class SitemapSpider(SourceSpider):
    role = "sitemap"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sitemaps_seen: set[str] = set()  # canonical URLs of the sitemaps requested in this run
        self.told: set[str] = set()  # the kinds of sitemap trouble already logged in this run

    async def start(self) -> AsyncIterator[Request]:
        validators = await self.context.validators(self.source.url)
        self.first_visit(self.source.url)
        yield self.entry_request(self.source.url, self.parse_sitemap, conditional=True, validators=validators,
                                 download_maxsize=self.max_bytes(), planwatch_sitemap_depth=0)

    def first_visit(self, url: str) -> bool:
        """True the first time this run meets the sitemap ``url`` (in any spelling of it)."""
        from extractors.urls import canonicalize_url

        try:
            key = canonicalize_url(url)
        except ValueError:
            key = url
        if key in self.sitemaps_seen:
            return False
        self.sitemaps_seen.add(key)
        return True

    def tell_once(self, kind: str, line: str) -> None:
        self.report.problem(line)
        if kind not in self.told:
            self.told.add(kind)
            log.warning("source %s: %s", self.source.name, line)

    def child_sitemaps(self, response: Response, entries: list[dict[str, Any]]) -> list[str]:
        """The children of an index worth a request: not read yet in this run, not too deep, newest first."""
        depth = int(response.meta.get("planwatch_sitemap_depth", 0)) + 1
        children = []
        for entry in newest_first(entries)[: self.max_pages()]:
            url = response.urljoin(entry["loc"])
            if depth > MAX_INDEX_DEPTH:
                self.tell_once("deep", f"sitemap index {response.url} lists a sitemap nested deeper than "
                                       f"{MAX_INDEX_DEPTH} levels ({url}): not followed")
            elif not self.first_visit(url):
                self.tell_once("loop", f"sitemap index {response.url} lists a sitemap already read in this run "
                                       f"({url}): not fetched again")
            else:
                children.append(url)
        return children

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
            depth = int(response.meta.get("planwatch_sitemap_depth", 0)) + 1
            for url in self.child_sitemaps(response, entries):
                validators = await self.context.validators(url)
                yield self.entry_request(url, self.parse_sitemap, conditional=True, validators=validators,
                                         planwatch_entry=False, download_maxsize=self.max_bytes(),
                                         planwatch_sitemap_depth=depth)
            return
        locs = [e["loc"] for e in newest_first(entries) if self.wanted(e["loc"])]
        for request in await self.new_article_requests(response, locs):
            yield request

    def wanted(self, url: str) -> bool:
        if self.source.include and not any(re.search(p, url) for p in self.source.include):
            return False
        return not any(re.search(p, url) for p in self.source.exclude)
