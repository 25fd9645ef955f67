"""The rows of a list page: one article link each, with the date the row prints.

A CMS list page (a section, a search result, a press-release board) prints one
row per article: its title link and, somewhere in the row, its date
(``2024-05-20``, ``2024.05.20``, ``2024/05/20``, ``2024년 5월 20일``). A backfill
walking a site back in time reads the dates to know when it has passed ``--since``
and to skip rows outside its window without fetching them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from parsel import Selector
from scrapy.http import Response

ROW_DATE = re.compile(
    r"((?:19|20)\d\d)\s*(?:[.\-/]\s*|년\s*)(\d{1,2})\s*(?:[.\-/]\s*|월\s*)(\d{1,2})(?!\d)"
)


@dataclass(frozen=True)
class ListRow:
    href: str
    date: date | None  # None when the row prints no date


def row_date(text: str) -> date | None:
    """The first calendar date written in ``text``."""
    for m in ROW_DATE.finditer(text):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


def _select(node: Selector | Response, query: str) -> list[Selector]:
    query = query.strip()
    return list(node.xpath(query) if query.startswith(("/", "(", "./")) else node.css(query))


def list_rows(response: Response, rows_selector: str, article_pattern: re.Pattern[str] | None = None) -> list[ListRow]:
    """Each row's first link to an article (matching ``article_pattern``, when there is one) and its date."""
    out: list[ListRow] = []
    for row in _select(response, rows_selector):
        hrefs = [h.strip() for h in row.xpath(".//a/@href").getall() if h.strip()]
        if article_pattern is not None:
            hrefs = [h for h in hrefs if article_pattern.search(response.urljoin(h))]
        if not hrefs:
            continue
        text = " ".join(" ".join(row.xpath(".//text()").getall()).split())
        out.append(ListRow(hrefs[0], row_date(text)))
    return out
