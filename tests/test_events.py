"""Which step an article reports: the labelling conventions on texts written for this test."""

from __future__ import annotations

import pytest

from extractors.events import classify_event


@pytest.mark.parametrize(
    "title, subtitle, lead, expected",
    [
        # a 최종보고회 in the lead is the final report even when the title says the plan is set up
        ("한빛시, ‘데이터 기반 행정 기본계획’ 마련", "",
         ["한빛시가 데이터 기반 행정 기본계획을 수립했다.",
          "시는 지난 18일 부시장과 담당자 등 50여 명이 참석한 가운데 기본계획 수립 용역 최종보고회를 진행했다."],
         "plan_final_report"),
        # a stage given as an item of a committee meeting is the committee meeting
        ("한빛도 4차산업혁명위원회, 기본계획 수립 착수보고 받아", "",
         ["‘4차 산업혁명위원회의’가 6일 도청 대회의실에서 열렸다.",
          "이 자리에서는 새 위원 위촉, 경과보고, 기본계획 착수보고가 차례로 다뤄졌다."],
         "committee_meeting"),
        ("한빛도 4차산업혁명위, 워크숍서 기본계획 방향 짚어", "",
         ["한빛도 4차산업혁명위원회가 18∼19일 이틀 일정의 워크숍을 가졌다고 도가 20일 전했다."],
         "committee_meeting"),
        # a launch said in other words; a committee's first meeting of the year is a meeting
        ("한빛구 ‘스마트도시위원회’ 닻 올려", "", ["한빛구가 부구청장을 위원장으로 하는 위원회를 꾸렸다."],
         "committee_launch"),
        ("한빛시, ‘제2기 4차산업혁명위원회’ 꾸려", "",
         ["한빛시는 제2기 4차산업혁명위원회 구성을 마쳤다고 20일 밝혔다."], "committee_launch"),
        ("한빛도 4차산업혁명위, 올해 첫 회의서 사업 점검", "",
         ["‘2020년 제1회 한빛도 4차산업혁명위원회’가 6일 열렸다고 도가 알렸다.",
          "이 위원회는 지난해 2월 문을 연 자문기구다."], "committee_meeting"),
        # a launch told as background ("2017년에 발족한 뒤") is not this article's step
        ("한빛시 4차산업혁명추진위원회 새 위원 19명", "",
         ["한빛시 4차산업혁명추진위원회가 27일 새 진용으로 회의를 가졌다.",
          "추진위원회는 2017년에 발족한 뒤 정책 전반을 조율해 왔다."], "committee_meeting"),
        # a 수립 보고회 naming no stage is the kickoff; 수립 before 보고회 is not the adoption
        ("한빛군, 스마트도시계획 수립 보고회 열어", "",
         ["이날 보고회에서는 스마트도시계획 수립 방향과 단계별 추진계획이 논의됐다."], "plan_kickoff"),
        # a plan presented by its contents, with no step word
        ("한빛도, 2025년 정보화사업에 918억…디지털 전환 가속", "",
         ["도는 5개 분야에 걸쳐 총 208개 정보화 사업을 벌인다."], "plan_adopted"),
        ("한빛시 ‘스마트도시 조성 및 관리에 관한 조례’ 본회의 통과", "",
         ["한빛시의회가 28일 본회의를 열어 조례를 최종 의결했다."], "ordinance"),
        ("한빛시, 4차 산업혁명 대응에 201억 투입", "", ["시는 올해 예산으로 201억원을 확보했다고 19일 밝혔다."], "other"),
    ],
)
def test_event_type_conventions(title, subtitle, lead, expected):
    assert classify_event(title, subtitle, lead) == expected


@pytest.mark.parametrize(
    "title, lead, expected",
    [
        ("한빛시, 4차산업 종합계획 연말 확정 예정", ["시는 종합계획을 연말까지 확정할 예정이라고 밝혔다."], "plan_adopted"),
        ("한빛시, 다음달 스마트도시계획 착수보고회", ["시는 다음달 착수보고회를 열 예정이다."], "plan_kickoff"),
        ("한빛시 “AI로 미래 연다”", ["한빛시는 19일 시청에서 인공지능위원회를 출범시키고 제1차 회의를 열었다."], "committee_launch"),
        ("한빛시 “2030년 AI 선도도시로”", ["한빛시가 인공지능 산업 육성 종합계획을 확정했다.",
                                      "시는 지난해 용역에 착수해 최종보고회를 거쳐 계획을 다듬었다."], "plan_adopted"),
        ("한빛시, 스마트도시 조례 제정 위한 정책토론회", ["시의회는 조례 제정에 앞서 정책토론회를 열었다."], "other"),
        ("한빛도 스마트도시위원회, 스마트도시계획안 자문", ["위원들은 계획안에 대한 의견을 냈다."], "committee_meeting"),
    ],
)
def test_upcoming_steps_and_background(title, lead, expected):
    assert classify_event(title, "", lead) == expected


def test_a_step_the_lead_passes_through_is_background():
    lead = ["시는 지난 6월 26일 LH와 업무협약을 맺은 데 이어 1일 스마트도시계획 수립 용역 착수보고회를 가졌다."]
    assert classify_event("한빛시, 스마트도시계획 수립 본격화", "", lead) == "plan_kickoff"


