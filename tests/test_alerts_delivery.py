"""Delivery through a real SMTP server (aiosmtpd on 127.0.0.1) and into the outbox directory.

Right subscribers, right items, one message each; headers and parts; a server that
is down, refuses, drops the connection or is slow; STARTTLS, implicit TLS and login
without the password ever showing; the file transport's permissions.
"""

from __future__ import annotations

import email.utils
import logging
import stat
from datetime import date, datetime, timedelta

import pytest
from alerts_fixtures import (
    add_plan,
    add_subscriber_row,
    deliveries_of,
    make_config,
    outgoing,
    seed_like_plans,
)
from click.testing import CliRunner
from smtp_server import Behaviour, HungServer, SmtpTestServer, client_context, down_url, make_certificate

from alerts.delivery import queue_and_send_immediate, send_pending
from alerts.transport import SmtpConfigError, smtp_endpoint, transport_from_config
from planwatch.cli.alerts_cmds import digest as digest_cmd
from planwatch.cli.alerts_cmds import subscribers as subscribers_cmd
from storage.models import Subscriber

NOW = datetime(2026, 11, 22, 0, 30)  # UTC; 2026-11-22 09:30 in Seoul
PASSWORD = "s3cret-Pa55word!"
SENDER = '[smtp]\nsender = "planwatch <planwatch@example.org>"\n'  # a relay needs a real sender


@pytest.fixture
def server():
    with SmtpTestServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


def smtp_config(url: str, extra: str = "") -> object:
    return make_config(
        f'[smtp]\nurl = "{url}"\nsender = "planwatch <planwatch@example.org>"\ntimeout = 5\n{extra}'
    )


def send_all(db, config, tmp_path, now=NOW, **kw):
    return send_pending(db, config, tmp_path / "outbox", now=now, env={}, **kw)


class App:
    """The command line's app context, over the test database."""

    def __init__(self, db, config, outbox):
        self.config, self.db_url, self.outbox, self._db = config, db.url, outbox, db

    def database(self, **_options):
        return self._db


def test_right_subscribers_get_the_right_items_and_nobody_else(db, server, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "gyeonggi@example.com", provinces=["경기도"])
        add_subscriber_row(s, "adopted@example.com", events=["plan_adopted"])
        add_subscriber_row(s, "daejeon@example.com", keywords=["대전 육성"], language="en")
        add_subscriber_row(s, "gwangyang@example.com", municipalities=["광양시"], provinces=["대전광역시"])
        add_subscriber_row(s, "busan@example.com", municipalities=["부산광역시"])
        add_subscriber_row(s, "paused@example.com", active=False)
    report = send_all(db, smtp_config(server.url), tmp_path)
    assert report.messages_sent == 4 and report.failures == []
    assert sorted(r for m in server.messages for r in m.rcpt_tos) == [
        "adopted@example.com",
        "daejeon@example.com",
        "gwangyang@example.com",
        "gyeonggi@example.com",
    ]

    def cities(address):
        (received,) = server.to(address)  # exactly one message per subscriber
        return received.message.get_body(("plain",)).get_content()

    gyeonggi = cities("gyeonggi@example.com")
    assert all(c in gyeonggi for c in ("안양시", "부천시", "시흥시"))
    assert not any(c in gyeonggi for c in ("광양시", "대전광역시"))
    assert "광양시" in cities("adopted@example.com") and "안양시" not in cities("adopted@example.com")
    daejeon = cities("daejeon@example.com")
    assert "대전광역시" in daejeon and "committee launched" in daejeon and "안양시" not in daejeon
    gwangyang = cities("gwangyang@example.com")
    assert "광양시" in gwangyang and "대전광역시" in gwangyang and "안양시" not in gwangyang
    assert deliveries_of(db, "busan@example.com") == [] and deliveries_of(db, "paused@example.com") == []
    # nothing twice: a second run sends nothing
    again = send_all(db, smtp_config(server.url), tmp_path)
    assert again.messages == 0 and len(server.messages) == 4


