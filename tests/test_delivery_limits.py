"""Messages that are too big and servers that stall, against a real SMTP server (aiosmtpd on 127.0.0.1).

- a crawled article with a title of 1.5 million characters and a lead without an
  end still makes a digest that a server with a small SIZE takes;
- a server refusing a message at MAIL FROM for its size (552, with or without
  announcing SIZE) fails that message, never the run, and never blames the sender;
  a digest too big for the server goes out in smaller parts;
- a server that stops answering costs one ``smtp.timeout``, not one per subscriber.
"""

from __future__ import annotations

import time
from datetime import date, datetime

import pytest
from alerts_fixtures import add_plan, add_subscriber_row, deliveries_of, make_config, seed_like_plans
from smtp_server import Behaviour, SmtpTestServer
from sqlalchemy import update

from alerts.delivery import send_pending
from storage.models import Delivery, Subscriber

NOW = datetime(2026, 11, 22, 0, 30)
HUGE_TITLE = "광양시 스마트시티 " * 150_000  # 1.5 million characters


def smtp_config(url: str, extra: str = "", timeout: float = 5) -> object:
    return make_config(
        f'[smtp]\nurl = "{url}"\nsender = "planwatch <planwatch@example.org>"\ntimeout = {timeout}\n{extra}'
    )


def send_all(db, config, tmp_path, **kw):
    return send_pending(db, config, tmp_path / "outbox", now=NOW, env={}, **kw)


def add_huge_plan(session) -> None:
    add_plan(
        session,
        municipality="광양시",
        province="전라남도",
        title=HUGE_TITLE,
        headline=HUGE_TITLE,
        vision="비전 " * 100_000,
        event_type="plan_kickoff",
        event_date=date(2026, 11, 20),
        text="광양시는 " + "끝나지 않는 문장 " * 100_000,
        sources=[("전남일보 " * 50, "https://example.kr/news/huge")],
    )


def test_a_huge_title_still_makes_a_digest_a_small_server_takes(db, tmp_path):
    with db.session() as s:
        add_huge_plan(s)
        seed_like_plans(s)
        add_subscriber_row(s, "reader@example.com")
    with SmtpTestServer(data_size_limit=300_000) as srv:
        report = send_all(db, smtp_config(srv.url), tmp_path)
        assert report.failures == [] and report.messages_sent == 1 and report.items == 6
        (received,) = srv.messages
        assert len(received.data) < 300_000
        body = received.message.get_body(("plain",)).get_content()
        assert "광양시 스마트시티 광양시" in body and "…" in body  # the title is there, cut
    assert {d.status for d in deliveries_of(db, "reader@example.com")} == {"sent"}


def test_a_size_refusal_at_mail_from_fails_that_message_not_the_run_and_does_not_blame_the_sender(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "first@example.com", frequency="run")
        add_subscriber_row(s, "second@example.com", frequency="run")
    # every message is refused at MAIL FROM for its size, without SIZE announced
    behaviour = Behaviour(refuse_mail="552 5.3.4 Message size exceeds fixed maximum message size")
    with SmtpTestServer(behaviour=behaviour) as srv:
        report = send_all(db, smtp_config(srv.url), tmp_path)
    assert srv.messages == []
    assert report.deferred == 0 and report.failed >= 2
    assert all("sender" not in line and "message refused (" in line and "552 5.3.4" in line
               for line in report.failures), report.failures
    for address in ("first@example.com", "second@example.com"):  # both were tried: the run went on
        deliveries = deliveries_of(db, address)
        assert len(deliveries) == 5 and {d.status for d in deliveries} == {"failed"}
        assert all("552" in (d.error or "") for d in deliveries)
    with db.session() as s:  # the addresses are not blamed either
        assert {x.permanent_failure for x in s.query(Subscriber)} == {None}


@pytest.mark.parametrize("announced", [False, True], ids=["refused-at-mail-from", "announced-as-size"])
def test_a_digest_over_the_servers_size_goes_out_in_parts_and_the_others_are_not_held_back(db, tmp_path, announced):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "everything@example.com", frequency="run")
        add_subscriber_row(s, "one-city@example.com", frequency="run", municipalities=["안양시"])
    with SmtpTestServer() as probe:  # how big the two digests are
        assert send_all(db, smtp_config(probe.url), tmp_path).messages_sent == 2
        small, big = sorted(len(m.data) for m in probe.messages)
    with db.session() as s:  # the same deliveries once more, to a server taking only the small one
        s.execute(update(Delivery).values(status="queued", message_id=None, sent_at=None))
    limit = (small + big) // 2
    if announced:
        server = SmtpTestServer(data_size_limit=limit)
    else:
        server = SmtpTestServer(behaviour=Behaviour(refuse_mail="552 5.3.4 too big", refuse_mail_over=limit))
    with server as srv:
        report = send_all(db, smtp_config(srv.url), tmp_path)
        assert report.failed == 0 and report.deferred == 0, report.failures
        assert report.items == 6
        assert len(srv.to("one-city@example.com")) == 1
        assert len(srv.to("everything@example.com")) >= 2  # in parts
        assert all(len(m.data) <= limit for m in srv.messages)
        assert announced or srv.mail_refused  # the refusal at MAIL FROM was met, and survived


