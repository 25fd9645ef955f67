"""What a digest says: entries built from queued digest items, grouped into sections.

A DigestItem only points at rows (a plan, an event, an article, plan changes); this
module reads them and turns each item into an ``Entry`` a template can print
without further lookups: municipality and province, plan title, stage, event date,
key figures, a two-line summary of the lead article, what changed (old → new) and a
link to every source with its outlet. ``build_digest`` sorts a subscriber's entries
into the sections new plans / updated plans / other news. Source health is not
here: it is for the operator (``alerts.operator``), not for subscribers. Nothing
here sends or marks anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.labels import COUNT_FIELDS, COUNT_LABELS, FIELD_LABELS, labels_for, stage_label
from planwatch.config import Config
from planwatch.records import date_with_precision
from storage.models import Article, DigestItem, EventSource, Plan, PlanChange, PlanEvent, Subscriber

SECTION_OF_KIND: dict[str, str] = {"new_plan": "new_plans", "updated_plan": "updated_plans", "news": "news"}
SECTIONS: tuple[str, ...] = ("new_plans", "updated_plans", "news")

LINK_SCHEMES: tuple[str, ...] = ("http", "https")

SUMMARY_SENTENCES = 2
SUMMARY_SENTENCE_CHARS = 180
VALUE_CHARS = 160

# A sentence ends at . ! ? (or the ideographic full stop), possibly followed by a
# closing quote or bracket, then whitespace; Korean news prose ends almost every
# sentence with "다." so this is enough for a two-line lead.
_SENTENCE_END = re.compile(r"(?<=[.!?。])[\"'”’)\]]*\s+")


@dataclass
class SourceLink:
    """One article reporting the entry. ``href`` is set only for http(s) URLs."""

    outlet: str | None  # the outlet's name, or the site's host when the outlet is unknown
    title: str | None
    url: str | None
    href: str | None
    published: str | None


@dataclass
class Figure:
    label: str
    value: str


@dataclass
class ChangeLine:
    field: str
    label: str
    old: str
    new: str


@dataclass
class Entry:
    """One item as a subscriber reads it."""

    item_id: int
    kind: str  # new_plan | updated_plan | news
    municipality: str | None
    province: str | None
    plan_title: str | None
    headline: str | None  # the lead article's title
    stage: str | None  # event type code
    stage_label: str | None
    event_date: str | None
    phase: str | None
    period: str | None
    vision: str | None
    figures: list[Figure] = field(default_factory=list)
    summary: str = ""
    changes: list[ChangeLine] = field(default_factory=list)
    sources: list[SourceLink] = field(default_factory=list)
    search_text: str = ""  # what keyword filters look in; never rendered
    sort_date: date | None = None
    family: str | None = None  # plan family: 4ir, smart_city, digital, ai, informatization (or the user's own)

    @property
    def place(self) -> str:
        """``안양시 (경기도)``; a 광역 government is its own province and is named once."""
        if self.municipality and self.province and self.province != self.municipality:
            return f"{self.municipality} ({self.province})"
        return self.municipality or self.province or ""

    @property
    def subject_name(self) -> str:
        """``수원시 4차 산업혁명 기본계획``: the city, then the plan (or the article's title)."""
        title = self.plan_title or self.headline or ""
        city = self.municipality or self.province or ""
        if city and city not in title:
            return f"{city} {title}".strip()
        return title or city


@dataclass
class Digest:
    """One message's worth of entries for one subscriber."""

    email: str
    name: str | None
    language: str
    day: date
    new_plans: list[Entry] = field(default_factory=list)
    updated_plans: list[Entry] = field(default_factory=list)
    news: list[Entry] = field(default_factory=list)
    # the recipient's signed links to the web desk; None without [web] base_url (mailto footer only)
    manage_url: str | None = None
    unsubscribe_url: str | None = None
    more: int = 0  # entries left out to keep the message small; they follow in the next one
    more_url: str | None = None  # where to see everything now: the web desk's plan list

    @property
    def entries(self) -> list[Entry]:
        return [*self.new_plans, *self.updated_plans, *self.news]

    def keep_first(self, n: int) -> None:
        """Keep the first ``n`` entries (in section order), counting the rest in ``more``."""
        kept = 0
        for key in SECTIONS:
            section: list[Entry] = getattr(self, key)
            room = max(0, n - kept)
            self.more += max(0, len(section) - room)
            del section[room:]
            kept += len(section)

    @property
    def item_ids(self) -> list[int]:
        return [e.item_id for e in self.entries]

    def is_empty(self) -> bool:
        return not self.entries


def http_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link, else None (javascript:, data:, relative...)."""
    if not url:
        return None
    candidate = url.strip()
    if any(ch in candidate for ch in "\x00\r\n\t "):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.netloc:
        return None
    return candidate


def summarize(text: str | None, sentences: int = SUMMARY_SENTENCES) -> str:
    """The first sentences of an article, each cut to a readable length."""
    picked: list[str] = []
    for paragraph in (text or "").split("\n"):
        for sentence in _SENTENCE_END.split(paragraph.strip()):
            sentence = " ".join(sentence.split())
            if not sentence:
                continue
            picked.append(shorten(sentence, SUMMARY_SENTENCE_CHARS))
            if len(picked) >= sentences:
                return " ".join(picked)
    return " ".join(picked)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_period(start: int | None, end: int | None, language: str) -> str | None:
    if start is None and end is None:
        return None
    return f"{start or ''}–{end or ''}"


def format_value(value: Any, language: str) -> str:
    """A stored old/new value as one short line."""
    if value is None or value == "" or value == []:
        return labels_for(language)["none"]
    if isinstance(value, dict):
        if {"start", "end"} >= set(value) and value:
            return (
                format_period(value.get("start"), value.get("end"), language) or labels_for(language)["none"]
            )
        counts = counts_text(value, language)
        if counts:
            return counts
        return shorten(", ".join(f"{k} {format_value(v, language)}" for k, v in value.items()), VALUE_CHARS)
    if isinstance(value, (list, tuple)):
        if len(value) == 2 and all(isinstance(v, int) or v is None for v in value):
            return format_period(value[0], value[1], language) or labels_for(language)["none"]
        return shorten(" · ".join(str(v) for v in value), VALUE_CHARS)
    return shorten(str(value), VALUE_CHARS)


def counts_text(counts: dict[str, Any] | None, language: str) -> str:
    """``{"strategies": 4, "tasks": 10}`` → ``전략 4 · 과제 10``."""
    if not counts:
        return ""
    names = COUNT_LABELS.get(language, COUNT_LABELS["ko"])
    return " · ".join(f"{names[k]} {counts[k]}" for k in COUNT_FIELDS if counts.get(k) is not None)


def plan_counts(plan: Plan) -> dict[str, int | None]:
    return {k: getattr(plan, k) for k in COUNT_FIELDS}


def figures_of(plan: Plan, language: str) -> list[Figure]:
    """Each stated count, with the previous value when a revision changed it (``과제 7 → 9``)."""
    names = COUNT_LABELS.get(language, COUNT_LABELS["ko"])
    previous = plan.previous_counts or {}
    out = []
    for key in COUNT_FIELDS:
        now = getattr(plan, key)
        if now is None:
            continue
        before = previous.get(key)
        value = f"{before} → {now}" if before is not None and before != now else str(now)
        out.append(Figure(names[key], value))
    return out


def change_lines(change: PlanChange, language: str) -> list[ChangeLine]:
    """One stored change as lines of ``label: old → new`` (a counts change gives one line per count)."""
    labels = FIELD_LABELS.get(language, FIELD_LABELS["ko"])
    if change.field == "stage":
        return [
            ChangeLine(
                "stage",
                labels["stage"],
                stage_label(change.old, language) or labels_for(language)["none"],
                stage_label(change.new, language) or labels_for(language)["none"],
            )
        ]
    if change.field in ("counts", "previous_counts") and (
        isinstance(change.old, dict) or isinstance(change.new, dict)
    ):
        old, new = change.old or {}, change.new or {}
        lines = [
            ChangeLine(
                key, labels[key], format_value(old.get(key), language), format_value(new.get(key), language)
            )
            for key in COUNT_FIELDS
            if old.get(key) != new.get(key)
        ]
        if lines:
            return lines
    label = labels.get(change.field, change.field.replace("_", " "))
    return [
        ChangeLine(
            change.field, label, format_value(change.old, language), format_value(change.new, language)
        )
    ]


def _published(article: Article) -> str | None:
    return article.published.strftime("%Y-%m-%d %H:%M") if article.published else None


def source_link(article: Article) -> SourceLink:
    return SourceLink(
        outlet=article.outlet or _host(article.url) or _host(article.canonical_url),
        title=article.title,
        url=article.url or article.canonical_url,
        href=http_url(article.url) or http_url(article.canonical_url),
        published=_published(article),
    )


def _host(url: str | None) -> str | None:
    href = http_url(url)
    return urlsplit(href).hostname if href else None


def _by_published(articles: list[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.published is None, a.published or datetime.min, a.id))


def _event_articles(session: Session, event_ids: list[int]) -> list[Article]:
    if not event_ids:
        return []
    return list(
        session.scalars(
            select(Article)
            .join(EventSource, EventSource.article_id == Article.id)
            .where(EventSource.event_id.in_(event_ids))
        ).unique()
    )


def _item_event(session: Session, item: DigestItem, plan: Plan | None) -> PlanEvent | None:
    if item.event_id is not None:
        event = session.get(PlanEvent, item.event_id)
        if event is not None:
            return event
    if plan is not None and plan.events:
        return plan.events[-1] if item.kind == "updated_plan" else plan.events[0]
    return None


def _extraction_place(article: Article | None) -> tuple[str | None, str | None, str | None, str | None]:
    """Municipality, province, plan title and event type a news article's extraction named."""
    data = (article.extraction or {}) if article is not None else {}
    plan = data.get("plan") or {}
    event = data.get("event") or {}
    return plan.get("municipality"), plan.get("province"), plan.get("title"), event.get("type")


def _extraction_family(article: Article | None) -> str | None:
    data = (article.extraction or {}) if article is not None else {}
    family = (data.get("plan") or {}).get("family")
    return family if isinstance(family, str) else None


def build_entry(session: Session, item: DigestItem, language: str) -> Entry | None:
    """One digest item read from the database; None when what it pointed at is gone."""
    plan = session.get(Plan, item.plan_id) if item.plan_id is not None else None
    item_article = session.get(Article, item.article_id) if item.article_id is not None else None
    if plan is None and item_article is None:
        return None
    event = _item_event(session, item, plan)
    if event is not None:
        articles = _event_articles(session, [event.id])
    elif plan is not None:
        articles = _event_articles(session, [e.id for e in plan.events])
    else:
        articles = []
    articles = _by_published(articles)
    if item_article is not None:
        articles = [item_article, *[a for a in articles if a.id != item_article.id]]
    lead = articles[0] if articles else None

    municipality = plan.municipality if plan else None
    province = plan.province if plan else None
    plan_title = plan.title if plan else None
    stage = event.type if event else None
    if plan is None:
        municipality, province, plan_title, stage = _extraction_place(item_article)
    changes: list[ChangeLine] = []
    # a new plan's figures already show previous → current counts; changes are for updates
    if item.change_ids and item.kind != "new_plan":
        rows = session.scalars(
            select(PlanChange).where(PlanChange.id.in_(list(item.change_ids))).order_by(PlanChange.id)
        )
        for change in rows:
            changes.extend(change_lines(change, language))

    search_parts = [
        municipality,
        province,
        plan_title,
        lead.title if lead else None,
        lead.text if lead else None,
    ]
    if plan is not None:
        search_parts += [
            plan.vision,
            *[str(i) for i in plan.items or []],
            *[str(p) for p in plan.partners or []],
        ]
    search_parts += [a.title for a in articles]
    return Entry(
        item_id=item.id,
        kind=item.kind,
        municipality=municipality,
        province=province,
        plan_title=plan_title,
        headline=lead.title if lead else None,
        stage=stage,
        family=plan.family if plan is not None else _extraction_family(item_article),
        stage_label=stage_label(stage, language),
        event_date=date_with_precision(event.date, event.date_precision) if event else None,
        phase=labels_for(language)["phase"].format(phase=plan.phase) if plan and plan.phase else None,
        period=format_period(plan.period_start, plan.period_end, language) if plan else None,
        vision=plan.vision if plan else None,
        figures=figures_of(plan, language) if plan else [],
        summary=summarize(lead.text if lead else None),
        changes=changes,
        sources=[source_link(a) for a in articles],
        search_text=" ".join(p for p in search_parts if p),
        sort_date=(event.date if event else None)
        or (lead.published.date() if lead and lead.published else None),
    )


def build_entries(session: Session, items: list[DigestItem], language: str) -> dict[int, Entry]:
    out: dict[int, Entry] = {}
    for item in items:
        entry = build_entry(session, item, language)
        if entry is not None:
            out[item.id] = entry
    return out


def sort_entries(entries: list[Entry]) -> list[Entry]:
    """Newest event first; then by place, so one city's news sits together."""
    return sorted(
        entries, key=lambda e: (-(e.sort_date.toordinal() if e.sort_date else 0), e.place, e.item_id)
    )


def build_digest(
    session: Session,
    subscriber: Subscriber,
    items: list[DigestItem],
    config: Config,
    *,
    now: datetime,
    day: date,
) -> Digest | None:
    """The digest for ``subscriber`` from ``items``; None when nothing is left to tell."""
    entries = build_entries(session, items, subscriber.language)
    if not entries:
        return None
    digest = Digest(email=subscriber.email, name=subscriber.name, language=subscriber.language, day=day)
    for entry in sort_entries(list(entries.values())):
        getattr(digest, SECTION_OF_KIND.get(entry.kind, "news")).append(entry)
    return digest
