"""Which event of a plan's timeline an article reports: the same step, or a new one.

Five outlets reporting one 중간보고회 must make one event with five sources. Two
articles report the same event when (rules in order):

1. they give the same event type and dates that agree: within ``SAME_DAY_WINDOW`` days,
   or the same month/year when one date is only that precise;
2. one of them gives no date, the type is a one-off plan step (a plan has one interim
   report) and the other's date lies within ``UNDATED_WINDOW`` days of publication;
3. their texts are near-duplicates (MinHash similarity ≥ ``NEAR_DUP_THRESHOLD``) and
   their dates lie within ``SAME_DAY_WINDOW`` days (both known; the outlets disagree on
   the type) or within ``UNDATED_WINDOW`` days (a date missing, reference = publication).

Matching only ever looks at the events of one plan, so the municipality is implied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from extractors import neardup

Day = date  # for annotations inside classes that have a field named ``date``

SAME_DAY_WINDOW = 3  # days between two reported dates of one event (a late report, a wrong "지난 N일")
UNDATED_WINDOW = 14  # days between publication and an event when an article gives no date
NEAR_DUP_THRESHOLD = 0.5
ONE_OFF_TYPES = ("ordinance", "committee_launch", "plan_kickoff", "plan_interim_report", "plan_final_report", "plan_adopted")
"""Steps a plan goes through once; committee meetings and MOUs recur."""


@dataclass(frozen=True)
class EventKey:
    """What matching needs to know about an event, stored or reported."""

    type: str
    date: date | None
    precision: str = "day"  # day | month | year
    reported: Day | None = None  # first publication date of a source
    minhash: bytes | None = None

    def reference(self) -> Day | None:
        return self.date or self.reported


@dataclass(frozen=True)
class StoredEvent:
    id: int
    key: EventKey


def dates_agree(a: date, a_precision: str, b: date, b_precision: str) -> bool:
    if "year" in (a_precision, b_precision):
        return a.year == b.year
    if "month" in (a_precision, b_precision):
        return (a.year, a.month) == (b.year, b.month)
    return abs((a - b).days) <= SAME_DAY_WINDOW


def within(a: date | None, b: date | None, days: int) -> bool:
    return a is not None and b is not None and abs((a - b).days) <= days


def text_similarity(a: EventKey, b: EventKey) -> float:
    if a.minhash is None or b.minhash is None:
        return 0.0
    return neardup.signature_similarity(a.minhash, b.minhash)


def match_score(stored: EventKey, incoming: EventKey) -> float | None:
    """How well ``incoming`` matches ``stored`` (higher is better), None when it is another event."""
    both_dated = stored.date is not None and incoming.date is not None
    same_type = stored.type == incoming.type
    if same_type and both_dated:
        if dates_agree(stored.date, stored.precision, incoming.date, incoming.precision):  # type: ignore[arg-type]
            return 2.0 - abs((stored.date - incoming.date).days) / 100  # type: ignore[operator]
        return None
    if same_type and stored.type in ONE_OFF_TYPES and within(stored.reference(), incoming.reference(), UNDATED_WINDOW):
        return 1.5
    window = SAME_DAY_WINDOW if both_dated else UNDATED_WINDOW
    if not within(stored.reference(), incoming.reference(), window):
        return None
    similarity = text_similarity(stored, incoming)
    if similarity >= NEAR_DUP_THRESHOLD:
        return similarity
    return None


def find_same_event(events: list[StoredEvent], incoming: EventKey) -> StoredEvent | None:
    """The stored event ``incoming`` reports again, the best match when several do."""
    best: tuple[float, int] | None = None
    found: StoredEvent | None = None
    for event in events:
        score = match_score(event.key, incoming)
        if score is None:
            continue
        rank = (score, -event.id)
        if best is None or rank > best:
            best, found = rank, event
    return found


def refine_date(stored: EventKey, incoming: EventKey) -> tuple[date, str] | None:
    """A more precise date for the stored event, when the incoming report gives one."""
    if incoming.date is None:
        return None
    if stored.date is None:
        return incoming.date, incoming.precision
    order = {"year": 0, "month": 1, "day": 2}
    if order.get(incoming.precision, 0) > order.get(stored.precision, 0):
        return incoming.date, incoming.precision
    return None
