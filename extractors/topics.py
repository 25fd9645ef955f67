"""Plan families and the words that name them: the vocabulary relevance and plan identity read.

A *family* is a kind of local plan the project watches (domain.md, "Scope"): ``4ir``
(4차 산업혁명), ``smart_city`` (스마트도시), ``digital`` (디지털 전환), ``ai`` (인공지능)
and ``informatization`` (정보화, 지능정보화, 데이터 기반 행정, a data plan or committee). Each has a list of
*terms*, plain words as a reader would write them; a user adds terms of their own or
whole families of their own in the ``[topics]`` section of planwatch.toml, and may watch
only some families. The configuration reaches the extractors as a ``TopicVocabulary``,
plain data: the extractors never read the configuration.

Matching is spelling-insensitive: the text and the terms are NFKC-normalized (full-width
``４차`` is ``4차``) and compared with all spacing removed, so ``4 차산업``, ``4차 산업 혁명``
and ``4차산업혁명`` are the same words. A Latin term (``AI``, ``DX``) must stand on its own:
``KAIST`` does not name ``AI``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

FAMILY_NAMES: tuple[str, ...] = ("4ir", "smart_city", "digital", "ai", "informatization")

DEFAULT_TERMS: dict[str, tuple[str, ...]] = {
    "4ir": ("4차 산업혁명", "4차 산업", "4IR"),
    "smart_city": ("스마트도시", "스마트시티", "스마트 city"),
    "digital": ("디지털 전환", "디지털 대전환", "디지털 혁신", "디지털플랫폼", "디지털 트랜스포메이션", "디지털 뉴딜", "DX",
                "스마트 행정"),
    "ai": ("인공지능", "AI"),
    # a government's data plans and its data committee (also 빅데이터 …: a term matches inside a word)
    "informatization": ("정보화", "지능정보", "데이터 기반 행정", "데이터 활용 기본계획", "데이터 기본계획",
                        "데이터 시행계획", "데이터 종합계획", "데이터 위원회"),
}

_SPACE = re.compile(r"\s+")
_LATIN = re.compile(r"[A-Za-z]")


def compact(text: str) -> str:
    """NFKC without any spacing: the form terms are compared in."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def _term_pattern(term: str) -> str:
    word = compact(term)
    body = re.escape(word)
    if _LATIN.match(word[0]):
        body = r"(?<![A-Za-z])" + body
    if _LATIN.match(word[-1]):
        body += r"(?![A-Za-z])"
    return body


@dataclass(frozen=True)
class Family:
    """One plan family: its name and the terms that name its topic."""

    name: str
    terms: tuple[str, ...]
    pattern: re.Pattern[str] = field(compare=False, repr=False)

    @classmethod
    def of(cls, name: str, terms: Iterable[str]) -> Family:
        unique = tuple(dict.fromkeys(t.strip() for t in terms if compact(t)))
        if not unique:
            raise ValueError(f"family {name!r} has no terms")
        longest_first = sorted(unique, key=lambda t: -len(compact(t)))
        return cls(name, unique, re.compile("|".join(_term_pattern(t) for t in longest_first), re.IGNORECASE))

    def first_at(self, compacted: str) -> int | None:
        """Where the family is first named in an already ``compact`` text, or None."""
        m = self.pattern.search(compacted)
        return m.start() if m else None


@dataclass(frozen=True)
class TopicVocabulary:
    """The families the extractors recognize, and which of them are watched."""

    families: tuple[Family, ...]
    watched: frozenset[str]

    @classmethod
    def build(cls, watch: Iterable[str] | None = None,
              extra_terms: Mapping[str, Iterable[str]] | None = None) -> TopicVocabulary:
        """The five default families plus ``extra_terms`` (new names are new families), watching ``watch``.

        ``watch`` None watches every family; a watched name no family has is a ValueError.
        """
        extra = {k: list(v) for k, v in (extra_terms or {}).items()}
        names = list(FAMILY_NAMES) + [n for n in extra if n not in FAMILY_NAMES]
        families = tuple(Family.of(n, [*DEFAULT_TERMS.get(n, ()), *extra.get(n, ())]) for n in names)
        watched = frozenset(names if watch is None else watch)
        unknown = sorted(watched - set(names))
        if unknown:
            raise ValueError(f"unknown plan families {unknown}: known are {names}")
        return cls(families, watched)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.families)

    def families_in(self, text: str) -> list[str]:
        """Every family ``text`` names, in the order of its first mention."""
        compacted = compact(text)
        hits = [(at, i, f.name) for i, f in enumerate(self.families) if (at := f.first_at(compacted)) is not None]
        return [name for _, _, name in sorted(hits)]

    def first_family(self, text: str) -> str | None:
        found = self.families_in(text)
        return found[0] if found else None

    def names_any(self, text: str) -> bool:
        compacted = compact(text)
        return any(f.first_at(compacted) is not None for f in self.families)


@lru_cache(maxsize=1)
def default_vocabulary() -> TopicVocabulary:
    """The five families of domain.md, all watched."""
    return TopicVocabulary.build()
