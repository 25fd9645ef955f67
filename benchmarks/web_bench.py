"""The web desk's latency with 10,000 plans: the plan list and a plan's page over loopback.

    .venv/bin/python -m benchmarks.web_bench                 # 10,000 plans, 200 requests per page kind
    .venv/bin/python -m benchmarks.web_bench --plans 1000 --requests 50 --no-results-file   # a smoke run

A SQLite database (or ``--db URL``, e.g. an empty PostgreSQL database) is filled with
generated plans: municipalities of the gazetteer, the five plan families, one to three
events each with one source article, items and a vision. ``planwatch serve`` runs as a real
process on 127.0.0.1; one keep-alive connection asks each kind of page ``--requests`` times,
in turns, after a warm-up. The baseline is ``/healthz`` (one ``SELECT 1``) measured in the
same run, so the ratios say what the pages cost beyond the framework and the connection.
The report replaces the ``web desk`` section of benchmarks/RESULTS.md (between its markers).
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parents[1]
RESULTS_MD = REPO / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- web-desk results: written by benchmarks/web_bench.py -->", "<!-- /web-desk results -->"
FAMILIES = ("4ir", "smart_city", "digital", "ai", "informatization")
EVENTS = ("ordinance", "committee_launch", "plan_kickoff", "plan_interim_report", "plan_final_report",
          "plan_adopted", "committee_meeting", "mou")
WORDS = ("스마트", "디지털", "데이터", "인공지능", "미래산업", "혁신", "플랫폼", "모빌리티", "에너지", "시민")
FAMILY_NAMES = {"4ir": "4차 산업혁명 촉진 종합계획", "smart_city": "스마트도시계획", "digital": "디지털 전환 종합계획",
                "ai": "인공지능 산업 육성 계획", "informatization": "지역정보화 기본계획"}


def fill(db_url: str, plans: int, seed: int = 16) -> None:
    """``plans`` generated plans with their events, sources and changes, inserted in bulk."""
    from extractors.gazetteer import load_gazetteer
    from storage import models as m
    from storage.db import open_database

    rng = random.Random(seed)
    governments = [g for g in load_gazetteer().governments]
    db = open_database(db_url)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    plan_rows, event_rows, article_rows, source_rows, change_rows = [], [], [], [], []
    for i in range(1, plans + 1):
        gov = governments[i % len(governments)]
        family = FAMILIES[i % len(FAMILIES)]
        phase = 1 + i // len(governments) // len(FAMILIES)
        start = rng.randint(2017, 2026)
        words = rng.sample(WORDS, 3)
        plan_rows.append({
            "id": i, "key": f"{gov.name}|{gov.province}|{family}|{phase}", "municipality": gov.name,
            "province": gov.province, "family": family, "title": f"제{phase}기 {gov.name} {FAMILY_NAMES[family]}",
            "phase": phase, "period_start": start, "period_end": start + 4,
            "vision": f"{words[0]}·{words[1]}으로 여는 {words[2]} 도시, {gov.name}",
            "strategies": rng.randint(3, 6), "tasks": rng.randint(8, 20), "action_tasks": None, "projects": None,
            "items": [f"{w} 기반 {rng.choice(WORDS)} 산업 육성" for w in words], "partners": [],
            "stage": None, "created_at": now - timedelta(days=rng.randint(0, 900)),
            "updated_at": now - timedelta(days=rng.randint(0, 900)),
        })
        day = date(start, 1, 1) + timedelta(days=rng.randint(0, 300))
        for k in range(rng.randint(1, 3)):
            event_id = len(event_rows) + 1
            kind = EVENTS[(i + k) % len(EVENTS)]
            event_rows.append({"id": event_id, "plan_id": i, "type": kind, "date": day, "date_precision": "day",
                               "first_reported": day, "created_at": now})
            article_id = len(article_rows) + 1
            article_rows.append({
                "id": article_id, "canonical_url": f"https://news.example.kr/{article_id}",
                "url": f"https://news.example.kr/{article_id}", "content_hash": f"{article_id:064x}",
                "title": f"{gov.name}, {FAMILY_NAMES[family]} {kind} 개최", "outlet": "예시일보",
                "published": datetime.combine(day, datetime.min.time()) + timedelta(hours=10),
                "text": "본문", "relevant": True, "relevance_score": 0.9, "relevance_reasons": ["topic:4ir"],
                "created_at": now,
            })
            source_rows.append({"event_id": event_id, "article_id": article_id, "created_at": now})
            day += timedelta(days=rng.randint(20, 200))
        plan_rows[-1]["stage"] = event_rows[-1]["type"]
        if i % 3 == 0:
            change_rows.append({"plan_id": i, "event_id": event_rows[-1]["id"], "field": "counts",
                                "old": {"tasks": 7}, "new": {"tasks": plan_rows[-1]["tasks"]}, "created_at": now})
    with db.session() as session:
        for model, rows in ((m.Plan, plan_rows), (m.PlanEvent, event_rows), (m.Article, article_rows),
                            (m.EventSource, source_rows), (m.PlanChange, change_rows)):
            for start_at in range(0, len(rows), 2000):
                session.execute(model.__table__.insert(), rows[start_at:start_at + 2000])
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:  # ids were given explicitly: move the sequences past them
            for table in ("plans", "plan_events", "articles", "plan_changes"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db_url: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PLANWATCH_WEB_SECRET": "benchmark-secret-0123456789abcdef"}
    env.pop("PLANWATCH_ADMIN_TOKEN", None)
    (workdir / "planwatch.toml").write_text("", encoding="utf-8")
    with open(workdir / "serve.log", "wb") as log:  # the child keeps its own copy
        proc = subprocess.Popen(
            [sys.executable, "-m", "planwatch", "--config", str(workdir / "planwatch.toml"), "--db", db_url,
             "--outbox", str(workdir / "outbox"), "serve", "--port", str(port)],
            cwd=workdir, stdout=subprocess.DEVNULL, stderr=log, env=env,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"planwatch serve exited {proc.returncode}: {(workdir / 'serve.log').read_text()[-500:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("planwatch serve did not answer within 60 s")


def timed_get(conn: http.client.HTTPConnection, path: str) -> float:
    began = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - began
    if response.status != 200 or not body:
        raise SystemExit(f"GET {path}: {response.status}")
    return elapsed


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def measure(port: int, kinds: dict[str, list[str]], requests: int, warmup: int = 10) -> dict[str, list[float]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for paths in kinds.values():
        for path in paths[:warmup]:
            timed_get(conn, path)
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for i in range(requests):  # in turns, so a slow stretch of the machine hits every kind alike
        for kind, paths in kinds.items():
            times[kind].append(timed_get(conn, paths[i % len(paths)]))
    conn.close()
    return times


def page_kinds(plans: int, requests: int, seed: int = 7) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {
        "/healthz (baseline)": ["/healthz"],
        "plan list, first page (50 plans)": ["/"],
        "plan list, province + search": ["/?" + urlencode({"province": p, "q": w}) for p, w in
                                         (("경기도", "스마트"), ("전라남도", "데이터"), ("서울특별시", "혁신"))],
        "plan list, page 100, sorted by latest event": ["/?sort=event&page=100"],
        "plan page": [f"/plans/{rng.randint(1, plans)}" for _ in range(requests)],
        "CSV of one province": ["/plans.csv?province=" + quote("경상북도")],
    }


def report(plans: int, requests: int, backend: str, times: dict[str, list[float]], load_before: float) -> str:
    base = statistics.median(times["/healthz (baseline)"])
    lines = [
        BEGIN,
        "## Web desk (`planwatch serve`)",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `python -m benchmarks.web_bench`: {plans:,} plans "
        f"in {backend}, {requests} requests of each kind over one keep-alive loopback connection, in turns, after a "
        f"warm-up. Machine: {os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after the requests (the machine is shared: "
        "compare the ratios, not the milliseconds, with other runs).",
        "",
        "| page | p50 ms | p95 ms | p50 × /healthz |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, values in times.items():
        lines.append(f"| {kind} | {statistics.median(values) * 1000:.1f} | {percentile(values, 95) * 1000:.1f} | "
                     f"{statistics.median(values) / base:.1f} |")
    lines += ["", END, ""]
    return "\n".join(lines)


def write_results(section: str) -> None:
    old = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else "# Benchmark results\n"
    if BEGIN in old and END in old:
        before, rest = old.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + after
    else:
        text = old.rstrip("\n") + "\n\n" + section
    RESULTS_MD.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", help="an empty database to fill (default: a new SQLite file)")
    parser.add_argument("--no-results-file", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="planwatch-web-bench-") as tmp:
        work = Path(tmp)
        db_url = args.db or f"sqlite:///{work / 'bench.db'}"
        began = time.monotonic()
        fill(db_url, args.plans)
        print(f"{args.plans:,} plans stored in {time.monotonic() - began:.1f} s", file=sys.stderr)
        port = free_port()
        proc = start_server(db_url, work, port)
        load_before = os.getloadavg()[0]
        try:
            times = measure(port, page_kinds(args.plans, args.requests), args.requests)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    backend = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    section = report(args.plans, args.requests, backend, times, load_before)
    print(section)
    if not args.no_results_file:
        write_results(section)


if __name__ == "__main__":
    main()
