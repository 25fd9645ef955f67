"""Which configured sources failed or went silent, said the way an operator can act on it.

This is for the operator (``[alerts] operator``, see ``alerts.operator``) and for
``planwatch status``, never for subscribers: a reader of a digest cannot fix a
crawl. From ``source_runs``: a source whose last crawl failed (or could not reach
the site) is named with the time, a reason in words (``user_reason``: "the site
refused the connection", "page not found (HTTP 404)") and the crawl's own message; a
source that has brought no new article for longer than ``digest.silent_after`` is
named with the date of its last new article. Only enabled sources of the
configuration are looked at, and a source that never ran yet is not named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planwatch.config import Config, parse_duration
from storage.models import SourceRun

FAILED_OUTCOMES: tuple[str, ...] = ("failed", "unreachable")
CRAWL_JOB = "crawl"
MESSAGE_CHARS = 160

# (pattern on the crawl's message, Korean, English); the first match wins, {0} is the pattern's group.
_REASONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"DNS lookup failed"), "사이트 주소를 찾을 수 없음 (DNS)", "the site's address was not found (DNS)"),
    (re.compile(r"connection refused"), "사이트가 연결을 거부함", "the site refused the connection"),
    (re.compile(r"timed out"), "사이트가 제시간에 응답하지 않음", "the site did not answer in time"),
    (re.compile(r"no connection|connection closed"), "사이트에 연결할 수 없음", "the site could not be reached"),
    (re.compile(r"HTTP (404|410)\b"), "페이지를 찾을 수 없음 (HTTP {0})", "page not found (HTTP {0})"),
    (re.compile(r"HTTP (401|403)\b"), "접근이 거부됨 (HTTP {0})", "access denied (HTTP {0})"),
    (re.compile(r"HTTP (429)\b"), "요청이 너무 많다며 거부됨 (HTTP {0})", "refused as too many requests (HTTP {0})"),
    (re.compile(r"HTTP (5\d\d)\b"), "사이트 서버 오류 (HTTP {0})", "the site's server failed (HTTP {0})"),
    (re.compile(r"robots\.txt"), "robots.txt가 수집을 막음", "robots.txt forbids the crawl"),
    (re.compile(r"too large"), "페이지가 크기 한도를 넘음", "a page was over the size limit"),
    (re.compile(r"storing stopped"), "데이터베이스에 저장하지 못함", "results could not be stored"),
    (re.compile(r"service stopped|stopped early|interrupted"), "수집이 중간에 멈춤", "the crawl stopped early"),
)
_FALLBACK = ("수집 중 오류", "the crawl failed")


def user_reason(message: str | None, outcome: str, language: str) -> str:
    """What went wrong in words a reader acts on, from the crawl's one-line message."""
    text = message or ""
    for pattern, ko, en in _REASONS:
        m = pattern.search(text)
        if m:
            return (ko if language == "ko" else en).format(*m.groups())
    if outcome == "unreachable":
        return "사이트에 연결할 수 없음" if language == "ko" else "the site could not be reached"
    return _FALLBACK[0] if language == "ko" else _FALLBACK[1]


@dataclass(frozen=True)
class SourceNote:
    source: str
    state: str  # failed | silent
    since: datetime  # naive UTC: when it failed, or the last new article
    outcome: str  # the last crawl's outcome
    message: str | None  # the crawl's own message, for the operator

    def reason(self, language: str) -> str:
        if self.state == "silent":
            return "새 기사 없음" if language == "ko" else "no new article"
        return user_reason(self.message, self.outcome, language)

    def text(self, language: str, zone: ZoneInfo) -> str:
        """One line: ``kyeongin: 사이트가 연결을 거부함 (2026-11-22 09:30 KST, +09:00)``."""
        when = format_local(self.since, zone)
        if self.state == "silent":
            if language == "ko":
                return f"{self.source}: {when} 이후 새 기사 없음"
            return f"{self.source}: no new article since {when}"
        return f"{self.source}: {self.reason(language)} ({when})"

    def key(self) -> str:
        return f"{self.source}={self.state}"


def format_local(value: datetime, zone: ZoneInfo) -> str:
    """A stored (naive UTC) moment in the configured zone, with its name and offset."""
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    local = aware.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({offset[:3]}:{offset[3:]})"


def source_notes(session: Session, config: Config, *, now: datetime) -> list[SourceNote]:
    """The enabled sources whose last crawl failed or that are silent, in configuration order."""
    names = [s.name for s in config.sources if s.enabled]
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
            notes.append(SourceNote(name, "failed", when, last.outcome, message))
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
            notes.append(SourceNote(name, "silent", since, last.outcome, None))
    return notes
