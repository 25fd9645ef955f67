"""Opening the database: SQLite or PostgreSQL, the schema version, transactions, one-line errors.

``open_database(url)`` is the one way in. For SQLite it creates the file (mode 0600)
and its directory, switches on WAL, a busy timeout (15 s, or the URL's
``?timeout=SECONDS``) and foreign keys, and migrates the schema to head by itself. PostgreSQL is shared by several machines and processes, so
there the schema is only checked; ``upgrade(url)`` (``planwatch db upgrade``) migrates it.

Writers on SQLite start with ``BEGIN IMMEDIATE``: the write lock is taken before the
first read, so two crawler processes merging the same plan queue up instead of both
reading the old state. Every driver failure a user can meet (server down, file not
writable, disk full, database locked, schema out of date) becomes a ``StorageError``
whose message is one line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration's revision, so that opening a database already at head needs no Alembic
# (importing it is a tenth of a second of every command); tests/test_migrations.py keeps it true.
SCHEMA_HEAD = "0005"
DEFAULT_DB_URL = "sqlite:///planwatch.db"
DEFAULT_BUSY_TIMEOUT = 15.0  # seconds one SQLite statement waits for another writer
LOCK_RETRIES = 3  # times a transaction is retried after the database stayed locked
PG_MIGRATION_LOCK = 0x706C616E77617463  # advisory lock id held while migrating PostgreSQL

T = TypeVar("T")


class StorageError(Exception):
    """A database problem, phrased as the one line the user sees.

    ``lasting`` is true when trying again soon cannot help (the disk is full, the
    file is read-only or cannot be opened): a crawl stops storing instead of
    failing every page the same way.
    """

    lasting: bool = False


def storage_error(exc: BaseException, url: str) -> StorageError:
    """The ``StorageError`` for a driver error (raise it ``from exc``)."""
    error = StorageError(describe_error(exc, url))
    error.lasting = is_lasting(exc)
    return error


def default_db_url() -> str:
    """The database used when none is configured: ``planwatch.db`` in the working directory."""
    return DEFAULT_DB_URL


@dataclass
class Database:
    """An open database: the engine, its dialect name and transactions over it."""

    url: str
    engine: Engine
    dialect: str  # "sqlite" or "postgresql"
    _sessions: sessionmaker[Session] = field(init=False, repr=False)  # made in __post_init__
    _read_sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        # A read-only session on SQLite takes no write lock (plain deferred BEGIN).
        reader = self.engine.execution_options(planwatch_read_only=True)
        self._read_sessions = sessionmaker(bind=reader, expire_on_commit=False)

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A transaction: commits when the block ends, rolls back when it raises.

        Driver errors leave as ``StorageError`` (one line); ``IntegrityError`` is passed
        on unchanged so callers can retry a lost race.
        """
        factory = self._read_sessions if read_only else self._sessions
        session = factory()
        try:
            if not read_only:
                self._begin_with_retries(session)
            yield session
            session.commit()
        except IntegrityError:
            session.rollback()
            raise
        except DBAPIError as exc:
            session.rollback()
            raise storage_error(exc, self.url) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def transaction(self, work: Callable[[Session], T], *, attempts: int = 4, read_only: bool = False) -> T:
        """Run ``work(session)`` in a transaction, again from scratch after a lost race or connection.

        A unique-constraint conflict, a PostgreSQL serialization failure or deadlock
        means another writer got there first; the retry then sees its row. A
        connection the server dropped (restart, ``pg_terminate_backend``, network)
        rolled the transaction back with it; the retry runs on a fresh connection.
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.session(read_only=read_only) as session:
                    return work(session)
            except IntegrityError as exc:
                if attempt == attempts:
                    raise StorageError(f"a write kept conflicting with another writer: {first_line(exc.orig)}") from exc
            except StorageError as exc:
                if attempt == attempts or not is_retryable(exc.__cause__):
                    raise
            time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    def _begin_with_retries(self, session: Session) -> None:
        """Take the connection (and on SQLite the write lock) now, retrying while locked."""
        for attempt in range(1, LOCK_RETRIES + 1):
            try:
                session.connection()
                return
            except OperationalError as exc:
                session.rollback()
                if attempt == LOCK_RETRIES or not is_locked(exc):
                    raise
                time.sleep(0.2 * attempt)

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()


def open_database(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Database:
    """Open (and for SQLite create and migrate) the database at ``url``."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = _open_sqlite(parsed, busy_timeout)
        try:
            _migrate_to_head(db.engine)
        except BaseException:
            db.dispose()
            raise
        return db
    db = _open_postgresql(parsed)
    try:
        _check_schema_reconnecting(db)
    except BaseException:
        db.dispose()
        raise
    return db


