"""How much one run sends: subjects that tell immediate alerts apart, a cap on them, a size limit per digest."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from alerts_fixtures import add_plan, add_subscriber_row, deliveries_of, make_config, seed_like_plans
from smtp_server import SmtpTestServer

from alerts.delivery import send_pending

NOW = datetime(2026, 11, 22, 0, 30)


def relay(url: str, extra: str = ""):
    return make_config(
        f'[smtp]\nurl = "{url}"\nsender = "planwatch <alerts@planwatch.example.kr>"\ntimeout = 5\n{extra}'
    )


def test_an_immediate_alert_names_the_city_the_plan_and_the_stage(db, tmp_path):
    with db.session() as s:
        add_plan(s, municipality="수원시", province="경기도", title="4차 산업혁명 기본계획",
                 event_type="plan_kickoff", event_date=date(2026, 11, 20))
        add_plan(s, municipality="안양시", province="경기도", title="제2기 안양시 4차 산업혁명 촉진 종합계획",
                 event_type="plan_interim_report", event_date=date(2026, 11, 21))
        add_subscriber_row(s, "fast@example.kr", frequency="immediate")
        add_subscriber_row(s, "fast-en@example.kr", frequency="immediate", language="en")
    with SmtpTestServer() as server:
        report = send_pending(db, relay(server.url), tmp_path / "outbox", now=NOW, env={}, frequencies=("immediate",))
        assert report.messages_sent == 4
        subjects = sorted(m.message["Subject"] for m in server.to("fast@example.kr"))
        assert subjects == [
            "[planwatch] 수원시 4차 산업혁명 기본계획 — 수립 용역 착수보고회",
            "[planwatch] 제2기 안양시 4차 산업혁명 촉진 종합계획 — 중간보고회",  # the city is named once
        ]
        english = sorted(m.message["Subject"] for m in server.to("fast-en@example.kr"))
        assert english[0] == "[planwatch] 수원시 4차 산업혁명 기본계획 — kick-off report"


def test_beyond_the_cap_an_immediate_subscriber_gets_one_digest_of_the_rest(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)  # five new plans in one run
        add_subscriber_row(s, "fast@example.kr", frequency="immediate")
    with SmtpTestServer() as server:
        config = relay(server.url, "[alerts]\nimmediate_cap = 2\n")
        report = send_pending(db, config, tmp_path / "outbox", now=NOW, env={}, frequencies=("immediate",))
        assert report.messages_sent == 3 and report.items == 5
        subjects = [m.message["Subject"] for m in server.to("fast@example.kr")]
        assert sum("새 계획 3건" in subject for subject in subjects) == 1, subjects
        assert sum(" — " in subject and "건" not in subject for subject in subjects) == 2, subjects
    assert {d.status for d in deliveries_of(db, "fast@example.kr")} == {"sent"}


def test_a_digest_stays_under_the_size_limit_and_the_rest_follows(db, tmp_path):
    long_text = "스마트도시 계획의 세부 과제를 설명하는 긴 문장이다. " * 12
    with db.session() as s:
        for n in range(120):
            add_plan(s, municipality="수원시", province="경기도", title=f"수원시 스마트도시 계획 {n:03d}",
                     event_type="plan_kickoff", event_date=date(2026, 11, 1) + timedelta(days=n % 20),
                     text=long_text, vision="모두가 연결되는 도시 " * 5,
                     sources=[("경기일보", f"https://www.kyeonggi.com/a/{n}"),
                              ("경인일보", f"https://www.kyeongin.com/b/{n}")])
        add_subscriber_row(s, "reader@example.kr", frequency="run")
    with SmtpTestServer() as server:
        config = relay(server.url, '[web]\nbase_url = "https://desk.example.kr"\n')
        report = send_pending(db, config, tmp_path / "outbox", now=NOW, env={}, frequencies=("run",))
        assert report.items == 120 and report.messages_sent == len(server.messages) > 1
        left = 120
        for received in server.messages:  # each message under the limit; all but the last say what follows
            html = received.message.get_body(("html",)).get_content()
            assert len(html.encode("utf-8")) <= 100_000
            assert html.rstrip().endswith("</html>") and "수신 거부</a>" in html  # the footer, with its link
            shown = len(set(re.findall(r"수원시 스마트도시 계획 (\d{3})", html)))
            assert 10 < shown <= left
            left -= shown
            if left:
                assert f"외 {left}건은" in html, re.findall(r"외 \d+건[^<]*", html)
                assert 'href="https://desk.example.kr/"' in html
                assert f"외 {left}건" in received.message["Subject"]
        assert left == 0
        assert {d.status for d in deliveries_of(db, "reader@example.kr")} == {"sent"}
        # the next run sends nothing twice
        again = send_pending(db, config, tmp_path / "outbox", now=NOW + timedelta(minutes=1), env={},
                             frequencies=("run",))
        assert again.items == 0 and again.messages_sent == 0
