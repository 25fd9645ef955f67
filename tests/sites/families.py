"""Fixture sites for the CMS families of ``crawler/presets.py`` that 한빛일보 and 남도신문 do not cover.

Each ``Family`` is the page shape of one family: where its articles and list pages
live, how an article page and a list page look (the containers its preset's
selectors read, the navigation, ranking and footer around them) and its encoding.
``family_routes`` builds a whole site of that shape from a list of articles: the
article pages, a list paged ten rows at a time (by ``{page}`` in the URL or by a
"next" link, as the family does), newest first, each row with its date.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .articles import FixtureArticle
from .server import Page, Route

e = html.escape
PER_PAGE = 10


@dataclass(frozen=True)
class Family:
    preset: str
    article_path: Callable[[int], str]
    list_path: Callable[[int], str]  # page N of the list the source reads (page 1: what its url gives)
    source_url: Callable[[str], str]  # the source's `url` for a site served at base
    article_html: Callable[[FixtureArticle, str, str], str]  # (article, base, outlet)
    list_html: Callable[[list[tuple[str, FixtureArticle]], str | None, str], str]  # (rows, next link, outlet)
    encoding: str = "utf-8"
    source_type: str | None = None  # written into the source when the preset's default is not wanted


def _date(article: FixtureArticle, sep: str = "-") -> str:
    return article.published.replace("-", sep)


def _paragraphs(article: FixtureArticle, tag: str = "p") -> str:
    return "\n".join(f"<{tag}>{e(p)}</{tag}>" for p in article.paragraphs)


def _chrome(outlet: str, inner: str, charset: str = "utf-8", title: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="{charset}"><title>{e(title)}{' - ' if title else ''}{e(outlet)}</title></head>
<body>
<header><h1 class="logo"><a href="/">{e(outlet)}</a></h1>
<nav><ul><li><a href="/">홈</a></li><li>정치</li><li>경제</li><li>사회</li><li>지역</li><li>오피니언</li></ul></nav></header>
{inner}
<aside class="rank"><h2>많이 본 뉴스</h2><ol><li>도심 순환도로 개통 앞둬</li><li>시내버스 노선 개편 설명회</li></ol></aside>
<footer><p>{e(outlet)} | 등록번호 아00000 | 발행인 홍길동</p><p>Copyright ⓒ {e(outlet)}. All rights reserved. 무단전재 및 재배포 금지</p></footer>
</body></html>
"""


# --- /web/view.php?key= (영남일보, 중도일보) ---------------------------------------------------


def web_view_article(a: FixtureArticle, base: str, outlet: str) -> str:
    inner = f"""<div class="article-top"><h1 class="article-top-title">{e(a.title)}</h1>
<h2 class="sub">{e(a.subtitle)}</h2><p class="date article-date">입력 {_date(a, '.')}</p></div>
<div id="article_body" class="article-news-box">{_paragraphs(a)}</div>
<div class="reporter">{e(a.reporter)} 기자</div>"""
    return _chrome(outlet, inner, title=a.title)


def web_view_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    items = "\n".join(
        f'<li><a href="{e(href)}"><strong>{e(a.title)}</strong></a><span class="date">{_date(a, "-")}</span></li>'
        for href, a in rows
    )
    return _chrome(outlet, f'<ul class="news-list">{items}</ul><div class="paging"></div>', title="지역")


# --- /page/view/N (매일신문, 강원일보) -----------------------------------------------------------


def page_view_article(a: FixtureArticle, base: str, outlet: str) -> str:
    inner = f"""<div class="article_head"><h1>{e(a.title)}</h1><h2>{e(a.subtitle)}</h2>
<span class="date">{_date(a, '-')}</span><span class="writer">{e(a.reporter)} 기자</span></div>
<div id="articlebody" class="article_body">{_paragraphs(a)}</div>"""
    return _chrome(outlet, inner, title=a.title)


def page_view_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    items = "\n".join(
        f'<li><div class="txt_box"><a href="{e(href)}" class="tit">{e(a.title)}</a>'
        f'<p class="info"><span>{_date(a, ".")}</span></p></div></li>'
        for href, a in rows
    )
    return _chrome(outlet, f'<ul class="article_list">{items}</ul>', title="전체기사")


