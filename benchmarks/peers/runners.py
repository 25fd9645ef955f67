"""The peers planwatch is compared with, each in its own virtualenv under ``benchmarks/out/venvs/``.

- news-please (its Scrapy crawler, ``SitemapCrawler``: robots.txt → sitemap → articles, with its
  extractor ensemble and its JSON/HTML file storage);
- trafilatura's command line over the site's sitemap (``--sitemap URL --list``, then ``-i`` the
  list: ``--sitemap`` alone never ends with courlan 1.4's compressed URL store, which hands out
  the first URL again forever);
- newspaper4k over the same article URLs (its threaded ``fetch_news``).

``ensure_venv`` creates a virtualenv from ``requirements-<name>.txt`` (pins) once and reuses it
while the file is unchanged. Every runner returns the measured run and the texts by URL.
Politeness is lowered the same way for everyone: no delay, 16 requests in flight.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.measure import Measured, run_measured

PEERS_DIR = Path(__file__).resolve().parent
PEERS = ("newsplease", "trafilatura", "newspaper4k")
CONCURRENCY = 16
# newspaper4k tokenizes Korean with nltk, whose Punkt data cannot be downloaded here.
PEER_ENV = {"BENCH_NLTK_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}


def venv_python(venvs: Path, name: str) -> Path:
    return venvs / name / "bin" / "python"


def ensure_venv(venvs: Path, name: str) -> Path:
    """The peer's virtualenv python, created or updated from its pinned requirements."""
    requirements = PEERS_DIR / f"requirements-{name}.txt"
    shim = PEERS_DIR / "nltk_offline.py"
    digest = hashlib.sha256(requirements.read_bytes() + shim.read_bytes()).hexdigest()
    venv = venvs / name
    marker = venv / ".requirements.sha256"
    python = venv_python(venvs, name)
    if marker.is_file() and marker.read_text() == digest and python.exists():
        return python
    venvs.mkdir(parents=True, exist_ok=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(requirements)], check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    shutil.copyfile(shim, Path(site) / "sitecustomize.py")
    marker.write_text(digest)
    return python


