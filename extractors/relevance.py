"""Is this a local government's plan step, or a text that merely mentions 4차 산업혁명?

An article is relevant when all of these hold (the *gate*):

1. a watched plan family (``extractors.topics``: 4ir, smart_city, digital, ai,
   informatization, or the user's own) is named in the title, the subtitle, the first
   two lead sentences, the plan's own name or the committee's name — a plan that
   mentions 4차 산업혁명 only further down is some other plan; a family that is not
   watched gives ``topic:unwatched:<family>``;
2. a local government acts (see ``extractors.actor``);
3. a plan step is told: a plan word (``PLAN_WORDS``, spacing-insensitive), a life-cycle
   step of the event table, the government's own committee (``committee:local``: named
   after the government, or in an article whose subject is the government), or a step
   without a plan word (``step:organization`` — a task force or department set up for
   the topic —, ``step:ordinance``, ``step:budget`` — a budgeted programme in the title
   or the lead);
4. no blocking negative fires: an opinion piece, an election campaign, a round-up of
   many governments, a festival or lecture whose head tells no life-cycle step, or a
   subject that is not the government: a ministry, the national committee, a company,
   a school, a single politician (a council member proposing an ordinance is the
   ordinance step). The subject is the sentence's topic (은/는) before a 이/가 clause,
   and the title's government outranks the lead's first word; the national committee
   or a ministry named as background blocks nothing.

The score sums the weights of the signals that fired (``SIGNAL_WEIGHTS``) and is
kept on the right side of 0.5 by the gate, so score and decision never disagree.
Every signal that fired is returned by name, e.g. ``topic:4ir``,
``actor:municipality:안양시``, ``plan_word:종합계획``, ``stage:plan_interim_report``,
``committee:local``, ``step:budget``, ``negative:opinion``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.topics import TopicVocabulary, default_vocabulary
from planwatch.records import Relevance

PLAN_WORDS = re.compile(
    r"(?P<w>(?:종합|기본|시행|실행|추진|촉진|발전|육성|조성|구축|중장기|이행|세부)\s?계획|마스터\s?플랜|로드맵|"
    r"스마트\s?도시\s?계획|(?:추진|대응|육성|발전|혁신)\s?전략|전략\s?수립|계획\s?수립|연구\s?용역|수립\s?용역|"
    r"종합\s?대책|비전\s?선포|(?:대응|추진|활성화|육성|발전)\s?방안|청사진|밑그림|(?:과제|사업)\s?발굴|"
    r"(?<![가-힣])플랜(?!트))"
)
LOCAL_COMMITTEE = re.compile(
    r"[가-힣]{1,8}(?:시|군|구|도)\s?(?:제?4차\s?산업\s?혁명|스마트\s?(?:도시|시티)|디지털|인공지능|AI)[가-힣 ]{0,8}위원회"
)
# A committee, council or task force: its name is read in the words just before the word.
COMMITTEE_WORD = re.compile(r"위원회|협의회|추진단|자문단|연구회|(?<=혁명)위(?![가-힣])")
COMMITTEE_NAME_CHARS = 24
COMMITTEE_NAME_WORDS = 3  # words of a committee's name between its owner and 위원회
OWNER_SUFFIXES = frozenset({"", "의", "의회", "의회의"})  # 충남 …, 안양시의 …, 부천시의회 …
NATIONAL_OWNER = re.compile(r"(?:대통령\s?직속|국가|범정부|정부|국무총리\s?소속)\s?['‘“]?\s?(?:제?\s?\d\s?기\s?)?[^\s]*$")
# The government sets up a unit of its own for the topic: a task force, a dedicated department.
ORGANIZATION = re.compile(
    r"추진단|전담\s?(?:부서|조직|팀|기구)|새\s?부서|조직\s?(?:개편|신설)|(?<![A-Za-z])TF(?![A-Za-z])|태스크\s?포스|"
    r"[가-힣]{2,10}(?:과|팀|국|단)['’\"”]?\s?(?:을|를)?\s?(?:신설|새로\s?(?:두|만들|꾸리)|문\s?열)"
)
ORDINANCE = re.compile(r"조례")
BUDGET = re.compile(r"(?<![\d,.])\d[\d,.]*\s?(?:억|조)\s?원?|예산")
# A round-up of many governments' moves is a trend piece, not one government's step.
ROUNDUP = re.compile(
    r"지자체들|지자체마다|자치단체들|지방정부들|앞다퉈|너도나도|"
    r"전국\s?(?:\d+\s?개\s?)?(?:광역\s?|기초\s?)?(?:지자체|자치단체|지방정부|시[·ㆍ]?도|시[·ㆍ]?군[·ㆍ]?구)"
    r"(?![^.,]{0,8}?(?:최초|처음|첫|유일|가장|최고|1위))"  # 전국 지자체 최초로: one government's first
)
# An election campaign's pledge or committee is not a government's step.
CAMPAIGN = re.compile(r"선대위|선거\s?대책|대선\s?(?:후보|공약)|선거\s?공약|후보\s?캠프|예비\s?후보")

# Who does the thing: the first subject of the title or the lead sentence, by kind.
# A lead whose subject is a ministry, a company or a school reports their news.
SUBJECT_KINDS: dict[str, re.Pattern[str]] = {
    "national_actor": re.compile(
        r"^(?:정부|과학기술정보통신부|과기정통부|산업통상자원부|산업부|국토교통부|국토부|행정안전부|행안부|교육부|"
        r"중소벤처기업부|중기부|기획재정부|기재부|고용노동부|노동부|환경부|농림축산식품부|농식품부|해양수산부|해수부|"
        r"보건복지부|복지부|문화체육관광부|문체부|국무조정실|국무총리|총리|대통령실|청와대|대통령|국회|여야|"
        r"한국지능정보사회진흥원|정보통신산업진흥원|[가-힣]*(?:공단|공사|진흥원))$"
    ),
    "national_committee": re.compile(r"^(?:대통령\s?직속\s?)?(?:국가)?4차\s?산업\s?혁명\s?위원회$"),
    "company": re.compile(
        r"^(?:㈜|\(주\)|주식회사)|(?:전자|텔레콤|그룹|은행|증권|건설|코리아|테크|솔루션즈?|시스템즈|소프트|네트웍스|"
        r"랩스|중공업|유플러스|네이버|카카오|㈜)$|^기업$|^(?!(?:AI|DX|ICT|IT|IoT|IOT|CCTV|GIS|AR|VR|XR)$)[A-Z][A-Za-z0-9&]+$"
    ),
    "politician": re.compile(r"(?:의원|후보|예비후보)$"),  # a statement, not a government's step
    "school": re.compile(
        r"(?<![시세현])(?:대학교|대학|대|고등학교|고교|중학교|초등학교|교육청|교육지원청|캠퍼스|학교|과학고|마이스터고|교육원)$"
    ),
}
# Starts only at the first letter of a word: trying every letter of a long word would be quadratic.
SUBJECT_WORD = re.compile(r"(?<![가-힣A-Za-z0-9()㈜&·])([가-힣A-Za-z0-9()㈜&·]+?)(?P<p>는|은|가|이|,)(?=\s)")
# Words ending in 대 that are not a university (부경대, 한남대 are).
NOT_SCHOOLS = frozenset({"뼈대", "세대", "기대", "무대", "연대", "지대", "확대", "반대", "상대", "부대", "초대", "절대",
                         "현대", "시대", "첨단세대", "신세대"})

# negative signal → pattern (read in the title or first lines only)
NEGATIVE_PATTERNS: dict[str, re.Pattern[str]] = {
    "opinion": re.compile(
        r"^\s*[\[【<(]\s?(?:칼럼|기고|특별기고|사설|시론|오피니언|기자수첩|데스크칼럼|시평|논단|발언대|독자\s?투고|"
        r"아침을\s?열며|세상읽기|에세이|취재수첩|현장에서|의견)|논설위원|칼럼니스트|객원\s?논설|필자는"
    ),
    "national_committee": re.compile(
        r"대통령\s?직속|국가\s?4차\s?산업\s?혁명\s?위원회|4차\s?산업\s?혁명\s?위원회\s?\(\s?위원장|범정부"
    ),
    "event": re.compile(r"축제|페스티벌|체험|박람회|경진\s?대회|공모전|전시회|캠프|교실|콘서트|골든벨|해커톤|엑스포|행사|특강|강연"),
}
BLOCKING = ("opinion", "national_committee", "national_actor", "company", "school", "politician", "event", "campaign", "roundup")
NOT_SUBJECTS = frozenset({"국가", "평가", "증가", "참가", "추가", "전문가", "시대", "이번", "이날", "한편", "또한", "특히"})

SIGNAL_WEIGHTS = {
    "topic": 0.2,
    "actor": 0.25,
    "plan_word": 0.2,
    "stage": 0.25,
    "committee": 0.15,
    "step": 0.15,
    "negative": -0.35,
}


@dataclass
class RelevanceInput:
    """What the judgement needs, already read out of the article by the other extractors."""

    title: str
    topic_zone: str  # title, subtitle, first two lead sentences: where the article says what it is about
    head: str  # title, subtitle and lead
    first_line: str  # title, then the first body line: where opinion pieces say so
    lead_first: str  # the first lead sentence: whose action it is
    body: str
    actor_name: str | None
    actor_in_head: bool
    plan_title: str | None
    committee_name: str | None
    event_type: str
    vocabulary: TopicVocabulary = field(default_factory=default_vocabulary)


def judge(x: RelevanceInput) -> Relevance:
    reasons: list[str] = []
    named = _topics(x)
    topics = [t for t in named if t in x.vocabulary.watched]
    reasons += [f"topic:{t}" for t in topics]
    reasons += [f"topic:unwatched:{t}" for t in named if t not in x.vocabulary.watched]
    if x.actor_name:
        reasons.append(f"actor:municipality:{x.actor_name}")
    plan_words = sorted({m.group("w").replace(" ", "") for m in PLAN_WORDS.finditer(x.head)})
    if x.plan_title and not plan_words:
        in_title = PLAN_WORDS.search(x.plan_title)
        plan_words = [in_title.group("w").replace(" ", "")] if in_title else ["계획"]
    reasons += [f"plan_word:{w}" for w in plan_words]
    staged = x.event_type != "other"
    if staged:
        reasons.append(f"stage:{x.event_type}")
    kind = _acting_kind(x)
    committee = _committee_signal(x, kind)
    if committee:
        reasons.append(f"committee:{committee}")
    steps = _step_signals(x)
    reasons += [f"step:{s}" for s in steps]
    told = bool(plan_words) or staged or committee == "local" or bool(steps)
    # A lecture or festival in the title is one even when its theme names a strategy: only a
    # step of the plan's life cycle, the government's committee or unit, or an ordinance outweigh it.
    step_beyond_words = staged or committee == "local" or any(s in ("organization", "ordinance") for s in steps)
    negatives = _negatives(x, step_beyond_words, kind, committee)
    reasons += [f"negative:{n}" for n in negatives]

    score = 0.0
    score += SIGNAL_WEIGHTS["topic"] * min(len(topics), 2) / 1.5
    score += SIGNAL_WEIGHTS["actor"] if x.actor_name else 0.0
    score += SIGNAL_WEIGHTS["plan_word"] if plan_words else 0.0
    score += SIGNAL_WEIGHTS["stage"] if staged else 0.0
    score += SIGNAL_WEIGHTS["committee"] if committee == "local" else 0.0
    score += SIGNAL_WEIGHTS["step"] if steps else 0.0
    score += SIGNAL_WEIGHTS["negative"] * len(negatives)
    gate = bool(topics) and bool(x.actor_name) and told
    gate = gate and not any(n in BLOCKING for n in negatives)
    score = max(0.0, min(1.0, score))
    score = max(score, 0.55) if gate else min(score, 0.45)
    return Relevance(relevant=gate, score=round(score, 3), reasons=reasons)


def _acting_kind(x: RelevanceInput) -> str | None:
    """Who acts: the government when the title says so (김포시, KT와 … 협약), else the lead's subject."""
    in_title = subject_kind(x.title)
    if in_title == "government":
        return in_title
    return subject_kind(x.lead_first) or in_title