# --- 부산일보 /view/busan/view.php?code= ------------------------------------------------------


def busan_article(a: FixtureArticle, base: str, outlet: str) -> str:
    inner = f"""<div class="article_head"><h1>{e(a.title)}</h1><p class="sub_title">{e(a.subtitle)}</p>
<p class="date">입력 : {_date(a, '-')}</p></div>
<div class="article_content">{_paragraphs(a)}<p class="writer">{e(a.reporter)} 기자</p></div>"""
    return _chrome(outlet, inner, title=a.title)


def busan_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    items = "\n".join(
        f'<li><a href="{e(href)}"><p class="title">{e(a.title)}</p></a><span class="date">{_date(a, "-")}</span></li>'
        for href, a in rows
    )
    return _chrome(outlet, f'<ul class="article_list">{items}</ul>', title="뉴스")


# --- 국제신문 /news2011/asp/newsbody.asp?key= (EUC-KR) ------------------------------------------


def newsbody_article(a: FixtureArticle, base: str, outlet: str) -> str:
    inner = f"""<table width="100%"><tr><td>
<div class="news_title"><h1>{e(a.title)}</h1><h2>{e(a.subtitle)}</h2></div>
<div class="news_date">{_date(a, '-')} | {e(a.reporter)} 기자</div>
<div class="news_article">{"<br><br>".join(e(p) for p in a.paragraphs)}</div>
</td></tr></table>"""
    return _chrome(outlet, inner, charset="euc-kr", title=a.title)


def newsbody_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    items = "\n".join(
        f'<tr><td class="title"><a href="{e(href)}">{e(a.title)}</a></td><td class="date">{_date(a, ".")}</td></tr>'
        for href, a in rows
    )
    return _chrome(outlet, f'<table class="news_list">{items}</table>', charset="euc-kr", title="지역")


# --- wire services' regional sections -----------------------------------------------------------


def yna_article(a: FixtureArticle, base: str, outlet: str) -> str:
    inner = f"""<div class="title-article01"><h1 class="tit">{e(a.title)}</h1>
<p class="update-time" data-published-time="{a.published}">송고시간{_date(a, '-')}</p></div>
<article class="story-news article">{_paragraphs(a)}<p class="txt-copyright">&lt;저작권자(c) 연합뉴스, 무단 전재-재배포 금지&gt;</p></article>"""
    return _chrome(outlet, inner, title=a.title)


def yna_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    items = "\n".join(
        f'<li><div class="news-con"><a href="{e(href)}" class="tit-wrap"><strong class="tit-news">{e(a.title)}</strong></a>'
        f'<span class="txt-time">{_date(a, "-")}</span></div></li>'
        for href, a in rows
    )
    paging = f'<div class="paging"><a class="next" href="{e(next_link)}">다음</a></div>' if next_link else ""
    return _chrome(outlet, f'<ul class="list">{items}</ul>{paging}', title="지역")


def newsis_article(a: FixtureArticle, base: str, outlet: str) -> str:
    inner = f"""<div class="articleView"><h1 class="tit">{e(a.title)}</h1>
<div class="infoLine"><span class="date">등록 {_date(a, '.')}</span></div>
<div class="viewer"><article id="textBody">{"<br><br>".join(e(p) for p in a.paragraphs)}</article></div></div>"""
    return _chrome(outlet, inner, title=a.title)


def newsis_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    items = "\n".join(
        f'<li><p class="tit"><a href="{e(href)}">{e(a.title)}</a></p><p class="time">{_date(a, ".")}</p></li>'
        for href, a in rows
    )
    paging = f'<div class="paging"><a class="next" href="{e(next_link)}">다음</a></div>' if next_link else ""
    return _chrome(outlet, f'<ul class="articleList2">{items}</ul>{paging}', title="지역")


def news1_article(a: FixtureArticle, base: str, outlet: str) -> str:
    inner = f"""<h1 class="article-title">{e(a.title)}</h1>
<div id="article_created"><time datetime="{a.published.replace(' ', 'T')}:00+09:00">{_date(a, '-')}</time></div>
<div id="articles_detail">{_paragraphs(a)}</div>"""
    return _chrome(outlet, inner, title=a.title)


