"""The shared development set's tune split (../shared/devset, read in place): relevance and place floors.

The floors are what the rules reached on ``tune``; a change that loses any of it fails here.
The ``check`` split is never read by tests: it is only measured (benchmarks/extraction_eval.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.extraction_eval import SHARED_DEVSET, evaluate_shared, read_shared_devset  # noqa: E402

FLOORS = {"relevance_precision": 1.0, "relevance_recall": 1.0, "municipality": 1.0, "province": 1.0}

pytestmark = pytest.mark.skipif(not (SHARED_DEVSET / "labels.jsonl").exists(),
                                reason=f"the shared development set is not at {SHARED_DEVSET}")


@pytest.fixture(scope="module")
def tune_report():
    items = [i for i in read_shared_devset() if i.split == "tune"]
    assert len(items) >= 90 and sum(not i.label["relevant"] for i in items) >= 20
    return evaluate_shared(items)


def test_relevance_floor(tune_report):
    assert tune_report.precision >= FLOORS["relevance_precision"], tune_report.relevance_misses
    assert tune_report.recall >= FLOORS["relevance_recall"], tune_report.relevance_misses


@pytest.mark.parametrize("name", ["municipality", "province"])
def test_place_floor(tune_report, name):
    assert tune_report.fields[name].accuracy >= FLOORS[name], tune_report.fields[name].misses


STEP_REASONS = ("plan_word:", "stage:", "committee:local", "step:")


def told(reasons: list[str]) -> dict[str, bool]:
    return {
        "topic": any(r.startswith("topic:") and not r.startswith("topic:unwatched:") for r in reasons),
        "actor": any(r.startswith("actor:") for r in reasons),
        "step": any(r.startswith(STEP_REASONS) for r in reasons),
        "negative": any(r.startswith("negative:") for r in reasons),
    }


def test_every_decision_keeps_its_reasons():
    from benchmarks.extraction_eval import extract_text_capture

    for item in read_shared_devset():
        if item.split != "tune":
            continue
        _, extraction, refused = extract_text_capture(item.path)
        assert extraction is not None, refused
        said = told(extraction.relevance.reasons)
        if extraction.relevance.relevant:
            assert said["topic"] and said["actor"] and said["step"] and not said["negative"], item.id
        else:  # a rejection names what was missing or what blocked it
            assert said["negative"] or not (said["topic"] and said["actor"] and said["step"]), item.id
