"""Commands that find nothing to do do not import what they do not use.

Each command runs in a fresh interpreter, which then lists the modules it imported. These are
not timings (``benchmarks/startup.py`` measures those): they name the heavy libraries a
command must leave alone, so that an import added at the top of a shared module shows up here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import contextlib, io, json, sys
from planwatch.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""

CRAWL_LIBRARIES = {"scrapy", "twisted", "trafilatura", "lxml", "warcio", "datasketch", "numpy", "jinja2"}


def imported_by(tmp: Path, *args: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWATCH_")}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, "--db", f"sqlite:///{tmp / 'pw.db'}", *args],
                          cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A working directory with a database (``plans`` and ``status`` refuse a missing one)."""
    from storage.db import open_database

    tmp = tmp_path_factory.mktemp("startup")
    open_database(f"sqlite:///{tmp / 'pw.db'}").engine.dispose()
    return tmp


def test_version_imports_only_the_command_line(workdir):
    modules = imported_by(workdir, "--version")
    assert not tops(modules) & (CRAWL_LIBRARIES | {"pydantic", "sqlalchemy", "rich", "apscheduler"})


def test_plans_reads_the_store_without_configuration_or_crawler(workdir):
    modules = imported_by(workdir, "plans")
    assert "storage.views" in modules
    assert not tops(modules) & (CRAWL_LIBRARIES | {"pydantic", "apscheduler", "crawler"})


def test_status_imports_the_job_schedules_not_the_scheduler(workdir):
    modules = imported_by(workdir, "status")
    assert "planwatch.schedules" in modules and "apscheduler.triggers.cron" in modules
    unused = {"planwatch.service", "planwatch.jobs", "apscheduler.schedulers.background",
              "apscheduler.jobstores.sqlalchemy", "apscheduler.executors.pool", "multiprocessing.context"}
    assert not modules & unused
    assert not tops(modules) & (CRAWL_LIBRARIES - {"lxml"})  # lxml: parsel validates the configured selectors
