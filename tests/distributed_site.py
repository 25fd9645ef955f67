"""A large fixture news site for the distributed crawl: thousands of article pages on 127.0.0.1, a request log.

``NewsSite(articles=2000)`` serves, from an asyncio server in a background thread
(HTTP/1.1 keep-alive, so a crawler's connections are reused):

- ``/list?page=N`` — the section listing, newest first, ``page_size`` links a page;
- ``/feed.xml`` — an RSS feed of the newest ``feed_size`` articles (listed twice, by
  two sources: each article must still be fetched once);
- ``/news/<id>.html`` — article pages rendered from one template, each with its own
  text; the ``plan_ids`` report the same step of one plan (수원시's 2nd 4th-Industrial-
  Revolution plan, final report on 2025-03-12) in different words, the rest are
  ordinary local news;
- anything else — 404.

``grow(k)`` publishes k new articles (the newest, on top of the listing and the feed).
Every answered request is logged (path, status), so a test counts fetches per article.
"""

from __future__ import annotations

import asyncio
import html
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Self
from urllib.parse import parse_qs, urlsplit

OUTLET = "가람일보"
PLAN_DATE = "2025-03-12"
PLAN_LEADS = (
    "수원시가 12일 시청 중회의실에서 '제2기 수원시 4차 산업혁명 촉진 종합계획 수립 연구용역' 최종보고회를 열었다.",
    "경기 수원시는 12일 '제2기 수원시 4차 산업혁명 촉진 종합계획' 수립을 위한 연구용역 최종보고회를 개최했다고 밝혔다.",
)
TOWNS = ("가람동", "누리동", "다솜동", "마루동", "바다동", "새봄동", "아라동", "한결동")
TOPICS = ("도서관 야간 개방", "공원 산책로 정비", "전통시장 주차장 확충", "어린이 통학로 안전 점검",
          "경로당 냉방비 지원", "하천 정화 활동", "버스 노선 조정", "청년 창업 공간 개소")
REPORTERS = ("김하늘", "이바다", "박솔", "최누리", "정가람")


@dataclass(frozen=True)
class Hit:
    path: str
    query: str
    status: int
    at: float  # time.monotonic() when answered


def article_id_of(path: str) -> int | None:
    if path.startswith("/news/") and path.endswith(".html"):
        stem = path[len("/news/"):-len(".html")]
        return int(stem) if stem.isdigit() else None
    return None


