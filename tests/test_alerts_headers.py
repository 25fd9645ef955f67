"""Every header of every message kind parses strictly, and List-Unsubscribe keeps the RFC 8058 shape.

The messages are built as delivery builds them and sent through the real test SMTP
server; what the server received is parsed again with ``email.policy.strict`` (every
header through ``email.headerregistry``, a defect is an error). List-Unsubscribe must
be a list of ``<…>`` URIs, never an RFC 2047 encoded-word, whatever the length of the
sender's address (10 to 120 characters), with ``List-Unsubscribe-Post`` exactly when
an https one-click URL is in it.
"""

from __future__ import annotations

import email.policy
import re
from datetime import datetime, timedelta
from email.parser import BytesParser
from urllib.parse import unquote

import pytest
from alerts_fixtures import add_subscriber_row, make_config, seed_like_plans
from smtp_server import SmtpTestServer, down_url

from alerts.delivery import send_pending
from alerts.headers import HeaderValueError, list_headers
from alerts.identity import SenderError, mail_identity
from alerts.mime import build_message, message_bytes, recipient_address
from planwatch.config import ConfigError
from storage.models import Delivery

NOW = datetime(2026, 11, 22, 0, 30)
URI_LIST = re.compile(r"^<[!-;=?-~]+>(?:, <[!-;=?-~]+>)*$")  # printable ASCII without < > or space inside
STRICT = email.policy.strict


def sender_of_length(n: int) -> str:
    """A valid address of exactly ``n`` characters (10 to 120) on a multi-label domain."""
    domain = "pw.kr" if n < 30 else "planwatch.example.kr"
    while len(domain) < min(n - 2, 60):
        domain = "x" + domain
    return "a" * (n - 1 - len(domain)) + "@" + domain


def strict_headers(data: bytes) -> dict[str, str]:
    """Parse ``data`` strictly; every header value through the header registry; unfolded values."""
    msg = BytesParser(policy=STRICT).parsebytes(data)
    out: dict[str, str] = {}
    for name in msg:
        header = msg[name]  # the registry's parse: raises under the strict policy on a defect
        assert not header.defects, f"{name}: {header.defects}"
        out[name] = str(header)
    return out