def test_headers_and_both_parts_decode_to_the_korean_text(db, server, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "reader@example.com", name="김독자")
    report = send_all(db, smtp_config(server.url), tmp_path)
    assert report.messages_sent == 1 and report.items == 5
    (received,) = server.messages
    raw = received.data
    assert all(len(line) <= 78 for line in raw.split(b"\r\n")) and raw.isascii()  # 7-bit, folded
    msg = received.message
    assert msg["Subject"] == "[planwatch] 새 계획 5건 — 2026-11-22"
    assert "=?utf-8?" in raw.split(b"\r\n\r\n")[0].decode().lower()  # RFC 2047 on the wire
    assert (
        msg["From"].addresses[0].addr_spec == "planwatch@example.org"
        and received.mail_from == "planwatch@example.org"
    )
    assert msg["To"].addresses[0].display_name == "김독자"
    assert email.utils.parsedate_to_datetime(msg["Date"]).isoformat() == "2026-11-22T09:30:00+09:00"
    assert (
        msg["List-Unsubscribe"].strip()
        == "<mailto:planwatch@example.org?subject=unsubscribe%20reader%40example.com>"
    )
    (row,) = outgoing(db)
    assert msg["Message-ID"] == row.message_id and row.status == "sent" and row.transport == "smtp"
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert "김독자님, 새로 확인된 소식입니다." in plain.get_content()
    assert "제2기 안양시 4차 산업혁명 촉진 종합계획" in html.get_content()
    assert "스마트라이프를 위한 첨단융합산업 선도 도시, 부천" in html.get_content()
    assert {d.message_id for d in deliveries_of(db, "reader@example.com")} == {row.message_id}


def test_server_down_keeps_everything_and_sends_it_later_exactly_once(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "a@example.com")
        add_subscriber_row(s, "b@example.com")
    config = smtp_config(down_url(), '[digest]\nretry_after = "5m"\n')
    report = send_all(db, config, tmp_path)
    assert report.messages == 0 and report.deferred == 2 and "cannot connect" in report.failures[0]
    for address in ("a@example.com", "b@example.com"):
        ds = deliveries_of(db, address)
        assert len(ds) == 5 and {(d.status, d.attempts, d.next_attempt_at) for d in ds} == {
            ("queued", 1, NOW + timedelta(minutes=5))
        }
    # still down: the wait doubles
    send_all(db, config, tmp_path, now=NOW + timedelta(minutes=6))
    assert {(d.attempts, d.next_attempt_at) for d in deliveries_of(db, "a@example.com")} == {
        (2, NOW + timedelta(minutes=16))
    }
    with SmtpTestServer() as srv:
        config = smtp_config(srv.url)
        early = send_all(db, config, tmp_path, now=NOW + timedelta(minutes=10))  # still waiting
        assert early.messages == 0 and srv.messages == []
        later = send_all(db, config, tmp_path, now=NOW + timedelta(minutes=17))
        assert later.messages_sent == 2 and later.items == 10
        again = send_all(db, config, tmp_path, now=NOW + timedelta(hours=2))
        assert again.messages == 0
        assert sorted(r for m in srv.messages for r in m.rcpt_tos) == ["a@example.com", "b@example.com"]
    assert {d.status for d in deliveries_of(db, "a@example.com")} == {"sent"}


