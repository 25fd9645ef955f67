"""Presets for the Korean news CMS families, so a regional paper is one line of configuration.

Most Korean regional papers run one of a handful of hosted CMS products, and every
site of a family has the same URL shapes and page skeleton. A preset is one row of
``PRESETS``: the article URL regex, where the feed, listing, search and sitemap
live, which links of a list page are articles, and the CSS selectors that find the
article body, title and date. ``apply_preset`` fills a source's missing keys from
its preset; anything the source sets itself wins.

This module imports nothing from Scrapy: the configuration loader uses it to
validate ``preset = "..."`` without starting a crawler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class CmsPreset:
    """The shape shared by every site of one CMS family."""

    name: str
    description: str
    examples: tuple[str, ...]  # hosts known to run it, for the documentation
    article_url_pattern: str  # regex searched in absolute article URLs
    default_type: str  # the source type a bare `preset = ...` line becomes
    feed_path: str | None = None
    listing_path: str | None = None  # may hold {page}
    search_path: str | None = None  # holds {query}, may hold {page}
    sitemap_path: str | None = None
    article_links: str | None = None  # CSS selector for the article links of a list page
    next_page: str | None = None  # CSS selector of the "next page" link, when {page} is not used
    selectors: dict[str, str] = field(default_factory=dict)  # body / title / date, for extraction
    list_items: str | None = None  # the rows of a list page (one article link and its date each)
    encoding: str | None = None  # the family's page encoding, when it is not UTF-8 (for search queries)
    board_path: str | None = None  # a press-release board's list page; may hold {page}

    def path_for(self, source_type: str) -> str | None:
        return {
            "feed": self.feed_path,
            "listing": self.listing_path,
            "search": self.search_path,
            "sitemap": self.sitemap_path,
            "board": self.board_path,
        }.get(source_type)


PRESETS: dict[str, CmsPreset] = {
    p.name: p
    for p in (
        CmsPreset(
            name="ndsoft",
            description="NDSoft news CMS (the most common among regional papers)",
            examples=("www.kyeongin.com", "www.joongboo.com", "www.kgnews.co.kr", "www.cctoday.co.kr"),
            article_url_pattern=r"/news/articleView\.html\?(?:[^#]*&)?idxno=\d+",
            default_type="feed",
            feed_path="/rss/allArticle.xml",
            listing_path="/news/articleList.html?page={page}&view_type=sm",
            search_path="/news/articleList.html?page={page}&sc_area=A&view_type=sm&sc_word={query}",
            sitemap_path=None,
            article_links=(
                "#section-list a[href*='articleView.html'], "
                ".article-list a[href*='articleView.html'], "
                ".list-block a[href*='articleView.html']"
            ),
            next_page=None,
            list_items="#section-list li, .article-list .list-block",
            selectors={
                "body": "#article-view-content-div",
                "title": "h3.heading, .article-head-title",
                "date": "meta[property='article:published_time']::attr(content)",
            },
        ),
        CmsPreset(
            name="view-php",
            description="the /news/view.php?idx=N family (gginews.kr and similar small papers)",
            examples=("gginews.kr",),
            article_url_pattern=r"/news/view\.php\?(?:[^#]*&)?idx=\d+",
            default_type="listing",
            feed_path="/rss/rss_news.php",
            listing_path="/news/list.php?page={page}",
            search_path="/news/list.php?page={page}&sfield=all&skey={query}",
            article_links="a[href*='view.php?idx=']",
            selectors={
                "body": "#news_body_area, .news_body, #articleBody",
                "title": ".news_title h1, .view_title, h1.title",
            },
        ),
        CmsPreset(
            name="article-php",
            description="the /article.php?aid=N family (kwangju.co.kr style)",
            examples=("www.kwangju.co.kr",),
            article_url_pattern=r"/article\.php\?(?:[^#]*&)?aid=\d+",
            default_type="listing",
            feed_path="/rss/all.xml",
            listing_path="/section.php?sid=0&page={page}",
            search_path="/search.php?keyword={query}&page={page}",
            article_links="a[href*='article.php?aid=']",
            selectors={
                "body": "#joinskmbox, .article_body, #articleBody",
                "title": ".view_title h2, .title h2, h1.title",
            },
        ),
        CmsPreset(
            name="web-view-php",
            description="the /web/view.php?key=N family (영남일보, 중도일보)",
            examples=("www.yeongnam.com", "www.joongdo.co.kr"),
            article_url_pattern=r"/web/view\.php\?(?:[^#]*&)?key=\d+",
            default_type="listing",
            listing_path="/web/list.php?page={page}",
            search_path="/web/search.php?page={page}&keyword={query}",
            article_links="a[href*='view.php?key=']",
            list_items=".news-list li",
            selectors={
                "body": "#article_body, .article-news-box",
                "title": ".article-top-title, h1.tit",
                "date": ".article-date, .article-top .date",
            },
        ),
        CmsPreset(
            name="page-view",
            description="the /page/view/N family (매일신문, 강원일보)",
            examples=("www.imaeil.com", "www.kwnews.co.kr"),
            article_url_pattern=r"/page/view/\d{10,}",
            default_type="listing",
            listing_path="/page/list?page={page}",
            search_path="/search?page={page}&keyword={query}",
            article_links="a[href*='/page/view/']",
            list_items=".article_list li",
            selectors={
                "body": "#articlebody, .article_body",
                "title": ".article_head h1, h1.title",
                "date": ".article_head .date",
            },
        ),
        CmsPreset(
            name="busan-view",
            description="부산일보's /view/busan/view.php?code=N",
            examples=("www.busan.com",),
            article_url_pattern=r"/view/busan/view\.php\?(?:[^#]*&)?code=\d+",
            default_type="listing",
            listing_path="/newsList/busan?page={page}",
            search_path="/search/busan?page={page}&keyword={query}",
            article_links="a[href*='view.php?code=']",
            list_items=".article_list li",
            selectors={
                "body": ".article_content",
                "title": ".article_head h1",
                "date": ".article_head .date",
            },
        ),
        CmsPreset(
            name="newsbody-asp",
            description="the ASP /news2011/asp/newsbody.asp?key=N family in EUC-KR (국제신문)",
            examples=("www.kookje.co.kr",),
            article_url_pattern=r"/news2011/asp/newsbody\.asp\?(?:[^#]*&)?key=\d+",
            default_type="listing",
            listing_path="/news2011/asp/list.asp?page={page}",
            search_path="/news2011/asp/search.asp?page={page}&keyword={query}",
            article_links="a[href*='newsbody.asp']",
            list_items="table.news_list tr",
            encoding="cp949",
            selectors={
                "body": ".news_article",
                "title": ".news_title h1",
                "date": ".news_date",
            },
        ),
        CmsPreset(
            name="yna",
            description="연합뉴스 (Yonhap): its regional section pages; give the section's URL",
            examples=("www.yna.co.kr",),
            article_url_pattern=r"/view/AKR\d{14,}",
            default_type="listing",
            listing_path="/local/index",
            article_links="a[href*='/view/AKR']",
            next_page=".paging a.next",
            list_items="ul.list li",
            selectors={
                "body": ".story-news.article",
                "title": "h1.tit",
                "date": "p.update-time",
            },
        ),
        CmsPreset(
            name="newsis",
            description="뉴시스 (Newsis): its regional section pages; give the section's URL",
            examples=("www.newsis.com",),
            article_url_pattern=r"/view/(?:\?(?:[^#]*&)?id=)?NISX\d{8}_\d+",
            default_type="listing",
            listing_path="/region/list/",
            article_links="a[href*='NISX']",
            next_page=".paging a.next",
            list_items="ul.articleList2 li",
            selectors={
                "body": "#textBody",
                "title": "h1.tit",
                "date": ".infoLine .date",
            },
        ),
        CmsPreset(
            name="news1",
            description="뉴스1 (News1): its regional section pages; give the section's URL",
            examples=("www.news1.kr",),
            article_url_pattern=r"/(?:articles/\?\d+|local/[a-z0-9-]+/\d{5,})",
            default_type="listing",
            listing_path="/local",
            article_links="a[href*='/local/'], a[href*='/articles/']",
            next_page=".pagination a.next",
            list_items="ul.news-list li",
            selectors={
                "body": "#articles_detail",
                "title": "h1.article-title",
                "date": "#article_created time",
            },
        ),
        CmsPreset(
            name="egov-bbs",
            description=(
                "press-release boards on the eGovFrame board (selectBbsNttList.do / selectBbsNttView.do) "
                "many city and province sites share; give the board's list URL with {page}"
            ),
            examples=(),
            article_url_pattern=r"/selectBbsNttView\.do\?(?:[^#]*&)?nttNo=\d+",
            default_type="board",
            board_path="/selectBbsNttList.do?pageIndex={page}",
            article_links="a[href*='selectBbsNttView.do']",
            list_items="table.bbs_default tbody tr, .board_list tbody tr",
            selectors={
                "body": ".bbs_content, .bbs_view .content",
                "title": ".bbs_view .subject, .board_view .subject",
                "date": ".bbs_view .date, .board_view .date",
            },
        ),
        CmsPreset(
            name="bbs-list-do",
            description=(
                "press-release boards at /bbs/list.do?ptIdx=…&mId=… (/bbs/view.do?…&bIdx=N), another board "
                "many city and county sites share; give the board's list URL with {page}"
            ),
            examples=(),
            article_url_pattern=r"/bbs/view\.do\?(?:[^#]*&)?bIdx=\d+",
            default_type="board",
            board_path="/bbs/list.do?page={page}",
            article_links="a[href*='view.do']",
            list_items="table.board_list tbody tr, .bbs_list tbody tr",
            selectors={
                "body": ".board_view .view_cont",
                "title": ".board_view .view_tit",
                "date": ".board_view .view_info .date",
            },
        ),
    )
}


class PresetError(ValueError):
    """A preset that does not exist or cannot serve the requested source type."""


def preset_names() -> list[str]:
    return sorted(PRESETS)


def get_preset(name: str) -> CmsPreset:
    try:
        return PRESETS[name]
    except KeyError:
        raise PresetError(f"unknown preset {name!r} (known presets: {', '.join(preset_names())})") from None


def is_site_root(url: str) -> bool:
    """``https://www.example.kr`` or ``https://www.example.kr/``: a site, not a page."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def apply_preset(data: dict[str, Any]) -> dict[str, Any]:
    """A raw ``[[source]]`` table with its preset's defaults filled in (the source's own keys win).

    A site-root ``url`` becomes the preset's page for the source type (the feed for
    ``type = "feed"``, the listing for ``"listing"``, ...). Raises ``PresetError``.
    """
    name = data.get("preset")
    if not isinstance(name, str):
        return data
    preset = get_preset(name)
    out = dict(data)
    source_type = out.setdefault("type", preset.default_type)
    if not isinstance(source_type, str):
        return out  # the type validator reports it
    url = out.get("url")
    if isinstance(url, str) and url.startswith(("http://", "https://")) and is_site_root(url):
        path = preset.path_for(source_type)
        if path is None:
            raise PresetError(
                f"preset {name!r} knows no {source_type} page; give the {source_type}'s full URL in 'url'"
            )
        parts = urlsplit(url)
        path_part, _, query = path.partition("?")
        out["url"] = urlunsplit((parts.scheme, parts.netloc, path_part, query, ""))
    out.setdefault("article_url_pattern", preset.article_url_pattern)
    if source_type in ("listing", "search", "board"):
        out.setdefault("article_links", preset.article_links)
        if preset.next_page:
            out.setdefault("next_page", preset.next_page)
        if preset.list_items:
            out.setdefault("list_items", preset.list_items)
    if preset.encoding:
        out.setdefault("encoding", preset.encoding)
    own = out.get("selectors")
    if own is None or isinstance(own, dict):
        out["selectors"] = {**preset.selectors, **(own or {})}
    return out
