"""The spider that walks one source back in time: its list, search or board pages, page after page.

The walk is fixed by the source and the cursor (``storage.cursors``): each query of
a search in order (one pass for a listing or a board), for each the date windows
from the cursor's ``until`` back to ``since`` when the url holds ``{since}`` /
``{until}`` (one window otherwise), for each the list pages in order until a page
is empty, has no next page, or prints only dates older than the window. Rows whose
printed date lies outside the window are not fetched.

Unlike a crawl, pages of known articles do not stop the walk (the history lies
behind them). A run stops after ``max_pages`` list pages, or when the article
budget is spent; the cursor then points at the next page to read (or, when the
budget ran out in the middle of a page, at that page again). A page with an
article that failed to download is read again by the next run.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, ClassVar
from urllib.parse import quote

from scrapy.http import Request, Response

from crawler.list_rows import ListRow, list_rows
from crawler.spiders.base import SourceSpider, select_links
from crawler.spiders.feed import feed_entry_links, looks_like_feed
from crawler.windows import fill_window, has_window, windows_back
from storage.cursors import Cursor

log = logging.getLogger("planwatch.crawler")

Position = tuple[int, int, int]  # query index, window index, page


@dataclass
class BackfillWalk:
    """One source's backfill in this run: the plan it was given and what it did."""

    since: date
    until: date
    max_pages: int
    cursor: Cursor | None = None  # as read at the start
    saved: Cursor | None = None  # as saved at the end
    pages: int = 0  # list pages read in this run
    failed_at: list[tuple[Position, str]] = field(default_factory=list)  # pages whose articles failed
    resume_at: tuple[Position, str] | None = None  # the next page to read; None when the walk is over
    note: str | None = None