def test_an_earlier_month_dates_background_only_in_a_relative_clause():
    lead = ["시는 지난 2월 데이터 기본계획 수립 용역 최종보고회를 열었다고 밝혔다."]
    assert classify_event("한빛시, 데이터 기본계획 마무리", "", lead) == "plan_final_report"
    lead = ["추진본부는 지난 7월 출범한 범시민 대책본부다.", "전체회의에는 구성원 100여명이 모일 예정이다."]
    assert classify_event("한빛 스마트도시 추진본부 전체회의", "", lead) == "committee_meeting"


def test_two_steps_in_the_headline_the_leads_wins():
    lead = ["시는 20일 4차산업혁명 종합계획 수립 용역에 착수했다.", "시는 이날 위원회도 출범시켰다."]
    assert classify_event("한빛시 4차산업혁명위원회 출범…종합계획 용역 착수", "", lead) == "plan_kickoff"


@pytest.mark.parametrize(
    "title, subtitle, lead, expected",
    [
        # a plan presented with a past verb that ends the sentence, or approved by the ministry
        ("한빛시, 행정에 AI 들인다", "",
         ["한빛시가 행정에 인공지능을 쓰는 계획을 내놨다.", "계획은 세 갈래로 나뉜다."],
         "plan_adopted"),
        ("한빛시, AI 도시 만든다", "", ["한빛시가 인공지능 산업 육성 계획을 내놓았다."], "plan_adopted"),
        ("한빛시 ‘스마트도시’ 청사진 확정…국토부 최종 승인", "",
         ["한빛시의 스마트도시계획(2026~2030년)을 국토교통부가 지난달 말 최종적으로 승인했다."], "plan_adopted"),
        # a plan only presented at a committee meeting the title names stays the meeting
        ("한빛시 데이터위원회 열어 올해 사업 심의", "",
         ["한빛시가 데이터 행정을 넓히는 계획을 내놨다.", "시는 3일 데이터위원회를 열고 올해 사업계획을 다뤘다."],
         "committee_meeting"),
        # a committee composed, told in the passive or with an abbreviated name
        ("한빛군 인공지능 위원회 모습 갖춰", "",
         ["한빛군 인공지능 위원회는 군수를 위원장으로 대학과 기업 인사들이 함께하는 모임으로 꾸려졌다."], "committee_launch"),
        ("한빛구, 스마트도시 자문위 꾸려", "",
         ["한빛구가 대학·기업 인사로 스마트도시 자문위원회를 위촉했다."],
         "committee_launch"),
        # a committee's composition told beside its meeting describes the committee that meets
        ("한빛시 AI위원회 정기회의", "",
         ["한빛시 AI위원회가 12일 시청에서 정기회의를 열었다.", "위원회는 전문가 15명으로 구성됐다."], "committee_meeting"),
        ("한빛시 AI위원회 출범", "", ["한빛시 AI위원회가 12일 출범했다.", "위원회는 전문가 15명으로 구성됐다."],
         "committee_launch"),
        # a committee composed at an earlier date, told as background of its meeting
        ("한빛구, 4차산업혁명 자문위원회서 추진 상황 점검", "",
         ["한빛구는 23일 구청에서 ‘제2차 4차산업혁명 자문위원회 회의’를 가졌다고 24일 밝혔다.",
          "자문위원회는 공약사업을 뒷받침하기 위해 지난 2022년 9월 꾸려졌으며, 그동안 정책 자문을 해 왔다."],
         "committee_meeting"),
        # a committee re-formed with new members that gathers is its meeting; its first gathering its launch
        ("한빛시 4차산업혁명추진위원회 새 진용", "",
         ["한빛시 인공지능추진위원회가 5일 시청 회의실에 모였다.",
          "위원 임기가 끝나 추진위는 17명으로 다시 꾸려졌다."], "committee_meeting"),
        ("한빛시의회 스마트도시 특위 지도부 선출", "",
         ["한빛시의회에 꾸려진 스마트도시 특별위원회가 3일 처음 모여 위원장을 정했다."], "committee_launch"),
        # a plan's research contract announced without a stage: the kickoff
        ("한빛시, 제3차 정보화 기본계획 수립 용역…9월까지 4개월간", "", ["용역 기간은 넉 달이다."], "plan_kickoff"),
        # an agreement told by its document or named as a noun in the headline
        ("한빛시·연구원, 스마트도시 조성 협약", "",
         ["두 기관 대표가 9일 협약서에 서명했다."], "mou"),
        ("한빛군, 연구원과 스마트도시 구축 협약…데이터 공유", "", ["군과 연구원은 데이터를 함께 쓰기로 했다."], "mou"),
        # the year's informatization programme told by its budget
        ("한빛시 올해 정보화사업 312개에 640억원", "", ["시는 인공지능과 클라우드 사업을 늘린다."], "plan_adopted"),
    ],
)
def test_event_classes_of_real_reporting(title, subtitle, lead, expected):
    assert classify_event(title, subtitle, lead) == expected


def test_a_research_contract_that_ends_is_not_the_kickoff():
    assert classify_event("한빛시, 정보화 기본계획 수립 용역을 마무리", "", ["시는 용역 결과를 정리하고 있다."]) != "plan_kickoff"
    assert classify_event("한빛시, 스마트도시계획 수립 용역 결과 공유", "", ["시는 시민에게 결과를 알렸다."]) != "plan_kickoff"
