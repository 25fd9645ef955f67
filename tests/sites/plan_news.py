"""Generated fixture news: plan steps of chosen local governments on chosen days, and ordinary local news.

The fixture world (``tests/sites/world.py``) needs many articles over years, each
with a known municipality, event type and date. The texts follow the shape of the
hand-written fixture articles (``articles.py``): a headline naming the city and the
step, a lead dated with the day of the month, the plan's counts or committee, and a
quote. Every text is distinct (the numbers and the day vary), so no two are one article.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .articles import FixtureArticle

EVENT_TITLES = {
    "plan_kickoff": "제{phase}기 4차 산업혁명 촉진 기본계획 수립 착수보고회",
    "plan_interim_report": "제{phase}기 4차 산업혁명 촉진 기본계획 중간보고회 개최",
    "plan_final_report": "제{phase}기 '4차 산업혁명 촉진 기본계획' 최종보고회 개최",
}
EVENT_WORDS = {
    "plan_kickoff": "착수보고회",
    "plan_interim_report": "중간보고회",
    "plan_final_report": "최종보고회",
}


@dataclass(frozen=True)
class PlanStep:
    """One article the world publishes: ``municipality``'s plan reached ``event`` on ``day``."""

    key: int
    municipality: str  # official name (안양시, 강릉시)
    place: str  # where the meeting was held (시청, 군청)
    event: str  # plan_kickoff | plan_interim_report | plan_final_report
    day: date
    phase: int
    reporter: str = "김하늘"
    published: date | None = None  # when the article appeared, if not on the day itself (news of a release)


def plan_article(step: PlanStep) -> FixtureArticle:
    """The article reporting one plan step, published at 15:20 on the step's day (or on ``published``)."""
    m, d, phase = step.municipality, step.day, step.phase
    word = EVENT_WORDS[step.event]
    strategies, tasks, projects = 3 + step.key % 3, 10 + step.key % 7, 25 + step.key % 19
    start = d.year + 1
    paragraphs = [
        f"{m}가 {d.day}일 {step.place} 중회의실에서 '제{phase}기 {m} 4차 산업혁명 촉진 기본계획 수립 연구용역' "
        f"{word}를 열었다.",
        f"이번 기본계획은 {start}년부터 {start + 4}년까지 5년간 추진할 {strategies}대 전략과 {tasks}대 과제, "
        f"{projects}개 세부 사업을 담고 있다.",
        f"{word}에는 {m} 4차산업혁명위원회 위원과 관계 부서장 등 {20 + step.key % 30}명이 참석해 과제별 추진 방안을 논의했다.",
        f"{m} 관계자는 \"시민이 체감하는 디지털 전환 과제를 계획에 충실히 담겠다\"고 말했다.",
    ]
    return FixtureArticle(
        step.key,
        f"{m}, " + EVENT_TITLES[step.event].format(phase=phase),
        f"{strategies}대 전략·{tasks}대 과제 논의",
        f"{(step.published or d).isoformat()} 15:20",
        step.reporter,
        tuple(paragraphs),
        relevant=True,
    )


ORDINARY_TOPICS = (
    ("도서관 여름 독서교실 운영", "어린이 200명 참여 예정", "관내 공공도서관 5곳에서 초등학생을 대상으로 여름 독서교실을 운영한다"),
    ("전통시장 주차장 확충 공사 마무리", "주차면 120면 늘어", "전통시장 고객 주차장 확충 공사를 마무리하고 개방했다"),
    ("하천 산책로 야간 조명 설치", "주민 안전 강화", "도심 하천 산책로 3㎞ 구간에 야간 조명을 새로 설치했다"),
    ("노인 일자리 사업 참여자 모집", "이달 말까지 접수", "내년 노인 일자리 사업에 참여할 어르신을 이달 말까지 모집한다"),
)


def ordinary_article(key: int, municipality: str, day: date) -> FixtureArticle:
    """Local news with no plan in it, published on ``day`` at 09:40."""
    title, subtitle, lead = ORDINARY_TOPICS[key % len(ORDINARY_TOPICS)]
    return FixtureArticle(
        key,
        f"{municipality}, {title}",
        subtitle,
        f"{day.isoformat()} 09:40",
        "이도윤",
        (
            f"{municipality}는 {day.day}일 {lead}고 밝혔다.",
            f"사업에는 예산 {3 + key % 9}억 원이 들어가며 담당 부서는 주민 의견을 들어 세부 계획을 보완할 방침이다.",
            f"{municipality} 관계자는 \"주민 불편이 없도록 꼼꼼히 챙기겠다\"고 말했다.",
        ),
    )
