"""Plan title, period, committee size and counts under the labelling conventions, on texts written for this test."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.passages import article_passages
from extractors.plan import plan_period, plan_title
from planwatch.records import Article


def title_of(title: str, text: str, quoted_only: bool = False) -> str | None:
    return plan_title(article_passages(Article(title=title, text=text)), None, quoted_only=quoted_only)


@pytest.mark.parametrize(
    "title, text, expected",
    [
        ("한빛도, 지역정보화 기본계획 연구용역 착수보고회",
         "한빛도 정보화위원회는 지난달 28일 ‘한빛 지역정보화 기본계획’을 마련할 연구용역의 착수보고회를 열었다.",
         "한빛 지역정보화 기본계획"),
        ("충남 4차산업혁명위, 기본계획 방향 짚어", "위원들은 충남 4차산업혁명 기본계획 수립 방향을 놓고 의견을 나눴다.",
         "충남 4차산업혁명 기본계획"),
        ("한빛시, 2025년 정보화시행계획 심의", "시는 정보화추진협의회를 열어 2025년 정보화시행계획을 심의했다.",
         "2025년 정보화시행계획"),
        # a quoted name without a topic word, when nothing else is named
        ("한빛시, 대응추진단 가동", "시는 인재를 통한 기술혁신 계획인 ‘HB2030플랜’도 본격 추진한다.", "HB2030플랜"),
        # a plan of an activity is not a named plan
        ("한빛시, 인공지능 전담조직 첫 회의", "회의에서는 인공지능 활용 경진대회 개최계획과 인공지능 활용 전문교육 계획이 논의됐다.",
         None),
        ("한빛시, 스마트시티 비전과 전략 발표", "시장은 이날 시민을 위한 스마트시티 비전과 전략도 내놨다.", "스마트시티 비전과 전략"),
    ],
)
def test_plan_title(title, text, expected):
    assert title_of(title, text) == expected


def test_a_national_plan_named_as_background_is_not_the_local_plan():
    title = "한빛구, 자문위원회서 스마트도시 추진 상황 점검"
    text = ("한빛구는 지난 23일 자문위원회 회의를 열었다고 밝혔다. 위원들은 국토교통부가 내놓은 "
            "제4차 스마트도시 종합계획(2024~2028년)의 비전을 함께 살폈다.")
    assert title_of(title, text) is None
    assert period_of(title, text) == (None, None)
    local = "한빛구는 국토교통부가 승인한 ‘한빛구 스마트도시계획(2025~2029)’을 공개했다고 밝혔다."
    assert title_of("한빛구, 스마트도시계획 공개", local) == "한빛구 스마트도시계획"
    assert period_of("한빛구, 스마트도시계획 공개", local) == (2025, 2029)


def test_an_ordinance_names_plans_only_as_provisions():
    text = "조례안은 시장의 책무를 비롯해 인공지능산업 기본계획 수립 및 시행, 전문인력 양성 등을 담았다."
    assert title_of("한빛시의회, 인공지능산업 조례안 발의", text, quoted_only=True) is None
    assert title_of("한빛시의회, 인공지능산업 조례안 발의", text) == "인공지능산업 기본계획"


def period_of(title: str, text: str, published: date = date(2024, 5, 20)) -> tuple[int | None, int | None]:
    passages = article_passages(Article(title=title, text=text))
    return plan_period(plan_title(passages, None), passages, None, published)


@pytest.mark.parametrize(
    "title, text, expected",
    [
        ("안양시, 데이터 기반 행정 활성화 기본계획 최종보고회",
         "안양시는 지난 18일 데이터 기반 행정 활성화 기본계획 수립 용역 최종보고회를 열었다고 밝혔다. "
         "용역은 향후 3년간(2024~2026년) 추진할 전략을 뽑아냈다.", (2024, 2026)),
        ("세종시, 2029년까지 운영할 스마트도시계획 수립 착수",
         "세종특별자치시는 오는 2029년까지 적용할 스마트도시계획을 만들기 위한 용역의 착수보고회를 1일 열었다고 밝혔다.",
         (None, 2029)),
        ("충청남도 4차산업혁명위원회, 기본계획 착수보고",
         "충청남도 4차산업혁명위원회는 6일 회의를 열었다고 밝혔다. 새 계획은 4차산업혁명 기본계획으로, 2021년부터 3년간 시행된다.",
         (2021, None)),
        ("제주특별자치도, 2025년 정보화시행계획 확정",
         "제주특별자치도는 정보화추진협의회를 열어 2025년 정보화시행계획을 확정했다고 밝혔다.", (2025, 2025)),
    ],
)
def test_period_only_as_stated(title, text, expected):
    assert period_of(title, text) == expected


@pytest.mark.parametrize(
    "sentences, expected",
    [
        (["한빛도 4차 산업혁명위원회 닻 올려…15명, 한 해 두 차례 정례회의"], 15),
        (["위원회 출범", "당연직 5명에 도의원 2명, 민간 전문가 8명이 더해져 모두 15명이다."], 15),
        (["위원회 출범", "시는 지난해 말 35명으로 꾸린 4차 산업혁명 대응추진단과 12명 규모의 실무추진단을 가동한다."], 35),
        (["위원회 출범", "위원회는 교수와 기업인 등 전문가 13명으로 구성됐다."], 13),
        # parts that one would have to add up
        (["위원회 출범", "새 위원회는 당연직 3명과 도의원 2명, 민간 전문가 10명으로 짜였다."], None),
        (["위원회 출범", "스마트도시 분야 전문가 16명이 참여하고, 구청 간부 7명이 함께 이름을 올렸다."], None),
        # approximate, bounded or attendance figures
        (["위원회 출범", "위원회는 위원 25명 이내로 구성한다."], None),
        (["위원회 회의", "회의에는 위원 등 30여 명이 참석했다."], None),
        (["위원회 회의", "이날 회의에는 위원 12명이 참석했다."], None),
        # composition with an adverb before its verb
        (["위원회 새 진용", "임기가 끝나면서 위원회는 산·학·연 전문가 21명으로 다시 꾸려졌고, 2년간 활동한다."], 21),
        # the members described by a relative clause
        (["특별위 회의", "특별위는 데이터·인공지능 등에 밝은 전문가 24명이 모인 기구다."], 24),
        # the members as the subject, the total as the predicate
        (["자문위원회 위촉식", "위원은 산업계·학계·유관기관에서 고루 뽑은 17명이다."], 17),
        # one kind of member among others named: not the total
        (["위원회 출범", "부지사와 두 도의원, 민간 전문가 12명 등이 위원으로 참여한다."], None),
        (["위원회 출범", "공동위원장에 부지사가 올랐고, 두 도의원과 민간 전문가 25명도 위원으로 합류했다."], None),
    ],
)
def test_committee_size_is_a_stated_total(sentences, expected):
    from extractors.committee import _size

    assert _size(sentences) == expected


@pytest.mark.parametrize(
    "texts, expected",
    [
        (["추진단이 내건 목표는 '군정 전반 디지털 대전환으로 새 한빛 구현'이다."], "군정 전반 디지털 대전환으로 새 한빛 구현"),
        (["목표로는 '초연결 한빛 구현'을 내세웠다."], "초연결 한빛 구현"),
        # the phrase given as 목표 wins over one the city only 내세우다
        (["시가 '세계 최고 AI 활용 도시'를 내세우며 AI를 도입한다.", "'세계 최고 AI 매력도시'를 조성하는 것이 목표다."],
         "세계 최고 AI 매력도시"),
        (["'한빛 AI·디지털 대전환 로드맵'의 미래 비전을 소개하고 있다."], None),  # a plan's name
        (["로드맵은 '디지털 생태계 구축'과 '디지털 혁신 운동장 조성'이라는 두 목표에 무게를 뒀다."], None),  # two goals
    ],
)
def test_vision_is_the_quoted_slogan_given_as_vision_or_goal(texts, expected):
    from extractors.vision import find_vision

    assert find_vision(texts) == expected


def test_phase_is_the_plans_not_a_committees():
    from extractors.plan import plan_phase

    assert plan_phase(None, "제2기 4차산업혁명위원회는 도의 기본계획을 점검한다.") is None
    assert plan_phase(None, "시는 제2기 종합계획을 수립한다.") == 2


def test_fields_can_be_read_apart_from_relevance():
    from extractors.plan import extract_plan

    article = Article(title="안양시, 데이터 기반 행정 기본계획 최종보고회",
                      text="안양시는 지난 18일 데이터 기반 행정 활성화 기본계획 수립 용역 최종보고회를 열었다고 밝혔다.")
    judged = extract_plan(article)
    assumed = extract_plan(article, assume_relevant=True)
    assert assumed.relevance == judged.relevance  # the verdict is kept as it is
    assert assumed.plan is not None and assumed.event is not None
    assert assumed.event.type == "plan_final_report"
    if not judged.relevance.relevant:
        assert judged.plan is None


def test_a_plan_named_only_in_an_aside_is_not_the_articles():
    text = ("한빛도는 제2기 4차산업혁명위원회 구성을 마쳤다고 20일 밝혔다. "
            "한편 2019년부터 활동한 제1기 위원회는 한빛도 4차 산업혁명 촉진 기본계획을 심의했다.")
    assert title_of("한빛도, 제2기 4차산업혁명위원회 꾸려", text) is None


def test_the_governments_budget_until_a_year_in_the_lead():
    title = "한빛도, ‘4차산업혁명 기본계획’ 수립…3년간 9000억 투입"
    text = "한빛도가 4차 산업혁명 시대를 대비해 2026년까지 9000억원을 들이기로 했다. 도는 5일 기본계획을 수립했다고 밝혔다."
    assert period_of(title, text) == (None, 2026)
    field = "한빛도는 5일 기본계획을 수립했다고 밝혔다. 농생명 분야에는 2028년까지 1800억 원이 투입된다."
    assert period_of(title, field) == (None, None)  # one field's budget, not the plan's