def _topics(x: RelevanceInput) -> list[str]:
    """Plan families named where they describe the step: head, plan name or committee name."""
    where = "\n".join(t for t in (x.topic_zone, x.plan_title or "", x.committee_name or "") if t)
    return x.vocabulary.families_in(where)


def _committee_signal(x: RelevanceInput, kind: str | None) -> str | None:
    """``local`` when the head names a committee on a family's topic that is the government's own,
    ``national`` when it names only the national one; None when it names none."""
    if LOCAL_COMMITTEE.search(x.head) or (x.committee_name and LOCAL_COMMITTEE.search(x.committee_name)):
        return "local"
    found = None
    for line in x.head.split("\n"):
        for m in COMMITTEE_WORD.finditer(line):
            before = line[max(0, m.start() - COMMITTEE_NAME_CHARS):m.start()]
            name = re.split(r"[,.…·'‘’\"“”「」『』<>\[\]]", before)[-1]
            if not x.vocabulary.names_any(name + m.group(0)):
                continue
            if NATIONAL_OWNER.search(before) or NEGATIVE_PATTERNS["national_committee"].search(before + m.group(0)):
                found = found or "national"
            elif _owned_by_government(name, COMMITTEE_NAME_WORDS) or kind == "government":
                return "local"
    return found


