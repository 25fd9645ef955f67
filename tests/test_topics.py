"""Plan families: the vocabulary, its configuration, and relevance that does not trip on context.

The texts here are short reports written for these tests, one per phenomenon.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from extractors.plan import extract_plan
from extractors.topics import FAMILY_NAMES, TopicVocabulary, default_vocabulary
from planwatch.config import ConfigError, parse_config
from planwatch.records import Article


def article(title: str, *paragraphs: str) -> Article:
    return Article(title=title, text="\n".join(paragraphs), published=datetime(2024, 5, 20, 10, 0))


# -- the vocabulary -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["4 차산업 혁명 대응", "4차 산업 혁명", "4차산업혁명위원회", "４차 산업혁명", "제4차 산업혁명"])
def test_spacing_and_width_variants_name_the_same_family(text):
    assert default_vocabulary().families_in(text) == ["4ir"]


@pytest.mark.parametrize(("text", "family"), [
    ("스마트 시티 조성 계획", "smart_city"),
    ("디지털 대전환 종합계획", "digital"),
    ("인공지능(AI) 산업 육성 계획", "ai"),
    ("지역정보화 기본계획", "informatization"),
    ("데이터기반행정 활성화 기본계획", "informatization"),
    ("빅데이터 시행계획", "informatization"),
    ("빅데이터위원회", "informatization"),
])
def test_each_family_is_recognized(text, family):
    assert default_vocabulary().first_family(text) == family


def test_a_latin_term_stands_on_its_own():
    assert default_vocabulary().families_in("KAIST 총장과 MAIN 행사") == []
    assert default_vocabulary().families_in("AI도시 조성") == ["ai"]


def test_families_are_listed_in_order_of_mention():
    assert default_vocabulary().families_in("스마트도시 안의 인공지능 서비스") == ["smart_city", "ai"]


def test_unknown_watched_family_is_refused():
    with pytest.raises(ValueError, match="robots"):
        TopicVocabulary.build(watch=["robots"])


# -- configuration ----------------------------------------------------------------------


def test_topics_default_is_the_five_families_all_watched():
    vocabulary = parse_config("").topics.vocabulary()
    assert vocabulary.names == FAMILY_NAMES and vocabulary.watched == frozenset(FAMILY_NAMES)


def test_topics_watch_some_and_add_words_and_a_family_of_ones_own():
    config = parse_config('[topics]\nfamilies = ["4ir", "ai", "metaverse"]\n'
                          '[topics.terms]\nai = ["지능형 도시"]\nmetaverse = ["메타버스"]\n')
    vocabulary = config.topics.vocabulary()
    assert vocabulary.names == (*FAMILY_NAMES, "metaverse")
    assert vocabulary.watched == {"4ir", "ai", "metaverse"}
    assert vocabulary.first_family("지능형도시 조성") == "ai"
    assert vocabulary.first_family("메타버스 플랫폼") == "metaverse"


@pytest.mark.parametrize(("toml", "message"), [
    ('[topics]\nfamilies = ["robots"]\n', "unknown plan families ['robots']"),
    ('[topics]\nfamilies = ["AI"]\n', "lowercase"),
    ('[topics.terms]\nai = []\n', "non-empty words"),
    ('[topics]\nfamily = ["ai"]\n', "did you mean 'families'"),
])
def test_bad_topics_are_one_line_errors(toml, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        parse_config(toml)
    assert "\n" not in str(info.value)


# -- relevance and the family on the plan ----------------------------------------------------

LOCAL_COMMITTEE_WITH_NATIONAL_BACKGROUND = article(
    "충청남도 4차산업혁명위원회, 기본계획 방향 논의",
    "충청남도(충남도) 4차산업혁명위원회가 15일 도청 회의실에서 정기회의를 열고 기본계획 수립 방향을 논의했다.",
    "위원들은 대통령 직속 4차산업혁명위원회의 정책 방향을 살펴본 뒤 도의 과제를 점검했다.",
)


def test_a_local_committee_is_not_the_national_one_named_as_background():
    ex = extract_plan(LOCAL_COMMITTEE_WITH_NATIONAL_BACKGROUND)
    assert ex.relevance.relevant, ex.relevance.reasons
    assert ex.plan is not None and ex.plan.municipality == "충청남도" and ex.plan.family == "4ir"
    assert not any(r.startswith("negative:") for r in ex.relevance.reasons)


def test_the_national_committee_as_subject_stays_rejected():
    ex = extract_plan(article(
        "대통령직속 4차산업혁명위원회 출범…위원 20명",
        "대통령 직속 4차산업혁명위원회가 26일 공식 출범했다. 위원회는 부산과 세종의 스마트시티 전략을 심의한다.",
    ))
    assert not ex.relevance.relevant
    assert "negative:national_committee" in ex.relevance.reasons


def test_a_smart_city_plan_that_mentions_a_ministry_is_still_local():
    ex = extract_plan(article(
        "김포시, 스마트도시계획 수립 용역 착수보고회",
        "김포시는 20일 시청 상황실에서 스마트도시계획 수립 용역 착수보고회를 열었다고 밝혔다.",
        "계획은 국토교통부의 스마트도시 종합계획과 연계해 2029년까지의 서비스를 담는다.",
    ))
    assert ex.relevance.relevant, ex.relevance.reasons
    assert ex.plan is not None and ex.plan.family == "smart_city"


def test_an_informatization_plan_is_relevant_and_keeps_its_family():
    ex = extract_plan(article(
        "상주시, 지역정보화 기본계획 수립 용역 완료보고회",
        "상주시는 지난 15일 시청 영상회의실에서 지역정보화 기본계획 수립 용역 완료보고회를 가졌다.",
    ))
    assert ex.relevance.relevant, ex.relevance.reasons
    assert ex.plan is not None and ex.plan.family == "informatization"
    assert "topic:informatization" in ex.relevance.reasons


def test_a_data_committee_meeting_on_its_plan_is_relevant_under_its_full_name():
    ex = extract_plan(article(
        "청주시 빅데이터위원회 열어 올해 사업 심의",
        "청주시가 데이터 행정을 넓히는 계획을 내놨다.",
        "시는 14일 시청에서 빅데이터위원회를 열고 빅데이터 시행계획을 심의했다.",
    ))
    assert ex.relevance.relevant, ex.relevance.reasons
    assert ex.event is not None and ex.event.type == "committee_meeting"
    assert ex.plan is not None and ex.plan.family == "informatization"
    assert ex.plan.title is not None and "빅데이터 시행계획" in ex.plan.title


def test_an_unwatched_family_is_not_relevant_and_says_why():
    text = article(
        "부천시, 인공지능 산업 육성 기본계획 발표",
        "부천시는 21일 인공지능 산업 육성 기본계획을 발표했다고 밝혔다.",
    )
    only_4ir = TopicVocabulary.build(watch=["4ir"])
    ex = extract_plan(text, only_4ir)
    assert not ex.relevance.relevant
    assert "topic:unwatched:ai" in ex.relevance.reasons
    assert extract_plan(text).relevance.relevant


def test_a_task_force_for_the_topic_is_a_step():
    ex = extract_plan(article(
        "강진군, 4차산업혁명활용추진단 꾸려",
        "전남 강진군이 18일 '4차산업혁명활용추진단'을 새로 꾸렸다고 밝혔다. 추진단은 디지털혁신팀 등 세 팀으로 움직인다.",
    ))
    assert ex.relevance.relevant and "step:organization" in ex.relevance.reasons


@pytest.mark.parametrize("title, lead", [
    ("성동구, 4차 산업혁명 체험 축제 연다", "서울 성동구는 25일 어린이를 위한 4차 산업혁명 체험 축제를 연다고 밝혔다."),
    ("청주시 공무원 대상 4차 산업혁명 특강", "청주시는 21일 직원 250명을 대상으로 4차 산업혁명 특강을 열었다고 밝혔다."),
    ("배재대·대전테크노파크, 4차 산업혁명 인재 함께 키운다",
     "배재대는 21일 대전테크노파크와 4차 산업혁명 인재 양성 업무협약을 맺었다고 밝혔다."),
    ("대전 과학기술인 20명, 4차 산업혁명 특별시 추진위원회 발족",
     "더불어민주당 대전 선대위는 26일 4차 산업혁명 특별시 추진위원회 발족식을 가졌다."),
])
def test_hard_negatives_stay_rejected(title, lead):
    ex = extract_plan(article(title, lead))
    assert not ex.relevance.relevant, ex.relevance.reasons


def test_a_ministry_in_a_clause_before_the_government_is_not_the_subject():
    ex = extract_plan(article(
        "김포시 스마트도시 조성 계획 발표",
        "국토교통부가 주관한 스마트도시 공모에 선정된 김포시는 20일 스마트도시 조성 계획을 발표했다.",
    ))
    assert ex.relevance.relevant, ex.relevance.reasons
    assert ex.plan is not None and ex.plan.municipality == "김포시"


def test_the_government_of_the_title_signs_an_agreement_with_a_company():
    ex = extract_plan(article(
        "동해시, KT와 스마트시티 조성 업무협약",
        "KT는 20일 동해시청에서 동해시와 스마트시티 조성을 위한 업무협약을 맺었다고 밝혔다.",
    ))
    assert ex.relevance.relevant, ex.relevance.reasons
    company_first = extract_plan(article(
        "KT, 동해시에 스마트시티 솔루션 공급",
        "KT는 20일 동해시에 스마트시티 통합 플랫폼을 공급하는 계약을 맺었다고 밝혔다.",
    ))
    assert not company_first.relevance.relevant and "negative:company" in company_first.relevance.reasons


def test_a_lecture_on_a_strategy_is_a_lecture():
    ex = extract_plan(article(
        "홍성군 공직자, '4차 산업혁명 대응 지역의 혁신전략' 특강 들어",
        "홍성군은 20일 군청 대회의실에서 공직자 200명을 대상으로 4차 산업혁명 특강을 열었다고 밝혔다.",
    ))
    assert not ex.relevance.relevant and "negative:event" in ex.relevance.reasons


@pytest.mark.parametrize("title", ["양평군, 스마트시티 조성 계획 발표", "양평군, 스마트시티 기본 계획 발표"])
def test_plan_words_are_spacing_insensitive(title):
    ex = extract_plan(article(title, "양평군은 20일 군청에서 스마트시티 계획을 발표했다고 밝혔다."))
    assert ex.relevance.relevant and any(r.startswith("plan_word:") for r in ex.relevance.reasons)


@pytest.mark.parametrize("lead", [
    "자율주행 자동차가 도심을 달리는 스마트도시를 만들기 위해 세종시는 20일 스마트도시계획 수립 용역에 들어갔다.",
    "AI가 민원을 돕는 도시를 목표로 세종시는 20일 인공지능 기본계획 수립 용역 착수보고회를 열었다.",
    "스마트도시 리빙랩이 주민 의견을 모은 가운데 세종시는 20일 스마트도시계획 수립 용역 착수보고회를 열었다.",
])
def test_common_nouns_are_not_companies(lead):
    from extractors.relevance import subject_kind

    assert subject_kind(lead) == "government"
    assert extract_plan(article("세종시, 계획 수립 용역 착수보고회", lead)).relevance.relevant


def test_a_round_up_of_many_governments_is_a_trend_piece():
    ex = extract_plan(article(
        "지자체들, 앞다퉈 4차산업혁명위원회 꾸린다",
        "전국 지자체들이 앞다퉈 4차산업혁명위원회를 꾸리고 있다. 대구시는 지난달 위원회를 출범시켰고, 광주시도 기본계획 수립에 들어갔다.",
    ))
    assert not ex.relevance.relevant and "negative:roundup" in ex.relevance.reasons
    first = extract_plan(article(
        "보령시, 전국 지자체 최초 4차산업혁명 촉진 조례 제정",
        "보령시가 전국 지자체 중 처음으로 4차산업혁명 촉진 조례를 제정했다고 20일 밝혔다.",
    ))
    assert first.relevance.relevant, first.relevance.reasons


@pytest.mark.parametrize("title, lead", [
    ("충남 4차산업혁명 추진위원회 첫 회의", "위원들은 20일 도청에서 첫 회의를 열고 4차 산업혁명 대응 과제를 논의했다."),
    ("부천시의회 스마트도시 연구회 활동 시작", "의원들은 20일 첫 모임을 열고 스마트도시 정책 과제를 논의했다."),
])
def test_a_committee_named_after_its_government_is_local(title, lead):
    ex = extract_plan(article(title, lead))
    assert "committee:local" in ex.relevance.reasons, ex.relevance.reasons
    assert ex.relevance.relevant
