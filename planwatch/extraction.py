"""The pure part of processing a capture: Capture → Article → Extraction, no I/O.

Kept apart from ``planwatch.pipeline`` (which stores) so that an extraction worker
process imports the extractors only, not the storage layer.
"""

from __future__ import annotations

import logging

from extractors import neardup
from extractors.article import ExtractionError, capture_to_article
from extractors.error_pages import error_page_reason
from extractors.plan import extract_plan
from extractors.topics import TopicVocabulary
from planwatch.records import Article, Capture, Extraction

log = logging.getLogger("planwatch.pipeline")


def extract_capture(capture: Capture, vocabulary: TopicVocabulary | None = None) -> tuple[Article, Extraction]:
    """Capture → Article → Extraction; raises ExtractionError with a one-line reason.

    ``vocabulary`` is the configured plan families (``[topics]``); None means the five defaults.
    """
    article = capture_to_article(capture)
    error_page = error_page_reason(article.text)
    if error_page is not None:  # not stored, so the URL is read again once the article is there
        raise ExtractionError(error_page)
    extraction = extract_plan(article, vocabulary)
    if extraction.relevance.relevant:  # only relevant articles are compared with others
        extraction.signature = neardup.signature(article.text)
    return article, extraction


def extract_or_reason(capture: Capture, vocabulary: TopicVocabulary | None = None) -> tuple[Article, Extraction] | str:
    """``extract_capture``, or the one-line reason the capture is rejected.

    A refusal is a string rather than an exception so that it crosses a thread or
    process boundary as plain data; an extractor bug costs this capture only.
    """
    try:
        return extract_capture(capture, vocabulary)
    except ExtractionError as exc:
        return str(exc)
    except Exception as exc:
        log.debug("extracting %s failed", capture.origin or capture.url, exc_info=True)
        first = str(exc).splitlines()[0] if str(exc) else ""
        return f"extraction failed: {type(exc).__name__}: {first}".rstrip(": ")
