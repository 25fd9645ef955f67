"""Digest content: entries, sections, subject, both parts, languages, templates, and hostile text."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, timedelta

import pytest
from alerts_fixtures import (
    ANYANG_LEAD,
    add_news,
    add_plan,
    add_subscriber_row,
    add_update,
    make_config,
    seed_like_plans,
)

from alerts.delivery import preview_digest
from alerts.digest import build_digest, http_url, summarize
from alerts.filters import matches
from alerts.mime import build_message, message_bytes, new_message_id, recipient_address, sender_address
from alerts.render import render_digest, template_environment
from alerts.subscribers import SubscriberFilters
from storage.models import DigestItem, SourceRun, Subscriber

NOW = datetime(2026, 11, 22, 0, 30)  # UTC: 09:30 in Seoul


def digest_for(db, config, email_addr="reader@example.com", **subscriber_fields):
    with db.session() as s:
        sub = s.query(Subscriber).filter_by(email=email_addr).one_or_none() or add_subscriber_row(
            s, email_addr, **subscriber_fields
        )
        items = s.query(DigestItem).order_by(DigestItem.id).all()
        return build_digest(s, sub, items, config, now=NOW, day=date(2026, 11, 22))


def test_every_entry_carries_place_stage_date_figures_summary_and_all_sources(db):
    with db.session() as s:
        seed_like_plans(s)
    d = digest_for(db, make_config())
    assert [e.municipality for e in d.new_plans] == ["안양시", "광양시", "부천시", "시흥시", "대전광역시"]
    anyang = d.new_plans[0]
    assert anyang.place == "안양시 (경기도)"
    assert (anyang.stage_label, anyang.event_date, anyang.period, anyang.phase) == (
        "중간보고회",
        "2024-09-24",
        "2025–2029",
        "제2기",
    )
    assert anyang.summary == ANYANG_LEAD  # two sentences, not the third
    assert [(s.outlet, s.href) for s in anyang.sources] == [
        ("중도일보", "https://www.joongdo.co.kr/web/view.php?key=1"),
        ("경기일보", "https://www.kyeonggi.com/a/2"),
    ]
    gwangyang = d.new_plans[1]
    assert (gwangyang.stage_label, gwangyang.event_date) == ("확정", "2023-02")
    assert [(f.label, f.value) for f in gwangyang.figures] == [("전략", "4"), ("과제", "10"), ("사업", "29")]
    bucheon = d.new_plans[2]
    assert [(f.label, f.value) for f in bucheon.figures] == [("과제", "7 → 9"), ("실행과제", "17 → 31")]
    assert d.new_plans[4].place == "대전광역시"  # a 광역 government is its own province: named once


def test_html_and_text_parts_list_the_same_entries_and_leave_empty_sections_out(db):
    with db.session() as s:
        seed_like_plans(s)
    r = render_digest(digest_for(db, make_config()))
    assert r.subject == "[planwatch] 새 계획 5건 — 2026-11-22"
    for city in ("안양시", "부천시", "광양시", "대전광역시", "시흥시"):
        assert city in r.html and city in r.text
    assert "새 계획" in r.html and "변경된 계획" not in r.html and "기타 관련 소식" not in r.html
    assert "변경된 계획" not in r.text
    assert 'href="https://www.joongdo.co.kr/web/view.php?key=1"' in r.html
    assert "https://www.kyeonggi.com/a/2" in r.text
    # inlined CSS: styles are on the elements, no external stylesheet or script
    assert 'style="' in r.html and "<link" not in r.html and "<script" not in r.html.lower()
    assert "<table" in r.html and 'name="viewport"' in r.html


def test_updated_plan_shows_old_and_new_values(db):
    with db.session() as s:
        made = add_plan(
            s,
            municipality="대전광역시",
            province="대전광역시",
            title="대전 4차 산업혁명 기본계획",
            event_type="plan_interim_report",
            event_date=date(2017, 5, 2),
            counts={"strategies": 3, "tasks": 12},
        )
        s.query(DigestItem).delete()
        add_update(
            s,
            made.plan_id,
            event_type="plan_adopted",
            event_date=date(2017, 7, 31),
            changes=[
                ("stage", "plan_interim_report", "plan_adopted"),
                ("counts", {"strategies": 3, "tasks": 12}, {"strategies": 4, "tasks": 17}),
                ("period", None, {"start": 2018, "end": 2022}),
            ],
        )
    d = digest_for(db, make_config())
    assert not d.new_plans and len(d.updated_plans) == 1
    e = d.updated_plans[0]
    assert [(c.label, c.old, c.new) for c in e.changes] == [
        ("단계", "중간보고회", "확정"),
        ("전략", "3", "4"),
        ("과제", "12", "17"),
        ("기간", "없음", "2018–2022"),
    ]
    r = render_digest(d)
    assert r.subject == "[planwatch] 대전광역시 대전 4차 산업혁명 기본계획 — 확정 (변경)"  # one entry: named
    assert "중간보고회 → 확정" in r.html and "중간보고회 → 확정" in r.text
    assert "12 → 17" in r.text and "변경된 계획" in r.html and "새 계획" not in r.html


def test_news_section_and_english_variant(db):
    with db.session() as s:
        seed_like_plans(s)
        add_news(
            s,
            title="경기도, 4차 산업혁명 포럼 개최",
            text="경기도가 포럼을 열었다. 전문가들이 참여했다.",
            url="https://www.kyeonggi.com/news/9",
            municipality="경기도",
            province="경기도",
        )
    d = digest_for(db, make_config(), "en@example.com", language="en", name="Jane")
    r = render_digest(d)
    assert r.subject == "[planwatch] new plans: 5 · news: 1 — 2026-11-22"
    assert "Other relevant news" in r.html and "interim report" in r.html and "Hello Jane" in r.text
    assert "경기도, 4차 산업혁명 포럼 개최" in r.html  # crawled text stays as reported
    assert 'lang="en"' in r.html


def test_source_health_never_reaches_a_subscribers_digest(db):
    """Failed and silent sources are the operator's business (alerts.operator), not the readers'."""
    config = make_config("""
