"""Reading captures from disk: directories, WARC archives, truncated and odd files."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from planwatch.captures import CaptureProblem, find_capture_files, read_captures

PAGE = "<html><head><title>t</title></head><body><p>안양시 기사 본문</p></body></html>".encode()


def write_warc(path: Path, pages: list[tuple[str, bytes, str]]) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"))
        for url, body, ctype in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            writer.write_record(record)


def test_directories_are_read_recursively_and_hidden_files_skipped(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.txt").write_text("x")
    (tmp_path / "a" / "b" / "two.html").write_text("x")
    (tmp_path / "a" / "b" / "three.warc.gz").write_bytes(b"")
    (tmp_path / "a" / ".hidden.txt").write_text("x")
    (tmp_path / "a" / "notes.md").write_text("x")
    files, problems = find_capture_files([tmp_path / "a"])
    assert [f.name for f in files] == ["three.warc.gz", "two.html", "one.txt"]
    assert problems == []


def test_empty_directory_and_missing_path_are_one_line_problems(tmp_path):
    (tmp_path / "empty").mkdir()
    files, problems = find_capture_files([tmp_path / "empty", tmp_path / "nope.txt", tmp_path])
    assert files == []
    reasons = [p.reason for p in problems]
    assert reasons[0].startswith("no captures here")
    assert reasons[1] == "no such file or directory"
    assert all("\n" not in str(p) for p in problems)


def test_warc_html_responses_become_captures(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, [
        ("https://news.example.kr/news/articleView.html?idxno=1", PAGE, "text/html; charset=utf-8"),
        ("https://news.example.kr/rss/allArticle.xml", b"<rss/>", "application/rss+xml"),
        ("https://news.example.kr/logo.png", b"\x89PNG", "image/png"),
    ])
    captures = list(read_captures(path))
    assert len(captures) == 1
    cap = captures[0]
    assert cap.url == "https://news.example.kr/news/articleView.html?idxno=1"
    assert cap.body == PAGE and cap.kind == "html"
    assert cap.headers["content-type"].startswith("text/html")
    assert cap.fetched_at is not None


def test_truncated_warc_keeps_the_records_before_the_cut(tmp_path):
    whole = tmp_path / "whole.warc"
    write_warc(whole, [(f"https://n.example.kr/a?idxno={i}", PAGE * 50, "text/html") for i in range(3)])
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    items = list(read_captures(cut))
    captures = [i for i in items if not isinstance(i, CaptureProblem)]
    problems = [i for i in items if isinstance(i, CaptureProblem)]
    assert 1 <= len(captures) < 3
    assert len(problems) == 1 and "truncated or corrupt WARC" in problems[0].reason


def test_garbage_gzip_warc_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "bad.warc.gz"
    path.write_bytes(gzip.compress(b"this is not a warc file at all\r\n\r\n"))
    items = list(read_captures(path))
    assert len(items) == 1 and isinstance(items[0], CaptureProblem)


def test_text_and_html_files_are_one_capture_each(tmp_path):
    (tmp_path / "a.txt").write_text("안양시 본문", encoding="utf-8")
    (tmp_path / "b.htm").write_bytes(PAGE)
    [text] = read_captures(tmp_path / "a.txt")
    [html] = read_captures(tmp_path / "b.htm")
    assert text.kind == "text" and html.kind == "html"
    assert text.origin == str(tmp_path / "a.txt")


def test_an_extractor_bug_costs_one_capture_not_the_replay(tmp_path, monkeypatch):
    """A failure the extractors did not foresee is one rejected capture with its reason."""
    import planwatch.extraction as extraction
    import planwatch.pipeline as pipeline

    def broken(capture, vocabulary=None):
        raise KeyError("unexpected markup")

    monkeypatch.setattr(extraction, "extract_capture", broken)
    result = pipeline.Pipeline(db=None).process(next(read_captures(_one_text(tmp_path))))
    assert result.status == "rejected"
    assert result.reason == "extraction failed: KeyError: 'unexpected markup'"


def _one_text(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("안양시 본문", encoding="utf-8")
    return path
