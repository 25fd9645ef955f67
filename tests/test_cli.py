"""The command line's contract: --help everywhere, exit codes 0 / 1 / 2, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from planwatch.cli import main


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


COMMANDS = list(all_commands(main))


def test_the_documented_commands_exist():
    names = {c[0] for c in COMMANDS}
    assert {"replay", "extract", "plans", "digest", "subscribers", "crawl", "sources", "run", "status",
            "worker", "enqueue", "db", "backfill", "coverage"} <= names


@pytest.mark.parametrize("path", [()] + COMMANDS, ids=lambda p: " ".join(p) or "main")
def test_every_command_has_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 3


def test_bad_usage_exits_2():
    result = CliRunner().invoke(main, ["replay"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2


def test_backfill_without_since_or_with_a_bad_date_is_bad_usage():
    assert CliRunner().invoke(main, ["backfill"]).exit_code == 2
    result = CliRunner().invoke(main, ["backfill", "--since", "2017-13-01"])
    assert result.exit_code == 2 and "expected a date like 2017-01-01" in result.output
    assert CliRunner().invoke(main, ["backfill", "--since", "2999-01-01"]).exit_code == 2


def test_runtime_failure_exits_1_with_one_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "planwatch", "--db", f"sqlite:///{tmp_path / 'x.db'}", "replay", str(empty)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "nothing to replay" in errors[0]


def test_broken_config_is_one_line_naming_file_and_line(tmp_path):
    cfg = tmp_path / "planwatch.toml"
    cfg.write_text('[crawl]\nconcurrency = "many"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "planwatch", "--config", str(cfg), "--db", f"sqlite:///{tmp_path / 'x.db'}",
         "digest", "--preview", str(tmp_path / "p.html")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert f"{cfg}:2: crawl.concurrency" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
