"""The body-text scorer of the benchmarks: CJK text as character bigrams, other text as words."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import quality  # noqa: E402


def test_korean_counts_character_bigrams_across_spaces():
    # expected "시는계획을세웠다": 시는 는계 계획 획을 을세 세웠 웠다 (7)
    # extracted "시가계획을세웠다광고": 시가 가계 계획 획을 을세 세웠 웠다 다광 광고 (9)
    # common: 계획 획을 을세 세웠 웠다 (5) → P 5/9, R 5/7, F1 = 2·(5/9)(5/7) / (5/9 + 5/7) = 50/80
    s = quality.score("시는 계획을 세웠다", "시가 계획을 세웠다 광고")
    assert s.precision == pytest.approx(5 / 9)
    assert s.recall == pytest.approx(5 / 7)
    assert s.f1 == pytest.approx(0.625)
    # a spacing difference between page and annotation is not an error
    assert quality.score("계획을 세웠다", "계획을세웠다").f1 == 1.0


def test_other_text_counts_words():
    # expected: the council adopted the plan (5 words, "the" twice)
    # extracted: the council adopted a plan read more (7): the, council, adopted, plan in common (4)
    # → P 4/7, R 4/5, F1 = 2·(4/7)(4/5) / (4/7 + 4/5) = (32/35) / (48/35) = 2/3
    s = quality.score("The council adopted the plan.", "The Council adopted a plan. Read more")
    assert s.precision == pytest.approx(4 / 7)
    assert s.recall == pytest.approx(4 / 5)
    assert s.f1 == pytest.approx(2 / 3)


def test_units_of_mixed_and_japanese_text():
    assert Counter(quality.units("iPhone을 샀다, 2024년")) == Counter(["을샀", "샀다", "년", "iphone", "2024"])
    assert quality.units("東京に行く") == ["東京", "京に", "に行", "行く"]


def test_empty_texts():
    assert quality.score("가 나", "").f1 == 0.0
    assert quality.score("words here", None).f1 == 0.0
    assert quality.score("", "").f1 == 1.0


def test_a_missing_corpus_is_one_line_not_a_traceback(tmp_path):
    assert quality.missing_corpus(tmp_path) == (
        f"no ko-news-html/ground-truth under {tmp_path} (set PLANWATCH_CORPUS to the shared corpus)")
    (tmp_path / "ko-news-html" / "ground-truth").mkdir(parents=True)
    assert "scrapinghub-article-extraction-benchmark/ground-truth.json" in quality.missing_corpus(tmp_path)
