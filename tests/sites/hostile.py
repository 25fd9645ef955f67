"""Sites that misbehave, for the fault tests: slow, endless, huge, looping, compressed into a bomb.

``HostileServer`` is the fixture server (``sites.server.FixtureServer``) with one
more kind of route: a ``Raw`` route writes the response itself, byte by byte, so a
test can send headers and then stall, send more than it announced, or stream
50 MB. Each raw route counts the bytes it managed to send, so a test can tell
that the crawler hung up early.

``generated_articles(n)`` writes ``n`` different regional news articles (NDSoft
pages, like 한빛일보's), enough for a crawl that lasts long enough to be killed.
"""

from __future__ import annotations

import gzip
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from .articles import FixtureArticle
from .news import HTML, article_path, ndsoft_article_html
from .server import FixtureServer, LoggedRequest, Page

# --- generated articles ---------------------------------------------------------------------------

PLACES = (
    ("수원시", "팔달구"), ("용인시", "기흥구"), ("화성시", "동탄"), ("평택시", "고덕"), ("안산시", "단원구"),
    ("고양시", "일산"), ("성남시", "분당구"), ("부천시", "원미구"), ("남양주시", "다산"), ("안양시", "동안구"),
    ("시흥시", "배곧"), ("파주시", "운정"), ("김포시", "구래동"), ("광명시", "철산동"), ("군포시", "산본"),
    ("하남시", "미사"), ("오산시", "세교"), ("이천시", "부발읍"), ("양주시", "옥정"), ("구리시", "인창동"),
)
TOPICS = (
    ("공공도서관 리모델링", "열람실과 어린이 자료실을 넓히고 노후 냉난방 설비를 바꾼다"),
    ("하천 산책로 정비", "자전거 도로와 보행로를 분리하고 야간 조명을 새로 단다"),
    ("전통시장 주차장 확충", "공영주차장 두 곳을 새로 짓고 시장 진입로를 넓힌다"),
    ("노인복지관 증축", "급식실과 건강관리실을 늘리고 승강기를 새로 설치한다"),
    ("학교 앞 통학로 개선", "보도를 새로 깔고 과속 단속 카메라를 늘린다"),
)


def generated_article(n: int) -> FixtureArticle:
    """Article number ``n``: a different place, topic, figure and date for every ``n``."""
    city, district = PLACES[n % len(PLACES)]
    topic, what = TOPICS[(n // len(PLACES)) % len(TOPICS)]
    budget = 3 + (n * 7) % 90
    month, day = 1 + n % 12, 1 + (n * 5) % 28
    key = 5000 + n
    return FixtureArticle(
        key,
        f"{city} {district} {topic} 착수 ({n}호)",
        f"사업비 {budget}억 원 투입",
        f"2025-{month:02d}-{day:02d} {8 + n % 10:02d}:{(n * 13) % 60:02d}",
        "김하늘",
        (
            f"{city}가 {district} 일대 {topic} 사업에 들어간다고 {day}일 밝혔다. 관리번호는 제{key}호다.",
            f"시는 사업비 {budget}억 원을 들여 {what}. 공사는 {month}월에 시작해 연말까지 이어진다.",
            f"{district} 주민 {120 + n}명이 참여한 설명회에서는 공사 기간 통행 불편을 줄여 달라는 요청이 나왔다.",
            f"시 관계자는 \"{district} 주민들이 공사 기간에 겪을 불편을 최소화하겠다\"고 말했다.",
        ),
    )


def generated_articles(count: int) -> list[FixtureArticle]:
    return [generated_article(n) for n in range(count)]


def article_page(article: FixtureArticle, base: str) -> Page:
    return Page(ndsoft_article_html(article, base).encode("utf-8"), headers=dict(HTML))


class Slow:
    """A route that waits ``seconds`` before answering ``page`` (the server answers requests in threads)."""

    def __init__(self, page: Page, seconds: float) -> None:
        self.page, self.seconds = page, seconds

    def __call__(self, request: LoggedRequest) -> Page:
        time.sleep(self.seconds)
        return self.page


# --- raw routes -----------------------------------------------------------------------------------


@dataclass
class Raw:
    """A route that writes its own response to the socket; ``sent`` counts the bytes that got out."""

    write: Callable[[Raw, Any], None]
    sent: int = 0
    finished: bool = False  # the whole response was written (the client did not hang up)
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, wfile: Any, data: bytes) -> None:
        wfile.write(data)
        wfile.flush()
        with self._lock:
            self.sent += len(data)


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()] + ["", ""]
    return "\r\n".join(lines).encode("latin-1")


