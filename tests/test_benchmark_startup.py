"""``python -m benchmarks.startup --runs 1``: the start-up benchmark end to end, on a site served on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_startup_benchmark_measures_every_command_against_python(tmp_path):
    out = tmp_path / "startup"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.startup", "--runs", "1", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines()
            if line.startswith("| ") and not line.startswith(("| command", "| crawl process", "| ---"))]
    assert [r.split("|")[1].strip() for r in rows] == ["python -c pass", "--version", "status", "plans",
                                                       "unchanged re-crawl", "spawn (a fresh interpreter)",
                                                       "forked from the crawl forkserver"]
    assert rows[0].split("|")[4].strip() == "1.0×" and rows[5].split("|")[3].strip() == "1.00"
    figures = json.loads((out / "startup.json").read_text(encoding="utf-8"))
    assert all(len(r["walls"]) == 1 and not r["failures"] for r in figures["commands"])
    assert {name: len(walls) for name, walls in figures["service_crawls"].items()} == {"spawn": 1, "forkserver": 1}
    requests = [line.split() for line in (out / "requests.log").read_text().splitlines()]
    articles = [r[2] for r in requests if "articleView" in r[2]]
    assert len(articles) == len(set(articles)) == 50  # fetched by the preparing crawl; no re-crawl fetched one again
