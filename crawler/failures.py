"""One-line reasons for failed requests: "cannot reach host example.kr (DNS lookup failed)".

Scrapy, Twisted and the operating system each have their own exception for the
same few things that go wrong; the table below maps them to what a user reads.
A download stopped by a limit says which setting stopped it (``crawl.timeout``,
``crawl.max_page_bytes``), so the reader knows what to change if the page was
worth it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

# (exception types, what went wrong) — the host is put in front by describe_failure.
UNREACHABLE: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((CannotResolveHostError, twisted_error.DNSLookupError), "DNS lookup failed"),
    ((DownloadConnectionRefusedError, twisted_error.ConnectionRefusedError, ConnectionRefusedError),
     "connection refused"),
    ((DownloadTimeoutError, twisted_error.TimeoutError, twisted_error.TCPTimedOutError, TimeoutError), "timed out"),
    ((twisted_error.NoRouteError, twisted_error.ConnectError), "no connection"),
    ((ResponseNeverReceived, ResponseFailed, twisted_error.ConnectionLost, twisted_error.ConnectionDone),
     "connection closed without a response"),
)


def _host(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or url
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{parts.port}" if parts.port and parts.port != default else host


def is_connection_failure(failure: Failure) -> bool:
    return any(failure.check(*types) for types, _ in UNREACHABLE)


def describe_limit(failure: Failure, url: str, max_bytes: int | None, timeout: float | None) -> str | None:
    """The reason for a download stopped by the time or size limit; None for other failures."""
    if failure.check(DownloadTimeoutError):
        within = f" within {timeout:g} s (crawl.timeout)" if timeout else ""
        return f"timed out: {_host(url)} did not send the whole page{within}"
    limit = f"crawl.max_page_bytes ({max_bytes} bytes)" if max_bytes else "crawl.max_page_bytes"
    if failure.check(DownloadCancelledError):
        announced = _ANNOUNCED_SIZE.search(str(failure.value))
        if announced:
            return f"too large: the server announced {announced.group(1)} bytes, over {limit}"
        return f"too large: more than {limit} arrived, download stopped"
    cause = failure.value.__cause__ if failure.check(IgnoreRequest) else None
    decompressed = getattr(cause, "decompressed_size", None)
    if decompressed is not None:
        cap = getattr(cause, "max_size", None) or max_bytes
        return (f"too large once decompressed: over {cap} bytes (crawl.max_page_bytes) "
                "from a compressed body, decompression stopped")
    return None


_ANNOUNCED_SIZE = re.compile(r"Expected to receive (\d+) bytes")


def is_robots_refusal(failure: Failure) -> bool:
    return bool(failure.check(IgnoreRequest)) and "robots.txt" in str(failure.value)


def describe_failure(failure: Failure, url: str, *, max_bytes: int | None = None,
                     timeout: float | None = None) -> str:
    """The one line a user reads for a request that did not bring a usable response.

    ``max_bytes`` and ``timeout`` are the limits the request ran under, named in the
    reason when one of them stopped the download.
    """
    limited = describe_limit(failure, url, max_bytes, timeout)
    if limited is not None:
        return limited
    for types, what in UNREACHABLE:
        if failure.check(*types):
            return f"cannot reach host {_host(url)} ({what})"
    if failure.check(HttpError):
        response = failure.value.response  # type: ignore[attr-defined]
        return f"HTTP {response.status} from {response.url}"
    if is_robots_refusal(failure):
        return f"robots.txt forbids {url}"
    if failure.check(IgnoreRequest):
        text = str(failure.value)
        if text.startswith("Filtered offsite request"):
            return f"{url} leads outside the source's allowed domains ({text.split(' to ', 1)[-1]})"
        if text == "max redirections reached":
            return f"too many redirects (a loop or an endless chain), the last to {url}"
        return text or f"request for {url} dropped"
    value = failure.value
    first = str(value).splitlines()[0] if str(value) else ""
    return f"{type(value).__name__}: {first}" if first else type(value).__name__
