"""Merging facts into a plan, plan identity and event matching: the pure rules, no database."""

from __future__ import annotations

from datetime import date

import pytest

from extractors import neardup
from planwatch.records import Committee, Counts, PlanFacts
from storage import identity, timeline
from storage.merge import ChangeRecord, PlanState, advance_stage, merge_plan, title_fingerprint

ANYANG_TEXT = (
    "안양시가 24일 시청 4층 회의실에서 제2기 안양시 4차 산업혁명 촉진 종합계획 수립 연구 용역 중간보고회를 "
    "개최했다. 이번 보고회에서는 용역 수행기관의 연구 용역 추진 현황과 향후 계획에 대한 발표가 진행됐다. "
    "시는 지난 1기 계획을 기반으로 자율주행버스 주야로 운행과 스마트도시통합센터 신축 개관 등을 완료했다."
)
BUCHEON_TEXT = (
    "부천시는 지난 16일 4차 산업혁명 촉진을 위한 주요 정책사항들을 논의하기 위해 4차 산업혁명위원회를 "
    "개최했다고 밝혔다. 회의에는 손임성 부시장과 장해영 시의원 등 10명이 참석했다."
)


def facts(**kw) -> PlanFacts:
    base = {"municipality": "부천시", "province": "경기도", "title": "부천시 4차 산업혁명 촉진 종합계획"}
    base.update(kw)
    return PlanFacts(**base)


# --- merge ------------------------------------------------------------------------------------


def test_counts_revision_records_old_and_new_and_keeps_previous():
    state = PlanState(counts=Counts(tasks=7, action_tasks=17), facts_as_of=date(2021, 2, 1), stage="plan_adopted")
    result = merge_plan(state, facts(counts=Counts(tasks=9, action_tasks=31)), event_type="committee_meeting", on=date(2022, 11, 16))
    counts_change = [c for c in result.changes if c.field == "counts"]
    assert counts_change == [
        ChangeRecord(
            "counts",
            {"strategies": None, "tasks": 7, "action_tasks": 17, "projects": None},
            {"strategies": None, "tasks": 9, "action_tasks": 31, "projects": None},
        )
    ]
    assert result.state.counts == Counts(tasks=9, action_tasks=31)
    assert result.state.previous_counts == Counts(tasks=7, action_tasks=17)
    assert state.counts == Counts(tasks=7, action_tasks=17)  # the input state is not modified


def test_an_article_stating_the_revision_records_it_once():
    f = facts(counts=Counts(tasks=9, action_tasks=31), previous_counts=Counts(tasks=7, action_tasks=17))
    first = merge_plan(PlanState(), f, event_type="committee_meeting", on=date(2022, 11, 16), plan_is_new=True)
    assert [c.field for c in first.changes] == ["counts"]
    assert first.changes[0].old["tasks"] == 7 and first.changes[0].new["action_tasks"] == 31
    again = merge_plan(first.state, f, event_type="committee_meeting", on=date(2022, 11, 16))
    assert again.changes == []


def test_a_count_only_one_side_states_is_filled_silently():
    state = PlanState(counts=Counts(strategies=4, tasks=10), facts_as_of=date(2023, 2, 1))
    result = merge_plan(state, facts(counts=Counts(tasks=10, projects=29)), event_type="other", on=date(2023, 3, 1))
    assert result.changes == []
    assert result.state.counts == Counts(strategies=4, tasks=10, projects=29)


def test_an_older_article_fills_gaps_but_revises_nothing():
    state = PlanState(
        title="광양시 4차산업혁명 촉진 기본계획", counts=Counts(strategies=4, tasks=10), facts_as_of=date(2023, 2, 20),
        stage="plan_adopted",
    )
    older = facts(
        municipality="광양시", title="광양시 스마트 미래 전략", counts=Counts(strategies=3, tasks=8, projects=20), vision="미래 도시"
    )
    result = merge_plan(state, older, event_type="plan_interim_report", on=date(2022, 11, 1))
    assert result.changes == []
    assert result.state.counts == Counts(strategies=4, tasks=10, projects=20)
    assert result.state.title == "광양시 4차산업혁명 촉진 기본계획"
    assert result.state.stage == "plan_adopted"
    assert result.state.vision == "미래 도시"  # a gap filled, and an old vision is not news
    assert result.state.facts_as_of == date(2023, 2, 20)


