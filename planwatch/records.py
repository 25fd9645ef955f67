"""The typed records passed between the stages: Capture → Article → Extraction.

Every stage takes and returns these plain dataclasses, so a stage can be tested,
run in a process pool or printed (``planwatch extract``) without the others.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

CaptureKind = Literal["html", "text"]

EVENT_TYPES: tuple[str, ...] = (
    "ordinance",
    "committee_launch",
    "plan_kickoff",
    "plan_interim_report",
    "plan_final_report",
    "plan_adopted",
    "committee_meeting",
    "mou",
    "other",
)
"""The plan life cycle of domain.md, in the order a plan normally goes through it."""


@dataclass(frozen=True)
class Capture:
    """What was fetched or replayed, before any interpretation.

    ``body`` is always the raw bytes: for a text capture (a page already reduced to
    text, like the seeds) the bytes of that text file, for an HTML capture the
    response body. ``headers`` are the HTTP response headers (lower-case names) when
    there were any; the charset in ``content-type`` is a hint, not the truth.
    """

    body: bytes
    kind: CaptureKind
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime | None = None
    origin: str | None = None  # where it came from: a source name, a file path, a WARC record
    encoding: str | None = None  # an explicit override (source config), trusted over everything
    selectors: dict[str, str] = field(default_factory=dict)  # per-site extraction overrides


@dataclass
class Article:
    """A page reduced to its article: metadata plus the cleaned body text."""

    title: str
    text: str  # paragraphs separated by "\n"; no boilerplate
    url: str | None = None  # the article's own URL, when the page or the capture names one
    canonical_url: str | None = None  # normalized for identity (tracking params, scheme, slash)
    published: datetime | None = None  # naive local time (KST) as printed by the outlet
    outlet: str | None = None
    author: str | None = None
    subtitle: str | None = None
    content_hash: str = ""  # sha256 of the normalized text: identity when there is no URL
    origin: str | None = None
    encoding: str | None = None  # the encoding the bytes were decoded with


@dataclass
class Counts:
    """How many strategies, tasks, action tasks and projects a plan states."""

    strategies: int | None = None
    tasks: int | None = None
    action_tasks: int | None = None
    projects: int | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in dataclasses.astuple(self))


@dataclass
class PlanFacts:
    municipality: str
    province: str
    title: str | None = None
    family: str = "4ir"  # plan family: 4ir, smart_city, digital, ai, informatization (extractors.topics)
    phase: int | None = None
    period_start: int | None = None
    period_end: int | None = None
    vision: str | None = None
    counts: Counts = field(default_factory=Counts)
    previous_counts: Counts | None = None
    items: list[str] = field(default_factory=list)


@dataclass
class EventFacts:
    type: str  # one of EVENT_TYPES
    date: date | None = None
    precision: Literal["day", "month", "year"] = "day"

    def date_iso(self) -> str | None:
        return date_with_precision(self.date, self.precision)


def date_with_precision(day: date | None, precision: str | None) -> str | None:
    """``2023-02-20`` at month precision is ``"2023-02"``: an event said to be "최근" has no day."""
    if day is None:
        return None
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


@dataclass
class Committee:
    name: str | None = None
    size: int | None = None
    chairs: list[str] = field(default_factory=list)


@dataclass
class Relevance:
    relevant: bool
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Extraction:
    """Everything the plan extractor reads out of one article."""

    relevance: Relevance
    plan: PlanFacts | None = None
    event: EventFacts | None = None
    committee: Committee | None = None
    partners: list[str] = field(default_factory=list)
    # MinHash of the text (extractors.neardup) of a relevant article, made with the extraction so
    # that the crawl's worker processes, not its single writer, pay for it.
    signature: bytes | None = None


def article_to_json(article: Article, extraction: Extraction | None) -> dict[str, Any]:
    """The one JSON shape of ``planwatch extract --json`` (and of the plans' sources)."""

    def counts(c: Counts | None) -> dict[str, int | None] | None:
        return None if c is None else dataclasses.asdict(c)

    out: dict[str, Any] = {
        "url": article.url,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "outlet": article.outlet,
        "author": article.author,
        "text": article.text,
        "relevant": bool(extraction and extraction.relevance.relevant),
        "relevance": None,
        "plan": None,
        "event": None,
        "committee": None,
        "partners": [],
    }
    if extraction is None:
        return out
    out["relevance"] = {"score": extraction.relevance.score, "reasons": list(extraction.relevance.reasons)}
    if extraction.plan is not None:
        p = extraction.plan
        out["plan"] = {
            "municipality": p.municipality,
            "province": p.province,
            "title": p.title,
            "family": p.family,
            "phase": p.phase,
            "period_start": p.period_start,
            "period_end": p.period_end,
            "vision": p.vision,
            "counts": counts(p.counts),
            "previous_counts": counts(p.previous_counts),
            "items": list(p.items),
        }
    if extraction.event is not None:
        out["event"] = {"type": extraction.event.type, "date": extraction.event.date_iso()}
    if extraction.committee is not None:
        c = extraction.committee
        out["committee"] = {"name": c.name, "size": c.size, "chairs": list(c.chairs)}
    out["partners"] = list(extraction.partners)
    return out
