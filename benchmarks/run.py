"""The one benchmark command: planwatch's crawl against the extraction ceiling and the peers.

    .venv/bin/python -m benchmarks.run                 # 1,000 and 10,000 pages, 3 runs each
    .venv/bin/python -m benchmarks.run --quick         # 100 pages, 1 run: a smoke test
    .venv/bin/python -m benchmarks.run --skip-peers    # planwatch, ceiling and quality only

For every site size it generates the site (``benchmarks.sitegen``), serves it on 127.0.0.1
(``benchmarks.server``) and measures, each figure the median of ``--runs`` runs:

1. ``planwatch crawl`` from an empty database (feed, first list pages, sitemap; fetch, extract,
   judge, extract plans, store): pages/s, CPU seconds per page, peak RSS of the process tree;
2. the ceiling: ``trafilatura.extract`` alone over the same pages on disk, 2 processes;
3. the peers (``benchmarks.peers.runners``) on the same site, by default on the smallest size;
4. body-text precision/recall/F1 (``benchmarks.quality``) on the site and on the real pages
   with ground truth in the shared corpus;
5. the incremental runs: the same site again unchanged (article requests from the server log,
   time against the first crawl), then with 1% new articles (exactly those stored?);
6. scaling: time and peak memory of the largest size against the smallest.

It prints one markdown report and writes it to ``benchmarks/RESULTS.md``; raw figures go to
``benchmarks/out/results.json`` (``results-quick.json`` for ``--quick``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402

from benchmarks import quality  # noqa: E402
from benchmarks.measure import Measured, median, run_measured  # noqa: E402
from benchmarks.peers import runners  # noqa: E402
from benchmarks.server import SiteServer, count_requests, free_port, log_lines, read_log  # noqa: E402
from benchmarks.sitegen import generate_site, read_manifest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
RESULTS_MD = REPO / "benchmarks" / "RESULTS.md"
IDXNO = re.compile(r"idxno=(\d+)")
CEILING_PROCESSES = 2
NEW_ARTICLE_SHARE = 0.01

# The crawl settings of the benchmark. The politeness limits (one request at a time with a
# 1 s delay by default) are raised here, in the generated configuration, for a site on loopback.
CRAWL_SETTINGS = {
    "allow_private_addresses": True,
    "concurrency": 16,
    "per_domain": 16,
    "delay": 0,
    "autothrottle": False,
    "obey_robots": True,
    "max_articles": 100_000,
    "extract_workers": 2,
}


# --- records of what was measured ---------------------------------------------------------------

@dataclass
class RunFigures:
    pages: int
    wall: float
    cpu: float
    peak_rss: int
    requests: dict[str, int] = field(default_factory=dict)
    ok: bool = True
    note: str = ""
    peak_pss: int = 0

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall if self.wall else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu / self.pages if self.pages else float("nan")


@dataclass
class ToolResult:
    name: str
    how: str
    runs: list[RunFigures] = field(default_factory=list)
    site_quality: quality.Score | None = None
    ko_quality: quality.Score | None = None
    scrapinghub_quality: quality.Score | None = None
    version: str = ""

    def med(self, attr: str) -> float:
        return median([getattr(r, attr) for r in self.runs if r.ok]) if self.runs else float("nan")


@dataclass
class Incremental:
    unchanged_wall: float = 0.0
    unchanged_article_requests: int = -1
    unchanged_requests: dict[str, int] = field(default_factory=dict)
    first_wall: float = 0.0
    new_articles: int = 0
    grown_article_requests: int = -1
    grown_stored: int = -1
    grown_exact: bool = False
    grown_wall: float = 0.0


@dataclass
class SizeResult:
    n: int
    planwatch: ToolResult
    ceiling: ToolResult
    peers: list[ToolResult] = field(default_factory=list)
    incremental: Incremental | None = None
    relevant_found: int = 0
    plan_articles: int = 0
    relevant_true: int = 0


# --- the machine -----------------------------------------------------------------------------------

def machine_info() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        os_name = f"{release.get('PRETTY_NAME', '').strip(chr(34))} (kernel {platform.release()})"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(psutil.cpu_count(logical=True)),
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "python": platform.python_version(),
        "os": os_name,
    }


# --- the site ----------------------------------------------------------------------------------------

def ensure_site(n: int, base_url: str) -> Path:
    root = OUT / f"site-{n}"
    info = read_manifest(root)
    if info is None or info.n != n or info.base_url != base_url:
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        generate_site(root, n, base_url)
        print(f"  generated {n} pages in {time.perf_counter() - started:.1f} s", flush=True)
    return root


def expected_texts(root: Path) -> dict[int, str]:
    return {int(p.stem): p.read_text(encoding="utf-8") for p in (root / "expected").glob("*.txt")}


def site_quality(expected: dict[int, str], texts_by_url: dict[str, str]) -> quality.Score:
    """Mean over every page of the site; a page the tool did not return scores 0."""
    got: dict[int, str] = {}
    for url, text in texts_by_url.items():
        m = IDXNO.search(url or "")
        if m:
            got[int(m.group(1))] = text
    return quality.mean_scores([quality.score(want, got.get(idxno)) for idxno, want in expected.items()])


# --- planwatch -----------------------------------------------------------------------------------

def write_planwatch_config(path: Path, base_url: str, n: int) -> Path:
    def toml_value(v: object) -> str:
        return str(v).lower() if isinstance(v, bool) else str(v)

    crawl = "\n".join(f"{k} = {toml_value(v)}" for k, v in CRAWL_SETTINGS.items())
    sitemaps = max(1, -(-n // 1000)) + 1
    path.write_text(f"""# generated by benchmarks/run.py
