"""Fixture news sites: pages in the shapes of real Korean CMSs, with their boilerplate.

- 한빛일보 (``hanbit_routes``): an NDSoft-CMS paper in UTF-8 — article pages with
  menus, share widgets, a ranking block naming other cities, a comment box and a
  copyright footer; an RSS feed with ETag/Last-Modified; a paged section listing;
  a search; a sitemap index with a Google News sitemap; a robots.txt that forbids
  one article; an article that answers 503 + Retry-After once; an old article URL
  that redirects; a gzip-compressed page; a page whose header says EUC-KR over
  UTF-8 bytes.
- 남도신문 (``namdo_routes``): an old ``article.php?aid=`` site in CP949 that sends
  no charset header: one page declares EUC-KR in a meta tag, one declares nothing,
  one is labelled UTF-8 in the header (wrongly), and uses CP949-only syllables.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import urlencode

from .articles import HANBIT, NAMDO, FixtureArticle
from .server import FailingFirst, Page, Route

RANKING_HEADLINES = (
    "이천시, 반도체 특화단지 지정 건의서 제출",
    "하남시 교산지구 광역교통 대책 발표",
    "과천시 스마트도시 계획 주민 공청회 연기",
    "경기도 청년 기본소득 신청 이달 말 마감",
)
BOILERPLATE_MARKERS = (
    "많이 본 뉴스",
    "무단전재",
    "나도 한마디",
    "로그인 후 의견",
    "기사 메일전송",
    "All rights reserved",
    *RANKING_HEADLINES,
)

FEED_ETAG = '"feed-v1"'
FEED_LAST_MODIFIED = "Wed, 12 Mar 2025 06:30:00 GMT"
SEARCH_QUERY = "4차 산업혁명"

# Which articles each entry page of 한빛일보 lists.
FEED_ITEMS = ("1001&utm_source=rss&utm_medium=feed", "1002", "1003", "1004")
LISTING_PAGES = {
    1: ("1001&fbclid=IwAR0abc", "1005", "1006", "1007", "1008"),
    2: ("1009", "1010", "1011&mode=old"),
    3: ("1012",),
    4: (),
}
SEARCH_PAGES = {1: ("1015", "1002"), 2: ("1016",), 3: ()}
NEWS_SITEMAP = ("1013", "1014", "1001")
OLD_SITEMAP = ("1003",)
ROBOTS_FORBIDDEN = 1009
RETRY_AFTER_ARTICLE = 1006
REDIRECTED_ARTICLE = 1011
GZIP_ARTICLE = 1002
MISLABELLED_ARTICLE = 1008  # header says EUC-KR, bytes are UTF-8


def article_path(idxno: int | str) -> str:
    return f"/news/articleView.html?idxno={idxno}"


def ndsoft_article_html(article: FixtureArticle, base: str, outlet: str = "한빛일보") -> str:
    e = html.escape
    url = base + article_path(article.key)
    paragraphs = "\n".join(f"<p>{e(p)}</p>" for p in article.paragraphs)
    ranking = "\n".join(
        f'<li><em class="number">{i}</em><a href="{article_path(900 + i)}">{e(h)}</a></li>'
        for i, h in enumerate(RANKING_HEADLINES, 1)
    )
    iso = article.published.replace(" ", "T") + ":00+09:00"
    return f"""<!DOCTYPE html>
