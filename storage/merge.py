"""Merging one article's facts into its plan, and the changes that are worth telling.

``merge_plan(state, facts, ...)`` is a pure function over ``PlanState`` values: the
repository loads the plan row into a state, merges, writes the state back and stores
the returned ``ChangeRecord``s as plan_changes rows.

Rules (one table below per kind of field):

* An article never erases: a fact it leaves out keeps its stored value.
* Articles arrive out of order (archives, replays). Only an article at least as new as
  the plan's ``facts_as_of`` may overwrite or revise a value; an older one only fills gaps.
* Filling a gap is silent (the plan simply became better known), except the vision,
  whose first appearance on a known plan is news. Overwriting a different value records a change with old and new.
* Counts are revised as a whole: 7·17 → 9·31 records one ``counts`` change and keeps the
  old counts as ``previous_counts``. An article that itself states the previous counts
  ("7개 전략과제 17개 실행과제에서 9개·31개로") records that revision even when the plan is new.
* The stage only moves forward along the plan steps of ``EVENT_TYPES``; a
  committee_meeting marks a plan in operation only once it is adopted (or nothing else is
  known), and an mou or other article never moves the stage.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from planwatch.records import EVENT_TYPES, Committee, Counts, PlanFacts

STAGE_STEPS: tuple[str, ...] = EVENT_TYPES[: EVENT_TYPES.index("plan_adopted") + 1]
"""ordinance → … → plan_adopted: the steps that advance a plan's stage, in order."""
OPERATING_STAGE = "committee_meeting"  # steering an adopted plan: after every drafting step
NEVER_STAGES = ("mou", "other")

_TITLE_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|제\s*\d+\s*기|[\s\W_]+", re.UNICODE)
_TITLE_SUFFIXES = ("수립연구용역", "연구용역", "수립용역", "수립")


@dataclass(frozen=True)
class ChangeRecord:
    """One field of a plan that changed: ``old`` → ``new`` (JSON-ready values)."""

    field: str
    old: Any
    new: Any


@dataclass
class PlanState:
    """The mergeable part of a plan row."""

    title: str | None = None
    phase: int | None = None
    period_start: int | None = None
    period_end: int | None = None
    vision: str | None = None
    counts: Counts = field(default_factory=Counts)
    previous_counts: Counts | None = None
    items: list[str] = field(default_factory=list)
    committee: Committee | None = None
    partners: list[str] = field(default_factory=list)
    stage: str | None = None
    facts_as_of: date | None = None


@dataclass
class MergeResult:
    state: PlanState
    changes: list[ChangeRecord]


def merge_plan(
    state: PlanState,
    facts: PlanFacts,
    *,
    event_type: str | None,
    on: date | None,
    committee: Committee | None = None,
    partners: list[str] | None = None,
    plan_is_new: bool = False,
) -> MergeResult:
    """Merge ``facts`` (reported on date ``on``) into ``state``; returns the new state and changes."""
    new = dataclasses.replace(
        state,
        counts=dataclasses.replace(state.counts),
        items=list(state.items),
        partners=list(state.partners),
    )
    newer = state.facts_as_of is None or on is None or on >= state.facts_as_of
    changes: list[ChangeRecord] = []

    changes += merge_title(new, facts.title, newer)
    changes += merge_period(new, facts, newer)
    changes += merge_vision(new, facts.vision, newer, plan_is_new)
    changes += merge_counts(new, facts.counts, facts.previous_counts, newer)
    if facts.items and (not new.items or newer):
        new.items = list(facts.items)
    if committee is not None:
        new.committee = merge_committee(new.committee, committee, newer)
    for partner in partners or []:
        if partner not in new.partners:
            new.partners.append(partner)
    stage_change = advance_stage(new.stage, event_type)
    if stage_change is not None:
        new.stage = stage_change.new
        if not plan_is_new:
            changes.append(stage_change)
    if on is not None and newer:
        new.facts_as_of = on
    return MergeResult(new, changes)


def merge_title(state: PlanState, title: str | None, newer: bool) -> list[ChangeRecord]:
    title = clean(title)
    if title is None:
        return []
    if state.title is None:
        state.title = title
        return []
    old_fp, new_fp = title_fingerprint(state.title), title_fingerprint(title)
    if old_fp == new_fp or old_fp in new_fp or new_fp in old_fp:
        # The same name written differently by another outlet; keep the fuller form.
        if newer and len(title) > len(state.title):
            state.title = title
        return []
    if not newer:
        return []
    change = ChangeRecord("title", state.title, title)
    state.title = title
    return [change]


