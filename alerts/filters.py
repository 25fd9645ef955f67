"""Whether a digest entry is for a subscriber: places, events and keywords.

The rules, in one place:

- an empty filter lets everything through;
- places: the entry's province is one of ``provinces`` OR its municipality is one of
  ``municipalities`` (a subscriber following 경기도 and 광양시 gets both);
- events: the entry's event type is one of ``events`` (news without an event does not
  pass an event filter);
- families: the entry's plan family is one of ``families`` (news whose extraction names
  no family does not pass a family filter);
- keywords: any keyword occurs in the plan title, vision, items, partners, place or
  the articles' titles and lead text, ignoring case and spaces (스마트시티 finds
  "스마트 시티");
- the four kinds of filter must all pass.
"""

from __future__ import annotations

from alerts.digest import Entry
from alerts.subscribers import SubscriberFilters


def _squeeze(text: str) -> str:
    return "".join(text.casefold().split())


def place_matches(filters: SubscriberFilters, entry: Entry) -> bool:
    if not filters.provinces and not filters.municipalities:
        return True
    return (entry.province in filters.provinces) or (entry.municipality in filters.municipalities)


def event_matches(filters: SubscriberFilters, entry: Entry) -> bool:
    return not filters.events or entry.stage in filters.events


def family_matches(filters: SubscriberFilters, entry: Entry) -> bool:
    return not filters.families or entry.family in filters.families


def keyword_matches(filters: SubscriberFilters, entry: Entry) -> bool:
    if not filters.keywords:
        return True
    haystack = _squeeze(entry.search_text)
    return any(_squeeze(k) and _squeeze(k) in haystack for k in filters.keywords)


def matches(filters: SubscriberFilters, entry: Entry) -> bool:
    return (place_matches(filters, entry) and event_matches(filters, entry) and family_matches(filters, entry)
            and keyword_matches(filters, entry))
