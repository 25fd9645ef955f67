"""Article → Extraction: the plan record one news article tells.

``extract_plan`` is pure and fast: regex tables, no I/O after the gazetteer is read
once. It cuts the article into passages (``extractors.passages``), finds the acting
government (``actor``), the step and its date (``events``), the plan's name, family,
phase and period (this module), its vision, counts and listed items, the committee
and the agreement's partners, and judges relevance from the signals that fired.

Rules of this module:

- *Title*: a national plan named as background (``국토교통부가 내놓은 제4차 스마트도시
  종합계획(2024~2028년)``) is not the local plan: its name and years are set aside for the
  title and the period. A quoted name containing 계획 beats an unquoted one; among them, the one
  with a phase or period (``제2기(2025-2029) …``) and a main-plan word (종합계획,
  기본계획, 마스터플랜, 스마트도시계획) wins. Trailing work words (``수립``, ``연구
  용역``) are cut. A name without the government's name gets it in front
  (``4차산업혁명 촉진 기본계획`` → ``광양시 4차산업혁명 촉진 기본계획``).
- *Family*: the first watched family (``extractors.topics``) named in the title, else
  in the committee name, else in the head.
- *Phase*: ``제N기``/``제N차`` in the title, else the highest ``N기 계획`` of the text.
- *Period*: only years the text states. A year range in the title, else the years a
  span gives in brackets (``향후 3년간(2024~2026년)``), else one year for an annual
  plan (``2025년 정보화시행계획``), else a range in a sentence about the plan (not one
  tied to another phase: ``제1기(2020-2024)``), else ``올해/내년부터 YYYY년까지``, else
  the last year alone (``오는 2029년까지 운영할 스마트도시계획``, or the lead's ``충청남도가 …
  2023년까지 1조8714억원을 들이기로``: the government's budget until a year), else the first year
  alone (``2021년부터 3년간``: no arithmetic from the span). The project's own records
  keep two resolved spans: ``내년부터 N년간`` (publication year + 1) and ``향후/앞으로
  N년간`` whose start is the publication year, or the next year when the article
  appears in October or later (plans announced in autumn start in January).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.actor import Actor, find_actor
from extractors.committee import find_committee
from extractors.counts import find_count_groups, plan_counts
from extractors.events import build_event
from extractors.items import plan_items
from extractors.partners import find_partners
from extractors.passages import Passages, article_passages
from extractors.relevance import RelevanceInput, judge
from extractors.topics import TopicVocabulary, default_vocabulary
from extractors.vision import find_vision
from planwatch.records import Article, Extraction, PlanFacts

TOPIC = r"(?:제?4차\s?산업\s?혁명|4차\s?산업|4IR|스마트\s?(?:도시|시티)|디지털\s?(?:대)?\s?전환|디지털|인공지능|AI|(?:빅\s?)?데이터|지능정보|[가-힣]{0,4}정보화)"
# The short names of the 광역 governments, printed in front of a plan's name ("충남 …", "전북 …").
REGION_SHORT = r"(?:서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주)"
MAIN_PLAN_WORD = re.compile(r"(?:종합계획|기본계획|마스터\s?플랜|스마트\s?도시\s?계획|중장기\s?계획|발전계획)$")
PLAN_END = r"(?:비전과\s?전략|종합\s?계획|기본\s?계획|마스터\s?플랜|추진\s?계획|실행\s?계획|발전\s?계획|육성\s?계획|촉진\s?계획|시행\s?계획|중장기\s?계획|로드맵|계획)"
QUOTED = re.compile(r"[‘'“\"「『]([^‘’'“”\"」』\n]{4,80}?)[’'”\"」』]")
# An unquoted name: optional phase and period, optional government, a topic, up to four
# noun words, a plan word. Words with particles (을, 를, 위한 …) end it. The words are
# split at spaces only and bounded in length: splitting a long run of letters into four
# pieces every possible way would take polynomial time.
NAME_WORD = r"[가-힣A-Za-z0-9·]{1,30}?"
UNQUOTED = re.compile(
    rf"(?:(?:19|20)\d{{2}}\s?년\s)?(?:제\s?\d{{1,2}}\s?[기차]\s?)?(?:\(\s?\d{{4}}\s?[-~–]\s?\d{{2,4}}\s?\)\s?)?"
    rf"(?:(?:[가-힣]{{1,8}}(?:시|군|구|도)|{REGION_SHORT})\s)?"
    rf"{TOPIC}(?:\s?{NAME_WORD}(?:\s{NAME_WORD}){{0,3}}?)??\s?{PLAN_END}"
    r"(?=(?:은|는|이|가|을|를|의|에|과|와|도|으로|로|안|수립|에는|에서)?(?![가-힣]))"
)
NAME_WORD_END = re.compile(r"(?:촉진|특별시|혁신|기본|종합|도시|시티|비전과)$")
# A name ending in a bare 계획 after a word that is no plan word: a plan of an activity.
ACTIVITY_PLAN = re.compile(
    r"(?<!종합)(?<!기본)(?<!추진)(?<!실행)(?<!발전)(?<!육성)(?<!촉진)(?<!시행)(?<!중장기)(?<!도시)(?<!정보화)(?<!대응)(?<!조성)(?<!구축)(?<!전환)(?<!혁신)\s?계획$"
)
# A national plan named as background: the government or a ministry that made it, then its name
# and the years in brackets ("국토교통부가 내놓은 제4차 스마트도시 종합계획(2024~2028년)"). Its name,
# phase and years are not the local plan's (the counts follow the same rule, extractors.counts).
NATIONAL_PLAN = re.compile(
    r"(?:정부|국가|과학기술정보통신부|과기정통부|국토교통부|국토부|행정안전부|행안부|산업통상자원부|산업부)"
    r"(?:가|이|에서)?\s?(?:(?:내놓은|발표한|수립한|마련한|세운|확정한|추진하는|추진\s?중인)\s|의\s)"
    rf"[‘'\"“]?[^.\n‘’'\"“”]{{0,30}}?{PLAN_END}[’'\"”]?(?:\s?\([^()\n]{{0,20}}\))?"
)
# A sentence set aside from the article's matter.
ASIDE = re.compile(r"^\s?한편[,\s]")
# A quoted plan name without a topic word: one compact name ("TNT2030플랜", "스마트 광주 2030 마스터플랜").
QUOTED_PLAN_NAME = re.compile(r"[가-힣A-Za-z0-9·\s]{2,30}?(?:플랜|로드맵|종합\s?계획|기본\s?계획)")
PARTICLE_WORD = re.compile(r"(?:을|를|은|는|에서|으로|와|과|하고|하는|위한|위해|한|된|할|인|에|의)$")
# Work words printed after a plan's name: "…기본계획 수립 연구용역" → "…기본계획".
WORK_WORDS = ("수립", "연구", "학술", "용역", "보고회", "착수", "중간", "최종", "(안)", "안")
# A run of them is matched from its first word only (the look-behinds) and without
# backtracking (possessive): a long run would otherwise cost quadratic time.
TRAILING_WORK = re.compile(
    r"\s?" + "".join(f"(?<!{re.escape(w)})" for w in WORK_WORDS) + f"(?:{'|'.join(map(re.escape, WORK_WORDS))})++$"
)
PHASE = re.compile(r"제\s?([1-9]\d?)\s?[기차]")  # 제0기 is not a phase
# "제2기 … 계획" — not a committee's term ("제2기 4차산업혁명위원회는 … 계획을").
PHASE_IN_TEXT = re.compile(r"(?:제\s?)?([1-9]\d?)\s?기\s?(?:\([^)]*\)\s?)?(?:(?!위원회|위원|추진단|협의회)[^.]){0,25}?계획")
YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s?년?\s?(?:[-~–]|부터)\s?((?:19|20)?\d{2})(?:\d{2})?\s?년?(?:까지)?(?!\d)")
YEAR_RANGE_FULL = re.compile(r"(?<!\d)((?:19|20)\d{2})\s?년?\s?(?:[-~–]|부터)\s?((?:19|20)\d{2})\s?년?(?:까지)?(?!\d)")
YEAR_RANGE_SHORT = re.compile(r"(?<!\d)((?:19|20)\d{2})\s?[-~–]\s?(\d{2})(?!\d)")
SPAN = re.compile(r"(?P<from>향후|앞으로|내년부터|올해부터|(?P<y>(?:19|20)\d{2})\s?년부터)\s?(?P<n>\d{1,2})\s?(?:년간|년\s?동안|개년)")
UNTIL = re.compile(r"(?P<from>올해부터|내년부터)\s?(?P<end>(?:19|20)\d{2})\s?년?\s?까지")
SPAN_YEARS = re.compile(
    r"\d{1,2}\s?(?:개년|년)\s?(?:간|동안)?\s?\(\s?((?:19|20)\d{2})\s?년?\s?[-~–]\s?((?:19|20)\d{2})\s?년?\s?\)"
)
UNTIL_ONLY = re.compile(r"(?<!부터\s)(?<!부터)(?<![\d~–-])((?:19|20)\d{2})\s?년?\s?까지")
ANNUAL_TITLE = re.compile(r"^(?:[가-힣]{2,8}\s)?((?:19|20)\d{2})\s?년\s?(?!\d)")
OTHER_PHASE_BEFORE = re.compile(r"제?\s?(\d{1,2})\s?기\s?\(?\s?$")
# The lead that tells what the government will spend until a year: "충청남도가 … 2023년까지
# 1조8714억원을 들이기로 했다". The government is the subject (not one field: "농생명 분야에는 …").
GOVERNMENT_SUBJECT = re.compile(
    rf"^\s?(?:\[[^\]]{{1,30}}\]\s?)?(?:[가-힣]{{1,10}}(?:특별자치도|특별자치시|광역시|특별시|도|시|군|구)|{REGION_SHORT})"
    r"(?:\([^()]{0,20}\))?(?:가|이|는|은)\s"
)
BUDGET_UNTIL = re.compile(r"(?<![\d~–-])((?:19|20)\d{2})\s?년?\s?까지\s?(?:모두\s?|총\s?)?[\d,.조\s]{1,12}억\s?원?")
MAX_PERIOD_YEARS = 20
PLAN_MENTION = re.compile(r"계획|플랜|로드맵")
PLAN_CONTENT = re.compile(r"비전|추진\s?방향|추진\s?전략")


@dataclass
class TitleCandidate:
    text: str
    score: float


def extract_plan(article: Article, vocabulary: TopicVocabulary | None = None,
                 assume_relevant: bool = False) -> Extraction:
    """Everything one article tells about a local plan; see the module rules.

    ``vocabulary`` is the plan families to recognize and watch (default: the five of the domain).
    ``assume_relevant`` reads the plan's fields even when relevance says no (the judgement is
    kept as it is): for measuring the fields apart from relevance.
    """
    vocabulary = vocabulary or default_vocabulary()
    passages = article_passages(article)
    actor = find_actor(passages, article.outlet)
    lead = passages.lead()
    published = article.published.date() if article.published else None
    event = build_event(passages.title, passages.subtitle, lead, published)
    committee = find_committee([passages.title, passages.subtitle, *passages.sentences])
    title = plan_title(passages, actor, quoted_only=event.type == "ordinance")
    relevance = judge(
        RelevanceInput(
            title=passages.title,
            topic_zone="\n".join([passages.title, passages.subtitle, *lead[:2]]),
            head=passages.head,
            first_line="\n".join([passages.title, *(passages.paragraphs[:1])]),
            lead_first=lead[0] if lead else "",
            body=passages.body,
            actor_name=actor.government.name if actor else None,
            actor_in_head=_actor_in_head(actor),
            plan_title=title,
            committee_name=committee.name if committee else None,
            event_type=event.type,
            vocabulary=vocabulary,
        )
    )
    if not (relevance.relevant or assume_relevant) or actor is None:
        return Extraction(relevance=relevance)
    texts = [passages.title, passages.subtitle, *passages.paragraphs]
    counts, previous = plan_counts(texts)
    gov = actor.government
    plan = PlanFacts(
        municipality=gov.name,
        province=gov.province,
        title=title,
        family=plan_family(title, committee.name if committee else None, passages.head, vocabulary),
        phase=plan_phase(title, passages.body),
        vision=find_vision(texts),
        counts=counts,
        previous_counts=previous,
        items=plan_items(passages.paragraphs),
    )
    plan.period_start, plan.period_end = plan_period(title, passages, plan.phase, published)
    names = {gov.name, *gov.other_names} | ({gov.short} if gov.short else set())
    partners = find_partners(passages.sentences, names) if event.type == "mou" else []
    return Extraction(relevance=relevance, plan=plan, event=event, committee=committee, partners=partners)


def _actor_in_head(actor: Actor | None) -> bool:
    return actor is not None and any(e in ("title", "subtitle", "lead_first") for e in actor.evidence)


# -- title -----------------------------------------------------------------


def plan_title(passages: Passages, actor: Actor | None, quoted_only: bool = False) -> str | None:
    """The plan's name; ``quoted_only`` when the article is about something else (an ordinance),
    whose text names plans only as provisions ("기본계획 수립 및 시행")."""
    candidates: list[TitleCandidate] = []
    for order, text in enumerate([passages.title, passages.subtitle, *passages.sentences]):
        text = without_national_plans(text)
        if ASIDE.match(text):
            continue  # "한편 …": an aside about something else (an earlier term's plan)
        for q in QUOTED.finditer(text):
            inner = q.group(1)
            if re.search(PLAN_END, inner) and re.search(TOPIC, inner):
                m = re.search(rf"^.*?{PLAN_END}(?=$|\s?(?:수립|연구|용역|\(안\)|안)|[^가-힣])", inner)
                if m:
                    candidates.append(TitleCandidate(_tidy(m.group(0)), 3.0 - order * 0.001))
            elif QUOTED_PLAN_NAME.fullmatch(inner):
                # a quoted name without a topic word ("‘TNT2030플랜’"): only when nothing better is named
                candidates.append(TitleCandidate(_tidy(inner), 0.5 - order * 0.001))
        if quoted_only:
            continue
        for u in UNQUOTED.finditer(text):
            name = _trim_unquoted(u.group(0))
            if name:
                candidates.append(TitleCandidate(name, 1.0 - order * 0.001))
    if not candidates:
        return None
    for c in candidates:
        if PHASE.search(c.text) or YEAR_RANGE.search(c.text):
            c.score += 2.0
        if MAIN_PLAN_WORD.search(c.text.replace(" ", "")) or MAIN_PLAN_WORD.search(c.text):
            c.score += 1.0
        if c.text.replace(" ", "").endswith("시행계획"):
            c.score -= 1.5
        c.score += min(len(c.text), 40) / 100
    best = max(candidates, key=lambda c: c.score).text
    return _with_government(best, actor)


def without_national_plans(text: str) -> str:
    """``text`` with the names of national plans blanked out (same length, so positions hold)."""
    if "부" not in text and "정부" not in text and "국가" not in text:
        return text
    return NATIONAL_PLAN.sub(lambda m: " " * len(m.group(0)), text)


def _trim_unquoted(raw: str) -> str | None:
    """Keep the noun phrase that ends in the plan word: cut after the last word with a particle."""
    words = raw.split()
    for i in range(len(words) - 2, -1, -1):
        if PARTICLE_WORD.search(words[i]) and not NAME_WORD_END.search(words[i]):
            words = words[i + 1:]
            break
    while len(words) > 1 and not _can_start_name(" ".join(words)):
        words.pop(0)
    name = _tidy(" ".join(words))
    if ACTIVITY_PLAN.search(name) and not re.search(rf"{TOPIC}\s?계획$", name):
        return None  # "… 전문교육 계획", "경진대회 개최계획": a plan of some activity, not a named plan
    return name if re.search(TOPIC, name) else None


def _can_start_name(text: str) -> bool:
    first = text.split()[0]
    return bool(re.match(TOPIC, text) or PHASE.match(first) or first.startswith("(")
                or re.fullmatch(r"[가-힣]{1,8}(?:시|군|구|도)", first) or re.fullmatch(REGION_SHORT, first)
                or re.fullmatch(r"(?:19|20)\d{2}년?", first))


def _tidy(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" ,.'‘’\"“”")
    before = None
    while before != name:
        before = name
        name = TRAILING_WORK.sub("", name).strip()
    return name


def _with_government(title: str, actor: Actor | None) -> str:
    if actor is None:
        return title
    gov = actor.government
    names = [gov.name, *gov.other_names] + ([gov.short] if gov.short else []) + [gov.name[:-1]]
    if any(n and len(n) >= 2 and n in title for n in names):
        return title
    return f"{gov.name} {title}"


# -- family, phase, period -------------------------------------------------------


def plan_family(title: str | None, committee_name: str | None, head: str,
                vocabulary: TopicVocabulary | None = None) -> str:
    """The first watched family named in the plan's title, else the committee's name, else the head."""
    vocabulary = vocabulary or default_vocabulary()
    for text in (title, committee_name, head):
        watched = [f for f in vocabulary.families_in(text or "") if f in vocabulary.watched]
        if watched:
            return watched[0]
    return "4ir"


def plan_phase(title: str | None, body: str) -> int | None:
    if title:
        m = PHASE.search(title)
        if m:
            return int(m.group(1))
    phases = [int(m.group(1)) for m in PHASE_IN_TEXT.finditer(body)]
    return max(phases) if phases else None


def plan_period(title: str | None, passages: Passages, phase: int | None, published) -> tuple[int | None, int | None]:
    """First and last year, only as stated (see the module rules); either may be unknown."""
    if title:
        found = _year_range(title, phase)
        if found:
            return found
    sentences = [without_national_plans(s) for s in (passages.title, passages.subtitle, *passages.sentences)]
    for sentence in sentences:  # "향후 3년간(2024~2026년)": the span's years, whatever the sentence is about
        m = SPAN_YEARS.search(sentence)
        if m and 1 <= int(m.group(2)) - int(m.group(1)) <= MAX_PERIOD_YEARS:
            return int(m.group(1)), int(m.group(2))
    annual = ANNUAL_TITLE.match(title) if title else None
    if annual:
        return int(annual.group(1)), int(annual.group(1))  # "2025년 정보화시행계획": one year
    about_plan = [s for s in sentences if _tells_plan(s)]
    for sentence in about_plan:
        found = _year_range(sentence, phase)
        if found:
            return found
    for sentence in about_plan:
        m = UNTIL.search(sentence)
        start = _span_start(m, published) if m else None
        if m and start is not None and 1 <= int(m.group("end")) - start + 1 <= MAX_PERIOD_YEARS:
            return start, int(m.group("end"))
    for sentence in about_plan:
        m = UNTIL_ONLY.search(sentence)
        if m and PLAN_MENTION.search(sentence[max(0, m.start() - 30):m.end() + 30]) or m and find_count_groups(sentence):
            return None, int(m.group(1))  # "오는 2029년까지 운영할 스마트도시계획": the last year only
    lead = passages.lead(1)
    if lead and GOVERNMENT_SUBJECT.match(lead[0]):
        m = BUDGET_UNTIL.search(lead[0])
        if m and "부터" not in lead[0][max(0, m.start() - 12):m.start()]:
            return None, int(m.group(1))  # the plan's budget until a year, told in the lead
    for sentence in about_plan:
        m = SPAN.search(sentence)
        if not m:
            continue
        n = int(m.group("n"))
        if m.group("y"):
            return int(m.group("y")), None  # "2021년부터 3년간": the first year is stated, the last is not
        start = _span_start(m, published)
        if start is not None and 1 <= n <= MAX_PERIOD_YEARS:
            return start, start + n - 1
    return None, None


def _tells_plan(sentence: str) -> bool:
    """A sentence about the plan names it or its parts (``3대 전략 15개 과제``)."""
    return bool(PLAN_MENTION.search(sentence) or PLAN_CONTENT.search(sentence) or find_count_groups(sentence))


def _year_range(text: str, phase: int | None) -> tuple[int, int] | None:
    for pattern in (YEAR_RANGE_FULL, YEAR_RANGE_SHORT):
        for m in pattern.finditer(text):
            before = OTHER_PHASE_BEFORE.search(text[max(0, m.start() - 6):m.start()])
            if before and phase is not None and int(before.group(1)) != phase:
                continue
            if before and phase is None and "계획" not in text[m.end():m.end() + 30]:
                continue
            start, end = int(m.group(1)), m.group(2)
            end_year = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
            if 1 <= end_year - start <= MAX_PERIOD_YEARS:
                return start, end_year
    return None


def _span_start(m: re.Match[str], published) -> int | None:
    word = m.group("from")
    if m.groupdict().get("y"):
        return int(m.group("y"))
    if published is None:
        return None
    if word == "내년부터":
        return published.year + 1
    if word == "올해부터":
        return published.year
    return published.year + 1 if published.month >= 10 else published.year
