"""What crawled pages hold cannot reach a subscriber as markup, a link, a header or a spoofed line.

``tests/test_alerts_digest.py`` covers escaping, header folding and ``javascript:`` links in
general. This file adds the hostile values a page can carry into each field the digest shows:
links with every non-web scheme and obfuscated spellings of them, CR/LF in outlet names and in
subjects built from crawled titles, right-to-left overrides and zero-width characters (which
make a digest show text other than what it holds), and a 10,000-character title and outlet.
"""

from __future__ import annotations

import email
import email.policy
import time
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from alerts_fixtures import add_plan, add_subscriber_row, make_config

from alerts.digest import build_digest
from alerts.mime import build_message, message_bytes, new_message_id, recipient_address, sender_address
from alerts.render import RenderedDigest, render_digest
from storage.models import DigestItem, Subscriber

NOW = datetime(2026, 11, 22, 0, 30)
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

NOT_WEB_LINKS = [
    "javascript:alert(document.domain)",
    " javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "java\tscript:alert(1)",
    "jav&#x61;script:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:image/svg+xml,<svg onload=alert(1)>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "blob:https://evil.example/1",
    "//evil.example/protocol-relative",
    "\x00javascript:alert(1)",
    "\u202ejavascript:alert(1)",
]


def render_for(db, config, email_addr: str = "reader@example.com") -> RenderedDigest:
    with db.session() as s:
        sub = s.query(Subscriber).filter_by(email=email_addr).one_or_none() or add_subscriber_row(s, email_addr)
        items = s.query(DigestItem).order_by(DigestItem.id).all()
        digest = build_digest(s, sub, items, config, now=NOW, day=date(2026, 11, 22))
    return render_digest(digest, config.digest.template_dir)


def links_and_tags(html: str) -> tuple[list[str], set[str], list[str]]:
    """(every href/src value, every tag name, every attribute name) the HTML really contains."""
    hrefs: list[str] = []
    tags: set[str] = set()
    attributes: list[str] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
            tags.add(tag)
            for key, value in attrs:
                attributes.append(key)
                if key in ("href", "src", "action", "formaction", "background", "poster"):
                    hrefs.append(value or "")

    Collector(convert_charrefs=True).feed(html)
    return hrefs, tags, attributes


def mail_of(rendered: RenderedDigest) -> bytes:
    sender = sender_address("planwatch <planwatch@example.org>")
    msg = build_message(
        sender=sender,
        recipient=recipient_address("reader@example.com", "Reader"),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=new_message_id(sender),
        date=datetime(2026, 11, 22, 9, 30),
    )
    return message_bytes(msg)


def test_only_web_links_become_links(db) -> None:
    with db.session() as s:
        add_plan(
            s,
            municipality="안양시",
            province="경기도",
            title="안양시 4차 산업혁명 종합계획",
            event_type="plan_kickoff",
            event_date=date(2026, 11, 20),
            sources=[(f"일보{i}", url) for i, url in enumerate(NOT_WEB_LINKS)] + [("좋은일보", "https://ok.example.kr/1")],
        )
    rendered = render_for(db, make_config())
    hrefs, tags, attributes = links_and_tags(rendered.html)
    assert hrefs == ["https://ok.example.kr/1"] or set(hrefs) == {"https://ok.example.kr/1"}, hrefs
    assert not tags & {"script", "svg", "iframe", "object", "embed", "img", "form", "base", "link"}
    assert not [a for a in attributes if a.startswith("on")]
    for i in range(len(NOT_WEB_LINKS)):
        assert f"일보{i}" in rendered.html and f"일보{i}" in rendered.text  # the source is still named


