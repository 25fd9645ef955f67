"""WARC files of a crawl: writing every response with warcio, and reading article captures back.

``planwatch crawl --record DIR`` writes one ``.warc.gz`` per crawl: a ``warcinfo``
record, then for every HTTP exchange a ``request`` and a ``response`` record holding
the status line, the headers and the body exactly as the server sent them (only the
transfer coding is undone, and the ``Transfer-Encoding`` header dropped with it).

Each response record also says what the crawl did with it, in headers a WARC
reader may ignore:

- ``WARC-Planwatch-Role``: ``article`` for pages the pipeline processed; ``feed``,
  ``sitemap``, ``listing``, ``search``, ``robots`` for the crawl's structure.
- ``WARC-Planwatch-Source``: the source name; ``WARC-Planwatch-Encoding`` and
  ``WARC-Planwatch-Selectors`` (JSON): the source's overrides, so a replay extracts
  the page exactly as the live crawl did.

``read_article_captures`` reads such a file back into the ``Capture`` records the
live crawl handed to the pipeline: same URL, headers, bytes, fetch time and overrides.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from planwatch.records import Capture

log = logging.getLogger("planwatch.crawler")

ROLE_HEADER = "WARC-Planwatch-Role"
SOURCE_HEADER = "WARC-Planwatch-Source"
ENCODING_HEADER = "WARC-Planwatch-Encoding"
SELECTORS_HEADER = "WARC-Planwatch-Selectors"

# Undone by the HTTP client before we see the body: recording the header would make
# readers try to de-chunk a body that is no longer chunked.
HOP_BY_HOP_HEADERS = frozenset({"transfer-encoding", "connection", "keep-alive"})

# Headers that describe the transfer, not the page: the body the pipeline sees is
# already de-chunked and decompressed, live and replayed alike.
TRANSFER_HEADERS = HOP_BY_HOP_HEADERS | {"content-encoding", "content-length"}


def capture_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a Capture carries them: lower-case names, repeated values joined, no transfer headers."""
    out: dict[str, str] = {}
    for key, value in pairs:
        name = key.lower()
        if name in TRANSFER_HEADERS:
            continue
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def warc_date(moment: datetime) -> str:
    """``2026-03-01T09:30:00Z``: the WARC-Date of a naive-UTC or aware moment, in whole seconds."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def parse_warc_date(value: str | None) -> datetime | None:
    """A WARC-Date back to a naive-UTC datetime (the convention of the whole project)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)
    except ValueError:
        return None


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as the recorder writes them."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    role: str
    source: str | None = None
    encoding: str | None = None
    selectors: dict[str, str] | None = None


