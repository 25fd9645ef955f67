"""The spiders for list pages: a section listing, and a search paged like one.

Page 1 is fetched on every run. The next page is fetched only while pages bring
article links never seen before, up to ``max_pages``: on a site already crawled
the run costs one list page. The next page is the URL template with ``{page}``
when the source has one, else the link the ``next_page`` selector finds. A result
page that is an RSS/Atom feed (portal news searches offer one) is read as a feed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Request, Response

from crawler.list_rows import list_rows
from crawler.spiders.base import SourceSpider, select_links
from crawler.spiders.feed import feed_entry_links, looks_like_feed
from crawler.windows import fill_window, has_window, latest_window

log = logging.getLogger("planwatch.crawler")


def page_url(template: str, page: int) -> str:
    return template.replace("{page}", str(page))


class ListingSpider(SourceSpider):
    role = "listing"

    def templates(self) -> list[str]:
        return [self.dated(self.source.url)]

    def dated(self, url: str) -> str:
        """A url with a date window gets the newest one: the source's ``window`` up to today."""
        if not has_window(url):
            return url
        from datetime import date

        from planwatch.config import parse_duration

        since, until = latest_window(date.today(), int(parse_duration(self.source.window) // 86400))
        return fill_window(url, since, until)

    async def start(self) -> AsyncIterator[Request]:
        for template in self.templates():
            yield self.entry_request(page_url(template, 1), self.parse_list, planwatch_page=1,
                                     planwatch_template=template)

    def article_hrefs(self, response: Response) -> list[str] | None:
        if looks_like_feed(response):
            return feed_entry_links(response.body)
        if self.source.list_items:
            rows = list_rows(response, self.source.list_items, self._article_pattern)
            if rows:
                return [row.href for row in rows]
        if not self.source.article_links:
            return None
        return select_links(response, self.source.article_links)

    async def parse_list(self, response: Response) -> AsyncIterator[Any]:
        hrefs = self.article_hrefs(response)
        if hrefs is None:
            self.entry_unusable(response, "has no article_links selector and is not a feed")
            return
        self.entry_succeeded(response)
        page = response.meta["planwatch_page"]
        requests = await self.new_article_requests(response, hrefs)
        for request in requests:
            yield request
        if not requests:
            log.info("source %s: nothing new on page %d of %s; paging stops", self.source.name, page, response.url)
            return
        if page >= self.max_pages():
            return
        next_url = self.next_page_url(response, page)
        if next_url and next_url != response.url:
            yield self.entry_request(next_url, self.parse_list, planwatch_page=page + 1,
                                     planwatch_template=response.meta["planwatch_template"], planwatch_entry=False)

    def next_page_url(self, response: Response, page: int) -> str | None:
        template = response.meta["planwatch_template"]
        if "{page}" in template:
            return page_url(template, page + 1)
        if self.source.next_page:
            links = select_links(response, self.source.next_page)
            if links:
                return response.urljoin(links[0])
        return None


class SearchSpider(ListingSpider):
    role = "search"

    def templates(self) -> list[str]:
        # A site that reads EUC-KR expects the query percent-encoded in EUC-KR too.
        encoding = self.source.encoding or "utf-8"
        return [self.dated(self.source.url.replace("{query}", quote(q, safe="", encoding=encoding)))
                for q in self.source.queries]


class BoardSpider(ListingSpider):
    """A local government's press-release board: a list page paged like a listing, a release per link."""

    role = "board"
