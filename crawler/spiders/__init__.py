"""Spider classes per source type, and the factory that binds one to a configured source.

There is one class per kind of source (``FeedSpider``, ``SitemapSpider``,
``ListingSpider``, ``SearchSpider``), never one per site: ``spider_class_for``
makes a small subclass carrying the source's name, its ``Source`` record and the
Scrapy settings derived from the configuration, which is what Scrapy's
``crawl`` needs to find a spider by name.
"""

from __future__ import annotations

import re
from typing import Any

from crawler.spiders.base import SourceSpider
from crawler.spiders.feed import FeedSpider
from crawler.spiders.listing import BoardSpider, ListingSpider, SearchSpider
from crawler.spiders.sitemap import SitemapSpider
from planwatch.config import Config, Source

SPIDER_TYPES: dict[str, type[SourceSpider]] = {
    "feed": FeedSpider,
    "sitemap": SitemapSpider,
    "listing": ListingSpider,
    "search": SearchSpider,
    "board": BoardSpider,
}


def spider_class_for(source: Source, config: Config, extra_settings: dict[str, Any] | None = None) -> type[SourceSpider]:
    """The spider class for one source: its type's class, bound to the source and the config's settings."""
    from crawler.settings import build_settings

    base = SPIDER_TYPES[source.type]
    settings = {**build_settings(config), **(extra_settings or {})}
    class_name = f"{base.__name__}_{re.sub(r'[^A-Za-z0-9_]', '_', source.name)}"
    return type(class_name, (base,), {"name": source.name, "source": source, "custom_settings": settings})


__all__ = ["BoardSpider", "FeedSpider", "ListingSpider", "SPIDER_TYPES", "SearchSpider", "SitemapSpider", "SourceSpider",
           "spider_class_for"]
