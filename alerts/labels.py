"""The words a digest is written in: stage names, section titles, figure and field labels, per language.

Korean is the default; English is the variant for ``language = "en"``. Templates get
one of these tables as ``t`` and never spell a label themselves, so a translation
or a renamed stage is a change in one place.
"""

from __future__ import annotations

from typing import Any

LANGUAGES: tuple[str, ...] = ("ko", "en")
DEFAULT_LANGUAGE = "ko"

STAGE_LABELS: dict[str, dict[str, str]] = {
    "ko": {
        "ordinance": "조례 제정",
        "committee_launch": "위원회 출범",
        "plan_kickoff": "수립 용역 착수보고회",
        "plan_interim_report": "중간보고회",
        "plan_final_report": "최종보고회",
        "plan_adopted": "확정",
        "committee_meeting": "위원회 회의",
        "mou": "업무협약",
        "other": "기타",
    },
    "en": {
        "ordinance": "ordinance enacted",
        "committee_launch": "committee launched",
        "plan_kickoff": "kick-off report",
        "plan_interim_report": "interim report",
        "plan_final_report": "final report",
        "plan_adopted": "plan adopted",
        "committee_meeting": "committee meeting",
        "mou": "MOU signed",
        "other": "other",
    },
}

# The plan families of extractors.topics, as a reader names them.
FAMILY_LABELS: dict[str, dict[str, str]] = {
    "ko": {"4ir": "4차 산업혁명", "smart_city": "스마트도시", "digital": "디지털 전환", "ai": "인공지능",
           "informatization": "정보화"},
    "en": {"4ir": "4IR", "smart_city": "smart city", "digital": "digital", "ai": "AI",
           "informatization": "informatization"},
}

COUNT_FIELDS: tuple[str, ...] = ("strategies", "tasks", "action_tasks", "projects")

COUNT_LABELS: dict[str, dict[str, str]] = {
    "ko": {"strategies": "전략", "tasks": "과제", "action_tasks": "실행과제", "projects": "사업"},
    "en": {
        "strategies": "strategies",
        "tasks": "tasks",
        "action_tasks": "action tasks",
        "projects": "projects",
    },
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "ko": {
        "stage": "단계",
        "counts": "규모",
        "period": "기간",
        "period_start": "시작 연도",
        "period_end": "종료 연도",
        "title": "계획명",
        "vision": "비전",
        "phase": "기수",
        "items": "추진 과제",
        "committee": "위원회",
        "partners": "협약 기관",
        "date": "일자",
        **COUNT_LABELS["ko"],
    },
    "en": {
        "stage": "stage",
        "counts": "size",
        "period": "period",
        "period_start": "first year",
        "period_end": "last year",
        "title": "title",
        "vision": "vision",
        "phase": "phase",
        "items": "items",
        "committee": "committee",
        "partners": "partners",
        "date": "date",
        **COUNT_LABELS["en"],
    },
}

TEXT: dict[str, dict[str, str]] = {
    "ko": {
        "brand": "planwatch",
        "title": "지자체 4차 산업혁명 계획 소식",
        "greeting": "{name}님, 새로 확인된 소식입니다.",
        "greeting_anonymous": "새로 확인된 소식입니다.",
        "new_plans": "새 계획",
        "updated_plans": "변경된 계획",
        "news": "기타 관련 소식",
        "stage": "단계",
        "event_date": "일자",
        "period": "기간",
        "vision": "비전",
        "figures": "규모",
        "phase": "제{phase}기",
        "changes": "변경 내용",
        "sources": "출처",
        "years": "{n}년",
        "unknown_outlet": "기사",
        "unsubscribe": "수신을 원하지 않으면 이 메일에 회신하거나 관리자에게 "
        "수신 해지(planwatch subscribers remove {email})를 요청하세요.",
        "footer": "planwatch가 지역 언론 보도에서 자동으로 정리한 내용입니다. 원문을 확인하세요.",
        "manage": "구독 설정 변경 (지역, 빈도, 언어, 일시 중지)",
        "unsubscribe_link": "수신 거부",
        "subject_new": "새 계획 {n}건",
        "subject_updated": "변경 {n}건",
        "subject_news": "소식 {n}건",
        "subject_update_mark": "변경",
        "subject_more": "외 {n}건",
        "more": "외 {n}건은 메일이 너무 길어지지 않도록 다음 메일로 보냅니다.",
        "more_link": "지금 전체 목록 보기",
        "none": "없음",
    },
    "en": {
        "brand": "planwatch",
        "title": "Local 4th Industrial Revolution plans",
        "greeting": "Hello {name}, here is what is new.",
        "greeting_anonymous": "Here is what is new.",
        "new_plans": "New plans",
        "updated_plans": "Updated plans",
        "news": "Other relevant news",
        "stage": "Stage",
        "event_date": "Date",
        "period": "Period",
        "vision": "Vision",
        "figures": "Size",
        "phase": "phase {phase}",
        "changes": "Changes",
        "sources": "Sources",
        "years": "{n} years",
        "unknown_outlet": "article",
        "unsubscribe": "To stop these messages, reply to this one or ask the administrator to run "
        "planwatch subscribers remove {email}.",
        "footer": "Compiled automatically by planwatch from regional news reports. Check the originals.",
        "manage": "Change your subscription (places, frequency, language, pause)",
        "unsubscribe_link": "Unsubscribe",
        "subject_new": "new plans: {n}",
        "subject_updated": "updated: {n}",
        "subject_news": "news: {n}",
        "subject_update_mark": "updated",
        "subject_more": "{n} more",
        "more": "And {n} more, sent in the next message to keep this one short.",
        "more_link": "See the full list now",
        "none": "none",
    },
}


def labels_for(language: str) -> dict[str, Any]:
    """Everything a template needs to speak ``language`` (unknown languages fall back to Korean)."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return {**TEXT[lang], "stages": STAGE_LABELS[lang], "fields": FIELD_LABELS[lang], "lang": lang}


def stage_label(stage: str | None, language: str) -> str | None:
    if stage is None:
        return None
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return STAGE_LABELS[lang].get(stage, stage)
