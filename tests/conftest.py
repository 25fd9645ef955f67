"""Shared test fixtures: a database on SQLite (the default) or on PostgreSQL.

Choose the backend with ``--db-backend=postgresql`` or ``PLANWATCH_TEST_DB=postgresql``
(``make test`` runs the suite once per backend). Every fixture hands out a URL or an
open ``storage.db.Database``, so a test written against them runs on both backends.

``db_backend``
    ``"sqlite"`` or ``"postgresql"``.
``db_url``
    A URL to a database with the current schema and no rows, private to the test.
    SQLite: a new file in the test's ``tmp_path`` (migrated when first opened).
    PostgreSQL: one database per test session and xdist worker on 127.0.0.1:5432 (user
    postgres), created and migrated once, every table emptied (ids restarted) before each test,
    dropped at the end. Pass it to ``storage.db.open_database`` or to ``planwatch --db``,
    in this process or in child processes.
``db``
    ``open_database(db_url)``, disposed after the test.
``empty_db_url``
    A URL to a database without any schema (for migration tests): a new SQLite file, or
    a new PostgreSQL database dropped after the test.
``module_db_url``
    Like ``db_url`` but shared by the tests of one module (a replay done once, then
    checked by several tests): a new SQLite file, or a new migrated PostgreSQL database.

On PostgreSQL the pass runs the tests that touch a database (they request one of these
fixtures); the others cannot behave differently there and ran in the SQLite pass.

Markers: ``sqlite_only`` for tests that only make sense on SQLite (file permissions,
WAL); they are skipped on PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BACKENDS = ("sqlite", "postgresql")
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
PG_ADMIN_DSN = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname=postgres connect_timeout=5"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db-backend",
        choices=BACKENDS,
        default=None,
        help="database the storage fixtures use (default: $PLANWATCH_TEST_DB or sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: meaningful on SQLite only; skipped on PostgreSQL")


def selected_backend(config: pytest.Config) -> str:
    chosen = config.getoption("--db-backend") or os.environ.get("PLANWATCH_TEST_DB") or "sqlite"
    if chosen not in BACKENDS:
        raise pytest.UsageError(f"PLANWATCH_TEST_DB must be one of {', '.join(BACKENDS)}, not {chosen!r}")
    return chosen


DATABASE_FIXTURES = frozenset({"db_url", "db", "empty_db_url", "module_db_url", "db_backend"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if selected_backend(config) != "postgresql":
        return
    skip = pytest.mark.skip(reason="SQLite-only test; the suite runs on PostgreSQL")
    independent = pytest.mark.skip(reason="touches no database: ran in the SQLite pass")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)
        elif not DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(independent)


@pytest.fixture(scope="session")
def db_backend(pytestconfig: pytest.Config) -> str:
    return selected_backend(pytestconfig)


# --- PostgreSQL databases ---------------------------------------------------------------------


def pg_url(dbname: str) -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def unique_db_name(purpose: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"planwatch_test_{purpose}_{worker}_{os.getpid()}_{secrets.token_hex(3)}"


def create_pg_database(name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL on {PG_HOST}:{PG_PORT} is not reachable ({exc}); run scripts/ensure-services", pytrace=False)


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def pg_database(prefix: str, migrated: bool = True) -> Iterator[str]:
    """The URL of a new PostgreSQL database (at the schema's head unless ``migrated`` is False), dropped after."""
    from storage.db import upgrade

    name = unique_db_name(prefix)
    create_pg_database(name)
    try:
        if migrated:
            upgrade(pg_url(name))
        yield pg_url(name)
    finally:
        drop_pg_database(name)


@pytest.fixture(scope="session")
def pg_session_db_url() -> Iterator[str]:
    """One migrated PostgreSQL database for this session (and xdist worker)."""
    with pg_database("s") as url:
        yield url


def empty_all_tables(url: str) -> None:
    """Delete every row and restart the id sequences (DELETE beats TRUNCATE on tiny tables)."""
    import psycopg

    from storage.models import Base

    dsn = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={url.rsplit('/', 1)[1]}"
    with psycopg.connect(dsn) as conn:
        # A test that left a transaction open would block this forever; fail instead.
        conn.execute("SET LOCAL lock_timeout = '10s'")
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(f'DELETE FROM "{table.name}"')
        sequences = conn.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").fetchall()
        for (sequence,) in sequences:
            conn.execute(f'ALTER SEQUENCE "{sequence}" RESTART')


# --- the fixtures tests use -------------------------------------------------------------------


@pytest.fixture
def db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if db_backend == "postgresql":
        url = request.getfixturevalue("pg_session_db_url")
        empty_all_tables(url)
        return url
    return f"sqlite:///{tmp_path / 'planwatch-test.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[object]:
    from storage.db import open_database

    database = open_database(db_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def empty_db_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    if db_backend != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with pg_database("e", migrated=False) as url:
        yield url


@pytest.fixture(scope="module")
def module_db_url(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if db_backend != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'planwatch-test.db'}"
        return
    with pg_database("m") as url:
        yield url