def _step_signals(x: RelevanceInput) -> list[str]:
    """Steps told without a plan word: a unit set up for the topic, an ordinance, a budget."""
    steps = []
    if ORGANIZATION.search(x.head):
        steps.append("organization")
    if ORDINANCE.search(x.head):
        steps.append("ordinance")
    if BUDGET.search(x.title) or BUDGET.search(x.lead_first):
        steps.append("budget")
    return steps


def _negatives(x: RelevanceInput, step_told: bool, kind: str | None, committee: str | None) -> list[str]:
    found = []
    if NEGATIVE_PATTERNS["opinion"].search(x.first_line) or _signed_opinion(x.body):
        found.append("opinion")
    # The national committee named as background does not make a local step national.
    national_named = NEGATIVE_PATTERNS["national_committee"].search(x.head) is not None or committee == "national"
    if national_named and committee != "local" and kind != "government":
        found.append("national_committee")
    if kind == "politician" and (x.event_type == "ordinance" or ORDINANCE.search(x.head)):
        kind = None  # a member proposing an ordinance is the ordinance step
    if kind is not None and kind != "government" and kind not in found:
        found.append(kind)
    if NEGATIVE_PATTERNS["event"].search(x.title) and not step_told:
        found.append("event")
    if CAMPAIGN.search(x.head):
        found.append("campaign")
    if ROUNDUP.search(x.title) or ROUNDUP.search(x.lead_first):
        found.append("roundup")
    return found


