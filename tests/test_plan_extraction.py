"""Article → Extraction on the five seeds (domain.md's table) and on the rules one by one."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.labelled import read_labelled  # noqa: E402
from extractors.plan import extract_plan  # noqa: E402
from planwatch.records import Article, Counts  # noqa: E402

SEEDS_CLEAN = ROOT / "tests" / "data" / "seeds_clean"
SEED_PUBLISHED = {"000": "2024-09-24 17:16", "001": "2022-11-18 16:55", "002": "2023-02-20 11:25",
                  "003": "2017-08-01 13:13", "004": "2018-04-19 08:49"}


def seed(n: str):
    return extract_plan(read_labelled(SEEDS_CLEAN / f"{n}.txt").article)


def raw_seed(n: str):
    """The naive capture itself, boilerplate and all, with its first line as the title."""
    path = next((ROOT / "seeds").glob(f"{n}_*.txt"))
    title, body = path.read_text("utf-8").split("\n", 1)
    published = datetime.strptime(SEED_PUBLISHED[n], "%Y-%m-%d %H:%M")
    return extract_plan(Article(title=title.strip(), text=body, published=published))


@pytest.fixture(scope="module", params=["clean", "raw"])
def seeds(request):
    get = seed if request.param == "clean" else raw_seed
    return {n: get(n) for n in SEED_PUBLISHED}


def test_all_seeds_relevant_with_their_government_and_event(seeds):
    expected = {
        "000": ("안양시", "경기도", "plan_interim_report", "2024-09-24"),
        "001": ("부천시", "경기도", "committee_meeting", "2022-11-16"),
        "002": ("광양시", "전라남도", "plan_adopted", "2023-02"),
        "003": ("대전광역시", "대전광역시", "committee_launch", "2017-07-31"),
        "004": ("시흥시", "경기도", "mou", "2018-04-17"),
    }
    for n, (muni, prov, etype, edate) in expected.items():
        ex = seeds[n]
        assert ex.relevance.relevant, (n, ex.relevance)
        assert (ex.plan.municipality, ex.plan.province, ex.event.type, ex.event.date_iso()) == (
            muni, prov, etype, edate), n


def test_seed_000_anyang(seeds):
    ex = seeds["000"]
    p = ex.plan
    assert p.title == "제2기(2025-2029) 안양시 4차 산업혁명 촉진 종합계획"
    assert (p.phase, p.period_start, p.period_end, p.family) == (2, 2025, 2029, "4ir")
    assert p.counts.is_empty() and p.previous_counts is None
    assert p.items == []  # the ▲ list is the study's contents, not the plan's parts
    assert (ex.committee.name, ex.committee.size) == ("안양시 4차산업혁명위원회", 13)
    assert "stage:plan_interim_report" in ex.relevance.reasons
    assert "actor:municipality:안양시" in ex.relevance.reasons


def test_seed_001_bucheon(seeds):
    ex = seeds["001"]
    p = ex.plan
    assert p.title == "부천시 4차 산업혁명 촉진 종합계획"
    assert p.vision == "스마트라이프를 위한 첨단융합산업 선도 도시, 부천"
    assert p.counts == Counts(None, 9, 31, None)
    assert p.previous_counts == Counts(None, 7, 17, None)
    assert len(p.items) == 9 and p.items[0] == "5대 특화산업 융합 활성화"
    assert p.items[-1] == "시민체감형 스마트인프라 구축"
    assert ex.committee.size == 16  # "16명으로 구성됐으며", not the 10 who attended
    assert ex.committee.name == "부천시 4차 산업혁명위원회"


def test_seed_002_gwangyang(seeds):
    ex = seeds["002"]
    p = ex.plan
    assert p.title == "광양시 4차산업혁명 촉진 기본계획"
    assert (p.period_start, p.period_end) == (2023, 2027)  # 앞으로 5년간, published in February
    assert p.vision == "ABC 중심의 스마트 청정 미래산업 도시"
    assert p.counts == Counts(4, 10, None, 29)
    assert p.previous_counts is None
    assert len(p.items) == 10 and p.items[0] == "철강산업 산업경쟁력 강화" and p.items[-1] == "광양시 미래 인력 육성"
    assert ex.event.precision == "month"
    assert ex.committee.name == "광양시 4차산업혁명위원회" and ex.committee.size is None


def test_seed_003_daejeon(seeds):
    ex = seeds["003"]
    p = ex.plan
    assert p.title == "4차 산업혁명 특별시 대전육성 기본계획"
    assert p.counts == Counts(4, 17) and p.previous_counts == Counts(3, 12)
    assert len(p.items) == 4
    assert ex.committee.size == 19
    assert ex.committee.chairs == ["권선택 시장", "신성철 카이스트 총장"]


def test_seed_004_siheung(seeds):
    ex = seeds["004"]
    p = ex.plan
    assert p.title == "시흥시 스마트도시계획" and p.family == "smart_city"
    assert p.vision == "지속가능한 스마트 프로슈밍 시티, 시흥"
    assert p.counts.is_empty() and p.items == []
    assert ex.partners == ["서울대학교", "한국전자통신연구원", "한국전력공사", "한국토지주택공사", "한국에너지공단", "KT"]
    assert ex.committee is None


def art(text: str, title: str = "", published: str = "2024-05-20 10:00", **kw) -> Article:
    return Article(title=title, text=text, published=datetime.strptime(published, "%Y-%m-%d %H:%M"), **kw)


def test_boilerplate_cities_never_become_the_actor():
    text = ("시흥시는 지난 17일 스마트시티 추진을 위한 업무협약을 체결했다.\n"
            "많이 본 뉴스더보기\n"
            "1. 과천시, 4차 산업혁명 종합계획 확정 과천시는 지난 21일 4차산업혁명위원회를 열고 기본계획을 의결했다.\n"
            "2. 하남시, 스마트도시계획 수립 착수 하남시는 ...")
    ex = extract_plan(art(text, "시흥시, 스마트시티 업무협약 체결", "2018-04-19 08:49"))
    assert ex.plan.municipality == "시흥시"
    assert ex.event.date_iso() == "2018-04-17"


def test_size_is_composition_not_attendance():
    text = ("군포시는 지난 8일 군포시 4차산업혁명위원회 회의를 열었다고 밝혔다.\n"
            "회의에는 위원 등 12명이 참석했다. 위원회는 교수와 기업인 등 15명으로 구성돼 있다.")
    ex = extract_plan(art(text, "군포시, 4차산업혁명위원회 정기회의 개최"))
    assert ex.committee.size == 15


def test_period_rules():
    base = "안양시는 {} 추진할 4차 산업혁명 촉진 기본계획을 확정했다고 밝혔다."
    cases = {
        "내년부터 5년간": ("2024-11-02 09:00", (2025, 2029)),
        "향후 5년간": ("2024-11-02 09:00", (2025, 2029)),
        "앞으로 5년간": ("2024-03-02 09:00", (2024, 2028)),
        "2021~2025년": ("2020-12-01 09:00", (2021, 2025)),
        "2026년부터 2030년까지": ("2025-06-01 09:00", (2026, 2030)),
        "올해부터 2027년까지": ("2023-01-11 09:00", (2023, 2027)),
    }
    for phrase, (published, period) in cases.items():
        ex = extract_plan(art(base.format(phrase), "안양시, 4차 산업혁명 기본계획 확정", published))
        assert (ex.plan.period_start, ex.plan.period_end) == period, phrase


def test_negative_national_committee_and_opinion():
    national = extract_plan(art(
        "대통령 직속 4차산업혁명위원회는 20일 제10차 회의를 열고 4차 산업혁명 대응 기본계획을 의결했다. "
        "대전과 광주 등 지역 거점도 지정된다.", "4차산업혁명위원회, 기본계획 의결"))
    assert not national.relevance.relevant
    assert "negative:national_committee" in national.relevance.reasons
    opinion = extract_plan(art(
        "[칼럼] 4차 산업혁명 시대, 안양시는 종합계획을 다시 써야 한다\n필자는 안양시가 종합계획을 수립했다고 본다.",
        "[칼럼] 4차 산업혁명과 도시"))
    assert not opinion.relevance.relevant and "negative:opinion" in opinion.relevance.reasons


def test_extraction_is_fast():
    import time

    a = read_labelled(SEEDS_CLEAN / "002.txt").article
    extract_plan(a)
    t = time.perf_counter()
    for _ in range(20):
        extract_plan(a)
    assert (time.perf_counter() - t) / 20 < 0.02


def test_yearly_implementation_plan_and_revision_are_steering():
    annual = extract_plan(art("영천시는 6일 4차산업혁명위원회 정기회의를 열고 '2021년 4차 산업혁명 촉진 시행계획'을 확정했다.",
                              "영천시, 4차 산업혁명 시행계획 확정", "2021-04-07 13:50"))
    assert annual.event.type == "committee_meeting"
    revised = extract_plan(art("강릉시는 최근 4차산업혁명위원회를 열고 기본계획 변경안을 의결했다.",
                               "강릉시, 4차 산업혁명 기본계획 변경안 의결", "2022-06-17 18:10"))
    assert (revised.event.type, revised.event.date_iso()) == ("committee_meeting", "2022-06")


def test_any_text_gives_an_extraction_and_never_raises():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = st.sampled_from(["안양시는", "4차 산업혁명", "종합계획", "지난 31일", "▲", "4대 전략", "‘", "’", "위원회",
                             "중구", "협약을", "체결했다.", "\n", "(2025-2029)", "오는 5일", "명으로 구성", " "])

    @settings(max_examples=60, deadline=None)
    @given(st.lists(words, max_size=40), st.booleans())
    def check(parts, dated):
        text = "".join(parts)
        a = Article(title=text[:30], text=text, published=datetime(2024, 1, 31) if dated else None)
        ex = extract_plan(a)
        assert 0.0 <= ex.relevance.score <= 1.0
        assert (ex.plan is not None) == ex.relevance.relevant

    check()
    assert not extract_plan(Article(title="", text="")).relevance.relevant
