"""A real HTTP server on 127.0.0.1 for fixture sites, with a log of every request it answered.

``FixtureServer`` serves a table of routes (path + query → ``Page`` or a function
returning one) from a thread, on a free port. It speaks enough HTTP for a crawler:
conditional GET (ETag / Last-Modified → 304), gzip when the client accepts it,
redirects, any status with any headers. A request whose query has extra
parameters (tracking tails) is served by the route whose parameters it contains,
as real CMSs do. Everything stops when the ``with`` block ends.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False  # compress when the client accepts gzip


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    target: str  # path and query, as requested
    headers: dict[str, str]
    status: int
    at: float  # time.monotonic()

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))


Route = Page | Callable[[LoggedRequest], Page]


def not_found() -> Page:
    return Page(b"<html><body><h1>404</h1></body></html>", status=404, headers={"Content-Type": "text/html"})


class FixtureServer:
    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def url(self, target: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{target}"

    def start(self) -> FixtureServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server._answer(self)

            def do_HEAD(self) -> None:  # noqa: N802
                server._answer(self, head=True)

            def log_message(self, format: str, *args: object) -> None:  # the request log replaces stderr noise
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- answering -------------------------------------------------------------------------

    def route_for(self, target: str) -> Route | None:
        if target in self.routes:
            return self.routes[target]
        parts = urlsplit(target)
        asked = dict(parse_qsl(parts.query, keep_blank_values=True))
        best: tuple[int, Route] | None = None
        for key, route in self.routes.items():
            key_parts = urlsplit(key)
            if key_parts.path != parts.path:
                continue
            wanted = dict(parse_qsl(key_parts.query, keep_blank_values=True))
            if all(asked.get(k) == v for k, v in wanted.items()) and (best is None or len(wanted) > best[0]):
                best = (len(wanted), route)
        return best[1] if best else None

    def _answer(self, handler: BaseHTTPRequestHandler, head: bool = False) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        probe = LoggedRequest(handler.command, handler.path, headers, 0, time.monotonic())
        route = self.route_for(handler.path)
        page = not_found() if route is None else (route(probe) if callable(route) else route)
        status, body, out_headers = page.status, page.body, dict(page.headers)
        if page.etag:
            out_headers["ETag"] = page.etag
        if page.last_modified:
            out_headers["Last-Modified"] = page.last_modified
        if status == 200 and (
            (page.etag and headers.get("if-none-match") == page.etag)
            or (page.last_modified and headers.get("if-modified-since") == page.last_modified)
        ):
            status, body = 304, b""
        if page.gzip and body and "gzip" in headers.get("accept-encoding", ""):
            body = gzip.compress(body)
            out_headers["Content-Encoding"] = "gzip"
        with self._lock:
            self.log.append(LoggedRequest(handler.command, handler.path, headers, status, probe.at))
        handler.send_response(status)
        for key, value in out_headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if not head and body:
            handler.wfile.write(body)

    # --- reading the log -------------------------------------------------------------------

    def requests(self, path: str | None = None, **params: str) -> list[LoggedRequest]:
        with self._lock:
            entries = list(self.log)
        return [
            r for r in entries
            if (path is None or r.path == path) and all(r.params.get(k) == v for k, v in params.items())
        ]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()


class FailingFirst:
    """A route that answers ``failure`` the first ``times`` requests, then ``page``."""

    def __init__(self, page: Page, failure: Page, times: int = 1) -> None:
        self.page, self.failure, self.left = page, failure, times
        self._lock = threading.Lock()

    def __call__(self, request: LoggedRequest) -> Page:
        with self._lock:
            if self.left > 0:
                self.left -= 1
                return self.failure
        return self.page


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(routes: dict[str, Route]) -> Iterator[FixtureServer]:
    with FixtureServer(routes) as server:
        yield server
