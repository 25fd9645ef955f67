"""The SMTP password lives in the environment only: never in a log, the outbox or the database.

The real command line runs in a child process, the way an operator runs it: a replay
of the seed captures, then ``digest --send``, with ``PLANWATCH_SMTP_PASSWORD`` set,
``--log-level debug`` and ``--log-file``. Once against a real SMTP server on
127.0.0.1 that requires STARTTLS and a login (so the password is really used), once
with the outbox (so it is there to leak but must not). Afterwards the log file, every
file of the outbox and the SQLite file (with its WAL) are searched for the password,
its base64 (what AUTH PLAIN and AUTH LOGIN send) and its URL-quoted form.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from smtp_server import SmtpTestServer, make_certificate

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
USER = "mailer"

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]  # greps the SQLite file itself


def secret_forms(password: str) -> list[bytes]:
    """Every spelling of the password a careless program could write down."""
    raw = password.encode()
    return [
        raw,
        base64.b64encode(raw),
        base64.b64encode(f"\0{USER}\0{password}".encode()),  # AUTH PLAIN
        base64.b64encode(f"{USER}\0{USER}\0{password}".encode()),
        quote(password, safe="").encode(),
    ]


def run_planwatch(tmp: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable, "-m", "planwatch", "--db", f"sqlite:///{tmp / 'planwatch.db'}", "--outbox", str(tmp / "outbox"),
        "--log-level", "debug", "--log-file", str(tmp / "planwatch.log"), *args,
    ]
    proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}"
    return proc


def files_written(tmp: Path) -> list[Path]:
    return sorted(p for p in tmp.rglob("*") if p.is_file() and p.suffix not in (".pem",))


def assert_no_secret(tmp: Path, password: str, outputs: list[subprocess.CompletedProcess[str]]) -> None:
    forms = secret_forms(password)
    for path in files_written(tmp):
        data = path.read_bytes()
        for form in forms:
            assert form not in data, f"{path.name} holds the password ({form[:6]!r}…)"
    for proc in outputs:
        for form in forms:
            assert form.decode() not in proc.stdout + proc.stderr


def child_env(tmp: Path, password: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWATCH_")}
    (tmp / "planwatch.toml").write_text(
        '[smtp]\nsender = "planwatch <alerts@example.kr>"\n[digest]\nrecipients = ["desk@example.kr"]\n',
        encoding="utf-8",
    )
    env.update(PLANWATCH_SMTP_PASSWORD=password, PLANWATCH_CONFIG=str(tmp / "planwatch.toml"), **extra)
    return env


def test_the_password_is_used_over_tls_and_written_nowhere(tmp_path: Path) -> None:
    password = "pw-" + secrets.token_hex(12)
    (tmp_path / "tls").mkdir()
    cert, key = make_certificate(tmp_path / "tls")
    with SmtpTestServer(tls="starttls", certificate=(cert, key), login=(USER, password)) as server:
        env = child_env(tmp_path, password, PLANWATCH_SMTP_URL=server.url, SSL_CERT_FILE=str(cert))
        assert f"{USER}@" in server.url and password not in server.url
        replay = run_planwatch(tmp_path, env, "replay", str(SEEDS))
        digest = run_planwatch(tmp_path, env, "digest", "--send")
        # the login really happened, with the right password, and the digest went out
        assert server.auth_attempts and all(ok for _, ok in server.auth_attempts)
        assert server.messages and all(password.encode() not in m.data for m in server.messages)
    log = (tmp_path / "planwatch.log").read_text(encoding="utf-8")
    assert "DEBUG" in log and "desk@example.kr" in log  # the debug log did describe the delivery
    assert (tmp_path / "planwatch.db").stat().st_size > 0
    assert_no_secret(tmp_path, password, [replay, digest])


def test_the_password_is_not_written_to_the_outbox_either(tmp_path: Path) -> None:
    password = "pw-" + secrets.token_hex(12)
    env = child_env(tmp_path, password)
    replay = run_planwatch(tmp_path, env, "replay", str(SEEDS))
    digest = run_planwatch(tmp_path, env, "digest", "--send")
    emls = list((tmp_path / "outbox").rglob("*.eml"))
    assert emls, "the digest should have gone to the outbox"
    assert "DEBUG" in (tmp_path / "planwatch.log").read_text(encoding="utf-8")
    assert_no_secret(tmp_path, password, [replay, digest])
