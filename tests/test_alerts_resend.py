"""``planwatch digest --send`` killed with SIGKILL while the server holds the message: the operator
sees who may have missed which items (``status``, ``status --json``) and sends them again on
purpose (``digest --resend``); nothing is sent twice without being asked.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
from alerts_fixtures import add_subscriber_row, seed_like_plans
from service_process import planwatch_command, run_cli
from smtp_server import Behaviour, SmtpTestServer

pytestmark = pytest.mark.faults


def write_config(tmp_path, url: str):
    path = tmp_path / "planwatch.toml"
    path.write_text(f'[smtp]\nurl = "{url}"\nsender = "planwatch <planwatch@example.kr>"\ntimeout = 20\n',
                    encoding="utf-8")
    return path


def test_after_a_kill_during_digest_send_status_names_the_subscriber_and_items_and_resend_sends_them(
        db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "reader@example.kr", frequency="daily")
        add_subscriber_row(s, "other@example.kr", frequency="daily", municipalities=["광양시"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWATCH_")}
    with SmtpTestServer(behaviour=Behaviour(hold=True)) as srv:
        config = write_config(tmp_path, srv.url)
        sender = subprocess.Popen(planwatch_command(config, db.url, tmp_path / "outbox", "digest", "--send"),
                                  cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert srv.data_received.wait(30), "the digest never reached the server"
            sender.send_signal(signal.SIGKILL)
            assert sender.wait(timeout=10) == -signal.SIGKILL
        finally:
            if sender.poll() is None:
                sender.kill()
        first = srv.messages[0].rcpt_tos[0]  # the subscriber whose message was in flight
        srv.behaviour.hold = False
        srv.release()

        status = run_cli(config, db.url, tmp_path, "status", "--json")
        assert status.returncode == 0, status.stderr
        (doubt,) = json.loads(status.stdout)["deliveries_in_doubt"]
        assert doubt["subscriber"] == first and doubt["state"] == "in flight"
        about = [item["about"] for item in doubt["items"]]
        assert about and all(about)
        text = run_cli(config, db.url, tmp_path, "status")
        assert f"{first}: {len(about)} item(s) in flight" in text.stdout
        assert about[0] in text.stdout and f"planwatch digest --resend {first}" in text.stdout

        # a plain run later does not send it again on its own (at most once) ...
        again = run_cli(config, db.url, tmp_path, "digest", "--send")
        assert again.returncode == 0, again.stderr
        assert len(srv.to(first)) == 1

        # ... the operator does, once
        resent = run_cli(config, db.url, tmp_path, "digest", "--resend", first)
        assert resent.returncode == 0, resent.stderr
        assert "resending 1 message(s) in doubt" in resent.stdout
        assert len(srv.to(first)) == 2
        body = srv.to(first)[1].message.get_body(("plain",)).get_content()
        assert all(a.split()[0] in body for a in about)
        after = run_cli(config, db.url, tmp_path, "status", "--json")
        assert json.loads(after.stdout)["deliveries_in_doubt"] == []
        twice = run_cli(config, db.url, tmp_path, "digest", "--resend", first)
        assert twice.returncode == 1 and "nothing to resend" in twice.stderr
        assert len(srv.to(first)) == 2
