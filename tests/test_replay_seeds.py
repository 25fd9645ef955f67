"""The acceptance test of the whole pipeline: replaying the five seed captures.

Runs the real command line in a child process on a fresh SQLite file and outbox,
exactly as a user would, and checks the records of domain.md.
"""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def planwatch(tmp_path: Path, db_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "planwatch", "--db", db_url, "--outbox", str(tmp_path / "outbox"), *args]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def replayed(tmp_path_factory, module_db_url):
    tmp = tmp_path_factory.mktemp("replay")
    first = planwatch(tmp, module_db_url, "replay", str(SEEDS))
    plans = json.loads(planwatch(tmp, module_db_url, "plans", "--json").stdout)
    emls_after_first = sorted((tmp / "outbox").rglob("*.eml"))
    second = planwatch(tmp, module_db_url, "replay", str(SEEDS))
    plans_again = json.loads(planwatch(tmp, module_db_url, "plans", "--json").stdout)
    emls_after_second = sorted((tmp / "outbox").rglob("*.eml"))
    return {
        "first": first, "plans": {p["municipality"]: p for p in plans}, "plans_list": plans, "emls": emls_after_first,
        "second": second, "plans_again": plans_again, "emls_again": emls_after_second, "count": len(plans),
    }


def test_five_plans_one_per_seed(replayed):
    assert replayed["count"] == 5
    assert set(replayed["plans"]) == {"안양시", "부천시", "광양시", "대전광역시", "시흥시"}


@pytest.mark.parametrize(
    "municipality, province, event_type, event_date",
    [
        ("안양시", "경기도", "plan_interim_report", "2024-09-24"),
        ("부천시", "경기도", "committee_meeting", "2022-11-16"),
        ("광양시", "전라남도", "plan_adopted", "2023-02"),
        ("대전광역시", "대전광역시", "committee_launch", "2017-07-31"),
        ("시흥시", "경기도", "mou", "2018-04-17"),
    ],
)
def test_each_plan_has_its_event(replayed, municipality, province, event_type, event_date):
    plan = replayed["plans"][municipality]
    assert plan["province"] == province
    assert [(e["type"], e["date"]) for e in plan["timeline"]] == [(event_type, event_date)]
    assert len(plan["timeline"][0]["sources"]) == 1


def test_plan_fields_of_domain_table(replayed):
    p = replayed["plans"]
    anyang = p["안양시"]
    assert anyang["phase"] == 2 and (anyang["period_start"], anyang["period_end"]) == (2025, 2029)
    assert "안양시 4차 산업혁명 촉진 종합계획" in anyang["title"]
    assert all(v is None for v in anyang["counts"].values())

    bucheon = p["부천시"]
    assert bucheon["title"] == "부천시 4차 산업혁명 촉진 종합계획"
    assert bucheon["vision"] == "스마트라이프를 위한 첨단융합산업 선도 도시, 부천"
    assert (bucheon["counts"]["tasks"], bucheon["counts"]["action_tasks"]) == (9, 31)
    assert (bucheon["previous_counts"]["tasks"], bucheon["previous_counts"]["action_tasks"]) == (7, 17)
    assert len(bucheon["items"]) == 9 and bucheon["items"][0] == "5대 특화산업 융합 활성화"

    gwangyang = p["광양시"]
    assert "광양시 4차산업혁명 촉진 기본계획" in gwangyang["title"]
    assert gwangyang["period_end"] - gwangyang["period_start"] == 4
    assert gwangyang["vision"] == "ABC 중심의 스마트 청정 미래산업 도시"
    c = gwangyang["counts"]
    assert (c["strategies"], c["tasks"], c["projects"]) == (4, 10, 29)
    assert len(gwangyang["items"]) == 10 and gwangyang["items"][0] == "철강산업 산업경쟁력 강화"

    daejeon = p["대전광역시"]
    assert daejeon["title"] == "4차 산업혁명 특별시 대전육성 기본계획"
    assert (daejeon["counts"]["strategies"], daejeon["counts"]["tasks"]) == (4, 17)
    assert (daejeon["previous_counts"]["strategies"], daejeon["previous_counts"]["tasks"]) == (3, 12)
    assert len(daejeon["items"]) == 4

    siheung = p["시흥시"]
    assert "스마트도시계획" in siheung["title"]
    assert siheung["vision"] == "지속가능한 스마트 프로슈밍 시티, 시흥"
    assert set(siheung["partners"]) >= {"서울대학교", "한국전자통신연구원", "한국전력공사", "한국토지주택공사",
                                        "한국에너지공단", "KT"}


def test_no_plan_from_boilerplate(replayed):
    for city in ("과천시", "하남시", "이천시", "군포시", "안산시", "화성시", "공주시", "아산시"):
        assert city not in replayed["plans"]


def test_one_digest_listing_five_new_plans(replayed):
    emls = replayed["emls"]
    assert len(emls) == 1, emls
    msg = email.message_from_bytes(emls[0].read_bytes(), policy=email.policy.default)
    assert "새 계획 5건" in str(msg["Subject"])
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    for city in ("안양시", "부천시", "광양시", "대전광역시", "시흥시"):
        assert city in html and city in text
    assert emls[0].with_suffix(".html").exists()


def test_second_replay_stores_nothing_and_sends_nothing(replayed):
    assert replayed["plans_again"] == replayed["plans_list"]
    assert replayed["emls_again"] == replayed["emls"]
    out = replayed["second"].stdout
    assert "new plans" in out
    lines = {line.split()[0] + " " + line.split()[1]: line.split()[-1] for line in out.splitlines()
             if line.strip().startswith(("new plans", "updated plans"))}
    assert lines == {"new plans": "0", "updated plans": "0"}