class NewsSite:
    def __init__(self, articles: int, *, page_size: int = 100, feed_size: int = 30,
                 plan_ids: range | tuple[int, ...] = ()) -> None:
        self.count = articles
        self.page_size = page_size
        self.feed_size = feed_size
        self.plan_ids = set(plan_ids)
        self.log: list[Hit] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- the site --------------------------------------------------------------------------

    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def article_url(self, number: int) -> str:
        return f"{self.base()}/news/{number}.html"

    def newest_first(self) -> list[int]:
        return list(range(self.count, 0, -1))

    def grow(self, new: int) -> list[int]:
        """Publish ``new`` articles; returns their ids."""
        with self._lock:
            first = self.count + 1
            self.count += new
        return list(range(first, first + new))

    def listing_page(self, page: int) -> bytes:
        ids = self.newest_first()[(page - 1) * self.page_size: page * self.page_size]
        items = "\n".join(f'<li><a href="/news/{i}.html">{html.escape(self.title(i))}</a></li>' for i in ids)
        return (f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>지역 - {OUTLET}</title></head>'
                f'<body><h1>지역 소식</h1><ul class="articles">\n{items}\n</ul>'
                f'<p class="paging">{page}쪽</p></body></html>').encode()

    def feed(self) -> bytes:
        items = "\n".join(
            f"<item><title>{html.escape(self.title(i))}</title><link>{self.article_url(i)}</link>"
            f"<guid>{self.article_url(i)}</guid></item>"
            for i in self.newest_first()[: self.feed_size]
        )
        return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{OUTLET}</title>'
                f"<link>{self.base()}/</link><description>지역 소식</description>\n{items}\n</channel></rss>"
                ).encode()

    def title(self, number: int) -> str:
        if number in self.plan_ids:
            return f"수원시 4차 산업혁명 종합계획 최종보고회 ({number})"
        return f"{TOWNS[number % len(TOWNS)]} {TOPICS[number % len(TOPICS)]} 소식 ({number}호)"

    def paragraphs(self, number: int) -> list[str]:
        if number in self.plan_ids:
            return [
                PLAN_LEADS[number % len(PLAN_LEADS)],
                f"이번 종합계획은 2025년부터 2029년까지 5년간 추진할 4대 전략과 12대 과제, 35개 세부 사업을 담았다. (기사 {number})",
                "보고회에는 수원시 4차산업혁명위원회 위원과 관계 부서장 등 30여 명이 참석해 과제별 추진 방안을 논의했다.",
                f"시 관계자는 \"위원회 심의를 거쳐 다음 달 종합계획을 최종 확정할 계획\"이라고 말했다. 취재 {number}번.",
            ]
        town, topic = TOWNS[number % len(TOWNS)], TOPICS[number % len(TOPICS)]
        return [
            f"{town} 주민센터는 {topic} 사업을 이달부터 시작한다고 {number % 28 + 1}일 밝혔다.",
            f"이번 사업은 주민 {number % 90 + 10}명이 참여한 설문 결과를 반영해 마련됐으며 관리 번호는 {number}번이다.",
            f"센터 관계자는 \"{topic} 사업으로 주민 불편을 줄이고 생활 만족도를 높이겠다\"고 말했다.",
            (f"센터는 상반기 동안 {topic} 사업의 효과를 살펴본 뒤 하반기에는 이웃 동으로 넓히는 방안도 검토하기로 했다. "
             "주민자치회와 통장협의회도 사업 홍보와 현장 점검에 함께 나선다."),
            (f"{town}은 지난해에도 주민 제안으로 생활 불편 사항을 고쳐 왔으며, 올해는 예산을 늘려 더 많은 주민이 "
             "혜택을 받도록 할 계획이다. 참여를 원하는 주민은 이달 말까지 주민센터 민원실에 신청하면 된다."),
            "자세한 내용은 주민센터 누리집에서 확인할 수 있다.",
        ]

    def article(self, number: int) -> bytes:
        e = html.escape
        published = f"{PLAN_DATE}T15:20:00+09:00" if number in self.plan_ids else "2025-03-01T10:00:00+09:00"
        body = "\n".join(f"<p>{e(p)}</p>" for p in self.paragraphs(number))
        reporter = REPORTERS[number % len(REPORTERS)]
        return f"""<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">
<title>{e(self.title(number))} - {OUTLET}</title>
<meta property="og:site_name" content="{OUTLET}">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{self.article_url(number)}"></head>
<body><nav><a href="/">홈</a> <a href="/list?page=1">지역</a></nav>
<article><h1>{e(self.title(number))}</h1><p class="byline">{reporter} 기자</p>
{body}
</article>
<footer>저작권자 © {OUTLET} 무단전재 및 재배포 금지</footer></body></html>""".encode()

    def answer(self, target: str) -> tuple[int, str, bytes]:
        parts = urlsplit(target)
        path = parts.path
        number = article_id_of(path)
        if number is not None and 1 <= number <= self.count:
            return 200, "text/html; charset=utf-8", self.article(number)
        if path == "/list":
            page = parse_qs(parts.query).get("page", ["1"])[0]
            if page.isdigit() and int(page) >= 1:
                return 200, "text/html; charset=utf-8", self.listing_page(int(page))
        if path == "/feed.xml":
            return 200, "application/rss+xml; charset=utf-8", self.feed()
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        return 404, "text/html", b"<html><body>404</body></html>"

    # --- the request log -------------------------------------------------------------------

    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self.log)

    def article_fetches(self) -> Counter[int]:
        return Counter(n for h in self.hits() if (n := article_id_of(h.path)) is not None)

    def listing_fetches(self) -> Counter[int]:
        return Counter(int(parse_qs(h.query).get("page", ["0"])[0]) for h in self.hits() if h.path == "/list")

    def feed_fetches(self) -> int:
        return sum(1 for h in self.hits() if h.path == "/feed.xml")

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    # --- serving ---------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _version = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                status, content_type, body = self.answer(target)
                parts = urlsplit(target)
                with self._lock:
                    self.log.append(Hit(parts.path, parts.query, status, time.monotonic()))
                reason = {200: "OK", 404: "Not Found"}.get(status, "OK")
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode("latin-1")
                )
                if method != "HEAD":
                    writer.write(body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    def start(self) -> Self:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=256, limit=1 << 16)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, name="news-site", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fixture site did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