def subject_kind(sentence: str) -> str | None:
    """Kind of the subject of ``sentence``: government, national_actor, company, school …

    The topic of the sentence (a word with 은/는) is its subject; without one, the first
    word with 이/가 (or the first word before a comma, as in titles). A ministry with 이/가 in
    a clause before the topic (``국토교통부가 주관한 공모에 선정된 김포시는``) is not the subject.
    """
    kinds = [(m.group("p"), kind) for m in SUBJECT_WORD.finditer(sentence + " ")
             if (kind := _word_kind(sentence, m)) is not None]
    topic = next((kind for particle, kind in kinds if particle in ("는", "은")), None)
    return topic or (kinds[0][1] if kinds else None)


def _word_kind(sentence: str, m: re.Match[str]) -> str | None:
    from extractors.gazetteer import load_gazetteer

    word = m.group(1)
    if word in NOT_SUBJECTS or len(word) < 2:
        return None
    if m.group("p") == "," and sentence[:m.start()].strip():
        return None  # a comma marks the subject only as the first word (동작구, …): later it lists partners
    mentions = load_gazetteer().mentions(word)
    if mentions and mentions[0].start == 0 and not mentions[0].context_only:
        return "government"
    for kind, pattern in SUBJECT_KINDS.items():
        if not pattern.search(word):
            continue
        if kind == "school" and word in NOT_SCHOOLS:
            continue
        if kind == "national_committee" and _owned_by_government(sentence[:m.start()]):
            return "government"  # 충청남도 4차산업혁명위원회가: the province's own committee
        return kind
    return None


def _owned_by_government(before: str, name_words: int = 1) -> bool:
    """Whether a government's name stands just before a name, or before its first ``name_words``
    words: ``충청남도(충남도) 4차산업혁명위원회``, ``충남 4차산업혁명 추진위원회``, ``부천시의회 스마트도시 연구회``."""
    from extractors.gazetteer import load_gazetteer

    words = [w.strip("'‘’\"“”「」『』") for w in re.sub(r"\([^()]*\)", " ", before).split()]
    for word in reversed(words[-(name_words + 1):] if name_words > 1 else words[-1:]):
        mentions = load_gazetteer().mentions(word)
        if mentions and mentions[0].start == 0 and mentions[0].suffix in OWNER_SUFFIXES:
            return True
    return False


def _signed_opinion(body: str) -> bool:
    """Columns end with the writer's name and position on a line of their own."""
    last = body.strip().split("\n")[-1] if body.strip() else ""
    return bool(re.fullmatch(r"\s*[/<(]?\s?[가-힣]{2,4}\s?(?:[가-힣A-Za-z]+\s?){0,3}(?:교수|원장|소장|연구위원|대표|"
                             r"칼럼니스트|논설위원|박사)[>)]?\s*", last))
