"""Date windows in list and search URLs: ``{since:%Y.%m.%d}`` and ``{until:%Y.%m.%d}``.

A portal news search (and many site searches) take a date range in the URL. A
source whose ``url`` holds the placeholders is read one window at a time: a normal
crawl reads the newest window (the last ``window`` days up to today), a backfill
walks the windows back from today to ``--since``, newest first. The part after the
colon is a ``strftime`` format; without it the date is written ``YYYY-MM-DD``.

This module is pure (no Scrapy, no database): the configuration validates with it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

PLACEHOLDER = re.compile(r"\{(since|until)(?::([^{}]*))?\}")
DEFAULT_FORMAT = "%Y-%m-%d"


def has_window(url: str) -> bool:
    return PLACEHOLDER.search(url) is not None


def check_window_template(url: str) -> str | None:
    """None when the url's date placeholders are usable, else what is wrong with them (one line)."""
    found = {m.group(1) for m in PLACEHOLDER.finditer(url)}
    if found and found != {"since", "until"}:
        missing = ({"since", "until"} - found).pop()
        return f"a date window needs both {{since}} and {{until}} in the url; {{{missing}}} is missing"
    for m in PLACEHOLDER.finditer(url):
        fmt = m.group(2) or DEFAULT_FORMAT
        try:
            written = date(2017, 1, 2).strftime(fmt)
        except ValueError as exc:
            return f"{m.group(0)}: not a date format: {exc}"
        if written == fmt:
            return f"{m.group(0)}: the format writes no part of the date (use %Y, %m, %d)"
    return None


def fill_window(url: str, since: date, until: date) -> str:
    """The url with its date placeholders written for the window ``since`` … ``until`` (both included)."""

    def write(m: re.Match[str]) -> str:
        day = since if m.group(1) == "since" else until
        return day.strftime(m.group(2) or DEFAULT_FORMAT)

    return PLACEHOLDER.sub(write, url)


def windows_back(since: date, until: date, days: int) -> list[tuple[date, date]]:
    """Consecutive windows of ``days`` days from ``until`` back to ``since``, newest first, covering both ends."""
    if days < 1:
        raise ValueError("a window is at least one day")
    out: list[tuple[date, date]] = []
    end = until
    while end >= since:
        start = max(since, end - timedelta(days=days - 1))
        out.append((start, end))
        end = start - timedelta(days=1)
    return out


def latest_window(today: date, days: int) -> tuple[date, date]:
    """The window a normal crawl reads: the last ``days`` days up to today."""
    return today - timedelta(days=days - 1), today
