"""Coverage-guided fuzzing of the stages that read hostile input, bounded in time.

Usage (from the repository root, with the ``fuzz`` extra installed)::

    python benchmarks/fuzz.py                      # every target, 5 minutes in all
    python benchmarks/fuzz.py --seconds 60         # 60 s per target
    python benchmarks/fuzz.py --targets config,warc --seconds 30

Each target runs atheris (libFuzzer for Python) in its own process for its share of
the time, with planwatch's own packages instrumented for coverage and a start corpus
made from the seed captures, the shipped configuration and a small WARC. A target
fails when its stage lets anything escape other than its documented one-line error,
breaks an invariant (the same ones ``tests/test_properties.py`` checks), or spends
more than ``--input-timeout`` seconds on one input. Crashing and hanging inputs are
saved to ``benchmarks/out/fuzz/<target>/`` (``crash-*``, ``timeout-*``) and the
summary, with executions per second, to ``benchmarks/out/fuzz/summary.json``.

Targets: ``text`` (text captures → article), ``html`` (HTML captures → article),
``plan`` (article → plan record), ``dates`` (date expressions), ``config``
(configuration files), ``warc`` (WARC archives), ``urls`` (canonical URLs) and
``decode`` (page bytes → text).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "fuzz"
TARGETS = ("text", "html", "plan", "dates", "config", "warc", "urls", "decode")
DEFAULT_TOTAL_SECONDS = 300

# Token mode: each input byte picks one of these, so mutations recombine plan vocabulary
# instead of producing random code points that never look like Korean news.
VOCABULARY = (
    "안양시", "광양시", "중구", "대전", "경기도", "4차 산업혁명", "4차산업혁명", "스마트도시", "디지털 전환", "인공지능",
    "종합계획", "기본계획", "마스터플랜", "추진계획", "시행계획", "로드맵", "수립", "연구용역", "착수보고회",
    "중간보고회", "최종보고회", "위원회", "공동위원장으로", "위원장은", "업무협약", "협약에는", "이 참여했다", "비전으로",
    "확정했다", "의결했다", "조례", "열었다", "밝혔다.", "전략", "과제", "세부사업", "실행과제", "제2기", "제", "기",
    "(2025-2029)", "(", ")", "-", "~", "년", "월", "일", "지난", "오는", "이달", "지난달", "올해부터", "내년부터", "향후",
    "년간", "까지", "명으로 구성", "명이 참석", "▲", "▶", "①", "·", ",", ".", " ", " ", "\n", "\n\n", "‘", "’", "“", "”",
    "은", "는", "이", "가", "을", "를", "와", "과", "의", "에서", "로 확대", "당초", "김삼철 기자", "news@example.kr",
    "ⓒ 중도일보 무단전재 및 재배포 금지", "많이 본 뉴스", "관련기사", "입력 2024.09.24 17:16", "<p>", "</p>", "<br>",
    "<div>", "</div>", "<script>", "</script>", "&amp;", "&#", "0", "1", "2", "3", "9", "12", "31", "2024", "2029",
    "99", "100", "가", "나", "다", "\u200b", "\u202e", "\ufeff", "\r", "\t", "\x00",
)


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def korean_text(data: bytes) -> str:
    """First byte even: the bytes as UTF-8; odd: the bytes as vocabulary tokens."""
    if not data:
        return ""
    if data[0] % 2 == 0:
        return data[1:].decode("utf-8", errors="replace")
    return "".join(VOCABULARY[b % len(VOCABULARY)] for b in data[1:])


def split_input(data: bytes) -> tuple[int, bytes]:
    return (data[0] if data else 0), data[1:]


def one_line(message: str) -> None:
    if len(message.splitlines()) != 1:
        raise AssertionError(f"error message is not one line: {message!r}")


# ---------------------------------------------------------------------------
# Targets: each takes the fuzzer's bytes and raises only on a real problem
# ---------------------------------------------------------------------------


def target_text(data: bytes) -> None:
    from extractors.article import ExtractionError, capture_to_article
    from extractors.textclean import clean_page_text, normalize_text
    from planwatch.records import Capture

    text = korean_text(data)
    parts = clean_page_text(text)
    page = normalize_text(text)
    for paragraph in parts.paragraphs:
        if paragraph not in page:
            raise AssertionError(f"paragraph not from the page: {paragraph!r}")
    try:
        capture_to_article(Capture(body=text.encode("utf-8"), kind="text"))
    except ExtractionError as exc:
        one_line(str(exc))


def target_html(data: bytes) -> None:
    from extractors.article import ExtractionError, capture_to_article
    from planwatch.records import Capture

    mode, rest = split_input(data)
    body = rest if mode % 2 == 0 else korean_text(rest).encode("utf-8")
    try:
        capture_to_article(Capture(body=body, kind="html", url="https://news.example.kr/news/articleView.html?idxno=1"))
    except ExtractionError as exc:
        one_line(str(exc))


def target_plan(data: bytes) -> None:
    from extractors.gazetteer import load_gazetteer
    from extractors.plan import MAX_PERIOD_YEARS, extract_plan
    from planwatch.records import EVENT_TYPES, Article

    mode, rest = split_input(data)
    text = korean_text(rest)
    title, _, body = text.partition("\n")
    published = datetime(2000 + mode % 40, mode % 12 + 1, mode % 28 + 1) if mode % 3 else None
    extraction = extract_plan(Article(title=title, text=body, published=published))
    if not 0.0 <= extraction.relevance.score <= 1.0:
        raise AssertionError(f"relevance score {extraction.relevance.score}")
    if extraction.event is not None and extraction.event.type not in EVENT_TYPES:
        raise AssertionError(f"event type {extraction.event.type!r}")
    plan = extraction.plan
    if plan is None:
        return
    official = {(g.name, g.province) for g in load_gazetteer().governments}
    if (plan.municipality, plan.province) not in official:
        raise AssertionError(f"not an official government: {plan.municipality} ({plan.province})")
    start, end = plan.period_start, plan.period_end
    if start is not None and end is not None and not 0 <= end - start <= MAX_PERIOD_YEARS:
        raise AssertionError(f"period {start}-{end}")
    for value in (plan.counts.strategies, plan.counts.tasks, plan.counts.action_tasks, plan.counts.projects):
        if value is not None and not 1 <= value <= 999:
            raise AssertionError(f"count {value}")


def target_dates(data: bytes) -> None:
    from extractors.dates import find_dates

    mode, rest = split_input(data)
    text = korean_text(rest)
    published = date(1990 + mode % 100, mode % 12 + 1, mode % 28 + 1)
    end = 0
    for mention in find_dates(text, published):
        if mention.start < end or text[mention.start : mention.end] != mention.text:
            raise AssertionError(f"mention out of place: {mention}")
        end = mention.end


def target_config(data: bytes) -> None:
    from planwatch.config import ConfigError, parse_config

    text = data.decode("utf-8", errors="replace")
    try:
        parse_config(text, "fuzz.toml")
    except ConfigError as exc:
        one_line(str(exc))
        if not str(exc).startswith("fuzz.toml"):
            raise AssertionError(f"message does not name the file: {exc}") from None


_SCRATCH = Path(tempfile.mkdtemp(prefix="planwatch-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))


def target_warc(data: bytes) -> None:
    from planwatch.captures import CaptureProblem, read_captures
    from planwatch.records import Capture

    mode, rest = split_input(data)
    path = _SCRATCH / ("capture.warc.gz" if mode % 2 else "capture.warc")
    path.write_bytes(rest)
    for item in read_captures(path):
        if not isinstance(item, (Capture, CaptureProblem)):
            raise AssertionError(f"unexpected item {item!r}")
        if isinstance(item, CaptureProblem):
            one_line(item.reason)


def target_urls(data: bytes) -> None:
    from extractors.urls import canonicalize_url, url_host

    text = data.decode("utf-8", errors="replace")
    url_host(text)
    try:
        canonical = canonicalize_url(text)
    except ValueError:
        return
    if not canonical.startswith("https://") or "#" in canonical:
        raise AssertionError(f"not canonical: {canonical!r}")
    if canonicalize_url(canonical) != canonical:
        raise AssertionError(f"not stable: {canonical!r} -> {canonicalize_url(canonical)!r}")


CHARSETS = (None, "utf-8", "euc-kr", "cp949", "iso-8859-1", "shift_jis", "utf-16", "x-unknown", "")


def target_decode(data: bytes) -> None:
    from extractors.encoding import DecodeError, decode_page

    mode, body = split_input(data)
    charset = CHARSETS[mode % len(CHARSETS)]
    headers = {"content-type": f"text/html; charset={charset}"} if charset is not None else {}
    try:
        text, codec = decode_page(body, headers)
    except DecodeError as exc:
        one_line(str(exc))
        return
    try:
        strict = body.decode(codec)
    except UnicodeDecodeError:
        return
    if "\ufffd" in text and "\ufffd" not in strict:
        raise AssertionError(f"U+FFFD in text that {codec} decodes cleanly")


TARGET_FUNCTIONS: dict[str, Callable[[bytes], None]] = {
    "text": target_text,
    "html": target_html,
    "plan": target_plan,
    "dates": target_dates,
    "config": target_config,
    "warc": target_warc,
    "urls": target_urls,
    "decode": target_decode,
}


# ---------------------------------------------------------------------------
# Start corpus
# ---------------------------------------------------------------------------


def _small_warc() -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    for i in range(2):
        body = f"<html><body><p>안양시 {i}번째 기사 본문이다.</p></body></html>".encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(f"https://news.example.kr/a?idxno={i}", "response",
                                           payload=io.BytesIO(body), http_headers=headers)
        writer.write_record(record)
    return out.getvalue()


def start_corpus(target: str) -> list[bytes]:
    seeds = [p.read_bytes() for p in sorted((ROOT / "seeds").glob("*.txt"))]
    pages = [p.read_bytes() for p in sorted((ROOT / "tests").rglob("*.html"))[:20]]
    if target in ("text", "plan", "dates"):
        return [b"\x00" + s for s in seeds] + [b"\x01" + bytes(range(1, 120))]
    if target == "html":
        return [b"\x00" + p for p in pages] or [b"\x00<html><body><p>\xec\x95\x88</p></body></html>"]
    if target == "config":
        return [(ROOT / "planwatch" / "default_config.toml").read_bytes(), b'[crawl]\nconcurrency = 3\n[[source]]\nname = "a"\n']
    if target == "warc":
        return [b"\x00" + _small_warc()]
    if target == "urls":
        return [b"https://www.example.kr/news/articleView.html?idxno=1&utm_source=x#c", b"//example.kr/a/"]
    if target == "decode":
        return [bytes([i]) + "안양시 4차 산업혁명 종합계획".encode(codec) for i, codec in enumerate(["utf-8", "cp949"])]
    return []


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def run_target_in_this_process(target: str, libfuzzer_args: list[str]) -> None:
    """The child: instrument planwatch's packages, then hand the target to libFuzzer."""
    import atheris

    sys.path.insert(0, str(ROOT))
    with atheris.instrument_imports(include=["extractors", "planwatch", "crawler", "storage", "alerts"]):
        import extractors.article  # noqa: F401
        import extractors.plan  # noqa: F401
        import planwatch.captures  # noqa: F401
        import planwatch.config  # noqa: F401
    import logging

    logging.disable(logging.CRITICAL)  # trafilatura and warcio log every odd input
    function = TARGET_FUNCTIONS[target]
    atheris.Setup([sys.argv[0], *libfuzzer_args], function)
    atheris.Fuzz()