def slow_loris(interval: float = 1.0, limit: float = 40.0) -> Raw:
    """Headers at once, then one byte of body every ``interval`` seconds, for at most ``limit`` seconds."""

    def write(route: Raw, wfile: Any) -> None:
        route.send(wfile, _head("200 OK", {"Content-Type": "text/html; charset=utf-8", "Content-Length": "100000"}))
        route.send(wfile, b"<html><body><p>")
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            time.sleep(interval)
            route.send(wfile, b" ")
        route.finished = True

    return Raw(write)


def endless_body(total: int, declared: bool, chunk: int = 64 * 1024) -> Raw:
    """``total`` bytes of an HTML page, with its Content-Length (``declared``) or streamed until close."""

    def write(route: Raw, wfile: Any) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8"}
        headers.update({"Content-Length": str(total)} if declared else {"Connection": "close"})
        route.send(wfile, _head("200 OK", headers))
        block = ("<p>" + "가나다라마바사 " * (chunk // 24) + "</p>\n").encode()[:chunk]
        left = total
        while left > 0:
            piece = block[: min(left, len(block))]
            route.send(wfile, piece)
            left -= len(piece)
        route.finished = True

    return Raw(write)


def gzip_bomb(expanded: int) -> bytes:
    """A valid gzip member of ``expanded`` zero bytes, about a thousandth of that on the wire.

    Compressing gigabytes would take seconds; after a full flush deflate starts afresh,
    so every further megabyte of zeros compresses to the same bytes, which are repeated.
    """
    block = b"\0" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate; the gzip frame is added below
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks = expanded >> 20
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    deflate = first + repeated * (blocks - 1) + compressor.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + deflate + struct.pack("<II", crc, (blocks << 20) & 0xFFFFFFFF)


def compressed(body: bytes, content_type: str = "text/html; charset=utf-8") -> Page:
    """``body`` (already gzip) sent with Content-Encoding: gzip whatever the client asked."""
    return Page(body, headers={"Content-Type": content_type, "Content-Encoding": "gzip"})


def gzipped_page(page_bytes: bytes) -> Page:
    return compressed(gzip.compress(page_bytes))


class HostileServer(FixtureServer):
    """The fixture server, plus ``Raw`` routes that write the response themselves."""

    def start(self) -> HostileServer:
        super().start()
        assert self._server is not None
        # Clients hanging up in the middle of a body is what this server is for: no tracebacks.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        return self

    def _answer(self, handler: BaseHTTPRequestHandler, head: bool = False) -> None:
        route = self.route_for(handler.path)
        if not isinstance(route, Raw):
            super()._answer(handler, head)
            return
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self.log.append(LoggedRequest(handler.command, handler.path, headers, 200, time.monotonic()))
            route.calls += 1
        handler.close_connection = True
        try:
            route.write(route, handler.wfile)
        except (TimeoutError, BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client hung up: what these routes are for


def nested_html(depth: int, text: str) -> bytes:
    """A page whose body is ``depth`` nested <div>s with ``text`` at the bottom."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>깊은 페이지</title></head><body>"
        + "<div>" * depth + f"<p>{text}</p>" + "</div>" * depth + "</body></html>"
    ).encode("utf-8")


__all__ = [
    "HostileServer",
    "Raw",
    "Slow",
    "article_page",
    "article_path",
    "compressed",
    "endless_body",
    "generated_article",
    "generated_articles",
    "gzip_bomb",
    "gzipped_page",
    "nested_html",
    "slow_loris",
]