[[source]]
name = "broken"
type = "feed"
url = "https://example.kr/rss"
[[source]]
name = "quiet"
type = "feed"
url = "https://example.kr/quiet.xml"
[[source]]
name = "busy"
type = "feed"
url = "https://example.kr/busy.xml"
[[source]]
name = "never-ran"
type = "feed"
url = "https://example.kr/new.xml"
""")
    with db.session() as s:
        seed_like_plans(s)
        s.add_all(
            [
                SourceRun(
                    source="broken",
                    started_at=NOW - timedelta(hours=2),
                    finished_at=NOW - timedelta(hours=2),
                    outcome="failed",
                    message="HTTP 503\nService Unavailable",
                ),
                SourceRun(source="quiet", started_at=NOW - timedelta(days=5), outcome="ok", new_articles=3),
                SourceRun(source="quiet", started_at=NOW - timedelta(hours=1), outcome="ok", new_articles=0),
                SourceRun(source="busy", started_at=NOW - timedelta(hours=1), outcome="ok", new_articles=2),
            ]
        )
    r = render_digest(digest_for(db, config))
    for text in (r.html, r.text):
        assert "수집 상태" not in text and "HTTP 503" not in text
        assert "broken" not in text and "quiet" not in text


def test_summary_takes_the_first_two_sentences():
    text = "첫 문장이다. 둘째 문장이다! 셋째 문장이다.\n넷째."
    assert summarize(text) == "첫 문장이다. 둘째 문장이다!"
    assert summarize("한 문장뿐") == "한 문장뿐"
    assert len(summarize("가" * 1000)) == 180


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://example.kr/a?b=1", "https://example.kr/a?b=1"),
        ("HTTP://EXAMPLE.KR/", "HTTP://EXAMPLE.KR/"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("java\nscript:alert(1)", None),
        ("ftp://example.kr/file", None),
        ("//example.kr/no-scheme", None),
        ("/relative/path", None),
        ("https://exa mple.kr/", None),
        (None, None),
    ],
)
def test_only_http_links_become_links(url, expected):
    assert http_url(url) == expected


def test_filters_places_events_keywords():
    from alerts.digest import Entry

    e = Entry(
        item_id=1,
        kind="new_plan",
        municipality="광양시",
        province="전라남도",
        plan_title="광양시 스마트 시티 계획",
        headline=None,
        stage="plan_adopted",
        stage_label=None,
        event_date=None,
        phase=None,
        period=None,
        vision=None,
        search_text="광양시 스마트 시티 계획 전라남도",
    )
    assert matches(SubscriberFilters(), e)
    assert matches(SubscriberFilters(provinces=("경기도",), municipalities=("광양시",)), e)  # places: either
    assert not matches(SubscriberFilters(provinces=("경기도",)), e)
    assert matches(SubscriberFilters(events=("plan_adopted", "mou")), e)
    assert not matches(SubscriberFilters(events=("mou",)), e)
    assert matches(SubscriberFilters(keywords=("스마트시티",)), e)  # spaces ignored
    assert not matches(SubscriberFilters(keywords=("드론",)), e)
    assert not matches(SubscriberFilters(provinces=("전라남도",), events=("mou",)), e)  # all kinds must pass


def tags_of(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element the HTML really contains (the standard library's parser), with its attributes."""
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


