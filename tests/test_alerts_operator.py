"""Source health goes to the operator, in Korean and English, once per change; never to subscribers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from alerts_fixtures import add_subscriber_row, make_config, seed_like_plans
from smtp_server import SmtpTestServer

from alerts.delivery import send_pending
from alerts.source_health import user_reason
from storage.models import SourceRun

NOW = datetime(2026, 11, 22, 0, 30)  # 09:30 in Seoul
SOURCES = """
[[source]]
name = "gone"
type = "feed"
url = "https://gone.example.kr/rss"
[[source]]
name = "missing"
type = "feed"
url = "https://missing.example.kr/rss"
[[source]]
name = "fine"
type = "feed"
url = "https://fine.example.kr/rss"
"""


def config_for(url: str, operator: str | None = "ops@example.kr"):
    alerts = f'[alerts]\noperator = "{operator}"\n' if operator else ""
    return make_config(
        f'[smtp]\nurl = "{url}"\nsender = "planwatch <alerts@planwatch.example.kr>"\ntimeout = 5\n{alerts}{SOURCES}'
    )


def crawl(db, source: str, outcome: str, at: datetime, message: str | None = None, new: int = 0) -> None:
    with db.session() as s:
        s.add(SourceRun(source=source, started_at=at, finished_at=at, outcome=outcome, message=message,
                        new_articles=new))


@pytest.mark.parametrize(
    ("message", "outcome", "ko", "en"),
    [
        ("cannot reach host 127.0.0.1:8099 (connection refused)", "unreachable", "사이트가 연결을 거부함",
         "the site refused the connection"),
        ("cannot reach host x.invalid (DNS lookup failed)", "unreachable", "사이트 주소를 찾을 수 없음 (DNS)",
         "the site's address was not found (DNS)"),
        ("HTTP 404 from https://x.kr/rss", "failed", "페이지를 찾을 수 없음 (HTTP 404)", "page not found (HTTP 404)"),
        ("HTTP 503 from https://x.kr/rss", "failed", "사이트 서버 오류 (HTTP 503)", "the site's server failed (HTTP 503)"),
        ("something new", "failed", "수집 중 오류", "the crawl failed"),
    ],
)
def test_crawl_messages_become_reasons_a_reader_acts_on(message, outcome, ko, en):
    assert user_reason(message, outcome, "ko") == ko
    assert user_reason(message, outcome, "en") == en


def test_the_operator_hears_of_failing_sources_once_and_of_their_recovery(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "reader@example.kr", frequency="run")
    crawl(db, "gone", "unreachable", NOW - timedelta(minutes=5), "cannot reach host 127.0.0.1:8099 (connection refused)")
    crawl(db, "missing", "failed", NOW - timedelta(minutes=5), "HTTP 404 from https://missing.example.kr/rss")
    crawl(db, "fine", "ok", NOW - timedelta(minutes=5), new=3)
    outbox = tmp_path / "outbox"
    with SmtpTestServer() as server:
        report = send_pending(db, config_for(server.url), outbox, now=NOW, env={})
        assert report.operator_mails == 1 and "source health sent to the operator" in report.summary_line()
        (reader,) = server.to("reader@example.kr")
        body = reader.message.get_body(("plain",)).get_content()
        assert "connection refused" not in body and "수집" not in body and "gone" not in body
        (ops,) = server.to("ops@example.kr")
        msg = ops.message
        assert msg["Subject"] == "[planwatch] 수집 상태: 실패 2 / sources: 2 failing"
        assert msg["Auto-Submitted"] == "auto-generated" and "List-Unsubscribe" not in msg
        text = msg.get_body(("plain",)).get_content()
        assert "gone: 사이트가 연결을 거부함 (2026-11-22 09:25 KST (+09:00))" in text
        assert "gone: the site refused the connection (2026-11-22 09:25 KST (+09:00))" in text
        assert "missing: 페이지를 찾을 수 없음 (HTTP 404)" in text and "page not found (HTTP 404)" in text
        assert "cannot reach host 127.0.0.1:8099 (connection refused)" in text  # the detail, for the operator
        assert "fine" not in text.split("crawler messages")[0]
        html = msg.get_body(("html",)).get_content()
        assert "사이트가 연결을 거부함" in html and "the site refused the connection" in html

        # the same state again: nothing new for the operator
        crawl(db, "gone", "unreachable", NOW + timedelta(minutes=55), "cannot reach host 127.0.0.1:8099 (timed out)")
        again = send_pending(db, config_for(server.url), outbox, now=NOW + timedelta(hours=1), env={})
        assert again.operator_mails == 0 and len(server.to("ops@example.kr")) == 1

        # "gone" is back: the operator hears that too
        crawl(db, "gone", "ok", NOW + timedelta(hours=2), new=1)
        back = send_pending(db, config_for(server.url), outbox, now=NOW + timedelta(hours=2, minutes=1), env={})
        assert back.operator_mails == 1
        latest = server.to("ops@example.kr")[-1].message
        assert latest["Subject"] == "[planwatch] 수집 상태: 실패 1 / sources: 1 failing"
        latest_text = latest.get_body(("plain",)).get_content()
        assert "gone: 다시 정상" in latest_text and "gone: well again" in latest_text


def test_without_an_operator_source_health_is_mailed_to_nobody(db, tmp_path):
    crawl(db, "gone", "unreachable", NOW - timedelta(minutes=5), "cannot reach host 127.0.0.1:8099 (connection refused)")
    with SmtpTestServer() as server:
        report = send_pending(db, config_for(server.url, operator=None), tmp_path / "outbox", now=NOW, env={})
        assert report.operator_mails == 0 and not server.messages
