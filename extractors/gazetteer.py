"""The Korean local governments: official names, provinces, and where a text names them.

The table ``data/gazetteer.tsv`` lists all 17 광역 and 226 기초 governments in force
2024-2026 (군위군 in 대구광역시, 강원특별자치도, 전북특별자치도, 부천시 as one 시)
with the short forms and older names a news text uses for them (대전시 → 대전광역시,
전라북도 → 전북특별자치도, 안양 → 안양시). Several 기초 names exist more than once
(중구, 동구, 서구, 남구, 북구, 강서구, 고성군) and ``광주시`` is both 광주광역시 and a
시 in 경기도: such a mention keeps all its candidates until ``resolve`` picks one
from the province named just before it, the provinces the article names, or the
outlet's home region.

A name is recognized only as a whole word, optionally followed by a Korean
particle or an office suffix (``안양시장은``, ``부천시의회``, ``시흥시와``), so
``대전환`` is not 대전 and ``집중구역`` is not 중구.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

METRO = "광역"
LEVELS = (METRO, "시", "군", "구")

# What may follow a government's name inside one word. Particles first, then the
# office words a name combines with (시장 = mayor, 시청 = city hall, 시의회 = council).
PARTICLES = (
    "은|는|이|가|을|를|의|에|에서|에서는|에서도|에선|에게|와|과|와의|과의|와도|과도|도|로|으로|로서|으로서|"
    "로는|으로는|만|만의|까지|부터|보다|처럼|에는|에도|이다|이며|이고|이라는|라는|이라고|라고|이나|나|엔|랑|이랑"
)
OFFICE_WORDS = "청|청장|장|민|민들|의회|정|내|형|당국|관내|장과|장이"
OFFICIAL_SUFFIX = re.compile(rf"^(?:(?:{OFFICE_WORDS})(?:{PARTICLES})?|(?:{PARTICLES}))?$")
SHORT_SUFFIX = re.compile(rf"^(?:형|발)?(?:{PARTICLES})?$")

WORD = re.compile(r"[가-힣A-Za-z0-9]+")
ONLY_SPACE = re.compile(r"^[ \t]{0,3}$")


@dataclass(frozen=True)
class Government:
    """One local government of the table."""

    name: str  # official name: 안양시, 대전광역시, 강원특별자치도
    level: str  # 광역 | 시 | 군 | 구
    province: str  # the 광역 containing it; itself for a 광역
    short: str | None = None  # the bare short form matched in text (안양), if safe
    other_names: tuple[str, ...] = ()  # 대전시, 전라북도 ...

    @property
    def is_metro(self) -> bool:
        return self.level == METRO

    @property
    def is_city_with_districts(self) -> bool:
        """A 광역시 / 특별시 (has 자치구 or 군), as opposed to a 도."""
        return self.is_metro and not self.name.endswith("도")


@dataclass
class Mention:
    """One place in a text that names a government (possibly one of several)."""

    start: int
    end: int  # end of the name itself; the particle or office word follows
    surface: str
    form: str  # official | alias | short
    candidates: tuple[Government, ...]
    suffix: str = ""
    qualifier: Government | None = None  # a 광역 named just before: 부산 중구
    qualifies_next: bool = False  # this mention is itself only the qualifier of the next

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def context_only(self) -> bool:
        """Names a province as a place, not as an actor (경기 안양시, bare 경기)."""
        if self.qualifies_next:
            return True
        return all(g.is_metro and not g.is_city_with_districts for g in self.candidates) and self.form == "short"


class Gazetteer:
    """The table plus lookups by name and the mention finder."""

    def __init__(self, governments: Iterable[Government], outlet_regions: dict[str, str] | None = None):
        self.governments: tuple[Government, ...] = tuple(governments)
        self.outlet_regions = dict(outlet_regions or {})
        self._by_surface: dict[str, list[tuple[Government, str]]] = {}
        for g in self.governments:
            self._add(g.name, g, "official")
            for other in g.other_names:
                self._add(other, g, "alias")
            if g.short:
                self._add(g.short, g, "short")
        self._max_len = max(len(s) for s in self._by_surface)

    def _add(self, surface: str, government: Government, form: str) -> None:
        entries = self._by_surface.setdefault(surface, [])
        if all(e[0] != government for e in entries):
            entries.append((government, form))

    # -- lookups -----------------------------------------------------------

    @property
    def provinces(self) -> tuple[Government, ...]:
        return tuple(g for g in self.governments if g.is_metro)

    def province(self, name: str) -> Government:
        for g in self.provinces:
            if g.name == name or name in g.other_names or name == g.short:
                return g
        raise KeyError(name)

    def get(self, name: str, province: str | None = None) -> Government:
        """The one government an official name (plus its province for homonyms) denotes."""
        found = [g for g in self.governments if g.name == name and (province is None or g.province == province)]
        if len(found) != 1:
            raise KeyError(f"{name} ({province or 'any province'}): {len(found)} governments")
        return found[0]

    def candidates(self, surface: str) -> tuple[Government, ...]:
        return tuple(g for g, _ in self._by_surface.get(surface, ()))

    def province_of_outlet(self, outlet: str | None) -> str | None:
        if not outlet:
            return None
        for name, region in self.outlet_regions.items():
            if name in outlet:
                return region
        return None

    # -- finding names in text -----------------------------------------------

    def mentions(self, text: str) -> list[Mention]:
        """Every government named in ``text``, in order, with qualifiers attached."""
        found: list[Mention] = []
        for word in WORD.finditer(text):
            m = self._match_word(word.group(), word.start())
            if m is not None:
                found.append(m)
        return self._attach_qualifiers(found, text)

    def _match_word(self, word: str, offset: int) -> Mention | None:
        for length in range(min(len(word), self._max_len), 1, -1):
            entries = self._by_surface.get(word[:length])
            if not entries:
                continue
            rest = word[length:]
            ok = [(g, form) for g, form in entries if _suffix_fits(form, rest)]
            if not ok:
                continue
            form = "official" if any(f == "official" for _, f in ok) else ok[0][1]
            return Mention(offset, offset + length, word[:length], form, tuple(g for g, _ in ok), rest)
        return None

    @staticmethod
    def _attach_qualifiers(found: list[Mention], text: str) -> list[Mention]:
        """``부산 중구`` → 중구 of 부산; ``포항시 남구`` → an 일반구 of 포항시, dropped."""
        kept: list[Mention] = []
        for m in found:
            prev = kept[-1] if kept else None
            adjacent = prev is not None and not prev.suffix and ONLY_SPACE.match(text[prev.end:m.start]) is not None
            if adjacent and prev is not None:
                metros = [g for g in prev.candidates if g.is_metro]
                inside = [g for g in m.candidates if any(g.province == p.name for p in metros) and not g.is_metro]
                if metros and inside:
                    m.candidates = tuple(inside)
                    m.qualifier = next(p for p in metros if p.name == inside[0].province)
                    prev.qualifies_next = True
                elif any(g.level == "시" for g in prev.candidates) and all(g.level == "구" for g in m.candidates):
                    continue  # a district of a city without autonomy (포항시 남구, 수원시 장안구)
            kept.append(m)
        return kept

    # -- homonyms ------------------------------------------------------------

    def resolve(self, mention: Mention, named_provinces: Counter[str], outlet: str | None = None) -> Government:
        """Pick one candidate: qualifier, then provinces the article names, then the outlet's region."""
        cands = mention.candidates
        if len(cands) == 1:
            return cands[0]
        best = max(cands, key=lambda g: named_provinces.get(g.province, 0))
        if named_provinces.get(best.province, 0) > 0 and sum(
            1 for g in cands if named_provinces.get(g.province, 0) == named_provinces[best.province]
        ) == 1:
            return best
        home = self.province_of_outlet(outlet)
        for g in cands:
            if home and g.province == home:
                return g
        # 광주 and 광주시 alone mean the 광역시 far more often than 경기도's 광주시.
        metros = [g for g in cands if g.is_metro]
        return metros[0] if metros else cands[0]

    def named_provinces(self, mentions: Iterable[Mention]) -> Counter[str]:
        """How often each 광역 is named, directly or through an unambiguous 기초 inside it."""
        counts: Counter[str] = Counter()
        for m in mentions:
            if m.qualifier is not None:
                counts[m.qualifier.name] += 2
            provinces = {g.province for g in m.candidates}
            if len(provinces) == 1:
                counts[provinces.pop()] += 1
        return counts