def test_title_written_differently_is_not_a_change():
    state = PlanState(title="제2기 안양시 4차 산업혁명 촉진 종합계획", facts_as_of=date(2024, 9, 24))
    same = merge_plan(state, facts(title="안양시 4차산업혁명 촉진 종합계획(2025-2029)"), event_type=None, on=date(2024, 9, 25))
    assert same.changes == []
    renamed = merge_plan(state, facts(title="안양시 디지털 대전환 기본계획"), event_type=None, on=date(2024, 10, 1))
    assert renamed.changes == [ChangeRecord("title", "제2기 안양시 4차 산업혁명 촉진 종합계획", "안양시 디지털 대전환 기본계획")]
    assert title_fingerprint("'제2기(2025-2029) 안양시 4차 산업혁명 촉진 종합계획 수립 연구 용역'") == title_fingerprint(
        "안양시 4차산업혁명 촉진 종합계획"
    )


def test_period_and_vision_changes():
    state = PlanState(period_start=2025, period_end=2029, facts_as_of=date(2024, 9, 24))
    result = merge_plan(
        state, facts(period_start=2025, period_end=2030, vision="스마트 안양"), event_type=None, on=date(2024, 12, 1)
    )
    assert ChangeRecord("period", "2025-2029", "2025-2030") in result.changes
    assert ChangeRecord("vision", None, "스마트 안양") in result.changes
    new_plan = merge_plan(PlanState(), facts(vision="스마트 안양"), event_type=None, on=None, plan_is_new=True)
    assert new_plan.changes == [] and new_plan.state.vision == "스마트 안양"


def test_committee_and_partners_accumulate():
    state = PlanState(committee=Committee(name="부천시 4차 산업혁명위원회", size=16), partners=["KT"])
    result = merge_plan(
        state, facts(), event_type="mou", on=date(2022, 1, 1), committee=Committee(size=18, chairs=["손임성"]),
        partners=["KT", "서울대학교"],
    )
    assert result.state.committee == Committee(name="부천시 4차 산업혁명위원회", size=18, chairs=["손임성"])
    assert result.state.partners == ["KT", "서울대학교"]
    assert result.changes == []


def test_stage_moves_forward_only():
    assert advance_stage(None, "plan_interim_report") == ChangeRecord("stage", None, "plan_interim_report")
    assert advance_stage("plan_interim_report", "plan_adopted") == ChangeRecord("stage", "plan_interim_report", "plan_adopted")
    assert advance_stage("plan_adopted", "plan_interim_report") is None
    assert advance_stage("plan_adopted", "committee_meeting") == ChangeRecord("stage", "plan_adopted", "committee_meeting")
    assert advance_stage("committee_meeting", "plan_adopted") is None
    # a committee reviewing a draft does not make the plan adopted; MOUs and other news never move it
    assert advance_stage("plan_interim_report", "committee_meeting") is None
    assert advance_stage("plan_kickoff", "mou") is None
    assert advance_stage(None, "other") is None
    assert advance_stage("committee_meeting", "ordinance") is None


def test_stage_change_is_recorded_for_known_plans_only():
    interim = merge_plan(PlanState(), facts(), event_type="plan_interim_report", on=date(2024, 9, 24), plan_is_new=True)
    assert interim.changes == [] and interim.state.stage == "plan_interim_report"
    adopted = merge_plan(interim.state, facts(), event_type="plan_adopted", on=date(2025, 1, 10))
    assert adopted.changes == [ChangeRecord("stage", "plan_interim_report", "plan_adopted")]


