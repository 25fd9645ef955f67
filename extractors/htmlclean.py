"""HTML page → article parts: trafilatura for the main text, then the Korean clean-up.

trafilatura finds the article and htmldate its publication time; what they let
through (copyright lines, reporter e-mail and sign-off lines, bylines, photo
captions, an occasional "주요뉴스" list) is removed by ``textclean``'s rules, so HTML
and text captures obey one rule set. Three more sources of text:

* per-site ``selectors`` (CSS, or XPath when they start with ``/`` or ``(``) for
  title, body, date and author, used before anything automatic;
* pages whose body lives in embedded data (JSON-LD ``articleBody``, Arc/Fusion
  ``Fusion.globalContent``, Next.js ``__NEXT_DATA__``; ``extractors.embedded``), read when
  trafilatura finds (almost) no text, with the title, date and author they carry;
* else pages that ship the article only inside a script (client-rendered news sites put
  the body HTML in a JSON string): the longest such HTML string is extracted;
* metadata: ``og:site_name``, ``link rel=canonical`` / ``og:url``.

Extraction work per page is bounded: trafilatura's passes cost time that grows
faster than the page (a 3.7 MB page of 100,000 links took 85 s of CPU), so a page of
more than ``MAX_ELEMENTS`` HTML elements is refused before any of them runs. The
largest real article page of the corpus has about 3,600; an index or a link farm has
far more, and it is no article.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import htmldate
import lxml.html
import trafilatura
from lxml import etree
from parsel import Selector
from trafilatura.metadata import extract_metadata

from extractors.embedded import block_text, embedded_article
from extractors.outlets import is_outlet_name, is_portal, outlet_for_domain, portal_press_name
from extractors.textclean import (
    DATE_TIME,
    HEADER_BYLINE,
    SECTION_NAMES,
    SIGNOFF,
    ArticleParts,
    clean_page_text,
    dates_in_line,
    line_key,
    looks_like_site_name,
    normalize_text,
    parse_date,
)
from extractors.urls import same_site

log = logging.getLogger(__name__)

KST = timezone(timedelta(hours=9))

# trafilatura options chosen on the corpus pages (benchmarks/quality.py). On the Korean pages
# favor_recall / balanced / favor_precision score the same after clean-up; on the
# scrapinghub pages balanced keeps more of the text (R 0.980 vs 0.972) for nearly the
# same F1, and a lost paragraph costs planwatch more than a stray line. Tables hold
# plan items on some pages (F1 0.958 without them).
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "favor_recall": False,
    "favor_precision": False,
    "deduplicate": False,
}

# Separators between an article title and the site's name in <title>/og:title.
TITLE_SEPARATORS = re.compile(r"\s(?:[-|–—:<>])\s|\s?:{2,3}\s?|ㅣ|\s[|]|[|]\s")
# "...밀어붙이나"-정치ㅣ한국일보": a section name glued to the title before the site name.
TRAILING_SECTION = re.compile(r"\s?-\s?([가-힣/·]{1,8})(?=\s?(?:ㅣ|[|]|\s-\s|$))")
# Script-embedded body HTML: a JSON string literal; escapes make the pattern linear.
JSON_STRING = re.compile(r'"((?:[^"\\\n]|\\.){200,})"')
EMBEDDED_HTML_MARKERS = ("<p", "\\u003cp", "<br", "\\u003cbr")
MIN_EMBEDDED_CHARS = 200
# Below this much main text, or with one paragraph only, the page's embedded data is read: a
# client-rendered page leaves trafilatura with nothing, a stray line of the page around the
# article, or the data's body with its paragraphs run together. The data's body is taken when
# it holds about as much text.
EMBEDDED_CHECK_CHARS = 200
EMBEDDED_SHARE = 0.9
# Names that author fields carry but that are not reporters.
NON_PERSON_AUTHORS: frozenset[str] = frozenset(
    {"네이버", "다음", "카카오", "편집국", "편집부", "온라인뉴스팀", "디지털뉴스팀", "뉴스팀", "보도자료", "관리자", "admin"}
)
LATIN_NAME = re.compile(r"[A-Z][A-Za-z'-]{1,30}(?: [A-Z][A-Za-z'-]{0,30}\.?){1,3}")
LAYOUT_CELL_CONTENT = ("table", "div", "p", "ul", "ol", "article", "section")
# Elements that may print "입력 2024.05.20 10:30" in the article head.
DATE_HOLDERS = ("li", "span", "p", "div", "td", "em", "dd", "time", "strong", "b", "font")
MAX_DATE_HOLDER_CHILDREN = 4


class HtmlError(ValueError):
    """The HTML could not be parsed or extracted (one-line reason)."""


@dataclass
class PageMeta:
    title: str | None = None
    sitename: str | None = None
    canonical: str | None = None
    author: str | None = None
    published: datetime | None = None
    published_has_time: bool = False
    press: str | None = None  # the original outlet a portal page names


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse with lxml; a document lxml cannot build a tree for raises HtmlError."""
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
    except (etree.LxmlError, ValueError, RecursionError) as exc:
        raise HtmlError(f"unparseable HTML ({type(exc).__name__}: {str(exc)[:80]})") from exc
    if tree is None:
        raise HtmlError("unparseable HTML (empty document)")
    return tree