[crawl]
{crawl}

[[source]]
name = "bench-feed"
type = "feed"
preset = "ndsoft"
url = "{base_url}/rss/allArticle.xml"

[[source]]
name = "bench-listing"
type = "listing"
preset = "ndsoft"
url = "{base_url}/news/articleList.html?page={{page}}&view_type=sm"
max_pages = 5

[[source]]
name = "bench-sitemap"
type = "sitemap"
preset = "ndsoft"
url = "{base_url}/sitemap.xml"
max_pages = {sitemaps}
""", encoding="utf-8")
    return path


def planwatch_crawl(config: Path, db: Path, outbox: Path, log: Path) -> tuple[Measured, dict[str, int]]:
    first_line = log_lines(log)
    cmd = [str(REPO / ".venv" / "bin" / "planwatch"), "--config", str(config), "--db", f"sqlite:///{db}",
           "--outbox", str(outbox), "crawl"]
    if crawl_option("--no-digest"):  # the digest is not part of what is compared
        cmd.append("--no-digest")
    measured = run_measured(cmd, cwd=db.parent)
    time.sleep(0.2)  # the server writes the last lines as the connections close
    return measured, dict(count_requests(read_log(log, first_line)))


@functools.cache
def crawl_option(option: str) -> bool:
    out = subprocess.run([str(REPO / ".venv" / "bin" / "planwatch"), "crawl", "--help"], capture_output=True,
                         text=True).stdout
    return option in out


def stored_articles(db: Path) -> list[tuple[str, str, bool]]:
    with sqlite3.connect(db) as conn:
        return [(u or "", t or "", bool(r)) for u, t, r in conn.execute("select url, text, relevant from articles")]


def run_planwatch(root: Path, n: int, base_url: str, runs: int, log: Path, workdir: Path,
                  expected: dict[int, str]) -> tuple[ToolResult, Path, list[tuple[str, str, bool]]]:
    result = ToolResult("planwatch", "`planwatch crawl` (feed + list pages + sitemap; fetch, extract, judge, store)")
    config = write_planwatch_config(workdir / "planwatch.toml", base_url, n)
    db = workdir / "planwatch.db"
    stored: list[tuple[str, str, bool]] = []
    for r in range(runs):
        for p in workdir.glob("planwatch.db*"):
            p.unlink()
        measured, requests = planwatch_crawl(config, db, workdir / "outbox", log)
        stored = stored_articles(db) if db.exists() else []
        ok = measured.returncode == 0 and len(stored) == n
        note = "" if ok else f"exit {measured.returncode}, {len(stored)} of {n} stored: {_last_line(measured.stderr)}"
        result.runs.append(RunFigures(len(stored), measured.wall, measured.cpu, measured.peak_rss, requests, ok, note,
                                      measured.peak_pss))
        print(f"  planwatch run {r + 1}: {measured.wall:.1f} s, {len(stored)} stored, "
              f"{measured.peak_pss / 2**20:.0f} MB peak PSS {note}", flush=True)
    result.site_quality = site_quality(expected, {u: t for u, t, _ in stored})
    return result, db, stored


def run_incremental(root: Path, n: int, base_url: str, log: Path, workdir: Path, first_wall: float) -> Incremental:
    inc = Incremental(first_wall=first_wall)
    config = workdir / "planwatch.toml"
    db = workdir / "planwatch.db"
    measured, requests = planwatch_crawl(config, db, workdir / "outbox", log)
    inc.unchanged_wall, inc.unchanged_requests = measured.wall, requests
    inc.unchanged_article_requests = requests.get("article", 0)
    before = {u for u, _, _ in stored_articles(db)}
    k = max(1, round(n * NEW_ARTICLE_SHARE))
    info = generate_site(root, n + k, base_url)
    new_urls = {e.url for e in info.articles[n:]}
    write_planwatch_config(config, base_url, n + k)
    measured, requests = planwatch_crawl(config, db, workdir / "outbox", log)
    after = {u for u, _, _ in stored_articles(db)}
    inc.new_articles = k
    inc.grown_wall = measured.wall
    inc.grown_article_requests = requests.get("article", 0)
    inc.grown_stored = len(after - before)
    inc.grown_exact = (after - before) == new_urls
    print(f"  incremental: unchanged {inc.unchanged_wall:.1f} s, {inc.unchanged_article_requests} article requests; "
          f"+{k}: {inc.grown_stored} stored, exact={inc.grown_exact}", flush=True)
    return inc


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


# --- the ceiling ---------------------------------------------------------------------------------

def _extract_file(path: str) -> tuple[str, str]:
    import trafilatura

    with open(path, "rb") as fh:
        return path, trafilatura.extract(fh.read()) or ""


def _warm(_: int) -> int:
    import trafilatura  # noqa: F401

    return 0


def run_ceiling(root: Path, runs: int, expected: dict[int, str], base_url: str) -> ToolResult:
    import trafilatura

    result = ToolResult("ceiling", f"`trafilatura.extract` alone over the pages on disk, {CEILING_PROCESSES} processes",
                        version=trafilatura.__version__)
    files = sorted(str(p) for p in (root / "www" / "news" / "articleView").glob("*.html"))
    texts: dict[str, str] = {}
    me = psutil.Process()
    for _ in range(runs):
        others = {p.pid for p in me.children()}  # the site's server
        with ProcessPoolExecutor(CEILING_PROCESSES) as pool:
            list(pool.map(_warm, range(CEILING_PROCESSES)))
            workers = [p for p in me.children() if p.pid not in others]
            cpu_before = sum(p.cpu_times().user + p.cpu_times().system for p in workers)
            started = time.perf_counter()
            out = dict(pool.map(_extract_file, files, chunksize=16))
            wall = time.perf_counter() - started
            cpu = sum(p.cpu_times().user + p.cpu_times().system for p in workers) - cpu_before
            memory = [p.memory_full_info() for p in [me, *workers]]
            rss, pss = sum(m.rss for m in memory), sum(getattr(m, "pss", m.rss) for m in memory)
        texts = out
        result.runs.append(RunFigures(len(files), wall, cpu, rss, peak_pss=pss))
        print(f"  ceiling: {len(files) / wall:.1f} pages/s", flush=True)
    result.site_quality = site_quality(
        expected, {f"{base_url}/news/articleView.html?idxno={Path(p).stem}": t for p, t in texts.items()})
    return result


# --- peers -----------------------------------------------------------------------------------------

def run_peers(root: Path, n: int, base_url: str, runs: int, log: Path, expected: dict[int, str],
              port: int) -> list[ToolResult]:
    venvs = OUT / "venvs"
    results = []
    urls = [e.url for e in read_manifest(root).articles][:n]
    for name in runners.PEERS:
        print(f"  {name}: preparing its virtualenv", flush=True)
        runners.ensure_venv(venvs, name)
    # news-please -------------------------------------------------------------------------------
    if port == 80:
        np_result = ToolResult("news-please", "its Scrapy crawler (`SitemapCrawler`: robots.txt → sitemap → articles, "
                               "extractor ensemble, JSON + HTML files)",
                               version=runners.version_of(venvs, "newsplease", "news-please"))
        texts: dict[str, str] = {}
        for r in range(runs):
            first = log_lines(log)
            measured, texts = runners.run_newsplease(venvs, OUT / "peer-runs" / "newsplease", base_url)
            reqs = dict(count_requests(read_log(log, first)))
            pages = len([u for u in texts if IDXNO.search(u)])
            np_result.runs.append(RunFigures(pages, measured.wall, measured.cpu, measured.peak_rss, reqs,
                                             measured.returncode == 0 and pages > 0, _last_line(measured.stderr)
                                             if measured.returncode else "", peak_pss=measured.peak_pss))
            print(f"  news-please run {r + 1}: {measured.wall:.1f} s, {pages} articles", flush=True)
    else:
        # news-please's crawler turns the start URL into Scrapy's allowed_domains with the port in
        # it, which filters every request; without port 80 only its extraction can be compared.
        np_result = ToolResult("news-please", "**extraction only** (`NewsPlease.from_html` over the pages on disk): "
                               "its crawler cannot be pointed at a site on a port other than 80",
                               version=runners.version_of(venvs, "newsplease", "news-please"))
        texts = {}
        files = [(str(e.idxno), root / "www" / "news" / "articleView" / f"{e.idxno}.html", e.url)
                 for e in read_manifest(root).articles[:n]]
        for _ in range(runs):
            started = time.perf_counter()
            got = runners.extract_pages(venvs, "newsplease", OUT / "peer-runs" / "newsplease-html", files)
            wall = time.perf_counter() - started
            texts = {base_url + f"/news/articleView.html?idxno={k}": v for k, v in got.items()}
            np_result.runs.append(RunFigures(len(got), wall, float("nan"), 0))
    np_result.site_quality = site_quality(expected, texts)
    results.append(np_result)
    # trafilatura CLI ---------------------------------------------------------------------------------
    tr_result = ToolResult("trafilatura CLI", "`trafilatura --sitemap URL --list`, then `-i urls --json` "
                           "(its own download queue and extraction)",
                           version=runners.version_of(venvs, "trafilatura", "trafilatura"))
    for r in range(runs):
        first = log_lines(log)
        measured, texts = runners.run_trafilatura_cli(venvs, OUT / "peer-runs" / "trafilatura", base_url)
        reqs = dict(count_requests(read_log(log, first)))
        tr_result.runs.append(RunFigures(len(texts), measured.wall, measured.cpu, measured.peak_rss, reqs,
                                         measured.returncode == 0 and len(texts) > 0, peak_pss=measured.peak_pss))
        print(f"  trafilatura CLI run {r + 1}: {measured.wall:.1f} s, {len(texts)} articles", flush=True)
    tr_result.site_quality = site_quality(expected, texts)
    results.append(tr_result)
    # newspaper4k ---------------------------------------------------------------------------------------
    n4_result = ToolResult("newspaper4k", "`fetch_news` over the sitemap's article URLs (16 threads)",
                           version=runners.version_of(venvs, "newspaper4k", "newspaper4k"))
    for r in range(runs):
        first = log_lines(log)
        measured, texts = runners.run_newspaper4k(venvs, OUT / "peer-runs" / "newspaper4k", urls)
        reqs = dict(count_requests(read_log(log, first)))
        pages = sum(1 for t in texts.values() if t)
        n4_result.runs.append(RunFigures(pages, measured.wall, measured.cpu, measured.peak_rss, reqs,
                                         measured.returncode == 0 and pages > 0, peak_pss=measured.peak_pss))
        print(f"  newspaper4k run {r + 1}: {measured.wall:.1f} s, {pages} articles", flush=True)
    n4_result.site_quality = site_quality(expected, texts)
    results.append(n4_result)
    return results


# --- real pages ------------------------------------------------------------------------------------

def planwatch_text(page: quality.GoldPage) -> str:
    from extractors.article import ExtractionError
    from planwatch.extraction import extract_capture
    from planwatch.records import Capture

    try:
        article, _ = extract_capture(Capture(body=page.html, kind="html", url=page.url, origin=page.name))
    except ExtractionError:
        return ""
    return article.text


def planwatch_body_text(page: quality.GoldPage) -> str:
    """The HTML → body-text stage alone, before the pipeline's Korean-article check."""
    return quality.body_stage_text(page)