def raw_field(data: bytes, name: str) -> str:
    """The field as written on the wire, unfolded by hand (no decoding at all)."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    fields = re.split(r"\r\n(?![ \t])", head)
    (field,) = [f for f in fields if f.lower().startswith(name.lower() + ":")]
    return " ".join(field.split(":", 1)[1].split())


def check_list_unsubscribe(data: bytes, *, sender: str, recipient: str, one_click: str | None) -> None:
    value = raw_field(data, "List-Unsubscribe")
    assert "=?" not in value, value
    assert URI_LIST.match(value), value
    uris = re.findall(r"<([^<>]+)>", value)
    mailto = [u for u in uris if u.startswith("mailto:")]
    assert len(mailto) == 1 and unquote(mailto[0]).startswith(f"mailto:{sender}?subject=unsubscribe")
    assert recipient in unquote(mailto[0])
    https = [u for u in uris if u.startswith("https:")]
    if one_click:
        assert https == [one_click] and uris[0] == one_click  # the one-click link comes first
        assert raw_field(data, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    else:
        assert not https and b"List-Unsubscribe-Post" not in data
    head = data.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    field = re.search(rb"^List-Unsubscribe:.*?\r\n(?![ \t])", head + b"\r\n", re.M | re.S)
    assert field is not None
    for line in field.group(0).split(b"\r\n")[:-1]:
        if len(line) > 78:  # only a URI that is itself longer than a line may make a long line
            assert re.fullmatch(rb" <[^<> ]{70,}>,?", line), line


@pytest.mark.parametrize("length", [10, 18, 30, 45, 60, 77, 78, 90, 120])
@pytest.mark.parametrize("one_click", [None, "https://desk.example.kr/unsubscribe/tok3n-abc?k=1"])
def test_every_header_parses_strictly_at_any_sender_length(length, one_click):
    address = sender_of_length(length)
    assert len(address) == length
    config = make_config(
        f'[smtp]\nsender = "planwatch 알림 <{address}>"\nreply_to = "데스크 <desk@example.kr>"\n'
        f'envelope_sender = "bounces@example.kr"\n'
    )
    identity = mail_identity(config, relay=True)
    recipient = recipient_address("analyst@example.kr", "김분석")
    msg = build_message(
        sender=identity.sender,
        recipient=recipient,
        subject="[planwatch] 수원시 4차 산업혁명 기본계획 — 착수보고회 " * 3,
        text="본문",
        html="<p>본문</p>",
        message_id=identity.new_message_id(),
        date=NOW,
        list_headers=identity.headers_for("analyst@example.kr", one_click),
        reply_to=identity.reply_to,
    )
    data = message_bytes(msg)
    assert data.isascii()
    headers = strict_headers(data)
    assert headers["Message-ID"].endswith(f"@{address.split('@')[1]}>")
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["List-Id"] == f"planwatch <planwatch.{address.split('@')[1]}>"
    assert headers["Reply-To"] == "데스크 <desk@example.kr>"
    assert identity.envelope_sender == "bounces@example.kr"
    check_list_unsubscribe(data, sender=address, recipient="analyst@example.kr", one_click=one_click)


def test_an_http_link_is_listed_without_the_one_click_post():
    headers = list_headers("alerts@example.kr", "http://desk.example.kr/u/1", recipient="a@example.kr")
    assert headers["List-Unsubscribe"].startswith("<http://desk.example.kr/u/1>, <mailto:")
    assert "List-Unsubscribe-Post" not in headers


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "https://x.kr/a b", "https://x.kr/<a>", "/relative"])
def test_an_unusable_one_click_url_is_refused(bad):
    with pytest.raises(HeaderValueError):
        list_headers("alerts@example.kr", bad)


def test_a_relay_refuses_a_missing_or_localhost_sender():
    with pytest.raises(ConfigError, match="smtp.sender is required"):
        make_config('[smtp]\nurl = "smtp://mail.example.kr:587"\n')
    with pytest.raises(ConfigError, match="local address"):
        make_config('[smtp]\nurl = "smtp://mail.example.kr:587"\nsender = "p <planwatch@localhost>"\n')
    with pytest.raises(SenderError, match="required"):  # the URL from the environment: checked at sending
        mail_identity(make_config(), relay=True)
    outbox = mail_identity(make_config(), relay=False)  # the outbox directory keeps the default
    assert outbox.sender.addr_spec == "planwatch@localhost"


def test_reply_to_and_list_id_are_validated():
    with pytest.raises(ConfigError, match="smtp.reply_to"):
        make_config('[smtp]\nreply_to = "nobody"\n')
    with pytest.raises(ConfigError, match="smtp.envelope_sender"):
        make_config('[smtp]\nenvelope_sender = "Bounces <b@example.kr>"\n')
    with pytest.raises(ConfigError, match="smtp.list_id"):
        make_config('[smtp]\nlist_id = "not a label"\n')
    config = make_config('[smtp]\nsender = "a@example.kr"\nlist_id = "digests.planwatch.example.kr"\n')
    assert mail_identity(config, relay=True).headers_for("r@example.kr")["List-Id"] == (
        "planwatch <digests.planwatch.example.kr>"
    )


def relay_config(url: str, sender: str) -> object:
    return make_config(
        f'[smtp]\nurl = "{url}"\nsender = "planwatch <{sender}>"\n'
        'envelope_sender = "bounces@planwatch.example.kr"\ntimeout = 5\n'
    )


@pytest.mark.parametrize("frequency", ["run", "immediate"])
def test_messages_through_smtp_keep_the_unsubscribe_button(db, tmp_path, frequency):
    """The issue's case: sender alerts@planwatch.example.kr, recipient analyst@example.kr."""
    sender = "alerts@planwatch.example.kr"
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "analyst@example.kr", frequency=frequency)
    with SmtpTestServer() as server:
        report = send_pending(
            db, relay_config(server.url, sender), tmp_path / "outbox", now=NOW, env={},
            frequencies=(frequency,),
        )
        assert report.messages_sent >= 1 and not report.failures
        for received in server.messages:
            assert received.mail_from == "bounces@planwatch.example.kr"
            headers = strict_headers(received.data)
            assert headers["From"] == f"planwatch <{sender}>"
            assert headers["Message-ID"].endswith("@planwatch.example.kr>")
            assert headers["List-Id"] == "planwatch <planwatch.planwatch.example.kr>"
            check_list_unsubscribe(received.data, sender=sender, recipient="analyst@example.kr", one_click=None)