def test_line_breaks_in_outlets_and_crawled_subjects_never_make_a_header(db, tmp_path) -> None:
    with db.session() as s:
        add_plan(
            s,
            municipality="안양시",
            province="경기도",
            title="계획\r\nBcc: victim@example.com\r\nX-Injected: 1",
            event_type="plan_kickoff",
            event_date=date(2026, 11, 20),
            sources=[("중도일보\r\nBcc: outlet@example.com\r\n\r\n<b>body</b>", "https://ok.example.kr/2"),
                     ("경인일보\nReply-To: evil@example.com", "https://ok.example.kr/3")],
        )
    (tmp_path / "subject.txt.j2").write_text(
        "{{ d.entries[0].plan_title }} / {{ d.entries[0].sources[0].outlet }}", encoding="utf-8"
    )
    rendered = render_for(db, make_config(f'[digest]\ntemplate_dir = "{tmp_path}"\n'))
    assert "\r" not in rendered.subject and "\n" not in rendered.subject
    raw = mail_of(rendered)
    head = raw.split(b"\r\n\r\n", 1)[0]
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    for header in ("Bcc", "Reply-To", "X-Injected"):
        assert parsed[header] is None, header
    assert b"\nBcc:" not in head and b"\nReply-To:" not in head and b"\nX-Injected" not in head
    assert [a.addr_spec for a in parsed["To"].addresses] == ["reader@example.com"]
    assert "Bcc: victim@example.com" in str(parsed["Subject"])  # shown as harmless text in the one header
    assert "&lt;b&gt;body&lt;/b&gt;" in rendered.html


def test_direction_overrides_and_invisible_characters_are_not_delivered(db, tmp_path) -> None:
    spoof = "\u202e" + "moc.elpmaxe//:sptth" + "\u202c"  # shows as "https://example.com"
    with db.session() as s:
        add_plan(
            s,
            municipality="안양시",
            province="경기도",
            title=f"안양시 종합계획 {spoof} 수\u200b립\u2066끝",
            event_type="plan_kickoff",
            event_date=date(2026, 11, 20),
            vision=f"비전{BIDI_CONTROLS}{INVISIBLE}",
            headline=f"헤드라인 \u202b{spoof}",
            sources=[(f"일보\u202e{INVISIBLE}", "https://ok.example.kr/4")],
            text="본문 첫 문장이다\u202e. 둘째 문장이다.",
        )
    (tmp_path / "subject.txt.j2").write_text("[planwatch] {{ d.entries[0].plan_title }}", encoding="utf-8")
    rendered = render_for(db, make_config(f'[digest]\ntemplate_dir = "{tmp_path}"\n'))
    for part_name, part in (("subject", rendered.subject), ("text", rendered.text), ("html", rendered.html)):
        found = sorted({f"U+{ord(ch):04X}" for ch in part if ch in BIDI_CONTROLS + "\u200b\u2060\ufeff"})
        assert not found, f"{part_name} still holds {found}"
    assert "moc.elpmaxe//:sptth" in rendered.html  # the text itself is kept, shown as it is stored
    assert "수립" in rendered.subject and "끝" in rendered.subject


@pytest.mark.parametrize("length", [10_000])
def test_a_ten_thousand_character_title_and_outlet_stay_bounded(db, length: int) -> None:
    long_title = "가" * length
    long_outlet = "일" * length
    with db.session() as s:
        add_plan(
            s,
            municipality="안양시",
            province="경기도",
            title=long_title,
            event_type="plan_kickoff",
            event_date=date(2026, 11, 20),
            headline="나" * length,
            sources=[(long_outlet, "https://ok.example.kr/" + "a" * length)],
            text="다" * length + ".",
        )
    started = time.perf_counter()
    rendered = render_for(db, make_config())
    raw = mail_of(rendered)
    assert time.perf_counter() - started < 10
    assert len(rendered.subject) <= 200
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322's hard limit per line
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    html = parsed.get_body(("html",)).get_content()
    assert long_title[:100] in html  # the title is there, not dropped
    shown = 5 * length  # title, headline, outlet, URL and text, each `length` long
    assert len(raw) < 20 * shown  # linear in what was crawled: a few copies, base64-encoded