def test_permanent_refusal_is_recorded_and_shown_and_not_retried(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "gone@example.com")
        add_subscriber_row(s, "fine@example.com")
    behaviour = Behaviour(refuse={"gone@example.com": "550 5.1.1 <gone@example.com>: mailbox unavailable"})
    with SmtpTestServer(behaviour=behaviour) as srv:
        config = smtp_config(srv.url)
        report = send_all(db, config, tmp_path)
        assert report.messages_sent == 1 and report.failed == 1
        assert "550" in report.failures[0]
        assert {d.status for d in deliveries_of(db, "gone@example.com")} == {"failed"}
        with db.session() as s:
            assert (
                "550 5.1.1" in s.query(Subscriber).filter_by(email="gone@example.com").one().permanent_failure
            )
        result = CliRunner().invoke(
            subscribers_cmd, ["list"], obj=App(db, config, tmp_path / "outbox"), terminal_width=400
        )
        assert result.exit_code == 0
        assert "failing" in result.output and "mailbox unavailable" in result.output
        # later news is not queued for a failing address, and nothing is retried
        with db.session() as s:
            add_plan(
                s,
                municipality="수원시",
                province="경기도",
                title="수원시 계획",
                event_type="plan_kickoff",
                event_date=date(2026, 11, 21),
            )
        send_all(db, config, tmp_path, now=NOW + timedelta(days=1))
        assert [r for m in srv.messages for r in m.rcpt_tos] == ["fine@example.com", "fine@example.com"]
        assert len(deliveries_of(db, "gone@example.com")) == 5
        # resuming clears the failure and queues the refused items again: the mailbox exists now
        result = CliRunner().invoke(
            subscribers_cmd, ["resume", "gone@example.com"], obj=App(db, config, tmp_path)
        )
        assert result.exit_code == 0
        with db.session() as s:
            assert s.query(Subscriber).filter_by(email="gone@example.com").one().permanent_failure is None
        assert {d.status for d in deliveries_of(db, "gone@example.com")} == {"queued"}
        srv.behaviour = Behaviour()
        again = send_all(db, config, tmp_path, now=NOW + timedelta(days=1, minutes=1))
        assert again.messages_sent == 1 and again.items == 5 and srv.to("gone@example.com")


def test_temporary_refusal_and_dropped_connection_are_retried_once(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "busy@example.com")
        add_subscriber_row(s, "other@example.com")
    behaviour = Behaviour(refuse={"busy@example.com": "451 4.3.0 try again later"})
    with SmtpTestServer(behaviour=behaviour) as srv:
        report = send_all(db, smtp_config(srv.url), tmp_path)
        assert (report.messages_sent, report.deferred) == (1, 1) and "451" in report.failures[0]
        assert {d.status for d in deliveries_of(db, "busy@example.com")} == {"queued"}
        # the server now takes the DATA and hangs up without answering: not accepted, retried
        srv.behaviour = Behaviour(close_after_data=True)
        report = send_all(db, smtp_config(srv.url), tmp_path, now=NOW + timedelta(minutes=6))
        assert report.deferred == 1 and report.messages == 0 and len(srv.dropped) == 1
        srv.behaviour = Behaviour()
        report = send_all(db, smtp_config(srv.url), tmp_path, now=NOW + timedelta(minutes=30))
        assert report.messages_sent == 1
        assert len(srv.to("busy@example.com")) == 1 and len(srv.to("other@example.com")) == 1
    assert {(d.status, d.attempts) for d in deliveries_of(db, "busy@example.com")} == {("sent", 2)}


def test_hung_server_times_out_then_a_slow_one_delivers(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "slow@example.com")
    with HungServer() as hung:
        config = make_config(f'{SENDER}url = "{hung.url}"\ntimeout = 0.5\n')
        report = send_all(db, config, tmp_path)
        assert report.deferred == 1 and "timed out" in report.failures[0]
    with SmtpTestServer(behaviour=Behaviour(delay=1.0)) as srv:  # slow, but within the timeout
        config = make_config(f'{SENDER}url = "{srv.url}"\ntimeout = 5\n')
        report = send_all(db, config, tmp_path, now=NOW + timedelta(minutes=6))
        assert report.messages_sent == 1 and len(srv.messages) == 1