def test_a_localhost_sender_through_an_environment_relay_sends_nothing_and_keeps_the_items(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "analyst@example.kr", frequency="run")
    report = send_pending(
        db, make_config(), tmp_path / "outbox", now=NOW, env={"PLANWATCH_SMTP_URL": down_url()}
    )
    assert report.messages == 0 and "smtp.sender is required" in report.failures[0]
    with db.session() as s:
        statuses = {d.status for d in s.query(Delivery).all()}
    assert statuses == {"queued"}
    # configured later: the same items go out
    with SmtpTestServer() as server:
        later = send_pending(
            db, relay_config(server.url, "alerts@example.kr"), tmp_path / "outbox",
            now=NOW + timedelta(minutes=1), env={},
        )
        assert later.messages_sent == 1 and later.items == 5


def test_the_operator_message_parses_strictly_too(db, tmp_path):
    from storage.models import SourceRun

    with db.session() as s:
        s.add(SourceRun(source="gone", started_at=NOW, finished_at=NOW, outcome="unreachable",
                        message="cannot reach host 127.0.0.1:8099 (connection refused)"))
    sources = '[[source]]\nname = "gone"\ntype = "feed"\nurl = "https://gone.example.kr/rss"\n'
    with SmtpTestServer() as server:
        config = make_config(
            f'[smtp]\nurl = "{server.url}"\nsender = "planwatch <{sender_of_length(120)}>"\ntimeout = 5\n'
            f'[alerts]\noperator = "ops@example.kr"\n{sources}'
        )
        report = send_pending(db, config, tmp_path / "outbox", now=NOW + timedelta(minutes=1), env={})
        assert report.operator_mails == 1
        (received,) = server.to("ops@example.kr")
        headers = strict_headers(received.data)
        assert headers["Auto-Submitted"] == "auto-generated" and "List-Unsubscribe" not in headers
        assert headers["Subject"].startswith("[planwatch] 수집 상태")
        assert all(len(line) <= 998 for line in received.data.split(b"\r\n"))


def test_a_one_click_link_from_the_web_desk_reaches_the_message(db, tmp_path):
    """``send_pending(one_click_url=...)``: the https link first, List-Unsubscribe-Post beside it."""
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "analyst@example.kr", frequency="run")

    def link(email: str) -> str:
        return f"https://desk.planwatch.example.kr/unsubscribe/{email.split('@')[0]}.s1gnature"

    with SmtpTestServer() as server:
        report = send_pending(db, relay_config(server.url, "alerts@planwatch.example.kr"), tmp_path / "outbox",
                              now=NOW, env={}, one_click_url=link)
        assert report.messages_sent == 1
        (received,) = server.messages
        strict_headers(received.data)
        check_list_unsubscribe(received.data, sender="alerts@planwatch.example.kr", recipient="analyst@example.kr",
                               one_click="https://desk.planwatch.example.kr/unsubscribe/analyst.s1gnature")
