"""HTML captures → Article, on Korean news pages written for these tests (tests/fixtures/pages)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from extractors.article import ExtractionError, capture_to_article
from extractors.htmlclean import clean_title, extract_html
from planwatch.records import Capture

PAGES = Path(__file__).parent / "fixtures" / "pages"


@dataclass
class PageCase:
    name: str
    url: str
    headers: dict[str, str]
    title: str
    author: str
    published: datetime
    outlet: str
    canonical: str
    encoding: str
    boilerplate: tuple[str, ...]


CASES = [
    PageCase(
        name="ndsoft_article",  # NDSoft CMS: /news/articleView.html?idxno=N, #article-view-content-div
        url="http://www.kyeonggi.com/news/articleView.html?idxno=2041177&utm_source=daum&utm_medium=news",
        headers={"content-type": "text/html; charset=utf-8"},
        title="성남시, 제2기 4차산업혁명 촉진 기본계획 최종보고회",
        author="김민수",
        published=datetime(2024, 5, 20, 10, 30),
        outlet="경기일보",
        canonical="https://www.kyeonggi.com/news/articleView.html?idxno=2041177",
        encoding="utf-8",
        boilerplate=(
            "로그인", "회원가입", "구독신청", "페이스북", "URL복사", "가가", "관련기사", "4차산업혁명위원회 위원 15명 위촉",
            "용인시", "많이 본 뉴스", "수원시", "화성시", "오산시", "포토뉴스", "장미축제", "댓글", "로그인 후 의견",
            "무단전재", "kms@kyeonggi.com", "다른기사 보기", "#성남시", "회사소개", "등록번호", "Copyright",
            "진행하고 있다", "성남시 제공",
        ),
    ),
    PageCase(
        name="euckr_no_header",  # CP949 bytes, no charset in the header nor in the page; table layout
        url="http://www.jbmaeil.example/news/view.asp?idx=50121",
        headers={"content-type": "text/html"},
        title="익산시 4차산업혁명위원회 출범…위원 18명 위촉",
        author="박영철",
        published=datetime(2019, 3, 14, 15, 42, 10),
        outlet="전북매일",
        canonical="https://www.jbmaeil.example/news/view.asp?idx=50121",
        encoding="cp949",
        boilerplate=(
            "정치", "인쇄", "기사 메일전송", "가가", "등록일", "ycpark", "무단전재", "많이 본 뉴스", "군산시", "전주시",
            "김제시", "회사소개", "|",
        ),
    ),
    PageCase(
        name="wrong_meta_charset",  # meta says euc-kr, the bytes are UTF-8
        url="https://www.dgsinbo.example/news/view.php?no=88231&fbclid=IwAR3",
        headers={},
        title="대구시, 디지털 혁신 종합계획 중간보고회 개최",
        author="이수진",
        published=datetime(2023, 11, 8, 16, 20),
        outlet="대구신보",
        canonical="https://www.dgsinbo.example/news/view.php?no=88231",
        encoding="utf-8",
        boilerplate=("승인", "sjlee@", "저작권자", "실시간 인기기사", "경북도", "포항시", "이수진 기자"),
    ),
    PageCase(
        name="script_rendered",  # the body exists only as HTML inside a script's JSON
        url="https://www.inews365.com/news/article.html?no=771204",
        headers={"content-type": "text/html; charset=utf-8"},
        title="청주시, 4차산업혁명 촉진 조례 제정",
        author="정민호",
        published=datetime(2022, 7, 6, 9, 15),
        outlet="충북일보",
        canonical="https://www.inews365.com/news/article.html?no=771204",
        encoding="utf-8",
        boilerplate=("$$ARTICLEAD$$", "충주시", "jmh@", "홈", "정치"),
    ),
    PageCase(
        name="json_ld_body",  # an empty client-rendered body; the article is JSON-LD articleBody in @graph
        url="https://www.jbon.example/news/2025/03/11/88412?ref=main",
        headers={"content-type": "text/html; charset=utf-8"},
        title="남원시, 지역정보화 기본계획 수립 용역 착수",
        author="한승우",
        published=datetime(2025, 3, 11, 14, 5),
        outlet="전북온뉴스",
        canonical="https://www.jbon.example/news/2025/03/11/88412",
        encoding="utf-8",
        boilerplate=("기사를 불러오는 중", "&#39;", "홈"),
    ),
    PageCase(
        name="arc_fusion",  # Arc XP (chosun.com): Fusion.globalContent, content_elements of type text
        url="https://www.chosun.com/national/regional/2024/11/05/QWERTY123/",
        headers={"content-type": "text/html; charset=utf-8"},
        title="부산시, 인공지능 산업 육성 종합계획 확정…4대 전략 12개 과제",  # <title> is only the site name
        author="박지훈",
        published=datetime(2024, 11, 5, 10, 20),  # first_publish_date 01:20Z in Korean time
        outlet="조선일보",
        canonical="https://www.chosun.com/national/regional/2024/11/05/QWERTY123",
        encoding="utf-8",
        boilerplate=("광고", "부산시청 전경", "<b>", "홈"),
    ),
    PageCase(
        name="next_data",  # Next.js: the article object inside __NEXT_DATA__'s page props
        url="https://www.sjpost.example/news/articles/20230914500",
        headers={"content-type": "text/html; charset=utf-8"},
        title="세종시, 스마트시티 기본계획 최종보고회",
        author="오세린",
        published=datetime(2023, 9, 14, 16, 40),
        outlet="세종포스트",
        canonical="https://www.sjpost.example/news/articles/20230914500",
        encoding="utf-8",
        boilerplate=("짧은 요약", "트램", "정치", "&lsquo;", "<p>"),
    ),
    PageCase(
        name="naver_portal",  # a portal page: the outlet is the paper it republishes, not 네이버
        url="https://n.news.naver.com/mnews/article/654/0000081234?sid=102",
        headers={"content-type": "text/html; charset=utf-8"},
        title="안산시, 디지털 전환 종합계획 중간보고회 개최",
        author="윤다현",
        published=datetime(2025, 6, 18, 15, 21, 7),
        outlet="경기타임즈",
        canonical="https://n.news.naver.com/mnews/article/654/0000081234",
        encoding="utf-8",
        boilerplate=("주요뉴스", "용인시", "Copyright", "네이버"),
    ),
    PageCase(
        name="daum_portal",
        url="https://v.daum.net/v/20240402113015774",
        headers={"content-type": "text/html; charset=utf-8"},
        title="광주 남구, 스마트도시 조성 업무협약",
        author="정하람",
        published=datetime(2024, 4, 2, 11, 30),
        outlet="남도일보",
        canonical="https://v.daum.net/v/20240402113015774",
        encoding="utf-8",
        boilerplate=("저작권자", "다음뉴스", "입력"),
    ),
]


def expected_paragraphs(name: str) -> list[str]:
    return (PAGES / f"{name}.expected.txt").read_text(encoding="utf-8").strip().split("\n")


def capture_for(case: PageCase) -> Capture:
    body = (PAGES / f"{case.name}.html").read_bytes()
    return Capture(body=body, kind="html", url=case.url, headers=case.headers, origin=case.name)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_page_body_matches_expected_text(case: PageCase) -> None:
    article = capture_to_article(capture_for(case))
    got = article.text.split("\n")
    want = expected_paragraphs(case.name)
    recall = sum(1 for p in want if p in got) / len(want)
    assert recall == 1.0, [p for p in want if p not in got]
    assert got == want  # nothing but the article's paragraphs
    for line in case.boilerplate:
        assert line not in article.text, line


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_page_metadata(case: PageCase) -> None:
    article = capture_to_article(capture_for(case))
    assert article.title == case.title
    assert article.author == case.author
    assert article.published == case.published
    assert article.outlet == case.outlet
    assert article.canonical_url == case.canonical
    assert article.encoding == case.encoding
    assert article.url == case.url
    assert "\ufffd" not in article.text + article.title


def test_selectors_are_used_before_trafilatura() -> None:
    case = CASES[0]
    selectors = {
        "title": "h1.heading",
        "body": "#article-view-content-div",
        "date": "ul.infomation li:nth-child(2)",
        "author": "//ul[@class='infomation']/li[1]",
    }
    body = (PAGES / "ndsoft_article.html").read_bytes()
    article = capture_to_article(Capture(body=body, kind="html", url=case.url, selectors=selectors))
    assert article.text.split("\n") == expected_paragraphs("ndsoft_article")
    assert article.title == case.title
    assert article.published == datetime(2024, 5, 20, 10, 30)
    assert article.author == "김민수"


def test_selector_that_matches_nothing_falls_back_to_automatic_extraction() -> None:
    body = (PAGES / "ndsoft_article.html").read_bytes()
    article = capture_to_article(Capture(body=body, kind="html", selectors={"body": "#no-such-div"}))
    assert article.text.split("\n") == expected_paragraphs("ndsoft_article")


def test_bad_selector_is_a_one_line_error() -> None:
    body = (PAGES / "ndsoft_article.html").read_bytes()
    with pytest.raises(ExtractionError, match="bad selector"):
        capture_to_article(Capture(body=body, kind="html", selectors={"body": "div[[["}))


def test_saved_page_handed_over_as_text_is_read_as_html() -> None:
    body = (PAGES / "wrong_meta_charset.html").read_bytes()
    article = capture_to_article(Capture(body=body, kind="text"))
    assert article.text.split("\n") == expected_paragraphs("wrong_meta_charset")


def test_encoding_override_from_the_source_config() -> None:
    body = (PAGES / "euckr_no_header.html").read_bytes()
    article = capture_to_article(
        Capture(body=body, kind="html", headers={"content-type": "text/html; charset=utf-8"}, encoding="euc-kr")
    )
    assert article.encoding == "cp949"
    assert "똠방각하" in article.text


def test_page_that_is_not_korean_keeps_its_lead_lines_and_links() -> None:
    """The body stage on an English page: the Korean header zone (everything above the first
    sentence) and the printed-address rule do not apply, so the short lead lines and the bare
    link stay in the body; the page's menus, byline, other stories and footer do not."""
    html = (PAGES / "english_article.html").read_text(encoding="utf-8")
    parts = extract_html(html, url="https://ledger.example/news/riverton-digital-plan")
    assert parts.paragraphs == expected_paragraphs("english_article")
    assert parts.subtitle is None
    assert parts.title == "Riverton adopts a five-year digital plan"
    assert parts.url == "https://ledger.example/news/riverton-digital-plan"
    for line in ("Subscribe", "By Dana Whitfield", "Most Read", "High school team", "All rights reserved",
                 "Privacy policy"):
        assert line not in parts.text, line