def _check_schema_reconnecting(db: Database) -> None:
    """``_require_head``, again on a fresh connection when the server dropped the first one."""
    for attempt in range(1, LOCK_RETRIES + 1):
        try:
            _require_head(db)
            return
        except StorageError as exc:
            if attempt == LOCK_RETRIES or exc.__cause__ is None or not is_disconnect(exc.__cause__):
                raise
        time.sleep(0.2 * attempt)


def upgrade(url: str, revision: str = "head") -> str | None:
    """Migrate the schema at ``url`` up to ``revision``; returns the revision reached."""
    return _migrate(url, "upgrade", revision)


def downgrade(url: str, revision: str = "base") -> str | None:
    """Migrate the schema at ``url`` down to ``revision`` (``base`` drops every table)."""
    return _migrate(url, "downgrade", revision)


def _migrate(url: str, command: str, revision: str) -> str | None:
    engine = _create_engine(parse_url(url), DEFAULT_BUSY_TIMEOUT)
    try:
        _run_alembic(engine, command, revision)
        return current_revision(engine)
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest migration shipped with this version of planwatch."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations are packaged"
    return head


def is_at_head(engine: Engine) -> bool:
    """True when ``alembic_version`` holds ``SCHEMA_HEAD``; read with plain SQL, Alembic not imported."""
    from sqlalchemy import inspect, text

    try:
        with engine.execution_options(planwatch_read_only=True).connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == [SCHEMA_HEAD]
    except DBAPIError as exc:
        raise StorageError(describe_error(exc, str(engine.url))) from exc


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.execution_options(planwatch_read_only=True).connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except DBAPIError as exc:
        raise StorageError(describe_error(exc, str(engine.url))) from exc


def alembic_config(connection: Connection | None = None) -> Any:
    """An Alembic configuration pointing at the migrations packaged with planwatch."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


# --- URLs and engines -------------------------------------------------------------------------

POSTGRES_SCHEMES = ("postgresql", "postgres")


def missing_sqlite_file(url: str) -> Path | None:
    """The absolute path of a SQLite URL's file when it does not exist yet; None otherwise."""
    try:
        parsed = parse_url(url)
    except StorageError:
        return None
    if parsed.get_backend_name() != "sqlite" or is_memory(parsed):
        return None
    path = Path(parsed.database or "").expanduser().absolute()
    return None if path.exists() else path


def describe_database(url: str) -> str:
    """``SQLite file /srv/planwatch.db`` or ``PostgreSQL postgres@127.0.0.1:5432/planwatch`` (no password)."""
    try:
        parsed = parse_url(url)
    except StorageError:
        return url
    if parsed.get_backend_name() == "sqlite":
        if is_memory(parsed):
            return "SQLite in memory"
        return f"SQLite file {Path(parsed.database or '').expanduser().absolute()}"
    user = f"{parsed.username}@" if parsed.username else ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"PostgreSQL {user}{parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def parse_url(url: str) -> URL:
    """Parse a database URL; plain ``postgresql://`` means the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(f"not a database URL: {url!r} (expected sqlite:///file.db or postgresql+psycopg://...)") from None
    backend = parsed.get_backend_name()
    if backend in POSTGRES_SCHEMES:
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise StorageError(f"unsupported database {backend!r} in {url!r}: use sqlite:///file.db or postgresql+psycopg://...")


def _create_engine(parsed: URL, busy_timeout: float) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        if not is_memory(parsed):
            create_sqlite_file(Path(parsed.database or ""))
        return _sqlite_engine(parsed, busy_timeout)
    # psycopg closes the cursor of a row-less INSERT before SQLAlchemy reads its rowcount;
    # callers count "inserted unless already there" rows with it, as they do on SQLite.
    return create_engine(
        parsed,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 10},
        execution_options={"preserve_rowcount": True},
    )


def _open_sqlite(parsed: URL, busy_timeout: float) -> Database:
    engine = _create_engine(parsed, url_busy_timeout(parsed, busy_timeout))
    return Database(url=parsed.render_as_string(hide_password=False), engine=engine, dialect="sqlite")


def url_busy_timeout(parsed: URL, default: float) -> float:
    """``sqlite:///file.db?timeout=60``: the seconds a statement waits for another writer."""
    value = parsed.query.get("timeout")
    if value is None:
        return default
    try:
        seconds = float(value if isinstance(value, str) else value[0])
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise StorageError(f"timeout={value} in {parsed.render_as_string(hide_password=True)}: "
                           "expected the seconds to wait for a locked database (0 to 86400)")
    return seconds


def is_memory(parsed: URL) -> bool:
    return parsed.database in (None, "", ":memory:")


def create_sqlite_file(path: Path) -> None:
    """Create the database file readable by its owner only, and its directory."""
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        elif not os.access(path, os.R_OK | os.W_OK):
            raise StorageError(f"cannot write the database file {path}: permission denied")
    except OSError as exc:
        raise StorageError(f"cannot create the database file {path}: {exc.strerror or exc}") from None