def news1_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    items = "\n".join(
        f'<li><a href="{e(href)}"><h3>{e(a.title)}</h3></a><span class="date">{_date(a, "-")}</span></li>'
        for href, a in rows
    )
    paging = f'<div class="pagination"><a class="next" href="{e(next_link)}">다음</a></div>' if next_link else ""
    return _chrome(outlet, f'<ul class="news-list">{items}</ul>{paging}', title="지역")


# --- a local government's press-release board (eGovFrame) ---------------------------------------


BOARD_LIST = "/www/selectBbsNttList.do?bbsNo=84&key=1201&pageIndex={page}"


def board_article(a: FixtureArticle, base: str, outlet: str) -> str:
    inner = f"""<div id="contents"><h2>보도자료</h2>
<div class="bbs_view"><h3 class="subject">{e(a.title)}</h3>
<ul class="info"><li>작성자 : 대변인실</li><li class="date">등록일 : {_date(a, '-')}</li><li>조회수 : 123</li></ul>
<div class="bbs_content">{_paragraphs(a)}<p>문의 : 미래전략과 (031-000-0000)</p></div>
<div class="file"><a href="/www/cmm/fms/FileDown.do?atchFileId=F1">보도자료.hwp</a></div>
</div><a href="{BOARD_LIST.format(page=1)}" class="btn">목록</a></div>"""
    return _chrome(outlet, inner, title=a.title)


def board_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    body = "\n".join(
        f'<tr><td class="num">{a.key}</td><td class="subject"><a href="{e(href)}">{e(a.title)}</a></td>'
        f'<td>대변인실</td><td class="date">{_date(a, "-")}</td><td>123</td></tr>'
        for href, a in rows
    )
    table = f"""<table class="bbs_default list"><caption>보도자료 목록</caption>
<thead><tr><th>번호</th><th>제목</th><th>작성자</th><th>등록일</th><th>조회</th></tr></thead>
<tbody>{body}</tbody></table><div class="pagination"></div>"""
    return _chrome(outlet, f'<div id="contents"><h2>보도자료</h2>{table}</div>', title="보도자료")


# --- NDSoft, with the dates its list rows print ----------------------------------------------


def ndsoft_article(a: FixtureArticle, base: str, outlet: str) -> str:
    from .news import ndsoft_article_html

    return ndsoft_article_html(a, base, outlet)


def ndsoft_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    items = "\n".join(
        f'<li><h4 class="titles"><a href="{e(href)}">{e(a.title)}</a></h4>'
        f'<span class="byline"><em>{e(a.reporter)} 기자</em><em>{_date(a, ".")}</em></span></li>'
        for href, a in rows
    )
    return _chrome(outlet, f'<section id="section-list"><ul class="type2">{items}</ul></section>', title="전체기사")


NDSOFT = Family("ndsoft", lambda k: f"/news/articleView.html?idxno={k}",
                lambda p: f"/news/articleList.html?page={p}&view_type=sm", lambda base: base, ndsoft_article, ndsoft_list)

BBS_LIST = "/bbs/list.do?ptIdx=254&mId=0301010000&page={page}"


def bbs_article(a: FixtureArticle, base: str, outlet: str) -> str:
    inner = f"""<div id="content"><div class="location">홈 &gt; 소식 &gt; 보도자료</div>
<div class="board_view"><h4 class="view_tit">{e(a.title)}</h4>
<div class="view_info"><span>담당부서 : 정보통신과</span><span class="date">{_date(a, '.')}</span><span>조회 45</span></div>
<div class="view_cont">{_paragraphs(a)}</div>
<div class="view_file"><a href="/bbs/download.do?fIdx=1">첨부파일.hwp</a></div></div>
<div class="btn_area"><a href="{BBS_LIST.format(page=1)}">목록</a></div></div>"""
    return _chrome(outlet, inner, title=a.title)


def bbs_list(rows: list[tuple[str, FixtureArticle]], next_link: str | None, outlet: str) -> str:
    body = "\n".join(
        f'<tr><td>{a.key}</td><td class="subject"><a href="{e(href)}" title="{e(a.title)}">{e(a.title)}</a></td>'
        f'<td>정보통신과</td><td>{_date(a, ".")}</td><td>45</td></tr>'
        for href, a in rows
    )
    return _chrome(outlet, f"""<div id="content"><table class="board_list"><thead><tr><th>번호</th><th>제목</th>
<th>담당부서</th><th>작성일</th><th>조회</th></tr></thead><tbody>{body}</tbody></table></div>""", title="보도자료")


