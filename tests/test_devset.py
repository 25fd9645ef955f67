"""The labelled development set: the extraction targets hold on the whole set.

The texts and their format are in tests/data/devset (see benchmarks/labelled.py);
the held-out texts in tests/data/devset/heldout are only reported by
benchmarks/extraction_eval.py, except for a floor that catches a collapse.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.extraction_eval import (  # noqa: E402
    HELDOUT,
    TARGETS,
    development_texts,
    evaluate,
)
from benchmarks.labelled import read_dir  # noqa: E402


@pytest.fixture(scope="module")
def dev_report():
    texts = development_texts()
    assert len(texts) >= 75
    assert sum(1 for t in texts if t.expected.get("relevant") == "no") >= 20
    return evaluate(texts)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target(dev_report, name):
    misses = dev_report.fields[name].misses if name in dev_report.fields else dev_report.relevance_misses
    assert dev_report.accuracy(name) >= TARGETS[name], misses


def test_every_field_is_measured(dev_report):
    for name in ("municipality", "event", "event_date", "period", "counts", "previous_counts", "vision",
                 "plan_title", "items", "committee_size", "partners"):
        assert dev_report.fields[name].total >= 5, name


def test_secondary_fields(dev_report):
    for name in ("province", "event_date", "plan_title", "family", "phase", "items", "committee_size", "partners"):
        assert dev_report.fields[name].accuracy >= 0.85, dev_report.fields[name].misses


def test_speed(dev_report):
    assert dev_report.p95_ms() < 20


def test_heldout_does_not_collapse():
    texts = read_dir(HELDOUT)
    assert len(texts) >= 15
    report = evaluate(texts)
    assert report.f1 >= 0.8 and report.fields["municipality"].accuracy >= 0.8
