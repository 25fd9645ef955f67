"""The packaged Alembic migrations: head equals storage/models.py, down and up again, opening rules."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from storage.db import (
    SCHEMA_HEAD,
    StorageError,
    current_revision,
    downgrade,
    head_revision,
    open_database,
    parse_url,
    upgrade,
)
from storage.models import Base

ROOT = Path(__file__).resolve().parents[1]


def schema_diffs(url: str) -> list[object]:
    engine = create_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(parse_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_head_matches_the_models_exactly(empty_db_url):
    assert upgrade(empty_db_url) == head_revision()
    assert schema_diffs(empty_db_url) == []
    assert {t.name for t in Base.metadata.sorted_tables} <= table_names(empty_db_url)


def test_downgrade_to_base_and_up_again(empty_db_url):
    upgrade(empty_db_url)
    assert downgrade(empty_db_url, "base") is None
    assert table_names(empty_db_url) <= {"alembic_version"}
    assert upgrade(empty_db_url) == head_revision()
    assert schema_diffs(empty_db_url) == []


def test_upgrade_twice_is_harmless(empty_db_url):
    upgrade(empty_db_url)
    assert upgrade(empty_db_url) == head_revision()


def test_open_database_on_an_empty_database(empty_db_url, db_backend):
    if db_backend == "sqlite":
        db = open_database(empty_db_url)  # SQLite migrates itself
        try:
            assert current_revision(db.engine) == head_revision()
        finally:
            db.dispose()
        return
    with pytest.raises(StorageError, match="planwatch db upgrade") as info:
        open_database(empty_db_url)
    assert "\n" not in str(info.value)
    upgrade(empty_db_url)
    db = open_database(empty_db_url)
    db.dispose()


def test_an_older_schema_is_reported_as_out_of_date(empty_db_url, db_backend):
    upgrade(empty_db_url)
    engine = create_engine(parse_url(empty_db_url))
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0000_older'")
    engine.dispose()
    expected = r"at schema 0000_older.*planwatch db upgrade" if db_backend == "postgresql" else r"0000_older.*newer planwatch"
    with pytest.raises(StorageError, match=expected) as info:
        open_database(empty_db_url)
    assert "\n" not in str(info.value)


@pytest.mark.sqlite_only
def test_sqlite_file_is_private_and_in_wal_mode(tmp_path):
    path = tmp_path / "new" / "dir" / "pw.db"
    db = open_database(f"sqlite:///{path}")
    try:
        with db.session() as session:
            mode = session.connection().exec_driver_sql("PRAGMA journal_mode").scalar()
            fks = session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar()
    finally:
        db.dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert mode == "wal" and fks == 1


def test_migrations_are_packaged():
    migrations = ROOT / "storage" / "migrations"
    # regular packages (an __init__.py each), so the wheel ships them; scripts/check-wheel
    # then runs the migrations from an installed wheel
    assert (migrations / "__init__.py").is_file() and (migrations / "versions" / "__init__.py").is_file()
    assert (migrations / "env.py").is_file() and (migrations / "script.py.mako").is_file()
    assert any(p.name.startswith(head_revision()) for p in (migrations / "versions").glob("*.py"))


def test_the_schema_head_constant_is_alembics_head():
    assert head_revision() == SCHEMA_HEAD


def test_opening_a_database_at_head_imports_no_alembic(tmp_path):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'pw.db'}"
    open_database(url).dispose()  # creates and migrates it
    code = (f"import sys; from storage.db import open_database; open_database({url!r}).dispose(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_0002_adds_the_family_filter_and_renames_the_digital_family(empty_db_url):
    from sqlalchemy import text

    assert upgrade(empty_db_url, "0001") == "0001"
    engine = create_engine(parse_url(empty_db_url))
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO plans (key, municipality, province, family, items, partners, created_at, updated_at)"
                " VALUES ('제주특별자치도|digital_transformation|current', '제주특별자치도', '제주특별자치도',"
                " 'digital_transformation', '[]', '[]', '2026-01-01', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO subscribers (email, provinces, municipalities, events, keywords, frequency, language,"
                " active, created_at) VALUES ('a@example.com', '[]', '[]', '[]', '[]', 'daily', 'ko', true,"
                " '2026-01-01')"))
        assert upgrade(empty_db_url) == head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT key, family FROM plans")).one() == (
                "제주특별자치도|digital|current", "digital")
            assert conn.execute(text("SELECT families FROM subscribers")).scalar_one() in ([], "[]")
    finally:
        engine.dispose()
    assert schema_diffs(empty_db_url) == []
