"""Backfill cursors: read where a source's walk back in time stopped, and save where it stops now.

One row per (source, since): the walk's fixed end (``until``, the day of its first
run) and the next list page to read. ``planwatch backfill`` reads it at the start of
a source's run and saves it at the end; a run that was killed saved nothing, so the
next one reads its pages again (and fetches none of the articles stored meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import models as m


@dataclass(frozen=True)
class Cursor:
    source: str
    since: date
    until: date
    query_index: int = 0
    window_index: int = 0
    page: int = 1
    next_url: str | None = None  # the page to read, when it is known by its URL (a "next" link)
    done: bool = False
    pages_read: int = 0
    articles_found: int = 0
    runs: int = 0

    @property
    def position(self) -> tuple[int, int, int]:
        return (self.query_index, self.window_index, self.page)


def _record(row: m.BackfillCursor) -> Cursor:
    return Cursor(row.source, row.since, row.until, row.query_index, row.window_index, row.page, row.next_url,
                  row.done, row.pages_read, row.articles_found, row.runs)


def load_cursor(session: Session, source: str, since: date) -> Cursor | None:
    row = session.get(m.BackfillCursor, (source, since))
    return _record(row) if row is not None else None


def save_cursor(session: Session, cursor: Cursor) -> None:
    row = session.get(m.BackfillCursor, (cursor.source, cursor.since))
    if row is None:
        row = m.BackfillCursor(source=cursor.source, since=cursor.since)
        session.add(row)
    row.until = cursor.until
    row.query_index, row.window_index, row.page = cursor.query_index, cursor.window_index, cursor.page
    row.next_url, row.done = cursor.next_url, cursor.done
    row.pages_read, row.articles_found, row.runs = cursor.pages_read, cursor.articles_found, cursor.runs
    session.flush()


def all_cursors(session: Session) -> list[Cursor]:
    rows = session.scalars(select(m.BackfillCursor).order_by(m.BackfillCursor.source, m.BackfillCursor.since))
    return [_record(r) for r in rows]
