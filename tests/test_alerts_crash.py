"""A sending process killed at the worst moment: the next run must not send the message again.

The sending runs in a real child process, killed with SIGKILL:
- SMTP: the test server holds its reply to the DATA until the child is dead, so the
  server has the whole message while the child never learnt it was accepted;
- files: the child dies right after writing the .eml (delivered, not marked) or
  right before writing it (claimed, not delivered).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

from alerts_fixtures import (
    add_plan,
    add_subscriber_row,
    deliveries_of,
    make_config,
    outgoing,
    seed_like_plans,
)
from smtp_server import Behaviour, SmtpTestServer

from alerts.delivery import send_pending
from alerts.outbox import in_flight_grace

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 22, 0, 30)

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from pathlib import Path

    from alerts.delivery import send_pending
    from alerts.transport import FileTransport
    from planwatch.config import parse_config
    from storage.db import open_database

    url, config_text, outbox, now, mode = sys.argv[1:6]

    class DyingFileTransport(FileTransport):
        def send(self, envelope):
            if mode == "die-after-write":
                super().send(envelope)
            os.kill(os.getpid(), signal.SIGKILL)

    transport = DyingFileTransport(Path(outbox)) if mode.startswith("die") else None
    send_pending(open_database(url), parse_config(config_text, "child.toml"), Path(outbox),
                 now=datetime.fromisoformat(now), transport=transport, env={})
    """
)


def child(db, config_text: str, outbox: Path, mode: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWATCH_SMTP")}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, db.url, config_text, str(outbox), NOW.isoformat(), mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killed_after_the_server_took_the_data_is_not_sent_again(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "reader@example.com", frequency="run")
    with SmtpTestServer(behaviour=Behaviour(hold=True)) as srv:
        config_text = f'[smtp]\nurl = "{srv.url}"\nsender = "planwatch <planwatch@example.org>"\ntimeout = 20\n'
        proc = child(db, config_text, tmp_path, "smtp")
        try:
            assert srv.data_received.wait(60), (
                proc.stderr.read().decode() if proc.poll() is not None else "no DATA"
            )
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(30) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            srv.release()
        assert len(srv.messages) == 1
        (message,) = outgoing(db)
        assert message.status == "prepared"  # recorded before it was handed over
        assert srv.messages[0].message["Message-ID"] == message.message_id

        srv.behaviour = Behaviour()
        config = make_config(config_text)
        soon = send_pending(db, config, tmp_path, now=NOW + timedelta(minutes=1), env={})
        assert soon.messages == 0 and soon.recovered.waiting == 1  # perhaps still in someone's hands
        assert {d.status for d in deliveries_of(db, "reader@example.com")} == {"sending"}

        later = NOW + in_flight_grace(config) + timedelta(minutes=1)
        report = send_pending(db, config, tmp_path, now=later, env={})
        assert report.messages == 0 and report.recovered.unconfirmed == 1
        assert "unconfirmed" in report.summary_line()
        assert {d.status for d in deliveries_of(db, "reader@example.com")} == {"sent"}
        assert [m.status for m in outgoing(db)] == ["unconfirmed"]
        assert len(srv.messages) == 1  # never a second copy

        # and the outbox goes on normally for what comes next
        with db.session() as s:
            add_plan(
                s,
                municipality="수원시",
                province="경기도",
                title="수원시 계획",
                event_type="plan_kickoff",
                event_date=datetime(2026, 11, 21).date(),
            )
        report = send_pending(db, config, tmp_path, now=later + timedelta(minutes=1), env={})
        assert report.messages_sent == 1 and len(srv.messages) == 2
        body = srv.messages[1].message.get_body(("plain",)).get_content()
        assert "수원시" in body and "안양시" not in body


def test_killed_after_writing_the_file_is_marked_sent_without_a_second_file(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
    outbox = tmp_path / "outbox"
    proc = child(db, "", outbox, "die-after-write")
    assert proc.wait(60) == -signal.SIGKILL, proc.stderr.read().decode()
    assert len(list(outbox.glob("*.eml"))) == 1 and [m.status for m in outgoing(db)] == ["prepared"]
    report = send_pending(db, make_config(), outbox, now=NOW + timedelta(minutes=1), env={})
    assert report.recovered.delivered == 1 and report.messages == 0 and report.items == 5
    assert len(list(outbox.glob("*.eml"))) == 1
    assert [m.status for m in outgoing(db)] == ["sent"]
    assert {d.status for d in deliveries_of(db, "planwatch@localhost")} == {"sent"}


def test_killed_before_writing_the_file_is_written_once_later(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
    outbox = tmp_path / "outbox"
    proc = child(db, "", outbox, "die-before-write")
    assert proc.wait(60) == -signal.SIGKILL, proc.stderr.read().decode()
    assert not list(outbox.glob("*.eml"))
    config = make_config()
    soon = send_pending(db, config, outbox, now=NOW + timedelta(minutes=1), env={})
    assert soon.recovered.waiting == 1 and not list(outbox.glob("*.eml"))
    later = send_pending(db, config, outbox, now=NOW + in_flight_grace(config) + timedelta(minutes=1), env={})
    assert later.recovered.requeued == 1 and later.messages_written == 1 and later.items == 5
    assert len(list(outbox.glob("*.eml"))) == 1
    assert [m.status for m in outgoing(db)] == ["failed", "sent"]
