"""``python -m benchmarks.run --quick``: the benchmark harness end to end on a 100-page site.

Site generation, the site served on 127.0.0.1 (Python's server, which every machine
has), planwatch's measured crawl, the ceiling, the incremental runs, the real-page
quality and the report — everything but the peers, which need their own virtualenvs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_quick_benchmark_measures_everything_and_reports_it():
    results = ROOT / "benchmarks" / "RESULTS.md"
    before = results.read_bytes() if results.exists() else None
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--skip-peers", "--server", "python"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = proc.stdout
    planwatch_row = next(line for line in report.splitlines() if line.startswith("| planwatch | `planwatch crawl`"))
    assert "| 1.000 (1.00/1.00) |" in planwatch_row  # every page stored with the expected body
    assert "  planwatch run 1: " in report and ", 100 stored," in report
    assert any(line.startswith("| ceiling ") for line in report.splitlines())
    unchanged = next(line for line in report.splitlines() if line.startswith("| same site again, unchanged |"))
    assert unchanged.split("|")[2].strip() == "0"  # no article requested again
    assert "| +1 new articles (1%) | 1 |" in report and "1 new stored, exactly the new ones" in report
    assert "## Body text on real pages" in report and "## Targets" in report
    assert (results.read_bytes() if results.exists() else None) == before  # a smoke test leaves RESULTS.md alone
