"""Reading saved captures from disk: text files, HTML files, WARC archives, directories.

Each reader yields ``Capture`` records, the same records the live crawler produces,
so replay runs the production path. Problems with one file (unreadable, truncated
archive) are reported as one-line ``CaptureProblem`` values; the other files go on.

What a folder may hold is not trusted more than what a server sends: only regular
files are opened (a FIFO would wait forever, a symlink to ``/dev/zero`` never ends),
a page file's size is checked before it is read, and a WARC record is read as a
stream with the crawl's own byte limit (``crawl.max_page_bytes``), so a record that
inflates to gigabytes costs that limit and is skipped in one line.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.warc import ENCODING_HEADER, ROLE_HEADER, SELECTORS_HEADER, RecordTooLarge, read_record_body
from planwatch.config import CrawlSettings
from planwatch.records import Capture

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
DEFAULT_MAX_BYTES: int = CrawlSettings.model_fields["max_page_bytes"].default  # a page; a WARC is streamed

FILE_TYPES = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


class NotReadable(Exception):
    """A capture file that is not opened: the one-line reason."""


def file_type(mode: int) -> str:
    return next((what for test, what in FILE_TYPES if test(mode)), "not a regular file")


def open_regular(path: Path, max_bytes: int | None = None) -> tuple[int, os.stat_result]:
    """A read-only descriptor of ``path`` when it is a regular file (symlinks followed) within ``max_bytes``.

    Checked with ``stat`` before opening (opening a FIFO for reading blocks) and again
    with ``fstat`` on what was opened (the name may have changed in between); the open
    is non-blocking, so even a FIFO swapped in at that instant cannot hang the replay.
    """
    try:
        before = os.stat(path)
    except OSError as exc:
        raise NotReadable(f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(before.st_mode):
        raise NotReadable(f"not a regular file ({file_type(before.st_mode)}), not read")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise NotReadable(f"cannot read: {exc.strerror or exc}") from None
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode):
        os.close(fd)
        raise NotReadable(f"not a regular file ({file_type(opened.st_mode)}), not read")
    if max_bytes is not None and opened.st_size > max_bytes:
        os.close(fd)
        raise NotReadable(
            f"file too large ({opened.st_size} bytes; the limit is crawl.max_page_bytes, {max_bytes} bytes), not read"
        )
    return fd, opened


def read_regular_file(path: Path, max_bytes: int) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file of at most ``max_bytes`` (a file that grows meanwhile is cut off there)."""
    fd, info = open_regular(path, max_bytes)
    with os.fdopen(fd, "rb") as stream:
        body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise NotReadable(f"file too large (it grew past crawl.max_page_bytes, {max_bytes} bytes, while read)")
    return body, info


@dataclass(frozen=True)
class CaptureProblem:
    """A file or record that could not be read, with the one-line reason."""

    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


def capture_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    return None


def find_capture_files(paths: Iterable[Path]) -> tuple[list[Path], list[CaptureProblem]]:
    """Expand directories recursively (sorted, hidden entries skipped) into capture files."""
    files: list[Path] = []
    problems: list[CaptureProblem] = []
    for path in paths:
        if path.is_dir():
            found = [
                Path(root) / name
                for root, dirs, names in os.walk(path)
                if not _hidden(Path(root), path)
                for name in names
                if not name.startswith(".") and capture_kind(Path(name))
            ]
            if not found:
                problems.append(
                    CaptureProblem(str(path), "no captures here (looked for .txt, .html, .htm, .warc, .warc.gz)")
                )
            files.extend(sorted(found))
        elif path.exists():  # a regular file, or a special one that read_captures refuses in one line
            if capture_kind(path) is None:
                problems.append(
                    CaptureProblem(str(path), "not a capture file (expected .txt, .html, .htm, .warc or .warc.gz)")
                )
            else:
                files.append(path)
        else:
            problems.append(CaptureProblem(str(path), "no such file or directory"))
    return files, problems


def _hidden(root: Path, top: Path) -> bool:
    return any(part.startswith(".") for part in root.relative_to(top).parts)


def read_captures(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Capture | CaptureProblem]:
    """All captures in one file: one for a page, one per HTML response record for a WARC.

    ``max_bytes`` bounds a page file and each WARC record's body (``crawl.max_page_bytes``).
    """
    kind = capture_kind(path)
    if kind == "warc":
        yield from read_warc(path, max_bytes)
        return
    try:
        body, info = read_regular_file(path, max_bytes)
    except NotReadable as exc:
        yield CaptureProblem(str(path), str(exc))
        return
    except OSError as exc:
        yield CaptureProblem(str(path), f"cannot read: {exc.strerror or exc}")
        return
    fetched = datetime.fromtimestamp(info.st_mtime, timezone.utc).replace(tzinfo=None)
    yield Capture(body=body, kind="text" if kind == "text" else "html", fetched_at=fetched, origin=str(path))


def read_warc(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Capture | CaptureProblem]:
    """HTML response records of a WARC file; a truncated or corrupt archive stops with a problem.

    A record whose body is larger than ``max_bytes`` (once decompressed) is skipped with
    a problem of its own; the records after it are read.
    """
    count = records = 0
    try:
        fd, _ = open_regular(path)
    except NotReadable as exc:
        yield CaptureProblem(str(path), str(exc))
        return
    try:
        with os.fdopen(fd, "rb") as stream:
            # Digests catch a record cut short; the length check catches one written without digests.
            for record in ArchiveIterator(stream, check_digests="raise"):
                records += 1
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if record.rec_headers.get_header(ROLE_HEADER) not in (None, "article"):
                    continue  # planwatch's own recording says what the crawl did with each response
                headers = {k.lower(): v for k, v in record.http_headers.headers}
                if "html" not in headers.get("content-type", "text/html").lower():
                    continue  # feeds, sitemaps and images are crawl structure, not articles
                status = record.http_headers.get_statuscode()
                if not status.startswith("2"):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                try:
                    body = read_record_body(record, max_bytes)
                except RecordTooLarge as exc:
                    count += 1
                    yield CaptureProblem(f"{path}#{url}", str(exc))
                    continue
                if getattr(record.raw_stream, "limit", 0) > 0:
                    raise EOFError(f"record for {url} ends before its Content-Length")
                count += 1
                yield Capture(
                    body=body,
                    kind="html",
                    url=url,
                    headers=headers,
                    fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
                    origin=f"{path}#{url}",
                    **_source_overrides(record),
                )
    # warcio's parser meets malformed headers with AttributeError/TypeError/KeyError/IndexError
    # (a response record without a WARC-Target-URI, a header line without a colon).
    # A Content-Length beyond any file size overflows its reader (OverflowError).
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, ArithmeticError, AttributeError, TypeError, KeyError,
            IndexError) as exc:
        where = f" after {count} records" if count else ""
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        yield CaptureProblem(str(path), f"truncated or corrupt WARC{where}: {reason}")
        return
    if count == 0:
        what = "no WARC records in this file" if records == 0 else "no HTML page responses in this archive"
        yield CaptureProblem(str(path), what)


def _source_overrides(record) -> dict:  # type: ignore[no-untyped-def]
    """The source's encoding and selectors a live crawl recorded with the page, so replay extracts alike."""
    selectors = record.rec_headers.get_header(SELECTORS_HEADER)
    try:
        parsed = json.loads(selectors) if selectors else {}
    except ValueError:
        parsed = {}
    return {
        "encoding": record.rec_headers.get_header(ENCODING_HEADER),
        "selectors": parsed if isinstance(parsed, dict) else {},
    }


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)
    except ValueError:
        return None
