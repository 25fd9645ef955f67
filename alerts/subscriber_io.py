"""Subscribers to and from files: CSV or JSON, one record per subscriber, importable again.

``export_records`` writes what ``import_records`` reads. An import is idempotent: an
address not yet subscribed is added, a known one is changed to match the record
(filters, frequency, language, name, paused or not; its queued items stay), a record
that matches already changes nothing. Every record is checked like ``subscribers
add``; a bad one is reported by its line and skipped, the others are imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from alerts.subscribers import (
    DEFAULT_FREQUENCY,
    DEFAULT_LANGUAGE,
    SubscriberError,
    SubscriberRow,
    add_subscriber,
    edit_subscriber,
    filters_of,
    find_subscriber,
    split_values,
)

FIELDS: tuple[str, ...] = (
    "email", "name", "frequency", "language", "active", "provinces", "municipalities", "events", "keywords",
    "families",
)
LIST_FIELDS: tuple[str, ...] = ("provinces", "municipalities", "events", "keywords", "families")
FORMATS: tuple[str, ...] = ("csv", "json")


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged"]
        if self.errors:
            parts.append(f"{len(self.errors)} refused")
        return ", ".join(parts)


def record_of(row: SubscriberRow) -> dict[str, Any]:
    f = row.filters
    return {
        "email": row.email,
        "name": row.name,
        "frequency": row.frequency,
        "language": row.language,
        "active": row.active,
        "provinces": list(f.provinces),
        "municipalities": list(f.municipalities),
        "events": list(f.events),
        "keywords": list(f.keywords),
        "families": list(f.families),
    }


def export_records(rows: Iterable[SubscriberRow], fmt: str) -> str:
    records = [record_of(r) for r in rows]
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                **record,
                "name": record["name"] or "",
                "active": "yes" if record["active"] else "no",
                **{k: ",".join(record[k]) for k in LIST_FIELDS},
            }
        )
    return out.getvalue()


def parse_records(text: str, fmt: str) -> list[tuple[int, dict[str, Any]]]:
    """(line or position, record) pairs; a file that is not CSV/JSON at all is one SubscriberError."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SubscriberError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
        if not isinstance(data, list):
            raise SubscriberError("expected a JSON list of subscriber objects")
        return list(enumerate(data, start=1))
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "email" not in reader.fieldnames:
        raise SubscriberError(f"the CSV needs a header line with at least an email column ({', '.join(FIELDS)})")
    unknown = [name for name in reader.fieldnames if name not in FIELDS]
    if unknown:
        raise SubscriberError(f"unknown CSV column {unknown[0]!r} (expected: {', '.join(FIELDS)})")
    return [(reader.line_num, dict(row)) for row in reader]


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "yes").strip().lower()
    if text in ("", "yes", "true", "1", "active"):
        return True
    if text in ("no", "false", "0", "paused"):
        return False
    raise SubscriberError(f"active must be yes or no, got {value!r}")


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return split_values(str(v) for v in value)
    return split_values([str(value)])


def import_records(session: Session, records: list[tuple[int, dict[str, Any]]], *, where: str) -> ImportReport:
    report = ImportReport()
    for position, record in records:
        try:
            if not isinstance(record, dict):
                raise SubscriberError("expected an object with an email")
            unknown = [k for k in record if k not in FIELDS]
            if unknown:
                raise SubscriberError(f"unknown field {unknown[0]!r}")
            with session.begin_nested():
                outcome, email = _import_one(session, record)
        except SubscriberError as exc:
            report.errors.append(f"{where}:{position}: {exc}")
            continue
        getattr(report, outcome).append(email)
    return report


def _import_one(session: Session, record: dict[str, Any]) -> tuple[str, str]:
    email = str(record.get("email") or "").strip()
    if not email:
        raise SubscriberError("no email")
    wanted: dict[str, Any] = {
        "name": (record.get("name") or None),
        "frequency": record.get("frequency") or DEFAULT_FREQUENCY,
        "language": record.get("language") or DEFAULT_LANGUAGE,
        **{k: _values(record.get(k)) for k in LIST_FIELDS},
    }
    active = _flag(record.get("active"))
    existing = find_subscriber(session, email)
    if existing is None:
        subscriber = add_subscriber(session, email, **wanted)
        subscriber.active = active
        return "added", subscriber.email
    before = (_snapshot(existing), existing.active)
    subscriber = edit_subscriber(session, email, **wanted)
    subscriber.active = active
    session.flush()
    return ("unchanged" if (_snapshot(subscriber), subscriber.active) == before else "updated"), subscriber.email


def _snapshot(subscriber: Any) -> tuple[Any, ...]:
    return (subscriber.name, subscriber.frequency, subscriber.language, filters_of(subscriber))
