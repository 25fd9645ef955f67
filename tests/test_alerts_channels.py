"""[[channel]]: Apprise notifications through the outbox, exactly once per (channel, item).

A real HTTP receiver on 127.0.0.1 takes Apprise's ``json://`` posts (the generic
webhook every chat bridge accepts); it can be told to fail with HTTP 500.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from alerts_fixtures import add_plan, add_subscriber_row, make_config, seed_like_plans
from sqlalchemy import select

from alerts.delivery import send_pending
from planwatch.config import ConfigError
from storage.models import Delivery, OutgoingMessage, SourceRun, Subscriber

NOW = datetime(2026, 11, 22, 0, 30)
TOKEN = "T0KEN-never-printed"


class Receiver:
    """Records every JSON post; answers ``status`` (200 by default)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if receiver.status == 200:
                    receiver.posts.append((self.path, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}/{TOKEN}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def channel_config(receiver: Receiver, extra: str = "", channel_extra: str = 'provinces = ["경기도"]\n'):
    return make_config(
        f'{extra}[[channel]]\nname = "desk"\nurl = "{receiver.url()}"\n{channel_extra}'
    )


def test_each_matching_item_is_posted_once_and_mail_goes_on(db, tmp_path, receiver):
    with db.session() as s:
        seed_like_plans(s)  # three of the five plans are in 경기도
        add_subscriber_row(s, "reader@example.kr", frequency="run")
    config = channel_config(receiver)
    report = send_pending(db, config, tmp_path / "outbox", now=NOW, env={})
    assert report.notifications == 3 and report.messages_written == 1, report
    assert "3 channel notifications" in report.summary_line()
    assert all(path == f"/hook/{TOKEN}" for path, _ in receiver.posts)
    titles = sorted(body["title"] for _, body in receiver.posts)
    assert titles == [
        "[planwatch] 부천시 4차 산업혁명 촉진 종합계획 — 위원회 회의",
        "[planwatch] 시흥시 스마트도시계획 — 업무협약",
        "[planwatch] 제2기 안양시 4차 산업혁명 촉진 종합계획 — 중간보고회",
    ]
    siheung = next(body["message"] for _, body in receiver.posts if "시흥시" in body["title"])
    assert siheung.startswith("시흥시 (경기도) · 업무협약 · 2018-04-17\n시흥시 스마트도시계획")
    assert "https://www.gginews.kr/news/1" in siheung and "<" not in siheung  # text for a chat, not HTML
    # again, and after a new plan elsewhere: nothing twice, nothing outside the filter
    with db.session() as s:
        add_plan(s, municipality="광주광역시", province="광주광역시", title="광주 AI 계획",
                 event_type="plan_kickoff", event_date=None)
    again = send_pending(db, config, tmp_path / "outbox", now=NOW + timedelta(minutes=5), env={})
    assert again.notifications == 0 and len(receiver.posts) == 3
    everything = json.dumps(report.failures + again.failures) + report.summary_line()
    with db.session() as s:
        everything += " ".join(f"{m.subject} {m.error}" for m in s.scalars(select(OutgoingMessage)))
        everything += " ".join(f"{d.error}" for d in s.scalars(select(Delivery)))
        channel_row = s.scalars(select(Subscriber).where(Subscriber.name == "desk")).one()
        assert channel_row.email == "desk@channels.invalid" and channel_row.frequency == "immediate"
    assert TOKEN not in everything


def test_a_failing_service_is_retried_after_the_backoff_and_posts_once(db, tmp_path, receiver):
    with db.session() as s:
        seed_like_plans(s)
    config = channel_config(receiver, channel_extra='municipalities = ["시흥시"]\n')
    receiver.status = 500
    first = send_pending(db, config, tmp_path / "outbox", now=NOW, env={})
    assert first.notifications == 0 and first.deferred == 1
    assert "channel desk: the service did not accept the notification" in first.failures[-1]
    assert TOKEN not in " ".join(first.failures)
    receiver.status = 200
    early = send_pending(db, config, tmp_path / "outbox", now=NOW + timedelta(minutes=1), env={})
    assert early.notifications == 0  # the backoff (digest.retry_after, 5m) has not passed
    later = send_pending(db, config, tmp_path / "outbox", now=NOW + timedelta(minutes=6), env={})
    assert later.notifications == 1 and len(receiver.posts) == 1
    with db.session() as s:
        desk = s.scalars(select(Subscriber).where(Subscriber.name == "desk")).one()
        assert [d.status for d in s.scalars(select(Delivery).where(Delivery.subscriber_id == desk.id))] == ["sent"]


def test_an_operator_channel_hears_of_failing_sources(db, tmp_path, receiver):
    config = make_config(
        '[[source]]\nname = "gone"\ntype = "feed"\nurl = "https://gone.example.kr/rss"\n'
        f'[[channel]]\nname = "ops"\nurl = "{receiver.url("ops")}"\noperator = true\nimmediate = false\n'
    )
    with db.session() as s:
        s.add(SourceRun(source="gone", started_at=NOW, finished_at=NOW, outcome="unreachable",
                        message="cannot reach host 127.0.0.1:8099 (connection refused)"))
        seed_like_plans(s)
    report = send_pending(db, config, tmp_path / "outbox", now=NOW + timedelta(minutes=1), env={})
    assert report.operator_mails == 1 and report.notifications == 0  # not an immediate channel
    ((path, body),) = receiver.posts
    assert path == f"/ops/{TOKEN}" and body["title"] == "[planwatch] 수집 상태: 실패 1 / sources: 1 failing"
    assert "gone: 사이트가 연결을 거부함" in body["message"] and "gone: the site refused the connection" in body["message"]
    send_pending(db, config, tmp_path / "outbox", now=NOW + timedelta(minutes=2), env={})
    assert len(receiver.posts) == 1  # once per change


def test_a_channel_removed_from_the_configuration_gets_nothing_more(db, tmp_path, receiver):
    with db.session() as s:
        seed_like_plans(s)
    send_pending(db, channel_config(receiver), tmp_path / "outbox", now=NOW, env={})
    assert len(receiver.posts) == 3
    with db.session() as s:
        add_plan(s, municipality="수원시", province="경기도", title="수원시 AI 계획", event_type="plan_kickoff",
                 event_date=None)
    report = send_pending(db, make_config(), tmp_path / "outbox", now=NOW + timedelta(minutes=1), env={})
    assert report.notifications == 0 and len(receiver.posts) == 3
    with db.session() as s:
        assert s.scalars(select(Subscriber).where(Subscriber.name == "desk")).one().active is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[channel]]\nname = "x"\nurl = "json://127.0.0.1:9/"\nprovinces = ["없는도"]\n', "unknown province"),
        ('[[channel]]\nname = "x"\nurl = "not a url"\n', "must be an Apprise URL"),
        ('[[channel]]\nname = "Bad Name"\nurl = "json://127.0.0.1:9/"\n', "channel"),
        ('[[channel]]\nname = "x"\nurl = "json://a:9/"\n[[channel]]\nname = "x"\nurl = "json://b:9/"\n',
         "two channels are named 'x'"),
    ],
)
def test_a_bad_channel_is_one_configuration_line(text, message):
    with pytest.raises(ConfigError, match=message):
        make_config(text)