# --- identity ---------------------------------------------------------------------------------


def stored(id_: int, phase=None, start=None, end=None, stage=None, active=None, municipality="안양시"):
    ident = identity.PlanIdentity(municipality, "4ir", phase, start, end)
    return identity.StoredPlan(id_, identity.plan_key(ident), ident, stage, active)


def test_plan_keys():
    assert identity.plan_key(identity.PlanIdentity("안양시", "4ir", 2, 2025, 2029)) == "안양시|4ir|phase:2"
    assert identity.plan_key(identity.PlanIdentity("광양시", "4ir", None, 2023, 2027)) == "광양시|4ir|period:2023-2027"
    assert identity.plan_key(identity.PlanIdentity("부천시", "4ir")) == "부천시|4ir|current"
    taken = ["부천시|4ir|current", "부천시|4ir|current:2"]
    assert identity.free_key(identity.PlanIdentity("부천시", "4ir"), taken) == "부천시|4ir|current:3"


def test_different_phases_are_different_plans():
    plans = [stored(1, phase=1, start=2020, end=2024, stage="plan_adopted", active=date(2020, 3, 1))]
    incoming = identity.PlanIdentity("안양시", "4ir", 2, 2025, 2029)
    assert identity.match_plan(incoming, plans, date(2024, 9, 24), "plan_interim_report") is None
    plans.append(stored(2, phase=2, start=2025, end=2029, stage="plan_interim_report", active=date(2024, 9, 24)))
    assert identity.match_plan(incoming, plans, date(2025, 1, 10), "plan_adopted").id == 2


def test_a_period_matches_the_plan_that_states_it_with_a_phase():
    plans = [stored(2, phase=2, start=2025, end=2029, active=date(2024, 9, 24))]
    incoming = identity.PlanIdentity("안양시", "4ir", None, 2025, 2029)
    assert identity.match_plan(incoming, plans, date(2024, 12, 1), "plan_final_report").id == 2


def test_an_open_article_joins_the_plan_being_drafted():
    plans = [
        stored(1, phase=1, start=2020, end=2024, stage="committee_meeting", active=date(2023, 6, 1)),
        stored(2, phase=2, start=2025, end=2029, stage="plan_interim_report", active=date(2024, 9, 24)),
    ]
    open_ = identity.PlanIdentity("안양시", "4ir")
    assert identity.match_plan(open_, plans, date(2024, 12, 1), "plan_final_report").id == 2
    # a steering meeting in 2022 is about the plan in force then
    assert identity.match_plan(open_, plans, date(2022, 5, 1), "committee_meeting").id == 1


def test_a_phase_joins_an_open_plan_only_when_it_was_active_nearby():
    plans = [stored(5, stage="plan_kickoff", active=date(2024, 7, 1))]
    phase2 = identity.PlanIdentity("안양시", "4ir", 2, 2025, 2029)
    assert identity.match_plan(phase2, plans, date(2024, 9, 24), "plan_interim_report").id == 5
    assert identity.match_plan(phase2, plans, date(2029, 9, 24), "plan_interim_report") is None
    assert identity.absorb(plans[0].identity, phase2) == phase2


def test_other_municipalities_and_families_never_match():
    plans = [stored(1, municipality="부천시"), stored(2)]
    other_family = identity.PlanIdentity("안양시", "smart_city")
    assert identity.match_plan(other_family, plans, date(2024, 1, 1), "mou") is None
    assert identity.match_plan(identity.PlanIdentity("부천시", "4ir"), plans, date(2024, 1, 1), None).id == 1


# --- events -----------------------------------------------------------------------------------


def key(type_: str, d: date | None, text: str | None = None, reported: date | None = None, precision: str = "day"):
    signature = neardup.to_bytes(neardup.text_minhash(text)) if text else None
    return timeline.EventKey(type_, d, precision, reported or d, signature)