_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
MAX_ELEMENTS = 30_000  # per page; about eight times the largest article page of the corpus


def check_extraction_budget(tree: lxml.html.HtmlElement) -> None:
    """Raise HtmlError for a page too large to extract: counting stops at the limit (linear, fast)."""
    for count, _ in enumerate(tree.iter(), start=1):
        if count > MAX_ELEMENTS:
            raise HtmlError(f"too much HTML to extract: more than {MAX_ELEMENTS:,} elements (the limit per page), "
                            "not an article page")


def extract_html(html: str, url: str | None = None, selectors: dict[str, str] | None = None) -> ArticleParts:
    """Extract article parts from a decoded HTML page."""
    tree = parse_html(html)
    check_extraction_budget(tree)
    meta = read_meta(tree, url)
    title = meta.title
    parts: ArticleParts | None = None
    if selectors:
        parts = _extract_with_selectors(tree, selectors, title)
        if parts is not None and parts.title:
            title = parts.title
    if (parts is None or not parts.paragraphs) and meta.press:
        parts = _portal_body(tree, title)
    if parts is None or not parts.paragraphs:
        text = _main_text(tree, url)
        parts = clean_page_text(text, title=title or None) if text else ArticleParts(title=title or "")
        if len(parts.text) < EMBEDDED_CHECK_CHARS or len(parts.paragraphs) <= 1:
            embedded = _embedded_parts(tree, title, meta.sitename)
            if embedded is not None and _compact_len(embedded.text) >= EMBEDDED_SHARE * _compact_len(parts.text):
                parts = embedded
    if not parts.paragraphs:
        fragment = embedded_article_html(tree)
        if fragment:
            parts = clean_page_text(fragment_text(fragment), title=title or None)
    _merge_meta(parts, meta, url)
    if parts.author is None and parts.paragraphs:
        parts.author = _trafilatura_author(html, url)
    return parts


def _embedded_parts(tree: lxml.html.HtmlElement, title: str | None, sitename: str | None) -> ArticleParts | None:
    """The article from the page's embedded data (JSON-LD, Fusion, Next.js), when it holds a body."""
    found = embedded_article(tree)
    if found is None:
        return None
    page_title_is_site = not title or is_outlet_name(title) or line_key(title) == line_key(sitename or "")
    parts = clean_page_text(found.body, title=(found.title if page_title_is_site else title) or title or None)
    if not parts.paragraphs:
        return None
    parts.published = parts.published or found.published
    parts.author = parts.author or author_name(found.author)
    log.debug("article body read from embedded data (%s)", found.source)
    return parts


def _compact_len(text: str) -> int:
    return len("".join(text.split()))


def _trafilatura_author(html: str, url: str | None) -> str | None:
    """trafilatura's author heuristics (JSON-LD, bylines), on a fresh tree: extraction edits the first one."""
    try:
        document = extract_metadata(html, default_url=url, extensive=False)
    except (ValueError, TypeError, RecursionError, etree.LxmlError):
        return None
    return author_name(getattr(document, "author", None))