HOSTILE_TITLE = (
    '<script>alert("x")</script>"><img src=x onerror=alert(1)>\r\nBcc: victim@example.com\r\n'
    + "아주긴제목" * 400
)


def test_crawled_markup_and_line_breaks_arrive_escaped_and_harmless(db, tmp_path):
    with db.session() as s:
        add_plan(
            s,
            municipality="안양시",
            province="경기도",
            title=HOSTILE_TITLE,
            event_type="plan_kickoff",
            event_date=date(2026, 11, 20),
            vision='</td></tr></table><a href="javascript:alert(1)">click</a>',
            headline="<b>bold</b>\r\nX-Injected: yes",
            sources=[
                ("<i>outlet</i>", "javascript:alert(document.cookie)"),
                ("좋은일보", "https://ok.example.kr/1"),
            ],
            text="<script>steal()</script> 본문 첫 문장이다.\r\n둘째 문장이다.",
        )
    # a user template that puts the crawled title into the subject
    (tmp_path / "subject.txt.j2").write_text("[planwatch] {{ d.entries[0].plan_title }}", encoding="utf-8")
    config = make_config(f'[digest]\ntemplate_dir = "{tmp_path}"\n')
    d = digest_for(db, config, "reader@example.com", name="Eve\r\nBcc: evil@example.com")
    r = render_digest(d, config.digest.template_dir)
    tags = tags_of(r.html)
    names = {name for name, _ in tags}
    assert not names & {"script", "img", "i", "iframe", "object"}
    assert all(not key.startswith("on") for _, attrs in tags for key, _ in attrs)
    hrefs = [value for _, attrs in tags for key, value in attrs if key in ("href", "src")]
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    assert "&lt;script&gt;" in r.html and "&lt;img src=x onerror=alert(1)&gt;" in r.html
    assert "&lt;b&gt;bold&lt;/b&gt;" in r.html and "&lt;i&gt;outlet&lt;/i&gt;" in r.html
    # the javascript: link is shown as text, the https one is a link
    assert "(javascript:alert(document.cookie))" in r.html and 'href="https://ok.example.kr/1"' in r.html
    assert "\r" not in r.subject and "\n" not in r.subject and len(r.subject) <= 200

    sender = sender_address("planwatch <planwatch@example.org>")
    msg = build_message(
        sender=sender,
        recipient=recipient_address(d.email, d.name),
        subject=r.subject,
        text=r.text,
        html=r.html,
        message_id=new_message_id(sender),
        date=datetime(2026, 11, 22, 9, 30),
    )
    raw = message_bytes(msg)
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 78  # folded headers, base64 bodies
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in head and b"\nX-Injected" not in head
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None
    assert parsed["To"].addresses[0].addr_spec == "reader@example.com"
    assert "Bcc: victim@example.com" in str(parsed["Subject"])  # harmless text inside one header
    assert parsed.get_body(("html",)).get_content().replace("\r\n", "\n").rstrip() == r.html.rstrip()


def test_template_dir_overrides_one_template_and_keeps_the_others(db, tmp_path):
    with db.session() as s:
        seed_like_plans(s)
    (tmp_path / "digest.txt.j2").write_text(
        "custom {{ d.new_plans|length }} {{ t.new_plans }}\n", encoding="utf-8"
    )
    template_environment.cache_clear()
    r = render_digest(digest_for(db, make_config()), str(tmp_path))
    assert r.text == "custom 5 새 계획\n"
    assert "안양시" in r.html and r.subject.startswith("[planwatch] 새 계획 5건")


def test_broken_user_template_is_one_clear_error(db, tmp_path):
    from alerts.render import RenderError

    with db.session() as s:
        seed_like_plans(s)
    (tmp_path / "digest.html.j2").write_text("{% for x in %}", encoding="utf-8")
    with pytest.raises(RenderError, match=r"template .*digest.html.j2"):
        render_digest(digest_for(db, make_config()), str(tmp_path))


def test_preview_marks_nothing_sent(db):
    with db.session() as s:
        seed_like_plans(s)
        add_subscriber_row(s, "daily@example.com", frequency="daily")
    config = make_config()
    first = preview_digest(db, config, subscriber_email="daily@example.com", now=NOW)
    again = preview_digest(db, config, subscriber_email="daily@example.com", now=NOW)
    assert first is not None and again is not None
    assert first[0] == "daily@example.com" and len(first[1].item_ids) == 5
    assert first[2].html == again[2].html
    from alerts_fixtures import deliveries_of, outgoing

    assert {d.status for d in deliveries_of(db, "daily@example.com")} == {"queued"}
    assert outgoing(db) == []
