"""The default configuration ships in the package; ``planwatch init`` writes it as a starter file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from planwatch.config import (
    BUILT_IN_CONFIG,
    DEFAULT_CONFIG_NAME,
    default_config_text,
    load_config,
    parse_config,
)


def planwatch(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWATCH_")}
    return subprocess.run([sys.executable, "-m", "planwatch", "--db", f"sqlite:///{cwd / 'pw.db'}", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_without_a_config_file_the_packaged_default_is_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANWATCH_CONFIG", raising=False)
    config = load_config()
    assert config.path == BUILT_IN_CONFIG
    packaged = parse_config(default_config_text())
    assert [s.name for s in config.sources] == [s.name for s in packaged.sources]
    assert len(config.sources) >= 5 and not config.crawl.allow_private_addresses


def test_a_config_file_in_the_directory_replaces_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANWATCH_CONFIG", raising=False)
    (tmp_path / DEFAULT_CONFIG_NAME).write_text('[crawl]\nconcurrency = 3\n', encoding="utf-8")
    config = load_config()
    assert config.path == DEFAULT_CONFIG_NAME and config.sources == [] and config.crawl.concurrency == 3


def test_init_writes_the_commented_default_and_it_validates(tmp_path):
    proc = planwatch(tmp_path, "init")
    assert proc.returncode == 0, proc.stderr
    written = (tmp_path / DEFAULT_CONFIG_NAME).read_text(encoding="utf-8")
    assert written == default_config_text()
    assert written.startswith("# planwatch configuration") and "# [smtp]" in written
    sources = len(parse_config(written).sources)
    assert proc.stdout.strip().startswith(f"wrote {DEFAULT_CONFIG_NAME}: {sources} sources")
    check = planwatch(tmp_path, "sources", "--check")
    assert check.returncode == 0 and check.stdout.strip() == f"{sources} sources OK in {DEFAULT_CONFIG_NAME}"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


def test_init_keeps_an_existing_file_unless_forced(tmp_path):
    mine = tmp_path / DEFAULT_CONFIG_NAME
    mine.write_text('[crawl]\nconcurrency = 3\n', encoding="utf-8")
    refused = planwatch(tmp_path, "init")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"Error: {mine} already exists; keep it, or pass --force to replace it"]
    assert mine.read_text(encoding="utf-8") == '[crawl]\nconcurrency = 3\n'
    forced = planwatch(tmp_path, "init", "--force")
    assert forced.returncode == 0, forced.stderr
    assert mine.read_text(encoding="utf-8") == default_config_text()


def test_a_write_that_fails_is_one_line_and_leaves_nothing(tmp_path):
    (tmp_path / DEFAULT_CONFIG_NAME).mkdir()  # a directory of that name: the rename onto it fails
    proc = planwatch(tmp_path, "init", "--force")
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and f"cannot write {tmp_path / DEFAULT_CONFIG_NAME}" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []


def test_sources_check_names_the_built_in_configuration(tmp_path):
    proc = planwatch(tmp_path, "sources", "--check")
    sources = len(parse_config(default_config_text()).sources)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{sources} sources OK in {BUILT_IN_CONFIG}"


def test_version_is_the_package_version(tmp_path):
    from importlib.metadata import version

    proc = planwatch(tmp_path, "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"planwatch, version {version('planwatch')}"
