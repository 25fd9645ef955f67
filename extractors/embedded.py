"""Article bodies that live in a page's embedded data rather than in its HTML.

Client-rendered news pages ship an almost empty ``<body>`` and the article as data:

* JSON-LD (``<script type="application/ld+json">``): a ``NewsArticle`` / ``Article`` with
  ``articleBody``, ``headline``, ``datePublished`` and ``author``, possibly inside ``@graph``
  or a list;
* Arc XP / Fusion (chosun.com and other Arc sites): ``Fusion.globalContent = {...}`` in a
  script, the body as ``content_elements`` of ``type`` ``text`` (one paragraph each, inline
  HTML allowed), ``headlines.basic``, ``display_date`` / ``first_publish_date``, ``credits.by``;
* Next.js: ``<script id="__NEXT_DATA__" type="application/json">``, whose page props hold
  the article under site-specific keys: the object with the longest Korean ``articleBody`` /
  ``body`` / ``content`` / ``html`` string (or Arc-style ``content_elements``) is taken.

``embedded_article`` returns the first of these that holds a body, as plain text with one
paragraph per line, plus what it says of the title, date and author. Reading is bounded:
scripts larger than ``MAX_SCRIPT_CHARS`` and JSON nested deeper than ``MAX_DEPTH`` are skipped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import lxml.html
from lxml import etree

KST = timezone(timedelta(hours=9))
MAX_SCRIPT_CHARS = 5_000_000
MAX_DEPTH = 40
MIN_BODY_CHARS = 80
ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
                           "OpinionNewsArticle", "WebPage"})
BODY_KEYS = ("articleBody", "article_body", "body", "content", "html", "text", "contents")
BODY_KEY_SET = frozenset(BODY_KEYS)
TITLE_KEYS = ("headline", "title", "articleTitle", "name")
DATE_KEYS = ("datePublished", "publishedAt", "published_at", "first_publish_date", "display_date", "publish_date",
             "createdAt", "date")
FUSION_CONTENT = re.compile(r"Fusion\.globalContent\s*=\s*")
HANGUL = re.compile(r"[가-힣]")
TAG = re.compile(r"<[a-zA-Z/!][^<>]*>")


@dataclass
class EmbeddedArticle:
    """The article as the page's data tells it."""

    body: str  # plain text, one paragraph per line
    source: str  # json-ld | fusion | next-data
    title: str | None = None
    published: datetime | None = None
    author: str | None = None


def embedded_article(tree: lxml.html.HtmlElement) -> EmbeddedArticle | None:
    """The article of the first embedded-data source that holds a body, or None."""
    scripts = [s for s in tree.iter("script") if s.text and len(s.text) <= MAX_SCRIPT_CHARS]
    for reader in (_from_json_ld, _from_fusion, _from_next_data):
        found = reader(scripts)
        if found is not None:
            return found
    return None


# -- the three sources ---------------------------------------------------------------------


def _from_json_ld(scripts: list[Any]) -> EmbeddedArticle | None:
    best: EmbeddedArticle | None = None
    for script in scripts:
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        data = _loads(script.text)
        for node in _json_ld_nodes(data):
            body = node.get("articleBody")
            if not isinstance(body, str) or not _is_body(text := block_text(body)):
                continue
            found = EmbeddedArticle(text, "json-ld", _string(node.get("headline") or node.get("name")),
                                    _date(node.get("datePublished")), _person(node.get("author")))
            if best is None or len(found.body) > len(best.body):
                best = found
    return best


def _from_fusion(scripts: list[Any]) -> EmbeddedArticle | None:
    for script in scripts:
        code = script.text
        match = FUSION_CONTENT.search(code)
        if match is None:
            continue
        try:
            data, _ = json.JSONDecoder().raw_decode(code, match.end())
        except ValueError:
            continue
        found = _arc_article(data, "fusion") if isinstance(data, dict) else None
        if found is not None:
            return found
    return None


def _from_next_data(scripts: list[Any]) -> EmbeddedArticle | None:
    for script in scripts:
        if script.get("id") != "__NEXT_DATA__":
            continue
        data = _loads(script.text)
        best: EmbeddedArticle | None = None
        for node in _dicts(data):
            if "content_elements" in node:
                found = _arc_article(node, "next-data")
            elif BODY_KEY_SET.isdisjoint(node):
                continue
            else:
                found = _keyed_article(node)
            if found is not None and (best is None or len(found.body) > len(best.body)):
                best = found
        return best
    return None


