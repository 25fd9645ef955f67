"""The web desk in a real browser: Debian's Chromium driven by Playwright, JavaScript off.

``planwatch serve`` runs as a real process on 127.0.0.1. With the seed plans replayed, a
reader filters by province, opens a plan, downloads the CSV, and the list and a plan page
are photographed at desktop and phone width. On an empty database a reader subscribes,
confirms through the link of the mail in the outbox, receives the digests of the seed
replay, changes the filters through the digest's link, pauses, and is unsubscribed by the
RFC 8058 one-click POST named in the digest's List-Unsubscribe header.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode

import pytest
from PIL import Image
from web_server import SEEDS, WebServer, fetch

from storage import models as m
from storage.db import open_database

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (scripts/ensure-services)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True, timeout=TIMEOUT_MS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True, locale="ko-KR")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, module_db_url):
    server = WebServer(tmp_path_factory.mktemp("browser"), module_db_url)
    server.write_config()
    server.cli("replay", str(SEEDS))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_filter_by_province_then_open_a_plan(seeded, page):
    page.goto(seeded.base + "/")
    assert page.locator("table.plans tbody tr").count() == 5
    page.select_option("#province", "전라남도")
    page.click("form.filters button[type=submit]")
    assert "province=" in page.url
    rows = page.locator("table.plans tbody tr")
    assert rows.count() == 1 and "광양시" in rows.inner_text()
    rows.locator("a.plan-title").click()
    assert re.search(r"/plans/\d+$", page.url)
    assert page.locator("h1").inner_text().startswith("광양시 4차산업혁명 촉진 기본계획")
    body = page.locator("main").inner_text()
    assert "ABC 중심의 스마트 청정 미래산업 도시" in body and "철강산업 산업경쟁력 강화" in body
    assert page.locator("svg.timeline").count() == 1


def test_the_tile_map_and_the_province_page_lead_to_plans(seeded, page):
    page.goto(seeded.base + "/")
    page.locator(f'svg.tilemap a[href$="{urlencode({"province": "경기도"})}"]').click()
    assert page.locator("table.plans tbody tr").count() == 3
    page.goto(seeded.base + "/")
    page.click("ul.legend >> text=전라남도")
    assert page.locator("h1").inner_text().startswith("전라남도")
    tile = page.locator(f'svg.tilemap a[href$="{urlencode({"municipality": "광양시"})}"]')
    assert tile.locator("title").text_content() == "광양시: 1건"
    tile.click()
    rows = page.locator("table.plans tbody tr")
    assert rows.count() == 1 and "광양시" in rows.inner_text()


def test_download_the_csv_of_the_filtered_list(seeded, page, tmp_path):
    page.goto(seeded.base + "/?province=" + "경기도")
    with page.expect_download() as download:
        page.click("text=CSV")
    saved = tmp_path / "plans.csv"
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    for city in ("안양시", "부천시", "시흥시"):
        assert city in text
    assert "광양시" not in text
    assert "부천시 4차 산업혁명 촉진 종합계획" in text and "지속가능한 스마트 프로슈밍 시티, 시흥" in text


def not_blank(png: Path) -> None:
    image = Image.open(png).convert("RGB")
    small = image.resize((max(1, image.width // 4), max(1, image.height // 4)))
    colours = small.getcolors(maxcolors=small.width * small.height) or []
    background = max(count for count, _colour in colours)
    share = 1 - background / (small.width * small.height)
    assert len(colours) > 50 and share > 0.05, f"{png.name} looks blank ({share:.1%} drawn)"


@pytest.mark.parametrize("width", [1280, 375])
def test_list_and_plan_page_render_at_desktop_and_phone_width(seeded, browser, width, tmp_path):
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for path in ("/", "/plans/2"):
            page.goto(seeded.base + path)
            png = tmp_path / f"{width}{path.replace('/', '_')}.png"
            page.screenshot(path=str(png), full_page=True)
            not_blank(png)
            box = page.locator("main").bounding_box()
            assert box is not None and box["width"] <= width + 1, f"{path} is wider than the screen at {width}px"
            assert page.locator("h1").first.is_visible()
    finally:
        context.close()


def messages(outbox: Path, to: str) -> list[EmailMessage]:
    found = []
    for path in sorted(outbox.rglob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(msg["To"]) == to:
            found.append(msg)
    return found


def body_of(msg: EmailMessage, kind: str) -> str:
    part = msg.get_body((kind,))
    assert part is not None
    return str(part.get_content())


def subscriber_row(db_url: str, address: str) -> m.Subscriber | None:
    db = open_database(db_url)
    try:
        with db.session(read_only=True) as session:
            return session.query(m.Subscriber).filter_by(email=address).one_or_none()
    finally:
        db.dispose()


def test_subscribe_confirm_manage_and_unsubscribe_in_one_click(tmp_path, db_url, page):
    server = WebServer(tmp_path, db_url).start()
    reader = "reader@example.kr"
    try:
        # subscribe: nothing but the confirmation goes to the address until it is confirmed
        page.goto(server.base + "/subscribe")
        page.fill("#email", reader)
        page.select_option("#provinces", ["경기도"])
        page.select_option("#frequency", "immediate")
        page.click("form button[type=submit]")
        assert "확인 메일을 보냈습니다" in page.locator("main").inner_text()
        assert subscriber_row(db_url, reader).state == "pending"
        [confirmation] = messages(server.outbox, reader)
        link = re.search(r"http://127\.0\.0\.1:\d+/confirm\?token=\S+", body_of(confirmation, "plain")).group(0)

        page.goto(link)
        page.click("form button[type=submit]")
        assert "구독이 확인되었습니다" in page.locator("h1").inner_text()
        row = subscriber_row(db_url, reader)
        assert row.state == "confirmed" and row.active and row.provinces == ["경기도"]

        # the seed replay finds three plans in 경기도: one message each (immediate)
        server.cli("replay", str(SEEDS))
        digests = messages(server.outbox, reader)[1:]
        assert len(digests) == 3
        header = str(digests[0]["List-Unsubscribe"]).strip()
        one_click = re.match(r"<(http://127\.0\.0\.1:\d+/unsubscribe\?token=[^>]+)>, <mailto:", header).group(1)
        assert digests[0]["List-Unsubscribe-Post"] is None  # RFC 8058 one-click is for https links only
        manage = re.search(r'href="(http://127\.0\.0\.1:\d+/manage\?token=[^"]+)"', body_of(digests[0], "html"))
        assert manage is not None and manage.group(1) in body_of(digests[0], "plain")

        # change the filters through the digest's link
        page.goto(manage.group(1))
        assert reader in page.locator("main").inner_text()
        page.select_option("#provinces", ["전라남도", "대전광역시"])
        page.fill("#keywords", "스마트시티, 인공지능")
        page.select_option("#frequency", "weekly")
        page.select_option("#language", "en")
        page.click("button[value=save]")
        assert "저장했습니다" in page.locator("main").inner_text()
        row = subscriber_row(db_url, reader)
        assert (row.provinces, row.keywords) == (["대전광역시", "전라남도"], ["스마트시티", "인공지능"])
        assert (row.frequency, row.language) == ("weekly", "en")
        page.click("button[value=pause]")
        assert not subscriber_row(db_url, reader).active
        page.click("button[value=resume]")
        assert subscriber_row(db_url, reader).active

        # one-click unsubscribe, as a mail client does it: a POST without cookies
        reply = fetch(one_click, method="POST", data=b"List-Unsubscribe=One-Click",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert reply.status == 200
        assert subscriber_row(db_url, reader) is None
        page.goto(manage.group(1))
        assert "더 이상 없습니다" in page.locator("main").inner_text()
    finally:
        server.stop()
