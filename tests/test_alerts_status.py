"""`planwatch status` tells the truth about sources and deliveries; commands say which database they use.

Run as a user runs them (the click command line over a real database, the real
test SMTP server refusing and deferring recipients).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from alerts_fixtures import add_subscriber_row, seed_like_plans
from click.testing import CliRunner
from smtp_server import Behaviour, SmtpTestServer

from planwatch.cli import main
from storage.models import SourceRun, utcnow

ROOT = Path(__file__).resolve().parents[1]
SOURCES = """
[[source]]
name = "gone"
type = "feed"
url = "https://gone.example.kr/rss"
[[source]]
name = "missing"
type = "feed"
url = "https://missing.example.kr/rss"
"""


def cli(tmp_path, db_url: str, *args: str, config: str = "", env: dict[str, str] | None = None):
    cfg = tmp_path / "planwatch.toml"
    cfg.write_text(config, encoding="utf-8")
    return CliRunner().invoke(
        main, ["--config", str(cfg), "--db", db_url, "--outbox", str(tmp_path / "outbox"), *args],
        env={"PLANWATCH_SMTP_URL": "", **(env or {})},
    )


def relay(url: str) -> str:
    return f'[smtp]\nurl = "{url}"\nsender = "planwatch <alerts@planwatch.example.kr>"\ntimeout = 5\n'


def test_status_names_failed_sources_and_every_delivery_state(db, tmp_path):
    now = utcnow()
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "ok@example.kr", frequency="run")
        add_subscriber_row(s, "gone@example.kr", frequency="run")
        add_subscriber_row(s, "busy@example.kr", frequency="run")
        s.add(SourceRun(source="gone", started_at=now - timedelta(minutes=3), finished_at=now - timedelta(minutes=3),
                        outcome="unreachable", message="cannot reach host 127.0.0.1:8099 (connection refused)"))
        s.add(SourceRun(source="missing", started_at=now - timedelta(minutes=2), finished_at=now,
                        outcome="failed", message="HTTP 404 from https://missing.example.kr/rss"))
    behaviour = Behaviour(refuse={"gone@example.kr": "550 5.1.1 no such user here",
                                  "busy@example.kr": "451 4.3.0 mailbox busy, try later"})
    with SmtpTestServer(behaviour=behaviour) as server:
        sent = cli(tmp_path, db.url, "digest", config=relay(server.url) + SOURCES)
        assert sent.exit_code == 1
        assert "1 deferred (busy@example.kr)" in sent.output and "1 refused (gone@example.kr)" in sent.output

    result = cli(tmp_path, db.url, "status", "--json", config=SOURCES)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["database"].startswith("SQLite file ") or data["database"].startswith("PostgreSQL ")
    assert set(data["attention"]) == {"gone", "missing"}
    deliveries = data["deliveries"]
    assert deliveries["sent_last_day"] == 1 and deliveries["last_sent"].endswith("+00:00")
    (waiting,) = deliveries["deferred"]
    assert waiting["email"] == "busy@example.kr" and waiting["items"] == 5
    assert waiting["next_try"].endswith("+00:00") and "451 4.3.0 mailbox busy" in waiting["error"]
    (refused,) = deliveries["failed"]
    assert refused["email"] == "gone@example.kr" and "550 5.1.1 no such user here" in refused["reply"]

    table = cli(tmp_path, db.url, "status", config=SOURCES, env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    out = table.output
    assert "sources: none failing or silent" not in out
    assert re.search(r"gone failed since .*: the site refused the connection \(cannot reach host 127\.0\.0\.1:8099", out)
    assert re.search(r"missing failed since .*: page not found \(HTTP 404\)", out)
    assert "jobs (times in Asia/Seoul, +09:00)" in out and "database: " in out
    assert re.search(r"deferred busy@example\.kr: 5 items, next try \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: .*451", out)
    assert re.search(r"failed gone@example\.kr: 5 items refused: .*550 5\.1\.1 no such user here", out)


def test_reading_commands_on_a_missing_sqlite_file_say_so_and_create_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = "sqlite:///srv/planwatch.db"  # meant as /srv/planwatch.db: one slash short
    for command in (["plans"], ["status"], ["subscribers", "list"], ["subscribers", "export", "-"]):
        result = cli(tmp_path, url, *command)
        assert result.exit_code == 1, (command, result.output)
        assert f"no database at {tmp_path / 'srv' / 'planwatch.db'}" in result.output
        assert "an absolute path takes four slashes: sqlite:////srv/planwatch.db" in result.output
    assert not (tmp_path / "srv").exists()
    created = cli(tmp_path, url, "subscribers", "add", "first@example.kr")  # a writing command creates it
    assert created.exit_code == 0, created.output
    assert (tmp_path / "srv" / "planwatch.db").exists()
    assert cli(tmp_path, url, "plans").exit_code == 0


def test_verbose_names_the_database_on_stderr_with_a_utc_time(tmp_path):
    url = f"sqlite:///{tmp_path / 'v.db'}"
    result = CliRunner().invoke(main, ["-v", "--db", url, "--outbox", str(tmp_path / "o"), "subscribers", "add",
                                       "v@example.kr"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "database:" in line)
    assert f"SQLite file {tmp_path / 'v.db'} (created)" in line
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 INFO ", line)


def test_a_replay_whose_digest_was_refused_exits_1_naming_the_recipient(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    config = '[digest]\nrecipients = ["nobody@example.kr", "reader@example.kr"]\n'
    with SmtpTestServer(behaviour=Behaviour(refuse={"nobody@example.kr": "550 5.1.1 unknown user"})) as server:
        result = cli(tmp_path, url, "replay", str(ROOT / "seeds"), config=relay(server.url) + config)
        assert len(server.to("reader@example.kr")) == 1
    assert result.exit_code == 1
    assert "1 refused (nobody@example.kr)" in result.output
    assert "digest refused: nobody@example.kr: nobody@example.kr refused: 550 5.1.1 unknown user" in result.output
    assert "the digest was refused for 1 recipients (nobody@example.kr)" in result.output


def test_outbox_files_and_subscribers_list_carry_the_zone(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "file@example.kr", frequency="run")
    assert cli(tmp_path, db.url, "digest").exit_code == 0
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    assert re.match(r"\d{8}-\d{6}\+0900-file@example\.kr-[0-9a-f]{10}\.eml$", eml.name), eml.name
    listed = cli(tmp_path, db.url, "subscribers", "list", env={"COLUMNS": "200"})
    assert re.search(r"last \d{4}-\d\d-\d\d \d\d:\d\d \+09:00", listed.output), listed.output
