"""Scrapy's spider loader for planwatch: spiders are the configured sources, not modules.

``scrapy list`` lists the source names of the configuration; ``scrapy crawl NAME``
builds that source's spider (``crawler.spiders.spider_class_for``). The
configuration is ``$PLANWATCH_CONFIG``, else ``./planwatch.toml``, else the default configuration
shipped in the package (``planwatch/default_config.toml``).
"""

from __future__ import annotations

import builtins
from typing import Any

from scrapy.http import Request

from planwatch.config import Config, ConfigError, load_config


class SourceSpiderLoader:
    def __init__(self, settings: Any) -> None:
        self.settings = settings
        try:
            self.config: Config = load_config(settings.get("PLANWATCH_CONFIG") or None)
        except ConfigError as exc:
            raise SystemExit(f"planwatch: {exc}") from None

    @classmethod
    def from_settings(cls, settings: Any) -> SourceSpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type:
        from crawler.spiders import spider_class_for

        source = self.config.find_source(spider_name)
        if source is None:
            raise KeyError(f"Spider not found: {spider_name}")
        return spider_class_for(source, self.config)

    def list(self) -> builtins.list[str]:  # scrapy's SpiderLoader interface names it list
        return [s.name for s in self.config.sources]

    def find_by_request(self, request: Request) -> builtins.list[str]:
        return []