FAMILIES: dict[str, Family] = {
    f.preset: f
    for f in (
        Family("web-view-php", lambda k: f"/web/view.php?key={k}", lambda p: f"/web/list.php?page={p}",
               lambda base: base, web_view_article, web_view_list),
        Family("page-view", lambda k: f"/page/view/2020{k:08d}", lambda p: f"/page/list?page={p}",
               lambda base: base, page_view_article, page_view_list),
        Family("busan-view", lambda k: f"/view/busan/view.php?code=2020{k:08d}", lambda p: f"/newsList/busan?page={p}",
               lambda base: base, busan_article, busan_list),
        Family("newsbody-asp", lambda k: f"/news2011/asp/newsbody.asp?code=0300&key={k}",
               lambda p: f"/news2011/asp/list.asp?page={p}", lambda base: base, newsbody_article, newsbody_list,
               encoding="cp949"),
        Family("yna", lambda k: f"/view/AKR2020{k:010d}", lambda p: "/local/gangwon/index" + ("" if p == 1 else f"/{p}"),
               lambda base: base + "/local/gangwon/index", yna_article, yna_list),
        Family("newsis", lambda k: f"/view/?id=NISX20200101_{k:010d}",
               lambda p: "/region/list/?region=gangwon" + ("" if p == 1 else f"&page={p}"),
               lambda base: base + "/region/list/?region=gangwon", newsis_article, newsis_list),
        Family("news1", lambda k: f"/local/gangwon/{500000 + k}", lambda p: "/local/gangwon" + ("" if p == 1 else f"?page={p}"),
               lambda base: base + "/local/gangwon", news1_article, news1_list),
        Family("egov-bbs", lambda k: f"/www/selectBbsNttView.do?bbsNo=84&key=1201&nttNo={k}",
               lambda p: BOARD_LIST.format(page=p), lambda base: base + BOARD_LIST, board_article, board_list),
        Family("bbs-list-do", lambda k: f"/bbs/view.do?ptIdx=254&mId=0301010000&bIdx={k}",
               lambda p: BBS_LIST.format(page=p), lambda base: base + BBS_LIST, bbs_article, bbs_list),
    )
}


def uses_page_numbers(family: Family) -> bool:
    """Whether the family pages by a number in the list URL ({page}) rather than a "next" link."""
    from crawler.presets import get_preset

    preset = get_preset(family.preset)
    return not preset.next_page


def family_routes(family: Family, base: str, articles: Sequence[FixtureArticle], outlet: str,
                  per_page: int = PER_PAGE) -> dict[str, Route]:
    """A site of ``family``'s shape at ``base`` publishing ``articles`` (listed newest first)."""
    content_type = f"text/html; charset={'euc-kr' if family.encoding == 'cp949' else family.encoding}"
    headers = {"Content-Type": content_type}
    newest = sorted(articles, key=lambda a: (a.published, a.key), reverse=True)
    pages = [newest[i : i + per_page] for i in range(0, len(newest), per_page)] or [[]]
    routes: dict[str, Route] = {"/robots.txt": Page(b"User-agent: *\nDisallow: /member/\n",
                                                    headers={"Content-Type": "text/plain"})}
    numbered = uses_page_numbers(family)
    for number, chunk in enumerate(pages, start=1):
        last = number == len(pages)
        next_link = None if last or numbered else family.list_path(number + 1)
        rows = [(family.article_path(a.key), a) for a in chunk]
        body = family.list_html(rows, next_link, outlet).encode(family.encoding)
        routes[family.list_path(number)] = Page(body, headers=headers)
    if numbered:  # past the last page: an empty list, as these CMSs answer
        routes[family.list_path(len(pages) + 1)] = Page(family.list_html([], None, outlet).encode(family.encoding),
                                                        headers=headers)
    for a in articles:
        routes[family.article_path(a.key)] = Page(family.article_html(a, base, outlet).encode(family.encoding),
                                                  headers=headers)
    return routes
