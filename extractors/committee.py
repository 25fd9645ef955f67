"""The local committee that steers a plan: its name, its size and its chairs.

The name is the first ``…위원회`` (or ``…대응추진단``, ``…추진협의회``) whose words say
4차 산업혁명, 스마트도시, 디지털, AI, 데이터 or 정보화, with the government's name kept
when the text puts it in front. The size is only a stated member total: a total
(``모두 15명``), a statement of composition (``전문가 13명으로 구성``, ``35명으로 꾸린``,
``19명으로 다시 꾸려졌고``, ``전문가 30명이 모인 기구``, ``위원 19명``), the members as subject and the
total as predicate (``위원은 … 고루 뽑은 15명이다``) or a headline's ``…위원회 … 15명``; never attendance (``10명이 참석``), an
approximate or bounded figure (``20여 명``, ``25명 이내``), nor one part of a list one
would have to add up (``당연직 3명과 … 민간 전문가 10명``), nor one kind of member listed beside others
(``…의원, 민간 전문가 10명 등이``, ``…의원과 민간 전문가 30명도``).
Chairs come from ``A 시장과 B 총장을 공동위원장으로``, ``위원장은 A``, ``A(공동위원장)``.
"""

from __future__ import annotations

import re

from planwatch.records import Committee

TOPIC_IN_NAME = r"(?:제?4차\s?산업\s?혁명|4차\s?산업|4IR|스마트\s?(?:도시|시티)|디지털|인공지능|AI|데이터|(?:지역\s?)?정보화)"
COMMITTEE_NAME = re.compile(
    rf"(?P<gov>[가-힣]{{1,8}}(?:특별시|광역시|특별자치시|특별자치도|도|시|군|구)\s)?"
    rf"(?P<name>{TOPIC_IN_NAME}[가-힣A-Za-z0-9 ]{{0,12}}?(?:위원회|대응\s?추진단|추진\s?협의회))"
)
# A stated total: "총 15명", "모두 15명이 위원으로".
TOTAL = re.compile(r"(?:총|모두|전체)\s?(?P<n>[1-9]\d{0,2})\s?명(?!\s?(?:이|가)?\s?참석)")
# Composition told by its verb: no other word is needed in the sentence.
COMPOSED = re.compile(
    r"(?P<n>[1-9]\d{0,2})\s?(?:명|인)(?:으로|이|을|를)\s?(?:위원으로\s?)?(?:(?:다시|새로|새롭게|새롭게\s?다시)\s?)?"
    r"(?:구성|꾸려|꾸린|꾸렸|짜였|짜인|이뤄|이루어|위촉|출범)"
    r"|(?P<n2>[1-9]\d{0,2})\s?명이\s?(?:함께하는|참여하는|활동하는|모인|모여\s?만든)\s?[^.]{0,20}?(?:기구|위원회|협의체|조직|추진단)"
)
# The members as the subject, the total as the predicate: "위원은 … 고루 뽑은 15명이다".
STATED_AS = re.compile(
    r"(?:위원회|위원|위원진|구성원|전체\s?인원|인원)(?:은|는)\s[^.\d]{0,50}?(?<![\d.])(?P<n>[1-9]\d{0,2})\s?명"
    r"(?:이다|이며|이고|으로\s?(?:구성|이뤄|꾸려))"
)
# One entry of a list of members: "…의원, 민간 전문가 10명 등이", "…의원과 민간 전문가 30명도".
LIST_ENTRY_BEFORE = re.compile(r"(?:,|과|와|및)\s?(?:민간\s?|외부\s?|각계\s?)?(?:전문가|위원|인사)\s?$")
LIST_ENTRY_AFTER = re.compile(r"^\s?(?:명|인)\s?(?:등(?:이|을|으로|도)?|도)(?![가-힣])")
# Composition, not attendance.
SIZE_RULES: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:위원|전문가|민간위원|위원들)\s?(?:총\s?)?(?P<n>[1-9]\d{0,2})\s?(?:명|인)(?!\s?(?:이|가)?\s?참석)(?!\w{0,20}\s?참석)"),
    re.compile(r"(?:총\s?)?(?P<n>[1-9]\d{0,2})\s?명의\s?(?:위원|전문가|민간위원)"),
)
# Not a member total: approximate or bounded figures.
NOT_A_TOTAL_AFTER = re.compile(r"^\s?(?:이내|내외|안팎|정도|가량|미만|이하|이상)")
# Another head count next to this one: a part of the committee ("당연직 3명과 … 민간 전문가 10명").
HEAD_COUNT = re.compile(r"(?<!\d)[1-9]\d{0,2}\s?(?:명|인)(?![가-힣])|(?<!\d)[1-9]\d{0,2}\s?(?:명|인)(?=[이가과와에의을는도으])")
PART_BEFORE = re.compile(r"[1-9]\d{0,2}\s?(?:명|인)\s?(?:과|와|에|,|및|이고|이며)[^.]{0,25}$")
PART_AFTER = re.compile(r"^\s?(?:명|인)\s?(?:과|와|에|,|및|이고|이며)\s?[^.]{0,30}?[1-9]\d{0,2}\s?(?:명|인)")
ATTENDANCE = re.compile(r"참석|참여했|모였|자리했|함께했")
CHAIR_RULES: tuple[re.Pattern[str], ...] = (
    # 권선택 시장과 신성철 카이스트 총장을 공동위원장으로
    re.compile(r"(?P<who>[가-힣A-Za-z ]{2,40}?)(?:을|를)\s?(?:공동\s?)?위원장으로"),
    # 위원장은 홍길동 부시장이 맡았다 / 위원장에 홍길동 교수가 선출
    re.compile(r"(?:공동\s?)?위원장(?:은|에는|에|으로는)\s(?P<who>[가-힣A-Za-z ]{2,30}?)(?:이|가)\s(?:맡|선출|위촉|선임)"),
    # 신성철 카이스트 총장(공동위원장)
    re.compile(r"(?P<who>[가-힣]{2,4}\s[가-힣A-Za-z ]{1,20}?)\((?:공동)?위원장\)"),
)
PERSON_TITLE = re.compile(
    r"(?:[가-힣]{2,4}\s)(?:[가-힣A-Za-z]+\s){0,2}?(?:시장|군수|구청장|지사|부시장|부군수|부구청장|총장|교수|원장|"
    r"대표|이사장|회장|소장|센터장|위원장|의장|청장|본부장|박사|부지사)"
)
PARTICLE_END = re.compile(r"(?:는|은|에서|를|을|의|에|이|가|로)$")
NOT_A_NAME = frozenset({"이날", "이번", "또한", "특히", "한편", "이어", "현재", "당시", "새로", "이에"})
LIST_SPLIT = re.compile(r"(?<=[장수사])(?:과|와)\s|,\s?")