STAT = re.compile(r"stat::(\w+):\s*(\d+)")


def run_target(target: str, seconds: int, input_timeout: int) -> dict[str, object]:
    """The parent: one child process per target; returns its statistics and findings."""
    workdir = OUT / target
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(start_corpus(target)):
        (corpus / f"seed-{i:03d}").write_bytes(seed)
    before = {p.name for p in workdir.iterdir()}
    args = [
        sys.executable, str(Path(__file__).resolve()), "--child", target, "--",
        f"-max_total_time={seconds}", f"-timeout={input_timeout}", "-rss_limit_mb=3072", "-print_final_stats=1",
        f"-artifact_prefix={workdir}/", "-max_len=65536", str(corpus),
    ]
    started = time.monotonic()
    # libFuzzer stops at max_total_time; the margin covers start-up and a last slow input.
    proc = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=seconds + input_timeout + 120)
    elapsed = time.monotonic() - started
    log = proc.stderr + proc.stdout
    (workdir / "last-run.log").write_text(log[-200_000:], encoding="utf-8")
    stats = {k: int(v) for k, v in STAT.findall(log)}
    findings = sorted(p.name for p in workdir.iterdir() if p.name not in before and p.name.startswith(("crash-", "timeout-", "oom-", "leak-")))
    problem = _first_problem(log) if proc.returncode != 0 else None
    executions = stats.get("number_of_executed_units", 0)
    return {
        "target": target,
        "seconds": round(elapsed, 1),
        "executions": executions,
        "executions_per_second": stats.get("average_exec_per_sec", round(executions / max(elapsed, 1e-9))),
        "corpus_files": len(list(corpus.iterdir())),
        "exit_code": proc.returncode,
        "findings": findings,
        "problem": problem,
    }


