"""Running ``planwatch run`` as a real process for the service tests, and reading what it recorded.

``ServiceProcess`` starts the command with a configuration written to a file, a
log file to read, and stops it with a signal; every wait is bounded and a process
left running by a failed test is killed in ``close``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text

from storage.db import open_database
from storage.models import SourceRun


def planwatch_command(config: Path, db_url: str, outbox: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "planwatch", "--config", str(config), "--db", db_url, "--outbox", str(outbox),
            *args]


@dataclass
class ServiceProcess:
    config: Path
    db_url: str
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def log_path(self) -> Path:
        return self.workdir / "service.log"

    @property
    def outbox(self) -> Path:
        return self.workdir / "outbox"

    def start(self, *options: str) -> ServiceProcess:
        """Start ``planwatch run`` with INFO logs to ``log_path`` and ``options`` (``--log-json``)."""
        self.started_at = time.monotonic()
        with open(self.workdir / "service.stderr", "ab") as err:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                planwatch_command(self.config, self.db_url, self.outbox, "run", "--log-level", "INFO",
                                  "--log-file", str(self.log_path), *options),
                cwd=self.workdir, stdout=err, stderr=err, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        return self

    def signal(self, signum: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""

    def stderr(self) -> str:
        path = self.workdir / "service.stderr"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def close(self) -> None:
        """Kill a service a failed test left behind, and the crawl processes of its group."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def run_cli(config: Path, db_url: str, workdir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(planwatch_command(config, db_url, workdir / "outbox", *args), cwd=workdir,
                          capture_output=True, text=True, timeout=timeout)


def runs(db_url: str, source: str | None = None, job: str | None = None) -> list[SourceRun]:
    db = open_database(db_url)
    try:
        with db.session(read_only=True) as session:
            query = select(SourceRun).order_by(SourceRun.id)
            if source is not None:
                query = query.where(SourceRun.source == source)
            if job is not None:
                query = query.where(SourceRun.job == job)
            return list(session.execute(query).scalars())
    finally:
        db.dispose()


def finished(rows: list[SourceRun], outcome: str | None = None, after: datetime | None = None) -> list[SourceRun]:
    return [r for r in rows if r.outcome != "running" and (outcome is None or r.outcome == outcome)
            and (after is None or r.started_at >= after)]


def drop_job_store(db_url: str) -> None:
    """The job store is not part of the schema the fixtures empty between tests."""
    db = open_database(db_url)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
    finally:
        db.dispose()