def unwrap_layout_tables(tree: lxml.html.HtmlElement) -> None:
    """Turn tables used for page layout into divs, so the article inside is not read as a data table.

    A table is layout when a cell holds block content (another table, a div, paragraphs):
    data tables hold short cell text. Old Korean CMS pages put the whole page in one.
    """
    for table in list(tree.iter("table")):
        if not any(True for _ in table.iter(*LAYOUT_CELL_CONTENT) if _ is not table):
            continue
        for el in table.iter("table", "tbody", "thead", "tfoot", "tr", "td", "th"):
            el.tag = "div"
            for attr in ("width", "height", "valign", "align", "colspan", "rowspan", "cellpadding", "cellspacing"):
                el.attrib.pop(attr, None)


def _main_text(tree: lxml.html.HtmlElement, url: str | None) -> str:
    unwrap_layout_tables(tree)
    try:
        result = trafilatura.bare_extraction(tree, url=url, with_metadata=False, **TRAFILATURA_OPTIONS)
    except RecursionError as exc:
        raise HtmlError("HTML nested too deeply to extract") from exc
    text = getattr(result, "text", None) if result is not None else None
    return text or ""


def fragment_text(fragment_html: str) -> str:
    """Text of an HTML fragment that is known to be the article (selectors, embedded JSON)."""
    wrapped = f"<html><body><article>{fragment_html}</article></body></html>"
    # The fragment is the article: trafilatura's own pass suffices, without the comparison
    # with readability and jusText that guards a whole page (half of this function's time).
    text = trafilatura.extract(wrapped, fast=True, **TRAFILATURA_OPTIONS)
    if text and text.strip():
        return text
    try:
        root = lxml.html.fragment_fromstring(fragment_html, create_parent="div")
    except (etree.LxmlError, ValueError):
        return ""
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.iter("p", "div", "h1", "h2", "h3", "h4", "li"):
        block.tail = "\n" + (block.tail or "")
    return root.text_content()


def embedded_article_html(tree: lxml.html.HtmlElement) -> str | None:
    """The longest HTML string inside a script, when the page renders its body client-side."""
    best: str | None = None
    for script in tree.iter("script"):
        code = script.text or ""
        if len(code) < MIN_EMBEDDED_CHARS or not any(m in code for m in EMBEDDED_HTML_MARKERS):
            continue
        for match in JSON_STRING.finditer(code):
            literal = match.group(1)
            if not any(m in literal for m in EMBEDDED_HTML_MARKERS):
                continue
            try:
                value = json.loads(f'"{literal}"')
            except ValueError:
                continue
            if best is None or len(value) > len(best):
                best = value
    return best


# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------


def _first(tree: lxml.html.HtmlElement, *xpaths: str) -> str | None:
    for xp in xpaths:
        for value in tree.xpath(xp):
            text = (value if isinstance(value, str) else value.text_content()).strip()
            if text:
                return normalize_text(text)
    return None


def read_meta(tree: lxml.html.HtmlElement, url: str | None) -> PageMeta:
    meta = PageMeta()
    meta.sitename = _first(
        tree, "//meta[@property='og:site_name']/@content", "//meta[@name='og:site_name']/@content"
    )
    meta.canonical = _first(
        tree, "//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"
    )
    raw_title = _first(
        tree,
        "//meta[@property='og:title']/@content",
        "//meta[@name='title']/@content",
        "//title",
        "//h1",
    )
    meta.title = clean_title(raw_title, meta.sitename) if raw_title else None
    meta.author = _first(tree, "//meta[@name='author']/@content", "//meta[@property='article:author']/@content")
    portal = is_portal(url) or is_portal(meta.canonical)
    if portal:
        meta.press = portal_press(tree)
        meta.author = meta.author or _first(tree, *PORTAL_AUTHOR_XPATHS)
    meta.published, meta.published_has_time = _published(tree)
    if portal and not meta.published_has_time:
        stamped = _first(tree, *PORTAL_TIME_XPATHS)
        match = DATE_TIME.search(stamped or "")
        when = parse_date(match) if match else None
        if when is not None:
            meta.published, meta.published_has_time = when, (when.hour, when.minute) != (0, 0)
    if not meta.published_has_time:
        printed = printed_published(tree)
        if printed is not None and (meta.published is None or printed.date() == meta.published.date()):
            meta.published, meta.published_has_time = printed, True
    return meta


