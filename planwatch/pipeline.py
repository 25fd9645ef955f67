"""The one processing path every capture takes, live or replayed.

``planwatch.extraction`` is the pure part (Capture → Article → Extraction, no I/O);
``Pipeline.process`` adds storage and digest queuing. The crawler's item pipeline
and ``planwatch replay`` both call ``Pipeline.process``, so a replay test runs
exactly what production runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planwatch.records import Article, Capture, Extraction
from storage.db import Database
from storage.repository import StoreOutcome, store_extraction

if TYPE_CHECKING:
    from extractors.topics import TopicVocabulary

log = logging.getLogger(__name__)


@dataclass
class ProcessResult:
    """What happened to one capture."""

    origin: str | None
    status: str  # stored | duplicate | rejected
    reason: str | None = None  # one line, for rejected captures
    article: Article | None = None
    extraction: Extraction | None = None
    outcome: StoreOutcome | None = None

    @property
    def relevant(self) -> bool:
        return self.extraction is not None and self.extraction.relevance.relevant

    @property
    def updated_plan(self) -> bool:
        """An existing plan changed (a new plan is counted as new, not as updated)."""
        return self.outcome is not None and bool(self.outcome.changes) and not self.outcome.plan_new


@dataclass
class RunSummary:
    """Counters for one replay or crawl, printed at the end and stored with the run."""

    files: int = 0
    captures: int = 0
    articles: int = 0  # articles kept (stored now or already known)
    new_articles: int = 0
    relevant: int = 0
    new_plans: int = 0
    updated_plans: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, result: ProcessResult) -> None:
        self.captures += 1
        if result.status == "rejected":
            self.rejected += 1
            self.problems.append(f"{result.origin}: {result.reason}")
            return
        self.articles += 1
        self.relevant += int(result.relevant)
        self.updated_plans += int(result.updated_plan)
        if result.outcome is not None:
            self.new_articles += int(result.outcome.article_new)
            self.new_plans += int(result.outcome.plan_new)


class Pipeline:
    """Extract, judge, store and queue: the same for the crawler and for replay."""

    def __init__(self, db: Database, history: bool = False, vocabulary: TopicVocabulary | None = None) -> None:
        self.db = db
        self.history = history  # articles found looking back: stored without alerting anyone
        self.vocabulary = vocabulary  # the configured plan families; None: the five defaults

    def process(self, capture: Capture) -> ProcessResult:
        # Imported here: the crawler extracts in its own pool and only stores through this class.
        from planwatch.extraction import extract_or_reason

        extracted = extract_or_reason(capture, self.vocabulary)
        if isinstance(extracted, str):
            return self.rejected(capture, extracted)
        return self.store(capture, *extracted)

    @staticmethod
    def rejected(capture: Capture, reason: str) -> ProcessResult:
        log.info("rejected %s: %s", capture.origin or capture.url, reason)
        return ProcessResult(capture.origin or capture.url, "rejected", reason)

    def store(self, capture: Capture, article: Article, extraction: Extraction) -> ProcessResult:
        # A transaction that lost a race to another writer is run again from scratch.
        outcome = self.db.transaction(lambda session: store_extraction(session, article, extraction, raw=capture,
                                                                     history=self.history))
        status = "stored" if outcome.article_new else "duplicate"
        return ProcessResult(capture.origin or capture.url, status, None, article, extraction, outcome)
