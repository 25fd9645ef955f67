"""Error pages served as ``200 OK``: a CMS saying the article is missing is not an article.

Korean CMSs answer a deleted, moved or not-yet-published article with their
normal page frame and a sentence such as "요청하신 페이지를 찾을 수 없습니다",
under status 200. Stored, such a page would be an irrelevant article whose URL
counts as fetched forever, so the real article, once it is there, would never
be read. ``error_page_reason`` recognizes one by a short text that carries one of
the phrases below; a long article that merely quotes a phrase is kept.
"""

from __future__ import annotations

# Compared without spaces and case, so each matches however the CMS spaces it.
ERROR_PHRASES: tuple[str, ...] = (
    "요청하신 페이지를 찾을 수 없습니다",
    "페이지를 찾을 수 없습니다",
    "존재하지 않는 기사",
    "기사가 존재하지 않습니다",
    "삭제된 기사입니다",
    "해당 기사를 찾을 수 없습니다",
    "잘못된 접근입니다",
    "잘못된 경로로 접근",
    "page not found",
    "404 not found",
)
MAX_ERROR_PAGE_CHARS = 400  # article text (without spaces) beyond which a phrase is only a quotation


def error_page_reason(text: str) -> str | None:
    """A one-line reason when ``text`` (an article's cleaned text) is a CMS error message, else None."""
    compact = "".join(text.split()).lower()
    if len(compact) > MAX_ERROR_PAGE_CHARS:
        return None
    for phrase in ERROR_PHRASES:
        if "".join(phrase.split()).lower() in compact:
            return f"an error page served as 200 OK ({len(compact)} characters saying '{phrase}'), not an article"
    return None