ENGLISH_PAGE = b"""<html><head><title>Council adopts data strategy</title></head><body><article>
<h1>Council adopts data strategy</h1>
<p>The city council voted on Tuesday to adopt a five-year data strategy that commits the administration to
publishing open data and to piloting artificial intelligence in public services.</p>
<p>The strategy lists twelve projects, from a traffic data platform to an assistant for the permit office,
and will be reviewed every year by an advisory board of residents and researchers.</p>
</article></body></html>"""


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty capture (0 bytes)"),
        (b"   \n\t  ", "empty page"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "binary file, not a page: a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file, not a page: a PNG image"),
        (b"<html>\x00\x01\x02\x00body", "binary file, not a page (NUL bytes)"),
        (ENGLISH_PAGE, "no Korean article text found"),
        (
            "<html><body><article><p>안양시가 보고회를 열었다.</p></article></body></html>".encode(),
            "no article text found",
        ),
        (
            ("<html><body><nav>" + "<a href='#'>메뉴</a>" * 30 + "</nav></body></html>").encode(),
            "no article text found",
        ),
        (("안녕하세요".encode() + "햏똠".encode("cp949")) * 40, "undecodable bytes"),
    ],
)
def test_unusable_captures_are_rejected_with_one_line(body: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        capture_to_article(Capture(body=body, kind="html"))
    message = str(caught.value)
    assert message.startswith(reason), message
    assert "\n" not in message


def test_too_short_korean_article() -> None:
    text = "안양시 보고회\n\n안양시가 24일 시청에서 4차 산업혁명 보고회를 열었다고 밝혔다.\n\n많이 본 뉴스\n1. 다른 기사\n"
    with pytest.raises(ExtractionError, match="too short after cleaning"):
        capture_to_article(Capture(body=text.encode(), kind="text"))


def test_huge_page_is_refused_with_a_reason() -> None:
    body = b"<html><body><p>" + "가".encode() * 2_000_000 + b"</p></body></html>"  # 6 MB, 2 million chars
    body = body + b" " * 3_500_000  # 5.5 million characters of text in total
    started = time.perf_counter()
    with pytest.raises(ExtractionError, match="page too large"):
        capture_to_article(Capture(body=body, kind="html"))
    assert time.perf_counter() - started < 5


def test_deeply_nested_html_fails_fast_with_one_line() -> None:
    body = ("<html><body>" + "<div>" * 20000 + "<p>안녕하세요</p>" + "</div>" * 20000 + "</body></html>").encode()
    started = time.perf_counter()
    with pytest.raises(ExtractionError) as caught:
        capture_to_article(Capture(body=body, kind="html"))
    assert "\n" not in str(caught.value)
    assert time.perf_counter() - started < 10


def test_unknown_capture_kind() -> None:
    with pytest.raises(ExtractionError, match="unknown capture kind"):
        capture_to_article(Capture(body="안녕하세요".encode(), kind="pdf"))  # type: ignore[arg-type]


def test_extraction_is_fast_enough_for_the_crawl() -> None:
    html = (PAGES / "ndsoft_article.html").read_text(encoding="utf-8")
    extract_html(html)  # warm-up: imports and caches
    started = time.perf_counter()
    for _ in range(10):
        extract_html(html)
    assert (time.perf_counter() - started) / 10 < 0.5


@pytest.mark.parametrize(
    ("raw", "site", "title"),
    [
        ("“스마트도시 계획 첫발 뗐다…내년엔 시민 참여 확대” - 매일경제", "매일경제", "“스마트도시 계획 첫발 뗐다…내년엔 시민 참여 확대”"),
        ('시의회 \'디지털 조례\' 심사 또다시 보류··· 위원장 "보완 필요"-정치ㅣ한국일보', "한국일보", '시의회 \'디지털 조례\' 심사 또다시 보류··· 위원장 "보완 필요"'),
        ("대전일보 모바일 :: 과학도시 인공지능 실증단지 문 연다", None, "과학도시 인공지능 실증단지 문 연다"),
        ("::: 전북매일 ::: 익산시 위원회 출범", None, "익산시 위원회 출범"),
        ("주말 드라마가 다시 본 지역 도시 - Entermedia", None, "주말 드라마가 다시 본 지역 도시"),
        ("시흥시 - 스마트시티 - 업무협약 | 경기뉴스", "경기뉴스", "시흥시 - 스마트시티 - 업무협약"),
    ],
)
def test_site_name_is_dropped_from_titles(raw: str, site: str | None, title: str) -> None:
    assert clean_title(raw, site) == title
