"""Whose plan it is: the government that does the thing in the title and the lead.

An article names many places: partners, the province around the city, places in
quotations, other cities in a comparison. The actor is found by weighing every
mention by where it stands (``MENTION_WEIGHTS``: title and lead count most, the
rest of the body little and capped) and how it is used (the subject of a sentence,
``안양시는``; the owner of a plan or committee name, ``안양시 4차산업혁명위원회``;
the dateline, ``안양=김삼철 기자``). A province named only to place a city
(``경기도 안양시``) is not a candidate. Homonyms are resolved by the gazetteer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from extractors.gazetteer import Government, load_gazetteer
from extractors.passages import Passages

MENTION_WEIGHTS = {
    "title": 4.0,
    "subtitle": 2.0,
    "lead_first": 3.0,
    "lead": 1.5,
    "body": 0.5,
}
BODY_CAP = 2.5  # a long body naming a city often does not make it the actor
SUBJECT_BONUS = 1.5
OWNER_BONUS = 2.0
DATELINE_BONUS = 2.0
MIN_SCORE = 1.5

SUBJECT_SUFFIXES = frozenset({"는", "은", "가", "이", "에서는", "에서"})
TOPIC_AFTER = re.compile(r"^['‘\"“]?\s?(?:제?4차|스마트|디지털|인공지능|AI|데이터|미래)")
DATELINE = re.compile(r"(?:^|[\[(/【\s])([가-힣]{2,5})\s?=\s?(?:[가-힣]{2,4}\s?기자|연합뉴스|뉴시스|뉴스1)")


@dataclass
class Actor:
    government: Government
    score: float
    runner_up: float = 0.0
    evidence: list[str] = field(default_factory=list)


def find_actor(passages: Passages, outlet: str | None = None) -> Actor | None:
    """The acting government, or None when no government is named with enough weight."""
    gaz = load_gazetteer()
    zones = _zones(passages)
    all_mentions = [(zone, text, m) for zone, text in zones for m in gaz.mentions(text)]
    named = gaz.named_provinces(m for _, _, m in all_mentions)
    scores: dict[Government, float] = defaultdict(float)
    body_scores: dict[Government, float] = defaultdict(float)
    evidence: dict[Government, list[str]] = defaultdict(list)
    for zone, text, m in all_mentions:
        owner = m.suffix in ("", "의") and TOPIC_AFTER.match(text[m.end + len(m.suffix):m.end + len(m.suffix) + 4].lstrip())
        if m.context_only and not (owner and not m.qualifies_next):
            continue  # a bare 경기 places a city; 충남 4차산업혁명위원회 names the province's own committee
        gov = gaz.resolve(m, named, outlet)
        weight = MENTION_WEIGHTS[zone]
        if m.suffix in SUBJECT_SUFFIXES:
            weight += SUBJECT_BONUS if zone != "body" else SUBJECT_BONUS / 3
        if owner:
            weight += OWNER_BONUS if zone != "body" else OWNER_BONUS / 2
            evidence[gov].append(f"owner:{zone}")
        if zone == "body":
            body_scores[gov] += weight
        else:
            scores[gov] += weight
            evidence[gov].append(zone)
    for gov, s in body_scores.items():
        scores[gov] += min(s, BODY_CAP)
    _add_datelines(passages, scores, evidence, named, outlet)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, score = ranked[0]
    if score < MIN_SCORE:
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    return Actor(best, score, runner_up, evidence[best])


def _zones(passages: Passages) -> list[tuple[str, str]]:
    zones = [("title", passages.title), ("subtitle", passages.subtitle)]
    lead = passages.lead()
    for i, sentence in enumerate(lead):
        zones.append(("lead_first" if i == 0 else "lead", sentence))
    lead_set = set(lead)
    zones.extend(("body", s) for s in passages.sentences if s not in lead_set)
    return [(z, t) for z, t in zones if t]


def _add_datelines(passages: Passages, scores, evidence, named, outlet) -> None:
    gaz = load_gazetteer()
    for m in DATELINE.finditer(passages.body):
        for mention in gaz.mentions(m.group(1)):
            gov = gaz.resolve(mention, named, outlet)
            if gov.is_metro and not gov.is_city_with_districts:
                continue
            scores[gov] += DATELINE_BONUS
            evidence[gov].append("dateline")
