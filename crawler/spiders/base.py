"""What every source spider shares: article links → new article requests, pages → Captures, the run's record.

A spider is built from one ``[[source]]`` (``crawler.spiders.spider_class_for``).
Its subclasses only say where the article links of their kind of page are; this
class decides which links are worth a request:

1. absolute, http(s), matching ``article_url_pattern`` and the allowed domains;
2. canonicalized (``extractors.urls.canonicalize_url``), so tracking parameters,
   fragments and http/https spellings are one article;
3. not claimed by another spider of this run, and not stored already
   (``storage.repository.known_urls``) — an article is fetched once, ever;
4. within the source's ``max_articles`` budget for this run (links past the
   budget are not even looked at, so a huge sitemap costs what the budget allows).

Whatever a source's pages lead to, its spider sends at most ``max_requests``
requests in a run (``crawler.middlewares.RequestBudgetMiddleware`` asks
``spend_request``); the rest waits for the next run, said once in the log.

An article response becomes a ``Capture`` item for ``crawler.pipelines``. The
entry page (feed, sitemap, listing, search) failing is what makes a source
``unreachable`` or ``failed``; one article failing is logged with its URL and
counted, and the crawl goes on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import islice
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.context import CrawlContext, utc_now_seconds
from crawler.failures import describe_failure, is_connection_failure, is_robots_refusal
from crawler.middlewares import RequestBudgetSpent, response_capture_headers
from crawler.pipelines import STORAGE_FAILED
from crawler.summary import SourceReport
from planwatch.config import Source, requests_allowed
from planwatch.logs import SUMMARISED
from planwatch.records import Capture
from storage.db import StorageError

log = logging.getLogger("planwatch.crawler")

HTML_TYPES = ("text/html", "application/xhtml+xml")
LINK_CHUNK = 500  # links canonicalized and looked up in the database at a time


def allowed_domains_for(source: Source) -> list[str]:
    """The source's ``allowed_domains``, else its own host without ``www.`` (subdomains included).

    A search source has no default: a portal's results link to every outlet.
    """
    if source.allowed_domains:
        return [d.split(":", 1)[0].lower() for d in source.allowed_domains]
    if source.type == "search":
        return []
    host = source.site_host()
    return [host[4:] if host.startswith("www.") and host.count(".") > 1 else host]


def host_allowed(host: str, domains: list[str]) -> bool:
    if not domains:
        return True
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


class SourceSpider(scrapy.Spider):
    """The shared half of the four source spiders; ``source`` is set on the generated subclass."""

    source: ClassVar[Source]
    role: ClassVar[str] = "listing"  # what this spider's entry pages are, for the WARC and the report
    context: CrawlContext  # set by from_crawler, with the crawl's settings
    report: SourceReport

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(self.source.name, *args, **kwargs)
        self.allowed_domains = allowed_domains_for(self.source)
        self._article_pattern = re.compile(self.source.article_url_pattern) if self.source.article_url_pattern else None
        self.entry_ok = 0
        self.entry_failures: list[str] = []
        self.article_budget = self.source.max_articles or 0
        self.validators_seen: list[tuple[str, str | None, str | None]] = []
        self.run_id: int | None = None
        self._all_unreachable = True
        self.left_for_next_run = 0  # links that may be new but wait for the next run (budget, broken feed)
        self.request_budget: int | None = None  # from_crawler: the source's or the crawl's max_requests
        self.requests_made = 0
        self.budget_told = False

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.context = CrawlContext.for_settings(crawler.settings)
        spider.report = spider.context.report_for(spider.source)
        if not spider.article_budget:
            spider.article_budget = spider.context.config.crawl.max_articles
        if crawler.settings.getbool("PLANWATCH_REQUEST_BUDGET", True):
            spider.request_budget = requests_allowed(spider.source, spider.context.config.crawl)
        crawler.signals.connect(spider.on_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        crawler.signals.connect(spider.on_response, signal=signals.response_received)
        crawler.signals.connect(spider.on_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        return spider

    # --- run bookkeeping -------------------------------------------------------------------

    async def on_opened(self, spider: scrapy.Spider) -> None:
        if spider is self and self.context.record_runs:
            try:
                self.run_id = await self.context.run_started(self.source.name)
            except StorageError as exc:  # the crawl may still fetch; storing will say it once more
                log.warning("source %s: the run is not recorded: %s", self.source.name, exc)

    async def on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if spider is not self:
            return
        report = self.report
        if reason == STORAGE_FAILED:
            report.outcome = "failed"
            report.message = f"storing stopped: {self.context.storage_failed}"
        elif self.entry_ok == 0 and self.entry_failures:
            report.outcome = "unreachable" if self._all_unreachable else "failed"
            report.message = self.entry_failures[0]
        elif reason not in ("finished",):
            report.outcome = "failed"
            report.message = f"the crawl stopped early ({reason})"
        try:
            # An unchanged feed must not hide articles that failed or were left for later: keep
            # the old validators (the next run reads the feed again) unless every article was fetched.
            if report.errors == 0 and self.left_for_next_run == 0 and reason == "finished":
                await self.context.save_validators(self.validators_seen)
        except StorageError as exc:
            report.problem(f"the feed's validators are not kept: {exc}")
            log.warning("source %s: the feed's validators are not kept: %s", self.source.name, exc)
        # Whatever failed before, the run record is closed: a run never stays "running".
        try:
            if self.run_id is not None:
                await self.context.run_finished(self.run_id, report)
        except StorageError as exc:
            if self.context.storage_failed is None:
                log.warning("source %s: the end of the run is not recorded: %s", self.source.name, exc)

    def on_response(self, response: Response, request: Request, spider: scrapy.Spider) -> None:
        if spider is self and request.meta.get("planwatch_role"):
            self.report.pages += 1

    def on_scheduled(self, request: Request, spider: scrapy.Spider) -> None:
        # Scrapy drops an off-site redirect silently when it is scheduled; say which page it cost.
        redirects = request.meta.get("redirect_urls")
        if spider is not self or not redirects or request.meta.get("allow_offsite") or request.dont_filter:
            return
        host = urlsplit(request.url).hostname or ""
        if not host_allowed(host, self.allowed_domains):
            self.page_failed(redirects[0], f"redirects outside the source's allowed domains (to {host})")

    def on_dropped(self, request: Request, spider: scrapy.Spider) -> None:
        # A redirect back to a page of its own chain is a loop; Scrapy's duplicate filter drops
        # it with a debug line only. (A redirect to an article fetched by another link is fine.)
        redirects = request.meta.get("redirect_urls") or []
        if spider is self and request.url in redirects:
            self.page_failed(redirects[0], f"redirect loop: it leads back to {request.url}")

    def spend_request(self, request: Request) -> bool:
        """Count one request against the run's budget; False (said once) when it is spent."""
        if self.request_budget is None or self.requests_made < self.request_budget:
            self.requests_made += 1
            return True
        if not self.budget_told:
            self.budget_told = True
            setting = "the source's max_requests" if self.source.max_requests else "crawl.max_requests"
            line = (f"request budget spent ({self.request_budget} requests, {setting}): "
                    "the other pages wait for the next run")
            self.report.problem(line)
            log.warning("source %s: %s", self.source.name, line)
        self.left_for_next_run += 1
        if request.meta.get("planwatch_role") == "article":
            self.context.claimed.discard(request.meta.get("planwatch_canonical", ""))
        return False

    def describe(self, failure: Failure) -> str:
        """``describe_failure`` with the size and time limits the request ran under."""
        request = failure.request  # type: ignore[attr-defined]
        settings = self.crawler.settings
        return describe_failure(
            failure,
            request.url,
            max_bytes=request.meta.get("download_maxsize") or settings.getint("DOWNLOAD_MAXSIZE"),
            timeout=request.meta.get("download_timeout") or settings.getfloat("DOWNLOAD_TIMEOUT"),
        )

    # --- entry pages (feed, sitemap, listing, search) --------------------------------------

    def entry_request(self, url: str, callback: Any, *, role: str | None = None, conditional: bool = False,
                      validators: tuple[str | None, str | None] = (None, None), **meta: Any) -> Request:
        headers = {}
        etag, last_modified = validators
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return Request(
            url,
            callback=callback,
            errback=self.entry_failed,
            headers=headers,
            dont_filter=True,
            meta={
                "planwatch_role": role or self.role,
                "planwatch_entry": True,
                "planwatch_conditional": conditional,
                "handle_httpstatus_list": [304] if conditional else [],
                **meta,
            },
        )

    def entry_succeeded(self, response: Response) -> None:
        self.entry_ok += 1
        if response.meta.get("planwatch_conditional") and response.status == 200:
            etag = _header(response, "ETag")
            last_modified = _header(response, "Last-Modified")
            if etag or last_modified:
                self.validators_seen.append((response.url, etag, last_modified))

    def entry_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(RequestBudgetSpent):
            return  # counted and said once by spend_request
        reason = self.describe(failure)
        if is_robots_refusal(failure):
            self.report.robots_skipped += 1
        if not request.meta.get("planwatch_entry") or self.entry_ok:
            self.page_failed(request.url, reason)
            return
        self.entry_failures.append(reason)
        self._all_unreachable = self._all_unreachable and is_connection_failure(failure)
        self.report.errors += 1
        if len(self.entry_failures) == 1:
            log.warning("source %s: %s", self.source.name, reason, extra=SUMMARISED)

    def entry_unusable(self, response: Response, what: str) -> None:
        """An entry page arrived but is not what the source says it is (not a feed, no links)."""
        if response.meta.get("planwatch_entry") and not self.entry_ok:
            reason = f"{response.url} {what}"
            self.entry_failures.append(reason)
            self._all_unreachable = False
            self.report.errors += 1
            log.warning("source %s: %s", self.source.name, reason, extra=SUMMARISED)
        else:
            self.page_failed(response.url, what)

    def max_pages(self) -> int:
        """List pages (or child sitemaps) followed per run: --max-pages, the source's, the crawl default."""
        return self.context.max_pages or self.source.max_pages or self.context.config.crawl.max_pages

    def page_failed(self, url: str, reason: str) -> None:
        self.report.errors += 1
        self.report.problem(f"{url}: {reason}")
        log.warning("page failed: %s: %s", url, reason)

    # --- article links → requests ----------------------------------------------------------

    def candidate_urls(self, response: Response, hrefs: Iterable[str]) -> list[tuple[str, str]]:
        """(absolute URL, canonical URL) of the article links on a page, in page order, once each."""
        return list(self.iter_candidates(response, hrefs))

    def iter_candidates(self, response: Response, hrefs: Iterable[str]) -> Iterator[tuple[str, str]]:
        """``candidate_urls`` one at a time, so a caller can stop early."""
        from extractors.urls import canonicalize_url

        seen: set[str] = set()
        for href in hrefs:
            href = (href or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            absolute = response.urljoin(href)
            if not absolute.startswith(("http://", "https://")):
                continue
            if self._article_pattern is not None and not self._article_pattern.search(absolute):
                continue
            host = urlsplit(absolute).hostname or ""
            if not host_allowed(host, self.allowed_domains):
                continue
            try:
                canonical = canonicalize_url(absolute)
            except ValueError:
                continue
            if canonical in seen:
                continue
            seen.add(canonical)
            yield absolute, canonical

    async def new_article_requests(self, response: Response, hrefs: Iterable[str]) -> list[Request]:
        """Requests for the links never fetched before (nor claimed in this run), within the budget.

        Links are examined a chunk at a time and only until the budget is spent: a
        sitemap of 100 000 URLs costs a few chunks, not 100 000 canonicalizations and
        database look-ups.
        """
        hrefs = list(hrefs)
        examined = 0

        def counted() -> Iterator[str]:
            nonlocal examined
            for href in hrefs:
                examined += 1
                yield href

        candidates = self.iter_candidates(response, counted())
        requests: list[Request] = []
        while True:
            if self.article_budget <= 0:
                if examined < len(hrefs):  # not looked at: maybe new, so the next run reads this page again
                    self.left_for_next_run += len(hrefs) - examined
                break
            chunk = list(islice(candidates, LINK_CHUNK))
            if not chunk:
                break
            requests.extend(await self._requests_for(chunk))
        return requests

    async def _requests_for(self, candidates: list[tuple[str, str]]) -> list[Request]:
        fresh = set(self.context.claim(c for _, c in candidates))
        known = await self.context.known_articles([(a, c) for a, c in candidates if c in fresh])
        requests = []
        for absolute, canonical in candidates:
            if canonical not in fresh or canonical in known:
                continue
            if self.article_budget <= 0:
                self.context.claimed.discard(canonical)  # left for the next run
                self.left_for_next_run += 1
                continue
            self.article_budget -= 1
            self.report.articles_requested += 1
            requests.append(
                Request(
                    absolute,
                    callback=self.parse_article,
                    errback=self.article_failed,
                    meta={"planwatch_role": "article", "planwatch_canonical": canonical},
                    priority=10,  # articles before further list pages: memory stays flat
                )
            )
        return requests

    # --- article pages ---------------------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[Capture]:
        content_type = (_header(response, "Content-Type") or "text/html").split(";", 1)[0].strip().lower()
        if content_type not in HTML_TYPES:
            self.page_failed(response.url, f"not an HTML page ({content_type})")
            return
        yield Capture(
            body=response.body,
            kind="html",
            url=response.url,
            headers=response_capture_headers(response),
            fetched_at=response.meta.get("planwatch_fetched_at") or utc_now_seconds(),
            origin=self.source.name,
            encoding=self.source.encoding,
            selectors=dict(self.source.selectors),
        )

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if is_robots_refusal(failure):
            self.report.robots_skipped += 1
            log.info("robots.txt forbids %s", request.url)
            return
        if failure.check(RequestBudgetSpent) or (
                failure.check(IgnoreRequest) and str(failure.value).startswith("already stored")):
            return
        first = (request.meta.get("redirect_urls") or [request.url])[0]  # the link the page was listed under
        self.page_failed(first, self.describe(failure))


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None


def select_links(response: Response, selector: str) -> list[str]:
    """``href`` values (or text, for feed-like XML) of the nodes a CSS selector or XPath finds."""
    query = selector.strip()
    nodes = response.xpath(query) if query.startswith(("/", "(", "./")) else response.css(query)
    out = []
    for node in nodes:
        href = node.attrib.get("href") if hasattr(node, "attrib") else None
        if href is None:
            value = node.get()
            href = value if value and not value.lstrip().startswith("<") else None
        if href:
            out.append(href)
    return out