def test_same_type_within_three_days_is_the_same_event():
    events = [timeline.StoredEvent(1, key("plan_interim_report", date(2024, 9, 24)))]
    assert timeline.find_same_event(events, key("plan_interim_report", date(2024, 9, 26))).id == 1
    assert timeline.find_same_event(events, key("plan_interim_report", date(2024, 9, 28))) is None
    assert timeline.find_same_event(events, key("plan_final_report", date(2024, 9, 24))) is None


def test_month_precision_dates_agree_within_the_month():
    events = [timeline.StoredEvent(1, key("plan_adopted", date(2023, 2, 1), precision="month"))]
    assert timeline.find_same_event(events, key("plan_adopted", date(2023, 2, 20))).id == 1
    assert timeline.find_same_event(events, key("plan_adopted", date(2023, 3, 2))) is None


def test_undated_report_joins_by_near_duplicate_text_within_two_weeks():
    meeting = timeline.StoredEvent(1, key("committee_meeting", date(2022, 11, 16), BUCHEON_TEXT))
    rewrite = BUCHEON_TEXT.replace("개최했다고 밝혔다", "열었다고 18일 밝혔다")
    assert timeline.find_same_event([meeting], key("committee_meeting", None, rewrite, reported=date(2022, 11, 18))).id == 1
    # the same text a month later is another meeting; unrelated text the same week is another event
    assert timeline.find_same_event([meeting], key("committee_meeting", None, rewrite, reported=date(2022, 12, 20))) is None
    assert timeline.find_same_event([meeting], key("committee_meeting", None, ANYANG_TEXT, reported=date(2022, 11, 18))) is None


def test_undated_one_off_step_joins_without_similar_text():
    interim = timeline.StoredEvent(1, key("plan_interim_report", date(2024, 9, 24), ANYANG_TEXT))
    assert timeline.find_same_event([interim], key("plan_interim_report", None, BUCHEON_TEXT, reported=date(2024, 9, 27))).id == 1


def test_outlets_disagreeing_on_the_type_still_make_one_event():
    interim = timeline.StoredEvent(1, key("plan_interim_report", date(2024, 9, 24), ANYANG_TEXT))
    assert timeline.find_same_event([interim], key("plan_final_report", date(2024, 9, 24), ANYANG_TEXT)).id == 1


def test_minhash_survives_bytes_and_separates_texts():
    a = neardup.text_minhash(ANYANG_TEXT)
    assert neardup.similarity(neardup.from_bytes(neardup.to_bytes(a)), a) == 1.0
    assert neardup.text_similarity(ANYANG_TEXT, BUCHEON_TEXT) < 0.1
    assert neardup.text_similarity(ANYANG_TEXT, ANYANG_TEXT.replace("개최했다", "열었다")) > 0.8


def test_stored_signatures_compare_as_datasketch_compares_them():
    texts = [ANYANG_TEXT, BUCHEON_TEXT, ANYANG_TEXT.replace("개최했다", "열었다"), ANYANG_TEXT[: len(ANYANG_TEXT) // 2]]
    for a in texts:
        for b in texts:
            stored_a, stored_b = neardup.signature(a), neardup.signature(b)
            expected = neardup.similarity(neardup.from_bytes(stored_a), neardup.from_bytes(stored_b))
            assert neardup.signature_similarity(stored_a, stored_b) == pytest.approx(expected, abs=1e-12)


def test_a_signature_of_another_shape_is_read_by_datasketch():
    from datasketch import LeanMinHash, MinHash

    other = MinHash(num_perm=neardup.NUM_PERM, seed=neardup.SEED + 1)
    other.update_batch(neardup.shingles(ANYANG_TEXT))
    with pytest.raises(ValueError):  # datasketch refuses to compare different seeds; so do we
        neardup.signature_similarity(neardup.signature(ANYANG_TEXT), neardup.to_bytes(LeanMinHash(other)))