PIPELINE_ROW = "planwatch (pipeline: `extract_capture`, refuses non-Korean pages)"
BODY_ROW = "planwatch body stage (`extractors.htmlclean.extract_html`)"


def real_pages_quality(skip_peers: bool) -> dict[str, dict[str, quality.Score]]:
    sets = {"ko": quality.load_ko_news(), "scrapinghub": quality.load_scrapinghub()}
    out: dict[str, dict[str, quality.Score]] = {PIPELINE_ROW: {}, BODY_ROW: {}, "trafilatura defaults": {}}
    for key, pages in sets.items():
        out[PIPELINE_ROW][key] = quality.mean_scores([quality.score(p.expected, planwatch_text(p)) for p in pages])
        out[BODY_ROW][key] = quality.mean_scores([quality.score(p.expected, planwatch_body_text(p)) for p in pages])
        out["trafilatura defaults"][key] = quality.mean_scores(
            [quality.score(p.expected, quality.trafilatura_default_text(p)) for p in pages])
    if not skip_peers:
        venvs = OUT / "venvs"
        for tool, label in (("newsplease", "news-please"), ("newspaper4k", "newspaper4k")):
            runners.ensure_venv(venvs, tool)
            out[label] = {}
            for key, pages in sets.items():
                texts = runners.extract_pages(venvs, tool, OUT / "peer-runs" / "real-pages",
                                              [(p.name, p.path, p.url) for p in pages])
                out[label][key] = quality.mean_scores([quality.score(p.expected, texts.get(p.name)) for p in pages])
    return out