def find_committee(sentences: list[str]) -> Committee | None:
    """The committee the article is about, or None when it names none."""
    names = [
        (bool(m.group("gov")), re.sub(r"\s+", " ", ((m.group("gov") or "") + m.group("name")).strip()))
        for s in sentences
        for m in COMMITTEE_NAME.finditer(s)
    ]
    # The government's own name in front identifies the committee best: take that form first.
    name = next((n for owned, n in names if owned), names[0][1] if names else None)
    if name is None:
        return None
    return Committee(name=name, size=_size(sentences), chairs=_chairs(sentences))


def _size(sentences: list[str]) -> int | None:
    """The stated member total: a total, a composition, or a title's "…위원회 … 15명"; never a part or a sum."""
    for s in sentences:
        for m in TOTAL.finditer(s):
            if _is_total(s, m, "n"):
                return int(m.group("n"))
    for s in sentences:
        for m in COMPOSED.finditer(s):
            group = "n" if m.group("n") else "n2"
            if _is_total(s, m, group) and not _is_part(s, m, group):
                return int(m.group(group))
    for s in sentences:
        for m in STATED_AS.finditer(s):
            if _is_total(s, m, "n") and not _is_part(s, m, "n"):
                return int(m.group("n"))
    if sentences and "위원회" in sentences[0]:
        title_counts = list(re.finditer(r"(?<!\d)(?P<n>[1-9]\d{0,2})\s?명", sentences[0]))
        if len(title_counts) == 1 and _is_total(sentences[0], title_counts[0], "n"):
            return int(title_counts[0].group("n"))
    for s in sentences:
        if "위원" not in s and "구성" not in s:
            continue
        for rule in SIZE_RULES:
            for m in rule.finditer(s):
                if _is_total(s, m, "n") and len(HEAD_COUNT.findall(s)) == 1 and not _is_list_entry(s, m):
                    return int(m.group("n"))
    return None


def _is_total(s: str, m: re.Match[str], group: str) -> bool:
    tail = s[m.end(group):m.end(group) + 14]
    if ATTENDANCE.search(tail) or "여" in s[m.start(group):m.end(group) + 2]:
        return False
    return not NOT_A_TOTAL_AFTER.match(s[m.end(group):].lstrip("명인 "))


def _is_list_entry(s: str, m: re.Match[str]) -> bool:
    """The figure counts one kind of member among others named in the sentence: not the total."""
    before = s[max(0, m.start("n") - 20):m.start("n")]
    return bool(LIST_ENTRY_AFTER.match(s[m.end("n"):]) or LIST_ENTRY_BEFORE.search(before))


def _is_part(s: str, m: re.Match[str], group: str) -> bool:
    """Another head count joined to this one: the figure is one part of a list."""
    before = s[max(0, m.start(group) - 30):m.start(group)]
    after = s[m.end(group):m.end(group) + 40]
    return bool(PART_BEFORE.search(before) or PART_AFTER.match(after))


def _chairs(sentences: list[str]) -> list[str]:
    for s in sentences:
        for rule in CHAIR_RULES:
            m = rule.search(s)
            if not m:
                continue
            who = m.group("who").strip()
            who = re.split(r"\s(?:이날|이번|특히|또|시는|군은|구는)\s", who)[-1]
            people = [p.strip() for p in LIST_SPLIT.split(who) if p.strip()]
            people = [_trim_to_person(p) for p in people]
            people = [p for p in people if p]
            if people:
                return people
    return []


def _trim_to_person(text: str) -> str | None:
    """Keep ``name title`` from the end of a phrase: ``에서는 권선택 시장`` → ``권선택 시장``."""
    words = text.split()
    for i in range(len(words)):
        candidate = " ".join(words[i:])
        if any(PARTICLE_END.search(w) for w in words[i:-1]):
            continue
        if words[i] not in NOT_A_NAME and PERSON_TITLE.fullmatch(candidate):
            return candidate
    return None