def _first_problem(log: str) -> str | None:
    """The line that says what went wrong (the exception, or libFuzzer's verdict)."""
    for line in log.splitlines():
        if line.startswith(("AssertionError", "Traceback", "==")) or "Uncaught Python exception" in line:
            continue
        if re.match(r"^[A-Za-z_.]*(Error|Exception|Exit)\b", line) or "ERROR: libFuzzer" in line:
            return line.strip()[:300]
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        target = argv[1]
        run_target_in_this_process(target, argv[3:] if argv[2:3] == ["--"] else argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated, from: " + ", ".join(TARGETS))
    parser.add_argument("--seconds", type=int, default=None, help="per target (default: 5 minutes shared out)")
    parser.add_argument("--input-timeout", type=int, default=10, help="seconds one input may take before it is a hang")
    args = parser.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s): {', '.join(unknown)}")
    seconds = args.seconds or max(10, DEFAULT_TOTAL_SECONDS // len(targets))
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("atheris is not installed: pip install -e '.[fuzz]'", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    print(f"{'target':8} {'seconds':>8} {'executions':>11} {'exec/s':>8} {'corpus':>7}  findings")
    for target in targets:
        result = run_target(target, seconds, args.input_timeout)
        results.append(result)
        findings = ", ".join(result["findings"]) or ("none" if result["exit_code"] == 0 else f"exit {result['exit_code']}")  # type: ignore[arg-type]
        print(f"{target:8} {result['seconds']:>8} {result['executions']:>11} {result['executions_per_second']:>8} "
              f"{result['corpus_files']:>7}  {findings}", flush=True)
        if result["problem"]:
            print(f"         {result['problem']}", flush=True)
    (OUT / "summary.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    failed = [r for r in results if r["findings"] or r["exit_code"] != 0]
    print(f"{len(failed)} of {len(results)} targets found a problem; inputs and logs in {OUT.relative_to(ROOT)}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
