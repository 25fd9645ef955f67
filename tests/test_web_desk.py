"""The web desk over HTTP: ``planwatch serve`` as a real process over the replayed seed plans.

Pages, filters, search, paging, exports, the feed, the API and its schema, the admin
view's token, signed links, CSRF, the subscribe rate limit, and crawled HTML escaped on
every page. The browser tests are in test_web_browser.py.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import re
import subprocess
import time
from datetime import date, datetime
from urllib.parse import quote, urlencode

import feedparser
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from openpyxl import load_workbook
from web_server import ADMIN_TOKEN, SECRET, SEEDS, WebServer

from storage import models as m
from storage.db import open_database

HOSTILE_TITLE = "\"><script>alert('plan')</script>"
HOSTILE_ARTICLE = "<img src=x onerror=alert(1)>=HYPERLINK(\"http://evil\")"
HOSTILE_VISION = "=HYPERLINK(\"http://evil\")<b onmouseover=alert(2)>비전</b>"


def add_hostile_plan(db_url: str) -> int:
    """A plan whose crawled texts are markup, as a hostile page could make them."""
    db = open_database(db_url)
    try:
        with db.session() as session:
            article = m.Article(
                canonical_url="https://evil.example/a", url="javascript:alert(3)", content_hash="h" * 64,
                title=HOSTILE_ARTICLE, outlet="<i>악성일보</i>", published=datetime(2024, 5, 1, 9, 30),
                text="본문", relevant=True, relevance_score=0.9, relevance_reasons=["<script>r</script>"],
            )
            plan = m.Plan(
                key="경기도-hostile", municipality="과천시", province="경기도", family="4ir", title=HOSTILE_TITLE,
                vision=HOSTILE_VISION, items=["<u>과제</u>"], partners=[], stage="plan_kickoff",
            )
            session.add_all([article, plan])
            session.flush()
            event = m.PlanEvent(plan_id=plan.id, type="plan_kickoff", date=date(2024, 5, 1), date_precision="day")
            session.add(event)
            session.flush()
            session.add(m.EventSource(event_id=event.id, article_id=article.id))
            session.add(m.PlanChange(plan_id=plan.id, event_id=event.id, field="title", old="<s>old</s>",
                                     new=HOSTILE_TITLE))
            session.add(m.SourceRun(source="hostile-paper", job="crawl", outcome="failed", errors=1,
                                    started_at=datetime(2024, 5, 1), finished_at=datetime(2024, 5, 1, 0, 5),
                                    message="<script>alert('run')</script> HTTP 500"))
            return plan.id
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def desk(tmp_path_factory, module_db_url):
    work = tmp_path_factory.mktemp("desk")
    server = WebServer(work, module_db_url, admin_token=ADMIN_TOKEN, extra_config=(
        'subscribe_per_hour = 3\n\n[[source]]\nname = "hostile-paper"\ntype = "feed"\n'
        'url = "https://paper.example.kr/rss.xml"\n'))
    server.write_config()
    server.cli("replay", str(SEEDS))
    hostile = add_hostile_plan(module_db_url)
    server.start()
    try:
        yield {"server": server, "hostile": hostile,
               "plans": {p["municipality"]: p for p in json.loads(server.cli("plans", "--json").stdout)}}
    finally:
        server.stop()


def plan_links(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/plans/(\d+)"', html)]


def test_list_shows_every_plan_and_filters_by_province(desk):
    s, plans = desk["server"], desk["plans"]
    everything = s.get("/")
    assert everything.status == 200
    assert set(plan_links(everything.text)) == {p["id"] for p in plans.values()} | {desk["hostile"]}
    jeonnam = s.get("/?" + urlencode({"province": "전라남도"}))
    assert set(plan_links(jeonnam.text)) == {plans["광양시"]["id"]}
    gyeonggi = s.get("/?" + urlencode({"province": "경기도", "family": "4ir"}))
    assert set(plan_links(gyeonggi.text)) == {plans["안양시"]["id"], plans["부천시"]["id"], desk["hostile"]}


def test_search_finds_titles_visions_items_and_article_titles(desk):
    s, plans = desk["server"], desk["plans"]

    def found(q: str) -> set[int]:
        return set(plan_links(s.get("/?" + urlencode({"q": q})).text))

    assert found("프로슈밍") == {plans["시흥시"]["id"]}  # vision
    assert found("철강산업") == {plans["광양시"]["id"]}  # an item (stored as JSON)
    assert found("5대 특화산업") == {plans["부천시"]["id"]}  # two words of an item
    headline = plans["대전광역시"]["timeline"][0]["sources"][0]["title"]
    assert plans["대전광역시"]["id"] in found(headline.split()[0])  # an article title
    assert found("100%_없는말") == set()  # LIKE wildcards are literal


def test_event_type_date_range_and_changed_since(desk):
    s, plans = desk["server"], desk["plans"]

    def found(**params: str) -> set[int]:
        return set(plan_links(s.get("/?" + urlencode(params)).text))

    assert found(event="mou") == {plans["시흥시"]["id"]}
    assert found(date_from="2022-01-01", date_to="2022-12-31") == {plans["부천시"]["id"]}
    assert found(event="mou", date_from="2020-01-01") == set()
    assert found(stage="committee_launch") == {plans["대전광역시"]["id"]}
    assert len(found(changed_since=date.today().isoformat())) == 6
    assert found(changed_since="2099-01-01") == set()


def test_sorting_and_paging(desk):
    s = desk["server"]
    by_event = plan_links(s.get("/?sort=event").text)
    dates = {p["id"]: max(e["date"] for e in p["timeline"]) for p in desk["plans"].values()}
    dates[desk["hostile"]] = "2024-05-01"
    assert by_event == sorted(dates, key=lambda i: dates[i], reverse=True)
    first = s.get("/?sort=place&per_page=5")
    second = s.get("/?sort=place&per_page=5&page=2")
    assert len(plan_links(first.text)) == 5 and len(plan_links(second.text)) == 1
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text
    assert set(plan_links(first.text)).isdisjoint(plan_links(second.text))


def test_a_bad_filter_is_one_line_and_400(desk):
    s = desk["server"]
    for query in ("family=nope", "date_from=yesterday", "page=0", "sort=random"):
        reply = s.get("/?" + query)
        assert reply.status == 400, query
        assert query.split("=")[0] in reply.text
    api = s.get("/api/v1/plans?family=nope")
    assert api.status == 400 and "family" in json.loads(api.body)["error"]


def test_plan_page_has_facts_timeline_sources_changes_and_kept_articles(desk):
    s, plans = desk["server"], desk["plans"]
    bucheon = plans["부천시"]
    page = s.get(f"/plans/{bucheon['id']}").text
    assert bucheon["title"] in page and bucheon["vision"] in page
    assert "7 → 9" in page and "17 → 31" in page  # previous → current counts
    assert "5대 특화산업 융합 활성화" in page
    assert "위원회 회의" in page and "2022-11-16" in page  # the event
    source = bucheon["timeline"][0]["sources"][0]
    assert source["title"] in page and (source["outlet"] or "") in page
    assert "판단 근거" in page  # relevance reasons of the kept article
    assert '<svg class="timeline"' in page
    assert s.get("/plans/999999").status == 404


def test_province_page_shows_its_municipalities_and_timeline(desk):
    s = desk["server"]
    page = s.get("/provinces/" + quote("경기도")).text
    assert '<svg class="tilemap"' in page and '<svg class="timeline"' in page
    for city in ("안양시", "부천시", "시흥시"):
        assert f"{city}</a> 1건" in page
    assert s.get("/provinces/" + quote("없는도")).status == 404
    listing = s.get("/").text
    assert "경기도</a> 4건" in listing and "전라남도</a> 1건" in listing  # text beside the map


def test_sources_page_and_api_say_which_source_is_failing(desk):
    s = desk["server"]
    page = s.get("/sources").text
    assert "hostile-paper" in page and "실패 중 · failing" in page and "HTTP 500" in page
    [source] = json.loads(s.get("/api/v1/sources").body)["sources"]
    assert (source["name"], source["state"], source["last_outcome"]) == ("hostile-paper", "failing", "failed")
    assert source["since"].endswith(("Z", "+00:00")) and "HTTP 500" in source["message"]


def test_csv_is_utf8_with_bom_and_filtered(desk):
    s = desk["server"]
    reply = s.get("/plans.csv?" + urlencode({"province": "경기도", "family": "4ir"}))
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/csv")
    assert reply.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(reply.body.decode("utf-8-sig"))))
    assert {r["시·군·구 municipality"] for r in rows} == {"안양시", "부천시", "과천시"}
    bucheon = next(r for r in rows if r["시·군·구 municipality"] == "부천시")
    assert bucheon["계획명 title"] == "부천시 4차 산업혁명 촉진 종합계획"
    assert bucheon["실행과제 action tasks"] == "31"
    hostile = next(r for r in rows if r["시·군·구 municipality"] == "과천시")
    assert hostile["계획명 title"] == HOSTILE_TITLE
    assert hostile["비전 vision"] == "'" + HOSTILE_VISION  # a formula's first character is neutralized


def test_xlsx_holds_the_filtered_list(desk, tmp_path):
    s = desk["server"]
    reply = s.get("/plans.xlsx?" + urlencode({"province": "전라남도"}))
    assert reply.status == 200
    book = load_workbook(io.BytesIO(reply.body))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][2] == "시·군·구 municipality"
    assert [r[2] for r in rows[1:]] == ["광양시"]
    assert rows[1][8] == "ABC 중심의 스마트 청정 미래산업 도시"
    hostile = load_workbook(io.BytesIO(s.get("/plans.xlsx?municipality=" + quote("과천시")).body)).active
    assert hostile.cell(2, 9).value == HOSTILE_VISION and hostile.cell(2, 9).data_type == "s"  # text, not a formula


def test_atom_feed_follows_the_filter(desk):
    s, plans = desk["server"], desk["plans"]
    everything = feedparser.parse(s.get("/feeds/plans.atom").body)
    assert len(everything.entries) == 6
    gyeonggi = feedparser.parse(s.get("/feeds/plans.atom?" + urlencode({"province": "경기도"})).body)
    assert {e.link for e in gyeonggi.entries} == {
        f"{s.base}/plans/{plans[c]['id']}" for c in ("안양시", "부천시", "시흥시")
    } | {f"{s.base}/plans/{desk['hostile']}"}
    assert "경기도" in gyeonggi.feed.title
    assert all(e.updated_parsed for e in gyeonggi.entries)


def test_api_list_plan_events_and_schema(desk):
    s, plans = desk["server"], desk["plans"]
    listing = json.loads(s.get("/api/v1/plans?" + urlencode({"province": "경기도", "per_page": "2"})).body)
    assert listing["schema_version"] == "1" and listing["total"] == 4 and listing["pages"] == 2
    assert len(listing["plans"]) == 2 and listing["filters"] == {"province": "경기도"}
    gwangyang = json.loads(s.get(f"/api/v1/plans/{plans['광양시']['id']}").body)
    event = gwangyang["timeline"][0]
    assert (event["date"], event["precision"]) == ("2023-02", "month")
    assert event["sources"][0]["published"].endswith("+09:00")
    assert gwangyang["updated_at"].endswith(("Z", "+00:00"))
    assert json.loads(s.get(f"/api/v1/plans/{plans['광양시']['id']}/events").body) == gwangyang["timeline"]
    events = json.loads(s.get("/api/v1/events?event=mou").body)
    assert [e["plan_id"] for e in events["events"]] == [plans["시흥시"]["id"]] and events["total"] == 1
    seed = plans["광양시"]
    known = " ".join([seed["title"], seed["vision"], seed["municipality"], *seed["items"]])
    word = next(w for w in seed["timeline"][0]["sources"][0]["title"].split() if len(w) > 1 and w not in known)
    by_title = json.loads(s.get("/api/v1/events?" + urlencode({"q": word})).body)  # a word of an article title
    assert plans["광양시"]["id"] in {e["plan_id"] for e in by_title["events"]}
    newest = json.loads(s.get("/api/v1/events?limit=2").body)
    assert newest["total"] == 6 and [e["date"] for e in newest["events"]] == ["2024-09-24", "2024-05-01"]
    assert s.get("/api/v1/plans/999999").status == 404
    schema = json.loads(s.get("/openapi.json").body)
    assert {"/api/v1/plans", "/api/v1/plans/{plan_id}", "/api/v1/events", "/api/v1/sources"} <= set(schema["paths"])
    assert {"PlanV1", "EventV1", "SourceV1", "PlanListV1"} <= set(schema["components"]["schemas"])
    assert "precision" in schema["components"]["schemas"]["EventV1"]["properties"]


def test_cli_plans_json_is_the_api_schema(desk):
    s, plans = desk["server"], desk["plans"]
    for plan in plans.values():
        assert json.loads(s.get(f"/api/v1/plans/{plan['id']}").body) == plan


def test_crawled_html_is_escaped_on_every_page(desk):
    s, hostile = desk["server"], desk["hostile"]
    pages = ["/", f"/plans/{hostile}", "/provinces/" + quote("경기도"), "/?" + urlencode({"q": "script"}), "/sources",
             "/?" + urlencode({"municipality": "과천시"}), "/admin"]
    for path in pages:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if path == "/admin" else {}
        reply = s.get(path, headers=headers)
        assert reply.status == 200, path
        for raw in ("<script>alert", "<img src=x", "<b onmouseover", "<i>악성일보", "<u>과제", "<s>old"):
            assert raw not in reply.text, (path, raw)
        assert 'href="javascript:' not in reply.text
    plan = s.get(f"/plans/{hostile}").text
    assert "&lt;script&gt;alert(&#39;plan&#39;)&lt;/script&gt;" in plan
    assert "&lt;img src=x onerror=alert(1)&gt;" in plan
    feed = s.get("/feeds/plans.atom").text
    assert "<script>" not in feed and "&lt;script&gt;" in feed
    assert "script-src" not in s.get("/").headers["content-security-policy"]  # no script may run at all


def test_admin_refuses_without_the_token(desk):
    s = desk["server"]
    assert s.get("/admin").status == 401
    assert s.get("/admin", headers={"Authorization": "Bearer wrong-token-wrong-token"}).status == 401
    ok = s.get("/admin", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert ok.status == 200 and "planwatch@localhost" in ok.text  # the configured recipient
    import base64

    basic = base64.b64encode(f"ops:{ADMIN_TOKEN}".encode()).decode()
    assert s.get("/admin", headers={"Authorization": f"Basic {basic}"}).status == 200


def test_no_subscriber_list_is_public(desk):
    s = desk["server"]
    for path in ("/", "/sources", "/subscribe", "/openapi.json", "/api/v1/sources", "/api/v1/plans"):
        assert "planwatch@localhost" not in s.get(path).text, path


def old_token(purpose: str, payload: list[object], age: float) -> str:
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age)

    return str(URLSafeTimedSerializer(SECRET, salt=f"planwatch-{purpose}", signer=Past).dumps(payload))


def test_tampered_and_expired_tokens_are_refused(desk):
    s = desk["server"]
    db = open_database(s.db_url)
    try:
        with db.session(read_only=True) as session:
            sub = session.query(m.Subscriber).filter_by(email="planwatch@localhost").one()
            ident = [sub.id, sub.email]
    finally:
        db.dispose()
    fresh = old_token("manage", ident, 0)
    assert s.get(f"/manage?token={fresh}").status == 200
    tampered = fresh[:-3] + ("AAA" if not fresh.endswith("AAA") else "BBB")
    assert s.get(f"/manage?token={tampered}").status == 400
    other_id = old_token("manage", [ident[0] + 1000, ident[1]], 0)
    assert s.get(f"/manage?token={other_id}").status == 404
    wrong_purpose = old_token("confirm", ident, 0)
    assert s.get(f"/manage?token={wrong_purpose}").status == 400
    expired = old_token("manage", ident, 200 * 86400)
    reply = s.get(f"/manage?token={expired}")
    assert reply.status == 410 and "expired" in reply.text
    assert s.get("/unsubscribe?token=garbage", method="POST", data=b"List-Unsubscribe=One-Click").status == 400
    forged = URLSafeTimedSerializer("another-secret-another-secret", salt="planwatch-unsubscribe").dumps(ident)
    assert s.get(f"/unsubscribe?token={forged}", method="POST", data=b"List-Unsubscribe=One-Click").status == 400
    assert s.get(f"/manage?token={fresh}").status == 200  # still subscribed


def test_forms_need_the_csrf_token_subscribing_is_rate_limited_and_pending_addresses_get_no_digest(desk):
    s = desk["server"]
    form = urlencode({"email": "someone@example.kr", "frequency": "daily", "language": "ko"}).encode()
    no_token = s.get("/subscribe", method="POST", data=form,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert no_token.status == 403
    page = s.get("/subscribe")
    cookie = page.headers["set-cookie"].split(";")[0]
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    bad = urlencode({"email": "not an address", "provinces": "경기도", "keywords": "스마트시티", "csrf": token})
    refused = s.get("/subscribe", method="POST", data=bad.encode(), headers=headers)
    assert refused.status == 400 and "not a valid e-mail address" in refused.text
    assert 'value="스마트시티"' in refused.text and '<option value="경기도" selected>' in refused.text  # kept
    statuses = []
    for i in range(3):
        fields = [("email", f"reader{i}@example.kr"), ("frequency", "daily"), ("language", "ko"), ("csrf", token)]
        fields += [("families", "ai"), ("families", "digital")] if i == 0 else []  # the plan-family checkboxes
        body = urlencode(fields)
        statuses.append(s.get("/subscribe", method="POST", data=body.encode(), headers=headers).status)
    assert statuses == [200, 200, 429]  # subscribe_per_hour = 3, the refused one counted
    other_site = {**headers, "Origin": "https://evil.example"}
    body = urlencode({"email": "x@example.kr", "csrf": token}).encode()
    assert s.get("/manage", method="POST", data=body, headers=other_site).status == 403

    # the two are pending: nothing is queued or sent to them but their confirmation
    db = open_database(s.db_url)
    try:
        with db.session(read_only=True) as session:
            pending = session.query(m.Subscriber).filter(m.Subscriber.email.like("reader%")).all()
            assert pending and all(p.state == "pending" and not p.active for p in pending)
            assert {p.email: p.families for p in pending}["reader0@example.kr"] == ["ai", "digital"]
            assert not session.query(m.Delivery).filter(m.Delivery.subscriber_id.in_([p.id for p in pending])).count()
    finally:
        db.dispose()

    def mails_to_reader1() -> list[str]:
        found = []
        for path in s.outbox.rglob("*.eml"):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if str(msg["To"]) == "reader1@example.kr":
                found.append(str(msg["Subject"]))
        return found

    assert mails_to_reader1() == ["[planwatch] 구독 확인"]
    before = len(list(s.outbox.rglob("*.eml")))
    db = open_database(s.db_url)
    try:
        with db.session() as session:  # something new to tell every subscriber whose filters let it through
            session.add(m.DigestItem(kind="new_plan", dedup_key="web-desk-test", plan_id=desk["hostile"]))
    finally:
        db.dispose()
    s.cli("digest", "--send")
    assert len(list(s.outbox.rglob("*.eml"))) == before + 1  # the confirmed subscriber's digest
    assert mails_to_reader1() == ["[planwatch] 구독 확인"]  # and nothing to the unconfirmed addresses


@pytest.mark.postgres
def test_healthz_says_503_when_the_database_is_gone(tmp_path, db_backend):
    if db_backend != "postgresql":
        pytest.skip("drops a PostgreSQL database under a running server (PLANWATCH_TEST_DB=postgresql)")
    from conftest import create_pg_database, drop_pg_database, pg_url, unique_db_name

    from storage.db import upgrade

    name = unique_db_name("web")
    create_pg_database(name)
    upgrade(pg_url(name))
    server = WebServer(tmp_path, pg_url(name)).start()
    try:
        assert server.get("/healthz").status == 200
        drop_pg_database(name)
        reply = server.get("/healthz")
        assert reply.status == 503 and "database unreachable" in reply.text
    finally:
        server.stop()
        drop_pg_database(name)


def test_digest_links_reach_the_desk_and_offer_one_click_unsubscribe(desk):
    s = desk["server"]
    [digest] = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(s.outbox.rglob("*.eml")) if b"planwatch@localhost" in p.read_bytes()][:1]
    header = str(digest["List-Unsubscribe"]).strip()  # folded after the colon: the value starts on the next line
    assert re.fullmatch(rf"<{re.escape(s.base)}/unsubscribe\?token=[\w.\-%]+>, <mailto:planwatch@localhost\?subject=.+>",
                        header), header
    # RFC 8058 one-click is for https links only; this desk is reached over http on loopback
    assert s.base.startswith("http://") and digest["List-Unsubscribe-Post"] is None
    html = digest.get_body(("html",)).get_content()
    manage = re.search(rf'href="({re.escape(s.base)}/manage\?token=[^"]+)"', html).group(1)
    page = s.get(manage.replace(s.base, ""))
    assert page.status == 200 and "planwatch@localhost" in page.text
    unsubscribe = re.search(r"<([^>]+)>", header).group(1)
    assert s.get(unsubscribe.replace(s.base, "")).status == 200  # a GET only shows the button
    assert "planwatch@localhost" in s.get("/admin", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).text


def test_web_settings_are_validated(tmp_path):
    from planwatch.config import ConfigError, parse_config

    assert parse_config('[web]\nbase_url = "https://pw.example.kr/"\n').web.base_url == "https://pw.example.kr"
    for bad in ('base_url = "ftp://x"', 'base_url = "https://x/?a=1"', 'link_valid_for = "10s"', "port = 0"):
        with pytest.raises(ConfigError) as refused:
            parse_config(f"[web]\n{bad}\n")
        assert "\n" not in str(refused.value) and "web" in str(refused.value)


def test_without_base_url_mailed_links_ignore_a_forged_host(tmp_path, db_url):
    server = WebServer(tmp_path, db_url, with_base_url=False).start()
    try:
        page = server.get("/subscribe")
        cookie = page.headers["set-cookie"].split(";")[0]
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        body = urlencode({"email": "victim@example.kr", "frequency": "daily", "language": "ko", "csrf": token})
        reply = server.get("/subscribe", method="POST", data=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Host": "evil.example"})
        assert reply.status == 200
        [path] = list(server.outbox.rglob("*.eml"))
        text = email.message_from_bytes(path.read_bytes(), policy=email.policy.default).get_body(("plain",))
        links = re.findall(r"https?://\S+", text.get_content())
        assert links and all(link.startswith(f"http://127.0.0.1:{server.port}/confirm?token=") for link in links)
        assert "evil.example" not in path.read_text(errors="replace")
    finally:
        server.stop()


def test_serve_refuses_a_short_admin_token(tmp_path, db_url):
    server = WebServer(tmp_path, db_url, admin_token="short")
    server.write_config()
    proc = subprocess.run(server.command("serve", "--port", str(server.port)), cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=server.env())
    assert proc.returncode == 1 and "PLANWATCH_ADMIN_TOKEN is too short" in proc.stderr


def test_an_unconfirmed_web_subscription_does_not_stand_in_for_the_configured_recipients(db):
    from alerts.subscribers import ensure_default_subscribers
    from planwatch.config import Config

    with db.session() as session:
        session.add(m.Subscriber(email="early@example.kr", state="pending", active=False))
    with db.session() as session:
        assert ensure_default_subscribers(session, Config()) == ["planwatch@localhost"]
    with db.session() as session:
        assert ensure_default_subscribers(session, Config()) == []  # a confirmed subscriber exists now