# --- the report ------------------------------------------------------------------------------------

def fmt(v: float, digits: int = 1) -> str:
    return "–" if v != v else f"{v:,.{digits}f}"


def mb(v: float) -> str:
    return "–" if v != v or not v else f"{v / 2**20:,.0f}"


def f1(s: quality.Score | None) -> str:
    return "–" if s is None else f"{s.f1:.3f} ({s.precision:.2f}/{s.recall:.2f})"


def render(sizes: list[SizeResult], real: dict[str, dict[str, quality.Score]], machine: dict[str, str],
           runs: int, server: str, started: datetime) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC with `python -m benchmarks.run` — median of {runs} run(s) per figure.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}, Python {machine['python']}, "
        f"{machine['os']}. Site served by {server} on 127.0.0.1.",
        "",
    ]
    for size in sizes:
        pw = size.planwatch
        pw_rate = pw.med("pages_per_s")
        lines += [f"## {size.n:,} pages", "",
                  "| tool | how | pages/s | CPU s/page | peak PSS MB (RSS sum) | body F1 on the site (P/R) | planwatch × |",
                  "| --- | --- | ---: | ---: | ---: | --- | ---: |"]
        for tool in [pw, size.ceiling, *size.peers]:
            rate = tool.med("pages_per_s")
            ratio = "1" if tool is pw else (fmt(pw_rate / rate, 2) if rate else "–")
            notes = "; ".join(r.note for r in tool.runs if r.note)
            how = tool.how + (f" — {notes}" if notes else "")
            name = f"{tool.name} {tool.version}".strip()
            lines.append(f"| {name} | {how} | {fmt(rate)} | {fmt(tool.med('cpu_per_page'), 4)} | "
                         f"{mb(tool.med('peak_pss'))} ({mb(tool.med('peak_rss'))}) | {f1(tool.site_quality)} | {ratio} |")
        lines += ["", f"Plan articles on the site: {size.plan_articles}; planwatch judged {size.relevant_found} "
                  f"relevant, {size.relevant_true} of them plan articles.", ""]
        inc = size.incremental
        if inc:
            lines += [
                "| incremental | article requests | all requests | time s | vs first crawl | stored |",
                "| --- | ---: | ---: | ---: | ---: | --- |",
                f"| same site again, unchanged | {inc.unchanged_article_requests} | "
                f"{sum(inc.unchanged_requests.values())} ({', '.join(f'{k} {v}' for k, v in sorted(inc.unchanged_requests.items()))}) | "
                f"{fmt(inc.unchanged_wall)} | {fmt(100 * inc.unchanged_wall / inc.first_wall if inc.first_wall else float('nan'))}% | – |",
                f"| +{inc.new_articles} new articles (1%) | {inc.grown_article_requests} | – | {fmt(inc.grown_wall)} | – | "
                f"{inc.grown_stored} new stored, {'exactly the new ones' if inc.grown_exact else 'NOT exactly the new ones'} |",
                "",
            ]
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        t_ratio = large.planwatch.med("wall") / small.planwatch.med("wall")
        m_ratio = large.planwatch.med("peak_pss") / small.planwatch.med("peak_pss")
        lines += ["## Scaling", "",
                  f"| planwatch | {small.n:,} pages | {large.n:,} pages | ratio | linear would be |",
                  "| --- | ---: | ---: | ---: | ---: |",
                  f"| crawl time s | {fmt(small.planwatch.med('wall'))} | {fmt(large.planwatch.med('wall'))} | "
                  f"{fmt(t_ratio, 2)} | {large.n / small.n:.0f} |",
                  f"| peak PSS MB | {mb(small.planwatch.med('peak_pss'))} | {mb(large.planwatch.med('peak_pss'))} | "
                  f"{fmt(m_ratio, 2)} | 1.00 (target ≤ 1.15) |", ""]
    if real:
        lines += ["## Body text on real pages (ground truth in the shared corpus)", "",
                  "| extractor | Korean news pages (10) F1 (P/R) | scrapinghub benchmark (181) F1 (P/R) |",
                  "| --- | --- | --- |"]
        for name, scores in real.items():
            lines.append(f"| {name} | {f1(scores.get('ko'))} | {f1(scores.get('scrapinghub'))} |")
        lines.append("")
    lines += targets(sizes, real)
    lines += ["", "Scoring: multiset overlap after NFKC and lower-casing, Hangul/CJK text as character bigrams "
              "(whitespace removed), other text as `\\w+` words (`quality.py`); mean over pages; a page not "
              "returned scores 0. See `benchmarks/README.md` for what each row runs."]
    return "\n".join(lines) + "\n"


