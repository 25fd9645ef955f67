"""``planwatch serve`` as a real process on 127.0.0.1 for the web desk's tests, and HTTP calls to it.

``WebServer`` writes a configuration (``[web] base_url`` pointing at its own port), starts
the command on a free port, waits (bounded) until ``/healthz`` answers, and kills the
process in ``stop``. ``fetch`` is a plain urllib request that returns status, headers and
body whatever the status.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SECRET = "test-secret-of-the-web-desk-0123456789"
ADMIN_TOKEN = "admin-token-for-the-tests-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None,
          timeout: float = 30) -> Reply:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())


@dataclass
class WebServer:
    workdir: Path
    db_url: str
    admin_token: str | None = None
    extra_config: str = ""
    with_base_url: bool = True
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def outbox(self) -> Path:
        return self.workdir / "outbox"

    @property
    def config(self) -> Path:
        return self.workdir / "planwatch.toml"

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PLANWATCH_WEB_SECRET": SECRET}
        env.pop("PLANWATCH_ADMIN_TOKEN", None)
        env.pop("PLANWATCH_SMTP_URL", None)
        if self.admin_token:
            env["PLANWATCH_ADMIN_TOKEN"] = self.admin_token
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "planwatch", "--config", str(self.config), "--db", self.db_url,
                "--outbox", str(self.outbox), *args]

    def write_config(self) -> None:
        base_url = f'base_url = "{self.base}"\n' if self.with_base_url else ""
        self.config.write_text(f"[web]\n{base_url}{self.extra_config}", encoding="utf-8")

    def start(self, timeout: float = 60) -> WebServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.write_config()
        with open(self.workdir / "serve.log", "ab") as log:
            self.proc = subprocess.Popen(self.command("serve", "--port", str(self.port)), cwd=self.workdir,
                                         stdout=log, stderr=log, env=self.env())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"planwatch serve exited {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                if fetch(self.base + "/healthz", timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"planwatch serve did not answer within {timeout}s: {self.log()[-2000:]}")

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Another planwatch command on the same configuration, database and outbox."""
        proc = subprocess.run(self.command(*args), cwd=self.workdir, capture_output=True, text=True,
                              timeout=timeout, env=self.env())
        if proc.returncode != 0:
            raise AssertionError(f"planwatch {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
        return proc

    def get(self, path: str, **kwargs: object) -> Reply:
        return fetch(self.base + path, **kwargs)  # type: ignore[arg-type]

    def log(self) -> str:
        path = self.workdir / "serve.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
