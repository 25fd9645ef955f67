"""What a crawl reports: one ``SourceReport`` per source and the ``CrawlSummary`` of the run.

Plain dataclasses of numbers and strings, so a crawl run in a child process can
hand its summary back as JSON (``to_json`` / ``from_json``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

MAX_PROBLEMS_KEPT = 50  # per source; the count stays exact, the list is for reading


@dataclass
class SourceReport:
    """How one source's crawl went."""

    name: str
    type: str
    outcome: str = "ok"  # ok | failed | unreachable
    message: str | None = None  # the one line printed for a failed or unreachable source
    pages: int = 0  # responses received (listing, feed, sitemap, search and article pages)
    articles_requested: int = 0  # article URLs that were new and fetched
    new_articles: int = 0
    duplicates: int = 0  # fetched, but the same article was stored already (another URL, same text)
    relevant: int = 0
    new_plans: int = 0
    updated_plans: int = 0
    rejected: int = 0  # pages the extractor refused (no article, undecodable, ...)
    errors: int = 0  # pages that failed to download or to process
    robots_skipped: int = 0
    unchanged: bool = False  # the feed or sitemap answered 304 Not Modified
    problems: list[str] = field(default_factory=list)

    def problem(self, line: str) -> None:
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(line)

    def headline(self) -> str:
        """``source X: cannot reach host example.kr (DNS lookup failed)``."""
        return f"source {self.name}: {self.message or self.outcome}"


@dataclass
class CrawlSummary:
    """The whole run: per-source reports and their totals."""

    sources: list[SourceReport] = field(default_factory=list)
    started_at: str | None = None  # ISO 8601, UTC
    finished_at: str | None = None
    record_file: str | None = None  # the WARC written with --record
    record_stopped: str | None = None  # why recording stopped before the crawl did (a full disk), one line
    digest: str | None = None  # one line from the immediate-digest delivery, when it ran
    digest_refused: list[str] = field(default_factory=list)  # "address: the server's reply", refused for good

    def total(self, name: str) -> int:
        return sum(int(getattr(s, name)) for s in self.sources)

    @property
    def pages(self) -> int:
        return self.total("pages")

    @property
    def new_articles(self) -> int:
        return self.total("new_articles")

    @property
    def relevant(self) -> int:
        return self.total("relevant")

    @property
    def new_plans(self) -> int:
        return self.total("new_plans")

    @property
    def updated_plans(self) -> int:
        return self.total("updated_plans")

    @property
    def errors(self) -> int:
        return self.total("errors")

    def failures(self) -> list[SourceReport]:
        return [s for s in self.sources if s.outcome != "ok"]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["totals"] = {
            name: self.total(name)
            for name in ("pages", "articles_requested", "new_articles", "duplicates", "relevant", "new_plans",
                         "updated_plans", "rejected", "errors", "robots_skipped")
        }
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> CrawlSummary:
        data = json.loads(text)
        known = {f.name for f in fields(SourceReport)}
        sources = [SourceReport(**{k: v for k, v in s.items() if k in known}) for s in data.get("sources", [])]
        return cls(
            sources=sources,
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            record_file=data.get("record_file"),
            record_stopped=data.get("record_stopped"),
            digest=data.get("digest"),
            digest_refused=list(data.get("digest_refused") or []),
        )