def test_starttls_and_login_without_the_password_showing(db, tmp_path, certificate, caplog):
    caplog.set_level(logging.DEBUG)
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "tls@example.com")
    with SmtpTestServer(tls="starttls", certificate=certificate, login=("mailer", PASSWORD)) as srv:
        env = {"PLANWATCH_SMTP_URL": srv.url, "PLANWATCH_SMTP_PASSWORD": PASSWORD}
        config = make_config(SENDER)
        transport = transport_from_config(
            config, tmp_path, env=env, ssl_context=client_context(certificate[0])
        )
        assert PASSWORD not in repr(transport) and PASSWORD not in repr(smtp_endpoint(config, env))
        report = send_pending(db, config, tmp_path, now=NOW, transport=transport, env=env)
        transport.close()
        assert report.messages_sent == 1 and srv.auth_attempts and all(ok for _, ok in srv.auth_attempts)
        # a wrong password: refused, items kept, and the password is not in the message either
        with db.session() as s:
            add_plan(
                s,
                municipality="수원시",
                province="경기도",
                title="수원시 계획",
                event_type="plan_kickoff",
                event_date=date(2026, 11, 21),
            )
        bad = {**env, "PLANWATCH_SMTP_PASSWORD": PASSWORD + "x"}
        transport = transport_from_config(
            config, tmp_path, env=bad, ssl_context=client_context(certificate[0])
        )
        report = send_pending(db, config, tmp_path, now=NOW, transport=transport, env=bad)
        assert report.deferred == 1 and "login refused" in report.failures[0]
    everything = caplog.text + repr(report) + "".join(m.data.decode() for m in srv.messages)
    everything += " ".join(f"{o.error} {o.subject}" for o in outgoing(db))
    assert PASSWORD not in everything and "czNjcmV0" not in everything  # nor its base64


def test_implicit_tls(db, tmp_path, certificate):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "tls@example.com")
    with SmtpTestServer(tls="implicit", certificate=certificate) as srv:
        assert srv.url.startswith("smtps://")
        config = make_config(SENDER)
        transport = transport_from_config(
            config, tmp_path, env={"PLANWATCH_SMTP_URL": srv.url}, ssl_context=client_context(certificate[0])
        )
        report = send_pending(db, config, tmp_path, now=NOW, transport=transport)
        transport.close()
        assert report.messages_sent == 1 and len(srv.messages) == 1


def test_no_password_over_a_plain_connection_and_none_in_the_url(db, server, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "plain@example.com")
    config = make_config(SENDER)
    env = {
        "PLANWATCH_SMTP_URL": f"smtp://mailer@127.0.0.1:{server.port}",
        "PLANWATCH_SMTP_PASSWORD": PASSWORD,
    }
    result = CliRunner().invoke(digest_cmd, ["--send"], obj=App(db, config, tmp_path / "outbox"), env=env)
    assert result.exit_code == 1
    assert "does not offer STARTTLS" in result.output and PASSWORD not in result.output
    assert server.messages == [] and {d.status for d in deliveries_of(db, "plain@example.com")} == {"queued"}
    with pytest.raises(SmtpConfigError) as err:
        smtp_endpoint(config, {"PLANWATCH_SMTP_URL": f"smtp://mailer:{PASSWORD}@127.0.0.1:25"})
    assert PASSWORD not in str(err.value) and "PLANWATCH_SMTP_PASSWORD" in str(err.value)


