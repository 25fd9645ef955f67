"""The strategies or tasks a plan lists: ``▲A ▲B ▲C``, ``▶``, ``△``, ``①②``, or a comma list.

A marked list is a plan's list only when the words before its first marker name a
plan part (``9개 전략과제는 ▶…``, ``10대 전략과제에는 ▲…``, ``4개 전략은 ▲…``); lists of
a study's contents (``연구 용역의 주요 내용은 ▲…``) or of an agreement's areas are not.
The first such list of the article is the plan's. The sentence tail stuck to the
last item (``…등이 포함됐다``, ``…으로 구성됐다``) is cut off. An unmarked comma list
counts only when its length equals the number announced before it
(``4대 전략은 A, B, C, D로 구성됐다``).
"""

from __future__ import annotations

import re

MARKERS = "▲▶△►■□◆◇●○•➊-➓①-⑳"
MARKER = re.compile(rf"[{MARKERS}]|(?:(?<=\s)|^)(?:\d{{1,2}}\)|[가-하]\.)\s")
# Words that name the parts of a plan: a list introduced by one of them is the plan's.
PLAN_PART = re.compile(r"전략|과제|사업|분야|프로젝트|추진\s?방향|핵심\s?목표|중점|정책|목표")
NOT_PLAN_PART = re.compile(r"협약|용역|연구\s?내용|주요\s?내용|행사|프로그램|교육|참석")
# The sentence tail that follows the last item. Both patterns start only where a
# whitespace run starts, so a long run of spaces is scanned once, not once per space.
TAIL = re.compile(
    r"(?<!\s)\s*(?:(?:등|등의\s?[가-힣]+)(?:이|을|도|으로|의|)\s?(?:포함|담|추진|마련|제시|설정|선정|있)[^▲▶]*|"
    r"등(?:이다|이 있다|이다\.)?|(?:으로|로)\s?(?:구성|이뤄|이루어|짜여|나뉘|나눠|정했|정해|설정)[^▲▶]*|"
    r"(?:이|가)\s?포함[^▲▶]*|(?:이다|다)\.?)\s*$"
)
TRAILING_GLUE = re.compile(r"(?<!\s)(?:\s*[,，]|\s+및|\s*그리고)\s*$")
COMMA_LIST = re.compile(
    r"(?P<n>\d{1,2})\s?(?:개|대|가지)\s?(?P<part>[가-힣 ]{1,8}?)(?:은|는|으로는|에는)\s(?P<list>[^.▲▶]{1,300}?)"
    r"(?:으로|로)\s?(?:구성|이뤄|이루어|짜여)"
)
MIN_ITEMS = 2


def plan_items(paragraphs: list[str]) -> list[str]:
    """The first plan list in the article's paragraphs, cleaned; [] when there is none."""
    for intro, raw_items in _marked_lists(paragraphs):
        if PLAN_PART.search(intro) and not NOT_PLAN_PART.search(intro):
            items = _clean(raw_items)
            if len(items) >= MIN_ITEMS:
                return items
    for p in paragraphs:
        for m in COMMA_LIST.finditer(p):
            if not PLAN_PART.search(m.group("part")):
                continue
            items = [i.strip() for i in re.split(r",\s?|·", m.group("list")) if i.strip()]
            if len(items) == int(m.group("n")):
                return items
    return []


def _marked_lists(paragraphs: list[str]) -> list[tuple[str, list[str]]]:
    """(intro, raw items) for each marked list; a list may run over several paragraphs."""
    lists: list[tuple[str, list[str]]] = []
    previous_text = ""
    current: tuple[str, list[str]] | None = None
    for p in paragraphs:
        pieces = MARKER.split(p)
        if len(pieces) < 2:
            current = None
            previous_text = p
            continue
        lead, items = pieces[0], pieces[1:]
        if not lead.strip() and current is not None:
            current[1].extend(items)  # one item per paragraph: the list goes on
            continue
        intro = _last_sentence(lead) if lead.strip() else _last_sentence(previous_text)
        current = (intro, list(items))
        lists.append(current)
        previous_text = p
    return lists


def _last_sentence(text: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return parts[-1] if parts else ""


def _clean(raw: list[str]) -> list[str]:
    out = []
    for i, item in enumerate(raw):
        item = item.strip()
        if i == len(raw) - 1:
            item = TAIL.sub("", item)
        item = TRAILING_GLUE.sub("", item).strip(" ,·")
        if i < len(raw) - 1 and len(item) >= 6 and item[-1] in "과와":
            item = item[:-1]  # "▲A와 ▲B": the conjunction belongs to the sentence
        if item:
            out.append(item)
    return out