class WarcRecorder:
    """Appends exchanges to one ``.warc.gz`` file; safe to call from several threads.

    Each exchange is serialized in memory first and then written whole. When a write
    fails (the disk is full, the file system went read-only) the file is cut back to
    the end of the last complete record, so it stays a valid archive, recording stops
    (``stopped`` holds the one line, logged once) and the crawl goes on without it.
    """

    def __init__(self, directory: Path, prefix: str = "planwatch") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.path = directory / f"{prefix}-{stamp}-{os.getpid()}.warc.gz"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        self._size = 0  # bytes of complete records in the file
        self._buffer = BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=True, warc_version="1.1")
        self._lock = threading.Lock()
        self.records = 0
        self.stopped: str | None = None
        info = self._writer.create_warcinfo_record(
            self.path.name,
            {"software": "planwatch crawler (Scrapy, warcio)", "format": "WARC File Format 1.1"},
        )
        with self._lock:
            self._writer.write_record(info)
            self._commit()

    def _commit(self) -> bool:
        """Write what the writer serialized since the last commit, whole or not at all (lock held)."""
        data = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        if self.stopped is not None:
            return False
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
        except OSError as exc:
            self._stop(exc)
            return False
        self._size += len(data)
        return True

    def _stop(self, exc: OSError) -> None:
        try:
            os.ftruncate(self._fd, self._size)  # the half-written record goes; the archive stays readable
        except OSError:
            pass
        if exc.errno == errno.ENOSPC:
            why = f"the disk holding {self.path} is full ({exc.strerror})"
        else:
            why = f"cannot write {self.path}: {exc.strerror or exc}"
        self.stopped = f"recording stopped: {why}; the crawl goes on without recording"
        log.error("%s", self.stopped)

    def write(self, exchange: Exchange) -> None:
        date = warc_date(exchange.fetched_at)
        request_line = f"{exchange.method} {_request_target(exchange.url)} HTTP/1.1"
        request_headers = StatusAndHeaders(request_line, exchange.request_headers, is_http_request=True)
        request = self._writer.create_warc_record(
            exchange.url, "request", payload=BytesIO(b""), length=0, http_headers=request_headers,
            warc_headers_dict={"WARC-Date": date},
        )
        kept = [(k, v) for k, v in exchange.response_headers if k.lower() not in HOP_BY_HOP_HEADERS]
        kept = [(k, v) for k, v in kept if k.lower() != "content-length"]
        kept.append(("Content-Length", str(len(exchange.body))))
        response_headers = StatusAndHeaders(f"{exchange.status} {exchange.reason}".strip(), kept, protocol="HTTP/1.1")
        extra = {"WARC-Date": date, ROLE_HEADER: exchange.role}
        if exchange.source:
            extra[SOURCE_HEADER] = exchange.source
        if exchange.encoding:
            extra[ENCODING_HEADER] = exchange.encoding
        if exchange.selectors:
            extra[SELECTORS_HEADER] = json.dumps(exchange.selectors, ensure_ascii=True, sort_keys=True)
        response = self._writer.create_warc_record(
            exchange.url, "response", payload=BytesIO(exchange.body), length=len(exchange.body),
            http_headers=response_headers, warc_headers_dict=extra,
        )
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        with self._lock:
            if self.stopped is not None:
                return
            self._writer.write_record(response)
            self._writer.write_record(request)
            if self._commit():
                self.records += 1

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class RecordTooLarge(Exception):
    """A WARC record whose body goes past the byte limit; the message is one line."""


READ_CHUNK = 64 * 1024


def read_record_body(record: ArcWarcRecord, max_bytes: int) -> bytes:
    """The record's HTTP body (transfer and content codings undone), read as a stream of at most ``max_bytes``.

    Raises RecordTooLarge past the limit: a 1 MB ``.warc.gz`` can inflate to gigabytes,
    and a crawl never keeps a page larger than ``crawl.max_page_bytes`` either.
    """
    stream = record.content_stream()
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(READ_CHUNK, max_bytes + 1 - size))
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > max_bytes:
            raise RecordTooLarge(
                f"too large: more than crawl.max_page_bytes ({max_bytes} bytes) in this record, reading stopped"
            )
        parts.append(chunk)


def read_article_captures(path: Path, max_bytes: int | None = None) -> Iterator[Capture]:
    """The article pages of a recorded crawl, as the Captures the live crawl processed.

    A record larger than ``max_bytes`` (default ``crawl.max_page_bytes``'s default) is
    left out, as the crawl would have refused the page.

    Responses recorded by another tool (no role header) count as articles when they
    are 2xx HTML, the rule ``planwatch replay`` applies to any WARC.
    """
    from planwatch.config import CrawlSettings

    limit = max_bytes if max_bytes is not None else CrawlSettings.model_fields["max_page_bytes"].default
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            role = record.rec_headers.get_header(ROLE_HEADER)
            headers = capture_headers(record.http_headers.headers)
            status = record.http_headers.get_statuscode() or ""
            if role is not None and role != "article":
                continue
            if role is None and "html" not in headers.get("content-type", "text/html").lower():
                continue
            if not status.startswith("2"):
                continue
            selectors = record.rec_headers.get_header(SELECTORS_HEADER)
            try:
                body = read_record_body(record, limit)
            except RecordTooLarge:
                continue
            yield Capture(
                body=body,
                kind="html",
                url=record.rec_headers.get_header("WARC-Target-URI"),
                headers=headers,
                fetched_at=parse_warc_date(record.rec_headers.get_header("WARC-Date")),
                origin=record.rec_headers.get_header(SOURCE_HEADER) or str(path),
                encoding=record.rec_headers.get_header(ENCODING_HEADER),
                selectors=json.loads(selectors) if selectors else {},
            )
