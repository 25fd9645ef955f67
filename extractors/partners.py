"""The organizations that sign an agreement (업무협약, MOU) with the government.

Two ways Korean reports list them: ``이번 협약에는 시흥시와 서울대학교, …, KT 등 7개
기관이 참여했다`` and ``시는 … 서울대학교, KT와 업무협약을 체결했다``. The list is
split on commas, ``·``, ``및`` and ``와/과``; an item is kept when it looks like an
organization (a word ending in 대학교, 연구원, 공사, 공단, 재단, 센터, …, or a Latin
name such as KT) and is not the government itself.
"""

from __future__ import annotations

import re

AGREEMENT = r"(?:업무\s?협약|협약|MOU|양해각서|업무\s?제휴)"
# "협약에는 LIST 등 N개 기관이 참여"
JOINED_BY = re.compile(rf"{AGREEMENT}(?:식)?에는\s(?P<list>[^.]{{1,200}}?)(?:\s?등\s?\d+\s?개\s?기관|\s?등)?(?:이|가)\s(?:참여|참석|함께)")
# "LIST와/과 … 협약을 체결" — the list is what precedes 와/과. It can only start where a
# clause starts (after "." or a line end): trying every position would be quadratic.
SIGNED_WITH = re.compile(rf"(?<![^.\n])(?P<list>[^.\n]+?)(?:와|과)(?:의)?\s(?:[^.\n]{{0,40}}?\s)?{AGREEMENT}")
CLAUSE_START = re.compile(r"^.*(?:에서|에서는|는|은|가|이|일|분|께|날|후)\s")
LIST_SPLIT = re.compile(r"(?<=[가-힣A-Za-z0-9)])(?:와|과)\s|\s?,\s?|·|\s및\s|\s그리고\s")
COUNT_TAIL = re.compile(r"\s?등(?:\s?\d+\s?개\s?(?:기관|기업|단체|대학))?$")
# "스마트팜 전문기업 팜테크": the words before the name describe it.
DESCRIPTOR = re.compile(r"^(?:[가-힣A-Za-z0-9]+\s)*(?:전문\s?)?(?:기업|업체|기관|회사|스타트업|단체|대학)\s")
NAME_ONLY = re.compile(r"[가-힣A-Za-z0-9&]{2,15}")  # one word in a signers' list is a name
ORGANIZATION = re.compile(
    r"(?:대학교|대학|대|연구원|연구소|공사|공단|재단|진흥원|협회|협의회|센터|은행|병원|그룹|㈜|\(주\)|"
    r"전자|텔레콤|통신|시스템즈?|솔루션|테크|랩|산업|학교|기술원|과학원|청|부|처|위원회|조합|회사|"
    r"특별시|광역시|특별자치시|특별자치도|도|시|군|구|기업|유플러스|모빌리티|네이버|카카오)$|[A-Za-z]{2,}"
)


def find_partners(sentences: list[str], actor_names: set[str]) -> list[str]:
    """Signers other than the actor, in the order the text names them."""
    for s in sentences:
        if not re.search(AGREEMENT, s):
            continue
        for rule in (JOINED_BY, SIGNED_WITH):
            m = rule.search(s)
            if not m:
                continue
            found = _organizations(m.group("list"), actor_names)
            if found:
                return found
    return []


def _organizations(segment: str, actor_names: set[str]) -> list[str]:
    start = CLAUSE_START.match(segment)
    if start and len(LIST_SPLIT.split(segment[start.end():])) >= 1 and segment[start.end():].strip():
        segment = segment[start.end():]
    out = []
    for raw in LIST_SPLIT.split(segment):
        item = COUNT_TAIL.sub("", raw.strip()).strip(" ‘’'\"")
        item = re.sub(r"\s?\([^)]*\)$", "", item) if not item.endswith("(주)") else item
        item = DESCRIPTOR.sub("", item)
        if not item or len(item) > 30 or not (ORGANIZATION.search(item) or NAME_ONLY.fullmatch(item)):
            continue
        if item in actor_names or any(item.startswith(n) and item[len(n):] in ("", "청") for n in actor_names):
            continue
        if item not in out:
            out.append(item)
    return out