def _sqlite_engine(parsed: URL, busy_timeout: float) -> Engine:
    memory = is_memory(parsed)
    engine = create_engine(
        parsed,
        # One shared connection is the only way an in-memory database outlives a session.
        poolclass=StaticPool if memory else None,
        connect_args={"check_same_thread": False, "timeout": busy_timeout},
    )
    busy_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
        if not memory:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get("planwatch_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _open_postgresql(parsed: URL) -> Database:
    engine = _create_engine(parsed, DEFAULT_BUSY_TIMEOUT)
    return Database(url=parsed.render_as_string(hide_password=False), engine=engine, dialect="postgresql")


# --- migrations -------------------------------------------------------------------------------


def _run_alembic(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.util import CommandError

    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two `db upgrade` at once must not both create the tables.
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
            getattr(command, direction)(alembic_config(conn), revision)
    except DBAPIError as exc:
        raise StorageError(describe_error(exc, str(engine.url))) from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"migration failed: {first_line(exc)}") from exc
    except CommandError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise StorageError(f"cannot migrate {where}: {first_line(exc)} (written by a newer planwatch?)") from exc


def _migrate_to_head(engine: Engine) -> None:
    """Bring a SQLite database to head; BEGIN IMMEDIATE makes concurrent openers queue up."""
    if is_at_head(engine):
        return
    head = head_revision()
    for attempt in range(1, LOCK_RETRIES + 1):
        try:
            if current_revision(engine) == head:
                return
            _run_alembic(engine, "upgrade", "head")
            return
        except StorageError as exc:
            if attempt == LOCK_RETRIES or not is_locked(exc.__cause__):
                raise
        time.sleep(0.2 * attempt)


def _require_head(db: Database) -> None:
    if is_at_head(db.engine):
        return
    current = current_revision(db.engine)
    head = head_revision()
    if current == head:
        return
    where = db.engine.url.render_as_string(hide_password=True)
    if current is None:
        raise StorageError(f"the database {where} has no planwatch schema yet: run `planwatch db upgrade`")
    raise StorageError(
        f"the database {where} is at schema {current}, this planwatch needs {head}: run `planwatch db upgrade`"
    )


# --- errors -----------------------------------------------------------------------------------


def first_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_locked(exc: BaseException | None) -> bool:
    return exc is not None and "database is locked" in str(exc).lower()


RETRYABLE_PG_STATES = ("40001", "40P01")  # serialization_failure, deadlock_detected
# The server ended the session: admin_shutdown (pg_terminate_backend), crash_shutdown,
# cannot_connect_now (starting up); class 08 is every connection exception.
DISCONNECT_PG_STATES = ("57P01", "57P02", "57P03")


def is_retryable(exc: BaseException | None) -> bool:
    if exc is None:
        return False
    if is_locked(exc) or is_disconnect(exc):
        return True
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) in RETRYABLE_PG_STATES


def is_disconnect(exc: BaseException) -> bool:
    """Whether the connection was lost (SQLAlchemy has then discarded it from the pool)."""
    if getattr(exc, "connection_invalidated", False):
        return True
    state = getattr(getattr(exc, "orig", exc), "sqlstate", None) or ""
    return state in DISCONNECT_PG_STATES or state.startswith("08")


# Driver messages of failures that persist until someone acts (frees space, fixes permissions).
LASTING_FAILURES = ("disk is full", "no space left", "could not extend file", "readonly database", "read-only",
                    "unable to open database")


def is_lasting(exc: BaseException) -> bool:
    message = first_line(getattr(exc, "orig", None) or exc).lower()
    return any(marker in message for marker in LASTING_FAILURES)


def describe_error(exc: BaseException, url: str) -> str:
    """The one line a user reads for a driver error."""
    message = first_line(getattr(exc, "orig", None) or exc)
    lower = message.lower()
    where = _display(url)
    if "database is locked" in lower:
        return f"the database {where} stayed locked by another writer (tried {LOCK_RETRIES} times): {message}"
    if "disk is full" in lower or "no space left" in lower or "could not extend file" in lower:
        return f"the disk holding {where} is full: {message}"
    if "readonly database" in lower or "read-only" in lower:
        return f"the database {where} is not writable: {message}"
    if "unable to open database" in lower:
        return f"cannot open the database file {where}: {message}"
    if "connection refused" in lower or "could not connect" in lower or "connection failed" in lower:
        return f"cannot reach the database server for {where}: {message}"
    if "does not exist" in lower and "database" in lower:
        return f"the database {where} does not exist: {message}"
    if "password authentication failed" in lower:
        return f"the database server refused the login for {where}: {message}"
    return f"database error on {where}: {message}"


def _display(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