# Where a portal page names the outlet it republishes, most reliable first.
PORTAL_PRESS_XPATHS = (
    "//meta[@name='article:media_name' or @property='article:media_name']/@content",
    "//meta[@property='og:article:author' or @name='og:article:author']/@content",
    "//meta[@name='twitter:creator' or @property='twitter:creator']/@content",
    "//*[contains(@class,'media_end_head_top_logo') or contains(@class,'press_logo') or contains(@class,'link_cp')"
    " or contains(@class,'logo_cp')]//img/@alt",
    "//*[contains(@class,'media_end_head_top_logo') or contains(@class,'press_logo')]/@title",
)


# The reporter and the time as the portals print them (Naver's journalist name and data-date-time,
# Daum's first txt_info).
PORTAL_AUTHOR_XPATHS = (
    "//*[contains(@class,'media_end_head_journalist_name')]",
    "//*[contains(@class,'head_view')]//*[contains(@class,'txt_info')][1]",
)
PORTAL_TIME_XPATHS = (
    "//*[contains(@class,'_ARTICLE_DATE_TIME')]/@data-date-time",
    "//*[contains(@class,'head_view')]//*[contains(@class,'num_date')]",
)


# The article container of the portals (Naver's #dic_area, Daum's #harmonyContainer): read as
# it is, so that paragraphs separated only by <br> stay paragraphs.
PORTAL_BODY_XPATHS = ("//*[@id='dic_area']", "//*[@id='harmonyContainer']", "//*[@id='articleBodyContents']")


def _portal_body(tree: lxml.html.HtmlElement, title: str | None) -> ArticleParts | None:
    for xpath in PORTAL_BODY_XPATHS:
        for el in tree.xpath(xpath):
            for junk in el.xpath(".//script|.//style|.//figure|.//*[contains(@class,'end_photo_org')]"):
                junk.drop_tree()
            parts = clean_page_text(block_text(etree.tostring(el, encoding="unicode")), title=title or None)
            if parts.paragraphs:
                return parts
    return None


def portal_press(tree: lxml.html.HtmlElement) -> str | None:
    """The original outlet a portal page (n.news.naver.com, v.daum.net) names, or None."""
    for xpath in PORTAL_PRESS_XPATHS:
        for value in tree.xpath(xpath):
            name = portal_press_name(normalize_text(str(value)))
            if name:
                return name
    return None


def printed_published(tree: lxml.html.HtmlElement) -> datetime | None:
    """The first labelled publication time printed on the page ("입력 2024.05.20 10:30")."""
    for el in tree.iter(*DATE_HOLDERS):
        if len(el) > MAX_DATE_HOLDER_CHILDREN:
            continue
        text = el.text_content()
        if len(text) > 120 or not DATE_TIME.search(text):
            continue
        for kind, when in dates_in_line(" ".join(text.split())):
            if kind == "published" and (when.hour, when.minute) != (0, 0):
                return when
    return None


def clean_title(title: str, sitename: str | None) -> str:
    """Drop the site's name (and a trailing section name) from a page title."""
    title = " ".join(title.split())
    section = TRAILING_SECTION.search(title)
    if section and line_key(section.group(1)) in SECTION_NAMES:
        title = title[: section.start()].rstrip()
    pieces = [p.strip() for p in TITLE_SEPARATORS.split(title) if p and p.strip()]
    if len(pieces) <= 1:
        return title
    site_key = line_key(sitename or "")

    def is_site(piece: str) -> bool:
        key = line_key(piece)
        return bool(
            (site_key and (site_key in key or key in site_key))
            or is_outlet_name(piece)
            or key in SECTION_NAMES
            or "모바일" in piece
            or looks_like_site_name(piece)
        )

    kept = [p for p in pieces if not is_site(p)]
    if not kept:
        return title
    return _joinable(title, kept) or max(kept, key=len)


def _joinable(title: str, kept: list[str]) -> str | None:
    """The kept pieces when they are one contiguous stretch of the original title."""
    start = title.find(kept[0])
    end = title.rfind(kept[-1])
    if start < 0 or end < 0:
        return None
    return title[start : end + len(kept[-1])].strip()