# -- shapes of an article object ---------------------------------------------------------------


def _arc_article(node: dict[str, Any], source: str) -> EmbeddedArticle | None:
    """An Arc XP ANS story: ``content_elements`` of type text, ``headlines.basic``, ``credits.by``."""
    elements = node.get("content_elements")
    if not isinstance(elements, list):
        return None
    paragraphs = [block_text(e["content"]) for e in elements
                  if isinstance(e, dict) and e.get("type") == "text" and isinstance(e.get("content"), str)]
    body = "\n".join(p for p in paragraphs if p)
    if not _is_body(body):
        return None
    headlines = node.get("headlines")
    title = _string(headlines.get("basic")) if isinstance(headlines, dict) else None
    credits = node.get("credits")
    author = _person(credits.get("by")) if isinstance(credits, dict) else None
    when = _date(node.get("first_publish_date") or node.get("display_date") or node.get("publish_date"))
    return EmbeddedArticle(body, source, title, when, author)


def _keyed_article(node: dict[str, Any]) -> EmbeddedArticle | None:
    """An object whose body is under one of ``BODY_KEYS`` next to a title."""
    body = next((v for k in BODY_KEYS if isinstance(v := node.get(k), str) and len(v) >= MIN_BODY_CHARS), None)
    if body is None:
        return None
    text = block_text(body)
    if not _is_body(text):
        return None
    title = next((_string(node[k]) for k in TITLE_KEYS if isinstance(node.get(k), str)), None)
    when = next((_date(node[k]) for k in DATE_KEYS if node.get(k)), None)
    author = _person(node.get("author") or node.get("reporter") or node.get("byline"))
    return EmbeddedArticle(text, "next-data", title, when, author)


# -- helpers -------------------------------------------------------------------------------------


def _loads(text: str) -> Any:
    try:
        return json.loads(text.strip().removeprefix("<!--").removesuffix("-->"))
    except (ValueError, RecursionError):
        return None


def _json_ld_nodes(data: Any) -> list[dict[str, Any]]:
    """The article-typed objects of a JSON-LD document (top level, lists, ``@graph``)."""
    out: list[dict[str, Any]] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            types = item.get("@type")
            types = set(types) if isinstance(types, list) else {types}
            if types & ARTICLE_TYPES:
                out.append(item)
            if isinstance(item.get("@graph"), list):
                stack.extend(reversed(item["@graph"]))
    return out


def _dicts(data: Any) -> list[dict[str, Any]]:
    """Every object of a JSON document, depth-first, at most ``MAX_DEPTH`` levels down."""
    out: list[dict[str, Any]] = []
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        values: Iterable[Any]
        if isinstance(item, dict):
            out.append(item)
            values = item.values()
        elif isinstance(item, list):
            values = item
        else:
            continue
        for v in values:
            if isinstance(v, (dict, list)):
                stack.append((v, depth + 1))
    return out


def block_text(value: str) -> str:
    """Text of a body string or HTML fragment: paragraphs and line breaks become lines, entities are decoded."""
    if TAG.search(value):
        try:
            root = lxml.html.fragment_fromstring(value, create_parent="div")
        except (etree.LxmlError, ValueError):
            return html.unescape(TAG.sub(" ", value)).strip()
        for br in root.iter("br"):
            br.tail = "\n" + (br.tail or "")
        for block in root.iter("p", "div", "h1", "h2", "h3", "h4", "li", "figcaption"):
            block.tail = "\n" + (block.tail or "")
        value = root.text_content()
    else:
        value = html.unescape(value)
    lines = (" ".join(line.split()) for line in value.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _is_body(text: str) -> bool:
    return len(text) >= MIN_BODY_CHARS and len(HANGUL.findall(text)) >= MIN_BODY_CHARS // 4


def _string(value: Any) -> str | None:
    return " ".join(html.unescape(value).split()) or None if isinstance(value, str) else None


def _person(value: Any) -> str | None:
    """The first name of an author field: a string, ``{"name": ...}`` or a list of either."""
    if isinstance(value, list):
        return next((p for v in value if (p := _person(v))), None)
    if isinstance(value, dict):
        return _string(value.get("name") or value.get("byline"))
    return _string(value)


def _date(value: Any) -> datetime | None:
    """An ISO 8601 time as naive Korean time (a time without zone is taken as printed)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text[:19])
        except ValueError:
            return None
    return when.astimezone(KST).replace(tzinfo=None) if when.tzinfo else when