<html lang="ko">
<head>
<meta charset="utf-8">
<title>{e(article.title)} - {outlet}</title>
<meta name="description" content="{e(article.paragraphs[0])}">
<meta property="og:type" content="article">
<meta property="og:title" content="{e(article.title)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{outlet}">
<meta property="article:published_time" content="{iso}">
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/css/style.css">
</head>
<body>
<div id="user-wrap">
<header id="user-header">
  <div class="top-util"><a href="/member/login.html">로그인</a> <a href="/member/join.html">회원가입</a></div>
  <h1 class="logo"><a href="/">{outlet}</a></h1>
  <nav id="user-nav"><ul class="nav-menu">
    <li><a href="/news/articleList.html?sc_section_code=S1N1">정치</a></li>
    <li><a href="/news/articleList.html?sc_section_code=S1N2">경제</a></li>
    <li><a href="/news/articleList.html?sc_section_code=S1N3">사회</a></li>
    <li><a href="/news/articleList.html?sc_section_code=S1N4">지역</a></li>
    <li><a href="/news/articleList.html?sc_section_code=S1N5">문화</a></li>
    <li><a href="/news/articleList.html?sc_section_code=S1N6">스포츠</a></li>
    <li><a href="/news/articleList.html?sc_section_code=S1N7">오피니언</a></li>
  </ul></nav>
</header>
<div id="user-container">
<section class="article-head-group">
  <ul class="breadcrumbs"><li><a href="/">홈</a></li><li>지역</li><li>경기 남부</li></ul>
  <h3 class="heading">{e(article.title)}</h3>
  <h4 class="subheading">{e(article.subtitle)}</h4>
  <ul class="infomation">
    <li><i class="icon-user-o"></i> {e(article.reporter)} 기자</li>
    <li><i class="icon-clock-o"></i> 입력 {article.published}</li>
    <li>댓글 0</li>
  </ul>
  <div class="share-btns"><button>기사 메일전송</button><button>기사수정</button><button>가가</button>
  <button>인쇄</button><a href="/news/articleList.html">목록 바로가기</a></div>
</section>
<article id="article-view-content-div" class="article-veiw-body view-page font-size17">
<figure class="photo-layout"><img src="/news/photo/2025/{article.key}_1.jpg" alt="">
<figcaption>{e(article.title)} &lt;{outlet} DB&gt;</figcaption></figure>
{paragraphs}
</article>
<div class="view-copyright">저작권자 © {outlet} 무단전재 및 재배포 금지</div>
<div class="view-editors"><strong>{e(article.reporter)} 기자</strong> reporter{article.key}@hanbit.example</div>
<aside id="aside">
  <div class="auto-article rank"><h2>많이 본 뉴스</h2><ol>
{ranking}
  </ol></div>
  <div class="comment-box"><h3>나도 한마디</h3><p>로그인 후 의견을 등록하시면 됩니다.</p></div>
</aside>
</div>
<footer id="user-footer">
  <p>{outlet} | 경기도 수원시 팔달구 효원로 1 | 등록번호 경기 아00000 | 발행인·편집인 홍길동</p>
  <p>Copyright © 2025 {outlet}. All rights reserved.</p>
</footer>
</div>
</body>
</html>
"""


def ndsoft_listing_html(links: tuple[str, ...], page: int, titles: dict[int, str], search: str | None = None) -> str:
    e = html.escape
    items = "\n".join(
        f'<li><h4 class="titles"><a href="{e(article_path(link))}">{e(titles[int(link.split("&")[0])])}</a></h4>'
        f'<span class="byline">한빛일보</span></li>'
        for link in links
    )
    heading = f"'{e(search)}' 검색 결과" if search else "지역"
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>{heading} - 한빛일보</title></head>
<body>
<header><nav><a href="/">홈</a> <a href="/news/articleList.html?sc_section_code=S1N1">정치</a></nav></header>
<div id="user-container">
<section id="section-list"><h2>{heading}</h2>
<ul class="type2">
{items}
</ul>
<ul class="pagination"><li class="pagination-page current"><a>{page}</a></li></ul>
</section>
<aside><div class="auto-article rank"><h2>많이 본 뉴스</h2><ol>
<li><a href="{article_path(1014)}">경기 남부 수출 증가</a></li></ol></div></aside>
</div>
<footer>Copyright © 2025 한빛일보. All rights reserved.</footer>
</body></html>
"""