def test_the_configured_message_size_splits_a_digest_before_any_server_sees_it(db, tmp_path):
    with db.session() as s:
        for n in range(40):
            add_plan(s, municipality="수원시", province="경기도", title=f"수원시 계획 {n} " + "가" * 900,
                     event_type="plan_kickoff", event_date=date(2026, 11, 20), text="나" * 3000 + "다.")
        add_subscriber_row(s, "reader@example.com", frequency="run")
    with SmtpTestServer() as srv:
        report = send_all(db, smtp_config(srv.url, "[mail]\nmax_message_bytes = 100000\n"), tmp_path)
        assert report.failed == 0 and report.items == 40
        assert len(srv.messages) >= 2 and all(len(m.data) <= 100_000 for m in srv.messages)


@pytest.mark.faults
def test_a_stalling_server_costs_one_timeout_for_the_run_not_one_per_subscriber(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
        for n in range(12):
            add_subscriber_row(s, f"reader{n}@example.com", frequency="run")
    with SmtpTestServer(behaviour=Behaviour(delay=15)) as srv:  # answers no DATA within the timeout
        started = time.monotonic()
        report = send_all(db, smtp_config(srv.url, timeout=1), tmp_path)
        elapsed = time.monotonic() - started
        assert srv.data_started == 1  # one message tried; the other eleven not
    assert report.messages == 0 and report.deferred == 12
    assert "no reply within 1 s (smtp.timeout)" in report.failures[0]
    assert elapsed < 6, elapsed  # one timeout and the run's work, not twelve timeouts
    for n in range(12):
        assert {(d.status, d.attempts) for d in deliveries_of(db, f"reader{n}@example.com")} == {("queued", 1)}


def test_crawled_one_line_fields_are_bounded_when_stored(db):
    from planwatch.records import Article as Page
    from planwatch.records import Extraction, Relevance
    from storage.models import Article
    from storage.repository import MAX_TITLE, store_extraction

    page = Page(title=HUGE_TITLE, subtitle=HUGE_TITLE, outlet="신문 " * 1000, author="기자 " * 1000,
                text="광양시는 스마트시티 계획을 논의했다.", url="https://example.kr/news/1")
    with db.session() as s:
        store_extraction(s, page, Extraction(Relevance(False, 0.0)))
    with db.session() as s:
        stored = s.query(Article).one()
        assert len(stored.title) == MAX_TITLE and stored.title == HUGE_TITLE[:MAX_TITLE]
        assert len(stored.subtitle or "") == MAX_TITLE
        assert len(stored.outlet or "") <= 200 and len(stored.author or "") <= 200
        assert len((stored.extraction or {})["title"]) == MAX_TITLE


def test_a_plans_free_text_read_from_a_page_is_bounded_when_stored(db):
    from planwatch.records import Article as Page
    from planwatch.records import EventFacts, Extraction, PlanFacts, Relevance
    from storage.models import Plan
    from storage.repository import MAX_LIST, MAX_NAME, MAX_TITLE, store_extraction

    facts = PlanFacts(municipality="광양시", province="전라남도", title=HUGE_TITLE, vision=HUGE_TITLE,
                      items=[HUGE_TITLE] * 2 + ["과제"] * 300)
    extraction = Extraction(Relevance(True, 1.0), plan=facts, event=EventFacts("plan_kickoff", date(2026, 11, 20)),
                            partners=["협약기관 " * 1000] * 300)
    page = Page(title="광양시 스마트시티 계획 착수", text="광양시는 스마트시티 계획 착수보고회를 열었다.",
                url="https://example.kr/news/2")
    with db.session() as s:
        store_extraction(s, page, extraction)
    with db.session() as s:
        plan = s.query(Plan).one()
        for value in (plan.title or "", plan.vision or ""):  # cut (the merge also trims the last space)
            assert MAX_TITLE - 1 <= len(value) <= MAX_TITLE and HUGE_TITLE.startswith(value)
        assert len(plan.items) <= MAX_LIST and max(len(i) for i in plan.items) <= MAX_TITLE
        assert len(plan.partners) <= MAX_LIST and all(len(p) <= MAX_NAME for p in plan.partners)


@pytest.mark.parametrize(("reply", "for_the_message"), [
    ("554 5.7.1 Message rejected by policy", True),
    ("550 5.7.1 Sender address rejected: not owned by you", False),
])
def test_a_policy_refusal_at_mail_from_fails_the_message_but_a_refused_sender_stops_the_run(
        db, tmp_path, reply, for_the_message):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "first@example.com", frequency="run")
        add_subscriber_row(s, "second@example.com", frequency="run")
    with SmtpTestServer(behaviour=Behaviour(refuse_mail=reply)) as srv:
        report = send_all(db, smtp_config(srv.url), tmp_path)
    statuses = {d.status for a in ("first@example.com", "second@example.com") for d in deliveries_of(db, a)}
    if for_the_message:  # this message, each in turn; the run goes on
        assert report.failed == 2 and report.deferred == 0 and statuses == {"failed"}
        assert report.failures[0].startswith("first@example.com: message refused (")
    else:  # every message would meet it: keep everything, stop, say the sender was refused
        assert report.failed == 0 and report.deferred == 2 and statuses == {"queued"}
        assert "sender planwatch@example.org refused: 550 5.7.1" in report.failures[0]
