"""Which configured sources failed or went silent: the short footer of every digest.

A reader who sees no news from a region should know whether nothing happened or
nothing was read. From ``source_runs``: a source whose last crawl failed (or could
not reach the site) is named with the time and reason; a source that has brought
no new article for longer than ``digest.silent_after`` is named with the date of
its last new article. Only enabled sources of the configuration are looked at, and
a source that never ran yet is not named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.labels import labels_for
from planwatch.config import Config, parse_duration
from storage.models import SourceRun

FAILED_OUTCOMES: tuple[str, ...] = ("failed", "unreachable")
CRAWL_JOB = "crawl"
MESSAGE_CHARS = 120


@dataclass
class SourceNote:
    source: str
    state: str  # failed | silent
    since: datetime
    message: str | None
    text: str  # the line printed in the footer, in the subscriber's language


def source_notes(session: Session, config: Config, *, now: datetime, language: str) -> list[SourceNote]:
    names = [s.name for s in config.sources if s.enabled]
    if not names:
        return []
    labels = labels_for(language)
    silent_after = timedelta(seconds=parse_duration(config.digest.silent_after))
    notes: list[SourceNote] = []
    for name in names:
        last = session.scalars(
            select(SourceRun)
            .where(SourceRun.source == name, SourceRun.job == CRAWL_JOB, SourceRun.outcome != "running")
            .order_by(SourceRun.started_at.desc(), SourceRun.id.desc())
            .limit(1)
        ).first()
        if last is None:
            continue
        if last.outcome in FAILED_OUTCOMES:
            when = last.finished_at or last.started_at
            message = " ".join((last.message or last.outcome).split())[:MESSAGE_CHARS]
            text = labels["source_failed"].format(source=name, since=_when(when), message=message).strip()
            notes.append(SourceNote(name, "failed", when, message, text))
            continue
        newest = session.scalar(
            select(func.max(SourceRun.started_at)).where(
                SourceRun.source == name, SourceRun.job == CRAWL_JOB, SourceRun.new_articles > 0
            )
        )
        first = session.scalar(
            select(func.min(SourceRun.started_at)).where(SourceRun.source == name, SourceRun.job == CRAWL_JOB)
        )
        since = newest or first
        if since is not None and now - since > silent_after:
            text = labels["source_silent"].format(source=name, since=_when(since))
            notes.append(SourceNote(name, "silent", since, None, text))
    return notes


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")