class BackfillSpider(SourceSpider):
    walk: ClassVar[BackfillWalk]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listed_on: dict[str, tuple[Position, str]] = {}  # article URL → the list page it was found on
        self.list_pages: set[str] = set()  # a list page that fails is where the walk stays (resume_at)

    # --- the walk ---------------------------------------------------------------------------

    def templates(self) -> list[str]:
        if self.source.type != "search":
            return [self.source.url]
        encoding = self.source.encoding or "utf-8"
        return [self.source.url.replace("{query}", quote(q, safe="", encoding=encoding)) for q in self.source.queries]

    def windows(self, cursor: Cursor) -> list[tuple[date, date]]:
        from planwatch.config import parse_duration

        if not has_window(self.source.url):
            return [(cursor.since, cursor.until)]
        return windows_back(cursor.since, cursor.until, int(parse_duration(self.source.window) // 86400))

    def url_at(self, cursor: Cursor, position: Position) -> str | None:
        """The URL of a page of the walk computed from the templates; None when only a "next" link leads there."""
        query, window, page = position
        template = self.templates()[query]
        if page > 1 and "{page}" not in template:
            return None
        since, until = self.windows(cursor)[window]
        return fill_window(template, since, until).replace("{page}", str(page))

    def following(self, cursor: Cursor, position: Position) -> tuple[Position, str] | None:
        """The first page of the next window (or query) after ``position``; None at the end of the walk."""
        query, window, _ = position
        if window + 1 < len(self.windows(cursor)):
            nxt: Position = (query, window + 1, 1)
        elif query + 1 < len(self.templates()):
            nxt = (query + 1, 0, 1)
        else:
            return None
        url = self.url_at(cursor, nxt)
        assert url is not None  # page 1 always has a URL
        return nxt, url

    # --- Scrapy -------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        walk = self.walk
        cursor = await self.context.backfill_cursor(self.source.name, walk.since, walk.until)  # type: ignore[attr-defined]
        walk.cursor = cursor
        if cursor.done:
            walk.note = f"already walked back to {cursor.since} ({cursor.pages_read} pages, {cursor.articles_found} articles)"
            log.info("source %s: backfill %s", self.source.name, walk.note)
            return
        position = cursor.position
        url = cursor.next_url or self.url_at(cursor, position)
        if url is None:  # a cursor from a template that changed since: start the window again
            position = (position[0], position[1], 1)
            url = self.url_at(cursor, position)
        assert url is not None
        walk.resume_at = (position, url)
        yield self.page_request(url, position, entry=True)

    def page_request(self, url: str, position: Position, entry: bool = False) -> Request:
        self.list_pages.add(url)
        return self.entry_request(url, self.parse_page, planwatch_position=position, planwatch_entry=entry)

    def rows(self, response: Response) -> list[ListRow] | None:
        if self.source.list_items:
            found = list_rows(response, self.source.list_items, self._article_pattern)
            if found:
                return found
        if looks_like_feed(response):
            return [ListRow(href, None) for href in feed_entry_links(response.body) or []]
        if not self.source.article_links:
            return None
        return [ListRow(href, None) for href in select_links(response, self.source.article_links)]

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        walk, cursor = self.walk, self.walk.cursor
        assert cursor is not None
        position: Position = response.meta["planwatch_position"]
        rows = self.rows(response)
        if rows is None:  # the walk stays at this page: the next run tries it again
            self.entry_unusable(response, "has no article_links selector and is not a feed")
            return
        self.entry_succeeded(response)
        walk.pages += 1
        since, until = self.windows(cursor)[position[1]]
        wanted = [r.href for r in rows if r.date is None or since <= r.date <= until]
        passed = any(r.date is not None and r.date < since for r in rows)
        left_before = self.left_for_next_run
        requests = await self.new_article_requests(response, wanted)
        for request in requests:
            self.listed_on[request.url] = (position, response.url)
            yield request
        if self.left_for_next_run > left_before:  # the article budget ran out on this page: read it again
            walk.resume_at = (position, response.url)
            log.info("source %s: backfill article budget spent on %s", self.source.name, response.url)
            return
        nxt = self.next_position(response, position, cursor, bool(rows) and not passed)
        walk.resume_at = nxt
        if nxt is None:
            return
        if walk.pages >= walk.max_pages:
            log.info("source %s: backfill stops after %d list pages; the next run reads %s",
                     self.source.name, walk.pages, nxt[1])
            return
        yield self.page_request(nxt[1], nxt[0])

    def next_position(self, response: Response, position: Position, cursor: Cursor,
                      go_on: bool) -> tuple[Position, str] | None:
        """The next page in this window while it may hold more, else the next window's first page."""
        query, window, page = position
        if go_on:
            url = self.url_at(cursor, (query, window, page + 1))
            if url is None and self.source.next_page:
                links = select_links(response, self.source.next_page)
                url = response.urljoin(links[0]) if links else None
            if url is not None and url != response.url:
                return (query, window, page + 1), url
        return self.following(cursor, position)

    def page_failed(self, url: str, reason: str) -> None:
        """An article that failed (to download or to be stored) has its list page read again next run."""
        super().page_failed(url, reason)
        if url in self.list_pages:
            return
        listed = self.listed_on.get(url)
        if listed is None and self.walk.cursor is not None:  # not one of ours by URL (a redirect target): be safe
            start = self.walk.cursor
            listed = (start.position, start.next_url or self.url_at(start, start.position) or "")
        if listed is not None and listed[1]:
            self.walk.failed_at.append(listed)

    async def on_closed(self, spider: Any, reason: str) -> None:
        # Only a run that ended normally has stored what its pages listed; otherwise they are read again.
        if spider is self and reason == "finished" and self.walk.cursor is not None and not self.walk.cursor.done:
            await self.context.save_backfill_cursor(self.walk_end())  # type: ignore[attr-defined]
        await super().on_closed(spider, reason)

    def walk_end(self) -> Cursor:
        """The cursor to save: the earliest page still to read (again), or done."""
        walk, cursor = self.walk, self.walk.cursor
        assert cursor is not None
        candidates = list(walk.failed_at) + ([walk.resume_at] if walk.resume_at is not None else [])
        counted = replace(cursor, pages_read=cursor.pages_read + walk.pages, runs=cursor.runs + 1,
                          articles_found=cursor.articles_found + self.report.new_articles)
        if not candidates:
            walk.saved = replace(counted, done=True, next_url=None)
            return walk.saved
        (query, window, page), url = min(candidates, key=lambda c: c[0])
        walk.saved = replace(counted, query_index=query, window_index=window, page=page, next_url=url, done=False)
        return walk.saved


def backfill_spider_class(source: Any, config: Any, walk: BackfillWalk) -> type[BackfillSpider]:
    """A ``BackfillSpider`` bound to one source and its walk (the role its entry pages play is its type's)."""
    import re

    from crawler.settings import build_settings

    class_name = f"BackfillSpider_{re.sub(r'[^A-Za-z0-9_]', '_', source.name)}"
    role = source.type if source.type in ("listing", "search", "board") else "listing"
    return type(class_name, (BackfillSpider,), {
        "name": source.name, "source": source, "walk": walk, "role": role,
        "custom_settings": build_settings(config),
    })