def _published(tree: lxml.html.HtmlElement) -> tuple[datetime | None, bool]:
    try:
        found = htmldate.find_date(tree, outputformat="%Y-%m-%dT%H:%M:%S%z", original_date=True, extensive_search=True)
    except (ValueError, TypeError, RecursionError):
        return None, False
    if not found:
        return None, False
    try:
        when = datetime.strptime(found, "%Y-%m-%dT%H:%M:%S%z")
        when = when.astimezone(KST).replace(tzinfo=None)
    except ValueError:
        try:
            when = datetime.strptime(found[:19], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return None, False
    return when, (when.hour, when.minute, when.second) != (0, 0, 0)


def author_name(raw: str | None) -> str | None:
    """``"스포츠조선=선수민 기자"`` → 선수민; ``"한국일보; 박준석 기자 외"`` → 박준석."""
    if not raw:
        return None
    for piece in re.split(r"[;,/·]", raw):
        piece = piece.strip()
        if not piece or is_outlet_name(piece) or piece in NON_PERSON_AUTHORS:
            continue
        piece = piece.split("=")[-1].strip()
        piece = re.sub(r"\s?외\s?\d*\s?명?$", "", piece).strip()
        match = HEADER_BYLINE.match(piece) or SIGNOFF.match(piece)
        if match:
            return match.groupdict().get("name") or match.groupdict().get("name2")
        if re.fullmatch(r"[가-힣]{2,4}", piece):
            return piece
        if LATIN_NAME.fullmatch(piece):
            return piece
    return None


def _merge_meta(parts: ArticleParts, meta: PageMeta, url: str | None) -> None:
    if not parts.title and meta.title:
        parts.title = meta.title
    parts.author = parts.author or author_name(meta.author)
    printed = parts.published
    if meta.published is not None and (
        printed is None
        or (printed.time() == time(0) and (meta.published_has_time or printed.date() == meta.published.date()))
    ):
        parts.published = meta.published
    if meta.press:
        parts.outlet = meta.press  # a portal page: the outlet it republishes, not the portal
    if meta.sitename and not _looks_like_url(meta.sitename):
        parts.outlet = parts.outlet or meta.sitename
    if parts.outlet is None:
        # The outlet of the site the page was fetched from: a canonical on another site says nothing about it.
        own = meta.canonical if meta.canonical and (url is None or same_site(meta.canonical, url)) else None
        parts.outlet = outlet_for_domain(own or url)
    if meta.canonical and not parts.url and _url_path(meta.canonical) not in ("", "/"):
        parts.url = meta.canonical  # a canonical link to the home page is a template default, not this article


def _url_path(url: str) -> str:
    """The path of a URL a page names; "" for one that does not parse (``http://[x``)."""
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def _looks_like_url(text: str) -> bool:
    return "://" in text or text.startswith("www.")


# ---------------------------------------------------------------------------
# Per-site selectors
# ---------------------------------------------------------------------------


def _select(sel: Selector, query: str) -> list[Selector]:
    query = query.strip()
    try:
        if query.startswith(("/", "(", "./")):
            return list(sel.xpath(query))
        return list(sel.css(query))
    except (ValueError, SyntaxError, etree.XPathError) as exc:  # cssselect's syntax errors are SyntaxErrors
        raise HtmlError(f"bad selector {query!r}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc


def _selected_text(nodes: list[Selector]) -> str:
    texts = []
    for node in nodes:
        value = node.get()
        if value is None:
            continue
        if value.lstrip().startswith("<"):
            value = " ".join(node.xpath("string()").get("").split())
        texts.append(value.strip())
    return " ".join(t for t in texts if t)


def _extract_with_selectors(
    tree: lxml.html.HtmlElement, selectors: dict[str, str], fallback_title: str | None
) -> ArticleParts | None:
    sel = Selector(root=tree, type="html")  # the page's one parse, read before anything edits it
    title = fallback_title
    if selectors.get("title"):
        title = _selected_text(_select(sel, selectors["title"])) or fallback_title
    parts = ArticleParts(title=title or "")
    if selectors.get("body"):
        nodes = _select(sel, selectors["body"])
        fragment = "".join(n.get() for n in nodes if n.get())
        if fragment:
            parts = clean_page_text(fragment_text(fragment), title=title or None)
    if selectors.get("author"):
        parts.author = author_name(_selected_text(_select(sel, selectors["author"]))) or parts.author
    if selectors.get("date"):
        nodes = _select(sel, selectors["date"])
        raw = " ".join(
            [n.attrib.get("datetime", "") for n in nodes if hasattr(n, "attrib")] + [_selected_text(nodes)]
        )
        match = DATE_TIME.search(raw)
        if match:
            parts.published = parse_date(match) or parts.published
    return parts
