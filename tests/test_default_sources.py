"""The shipped configuration (planwatch/default_config.toml) watches every province: at least two regional outlets for each of the 17.

An outlet is a paper's site (its feed and its search are one outlet); the wire
services' regional sections and the portal searches come on top and are not counted.
Every preset the file names must be one a fixture site of its family is crawled
with (tests/test_crawl_sites.py, tests/test_crawl_families.py).
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from sites.families import FAMILIES

from extractors.gazetteer import load_gazetteer
from planwatch.config import load_config

ROOT = Path(__file__).resolve().parents[1]
WIRE_PRESETS = {"yna", "newsis", "news1"}
PRESETS_WITH_FIXTURES = {"ndsoft", "article-php", *FAMILIES}


def regional_outlets() -> dict[str, set[str]]:
    by_province: dict[str, set[str]] = defaultdict(set)
    for source in load_config(str(ROOT / "planwatch" / "default_config.toml")).sources:
        if source.preset in WIRE_PRESETS or not source.provinces:
            continue
        host = source.site_host().removeprefix("www.")
        for province in source.provinces:
            by_province[province].add(host)
    return by_province


def test_every_province_has_at_least_two_regional_outlets():
    provinces = {g.name for g in load_gazetteer().provinces}
    assert len(provinces) == 17
    outlets = regional_outlets()
    thin = {p: sorted(outlets.get(p, ())) for p in provinces if len(outlets.get(p, ())) < 2}
    assert not thin, f"provinces with fewer than two outlets: {thin}"


def test_every_province_has_a_wire_service_section():
    covered = set()
    for source in load_config(str(ROOT / "planwatch" / "default_config.toml")).sources:
        if source.preset in WIRE_PRESETS:
            covered.update(source.provinces)
    assert covered == {g.name for g in load_gazetteer().provinces}


def test_every_preset_in_use_has_a_fixture_site():
    used = {s.preset for s in load_config(str(ROOT / "planwatch" / "default_config.toml")).sources if s.preset}
    assert used <= PRESETS_WITH_FIXTURES, used - PRESETS_WITH_FIXTURES


def test_sources_check_passes_on_the_shipped_file():
    proc = subprocess.run([sys.executable, "-m", "planwatch", "--config", str(ROOT / "planwatch" / "default_config.toml"),
                           "sources", "--check"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    count = len(load_config(str(ROOT / "planwatch" / "default_config.toml")).sources)
    assert proc.stdout.strip().startswith(f"{count} sources OK")
