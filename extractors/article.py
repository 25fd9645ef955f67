"""Capture → Article: the article stage every capture goes through, live or replayed.

Checks the bytes (empty, binary, too large), decodes them (``encoding``), hands
text captures to ``textclean`` and HTML captures to ``htmlclean``, then fills the
Article: canonical URL, outlet, content hash. A capture without a usable Korean
article raises ExtractionError with a one-line reason; nothing else escapes.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from urllib.parse import urljoin

from extractors.encoding import DecodeError, decode_page
from extractors.htmlclean import HtmlError, extract_html
from extractors.outlets import outlet_for_domain
from extractors.textclean import ArticleParts, clean_text_capture
from extractors.urls import canonicalize_url, same_site
from planwatch.records import Article, Capture

log = logging.getLogger(__name__)

# Limits of what the stage accepts. Pages beyond them are rejected with a reason,
# not cut: a truncated article would be stored as if it were complete.
MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 5 * 1024 * 1024
MIN_ARTICLE_CHARS = 80  # after clean-up, without spaces
MIN_HANGUL_CHARS = 40
MIN_HANGUL_SHARE = 0.3  # of the letters of the article text

# File signatures of things that are not pages: (prefix, what it is).
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\xd0\xcf\x11\xe0", "an old office document (HWP/DOC/XLS)"),
    (b"HWP Document", "a HWP document"),
    (b"\x7fELF", "an executable"),
)
BINARY_SNIFF_BYTES = 8192
HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<meta|<!--)", re.IGNORECASE)

HANGUL = re.compile(r"[가-힣]")
LETTER = re.compile(r"[^\W\d_]")


class ExtractionError(Exception):
    """A capture holds no usable article; the message is one line for the user."""


def capture_to_article(capture: Capture) -> Article:
    """Decode, clean and describe one capture; raises ExtractionError with a one-line reason."""
    body = capture.body or b""
    check_bytes(body)
    try:
        text, encoding = decode_page(body, capture.headers, capture.encoding)
    except DecodeError as exc:
        raise ExtractionError(str(exc)) from exc
    if len(text) > MAX_TEXT_CHARS:
        raise ExtractionError(
            f"page too large: {len(text) / 1e6:.1f} million characters of text (limit {MAX_TEXT_CHARS / 1e6:.1f})"
        )
    if not text.strip():
        raise ExtractionError("empty page: only whitespace")
    parts = _extract(capture, body, text)
    check_article(parts)
    return build_article(capture, parts, encoding)


def check_bytes(body: bytes) -> None:
    if not body:
        raise ExtractionError("empty capture (0 bytes)")
    if len(body) > MAX_BODY_BYTES:
        raise ExtractionError(f"page too large: {len(body) / 1e6:.1f} MB (limit {MAX_BODY_BYTES / 1e6:.0f} MB)")
    head = body[:BINARY_SNIFF_BYTES]
    for signature, what in BINARY_SIGNATURES:
        if head.startswith(signature):
            raise ExtractionError(f"binary file, not a page: {what}")
    utf16_bom = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in head and not utf16_bom:
        raise ExtractionError("binary file, not a page (NUL bytes)")


def _extract(capture: Capture, body: bytes, text: str) -> ArticleParts:
    kind = capture.kind
    if kind == "text" and HTML_START.match(body[:1024]):
        kind = "html"  # a saved page handed over as text: read it as the HTML it is
    if kind == "text":
        return clean_text_capture(text)
    if kind == "html":
        try:
            return extract_html(text, url=capture.url, selectors=dict(capture.selectors or {}))
        except HtmlError as exc:
            raise ExtractionError(str(exc)) from exc
        except RecursionError as exc:
            raise ExtractionError("HTML nested too deeply to extract") from exc
    raise ExtractionError(f"unknown capture kind {kind!r} (expected 'html' or 'text')")


def check_article(parts: ArticleParts) -> None:
    text = parts.text
    compact = "".join(text.split())
    if not compact:
        raise ExtractionError("no article text found")
    hangul = len(HANGUL.findall(compact))
    letters = len(LETTER.findall(compact))
    if hangul < MIN_HANGUL_SHARE * max(letters, 1):
        raise ExtractionError(f"no Korean article text found ({hangul} Hangul of {letters} letters)")
    if len(compact) < MIN_ARTICLE_CHARS:
        raise ExtractionError(f"article text too short after cleaning ({len(compact)} characters)")
    if hangul < MIN_HANGUL_CHARS:
        raise ExtractionError(f"no Korean article text found (only {hangul} Hangul characters)")


def normalized_for_hash(text: str) -> str:
    """The text as identity sees it: NFC, whitespace runs collapsed, one paragraph per line."""
    text = unicodedata.normalize("NFC", text)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def content_hash(text: str) -> str:
    return hashlib.sha256(normalized_for_hash(text).encode("utf-8")).hexdigest()


def _canonical(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return canonicalize_url(url)
    except ValueError:
        log.debug("not canonicalizable: %r", url)
        return None


def declared_canonical(capture: Capture, parts: ArticleParts) -> str | None:
    """The canonical URL the page declares (``rel=canonical``, ``og:url``), when it may name the article.

    Only a URL on the page's own site (registrable domain) is trusted: a page on one
    host declaring another site's article URL would otherwise make that article look
    stored, and it would never be fetched.
    """
    if not parts.url or capture.kind != "html":
        return None
    declared = urljoin(capture.url, parts.url) if capture.url else parts.url  # "/news/1" is on the page's site
    if capture.url and not same_site(declared, capture.url):
        log.info("%s declares a canonical URL on another site (%s): not used as its identity", capture.url, declared)
        return None
    return _canonical(declared)


def build_article(capture: Capture, parts: ArticleParts, encoding: str) -> Article:
    url = capture.url or parts.url
    canonical = declared_canonical(capture, parts) or _canonical(url)
    outlet = parts.outlet or outlet_for_domain(parts.url or capture.url)
    return Article(
        title=parts.title or "",
        text=parts.text,
        url=url,
        canonical_url=canonical,
        published=parts.published,
        outlet=outlet,
        author=parts.author,
        subtitle=parts.subtitle,
        content_hash=content_hash(parts.text),
        origin=capture.origin,
        encoding=encoding,
    )
