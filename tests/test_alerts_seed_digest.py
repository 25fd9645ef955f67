"""The seed replay delivers a real digest through SMTP, and that digest renders in a real browser.

``planwatch replay seeds/`` runs as a user runs it (a child process) with
PLANWATCH_SMTP_URL pointing at the test SMTP server: one message, five new plans,
and nothing again on a second replay. The HTML part is then drawn by headless
Chromium at phone (375 px) and desktop (1024 px) width; the PNGs are kept in
tests/artifacts/ (docs/digest.png is one of them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from smtp_server import SmtpTestServer

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CITIES = ("안양시", "부천시", "광양시", "대전광역시", "시흥시")

HEADER_BLUE = (0x12, 0x3C, 0x69)
PAGE_GREY = (0xEE, 0xF1, 0xF5)


def planwatch(db_url: str, outbox: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "planwatch", "--db", db_url, "--outbox", str(outbox), *args]
    proc = subprocess.run(
        cmd, cwd=outbox.parent, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc


# The replay itself runs on both backends in test_replay_seeds; here it runs once, on SQLite.
pytestmark = pytest.mark.sqlite_only


@pytest.fixture(scope="module")
def seed_delivery(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("seed-digest")
    db_url = f"sqlite:///{tmp_path / 'planwatch.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWATCH_")}
    (tmp_path / "planwatch.toml").write_text('[smtp]\nsender = "planwatch <alerts@planwatch.example.kr>"\n')
    with SmtpTestServer() as server:
        env["PLANWATCH_SMTP_URL"] = server.url
        outbox = tmp_path / "outbox"
        first = planwatch(db_url, outbox, env, "replay", str(ROOT / "seeds"))
        assert server.wait_for(1, timeout=10)
        second = planwatch(db_url, outbox, env, "replay", str(ROOT / "seeds"))
        yield {"server": server, "first": first, "second": second, "outbox": outbox}


def test_seed_replay_sends_one_digest_of_five_new_plans_through_smtp(seed_delivery):
    server = seed_delivery["server"]
    assert len(server.messages) == 1, "the second replay must send nothing"
    (received,) = server.messages
    assert received.rcpt_tos == ["planwatch@localhost"]
    msg = received.message
    assert str(msg["Subject"]).startswith("[planwatch] 새 계획 5건 — ")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for city in CITIES:
        assert city in text and city in html
    for stage in ("중간보고회", "위원회 회의", "확정", "위원회 출범", "업무협약"):
        assert stage in text
    assert "스마트라이프를 위한 첨단융합산업 선도 도시, 부천" in html and "전략 4 · 과제 10 · 사업 29" in text
    assert "1 sent, 5 items" in seed_delivery["first"].stdout
    assert "nothing to send" in seed_delivery["second"].stdout
    assert not list(seed_delivery["outbox"].glob("*.eml"))  # with SMTP configured, no files


def screenshot(html_file: Path, png: Path, width: int, height: int, profile: Path) -> None:
    png.unlink(missing_ok=True)
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={width},{height}",
        html_file.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    assert png.is_file(), f"chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr[-500:]}"


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium fonts-noto-cjk)"
)
def test_seed_digest_renders_at_phone_and_desktop_width(seed_delivery, tmp_path):
    from PIL import Image

    html = seed_delivery["server"].messages[0].message.get_body(("html",)).get_content()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / "seed-digest.html"
    page.write_text(html, encoding="utf-8")
    results = {}
    for width, height in ((375, 2800), (1024, 1900)):
        png = ARTIFACTS / f"seed-digest-{width}.png"
        screenshot(page, png, width, height, tmp_path / f"profile-{width}")
        with Image.open(png) as image:
            rgb = image.convert("RGB")
            assert rgb.size == (width, height)
            dark = sum(image.convert("L").histogram()[:200])  # text and the dark header
            ink = dark / (width * height)
            results[width] = (rgb, ink)
    phone, phone_ink = results[375]
    desktop, desktop_ink = results[1024]
    assert phone_ink > 0.03 and desktop_ink > 0.02, (phone_ink, desktop_ink)
    # phone: the message fills the width (the header bar runs edge to edge)
    assert near(phone.getpixel((3, 12)), HEADER_BLUE) and near(phone.getpixel((371, 12)), HEADER_BLUE)
    # desktop: a centred column at most 640 px wide on the grey page
    assert near(desktop.getpixel((20, 40)), PAGE_GREY) and near(desktop.getpixel((1004, 40)), PAGE_GREY)
    assert near(desktop.getpixel((512, 40)), HEADER_BLUE)
