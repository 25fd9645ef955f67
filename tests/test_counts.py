"""Counts of strategies, tasks, action tasks and projects, and revisions."""

from __future__ import annotations

import pytest

from extractors.counts import find_count_groups, plan_counts
from planwatch.records import Counts


@pytest.mark.parametrize(
    "text, expected",
    [
        ("4대 전략·10대 과제·29개 사업 확정", Counts(4, 10, None, 29)),
        ("3개 분야 12개 과제를 담았다", Counts(tasks=12)),  # fields are not counted, even beside tasks
        ("5대 추진전략, 20개 중점과제, 61개 세부사업으로 구성", Counts(5, 20, None, 61)),
        ("3대 전략방향과 8개 추진과제 및 24개 실행과제", Counts(3, 8, 24)),
        ("6개 전략 18개 세부 추진과제", Counts(6, None, 18)),
        ("12개 프로젝트를 추진한다", Counts(projects=12)),
        ("5대 특화산업, 4단계, 7개 기관, 4개 분야에 대해 협력", Counts()),
        ("5대 전략산업과 30개 사업장", Counts()),
    ],
)
def test_counts_vocabulary(text, expected):
    counts, previous = plan_counts([text])
    assert counts == expected
    assert previous is None


def test_revision_from_before_to_after():
    counts, previous = plan_counts(["대전시는 당초 3개 전략 12개 과제에서 4개 전략 17개 과제로 확대하여 보고했다."])
    assert counts == Counts(4, 17) and previous == Counts(3, 12)


def test_revision_told_as_contained_then_extended():
    text = ("시는 2021년 2월, 7개 전략과제 및 17개 실행과제를 담은 ‘부천시 종합계획’을 수립하여 운영하고 있으며, "
            "9개 전략과제 및 31개 실행과제로 확대 추진할 예정이다.")
    counts, previous = plan_counts([text])
    assert counts == Counts(None, 9, 31) and previous == Counts(None, 7, 17)


def test_revision_with_arrow_and_with_former_plan():
    counts, previous = plan_counts(["과제 수는 기존 15개 과제 → 22개 과제로 늘었다."])
    assert (counts.tasks, previous.tasks) == (22, 15)
    counts, previous = plan_counts(["제1기 계획은 4대 전략 16개 과제였다.", "이번 계획은 5대 전략 20개 과제다."])
    assert counts == Counts(5, 20) and previous == Counts(4, 16)


def test_title_counts_come_first():
    counts, _ = plan_counts(["4대 전략·10대 과제·29개 사업 확정", "10대 전략과제에는 ▲철강", "29개 사업을 마련"])
    assert counts == Counts(4, 10, None, 29)


def test_areas_alone_are_not_strategies():
    assert find_count_groups("4개 분야에 대해 상호 협력한다") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3대 추진전략을 떠받치는 것은 9개 중점 추진과제와 14개 세부 실행과제다", Counts(3, 9, 14)),
        ("4대 추진 전략 아래 12개 중점 추진과제와 22개 세부실행 과제를 담았다", Counts(4, 12, 22)),
        ("5개 분야에 걸쳐 총 208개 정보화 사업을 벌인다", Counts(projects=208)),
        ("3대 전략 11개 단위과제", Counts(3, 11)),
        ("4대 정책과 15개 이행과제", Counts(4, 15)),
        ("그 아래 추진 전략은 9가지로, 데이터 관리의 체계화를 담았다", Counts(strategies=9)),
        ("3대 추진방향 아래 사업을 펼친다", Counts()),  # directions are not counted
    ],
)
def test_counts_under_the_labelling_conventions(text, expected):
    counts, _ = plan_counts([text])
    assert counts == expected


def test_counts_of_an_earlier_strategy_are_previous():
    counts, previous = plan_counts(["도는 앞서 2018년 4차산업혁명 대응 전략을 세우면서 50개 과제를 추려 점검해 왔다."])
    assert counts == Counts() and previous == Counts(tasks=50)


def test_national_counts_are_not_the_plans():
    counts, _ = plan_counts(["시는 정부가 발표한 10대 과제에 맞춰 3대 전략 9개 과제를 마련했다"])
    assert counts == Counts(3, 9)
    assert plan_counts(["새 정부 120대 국정과제에 반영됐다"])[0] == Counts()


@pytest.mark.parametrize(
    "text, expected",
    [
        # fields beside tasks or projects are still fields
        ("행정, 교육, 복지 등 7개 분야 21개 추진과제를 확정했다", Counts(tasks=21)),
        ("4대 분야에서 52개 선도 사업을 벌인다", Counts(projects=52)),
        # strategic goals are goals
        ("안전도시, 녹색도시 등 4대 전략목표가 담겼다", Counts()),
        ("4대 전략 구현", Counts(strategies=4)),
        # numbers written as words, with their counter
        ("안전, 성장, 포용 등 네 가지 핵심 전략을 세웠다", Counts(strategies=4)),
        ("추진 전략은 다섯 가지로 정리된다", Counts(strategies=5)),
        ("계획은 두 목표와 한 방향을 제시했다", Counts()),
        # a count told after its word, with its breakdown in brackets, beside counts told before theirs
        ("이 계획은 4대 전략으로 짜였다. 추진할 과제는 27개(기반 5개·확산 22개)다.", Counts(4, 27)),
    ],
)
def test_counts_classes_of_real_reporting(text, expected):
    counts, _ = plan_counts([text])
    assert counts == expected


@pytest.mark.parametrize(
    "text",
    [
        "부서마다 진행 중인 디지털 관련 40개 실천과제의 추진 상황을 점검했다.",
        "현재 3개 분야에서 추진 중인 데이터 기반 사업은 25개 과제에 이른다.",
    ],
)
def test_work_under_way_is_not_the_plans(text):
    counts, previous = plan_counts([text])
    assert counts == Counts() and previous is None


def test_a_plan_under_way_keeps_its_counts():
    counts, _ = plan_counts(["현재 추진 중인 스마트도시 기본계획은 3대 전략 12개 과제로 짜였다."])
    assert counts == Counts(3, 12)
    counts, _ = plan_counts(["시가 추진 중인 5대 전략 20개 과제를 점검했다."])
    assert counts == Counts(5, 20)
