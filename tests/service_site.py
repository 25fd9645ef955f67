"""A tiny regional news site for the service tests: an NDSoft-style paper on 127.0.0.1.

It serves ``/rss/allArticle.xml`` (the feed the ``ndsoft`` preset reads), article
pages at ``/news/articleView.html?idxno=N`` shaped like the NDSoft CMS (menus,
``h3.heading``, ``#article-view-content-div``, a ranking box, a copyright line), and
``/robots.txt``. ``publish`` adds an article while the server runs, so a test can
check that the next scheduled crawl finds it. ``hang_feed`` makes the feed answer
only after a delay (bounded), for crawls that must be stopped. Every request is
counted by path, and the server thread stops within a second of ``stop``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KST = timezone(timedelta(hours=9))
HANG_LIMIT = 60.0  # seconds a hanging feed waits at most, whatever the test asked


@dataclass(frozen=True)
class Story:
    idxno: int
    title: str
    reporter: str
    published: datetime
    paragraphs: tuple[str, ...]


STORIES: tuple[Story, ...] = (
    Story(
        101,
        "수원시, 제2기 4차 산업혁명 촉진 종합계획 수립 착수보고회 개최",
        "한가람",
        datetime(2025, 3, 11, 10, 20, tzinfo=KST),
        (
            "수원시는 지난 10일 시청 중회의실에서 '제2기 수원시 4차 산업혁명 촉진 종합계획(2026~2030) 수립 연구용역' "
            "착수보고회를 열었다고 11일 밝혔다.",
            "이날 보고회에는 부시장과 수원시 4차산업혁명위원회 위원, 관련 부서장 등 30여 명이 참석해 "
            "용역 수행 방향과 추진 일정을 논의했다.",
            "연구용역은 오는 11월까지 진행되며, 인공지능과 데이터, 자율주행 등 신기술을 시정 전반에 적용하기 위한 "
            "비전과 전략, 세부 과제를 도출할 예정이다.",
            "시는 제1기 종합계획의 성과를 분석하고 시민과 기업의 의견을 수렴해 지역 여건에 맞는 실행 과제를 마련할 계획이다.",
            "시 관계자는 \"4차 산업혁명 기술이 시민 생활과 지역 산업에 실질적인 변화를 가져오도록 계획을 꼼꼼히 세우겠다\"고 말했다.",
        ),
    ),
    Story(
        102,
        "용인시 4차산업혁명위원회 출범…전문가 15명 위촉",
        "박서진",
        datetime(2025, 3, 12, 15, 5, tzinfo=KST),
        (
            "용인시는 12일 시청 비전홀에서 '용인시 4차산업혁명위원회' 출범식을 열고 위원 15명을 위촉했다고 밝혔다.",
            "위원회는 대학 교수와 연구기관 연구원, 기업 대표 등 4차 산업혁명 분야 전문가로 구성됐으며, "
            "앞으로 2년간 시의 4차 산업혁명 촉진 기본계획 수립과 주요 정책을 심의하고 자문한다.",
            "위원들은 첫 회의에서 반도체 클러스터와 연계한 인공지능·데이터 산업 육성 방안을 집중적으로 논의했다.",
            "시장은 \"위원회가 용인의 미래 산업 전략을 함께 그리는 든든한 동반자가 되길 바란다\"고 말했다.",
        ),
    ),
    Story(
        103,
        "화성시, 4차 산업혁명 촉진 기본계획 확정…4대 전략 12개 과제",
        "오하늘",
        datetime(2025, 3, 14, 9, 40, tzinfo=KST),
        (
            "화성시는 지난 13일 4차산업혁명위원회 정기회의를 열고 '화성시 4차 산업혁명 촉진 기본계획'을 최종 확정했다고 14일 밝혔다.",
            "기본계획은 '미래 모빌리티와 데이터로 여는 스마트 산업도시, 화성'을 비전으로 4대 전략과 12개 과제, "
            "35개 세부 사업으로 구성됐다.",
            "주요 과제로는 ▲자율주행 실증단지 조성 ▲제조 데이터 플랫폼 구축 ▲디지털 인재 양성 ▲스마트 행정 서비스 확대 등이 담겼다.",
            "시는 올해부터 5년간 단계적으로 사업을 추진하고 매년 시행계획을 세워 위원회에서 점검할 예정이다.",
        ),
    ),
)

RANKING_BOX = (
    "<aside class='ranking'><h4>많이 본 뉴스</h4><ol>"
    "<li><a href='/news/articleView.html?idxno=9001'>도심 공원 벚꽃축제 다음 주 개막</a></li>"
    "<li><a href='/news/articleView.html?idxno=9002'>시내버스 노선 일부 조정</a></li></ol></aside>"
)


class FixtureSite:
    """Start with ``start()`` (or as a context manager); ``url`` is the site root to configure."""

    def __init__(self, stories: tuple[Story, ...] = STORIES[:2], name: str = "경기시민일보") -> None:
        self.name = name
        self._stories = list(stories)
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.hang_seconds = 0.0
        self._stopping = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                site._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def article_url(self, idxno: int) -> str:
        return f"{self.url}/news/articleView.html?idxno={idxno}"

    def publish(self, story: Story) -> None:
        with self._lock:
            self._stories.append(story)

    def feed_requests(self) -> int:
        return self.requests["/rss/allArticle.xml"]

    def start(self) -> FixtureSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FixtureSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- pages ---------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        with self._lock:
            self.requests[parts.path] += 1
            stories = list(self._stories)
        if parts.path == "/robots.txt":
            self._send(handler, 200, "text/plain; charset=utf-8", "User-agent: *\nAllow: /\n")
        elif parts.path == "/rss/allArticle.xml":
            if self.hang_seconds:
                self._stopping.wait(min(self.hang_seconds, HANG_LIMIT))
            self._send(handler, 200, "application/rss+xml; charset=utf-8", self._feed(stories))
        elif parts.path == "/news/articleView.html":
            idxno = parse_qs(parts.query).get("idxno", [""])[0]
            story = next((s for s in stories if str(s.idxno) == idxno), None)
            if story is None:
                self._send(handler, 404, "text/html; charset=utf-8", "<html><body>없는 기사입니다</body></html>")
            else:
                self._send(handler, 200, "text/html; charset=utf-8", self._article(story))
        else:
            self._send(handler, 404, "text/html; charset=utf-8", "<html><body>not found</body></html>")

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, content_type: str, body: str) -> None:
        data = body.encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawl was stopped while we answered

    def _feed(self, stories: list[Story]) -> str:
        items = "".join(
            f"<item><title>{escape(s.title)}</title><link>{self.article_url(s.idxno)}</link>"
            f"<guid>{self.article_url(s.idxno)}</guid><pubDate>{format_datetime(s.published)}</pubDate>"
            f"<description>{escape(s.paragraphs[0])}</description><author>{escape(s.reporter)} 기자</author></item>"
            for s in sorted(stories, key=lambda s: s.published, reverse=True)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(self.name)} 전체기사</title><link>{self.url}/</link>"
            f"<description>{escape(self.name)}</description>{items}</channel></rss>"
        )

    def _article(self, story: Story) -> str:
        body = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
        when = story.published.isoformat()
        shown = story.published.strftime("%Y.%m.%d %H:%M")
        url = self.article_url(story.idxno)
        return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8">
<title>{escape(story.title)} - {escape(self.name)}</title>
<meta property="og:title" content="{escape(story.title)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{escape(self.name)}">
<meta property="article:published_time" content="{when}">
<link rel="canonical" href="{url}">
</head><body>
<header id="header"><nav class="nav"><ul><li><a href="/">홈</a></li><li><a href="/news/articleList.html">전체기사</a></li>
<li><a href="/news/articleList.html?sc_section_code=S1N1">정치</a></li><li>경제</li><li>사회</li><li>지역</li></ul></nav></header>
<div class="breadcrumbs">• 전국 • 수도권</div>
<article id="article-view" class="article-view">
<header class="article-view-header"><h3 class="heading">{escape(story.title)}</h3>
<ul class="infomation"><li><i class="icon-user"></i> {escape(story.reporter)} 기자</li><li>입력 {shown}</li></ul>
<div class="share">기사 메일전송 | 인쇄 | 가가</div></header>
<div id="article-view-content-div" class="article-veiw-body" itemprop="articleBody">{body}
<p class="email">{escape(story.reporter)} 기자 reporter@example.kr</p></div>
<p class="copyright">저작권자 © {escape(self.name)} 무단전재 및 재배포 금지</p>
</article>
{RANKING_BOX}
<footer id="footer"><p>{escape(self.name)} | 경기도 어느시 어느로 1 | 등록번호 경기 아00000</p></footer>
</body></html>"""


def wait_until(predicate, timeout: float, interval: float = 0.2):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns something truthy or ``timeout`` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value
