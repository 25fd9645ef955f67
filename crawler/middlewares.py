"""Downloader middlewares: address guard, known articles, polite retries, encodings, recording.

In the order a request meets them (the numbers are ``DOWNLOADER_MIDDLEWARES``
priorities set in ``crawler.settings``):

- ``AddressGuardMiddleware`` (40): only http and https; the host is resolved and a
  loopback, private, link-local or otherwise non-public address is refused unless
  ``crawl.allow_private_addresses``. Redirects come back through it, so a public
  page cannot redirect the crawler into the local network.
- ``SharedRobotsTxtMiddleware`` (100, in place of Scrapy's): robots.txt, read once
  per host and process however many spiders visit the host.
- ``KnownArticleMiddleware`` (60): an article request that a redirect turned into
  an already stored (or already claimed) article is dropped.
- ``PoliteRetryMiddleware`` (550, in place of Scrapy's): retries with exponential
  back-off, and on 429/503 waits what ``Retry-After`` asks (up to a limit).
- ``EncodingMiddleware`` (585): gives list pages the encoding ``decode_page``
  settles on, so selectors read EUC-KR and mislabelled pages right.
- ``RecordingMiddleware`` (610): stamps the fetch time and, with ``--record``,
  writes every response as the server sent it to the crawl's WARC file.
- ``RequestBudgetMiddleware`` (950, last before the download): every request a
  source's spider sends (robots.txt, entry pages, sitemaps, articles, retries and
  redirects alike) counts against ``crawl.max_requests``; past it the request is
  dropped (``RequestBudgetSpent``) and waits for the next run.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.httpobj import urlparse_cached

from crawler.context import CrawlContext, utc_now_seconds
from crawler.warc import Exchange, capture_headers

log = logging.getLogger("planwatch.crawler")

ALLOWED_SCHEMES = ("http", "https")
DNS_CACHE_SECONDS = 300.0


class RefusedAddress(IgnoreRequest):
    """A request to an address the configuration does not allow (loopback, private network, other scheme)."""


def non_public_reason(address: str) -> str | None:
    """Why ``address`` must not be fetched from a live configuration, or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for attribute, what in (
        # most specific first: Python counts link-local and 0.0.0.0 as private too
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_private", "a private-network address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(ip, attribute):
            return what
    if not ip.is_global:
        return "a non-public address"
    return None


class AddressGuardMiddleware:
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._cache: dict[str, tuple[float, list[str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> AddressGuardMiddleware:
        return cls(crawler.settings.getbool("PLANWATCH_ALLOW_PRIVATE_ADDRESSES"))

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        if parts.scheme not in ALLOWED_SCHEMES:
            raise RefusedAddress(f"refused {request.url}: only http and https URLs are fetched")
        if self.allow_private:
            return None
        host = parts.hostname or ""
        for address in await self._resolve(host, parts.port or (443 if parts.scheme == "https" else 80)):
            reason = non_public_reason(address)
            if reason is not None:
                raise RefusedAddress(
                    f"refused {host}: it resolves to {address}, {reason} "
                    "(crawl.allow_private_addresses is false)"
                )
        return None

    async def _resolve(self, host: str, port: int) -> list[str]:
        try:
            ipaddress.ip_address(host)
            return [host]
        except ValueError:
            pass
        cached = self._cache.get(host)
        if cached is not None and time.monotonic() - cached[0] < DNS_CACHE_SECONDS:
            return cached[1]
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        try:
            infos = await maybe_deferred_to_future(deferToThread(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM))
        except (socket.gaierror, UnicodeError) as exc:
            raise CannotResolveHostError(f"DNS lookup failed for {host}: {exc}") from None
        addresses = sorted({str(info[4][0]) for info in infos})
        self._cache[host] = (time.monotonic(), addresses)
        return addresses


# robots.txt parsers by host, shared by the spiders of one process: a paper's feed,
# listing and search spiders read its robots.txt once per run, not once each.
_ROBOTS_PARSERS: dict[str, Any] = {}


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._parsers = _ROBOTS_PARSERS


class KnownArticleMiddleware:
    """Drops a redirected article request whose target is stored or already claimed in this run."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> KnownArticleMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("planwatch_role") != "article" or not request.meta.get("redirect_urls"):
            return None
        from extractors.urls import canonicalize_url

        try:
            target = canonicalize_url(request.url)
        except ValueError:
            return None
        if target == request.meta.get("planwatch_canonical"):
            return None
        context = CrawlContext.for_settings(self.crawler.settings)
        if not context.claim([target]) or await context.known_articles([(request.url, target)]):
            raise IgnoreRequest(f"already stored: {request.url} (redirected from {request.meta['redirect_urls'][0]})")
        request.meta["planwatch_canonical"] = target
        return None


class RequestBudgetSpent(IgnoreRequest):
    """A request dropped because its source spent the run's ``crawl.max_requests``."""


class RequestBudgetMiddleware:
    """Bounds the requests of a source per run, whatever its pages make it follow."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RequestBudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spend = getattr(self.crawler.spider, "spend_request", None)
        if spend is not None and not spend(request):
            raise RequestBudgetSpent(f"request budget spent: {request.url} waits for the next run")
        return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After: 120`` or an HTTP date → seconds to wait; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, spaced out: exponential back-off, and ``Retry-After`` honoured on 429 and 503."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("PLANWATCH_RETRY_BACKOFF", 1.0)
        self.max_retry_after = settings.getfloat("PLANWATCH_MAX_RETRY_AFTER", 300.0)

    def backoff_seconds(self, request: Request) -> float:
        return self.backoff * (2 ** request.meta.get("retry_times", 0))

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = self.backoff_seconds(request)
        if response.status in (429, 503):
            asked = retry_after_seconds(_header(response, "Retry-After"))
            if asked is not None and asked > self.max_retry_after:
                log.warning("giving up %s: the server asks to retry after %.0f s (limit %.0f s)",
                            request.url, asked, self.max_retry_after)
                return response
            if asked is not None:
                wait = asked
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        await _sleep(wait)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await _sleep(self.backoff_seconds(request))
        return retry


async def _sleep(seconds: float) -> None:
    if seconds <= 0:
        return
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))  # type: ignore[arg-type]


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None


class EncodingMiddleware:
    """Re-labels text responses with the encoding ``decode_page`` finds (the source's override first).

    Article pages are left alone: the spider hands their raw bytes to extraction, which
    decodes them with the same ``decode_page`` (in a worker), so decoding them here too
    would only cost the crawl's busiest thread a second pass over every page.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> EncodingMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        if request.meta.get("planwatch_role") == "article":
            return response
        from extractors.encoding import DecodeError, decode_page

        source = getattr(self.crawler.spider, "source", None)
        override = getattr(source, "encoding", None)
        try:
            _, codec = decode_page(response.body, response_capture_headers(response), override)
        except DecodeError as exc:
            log.info("cannot tell the encoding of %s: %s", response.url, exc)
            return response
        if codec != response.encoding:
            return response.replace(encoding=codec)
        return response


class RecordingMiddleware:
    """Stamps each response's fetch time; with ``--record``, writes it to the crawl's WARC file."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RecordingMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        fetched_at = utc_now_seconds()
        request.meta["planwatch_fetched_at"] = fetched_at
        context = CrawlContext.current()
        if context is None or context.recorder is None:
            return response
        source = getattr(self.crawler.spider, "source", None)
        role = request.meta.get("planwatch_role") or (
            "robots" if urlparse_cached(request).path == "/robots.txt" else "other"
        )
        is_article = role == "article"
        context.recorder.write(
            Exchange(
                url=response.url,
                method=request.method,
                request_headers=_pairs(request.headers),
                status=response.status,
                reason=_reason(response.status),
                response_headers=_pairs(response.headers),
                body=response.body,
                fetched_at=fetched_at,
                role=role,
                source=getattr(source, "name", None),
                encoding=getattr(source, "encoding", None) if is_article else None,
                selectors=dict(getattr(source, "selectors", {}) or {}) if is_article else None,
            )
        )
        return response


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [
        (key.decode("latin-1"), value.decode("latin-1"))
        for key, values in headers.items()
        for value in values
    ]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def response_capture_headers(response: Response) -> dict[str, str]:
    """The response's headers as a Capture carries them (see ``crawler.warc.capture_headers``)."""
    return capture_headers(_pairs(response.headers))


__all__ = [
    "AddressGuardMiddleware",
    "EncodingMiddleware",
    "KnownArticleMiddleware",
    "PoliteRetryMiddleware",
    "RecordingMiddleware",
    "RefusedAddress",
    "RequestBudgetMiddleware",
    "RequestBudgetSpent",
    "SharedRobotsTxtMiddleware",
    "response_capture_headers",
    "non_public_reason",
    "retry_after_seconds",
]

