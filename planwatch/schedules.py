"""The jobs the configuration asks for, and their schedules as APScheduler triggers.

Kept apart from the scheduler (``planwatch.service``) so that ``planwatch status``, which only
compares the configured jobs with the stored ones, imports APScheduler's triggers and not its
scheduler, executors, job store and the crawl-process machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from planwatch.config import Config, parse_duration, parse_schedule

JOBS_TABLE = "apscheduler_jobs"
CRAWL_EXECUTOR = "crawl"
OTHER_EXECUTOR = "default"


@dataclass(frozen=True)
class JobSpec:
    """A job the configuration asks for."""

    id: str
    func: str  # "module:function", as the job store keeps it
    args: tuple[Any, ...]
    trigger: BaseTrigger
    executor: str
    schedule: str  # human description, for logs and `planwatch status`
    run_at_start: bool  # first run right away when the job is new


def desired_jobs(config: Config) -> list[JobSpec]:
    """Every job the configuration asks for, in a stable order."""
    svc = config.service
    tz = ZoneInfo(svc.timezone)
    jitter = parse_duration(svc.jitter)
    specs: list[JobSpec] = []
    for source in config.sources:
        if not source.enabled:
            continue
        schedule = source.schedule or svc.default_schedule
        trigger = build_trigger(schedule, tz, jitter=jitter)
        specs.append(JobSpec(
            id=f"crawl:{source.name}", func="planwatch.jobs:crawl_source", args=(source.name,), trigger=trigger,
            executor=CRAWL_EXECUTOR, schedule=describe_schedule(schedule), run_at_start=isinstance(trigger, IntervalTrigger),
        ))
    digest_tz = ZoneInfo(config.digest.timezone)
    at = clock_time.fromisoformat(config.digest.daily_at)
    zone = "" if config.digest.timezone == svc.timezone else f" {config.digest.timezone}"
    if svc.digest_schedule:
        daily = build_trigger(svc.digest_schedule, digest_tz)
        daily_text = describe_schedule(svc.digest_schedule)
    else:
        daily = CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=digest_tz)
        daily_text = f"daily {config.digest.daily_at}{zone}"
    weekly = CronTrigger(day_of_week=config.digest.weekly_on, hour=at.hour, minute=at.minute, second=at.second,
                         timezone=digest_tz)
    specs.append(JobSpec("digest:daily", "planwatch.jobs:send_digest", ("daily",), daily, OTHER_EXECUTOR,
                         daily_text, False))
    specs.append(JobSpec("digest:weekly", "planwatch.jobs:send_digest", ("weekly",), weekly, OTHER_EXECUTOR,
                         f"{config.digest.weekly_on} {config.digest.daily_at}{zone}", False))
    specs.append(JobSpec("housekeeping", "planwatch.jobs:housekeeping", (), build_trigger(svc.housekeeping, tz),
                         OTHER_EXECUTOR, describe_schedule(svc.housekeeping), False))
    return specs


def build_trigger(schedule: str, tz: ZoneInfo, *, jitter: float = 0.0) -> BaseTrigger:
    """An APScheduler trigger for ``"30m"`` or a cron line; an interval's jitter is at most half of it."""
    kind, value = parse_schedule(schedule)
    if kind == "interval":
        seconds = max(1.0, float(value))
        spread = int(min(jitter, seconds / 2))
        return IntervalTrigger(seconds=seconds, jitter=spread or None, timezone=tz)
    trigger = CronTrigger.from_crontab(schedule, timezone=tz)
    trigger.jitter = int(jitter) or None  # from_crontab takes no jitter argument
    return trigger


def describe_schedule(schedule: str) -> str:
    kind, _ = parse_schedule(schedule)
    return f"every {schedule.strip()}" if kind == "interval" else f"cron {schedule.strip()}"


def trigger_signature(trigger: BaseTrigger) -> tuple[Any, ...]:
    """What makes two triggers the same schedule (an interval's start date does not)."""
    if isinstance(trigger, IntervalTrigger):
        return ("interval", trigger.interval_length, trigger.jitter)
    if isinstance(trigger, CronTrigger):
        return ("cron", str(trigger), str(trigger.timezone), trigger.jitter)
    return (type(trigger).__name__, str(trigger))
