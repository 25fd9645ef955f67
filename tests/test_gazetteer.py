"""The gazetteer table is complete and finds governments in text, homonyms included."""

from __future__ import annotations

from collections import Counter

import pytest

from extractors.gazetteer import load_gazetteer


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def test_table_has_every_government(gaz):
    levels = Counter(g.level for g in gaz.governments)
    assert levels == {"광역": 17, "시": 75, "군": 82, "구": 69}
    assert len(gaz.governments) == 243
    assert len({(g.name, g.province) for g in gaz.governments}) == 243


@pytest.mark.parametrize(
    "province, gu, gun, si",
    [
        ("서울특별시", 25, 0, 0), ("부산광역시", 15, 1, 0), ("대구광역시", 7, 2, 0), ("인천광역시", 8, 2, 0),
        ("광주광역시", 5, 0, 0), ("대전광역시", 5, 0, 0), ("울산광역시", 4, 1, 0), ("세종특별자치시", 0, 0, 0),
        ("경기도", 0, 3, 28), ("강원특별자치도", 0, 11, 7), ("충청북도", 0, 8, 3), ("충청남도", 0, 7, 8),
        ("전북특별자치도", 0, 8, 6), ("전라남도", 0, 17, 5), ("경상북도", 0, 12, 10), ("경상남도", 0, 10, 8),
        ("제주특별자치도", 0, 0, 0),
    ],
)
def test_each_province_has_its_governments(gaz, province, gu, gun, si):
    inside = Counter(g.level for g in gaz.governments if g.province == province and not g.is_metro)
    assert (inside["구"], inside["군"], inside["시"]) == (gu, gun, si)


def test_current_names_and_boundaries(gaz):
    assert gaz.get("군위군").province == "대구광역시"
    assert gaz.get("부천시").province == "경기도"
    assert gaz.get("화성시").province == "경기도"
    assert gaz.get("고성군", "강원특별자치도").level == "군"
    assert gaz.get("고성군", "경상남도").level == "군"
    assert {g.province for g in gaz.governments if g.name == "중구"} == {
        "서울특별시", "부산광역시", "대구광역시", "인천광역시", "대전광역시", "울산광역시"}
    assert {g.province for g in gaz.governments if g.name == "강서구"} == {"서울특별시", "부산광역시"}
    with pytest.raises(KeyError):
        gaz.get("원미구")  # 부천시 has had no districts since 2016


@pytest.mark.parametrize(
    "surface, official, province",
    [
        ("대전시", "대전광역시", "대전광역시"), ("세종시", "세종특별자치시", "세종특별자치시"),
        ("강원도", "강원특별자치도", "강원특별자치도"), ("전라북도", "전북특별자치도", "전북특별자치도"),
        ("전북도", "전북특별자치도", "전북특별자치도"), ("제주도", "제주특별자치도", "제주특별자치도"),
        ("안양", "안양시", "경기도"), ("광양", "광양시", "전라남도"), ("서울시", "서울특별시", "서울특별시"),
    ],
)
def test_short_forms_and_former_names(gaz, surface, official, province):
    (m,) = gaz.mentions(f"{surface}는 계획을 세웠다")
    (g,) = m.candidates
    assert (g.name, g.province) == (official, province)


def test_names_only_as_whole_words(gaz):
    assert gaz.mentions("디지털 대전환으로 집중구역의 서구권 문화와 예산 10억, 음성 인식") == []
    found = [m.surface for m in gaz.mentions("최대호 안양시장은 부천시의회와 시흥시청에서")]
    assert found == ["안양시", "부천시", "시흥시"]


def test_homonym_districts_take_the_city_before_them(gaz):
    ms = gaz.mentions("부산 중구와 대구 중구, 인천 서구")
    districts = [(m.surface, m.candidates[0].province) for m in ms if not m.context_only]
    assert districts == [("중구", "부산광역시"), ("중구", "대구광역시"), ("서구", "인천광역시")]


def test_homonyms_resolved_by_article_then_outlet(gaz):
    (m,) = gaz.mentions("고성군은 계획을 확정했다")
    assert len(m.candidates) == 2
    named = gaz.named_provinces(gaz.mentions("강원 속초시와 양양군 등 동해안"))
    assert gaz.resolve(m, named).province == "강원특별자치도"
    assert gaz.resolve(m, Counter(), outlet="경남신문").province == "경상남도"
    (gwangju,) = gaz.mentions("광주시는")
    assert gaz.resolve(gwangju, Counter()).name == "광주광역시"
    assert gaz.resolve(gwangju, gaz.named_provinces(gaz.mentions("경기 하남시와"))).name == "광주시"


def test_district_of_a_city_without_autonomy_is_not_a_government(gaz):
    ms = gaz.mentions("포항시 남구 일대")
    assert [m.surface for m in ms] == ["포항시"]


def test_user_typed_names_normalize_to_official_ones():
    from extractors.gazetteer import normalize_municipality, normalize_province

    assert normalize_province("경기") == "경기도"
    assert normalize_province("강원도") == "강원특별자치도"
    assert normalize_province("전라북도") == "전북특별자치도"
    assert normalize_province("안양") is None
    assert normalize_municipality("안양") == "안양시"
    assert normalize_municipality("대전시") == "대전광역시"
    assert normalize_municipality("부산 중구") == "중구"
    assert normalize_municipality("서울 해운대구") is None  # 해운대구 is in 부산
    assert normalize_municipality("없는시") is None
