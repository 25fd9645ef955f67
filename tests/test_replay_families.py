"""End to end: the configured plan families reach a replay of saved pages, and the plans keep their family."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from test_replay_seeds import planwatch

PAGES = Path(__file__).parent / "fixtures" / "pages"


def test_watched_families_decide_what_a_replay_stores(tmp_path, db_url):
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("arc_fusion", "json_ld_body", "next_data"):  # ai, informatization, smart_city
        shutil.copy(PAGES / f"{name}.html", pages / f"{name}.html")
    (tmp_path / "planwatch.toml").write_text('[topics]\nfamilies = ["ai", "smart_city"]\n', encoding="utf-8")
    replay = planwatch(tmp_path, db_url, "replay", "--no-digest", str(pages))
    assert "relevant" in replay.stdout
    plans = json.loads(planwatch(tmp_path, db_url, "plans", "--json").stdout)
    assert sorted((p["municipality"], p["family"]) for p in plans) == [("부산광역시", "ai"), ("세종특별자치시", "smart_city")]

    extracted = json.loads(planwatch(tmp_path, db_url, "extract", str(pages / "json_ld_body.html"), "--json").stdout)
    assert extracted["relevant"] is False
    assert "topic:unwatched:informatization" in extracted["relevance"]["reasons"]
