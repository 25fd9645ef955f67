"""One service per database: the lock ``planwatch run`` holds while it runs.

Two schedulers on one database would crawl every source twice and send every digest
twice, so the second one refuses to start. The lock is one the operating system or
the database server releases by itself when the holder dies, so a crashed service
never blocks the next start:

- SQLite: an exclusive ``flock`` on the database file itself, that is on its inode,
  so a symlink or a hard link to the same file finds it taken; the holder (pid, host,
  start time) is written to ``<resolved database path>.service.lock`` for the refusal
  message and ``status``. (SQLite locks with ``fcntl``, which ``flock`` does not touch.)
- PostgreSQL: a session-level advisory lock held on a connection kept open for the
  service's life; its ``application_name`` names the holder.

An in-memory SQLite database cannot be shared between processes and needs no lock.

``DatabaseFile`` remembers the SQLite file's device and inode at start, so the service
notices when the file it works on is deleted or replaced under it.
"""

from __future__ import annotations

import fcntl
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database

PG_SERVICE_LOCK = 0x706C616E73657276  # advisory lock id of the service ("planserv")
LOCK_FILE_SUFFIX = ".service.lock"
APPLICATION_PREFIX = "planwatch service: "  # PostgreSQL keeps 63 characters of application_name


class ServiceLockHeld(Exception):
    """Another service holds the lock; the message is the one line the user sees."""


def holder_description(*, with_start: bool = True) -> str:
    who = f"pid {os.getpid()} on {socket.gethostname()}"
    if not with_start:
        return who
    return f"{who}, started {datetime.now(timezone.utc).isoformat(timespec='seconds')}"


@dataclass
class ServiceLock:
    """The held lock; ``release`` gives it back (the process ending does too)."""

    kind: str  # "file" | "advisory" | "none"
    handle: Any = None

    @classmethod
    def acquire(cls, db: Database) -> ServiceLock:
        if db.dialect == "postgresql":
            return cls._acquire_advisory(db)
        path = sqlite_path(db)
        if path is None:
            return cls("none")
        return cls._acquire_file(path)

    @classmethod
    def _acquire_file(cls, database: Path) -> ServiceLock:
        fd = os.open(database, os.O_RDONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ServiceLockHeld(_refusal(_read_holder_note(database))) from None
        note = holder_note_path(database)
        try:
            _write_private(note, holder_description())
        except OSError:
            pass  # the lock holds without its note; the refusal then names no holder
        return cls("file", (fd, note))

    @classmethod
    def _acquire_advisory(cls, db: Database) -> ServiceLock:
        conn = db.engine.connect()
        try:
            conn.execute(text("SELECT set_config('application_name', :name, false)"),
                         {"name": f"{APPLICATION_PREFIX}{holder_description(with_start=False)}"[:63]})
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": PG_SERVICE_LOCK}).scalar()
            conn.commit()
        except BaseException:
            conn.close()
            raise
        if not got:
            holder = advisory_holder(db)
            conn.close()
            raise ServiceLockHeld(_refusal(holder))
        return cls("advisory", conn)

    def check(self) -> bool:
        """Still held? A PostgreSQL connection lost with its server drops the lock."""
        if self.kind != "advisory":
            return True
        try:
            self.handle.execute(text("SELECT 1")).scalar()
            self.handle.commit()
            return True
        except Exception:
            return False

    def release(self) -> None:
        if self.kind == "file" and self.handle is not None:
            fd, note = self.handle
            try:
                note.unlink(missing_ok=True)
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        elif self.kind == "advisory" and self.handle is not None:
            try:
                self.handle.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_SERVICE_LOCK})
                self.handle.commit()
            except Exception:
                pass  # closing the session releases it anyway
            finally:
                self.handle.close()
        self.handle = None


def sqlite_path(db: Database) -> Path | None:
    """The SQLite database file as configured, or None (PostgreSQL, in-memory)."""
    if db.dialect == "postgresql":
        return None
    database = make_url(db.url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def holder_note_path(database: Path) -> Path:
    """Where the holder is named: beside the file the path resolves to (symlinks followed)."""
    return Path(os.path.realpath(database) + LOCK_FILE_SUFFIX)


def running_service(db: Database) -> str | None:
    """Who runs the service on this database right now, or None when nobody does."""
    if db.dialect == "postgresql":
        return advisory_holder(db)
    path = sqlite_path(db)
    if path is None or not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder_note(path) or "another process"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


@dataclass(frozen=True)
class DatabaseFile:
    """The SQLite file the service opened: its path and the device and inode it had then."""

    path: Path
    device: int
    inode: int

    @classmethod
    def of(cls, db: Database) -> DatabaseFile | None:
        path = sqlite_path(db)
        if path is None:
            return None
        st = os.stat(path)
        return cls(path, st.st_dev, st.st_ino)

    def problem(self) -> str | None:
        """Why the service must not go on with this file (deleted, replaced), or None."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return f"the database file {self.path} was deleted while the service was running"
        except OSError as exc:
            return f"the database file {self.path} cannot be read any more: {exc.strerror or exc}"
        if (st.st_dev, st.st_ino) != (self.device, self.inode):
            return f"the database file {self.path} was replaced by another file while the service was running"
        return None


def advisory_holder(db: Database) -> str | None:
    query = text(
        "SELECT a.application_name, a.pid, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.classid = :hi AND l.objid = :lo AND l.database = (SELECT oid FROM pg_database "
        "WHERE datname = current_database())"
    )
    with db.engine.connect() as conn:
        row = conn.execute(query, {"hi": PG_SERVICE_LOCK >> 32, "lo": PG_SERVICE_LOCK & 0xFFFFFFFF}).first()
    if row is None:
        return None
    name = (row.application_name or "").removeprefix(APPLICATION_PREFIX) or f"database session {row.pid}"
    started = row.backend_start.astimezone(timezone.utc).isoformat(timespec="seconds") if row.backend_start else None
    return f"{name}, started {started}" if started else name


def _read_holder_note(database: Path) -> str | None:
    try:
        data = holder_note_path(database).read_bytes()[:500].decode("utf-8", "replace").strip()
    except OSError:
        return None
    return data or None


def _write_private(path: Path, text_: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text_)


def _refusal(holder: str | None) -> str:
    who = f" ({holder})" if holder else ""
    return f"another planwatch service is already running on this database{who}; stop it first"
