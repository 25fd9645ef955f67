"""How many strategies, tasks, action tasks and projects a plan has, and what a revision changed.

Korean plans are summed up as ``4대 전략·10대 과제·29개 사업``. A *count* is a number
with an optional counter (개/대/가지), optionally a word saying what kind (``208개 정보화
사업``, ``9개 중점 추진과제``), then one word of ``COUNT_WORDS`` however it is spaced
(``세부실행 과제``); or, when a text has no such count, the word then the number
(``추진 전략은 9가지로``). The words follow the labelling conventions: 전략 and 정책 are
strategies, 과제/추진과제/이행과제/중점과제/단위과제 tasks, the level below them (세부
추진과제, 실천과제) and 실행과제 action tasks, 사업/프로젝트 projects; directions, goals
and industries are not counted. Counts that follow each other with only separators
between them (``·``, ``,``, ``및``) form a *group*. A revision is told as two groups: ``당초 3개 전략 12개 과제에서 4개 전략 17개
과제로 확대`` or ``7개 전략과제 및 17개 실행과제를 담은 … 9개 전략과제 및 31개
실행과제로 확대``: the group before is the previous state, the one before ``로 확대``
the new one.

Numbers of other things (``5대 특화산업``, ``4단계``, ``7개 기관``) are not counts:
their word is not in the table. Counts right after the national government or a ministry
(``정부가 발표한 10대 과제``, ``120대 국정과제``) are not the local plan's; counts after
``이미``/``앞서``/``기존`` … are the previous state. Fields, goals and themes are never counted, even
beside counts of tasks (``8개 분야 18개 추진과제``: 18 tasks; ``5대 전략목표``: goals). Counts of
work already under way (``실국별로 진행 중인 50개 실천과제``) are not the plan's either; a plan under
way told with its strategies (``추진 중인 5대 전략 20개 과제``) keeps them.

Numbers may be written as Korean words before a counter (``세 가지 핵심 전략``), and a count
told after its word may carry its breakdown in brackets (``추진할 과제는 45개(행정 3개·…)다``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from planwatch.records import Counts

# field ← the words Korean plans use for it (longest first within the regex).
COUNT_WORDS: dict[str, tuple[str, ...]] = {
    "strategies": (
        "전략방향", "전략 방향", "추진전략", "추진 전략", "핵심전략", "발전전략", "추진정책", "정책", "전략",
    ),
    "tasks": (
        "전략과제", "추진과제", "중점과제", "중점추진과제", "핵심과제", "정책과제", "대표과제", "이행과제", "단위과제", "과제",
    ),
    "action_tasks": (
        "세부추진과제", "세부실행과제", "실행과제", "세부과제", "실천과제", "세부실천과제",
    ),
    "projects": ("세부사업", "세부 사업", "단위사업", "핵심사업", "세부 프로젝트", "프로젝트", "사업"),
}
# What may follow the count word: a particle, or nothing Korean.
AFTER_WORD = r"(?=(?:은|는|이|가|을|를|의|에|에는|와|과|로|으로|도|으로는|에서|별|등|만|다|였다|이다|이며|였으나|였던)?(?![가-힣]))"
# Words are compared without their spaces ("세부 실행과제" = "세부실행 과제" = "세부실행과제").
_WORD_TO_FIELD = {w.replace(" ", ""): f for f, words in COUNT_WORDS.items() for w in words}
_WORD_RE = "|".join(r"\s?".join(map(re.escape, w)) for w in sorted(_WORD_TO_FIELD, key=len, reverse=True))
# One to three digits, not starting with 0: "0대 과제" is debris, never a plan's count. A counter
# may be followed by a word saying what kind ("208개 정보화 사업", "9개 중점 추진과제").
# Two to ten written as words need their counter: "세 가지 핵심 전략", "네 개 과제" ("한 방향" is no count).
KOREAN_NUMBERS = {"두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10}
_KOREAN_NUMBER = "(?<![가-힣])(?P<kn>" + "|".join(sorted(KOREAN_NUMBERS, key=len, reverse=True)) + ")"
_KIND = r"(?:(?!국정|국가|정부|공약)(?P<kind>[가-힣]{2,4}(?<!별))\s?)??"
COUNT = re.compile(
    r"(?:(?<![\d.])(?P<n>[1-9]\d{0,2})\s?(?:(?:개|대|가지)\s?" + _KIND + r")?"
    + r"|" + _KOREAN_NUMBER + r"\s?(?:가지|개)\s?" + _KIND.replace("kind", "kind2") + r")(?P<word>"
    + _WORD_RE
    + r")"
    + AFTER_WORD
    + r"(?P<particle>[가-힣]{0,3})"
)
# The count told after its word: "추진 전략은 9가지로", "과제는 모두 12개다".
COUNT_AFTER = re.compile(
    r"(?<![가-힣])(?P<word>" + _WORD_RE + r")(?:은|는|이|가)\s?(?:총\s?|모두\s?)?"
    r"(?:(?P<n>[1-9]\d{0,2})|(?P<kn>" + "|".join(sorted(KOREAN_NUMBERS, key=len, reverse=True)) + r")\s)\s?(?:개|가지)"
    r"(?:\s?\([^()\n]{1,80}\))?(?P<particle>로|으로|이다|다|이며|이고|에\s?달|,)(?![가-힣])"
)
# Work already under way: "실국별로 진행 중인 … 50개 실천과제", "진행 중인 AI 기반 사업은 38개 과제".
UNDER_WAY_BEFORE = re.compile(r"(?:진행|추진|운영|시행)\s?(?:중인|하고\s?있는)(?:(?!계획|플랜|로드맵)[^.!?\n]){0,25}$")
# A national plan's counts: the government or a ministry right before them.
NATIONAL_BEFORE = re.compile(
    r"(?:정부|국가|과학기술정보통신부|과기정통부|국토교통부|국토부|행정안전부|행안부|산업통상자원부|산업부)"
    r"(?:의|가|는|이|에서)?\s?(?:[가-힣]{1,4}(?:한|된|인)\s)?(?:[‘'\"“]?[^.\d]{0,8}[’'\"”]?\s?)?$"
)
# Between two counts of one group.
GROUP_GLUE = re.compile(r"^\s?(?:[·,/]|및|와|과|그리고)?\s?(?:\(\s?[^()]{0,20}\)\s?)?[·,]?\s?$")
# A group that is the state before a change.
BEFORE_MARKER = re.compile(r"(?:당초|기존|종전|이전|제1기|1기|지난\s?계획|이미|앞서)[^.]{0,40}$")
REVISION_VERB = re.compile(r"^[^.]{0,25}?(?:확대|늘|변경|조정|개편|재편|수정|보완|확장|증가|바뀌|축소|세분화|재구성)")
ARROW = re.compile(r"^\s?(?:→|->|⇒|에서)\s?")


@dataclass
class CountGroup:
    start: int
    end: int
    values: dict[str, int] = field(default_factory=dict)
    particle: str = ""  # the particle after the last count: 에서, 로, 를 ...
    previous: bool = False
    revised: bool = False  # the new side of a revision


def find_count_groups(text: str) -> list[CountGroup]:
    """Count groups of ``text`` left to right, each marked previous or not (read them, do not change them)."""
    return list(_count_groups(text))


@lru_cache(maxsize=4096)
def _count_groups(text: str) -> tuple[CountGroup, ...]:
    groups: list[CountGroup] = []
    for m in COUNT.finditer(text):
        field_name = _WORD_TO_FIELD["".join(m.group("word").split())]
        n = _number(m)
        last = groups[-1] if groups else None
        if last is not None and field_name not in last.values and GROUP_GLUE.match(text[last.end:m.start()]):
            last.values[field_name] = n
            last.end = m.end("word")
            last.particle = m.group("particle")
        else:
            groups.append(CountGroup(m.start(), m.end("word"), {field_name: n}, m.group("particle")))
    groups += _counts_after_word(text, groups)
    groups.sort(key=lambda g: g.start)
    for g in groups:
        before = text[max(0, g.start - 40):g.start]
        under_way = "strategies" not in g.values and UNDER_WAY_BEFORE.search(before) is not None
        if NATIONAL_BEFORE.search(before[-15:]) or under_way:
            g.values.clear()  # "정부가 발표한 10대 과제", "진행 중인 50개 과제": not this plan's
    _mark_previous(text, groups)
    return tuple(g for g in groups if g.values)


def _number(m: re.Match[str]) -> int:
    return KOREAN_NUMBERS[m.group("kn")] if m.group("kn") else int(m.group("n"))


def _counts_after_word(text: str, groups: list[CountGroup]) -> list[CountGroup]:
    """Counts told after their word ("과제는 45개다"), where no count told before its word stands."""
    taken = [(g.start, g.end) for g in groups]
    out = []
    for m in COUNT_AFTER.finditer(text):
        if any(m.start() < end and start < m.end() for start, end in taken):
            continue
        out.append(CountGroup(m.start(), m.end(), {_WORD_TO_FIELD["".join(m.group("word").split())]: _number(m)}))
    return out


def _mark_previous(text: str, groups: list[CountGroup]) -> None:
    for a, b in zip(groups, groups[1:]):
        between = text[a.end:b.start]
        if "\n" in between or re.search(r"[.!?]\s", between):
            continue
        revised = a.particle.startswith("에서") or ARROW.match(text[a.end:]) is not None
        revised = revised or (b.particle in ("로", "으로") and REVISION_VERB.match(text[b.end:]) is not None)
        if revised and set(a.values) & set(b.values):
            a.previous = True
            b.revised = True
    for g in groups:
        if not g.previous and not g.revised and BEFORE_MARKER.search(text[max(0, g.start - 50):g.start]):
            sentence_rest = re.split(r"[.!?]\s", text[g.end:], maxsplit=1)[0]
            if not COUNT.search(sentence_rest):
                g.previous = True


def plan_counts(texts: list[str]) -> tuple[Counts, Counts | None]:
    """The plan's counts and, when a revision is told, the counts before it."""
    new: dict[str, int] = {}
    old: dict[str, int] = {}
    for text in texts:
        for g in find_count_groups(text):
            target = old if g.previous else new
            for k, v in g.values.items():
                target.setdefault(k, v)
    previous = Counts(**old) if old else None
    return Counts(**new), previous