def test_file_transport_writes_private_eml_and_html_once(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
    outbox = tmp_path / "outbox"
    report = queue_and_send_immediate(db, make_config(), outbox, now=NOW)
    assert report.messages_written == 1 and report.items == 5
    assert report.summary_line() == "1 written to the outbox, 5 items"
    (eml,) = outbox.glob("*.eml")
    assert eml.with_suffix(".html").is_file()
    assert (
        stat.S_IMODE(eml.stat().st_mode) == 0o600
        and stat.S_IMODE(eml.with_suffix(".html").stat().st_mode) == 0o600
    )
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["To"].addresses[0].addr_spec == "planwatch@localhost"  # the configured default recipient
    assert "새 계획 5건" in msg["Subject"]
    (row,) = outgoing(db)
    assert (row.status, row.transport, row.path) == ("sent", "file", str(eml))
    again = queue_and_send_immediate(db, make_config(), outbox, now=NOW + timedelta(hours=1))
    assert again.messages == 0 and len(list(outbox.glob("*.eml"))) == 1
    assert again.summary_line() == "nothing to send"


def test_immediate_and_scheduled_frequencies(db, server, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "now@example.com", frequency="immediate")
        add_subscriber_row(s, "each-run@example.com", frequency="run")
        add_subscriber_row(s, "daily@example.com", frequency="daily")
        add_subscriber_row(s, "weekly@example.com", frequency="weekly")
    config = smtp_config(server.url)
    report = queue_and_send_immediate(db, config, tmp_path, now=NOW, env={})
    recipients = [r for m in server.messages for r in m.rcpt_tos]
    assert sorted(recipients) == ["each-run@example.com"] + ["now@example.com"] * 5  # one per item vs one per run
    assert report.messages_sent == 6
    immediate = [m for m in server.messages if m.rcpt_tos == ["now@example.com"]]
    subjects = {m.message["Subject"] for m in immediate}  # one per plan, each naming its city and stage
    assert len(subjects) == 5 and "[planwatch] 시흥시 스마트도시계획 — 업무협약" in subjects
    assert all(any(city in s for city in ("안양시", "부천시", "광양시", "대전광역시", "시흥시")) for s in subjects)
    assert len({m.message.get_body(("plain",)).get_content() for m in immediate}) == 5  # a plan each
    send_pending(db, config, tmp_path, now=NOW, frequencies=("daily",), env={})
    assert [r for m in server.messages for r in m.rcpt_tos][6:] == ["daily@example.com"]
    result = CliRunner().invoke(
        digest_cmd,
        ["--send"],
        obj=App(db, config, tmp_path),
        env={"PLANWATCH_SMTP_URL": "", "PLANWATCH_SMTP_PASSWORD": ""},
    )
    assert result.exit_code == 0, result.output
    assert "1 sent, 5 items" in result.output
    assert [r for m in server.messages for r in m.rcpt_tos][-1] == "weekly@example.com"


def test_two_senders_at_once_deliver_each_digest_once(db, tmp_path):
    import threading

    with db.session() as s:
        seed_like_plans(s)
        for n in range(4):
            add_subscriber_row(s, f"r{n}@example.com")
    with SmtpTestServer(behaviour=Behaviour(delay=0.2)) as srv:
        config = smtp_config(srv.url)
        reports = []

        def sender():
            reports.append(send_all(db, config, tmp_path))

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sum(r.messages_sent for r in reports) == 4
        assert sorted(r for m in srv.messages for r in m.rcpt_tos) == [f"r{n}@example.com" for n in range(4)]
    for n in range(4):
        assert {d.status for d in deliveries_of(db, f"r{n}@example.com")} == {"sent"}


def test_digest_preview_command_writes_html_and_marks_nothing(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "weekly@example.com", frequency="weekly", language="en")
    app = App(db, make_config(), tmp_path / "outbox")
    target = tmp_path / "preview.html"
    result = CliRunner().invoke(
        digest_cmd, ["--preview", str(target), "--subscriber", "weekly@example.com"], obj=app
    )
    assert result.exit_code == 0, result.output
    assert "preview for weekly@example.com: 5 items" in result.output
    html = target.read_text(encoding="utf-8")
    assert "New plans" in html and "안양시" in html
    assert {d.status for d in deliveries_of(db, "weekly@example.com")} == {"queued"} and outgoing(db) == []
    assert not (tmp_path / "outbox").exists()
    nobody = CliRunner().invoke(
        digest_cmd, ["--preview", str(target), "--subscriber", "nobody@example.com"], obj=app
    )
    assert nobody.exit_code == 1 and "nobody@example.com is not subscribed" in nobody.output
    both = CliRunner().invoke(digest_cmd, ["--preview", str(target), "--send"], obj=app)
    assert both.exit_code == 2