def targets(sizes: list[SizeResult], real: dict[str, dict[str, quality.Score]]) -> list[str]:
    out = ["## Targets", "", "| target | figure | met |", "| --- | --- | --- |"]

    def row(name: str, figure: str, met: bool | None) -> None:
        out.append(f"| {name} | {figure} | {'–' if met is None else ('yes' if met else '**no**')} |")

    peer_size = next((s for s in sizes if s.peers), None)
    if peer_size:
        pw = peer_size.planwatch.med("pages_per_s")
        np_ = next((p for p in peer_size.peers if p.name == "news-please"), None)
        if np_:
            ratio = pw / np_.med("pages_per_s")
            row("throughput ≥ 2× news-please", f"{ratio:.2f}×", ratio >= 2)
    for s in sizes:
        ratio = s.planwatch.med("pages_per_s") / s.ceiling.med("pages_per_s")
        row(f"throughput ≥ 0.7× ceiling ({s.n:,} pages)", f"{ratio:.2f}×", ratio >= 0.7)
    if real:
        ko, ko_t = real[PIPELINE_ROW]["ko"].f1, real["trafilatura defaults"]["ko"].f1
        sh, sh_t = real[BODY_ROW]["scrapinghub"].f1, real["trafilatura defaults"]["scrapinghub"].f1
        row("F1 on real Korean pages ≥ 0.95 and above trafilatura (pipeline)", f"{ko:.3f} vs {ko_t:.3f}",
            ko >= 0.95 and ko > ko_t)
        row("F1 on scrapinghub not below trafilatura (body stage)", f"{sh:.3f} vs {sh_t:.3f}", sh >= sh_t - 1e-9)
    for s in sizes:
        inc = s.incremental
        if inc:
            pct = 100 * inc.unchanged_wall / inc.first_wall if inc.first_wall else float("nan")
            row(f"second crawl: 0 article requests, < 10% time ({s.n:,} pages)",
                f"{inc.unchanged_article_requests} requests, {pct:.1f}%",
                inc.unchanged_article_requests == 0 and pct < 10)
            row(f"+1% new: exactly the new ones stored ({s.n:,} pages)", f"{inc.grown_stored} of {inc.new_articles}",
                inc.grown_exact)
    if len(sizes) > 1:
        m = sizes[-1].planwatch.med("peak_pss") / sizes[0].planwatch.med("peak_pss")
        row(f"peak memory at {sizes[-1].n:,} within 15% of {sizes[0].n:,}", f"{m:.2f}×", m <= 1.15)
    return out


