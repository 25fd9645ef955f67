"""Which step of a plan's life an article reports, and when that step happened.

The step is said in the title, the subtitle and the lead (the headline and the
first sentences weigh more than background paragraphs). Each event type has a
table of trigger phrases; when several fire, the most specific wins, in the order
of ``EVENT_PRIORITY`` (a 중간보고회 held by the committee is a 중간보고회; a committee
meeting that adopts the plan is an adoption; an agreement is an agreement).
A trigger told as background does not count: a step of an earlier year or month
(``2017년에 발족한 뒤``, ``지난 7월 출범한``), one the article passes through
(``중간보고회를 거쳐``), a lead sentence starting with ``앞서``, an ordinance that is
the purpose of another event (``조례 제정을 위한 토론회``). The labelling
conventions then apply (``classify_event``): a 최종/완료보고회 is the final report
even when the plan is "set up"; a stage given as an item of a committee meeting
(``착수보고 받아``) is that meeting; an upcoming event announced in advance takes
its own type; a 수립 보고회 naming no stage is the kickoff, and so is a plan's research
contract announced without a stage (``…기본계획 수립 용역…10월까지``); an article that sums
up a plan by its counts, or the year's 정보화사업 by its budget, without naming a step
reports the plan. A plan only presented (``계획을 내놨다``) at a committee meeting the
headline names stays that meeting unless it is decided (확정, 의결, 승인). A committee
composed in the passive (``위원회는 … 꾸려졌다``) is launched, unless at an earlier date,
``다시``, or beside its meeting (then it describes the committee that meets): a committee
re-formed that gathers (``모였다``) holds its meeting.

The date is the date expression of the first lead sentence that names the step,
skipping the date of the announcement (``…했다고 20일 밝혔다``); ``최근`` gives the
month of publication. Without any, the announcement date is used, and without
that the publication month.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from extractors.counts import find_count_groups
from extractors.dates import DateMention, find_dates
from planwatch.records import EventFacts

# A committee, as reports name it (also abbreviated: "4차산업혁명위", "특위", "TF").
COMMITTEE = r"(?:위원회|추진위|특위|(?:혁명|자문)위(?![가-힣])|협의회|TF|전담\s?조직)"
# A committee composed, told in the passive: not at an earlier date ("위원회는 지난 2022년 9월 꾸려졌으며")
# nor again ("다시 짜였다"). Beside a meeting it describes the committee that meets, not its launch.
COMPOSED = (
    COMMITTEE + r"[’'”\"」)]?\s?(?:은|는|이|가)\s(?:(?!(?:19|20)\d{2}\s?년|지난|작년)[^.]){0,50}?(?<!다시\s)(?<!다시)"
    r"(?:꾸려졌|꾸려진다|구성됐|구성되었|구성된다|짜였)"
)
# event type → trigger phrases (regex fragments), read in the head of the article.
EVENT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "mou": (r"업무\s?협약", r"협약(?:을|를)?\s?(?:체결|맺)", r"협약식", r"MOU", r"양해각서", r"맞손",
            r"협약서(?:에|를)?\s?(?:서명|교환|주고받)", r"(?:조성|구축|협력|상생)\s?협약(?=\s?(?:$|…|,|\.\.\.))"),
    "ordinance": (
        r"조례(?:안|\s?개정안|\s?전부\s?개정안)?(?:을|를|이|가|은|는)?\s?(?:[가-힣]{1,6}\s)?"
        r"(?:제정|공포|개정|입법\s?예고|대표\s?발의|발의|가결|통과|의결|시행|문턱)",
        r"조례\s?(?:제정|개정|공포)", r"조례안(?:을|를|이|가)?\s?(?:마련|추진|만들|내놨|상정|심사|심의)", r"(?:전부)?\s?개정안[^.]{0,12}(?:입법\s?예고|통과|가결|발의)",
    ),
    "committee_launch": (
        r"출범", r"창립\s?총회", r"발족", r"위촉식", r"(?<!새\s)(?<!새)(?<!신임\s)(?<!신임)위원(?:회)?(?:을|를)?\s?위촉",
        r"(?<!올해\s)(?<!올해)(?<!새해\s)(?<!\d년\s)(?<!\d회\s)첫\s?(?:번째\s?)?(?:전체\s?)?회의", r"닻(?:을)?\s?올", COMMITTEE + r"[’'”\"」)]?\s?(?:이|가)?\s?첫발",
        r"활동(?:을|에)?\s?(?:시작|들어가|돌입)", r"처음\s?(?:으로\s?)?모(?:였|여|인)", r"구성(?:을|이)?\s?(?:마쳤|마치고|완료|마무리)",
        COMMITTEE + r"[’'”\"」)]?\s?(?:을|를|이|가)?\s?(?:꾸려|꾸렸|꾸리고|꾸린다|새로\s?꾸|구성했|구성하고)",
        COMPOSED,
    ),
    "plan_kickoff": (
        r"착수", r"용역(?:을|를|에)?\s?(?:발주|공고|시작|들어가|돌입)", r"수립(?:에|을)?\s?(?:나선|나섰|나서|본격\s?착수|들어가|들어갔)",
        r"밑그림(?:을)?\s?그린", r"수립\s?(?:에\s?)?(?:시동|첫발|본격화)",
    ),
    "plan_interim_report": (r"중간\s?보고",),
    "plan_final_report": (r"최종\s?보고", r"완료\s?보고", r"최종\s?결과\s?보고", r"용역\s?결과\s?보고회"),
    "plan_adopted": (
        r"(?:계획|플랜|로드맵|전략|청사진)[^.]{0,20}?(?:확정|의결|수립|발표|마련|완료|공표|공개|내놨|내놓|제시|승인|세웠|세워|고시|선포)"
        r"(?:했|하였|됐|되었|하고|해|\s|$|\.|…|(?<=놨|웠)(?:다|고|으며)|(?<=내놓)았)",
        r"최종\s?승인(?:했|하였|됐|되었|을\s?받|받|\s?(?:…|$))",
        r"(?:확정|의결)(?:했|하였|됐|되었)", r"수립\s?완료", r"심의[·\s]?의결", r"기본계획\s?확정", r"청사진(?:이|을)?\s?(?:나왔|내놨|공개|제시)",
        r"\d{1,2}\s?대\s?(?:추진\s?)?전략[^.]{0,6}(?:가동|추진|공개|발표)",
    ),
    "committee_meeting": (
        r"변경\s?안|계획\s?변경|수정\s?안",
        r"위원회(?:를|가|는)?\s?(?:개최|열|회의)", r"위원회의(?=[가를는에이…’'\".,]|\s?(?:개최|열))",
        r"(?:정기|정례|전체)\s?회의", r"시행계획", r"위원회[^.]{0,30}(?:개최|열었|열고)",
        r"회의(?:를|가)?\s?(?:개최|열|가졌|진행)", COMMITTEE + r"[^.]{0,30}(?:심의|논의|점검|자문|검토)(?:했|하였|하고|한다|를|을|$|…|\s)",
        r"(?:위원회|협의회|추진단|추진본부|특위)\s?(?:정기\s?|전체\s?|임시\s?)?회의", r"\d\s?차\s?(?:정기\s?|전체\s?)?회의",
        COMMITTEE + r"\s?(?:위원\s?)?간담회", COMMITTEE + r"[^.]{0,30}?(?<!기자)간담회(?:를|을)?\s?(?:열|개최|가졌)", COMMITTEE + r"[^.]{0,30}?워크[숍샵]", r"위원회[^.]{0,30}열렸",
        r"(?:올해|새해|\d\s?년|\d\s?회|상반기|하반기)\s?첫\s?(?:정기\s?|전체\s?)?회의",
        COMMITTEE + r"[’'”\"」)]?\s?(?:이|가|은|는)\s[^.]{0,40}?(?<!처음\s)(?:모였|모여|한자리에)", r"제\s?\d{1,2}\s?회\s?[^.]{0,30}위원회",
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
REPORT_STAGES = ("plan_kickoff", "plan_interim_report", "plan_final_report")
QUOTES = re.compile(r"[‘’'\"“”「」『』]")
# A plan "수립" in the past (2021년 2월 … 수립하여 운영) or the future (수립할 계획) is not this article's step.
NOT_NOW = re.compile(r"(?:할|될)\s?(?:계획|예정|방침)|하여\s?운영|해\s?운영|바\s?있|했던|된\s?바|예정이다")
# "계획 수립 보고회", "수립 용역", "수립 방향": work on the plan, not its adoption.
PLAN_WORK_AFTER = re.compile(r"^\s?(?:연구|용역|보고회|착수|방향|을\s?위한|을\s?위해|위해|에\s?나|에\s?착수)")
# A plan's revision, or its yearly 시행계획, is steering (committee_meeting), not the adoption.
REVISION = re.compile(r"변경|수정|보완")
ANNUAL_PLAN = re.compile(r"시행\s?계획")
# A step told as background: "2017년에 발족한 뒤", "중간보고회를 거쳐", "지난 7월 출범한 …본부".
BACKGROUND_AFTER = re.compile(
    r"^[가-힣]{0,3}\s?(?:(?:한|된|은|던)\s?(?:데|것)\s?(?:에\s?)?이어|(?:한|된|했던|됐던|하여|해|되어|돼)\s?(?:뒤|후|이후|이래|바\s?있|지\s)|(?:을|를)?\s?거쳐|(?:을|를)?\s?거친|에\s?이어|(?:을|를)\s?근거로)"
)
# The same a few words on, after the trigger's verb: "업무협약을 맺은 데 이어", "위원회를 출범시킨 뒤".
BACKGROUND_VERB_AFTER = re.compile(r"^[^.,]{0,10}?(?:한|된|은|던|킨)\s?(?:데\s?(?:에\s?)?이어|뒤(?![가-힣])|후(?:에)?(?![가-힣])|이후|이래)")
# An earlier year ("2019년 출범했다", "지난해 용역에 착수해") dates any form; an earlier month only an
# adnominal one ("지난 7월 출범한 추진본부"): "지난 2월 최종보고회를 열었다" can be the article's step.
PAST_YEAR_BEFORE = re.compile(
    r"(?:(?:19|20)\d{2}\s?년(?:도)?(?:\s?\d{1,2}\s?월)?|지난해(?:\s?\d{1,2}\s?월)?|작년)(?!\s?\d)"
    r"(?:에|에는)?\s?(?:[가-힣]{1,6}\s){0,2}$"
)
PAST_MONTH_BEFORE = re.compile(r"지난\s?\d{1,2}\s?월(?!\s?\d)(?:에)?\s?(?:[가-힣]{1,6}\s){0,2}$")
ADNOMINAL_AFTER = re.compile(r"^[가-힣]{0,3}(?:한|된|했던|됐던|킨)\s")
# A lead sentence about an earlier step: "앞서 시는 지난 6월 … 협약을 맺었다".
EARLIER = re.compile(r"^\s?(?:이에\s|이보다\s)?앞서")
# "조례 제정을 위한 토론회": the ordinance is the purpose of another event.
FOR_A_PURPOSE = re.compile(r"^\s?(?:을|를|에)?\s?(?:위한|위해|앞두고|앞서)")
# An adoption announced in advance in the headline: its type when no other step is named.
UPCOMING_ADOPTION = re.compile(r"(?:계획|플랜|로드맵)[^.]{0,20}?(?:확정|의결|발표|고시)\s?(?:할|될|한다|된다|예정|계획|방침)")
# A plan decided, not only presented: what makes a committee meeting's plan its adoption.
DECISION = re.compile(r"확정|의결|승인|수립(?:했|하였|됐|되었)|고시|선포|공표")
# A stage told as a report (보고) without its own meeting (보고회): an item of another meeting.
REPORT_ITEM = re.compile(r"(?:착수|중간|최종|완료)\s?보고(?!\s?회)")
# A 보고회 on drawing up the plan that names no stage: the kickoff (later ones say 중간/최종).
PLAN_REPORT_MEETING = re.compile(r"수립\s?(?:연구\s?)?(?:용역\s?)?보고회")
# A plan's research contract announced with no stage named ("…기본계획 수립 용역…10월까지"): the kickoff.
PLAN_CONTRACT = re.compile(r"(?:계획|전략|로드맵)\s?(?:수립\s?)?(?:연구\s?)?용역(?!\s?(?:을|를|이|가|의)?\s?(?:결과|완료|마무리|끝))")
# The year's informatization programme by its budget ("정보화사업 842개에 2,121억원"): the plan of the year.
# An amount starts where no digit stands before it and is read once (possessive): linear on runs of digits.
INFORMATIZATION_PROGRAMME = re.compile(
    r"정보화\s?(?:사업|예산|분야)[^.\n]{0,30}?(?<![\d,.])\d[\d,.]*+\s?(?:억|조)|(?<![\d,.])\d[\d,.]*+\s?(?:억|조)[^.\n]{0,20}?정보화\s?사업"
)
_COMPILED = {t: [re.compile(p) for p in ps] for t, ps in EVENT_TRIGGERS.items()}
_LAUNCH_BESIDES_COMPOSED = [re.compile(p) for p in EVENT_TRIGGERS["committee_launch"] if p != COMPOSED]


@lru_cache(maxsize=4096)
def event_types_in(text: str) -> frozenset[str]:
    """Every event type whose triggers appear in ``text`` as this article's step (not as background).

    Cached: classification and dating ask about the same head sentences several times.
    """
    found: set[str] = set()
    if EARLIER.match(text):
        return frozenset()
    text = QUOTES.sub("", text)  # ‘…용역’에 착수: quotes do not change the step
    for etype, patterns in _COMPILED.items():
        if any(_fires(etype, m, text) for p in patterns for m in p.finditer(text)):
            found.add(etype)
    return frozenset(found)


@lru_cache(maxsize=4096)
def launch_only_composed(text: str) -> bool:
    """Whether ``text`` tells a committee launch only by its composition (``위원회는 … 구성됐다``)."""
    if "committee_launch" not in event_types_in(text):
        return False
    text = QUOTES.sub("", text)
    return not any(_fires("committee_launch", m, text) for p in _LAUNCH_BESIDES_COMPOSED for m in p.finditer(text))


def _fires(etype: str, m: re.Match[str], text: str) -> bool:
    if etype == "ordinance" and FOR_A_PURPOSE.match(text[m.end():]):
        return False
    if etype == "plan_adopted" and (
        NOT_NOW.search(text[m.start():m.end() + 25]) or REVISION.search(text[max(0, m.start() - 15):m.end()])
        or ANNUAL_PLAN.search(text[max(0, m.start() - 12):m.end()]) or PLAN_WORK_AFTER.match(text[m.end():])
        or PLAN_WORK_AFTER.match(text[m.end() - 1:])
    ):
        return False
    return not _is_background(m, text)


def _is_background(m: re.Match[str], text: str) -> bool:
    after = text[m.end():m.end() + 12]
    if BACKGROUND_AFTER.match(after) or BACKGROUND_VERB_AFTER.match(text[m.end():m.end() + 20]):
        return True
    before = text[max(0, m.start() - 24):m.start()]
    if PAST_YEAR_BEFORE.search(before):
        return True
    return bool(PAST_MONTH_BEFORE.search(before) and ADNOMINAL_AFTER.match(after))


def classify_event(title: str, subtitle: str, lead: list[str]) -> str:
    """The event type of the article from its head; ``other`` when no trigger fires.

    The title decides when it names a step; the subtitle and the first two lead
    sentences otherwise, then the whole lead. Conventions on top of the priority order:
    a 최종/완료보고회 in the head is the final report even when the plan "is set up";
    a stage given as a report item (착수보고, not 착수보고회) of a committee meeting is
    that meeting; a 수립 보고회 that names no stage is the kickoff; an article whose
    head sums up a plan (``3대 전략·10개 과제``) without naming a step reports the plan.
    """
    head = [title, subtitle, *lead[:2]]
    head_found: set[str] = set()
    for text in head:
        head_found |= event_types_in(text)
    for zone in ([title], head, [title, subtitle, *lead]):
        found: set[str] = set()
        for text in zone:
            found |= event_types_in(text)
        if {"committee_launch", "committee_meeting"} <= found and all(
            launch_only_composed(t) for t in zone if "committee_launch" in event_types_in(t)
        ):
            found.discard("committee_launch")  # the composition of the committee that meets
        if not found:
            continue
        etype = _by_priority(found)
        if zone == [title] and len(found) > 1 and lead and (found & event_types_in(lead[0])):
            etype = _by_priority(found & event_types_in(lead[0]))  # two steps in the headline: the lead's
        if etype == "committee_meeting" and zone == [title] and _more_specific_in_lead(subtitle, lead):
            continue
        return _apply_conventions(etype, found | head_found, head)
    if any(PLAN_REPORT_MEETING.search(t) or PLAN_CONTRACT.search(QUOTES.sub("", t)) for t in head):
        return "plan_kickoff"
    if any(UPCOMING_ADOPTION.search(QUOTES.sub("", t)) for t in head[:2]):
        return "plan_adopted"  # "종합계획 연말 확정 예정": the adoption announced in advance
    if any(_sums_up_plan(t) or INFORMATIZATION_PROGRAMME.search(t) for t in head):
        return "plan_adopted"
    return "other"


def _by_priority(found: set[str]) -> str:
    return next(etype for etype in EVENT_PRIORITY if etype in found)


def _apply_conventions(etype: str, found: set[str], head: list[str]) -> str:
    joined = QUOTES.sub("", "\n".join(head))
    if etype in REPORT_STAGES and "committee_meeting" in found and not re.search(r"보고\s?회", joined):
        return "committee_meeting"  # 착수보고 received at a committee meeting
    if etype in REPORT_STAGES and REPORT_ITEM.search(joined) and _committee_meets(joined):
        return "committee_meeting"
    if etype == "plan_adopted" and "plan_final_report" in found:
        return "plan_final_report"
    return etype


def _committee_meets(text: str) -> bool:
    return bool(re.search(COMMITTEE + r"[^.\n]{0,40}?(?:회의|열렸|열어|개최|워크[숍샵])|위원회의|" + COMMITTEE + r"\s?[,，]", text))


def _sums_up_plan(text: str) -> bool:
    groups = find_count_groups(text)
    return any(set(g.values) & {"strategies", "tasks", "projects"} for g in groups)


def _more_specific_in_lead(subtitle: str, lead: list[str]) -> bool:
    """Whether the head below a committee-meeting title names a more specific step.

    A plan only presented there (``계획을 내놨다``, ``시행계획이 공개됐다``) stays the meeting's
    matter: the meeting is the step unless the plan is decided (확정, 의결, 승인 …).
    """
    found: set[str] = set()
    texts = [subtitle, *lead[:2]]
    for text in texts:
        found |= event_types_in(text)
    more = found - {"committee_meeting"}
    if more == {"plan_adopted"} and not any(DECISION.search(t) for t in texts):
        return False
    return bool(more)


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