def rss_xml(base: str, items: tuple[str, ...], titles: dict[int, str]) -> str:
    e = html.escape
    entries = "\n".join(
        f"<item><title>{e(titles[int(link.split('&')[0])])}</title><link>{e(base + article_path(link))}</link>"
        f"<pubDate>Wed, 12 Mar 2025 06:00:00 GMT</pubDate><author>한빛일보</author></item>"
        for link in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>한빛일보 전체기사</title><link>{base}/</link>
<description>한빛일보 전체기사 RSS</description><language>ko</language>
{entries}
</channel></rss>
"""


def sitemap_index_xml(base: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sitemap/old.xml</loc><lastmod>2025-01-01</lastmod></sitemap>
<sitemap><loc>{base}/sitemap/news.xml</loc><lastmod>2025-03-12</lastmod></sitemap>
</sitemapindex>
"""


def urlset_xml(base: str, links: tuple[str, ...], news: bool) -> str:
    e = html.escape
    rows = []
    for link in links:
        extra = (
            "<news:news><news:publication><news:name>한빛일보</news:name><news:language>ko</news:language>"
            "</news:publication><news:publication_date>2025-03-12T09:00:00+09:00</news:publication_date>"
            "<news:title>기사</news:title></news:news>"
            if news
            else "<lastmod>2025-01-01</lastmod>"
        )
        rows.append(f"<url><loc>{e(base + article_path(link))}</loc>{extra}</url>")
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>\n' + "\n".join(rows) + "\n</urlset>\n"
    )


HTML = {"Content-Type": "text/html; charset=utf-8"}


def search_path(page: int, query: str = SEARCH_QUERY) -> str:
    return "/news/articleList.html?" + urlencode(
        {"page": page, "sc_area": "A", "view_type": "sm", "sc_word": query}
    )


def hanbit_sources_toml(url: Callable[[str], str]) -> str:
    """The ``[[source]]`` tables of 한빛일보's feed, first list pages and sitemap; ``url`` is the server's."""
    return f"""
[[source]]
name = "hanbit-feed"
preset = "ndsoft"
url = "{url('')}"

[[source]]
name = "hanbit-list"
preset = "ndsoft"
type = "listing"
url = "{url('/')}"

[[source]]
name = "hanbit-sitemap"
preset = "ndsoft"
type = "sitemap"
url = "{url('/sitemap.xml')}"
"""


def hanbit_routes(base: str) -> dict[str, Route]:
    """The 한빛일보 site served at ``base`` (``http://127.0.0.1:PORT``)."""
    titles = {a.key: a.title for a in HANBIT}
    routes: dict[str, Route] = {
        "/robots.txt": Page(
            f"User-agent: *\nDisallow: {article_path(ROBOTS_FORBIDDEN)}\nDisallow: /member/\n".encode(),
            headers={"Content-Type": "text/plain"},
        ),
        "/rss/allArticle.xml": Page(
            rss_xml(base, FEED_ITEMS, titles).encode(),
            headers={"Content-Type": "application/rss+xml; charset=utf-8"},
            etag=FEED_ETAG,
            last_modified=FEED_LAST_MODIFIED,
        ),
        "/sitemap.xml": Page(sitemap_index_xml(base).encode(), headers={"Content-Type": "application/xml"},
                             etag='"index-v1"'),
        "/sitemap/news.xml": Page(urlset_xml(base, NEWS_SITEMAP, news=True).encode(),
                                  headers={"Content-Type": "application/xml"}, etag='"news-v1"'),
        "/sitemap/old.xml": Page(urlset_xml(base, OLD_SITEMAP, news=False).encode(),
                                 headers={"Content-Type": "application/xml"},
                                 last_modified="Wed, 01 Jan 2025 00:00:00 GMT"),
    }
    for page, links in LISTING_PAGES.items():
        routes[f"/news/articleList.html?page={page}&view_type=sm"] = Page(
            ndsoft_listing_html(links, page, titles).encode(), headers=HTML
        )
    for page, links in SEARCH_PAGES.items():
        routes[search_path(page)] = Page(ndsoft_listing_html(links, page, titles, SEARCH_QUERY).encode(), headers=HTML)
    for article in HANBIT:
        page = Page(ndsoft_article_html(article, base).encode("utf-8"), headers=dict(HTML))
        if article.key == MISLABELLED_ARTICLE:
            page.headers = {"Content-Type": "text/html; charset=euc-kr"}
        if article.key == GZIP_ARTICLE:
            page.gzip = True
        route: Route = page
        if article.key == RETRY_AFTER_ARTICLE:
            route = FailingFirst(
                page, Page(b"<html><body>busy</body></html>", status=503,
                           headers={"Content-Type": "text/html", "Retry-After": "1"})
            )
        routes[article_path(article.key)] = route
    routes[article_path(f"{REDIRECTED_ARTICLE}&mode=old")] = Page(
        status=301, headers={"Location": base + article_path(REDIRECTED_ARTICLE), "Content-Type": "text/html"}
    )
    return routes