def _suffix_fits(form: str, rest: str) -> bool:
    if not rest:
        return True
    return bool((SHORT_SUFFIX if form == "short" else OFFICIAL_SUFFIX).match(rest))


def _read_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The shipped table, read once."""
    data = files("extractors") / "data"
    governments = []
    for name, level, province, short, others in _read_rows((data / "gazetteer.tsv").read_text("utf-8")):
        if level not in LEVELS:
            raise ValueError(f"gazetteer.tsv: {name}: unknown level {level!r}")
        other_names = tuple(o for o in others.split(",") if o and o != "-" and o != name)
        governments.append(Government(name, level, province, None if short == "-" else short, other_names))
    regions = {r[0]: r[1] for r in _read_rows((data / "outlet_regions.tsv").read_text("utf-8"))}
    return Gazetteer(governments, regions)


def normalize_province(name: str) -> str | None:
    """The official name of a 광역 government from any form a user types (경기, 강원도) or None."""
    try:
        return load_gazetteer().province(name.strip()).name
    except KeyError:
        return None


def normalize_municipality(name: str) -> str | None:
    """The official name of a local government (안양 → 안양시; 부산 중구 → 중구) or None.

    A name several governments share (중구, 고성군) is accepted as it is: a filter on it
    matches each of them. A short form that names different governments (광주) is not.
    """
    gazetteer = load_gazetteer()
    words = name.split()
    if len(words) == 2 and normalize_province(words[0]):
        try:
            return gazetteer.get(gazetteer.candidates(words[1])[0].name, normalize_province(words[0])).name
        except (KeyError, IndexError):
            return None
    names = {g.name for g in gazetteer.candidates(name.strip())}
    return names.pop() if len(names) == 1 else None