def merge_period(state: PlanState, facts: PlanFacts, newer: bool) -> list[ChangeRecord]:
    if state.phase is None and facts.phase is not None:
        state.phase = facts.phase
    if facts.period_start is None and facts.period_end is None:
        return []
    old = (state.period_start, state.period_end)
    start = facts.period_start if facts.period_start is not None else state.period_start
    end = facts.period_end if facts.period_end is not None else state.period_end
    if old == (None, None):
        state.period_start, state.period_end = start, end
        return []
    conflicting = (state.period_start is not None and start != state.period_start) or (
        state.period_end is not None and end != state.period_end
    )
    if conflicting and not newer:
        # An older article only fills the part of the period still unknown.
        state.period_start = state.period_start if state.period_start is not None else facts.period_start
        state.period_end = state.period_end if state.period_end is not None else facts.period_end
        return []
    state.period_start, state.period_end = start, end
    if not conflicting:
        return []
    return [ChangeRecord("period", period_text(*old), period_text(start, end))]


def merge_vision(state: PlanState, vision: str | None, newer: bool, plan_is_new: bool) -> list[ChangeRecord]:
    vision = clean(vision)
    if vision is None:
        return []
    if state.vision is None:
        state.vision = vision
        return [] if plan_is_new or not newer else [ChangeRecord("vision", None, vision)]
    if compact(state.vision) == compact(vision) or not newer:
        return []
    change = ChangeRecord("vision", state.vision, vision)
    state.vision = vision
    return [change]


def merge_counts(state: PlanState, counts: Counts, stated_previous: Counts | None, newer: bool) -> list[ChangeRecord]:
    if stated_previous is not None and stated_previous.is_empty():
        stated_previous = None
    if counts.is_empty():
        if stated_previous is not None and state.previous_counts is None:
            state.previous_counts = dataclasses.replace(stated_previous)
        return []
    old = dataclasses.replace(state.counts)
    if not newer:
        state.counts = fill_counts(state.counts, counts)
        if stated_previous is not None and state.previous_counts is None:
            state.previous_counts = dataclasses.replace(stated_previous)
        return []
    if counts_revised(old, counts):
        state.counts = fill_counts(counts, old)
        state.previous_counts = dataclasses.replace(stated_previous) if stated_previous is not None else old
        return [ChangeRecord("counts", counts_json(old), counts_json(state.counts))]
    state.counts = fill_counts(old, counts)
    if stated_previous is None:
        return []
    already_told = state.previous_counts is not None and counts_json(state.previous_counts) == counts_json(stated_previous)
    state.previous_counts = dataclasses.replace(stated_previous)
    if already_told or not counts_revised(stated_previous, state.counts):
        return []
    # The article itself reports the revision (부천: 7·17 → 9·31).
    return [ChangeRecord("counts", counts_json(stated_previous), counts_json(state.counts))]


def merge_committee(old: Committee | None, new: Committee, newer: bool) -> Committee:
    if old is None:
        return dataclasses.replace(new, chairs=list(new.chairs))
    first, second = (new, old) if newer else (old, new)
    return Committee(
        name=first.name if first.name is not None else second.name,
        size=first.size if first.size is not None else second.size,
        chairs=list(first.chairs or second.chairs),
    )


def advance_stage(current: str | None, event_type: str | None) -> ChangeRecord | None:
    """The stage change an event of ``event_type`` causes, if any."""
    if event_type is None or event_type in NEVER_STAGES:
        return None
    if event_type == OPERATING_STAGE:
        if current is None or current == "plan_adopted":
            return ChangeRecord("stage", current, event_type)
        return None
    if event_type not in STAGE_STEPS:
        return None
    if current is None or stage_rank(event_type) > stage_rank(current):
        return ChangeRecord("stage", current, event_type)
    return None


def stage_rank(stage: str) -> int:
    if stage == OPERATING_STAGE:
        return len(STAGE_STEPS)
    if stage in STAGE_STEPS:
        return STAGE_STEPS.index(stage)
    return -1


# --- values -----------------------------------------------------------------------------------

COUNT_FIELDS = tuple(f.name for f in dataclasses.fields(Counts))


def counts_revised(old: Counts, new: Counts) -> bool:
    """True when a count both state differs (a count only one states is a gap, not a revision)."""
    return any(
        getattr(old, f) is not None and getattr(new, f) is not None and getattr(old, f) != getattr(new, f)
        for f in COUNT_FIELDS
    )


def fill_counts(base: Counts, other: Counts) -> Counts:
    """``base`` with its unknown counts taken from ``other``."""
    return Counts(**{f: getattr(base, f) if getattr(base, f) is not None else getattr(other, f) for f in COUNT_FIELDS})


def counts_json(counts: Counts | None) -> dict[str, int | None] | None:
    return None if counts is None else dataclasses.asdict(counts)


def counts_from_json(data: dict[str, Any] | None) -> Counts | None:
    if not data:
        return None
    return Counts(**{f: data.get(f) for f in COUNT_FIELDS})


def period_text(start: int | None, end: int | None) -> str | None:
    if start is None and end is None:
        return None
    return f"{start if start is not None else ''}-{end if end is not None else ''}"


def clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def compact(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text, flags=re.UNICODE)


def title_fingerprint(title: str) -> str:
    """The plan's name without spacing, punctuation, parenthesized periods or 제N기."""
    fp = _TITLE_NOISE.sub("", title)
    for suffix in _TITLE_SUFFIXES:
        fp = fp.removesuffix(suffix)
    return fp
