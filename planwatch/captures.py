"""Reading saved captures from disk: text files, HTML files, WARC archives, directories.

Each reader yields ``Capture`` records, the same records the live crawler produces,
so replay runs the production path. Problems with one file (unreadable, truncated
archive) are reported as one-line ``CaptureProblem`` values; the other files go on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.warc import ENCODING_HEADER, ROLE_HEADER, SELECTORS_HEADER
from planwatch.records import Capture

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
MAX_FILE_BYTES = 64 * 1024 * 1024  # a saved page is never this big; a WARC may be, and is streamed


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
        elif path.is_file():
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


def read_captures(path: Path) -> Iterator[Capture | CaptureProblem]:
    """All captures in one file: one for a page, one per HTML response record for a WARC."""
    kind = capture_kind(path)
    if kind == "warc":
        yield from read_warc(path)
        return
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield CaptureProblem(str(path), f"file too large ({size // 1_048_576} MB; the limit is 64 MB)")
            return
        body = path.read_bytes()
    except OSError as exc:
        yield CaptureProblem(str(path), f"cannot read: {exc.strerror or exc}")
        return
    fetched = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(tzinfo=None)
    yield Capture(body=body, kind="text" if kind == "text" else "html", fetched_at=fetched, origin=str(path))


def read_warc(path: Path) -> Iterator[Capture | CaptureProblem]:
    """HTML response records of a WARC file; a truncated or corrupt archive stops with a problem."""
    count = records = 0
    try:
        with path.open("rb") as stream:
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
                body = record.content_stream().read()
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
