"""Hostile folders and archives handed to `planwatch replay`: bombs, special files, rich markup.

Each test runs the real command line in a child process (its peak memory read by
``faults_support.run_measured``) on files the test writes:

- a ``.warc.gz`` whose one record inflates to 512 MB, and a ``.warc`` whose HTTP body
  is a gzip bomb (``Content-Encoding: gzip``): each record is read as a stream with
  ``crawl.max_page_bytes`` as its limit, skipped in one line, and the next file is read;
- a FIFO named ``*.txt``, a symlink to ``/dev/zero`` named ``*.html``, a file over the
  size limit: only regular files are read, their size checked before reading;
- captured text holding rich markup (``[/x]``, ``[bold]``) in a target URI and a title:
  printed as it is, never interpreted.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import zlib
from pathlib import Path

import pytest
from faults_support import run_measured, write
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

pytestmark = [pytest.mark.slow, pytest.mark.faults]

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_f084e2116eebfcde.txt"
LIMITS = """
[crawl]
max_page_bytes = 2000000
"""
MB = 1 << 20


def replay(tmp: Path, db_url: str, *paths: Path, command: str = "replay"):  # type: ignore[no-untyped-def]
    config = write(tmp / "planwatch.toml", LIMITS)
    extra = ["--no-digest"] if command == "replay" else []
    cmd = [sys.executable, "-m", "planwatch", "--config", str(config), "--db", db_url, "--outbox", str(tmp / "out"),
           command, *map(str, paths), *extra]
    return run_measured(cmd, tmp, timeout=120, tag=command)


def skipped_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("skipped")]


# --- archives that inflate without end -------------------------------------------------------------


def zeros_member(head: bytes, zeros: int, tail: bytes) -> bytes:
    """One gzip member holding ``head``, ``zeros`` zero bytes, ``tail``: a thousandth of that on disk.

    After a full flush deflate starts afresh, so every further megabyte of zeros
    compresses to the same bytes, which are repeated (as ``sites.hostile.gzip_bomb``).
    """
    block = b"\0" * MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)]
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    out += [repeated] * (zeros // MB)
    out.append(compressor.compress(tail) + compressor.flush())
    crc = zlib.crc32(head)
    for _ in range(zeros // MB):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + zeros + len(tail)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + b"".join(out) + struct.pack("<II", crc, size & 0xFFFFFFFF)


def warc_gz_bomb(path: Path, url: str, inflated: int) -> None:
    """A .warc.gz whose one response record is ``inflated`` bytes of HTML once decompressed."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % inflated
    block_length = len(http) + inflated
    head = (
        b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0>\r\n"
        b"WARC-Date: 2026-03-01T09:30:00Z\r\nWARC-Target-URI: " + url.encode() + b"\r\n"
        b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % block_length
    ) + http
    path.write_bytes(zeros_member(head, inflated, b"\r\n\r\n"))


def write_warc(path: Path, pages: list[tuple[str, bytes, list[tuple[str, str]]]]) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"))
        for url, body, headers in pages:
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=http))


def seed_page(title: str = "안양시 4차 산업혁명 기본계획") -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip())
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><article><h1>{title}</h1>" \
           f"{paragraphs}</article></body></html>".encode()


