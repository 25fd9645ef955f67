"""Logging set-up shared by every command: level, optional file, optional JSON lines.

Secrets are never passed to the loggers in the first place; ``redact`` is a last
line of defence for URLs that might carry credentials.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone

# ``log.warning(..., extra=SUMMARISED)``: a line the command's own summary prints as well
# (a source that failed); ``hide_summarised()`` keeps it off the terminal, so it is read once.
SUMMARISED = {"planwatch_summarised": True}

_CREDENTIALS_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.\-]*://)(?P<user>[^:/@\s]+):(?P<secret>[^@/\s]+)@", re.I)


def redact(text: str) -> str:
    """``smtp://me:secret@host`` → ``smtp://me:***@host``."""
    return _CREDENTIALS_IN_URL.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in ("job", "source", "pages", "new_articles", "errors", "outcome", "seconds"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    """Plain lines, each stamped in UTC with its offset (``2026-11-22T00:30:00.123+00:00``)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str = "WARNING", file: str | None = None, json_lines: bool = False) -> None:
    handler: logging.Handler = logging.FileHandler(file, encoding="utf-8") if file else logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries chatter at INFO; planwatch's own lines are what the user asked for.
    for noisy in ("trafilatura", "htmldate", "courlan", "charset_normalizer", "urllib3", "chardet"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


class _DropSummarised(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "planwatch_summarised", False)


def hide_summarised() -> None:
    """Drop lines marked ``SUMMARISED`` from terminal handlers (files and JSON logs keep them)."""
    for handler in logging.getLogger().handlers:
        is_terminal = isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)
        if is_terminal and not isinstance(handler.formatter, JsonFormatter):
            handler.addFilter(_DropSummarised())
