"""Which step of a plan's life an article reports, and when that step happened.

The step is said in the title, the subtitle and the lead. Each event type has a
table of trigger phrases; when several fire, the most specific wins, in the order
of ``EVENT_PRIORITY`` (a 중간보고회 held by the committee is a 중간보고회; a committee
meeting that adopts the plan is an adoption; an agreement is an agreement).

The date is the date expression of the first lead sentence that names the step,
skipping the date of the announcement (``…했다고 20일 밝혔다``); ``최근`` gives the
month of publication. Without any, the announcement date is used, and without
that the publication month.
"""

from __future__ import annotations

import re
from datetime import date

from extractors.dates import DateMention, find_dates
from planwatch.records import EventFacts

# event type → trigger phrases (regex fragments), read in the head of the article.
EVENT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "mou": (r"업무\s?협약", r"협약(?:을|를)?\s?(?:체결|맺)", r"협약식", r"MOU", r"양해각서"),
    "ordinance": (
        r"조례(?:안)?(?:을|를|이|가)?\s?(?:제정|공포|개정|입법\s?예고|대표\s?발의|발의|가결|통과|의결|시행)",
        r"조례\s?(?:제정|개정|공포)", r"조례안",
    ),
    "committee_launch": (r"출범", r"창립\s?총회", r"발족", r"위촉식", r"위원(?:을|를)?\s?위촉", r"첫\s?회의"),
    "plan_kickoff": (r"착수",),
    "plan_interim_report": (r"중간\s?보고",),
    "plan_final_report": (r"최종\s?보고", r"완료\s?보고", r"최종\s?결과\s?보고"),
    "plan_adopted": (
        r"(?:계획|플랜|로드맵|전략)[^.]{0,20}?(?:확정|의결|수립|발표|마련|완료|공표)(?:했|하였|됐|되었|하고|해|\s|$|\.)",
        r"(?:확정|의결)(?:했|하였|됐|되었)", r"수립\s?완료", r"심의[·\s]?의결", r"기본계획\s?확정",
    ),
    "committee_meeting": (
        r"변경\s?안|계획\s?변경|수정\s?안",
        r"위원회(?:를|가|는)?\s?(?:개최|열|회의)", r"(?:정기|정례|전체)\s?회의", r"시행계획", r"위원회[^.]{0,30}(?:개최|열었|열고)",
        r"회의(?:를|가)?\s?(?:개최|열)",
    ),
}
EVENT_PRIORITY: tuple[str, ...] = (
    "mou",
    "ordinance",
    "committee_launch",
    "plan_kickoff",
    "plan_interim_report",
    "plan_final_report",
    "plan_adopted",
    "committee_meeting",
)
QUOTES = re.compile(r"[‘’'\"“”「」『』]")
# A plan "수립" in the past (2021년 2월 … 수립하여 운영) or the future (수립할 계획) is not this article's step.
NOT_NOW = re.compile(r"(?:할|될)\s?(?:계획|예정|방침)|하여\s?운영|해\s?운영|바\s?있|했던|된\s?바|예정이다")
# A plan's revision, or its yearly 시행계획, is steering (committee_meeting), not the adoption.
REVISION = re.compile(r"변경|수정|보완")
ANNUAL_PLAN = re.compile(r"시행\s?계획")
_COMPILED = {t: [re.compile(p) for p in ps] for t, ps in EVENT_TRIGGERS.items()}


def event_types_in(text: str) -> set[str]:
    """Every event type whose triggers appear in ``text``."""
    found = set()
    text = QUOTES.sub("", text)  # ‘…용역’에 착수: quotes do not change the step
    for etype, patterns in _COMPILED.items():
        for p in patterns:
            m = p.search(text)
            if m and etype == "plan_adopted" and (
                NOT_NOW.search(text[m.start():m.end() + 25]) or REVISION.search(text[max(0, m.start() - 15):m.end()])
                or ANNUAL_PLAN.search(text[max(0, m.start() - 12):m.end()])
            ):
                continue
            if m:
                found.add(etype)
                break
    return found


def classify_event(title: str, subtitle: str, lead: list[str]) -> str:
    """The event type of the article from its head; ``other`` when no trigger fires."""
    for zone in ([title], [title, subtitle, *lead[:2]], [title, subtitle, *lead]):
        found: set[str] = set()
        for text in zone:
            found |= event_types_in(text)
        for etype in EVENT_PRIORITY:
            if etype in found:
                if etype == "committee_meeting" and zone == [title] and _more_specific_in_lead(subtitle, lead):
                    break
                return etype
    return "other"


def _more_specific_in_lead(subtitle: str, lead: list[str]) -> bool:
    found: set[str] = set()
    for text in [subtitle, *lead[:2]]:
        found |= event_types_in(text)
    return bool(found - {"committee_meeting"})


def event_date(event_type: str, head_sentences: list[str], published: date | None) -> tuple[date | None, str]:
    """(date, precision) of the step, from the lead sentences that name it."""
    if published is None:
        return None, "day"
    # sentences naming the step first, keeping text order otherwise
    ranked = sorted(head_sentences, key=lambda s: 0 if event_type in event_types_in(s) else 1)
    announcement: DateMention | None = None
    for sentence in ranked:
        for d in find_dates(sentence, published):
            if d.announcement:
                announcement = announcement or d
                continue
            if d.precision == "month" and not d.vague and _is_period_bound(sentence, d):
                continue
            return d.date, d.precision
    if announcement is not None:
        return announcement.date, announcement.precision
    return published.replace(day=1), "month"


def _is_period_bound(sentence: str, d: DateMention) -> bool:
    """``7월부터 11월까지``: a span of work, not the day of the step."""
    return bool(re.match(r"\s?(?:부터|까지|~|-)", sentence[d.end:]))


def build_event(title: str, subtitle: str, lead: list[str], published: date | None) -> EventFacts:
    etype = classify_event(title, subtitle, lead)
    when, precision = event_date(etype, [s for s in [*lead, subtitle, title] if s], published)
    return EventFacts(type=etype, date=when, precision=precision)  # type: ignore[arg-type]
