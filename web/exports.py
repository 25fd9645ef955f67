"""The filtered plan list as a file: CSV (UTF-8 with BOM, for Excel), XLSX, and an Atom feed.

Each takes the list's query string (``/plans.csv?province=경기도&family=4ir``) and writes
every matching plan, not one page. Crawled text is data, never a formula: a cell that
would start with ``= + - @`` (or a tab or CR) is prefixed with an apostrophe in the CSV and
stored as a string in the XLSX.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from openpyxl import Workbook

from storage.views import PlanView
from web.desk import Desk, desk, family_text, stage_text
from web.pages import parse_query, plans_in_order
from web.query import PlanQuery, all_matching_ids
from web.schema import utc

router = APIRouter()

MAX_EXPORT = 50_000
FEED_ENTRIES = 50
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "번호 id"),
    ("province", "시·도 province"),
    ("municipality", "시·군·구 municipality"),
    ("family", "분야 family"),
    ("title", "계획명 title"),
    ("phase", "기수 phase"),
    ("period_start", "시작 연도 first year"),
    ("period_end", "종료 연도 last year"),
    ("vision", "비전 vision"),
    ("stage", "단계 stage"),
    ("strategies", "전략 strategies"),
    ("tasks", "과제 tasks"),
    ("action_tasks", "실행과제 action tasks"),
    ("projects", "사업 projects"),
    ("latest_event", "최근 일정 latest event"),
    ("latest_event_date", "최근 일정 날짜 latest event date"),
    ("events", "일정 수 events"),
    ("sources", "출처 sources"),
    ("updated_at", "변경 시각 updated (UTC)"),
    ("url", "주소 url"),
)


def public_base(d: Desk, request: Request) -> str:
    """Where readers reach this server: ``[web] base_url``, else the address it listens on.

    Never the request's Host header: a link mailed to a subscriber must not point wherever
    the sender of the request said.
    """
    if d.config.web.base_url:
        return d.config.web.base_url
    server = request.scope.get("server") or (d.config.web.host, d.config.web.port)
    host, port = server[0], server[1]
    host = f"[{host}]" if ":" in str(host) else host
    return f"http://{host}:{port}"


def plan_row(plan: PlanView, base: str) -> dict[str, Any]:
    latest = plan.timeline[-1] if plan.timeline else None
    sources = [s.url for e in plan.timeline for s in e.sources if s.url]
    updated = utc(plan.updated_at)
    return {
        "id": plan.id,
        "province": plan.province,
        "municipality": plan.municipality,
        "family": plan.family,
        "title": plan.title,
        "phase": plan.phase,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "vision": plan.vision,
        "stage": plan.stage,
        **{name: plan.counts.get(name) for name in ("strategies", "tasks", "action_tasks", "projects")},
        "latest_event": latest.type if latest else None,
        "latest_event_date": latest.date_iso() if latest else None,
        "events": len(plan.timeline),
        "sources": " ".join(dict.fromkeys(sources)),
        "updated_at": updated.isoformat() if updated else None,
        "url": f"{base}/plans/{plan.id}",
    }


def exported_plans(d: Desk, query: PlanQuery) -> list[PlanView]:
    with d.db.session(read_only=True) as session:
        return plans_in_order(session, all_matching_ids(session, query, MAX_EXPORT))


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def attachment(name: str) -> str:
    return f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label for _key, label in COLUMNS])
    for row in rows:
        writer.writerow(["" if row[key] is None else safe_cell(row[key]) for key, _label in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "plans"
    sheet.append([label for _key, label in COLUMNS])
    for row in rows:
        sheet.append([row[key] for key, _label in COLUMNS])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@router.get("/plans.csv", summary="The filtered plan list as CSV (UTF-8 with BOM)")
def plans_csv(request: Request) -> Response:
    d = desk(request)
    query = parse_query(request, d)
    base = public_base(d, request)
    body = csv_bytes([plan_row(p, base) for p in exported_plans(d, query)])
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment("planwatch-plans.csv")})


@router.get("/plans.xlsx", summary="The filtered plan list as an Excel workbook")
def plans_xlsx(request: Request) -> Response:
    d = desk(request)
    query = parse_query(request, d)
    base = public_base(d, request)
    body = xlsx_bytes([plan_row(p, base) for p in exported_plans(d, query)])
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": attachment("planwatch-plans.xlsx")})


def feed_title(query: PlanQuery) -> str:
    parts = [v for k, v in query.filters().items() if k in ("province", "municipality", "q")]
    if query.family:
        parts.append(family_text(query.family))
    if query.stage or query.event:
        parts.append(stage_text(query.stage or query.event))
    suffix = f" — {', '.join(parts)}" if parts else ""
    return f"planwatch: 새 계획과 변경 · new and changed plans{suffix}"


def entry_summary(plan: PlanView) -> str:
    lines = [f"{plan.municipality} ({plan.province}) · {family_text(plan.family)}"]
    if plan.stage:
        lines.append(f"단계 · stage: {stage_text(plan.stage)}")
    if plan.vision:
        lines.append(f"비전 · vision: {plan.vision}")
    for change in plan.changes[-5:]:
        lines.append(f"{change.field}: {change.old} → {change.new}")
    for event in plan.timeline[-3:]:
        lines.append(f"{event.date_iso() or '?'} {stage_text(event.type)}")
    return "\n".join(lines)


@router.get("/feeds/plans.atom", summary="Atom feed of new and changed plans, for any filter of the list")
def plans_atom(request: Request) -> Response:
    d = desk(request)
    query = parse_query(request, d)
    base = public_base(d, request)
    newest_first = replace(query, sort="updated", page=1)
    with d.db.session(read_only=True) as session:
        plans = plans_in_order(session, all_matching_ids(session, newest_first, FEED_ENTRIES))
    qs = newest_first.query_string(page=1, sort="updated")
    feed = FeedGenerator()
    feed.id(f"{base}/feeds/plans.atom{'?' + qs if qs else ''}")
    feed.title(feed_title(query))
    feed.link(href=f"{base}/feeds/plans.atom{'?' + qs if qs else ''}", rel="self")
    feed.link(href=f"{base}/{'?' + qs if qs else ''}", rel="alternate")
    feed.language("ko")
    feed.author({"name": "planwatch"})
    updated = [utc(p.updated_at) for p in plans if p.updated_at]
    feed.updated(max((u for u in updated if u), default=datetime(2000, 1, 1, tzinfo=timezone.utc)))
    for plan in reversed(plans):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.id(f"{base}/plans/{plan.id}")
        entry.title(f"{plan.municipality}: {plan.title or family_text(plan.family)}")
        entry.link(href=f"{base}/plans/{plan.id}")
        entry.updated(utc(plan.updated_at) or datetime(2000, 1, 1, tzinfo=timezone.utc))
        entry.content(entry_summary(plan), type="text")
    return Response(feed.atom_str(pretty=True), media_type="application/atom+xml; charset=utf-8")