# --- 남도신문: CP949 without a charset header --------------------------------------------------

NAMDO_META_ONLY = 501  # <meta charset=euc-kr>, no charset in the header
NAMDO_UNDECLARED = 502  # no declaration anywhere
NAMDO_MISLABELLED = 503  # header says UTF-8; bytes are CP949 with CP949-only syllables


def namdo_article_html(article: FixtureArticle, base: str, meta: bool) -> str:
    e = html.escape
    head_meta = '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">' if meta else ""
    paragraphs = "<br><br>\n".join(e(p) for p in article.paragraphs)
    return f"""<html>
<head>{head_meta}
<title>{e(article.title)} :: 남도신문</title>
<meta property="og:url" content="{base}/article.php?aid={article.key}">
</head>
<body>
<table width="100%"><tr><td class="gnb"><a href="/">남도신문</a> | <a href="/section.php?sid=1">정치</a> |
<a href="/section.php?sid=2">경제</a> | <a href="/section.php?sid=3">사회</a> | <a href="/section.php?sid=4">지역</a></td></tr></table>
<div class="view_title"><h2>{e(article.title)}</h2><h3>{e(article.subtitle)}</h3></div>
<div class="view_info">{article.published} | {e(article.reporter)} 기자</div>
<div id="joinskmbox">
{paragraphs}
</div>
<div class="copy">ⓒ 남도신문 무단전재 및 재배포 금지</div>
<div class="rank"><b>많이 본 뉴스</b><ul><li>광주 도심 순환도로 개통</li><li>나주 혁신도시 인구 증가</li></ul></div>
<div class="footer">남도신문 | 전라남도 목포시 | Copyright ⓒ 남도신문. All rights reserved.</div>
</body></html>
"""


def namdo_listing_html(keys: tuple[int, ...], titles: dict[int, str]) -> str:
    e = html.escape
    rows = "\n".join(f'<tr><td><a href="/article.php?aid={k}">{e(titles[k])}</a></td></tr>' for k in keys)
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr">
<title>지역 :: 남도신문</title></head><body>
<table class="list">{rows}</table>
<div class="paging"><b>1</b></div>
</body></html>
"""


def namdo_routes(base: str) -> dict[str, Route]:
    titles = {a.key: a.title for a in NAMDO}
    plain = {"Content-Type": "text/html"}
    routes: dict[str, Route] = {
        "/section.php?sid=0&page=1": Page(namdo_listing_html(tuple(titles), titles).encode("cp949"), headers=plain),
        "/section.php?sid=0&page=2": Page(namdo_listing_html((), titles).encode("cp949"), headers=plain),
    }
    for article in NAMDO:
        body = namdo_article_html(article, base, meta=article.key == NAMDO_META_ONLY).encode("cp949")
        headers = {"Content-Type": "text/html; charset=utf-8"} if article.key == NAMDO_MISLABELLED else plain
        routes[f"/article.php?aid={article.key}"] = Page(body, headers=headers)
    return routes
