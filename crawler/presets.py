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

    def path_for(self, source_type: str) -> str | None:
        return {
            "feed": self.feed_path,
            "listing": self.listing_path,
            "search": self.search_path,
            "sitemap": self.sitemap_path,
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
    if source_type in ("listing", "search"):
        out.setdefault("article_links", preset.article_links)
        if preset.next_page:
            out.setdefault("next_page", preset.next_page)
    own = out.get("selectors")
    if own is None or isinstance(own, dict):
        out["selectors"] = {**preset.selectors, **(own or {})}
    return out
