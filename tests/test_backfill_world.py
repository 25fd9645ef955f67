"""End to end: `planwatch backfill` and `planwatch coverage` on a fixture world (tests/sites/world.py).

Two outlets of different CMS families, a city's press-release board and a portal news
search with date parameters publish five years of articles (and a few older ones,
and a few of the last days). From an empty database, `backfill --since 2020-01-01`
runs with a small page budget until every source's walk is done, then once more:

- every plan article of the window is fetched exactly once (over all runs and all
  sources: an outlet's article the portal also lists is one request), nothing older
  than --since is fetched, and the plans' timelines hold the steps with their dates;
- each run continues where the one before stopped (no article is fetched twice), and
  the run after the walk is done fetches nothing;
- no subscriber is alerted: an immediate subscriber gets no message;
- `coverage --json` reports the world's provinces, plans and governments exactly.

The requests per found article are printed (run with -s to see them). The database is
SQLite or PostgreSQL (``PLANWATCH_TEST_DB``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import pytest
from sites.server import FixtureServer
from sites.world import SINCE, World, build_world, world_config

pytestmark = pytest.mark.slow

MAX_PAGES = 6  # list pages per source and run: several runs are needed
MAX_RUNS = 12


def planwatch(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "planwatch", "--config", str(tmp / "planwatch.toml"), "--db",
           (tmp / "db_url").read_text(), "--outbox", str(tmp / "outbox"), *args]
    proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def rows(db_url: str, query: str) -> list[dict]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(query))]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def world_run(tmp_path_factory, module_db_url):
    tmp = tmp_path_factory.mktemp("world")
    (tmp / "db_url").write_text(module_db_url)
    today = date.today()
    world = World(today, build_world(today))
    with ExitStack() as stack:
        servers = {k: stack.enter_context(FixtureServer()) for k in (*world.outlets, "portal")}
        world.bases = {k: s.url("") for k, s in servers.items() if k != "portal"}
        for key in world.outlets:
            servers[key].routes.update(world.routes(key))
        servers["portal"].routes["/search"] = world.portal_route
        servers["portal"].routes["/robots.txt"] = servers["hanbit"].routes["/robots.txt"]
        (tmp / "planwatch.toml").write_text(world_config(world, servers["portal"].url("")), encoding="utf-8")
        planwatch(tmp, "subscribers", "add", "watcher@example.kr", "--frequency", "immediate")
        runs = []
        for _ in range(MAX_RUNS):
            proc = planwatch(tmp, "backfill", "--since", SINCE.isoformat(), "--max-pages", str(MAX_PAGES), "--json")
            summary = json.loads(proc.stdout)
            logs = {k: list(s.log) for k, s in servers.items()}
            for s in servers.values():
                s.clear_log()
            runs.append((summary, logs))
            if all(src["backfill"]["state"] == "done" for src in summary["sources"]):
                break
        after = planwatch(tmp, "backfill", "--since", SINCE.isoformat(), "--json")
        after_logs = {k: list(s.log) for k, s in servers.items()}
        digest = planwatch(tmp, "digest")
        alerted = sorted((tmp / "outbox").rglob("*.eml")) if (tmp / "outbox").exists() else []
        planwatch(tmp, "subscribers", "add", "past@example.kr", "--provinces", "대구", "--frequency", "weekly")
        history = [planwatch(tmp, "digest", "--history", "--subscriber", "past@example.kr") for _ in range(2)]
        history_mail = sorted((tmp / "outbox").rglob("*.eml"))
        coverage = json.loads(planwatch(tmp, "coverage", "--json").stdout)
        coverage_text = planwatch(tmp, "coverage").stdout
    articles = rows(module_db_url, "SELECT * FROM articles")
    events = rows(module_db_url,
                  "SELECT p.municipality, p.province, p.phase, e.type, e.date,"
                  " (SELECT count(*) FROM event_sources s WHERE s.event_id = e.id) AS sources"
                  " FROM plan_events e JOIN plans p ON p.id = e.plan_id")
    for event in events:
        event["date"] = str(event["date"])  # a date on PostgreSQL, ISO text on SQLite
    items = rows(module_db_url, "SELECT * FROM digest_items")
    deliveries = rows(module_db_url, "SELECT count(*) AS n FROM deliveries")[0]["n"]  # the history digest's only
    return {"world": world, "runs": runs, "after": json.loads(after.stdout), "after_logs": after_logs,
            "digest": digest, "coverage": coverage, "articles": articles, "events": events, "items": items,
            "deliveries": deliveries, "tmp": tmp, "alerted": alerted, "history": history,
            "history_mail": history_mail, "coverage_text": coverage_text}


def article_requests(world: World, logs: dict) -> Counter:
    """Article URL → how often it was requested (over the outlets' and the board's servers)."""
    counts: Counter = Counter()
    for key, outlet in world.outlets.items():
        paths = {outlet.family.article_path(a.key): world.url(key, a) for a in world.articles(key)}
        for request in logs.get(key, []):
            if request.target in paths:
                counts[paths[request.target]] += 1
    return counts


def test_the_walk_needs_several_runs_and_ends(world_run):
    runs = world_run["runs"]
    assert 1 < len(runs) < MAX_RUNS
    first = runs[0][0]
    assert any(src["backfill"]["state"] == "continues" for src in first["sources"])


def test_every_plan_article_of_the_window_is_fetched_exactly_once(world_run):
    world = world_run["world"]
    total: Counter = Counter()
    for _, logs in world_run["runs"]:
        total.update(article_requests(world, logs))
    expected = world.plan_articles()
    assert {url for url in expected if total[url] != 1} == set()
    stored = {a["url"] for a in world_run["articles"]}
    assert set(expected) <= stored
    assert max(total.values()) == 1  # no article of any kind fetched twice


def test_nothing_older_than_since_is_fetched(world_run):
    world = world_run["world"]
    old = {world.url(k, a) for k in world.outlets for a in world.articles(k) if not world.in_window(a)}
    fetched = set()
    for _, logs in world_run["runs"]:
        fetched.update(article_requests(world, logs))
    assert old and not (old & fetched)


def test_timelines_hold_every_step_with_its_date(world_run):
    world = world_run["world"]
    found: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for e in world_run["events"]:
        found.setdefault((e["municipality"], e["phase"]), []).append((e["type"], e["date"]))
    assert {k: sorted(v, key=lambda x: x[1]) for k, v in found.items()} == world.expected_plans()


def test_a_release_and_the_news_a_day_later_are_one_event_with_two_sources(world_run):
    gangneung = [e for e in world_run["events"] if e["municipality"] == "강릉시"]
    assert len(gangneung) == 3
    assert all(e["sources"] == 2 for e in gangneung), gangneung


def test_a_run_after_the_walk_is_done_fetches_nothing(world_run):
    assert all(src["backfill"]["state"] == "done" for src in world_run["after"]["sources"])
    requested = [r.target for log in world_run["after_logs"].values() for r in log if r.path != "/robots.txt"]
    assert requested == []


def test_no_subscriber_is_alerted(world_run):
    assert world_run["items"], "the backfill queued the plans' items"
    assert all(item["queued_at"] is not None and item["history"] for item in world_run["items"])
    assert world_run["alerted"] == []


def test_a_subscriber_who_asks_gets_the_history_once(world_run):
    import email
    from email import policy

    mails = world_run["history_mail"]
    assert len(mails) == 1
    message = email.message_from_bytes(mails[0].read_bytes(), policy=policy.default)
    assert "past@example.kr" in message["To"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "대구광역시" in text and "수성구" in text
    assert "수원시" not in text and "강릉시" not in text  # the subscriber's filter: 대구 only
    assert "1 written to the outbox" in world_run["history"][0].stdout
    assert "nothing to send" in world_run["history"][1].stdout  # asked again: nothing new since


def test_coverage_reports_the_world_exactly(world_run):
    world, report = world_run["world"], world_run["coverage"]
    provinces = {p["province"]: p for p in report["provinces"]}
    assert len(provinces) == 17
    assert provinces["경기도"]["sources"] == ["hanbit"]
    assert provinces["대구광역시"]["sources"] == ["dalgu"]
    assert provinces["경상북도"]["sources"] == ["dalgu"]
    assert provinces["강원특별자치도"]["sources"] == ["gangneung-press"]
    assert provinces["서울특별시"]["sources"] == []
    assert report["national_sources"] == ["nuri-search"]
    expected_plans = world.expected_plans()
    by_province: Counter = Counter()
    governments: dict[str, set[str]] = {}
    province_of = {"수원시": "경기도", "용인시": "경기도", "화성시": "경기도", "대구광역시": "대구광역시",
                   "수성구": "대구광역시", "포항시": "경상북도", "속초시": "강원특별자치도", "강릉시": "강원특별자치도"}
    for municipality, _phase in expected_plans:
        by_province[province_of[municipality]] += 1
        governments.setdefault(province_of[municipality], set()).add(municipality)
    for name, p in provinces.items():
        assert p["plans"] == by_province.get(name, 0), name
        assert p["governments_with_plan"] == len(governments.get(name, ())), name
        assert not (governments.get(name, set()) & set(p["without_plan"])), name
    assert provinces["경기도"]["governments"] == 32
    assert report["totals"]["governments"] == 243
    assert report["totals"]["governments_with_plan"] == len(province_of)
    assert len(report["governments_without_plan"]) == 243 - len(province_of)
    # the last 30 days: two ordinary articles each of 한빛일보 and 달구벌일보, read from their own lists
    assert provinces["경기도"]["articles_recent"] == 2
    assert provinces["대구광역시"]["articles_recent"] == 2
    assert provinces["강원특별자치도"]["articles_recent"] == 0
    states = {s["name"]: s["state"] for s in report["sources"]}
    # the board's newest release and the portal's newest find are of 2021 and 2024: silent, though just read
    assert states == {"hanbit": "ok", "dalgu": "ok", "gangneung-press": "silent", "nuri-search": "silent"}
    assert report["silent_sources"] == ["gangneung-press", "nuri-search"]


def test_coverage_is_printed_as_a_table_and_the_gaps(world_run):
    text = world_run["coverage_text"]
    row = next(line for line in text.splitlines() if "경기도" in line and "of 32" in line)
    assert "3 of 32" in row
    assert "governments with no plan news: 235 of 243" in text
    assert "national sources: nuri-search" in text


def test_requests_per_found_article(world_run):
    """The figure of the closing note: every request the backfill sent, per article it stored."""
    world = world_run["world"]
    requests = sum(len(log) for _, logs in world_run["runs"] for log in logs.values())
    robots = sum(1 for _, logs in world_run["runs"] for log in logs.values() for r in log if r.path == "/robots.txt")
    found = len(world_run["articles"])
    plan_found = len(world.plan_articles())
    ratio = requests / found
    print(f"\nbackfill of the fixture world: {len(world_run['runs'])} runs, {requests} requests "
          f"({robots} robots.txt), {found} articles stored ({plan_found} plan articles): "
          f"{ratio:.2f} requests per found article, {(requests - robots) / found:.2f} without robots.txt, "
          f"{requests / plan_found:.2f} per plan article")
    assert ratio < 3
