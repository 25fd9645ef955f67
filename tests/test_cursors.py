"""Backfill cursors are stored per (source, since) and read back as saved, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from storage.cursors import Cursor, all_cursors, load_cursor, save_cursor


def test_a_cursor_is_read_back_as_saved_and_one_per_since(db):
    first = Cursor("kyeongin", date(2017, 1, 1), date(2026, 12, 4))
    with db.session() as session:
        assert load_cursor(session, "kyeongin", date(2017, 1, 1)) is None
        save_cursor(session, first)
        save_cursor(session, Cursor("kyeongin", date(2020, 1, 1), date(2026, 12, 4), done=True))
    moved = replace(first, query_index=1, window_index=7, page=3, next_url="https://www.kyeongin.com/?page=3",
                    pages_read=40, articles_found=120, runs=2)
    with db.session() as session:
        save_cursor(session, moved)
    with db.session(read_only=True) as session:
        assert load_cursor(session, "kyeongin", date(2017, 1, 1)) == moved
        assert [c.since for c in all_cursors(session)] == [date(2017, 1, 1), date(2020, 1, 1)]
        assert moved.position == (1, 7, 3)