def test_a_warc_record_that_inflates_to_half_a_gigabyte_is_skipped_at_the_page_limit(tmp_path: Path,
                                                                                     db_url: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    warc_gz_bomb(inbox / "a-bomb.warc.gz", "http://news.example.kr/news/articleView.html?idxno=1", 512 * MB)
    bomb = zeros_member(b"", 512 * MB, b"")  # an HTTP body with Content-Encoding: gzip, inside a plain .warc
    write_warc(inbox / "b-encoded.warc", [("http://news.example.kr/news/articleView.html?idxno=2", bomb,
                                           [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])])
    write_warc(inbox / "c-good.warc.gz", [("http://news.example.kr/news/articleView.html?idxno=3", seed_page(),
                                           [("Content-Type", "text/html; charset=utf-8")])])
    assert (inbox / "a-bomb.warc.gz").stat().st_size < 2 * MB
    result = replay(tmp_path, db_url, inbox)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    skipped = skipped_lines(result.stderr)
    assert skipped == [
        f"skipped {inbox / 'a-bomb.warc.gz'}#http://news.example.kr/news/articleView.html?idxno=1: "
        "too large: more than crawl.max_page_bytes (2000000 bytes) in this record, reading stopped",
        f"skipped {inbox / 'b-encoded.warc'}#http://news.example.kr/news/articleView.html?idxno=2: "
        "too large: more than crawl.max_page_bytes (2000000 bytes) in this record, reading stopped",
    ], result.stderr
    assert result.peak_rss_mb < 400, result.peak_rss_mb  # the record alone would be 512 MB, read whole 1 GB
    assert "articles kept" in result.stdout and " 1" in result.stdout.split("articles kept", 1)[1].splitlines()[0]


# --- special files in a replayed folder ---------------------------------------------------------------


def test_a_fifo_a_symlink_to_dev_zero_and_an_oversized_file_are_skipped_in_one_line_each(tmp_path: Path,
                                                                                        db_url: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.mkfifo(inbox / "a-pipe.txt")  # nobody ever writes to it: opening it for reading would wait forever
    (inbox / "b-zero.html").symlink_to("/dev/zero")
    (inbox / "c-huge.txt").write_bytes(b"\xea\xb0\x80" * 1_000_000)  # 3 MB, over max_page_bytes
    (inbox / "d-good.txt").write_bytes(SEED.read_bytes())
    (inbox / "e-link.txt").symlink_to(SEED)  # a symlink to a regular file is read
    result = replay(tmp_path, db_url, inbox, inbox / "a-pipe.txt")
    assert result.returncode == 0, result.stderr
    assert result.seconds < 60
    pipe = f"skipped {inbox / 'a-pipe.txt'}: not a regular file (a named pipe), not read"
    assert skipped_lines(result.stderr) == [
        pipe,  # found in the folder
        f"skipped {inbox / 'b-zero.html'}: not a regular file (a character device), not read",
        f"skipped {inbox / 'c-huge.txt'}: file too large (3000000 bytes; the limit is crawl.max_page_bytes, "
        "2000000 bytes), not read",
        pipe,  # named on the command line
    ], result.stderr
    assert result.peak_rss_mb < 400, result.peak_rss_mb
    kept = result.stdout.split("articles kept", 1)[1].splitlines()[0]
    assert kept.strip() == "2", result.stdout  # the seed and the symlink to it: two files, one new article
    new = result.stdout.split("new", 1)[1].splitlines()[0]
    assert new.strip() == "1", result.stdout


# --- rich markup in captured text -----------------------------------------------------------------


def test_captured_text_with_rich_markup_is_printed_as_it_is(tmp_path: Path, db_url: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    english = b"<html><head><title>[/x] not Korean</title></head><body><p>Only English text here.</p></body></html>"
    write_warc(inbox / "marked.warc.gz", [
        ("http://news.example.kr/[/x]/articleView.html?idxno=[bold]1", english, [("Content-Type", "text/html")]),
        ("http://news.example.kr/news/articleView.html?idxno=9", seed_page("[/x] 안양시 [red]계획[/red]"),
         [("Content-Type", "text/html; charset=utf-8")]),
    ])
    (inbox / "[bold]odd[red].txt").write_bytes(b"")
    result = replay(tmp_path, db_url, inbox)
    assert result.returncode == 0, result.stderr
    assert "MarkupError" not in result.stderr
    lines = skipped_lines(result.stderr)
    assert len(lines) == 2, result.stderr
    assert lines[0] == f"skipped {inbox / '[bold]odd[red].txt'}: empty capture (0 bytes)"
    assert lines[1].startswith(f"skipped {inbox / 'marked.warc.gz'}#http://news.example.kr/[/x]/articleView.html"
                               "?idxno=[bold]1: ")

    page = inbox / "page.html"
    page.write_bytes(seed_page("[/x] 안양시 [red]계획[/red]"))
    shown = replay(tmp_path, db_url, page, command="extract")
    assert shown.returncode == 0, shown.stderr
    assert "[/x] 안양시 [red]계획[/red]" in shown.stdout