# --- main ----------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="planwatch benchmarks: speed, memory and quality against its peers.")
    parser.add_argument("--pages", default="1000,10000", help="site sizes, comma-separated (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported (default 3)")
    parser.add_argument("--quick", action="store_true", help="100 pages, 1 run: a smoke test")
    parser.add_argument("--skip-peers", action="store_true", help="no news-please, trafilatura CLI, newspaper4k")
    parser.add_argument("--peer-pages", type=int, default=None,
                        help="the site size the peers run on (default: the smallest)")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto")
    parser.add_argument("--no-results-file", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    sizes = [100] if args.quick else sorted(int(x) for x in args.pages.split(","))
    runs = 1 if args.quick else args.runs
    peer_pages = args.peer_pages or sizes[0]
    started = datetime.now(timezone.utc)
    machine = machine_info()
    OUT.mkdir(parents=True, exist_ok=True)
    port = 80 if os.geteuid() == 0 and _port_free(80) else free_port()
    base_url = "http://127.0.0.1" + ("" if port == 80 else f":{port}")
    print(f"machine: {machine}", flush=True)
    results: list[SizeResult] = []
    server_name = ""
    for n in sizes:
        print(f"== {n} pages", flush=True)
        root = ensure_site(n, base_url)
        workdir = OUT / "runs" / f"site-{n}"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        log = workdir / "access.log"
        expected = expected_texts(root)
        manifest = read_manifest(root)
        with SiteServer(root / "www", log, port=port, backend=args.server) as server:
            server_name = "nginx" if server.backend == "nginx" else "Python's http.server"
            pw, db, stored = run_planwatch(root, n, base_url, runs, log, workdir, expected)
            ceiling = run_ceiling(root, runs, expected, base_url)
            size = SizeResult(n, pw, ceiling)
            plan_urls = {e.url for e in manifest.articles if e.plan_event}
            size.plan_articles = len(plan_urls)
            size.relevant_found = sum(1 for _, _, rel in stored if rel)
            size.relevant_true = sum(1 for u, _, rel in stored if rel and u in plan_urls)
            if not args.skip_peers and n == peer_pages:
                size.peers = run_peers(root, n, base_url, runs, log, expected, port)
            if db.exists():
                size.incremental = run_incremental(root, n, base_url, log, workdir, pw.med("wall"))
        for p in workdir.glob("planwatch.db*"):
            p.unlink()
        results.append(size)
    print("== real pages", flush=True)
    missing = quality.missing_corpus()
    if missing:
        print(f"  real-page quality not measured: {missing}", flush=True)
    real = {} if missing else real_pages_quality(args.skip_peers)
    report = render(results, real, machine, runs, server_name, started)
    print(report)
    web_section = kept_web_section()
    raw = OUT / ("results-quick.json" if args.quick else "results.json")  # a smoke test keeps the last full run's
    raw.write_text(json.dumps(
        {"machine": machine, "sizes": [asdict(s) for s in results],
         "real": {k: {kk: asdict(vv) for kk, vv in v.items()} for k, v in real.items()}},
        ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    if not args.no_results_file and not args.quick:
        RESULTS_MD.write_text(report, encoding="utf-8")
        if web_section:  # measured by benchmarks/web_bench.py, kept until it runs again
            write_web_results(web_section)
    return 0


def kept_web_section() -> str | None:
    """The web desk's figures in the current RESULTS.md (benchmarks/web_bench.py writes them)."""
    from benchmarks.web_bench import BEGIN, END

    old = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else ""
    if BEGIN not in old or END not in old:
        return None
    return BEGIN + old.split(BEGIN, 1)[1].split(END, 1)[0] + END + "\n"


def write_web_results(section: str) -> None:
    from benchmarks.web_bench import write_results

    write_results(section)


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


if __name__ == "__main__":
    sys.exit(main())