def version_of(venvs: Path, name: str, package: str) -> str:
    out = subprocess.run([str(venv_python(venvs, name)), "-c",
                          f"import importlib.metadata as m; print(m.version({package!r}))"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


# --- news-please ---------------------------------------------------------------------------------

def newsplease_config(venvs: Path, workdir: Path, base_url: str) -> Path:
    """news-please's own default config.cfg with the working path, log level and concurrency changed."""
    site = subprocess.run([str(venv_python(venvs, "newsplease")), "-c",
                           "import newsplease, os; print(os.path.dirname(newsplease.__file__))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    cfg = (Path(site) / "config" / "config.cfg").read_text(encoding="utf-8")
    replacements = {
        "working_path = ~/news-please-repo/": f"working_path = {workdir}/",
        "LOG_LEVEL = INFO": "LOG_LEVEL = WARNING",
        "CONCURRENT_REQUESTS=16": f"CONCURRENT_REQUESTS={CONCURRENCY}",
        "CONCURRENT_REQUESTS_PER_DOMAIN=4": f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}",
    }
    for old, new in replacements.items():
        if old not in cfg:
            raise RuntimeError(f"news-please's config.cfg changed: no line {old!r}")
        cfg = cfg.replace(old, new)
    confdir = workdir / "config"
    confdir.mkdir(parents=True, exist_ok=True)
    (confdir / "config.cfg").write_text(cfg, encoding="utf-8")
    (confdir / "sitelist.hjson").write_text(
        json.dumps({"base_urls": [{"url": base_url + "/", "crawler": "SitemapCrawler"}]}), encoding="utf-8")
    return confdir


def run_newsplease(venvs: Path, workdir: Path, base_url: str) -> tuple[Measured, dict[str, str]]:
    shutil.rmtree(workdir, ignore_errors=True)
    confdir = newsplease_config(venvs, workdir, base_url)
    measured = run_measured([str(venvs / "newsplease" / "bin" / "news-please"), "-c", str(confdir), "-no-confirm"],
                            cwd=workdir, env=PEER_ENV)
    texts = {}
    for path in (workdir / "data").rglob("*.json"):
        try:
            item = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if item.get("url"):
            texts[item["url"]] = item.get("maintext") or ""
    return measured, texts


# --- trafilatura CLI -------------------------------------------------------------------------------

def trafilatura_config(venvs: Path, workdir: Path) -> Path:
    """trafilatura's settings.cfg with SLEEP_TIME 0 and its SSRF guard off (the site is on loopback)."""
    site = subprocess.run([str(venv_python(venvs, "trafilatura")), "-c",
                           "import trafilatura, os; print(os.path.dirname(trafilatura.__file__))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    cfg = (Path(site) / "settings.cfg").read_text(encoding="utf-8")
    for old, new in (("SLEEP_TIME = 5.0", "SLEEP_TIME = 0"), ("SSRF_PROTECTION = on", "SSRF_PROTECTION = off")):
        if old not in cfg:
            raise RuntimeError(f"trafilatura's settings.cfg changed: no line {old!r}")
        cfg = cfg.replace(old, new)
    path = workdir / "trafilatura.cfg"
    path.write_text(cfg, encoding="utf-8")
    return path


def run_trafilatura_cli(venvs: Path, workdir: Path, base_url: str) -> tuple[Measured, dict[str, str]]:
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    cfg = trafilatura_config(venvs, workdir)
    cli = str(venvs / "trafilatura" / "bin" / "trafilatura")
    urls = workdir / "urls.txt"
    out = workdir / "out"
    # Both steps in one measured shell, so time, CPU and memory cover discovery and extraction.
    script = (f"{cli} --sitemap {base_url}/ --list --parallel {CONCURRENCY} --config-file {cfg} > {urls} && "
              f"{cli} -i {urls} -o {out} --json --with-metadata --parallel {CONCURRENCY} --config-file {cfg}")
    measured = run_measured(["/bin/sh", "-c", script], cwd=workdir, env=PEER_ENV)
    texts = {}
    for path in out.glob("*.json") if out.is_dir() else ():
        item = json.loads(path.read_text(encoding="utf-8"))
        url = item.get("source") or item.get("url")
        if url:
            texts[url] = item.get("text") or ""
    return measured, texts


# --- newspaper4k ----------------------------------------------------------------------------------

def run_newspaper4k(venvs: Path, workdir: Path, urls: list[str]) -> tuple[Measured, dict[str, str]]:
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    url_file = workdir / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    out = workdir / "articles.jsonl"
    measured = run_measured([str(venv_python(venvs, "newspaper4k")), str(PEERS_DIR / "newspaper4k_fetch.py"),
                             "--urls", str(url_file), "--out", str(out), "--threads", str(CONCURRENCY)],
                            env=PEER_ENV)
    texts = {}
    if out.is_file():
        for line in out.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            texts[item["url"]] = item.get("text") or ""
    return measured, texts


# --- extraction only, over pages on disk ----------------------------------------------------------

def extract_pages(venvs: Path, tool: str, workdir: Path, pages: list[tuple[str, Path, str | None]]) -> dict[str, str]:
    """``tool``'s text for each ``(id, file, url)`` (files read where they are), in the tool's virtualenv."""
    workdir.mkdir(parents=True, exist_ok=True)
    listing = workdir / f"{tool}-input.jsonl"
    with open(listing, "w", encoding="utf-8") as fh:
        for page_id, path, url in pages:
            fh.write(json.dumps({"id": page_id, "path": str(path), "url": url}) + "\n")
    out = workdir / f"{tool}-texts.jsonl"
    done = subprocess.run([str(venv_python(venvs, tool)), str(PEERS_DIR / "extract_html.py"), "--tool", tool,
                           "--input", str(listing), "--out", str(out)],
                          capture_output=True, text=True, env={**os.environ, **PEER_ENV}, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} extraction failed: {done.stderr.strip().splitlines()[-1:]}")
    return {item["id"]: item.get("text") or "" for item in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
