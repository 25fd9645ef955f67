"""The run log: every job run of the service recorded in ``source_runs``, and read back as health.

A crawl is one row per source run (``job = "crawl"``, ``source`` = the source's name);
digests and housekeeping are rows whose ``source`` is the job's id. A row is written
when the run starts (outcome ``running``) and completed when it ends, so a run cut
short by a crash stays visible; the next service start marks such rows ``interrupted``.
Runs that never happened are rows too, under ``job = "skipped"`` so that readers of
crawl runs never mistake them for a crawl: ``overrun`` (the previous run was still
going) and ``missed`` (too late after a downtime), so nothing is skipped silently.

``source_health`` is what ``planwatch status`` shows and what a digest footer names:
sources failing, or silent (no new article), for longer than the configured periods.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, cast, overload

from sqlalchemy import CursorResult, delete, func, select, update

from storage.db import Database
from storage.models import SourceRun, utcnow

CRAWL_JOB = "crawl"
SKIPPED_JOB = "skipped"

OUTCOMES = {
    "running": "started, not finished yet",
    "ok": "finished",
    "failed": "ended with an error, a crash or a timeout",
    "unreachable": "the site could not be reached",
    "interrupted": "stopped by a shutdown or a crash of the service",
    "overrun": "skipped: the previous run was still going",
    "missed": "skipped: due while the service was stopped, later than the grace time",
}
FAILED_OUTCOMES = frozenset({"failed", "unreachable"})
SKIPPED_OUTCOMES = frozenset({"overrun", "missed"})
ATTENTION_FAILED = ("failed", "failing")  # health states of a source whose last crawl failed
ATTENTION = (*ATTENTION_FAILED, "silent")
MESSAGE_LIMIT = 2000  # characters of a run's message kept in the database


def run_key(job_id: str) -> tuple[str, str]:
    """The (source, job) a service job id is recorded under: ``crawl:x`` → (``x``, ``crawl``)."""
    if job_id.startswith("crawl:"):
        return job_id.removeprefix("crawl:"), CRAWL_JOB
    return job_id, job_id.split(":", 1)[0]


@dataclass(frozen=True)
class RunFigures:
    """How a run ended: what the job function reports back."""

    outcome: str
    pages: int = 0
    new_articles: int = 0
    errors: int = 0
    message: str | None = None


def start_run(db: Database, source: str, job: str) -> int:
    """Write the ``running`` row of a run that starts now; returns its id."""
    with db.session() as session:
        run = SourceRun(source=source, job=job, started_at=utcnow(), outcome="running")
        session.add(run)
        session.flush()
        return run.id


def finish_run(db: Database, run_id: int, figures: RunFigures) -> None:
    with db.session() as session:
        session.execute(
            update(SourceRun)
            .where(SourceRun.id == run_id)
            .values(
                finished_at=utcnow(),
                outcome=figures.outcome,
                pages=figures.pages,
                new_articles=figures.new_articles,
                errors=figures.errors,
                message=_clip(figures.message),
            )
        )


def record_skipped(db: Database, source: str, outcome: str, message: str) -> None:
    """A run that did not happen (``overrun`` or ``missed``): one finished row, nothing done."""
    assert outcome in SKIPPED_OUTCOMES, outcome
    now = utcnow()
    with db.session() as session:
        session.add(SourceRun(source=source, job=SKIPPED_JOB, started_at=now, finished_at=now, outcome=outcome,
                              message=_clip(message)))


def mark_interrupted(db: Database) -> int:
    """Rows still ``running`` when the service starts belong to a service that died: close them."""
    with db.session() as session:
        result = session.execute(
            update(SourceRun)
            .where(SourceRun.outcome == "running")
            .values(outcome="interrupted", finished_at=utcnow(),
                    message="the service stopped before this run ended")
        )
        return cast("CursorResult[Any]", result).rowcount or 0  # an UPDATE's result has a row count


def prune_runs(db: Database, keep: int) -> int:
    """Keep the newest ``keep`` rows of each (source, job); returns how many were deleted."""
    deleted = 0
    with db.session() as session:
        pairs = session.execute(
            select(SourceRun.source, SourceRun.job).group_by(SourceRun.source, SourceRun.job)
            .having(func.count() > keep)
        ).all()
        for source, job in pairs:
            cutoff = session.execute(
                select(SourceRun.id).where(SourceRun.source == source, SourceRun.job == job)
                .order_by(SourceRun.id.desc()).offset(keep).limit(1)
            ).scalar_one()
            result = session.execute(
                delete(SourceRun).where(SourceRun.source == source, SourceRun.job == job, SourceRun.id <= cutoff)
            )
            deleted += cast("CursorResult[Any]", result).rowcount or 0
    return deleted


# --- reading back -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LastRun:
    source: str
    job: str
    started_at: datetime  # UTC, aware
    finished_at: datetime | None
    outcome: str
    pages: int
    new_articles: int
    errors: int
    message: str | None

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat()
        out["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return out


def last_runs(db: Database) -> dict[tuple[str, str], LastRun]:
    """The latest run that actually ran (not skipped) of every (source, job)."""
    with db.session(read_only=True) as session:
        newest = (
            select(func.max(SourceRun.id).label("id"))
            .where(SourceRun.job != SKIPPED_JOB)
            .group_by(SourceRun.source, SourceRun.job)
            .subquery()
        )
        rows = session.execute(select(SourceRun).join(newest, SourceRun.id == newest.c.id)).scalars().all()
        return {(r.source, r.job): _last_run(r) for r in rows}


def skipped_counts(db: Database, since: datetime | None = None) -> dict[tuple[str, str], int]:
    """How many runs were skipped, by (source, outcome): this is where overruns are counted."""
    with db.session(read_only=True) as session:
        query = select(SourceRun.source, SourceRun.outcome, func.count()).where(SourceRun.job == SKIPPED_JOB)
        if since is not None:
            query = query.where(SourceRun.started_at >= _naive_utc(since))
        query = query.group_by(SourceRun.source, SourceRun.outcome)
        return {(s, o): n for s, o, n in session.execute(query).all()}


@dataclass(frozen=True)
class SourceHealth:
    """One source as ``planwatch status`` and the digest footer see it."""

    source: str
    state: str  # ok | failed (the last crawl) | failing (for failing_after) | silent | never_run
    last_outcome: str | None
    last_run_at: datetime | None
    last_ok_at: datetime | None
    last_new_article_at: datetime | None
    since: datetime | None  # when the failing or silent stretch began
    message: str | None  # the last failure's reason

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = asdict(self)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
        return out


def source_health(db: Database, sources: Iterable[str], *, failing_after: float, silent_after: float,
                  now: datetime | None = None) -> list[SourceHealth]:
    """Classify each source from its crawl runs.

    *failing*: no successful crawl for ``failing_after`` seconds although crawls ran
    (counted from the last success, or from the first run if there never was one);
    *failed*: the last crawl failed (unreachable, HTTP 404...), not yet for that long;
    *silent*: crawls succeed but no new article for ``silent_after`` seconds.
    """
    now = _aware(now or datetime.now(timezone.utc))
    names = list(sources)
    out: list[SourceHealth] = []
    with db.session(read_only=True) as session:
        for name in names:
            ran = select(SourceRun).where(
                SourceRun.source == name, SourceRun.job == CRAWL_JOB, SourceRun.outcome != "running"
            )
            last = session.execute(ran.order_by(SourceRun.id.desc()).limit(1)).scalar_one_or_none()
            if last is None:
                out.append(SourceHealth(name, "never_run", None, None, None, None, None, None))
                continue
            first_at = session.execute(
                select(func.min(SourceRun.started_at)).where(SourceRun.source == name, SourceRun.job == CRAWL_JOB)
            ).scalar_one()
            last_ok_at = session.execute(
                select(func.max(SourceRun.finished_at)).where(
                    SourceRun.source == name, SourceRun.job == CRAWL_JOB, SourceRun.outcome == "ok")
            ).scalar_one_or_none()
            last_new_at = session.execute(
                select(func.max(SourceRun.finished_at)).where(
                    SourceRun.source == name, SourceRun.job == CRAWL_JOB, SourceRun.new_articles > 0)
            ).scalar_one_or_none()
            last_failure = session.execute(
                ran.where(SourceRun.outcome.in_(FAILED_OUTCOMES)).order_by(SourceRun.id.desc()).limit(1)
            ).scalar_one_or_none()
            state, since = _classify(
                now, _aware(first_at), _aware(last_ok_at), _aware(last_new_at), last.outcome,
                timedelta(seconds=failing_after), timedelta(seconds=silent_after),
            )
            out.append(SourceHealth(
                source=name, state=state, last_outcome=last.outcome, last_run_at=_aware(last.started_at),
                last_ok_at=_aware(last_ok_at), last_new_article_at=_aware(last_new_at), since=since,
                message=last_failure.message if (state in ATTENTION_FAILED and last_failure is not None) else None,
            ))
    return out


def _classify(now: datetime, first_at: datetime | None, last_ok_at: datetime | None,
              last_new_at: datetime | None, last_outcome: str, failing_after: timedelta,
              silent_after: timedelta) -> tuple[str, datetime | None]:
    if last_outcome in FAILED_OUTCOMES:
        since = last_ok_at or first_at
        if since is not None and now - since > failing_after:
            return "failing", since
        return "failed", last_ok_at or first_at
    if last_ok_at is not None:
        since = last_new_at or first_at
        if since is not None and now - since > silent_after:
            return "silent", since
    return "ok", None


def _last_run(r: SourceRun) -> LastRun:
    return LastRun(r.source, r.job, _aware(r.started_at), _aware(r.finished_at), r.outcome, r.pages,
                   r.new_articles, r.errors, r.message)


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: None) -> None: ...
@overload
def _aware(value: datetime | None) -> datetime | None: ...


def _aware(value: datetime | None) -> datetime | None:
    """Rows hold naive UTC; everything leaving this module is aware."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def _clip(message: str | None) -> str | None:
    if message is None:
        return None
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"
