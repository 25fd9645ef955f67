"""The benchmark site's static HTTP server on 127.0.0.1, with a request log the benchmark counts.

``SiteServer(docroot, log_path).start()`` serves a generated site (see ``benchmarks.sitegen``)
and returns its base URL; ``stop()`` ends it. Two backends, the same URLs and log format:

- ``nginx`` (Debian's ``nginx-light``): a generated config in ``<log dir>/nginx-<port>/``,
  one worker, sendfile — the fast one, used for the figures when the binary exists;
- ``python``: the standard library's threading HTTP server in a child process, the fallback
  (and what the tests use), with Last-Modified / If-Modified-Since like nginx.

Query-string routes (``/news/articleView.html?idxno=N`` → ``news/articleView/N.html``) come
from ``sitegen.QUERY_ROUTES``. Every request is one log line ``<epoch> <method> <uri>
<status> <bytes>``; ``read_log`` / ``count_requests`` turn the log into counts by kind.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from benchmarks.sitegen import QUERY_ROUTES

HOST = "127.0.0.1"
NGINX_LOG_FORMAT = "$msec $request_method $request_uri $status $body_bytes_sent"

# Request kinds for counting, first match wins.
REQUEST_KINDS: tuple[tuple[str, str], ...] = (
    ("article", "/news/articleView.html"),
    ("listing", "/news/articleList.html"),
    ("feed", "/rss/"),
    ("sitemap", "/sitemap"),
    ("robots", "/robots.txt"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def route(path_and_query: str) -> str:
    """The file (relative to the docroot) a request URI maps to."""
    parts = urlsplit(path_and_query)
    path = unquote(parts.path)
    if path in QUERY_ROUTES:
        arg, directory = QUERY_ROUTES[path]
        value = parse_qs(parts.query).get(arg, ["1" if arg == "page" else ""])[0]
        return f"{directory}/{value}.html" if value.isdigit() else "__missing__"
    if path.endswith("/"):
        path += "index.html"
    return path.lstrip("/")


# --- nginx backend ---------------------------------------------------------------------------

def nginx_config(docroot: Path, port: int, log_path: Path, workdir: Path) -> str:
    locations = "\n".join(
        f"        location = {path} {{ try_files /{directory}/$arg_{arg}.html =404; }}"
        for path, (arg, directory) in QUERY_ROUTES.items()
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    tmp = {k: workdir / k for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for p in tmp.values():
        p.mkdir(parents=True, exist_ok=True)
    return f"""{user}worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; application/xml xml; text/plain txt; image/jpeg jpg; }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/html application/xml text/plain;
    log_format bench '{NGINX_LOG_FORMAT}';
    access_log {log_path} bench;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30;
    keepalive_requests 100000;
    client_body_temp_path {tmp['client_body']};
    proxy_temp_path {tmp['proxy']};
    fastcgi_temp_path {tmp['fastcgi']};
    uwsgi_temp_path {tmp['uwsgi']};
    scgi_temp_path {tmp['scgi']};
    server {{
        listen {HOST}:{port};
        root {docroot};
        index index.html;
{locations}
    }}
}}
"""


# --- Python backend --------------------------------------------------------------------------

class SiteRequestHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_file = None  # set by serve_python
    extensions_map = {".html": "text/html; charset=utf-8", ".xml": "application/xml; charset=utf-8",
                      ".txt": "text/plain; charset=utf-8", "": "application/octet-stream"}

    def translate_path(self, path: str) -> str:
        return os.path.join(self.directory, route(path))

    def list_directory(self, path):  # no directory listings, like nginx without autoindex
        self.send_error(404)
        return None

    def log_request(self, code="-", size="-") -> None:
        # called before the headers; the line is written once Content-Length is known
        self._code = getattr(code, "value", code)
        self._sent = 0

    def send_header(self, keyword, value):
        if keyword.lower() == "content-length":
            self._sent = int(value)
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        super().end_headers()
        line = f"{time.time():.3f} {self.command} {self.path} {getattr(self, '_code', 0)} {getattr(self, '_sent', 0)}\n"
        self.log_file.write(line)

    def log_message(self, format, *args) -> None:  # errors go to the request log only
        pass


def serve_python(docroot: Path, port: int, log_path: Path) -> None:
    SiteRequestHandler.log_file = open(log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open while serving)

    def handler(*args, **kwargs):
        return SiteRequestHandler(*args, directory=str(docroot), **kwargs)

    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# --- control ---------------------------------------------------------------------------------

@dataclass
class SiteServer:
    """Start/stop a server for ``docroot``; use as a context manager."""

    docroot: Path
    log_path: Path
    port: int = 0
    backend: str = "auto"  # auto | nginx | python
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> str:
        self.docroot = Path(self.docroot).resolve()
        self.log_path = Path(self.log_path).resolve()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.touch()
        self.port = self.port or free_port()
        if self.backend == "auto":
            self.backend = "nginx" if nginx_binary() else "python"
        if self.backend == "nginx":
            binary = nginx_binary()
            if binary is None:
                raise RuntimeError("nginx is not installed (apt-get install nginx-light), use --server python")
            workdir = self.log_path.parent / f"nginx-{self.port}"
            workdir.mkdir(parents=True, exist_ok=True)
            conf = workdir / "nginx.conf"
            conf.write_text(nginx_config(self.docroot, self.port, self.log_path, workdir))
            cmd = [binary, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")]
        else:
            cmd = [sys.executable, "-m", "benchmarks.server", "--docroot", str(self.docroot),
                   "--port", str(self.port), "--log", str(self.log_path)]
        repo = Path(__file__).resolve().parent.parent
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(cmd, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_until_listening()
        return self.base_url

    def _wait_until_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace").strip()
                raise RuntimeError(f"the {self.backend} server exited at start: {err.splitlines()[-1] if err else '?'}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the {self.backend} server did not listen on {HOST}:{self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            # nginx: SIGQUIT is its graceful stop; the Python server turns SIGTERM into a clean exit
            self.process.send_signal(signal.SIGQUIT if self.backend == "nginx" else signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> SiteServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- the request log -------------------------------------------------------------------------

@dataclass
class LoggedRequest:
    at: float
    method: str
    uri: str
    status: int
    size: int

    @property
    def kind(self) -> str:
        return request_kind(self.uri)


def request_kind(uri: str) -> str:
    for kind, prefix in REQUEST_KINDS:
        if uri.startswith(prefix):
            return kind
    return "other"


def read_log(log_path: Path, start_line: int = 0) -> list[LoggedRequest]:
    """The requests logged from line ``start_line`` on (so one log can serve several runs)."""
    out = []
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        for no, line in enumerate(fh):
            if no < start_line:
                continue
            parts = line.split()
            if len(parts) == 5:
                out.append(LoggedRequest(float(parts[0]), parts[1], parts[2], int(parts[3]), int(parts[4] or 0)))
    return out


def log_lines(log_path: Path) -> int:
    with open(log_path, "rb") as fh:
        return sum(1 for _ in fh)


def count_requests(requests: list[LoggedRequest]) -> Counter:
    return Counter(r.kind for r in requests)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a generated benchmark site (Python backend).")
    parser.add_argument("--docroot", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args(argv)
    serve_python(args.docroot, args.port, args.log)


if __name__ == "__main__":
    main()
