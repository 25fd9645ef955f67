"""Which plan an article is about: the plan identity key and matching against stored plans.

A plan is one municipality's plan of one family (4ir, smart_city, ...) for one phase or
period: ``안양시|4ir|phase:2``, ``광양시|4ir|period:2023-2027``. Articles often name
neither ("the city's 4IR plan"); they join the stored plan of the same municipality and
family that is *compatible* with what they say, else a plan keyed ``…|current``.

Compatible means: nothing the article states contradicts the plan (a different phase,
a different start year), and where both leave the phase and period open, the plan was
active near the article's date. The rules are functions over plain ``PlanIdentity``
values so they can be tested without a database; ``storage.repository`` runs them while
holding the municipality+family lock, so two writers never resolve the same plan twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from planwatch.records import PlanFacts

CURRENT = "current"
KEY_SEPARATOR = "|"
UNDATED_MATCH_DAYS = 730  # an article that names no phase/period joins a plan active within ~2 years
PLAN_MAKING_STEPS = ("ordinance", "committee_launch", "plan_kickoff", "plan_interim_report", "plan_final_report")
"""Stages of a plan still being drafted: a new drafting article most likely continues it."""


@dataclass(frozen=True)
class PlanIdentity:
    """What identifies a plan: who, which family, and its phase/period when known."""

    municipality: str
    family: str
    phase: int | None = None
    period_start: int | None = None
    period_end: int | None = None


@dataclass(frozen=True)
class StoredPlan:
    """A stored plan as identity matching sees it."""

    id: int
    key: str
    identity: PlanIdentity
    stage: str | None = None
    last_active: date | None = None  # the latest event date or report of the plan


def identity_of(facts: PlanFacts) -> PlanIdentity:
    return PlanIdentity(
        municipality=facts.municipality.strip(),
        family=(facts.family or "4ir").strip(),
        phase=facts.phase,
        period_start=facts.period_start,
        period_end=facts.period_end,
    )


def family_prefix(identity: PlanIdentity) -> str:
    return f"{identity.municipality}{KEY_SEPARATOR}{identity.family}"


def plan_key(identity: PlanIdentity) -> str:
    """The key a new plan with this identity gets: phase first, else period, else current."""
    prefix = family_prefix(identity)
    if identity.phase is not None:
        return f"{prefix}{KEY_SEPARATOR}phase:{identity.phase}"
    if identity.period_start is not None:
        end = identity.period_end if identity.period_end is not None else ""
        return f"{prefix}{KEY_SEPARATOR}period:{identity.period_start}-{end}"
    return f"{prefix}{KEY_SEPARATOR}{CURRENT}"


def contradicts(a: PlanIdentity, b: PlanIdentity) -> bool:
    """True when the two state something different about the same attribute."""
    if a.phase is not None and b.phase is not None and a.phase != b.phase:
        return True
    return a.period_start is not None and b.period_start is not None and a.period_start != b.period_start


def same_phase_or_period(a: PlanIdentity, b: PlanIdentity) -> bool:
    """True when both state the phase, or both the start year, and they agree."""
    if a.phase is not None and b.phase is not None:
        return a.phase == b.phase
    if a.period_start is not None and b.period_start is not None:
        return a.period_start == b.period_start
    return False


def is_open(identity: PlanIdentity) -> bool:
    return identity.phase is None and identity.period_start is None


def match_plan(
    incoming: PlanIdentity, candidates: Sequence[StoredPlan], on: date | None, event_type: str | None = None
) -> StoredPlan | None:
    """The stored plan of the same municipality and family this article is about, if any.

    In order: a plan that states the same phase or start year; then, for an article or
    plan that leaves both open, the compatible plan most likely meant (see
    ``rank_open_match``). ``on`` is the article's reference date (event date, else
    publication date).
    """
    same_family = [
        c for c in candidates
        if c.identity.municipality == incoming.municipality and c.identity.family == incoming.family
    ]
    exact = [c for c in same_family if same_phase_or_period(incoming, c.identity)]
    if exact:
        return min(exact, key=lambda c: c.id)
    compatible = [c for c in same_family if not contradicts(incoming, c.identity)]
    if not is_open(incoming):
        # A stated phase/period only joins a plan that states neither and was active close by.
        compatible = [c for c in compatible if is_open(c.identity) and active_near(c, on)]
    else:
        compatible = [c for c in compatible if active_near(c, on) or is_open(c.identity) or covers(c.identity, on)]
    if not compatible:
        return None
    return min(compatible, key=lambda c: rank_open_match(c, on, event_type))


def active_near(plan: StoredPlan, on: date | None) -> bool:
    if on is None or plan.last_active is None:
        return True
    return abs((on - plan.last_active).days) <= UNDATED_MATCH_DAYS


def covers(identity: PlanIdentity, on: date | None) -> bool:
    """True when ``on`` falls in the plan's period (or the plan is about to start)."""
    if on is None or identity.period_start is None:
        return False
    end = identity.period_end if identity.period_end is not None else identity.period_start + 4
    return identity.period_start - 2 <= on.year <= end


def rank_open_match(plan: StoredPlan, on: date | None, event_type: str | None) -> tuple[int, int, int, int]:
    """Sort key, best first: a drafting step prefers a plan still being drafted, then a
    plan whose period covers the date, then the most recently active, then the oldest row."""
    drafting = event_type in PLAN_MAKING_STEPS or event_type == "plan_adopted"
    still_drafting = plan.stage is None or plan.stage in PLAN_MAKING_STEPS
    prefer_drafting = 0 if (drafting and still_drafting) else 1
    in_period = 0 if covers(plan.identity, on) else 1
    distance = abs((on - plan.last_active).days) if (on and plan.last_active) else 10**6
    return (prefer_drafting, in_period, distance, plan.id)


def absorb(plan: PlanIdentity, incoming: PlanIdentity) -> PlanIdentity:
    """The identity of a matched plan after the article filled in what it left open."""
    return PlanIdentity(
        municipality=plan.municipality,
        family=plan.family,
        phase=plan.phase if plan.phase is not None else incoming.phase,
        period_start=plan.period_start if plan.period_start is not None else incoming.period_start,
        period_end=plan.period_end if plan.period_end is not None else incoming.period_end,
    )


def free_key(identity: PlanIdentity, taken: Iterable[str]) -> str:
    """``plan_key`` unless another plan holds it already; then a numbered variant."""
    taken_set = set(taken)
    key = plan_key(identity)
    n = 2
    candidate = key
    while candidate in taken_set:
        candidate = f"{key}:{n}"
        n += 1
    return candidate
