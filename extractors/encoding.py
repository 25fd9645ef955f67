"""Bytes → text for fetched pages: the one place that decides a page's encoding.

Korean pages come in UTF-8, EUC-KR and CP949, and the charset they declare (HTTP
header, ``<meta>`` tag) is often missing or wrong: a CMS migrated to UTF-8 keeps its
``euc-kr`` meta tag, a proxy stamps ``charset=utf-8`` on CP949 bytes. The rule here:
a declaration is a hint that must survive a *strict* decode; text with replacement
characters is never returned, it is re-decoded with the next candidate. EUC-KR is
always read as CP949, its superset (the extra Hangul syllables of 통합형 한글 code).

Detection uses w3lib (BOM, header and meta parsing, codec aliases) and
charset-normalizer (guessing when nothing declared works).
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Iterator, Mapping

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

log = logging.getLogger(__name__)

# Declared names that Python would decode more narrowly than browsers do.
SUPERSET_CODECS: dict[str, str] = {
    "euc_kr": "cp949",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ksc5601": "cp949",
    "korean": "cp949",
    "uhc": "cp949",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin_1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}

# How much of the body charset-normalizer looks at: enough to see the Korean
# text of any article, small enough to stay fast on huge pages.
DETECTION_SAMPLE_BYTES = 256 * 1024

# A decode that needed this few replacements (a multi-byte character cut at the
# end of a truncated download) is accepted with the broken characters removed.
TOLERATED_REPLACEMENTS = 2

# Always tried last: nearly every Korean page is one of these.
FALLBACK_CODECS = ("utf-8", "cp949")


class DecodeError(ValueError):
    """The bytes are not text in any encoding we could establish (one-line reason)."""


def normalize_codec(name: str | None) -> str | None:
    """A declared charset label → the Python codec we decode it with, or None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in SUPERSET_CODECS:
        return SUPERSET_CODECS[label]
    resolved = resolve_encoding(label)
    if resolved is None:
        try:
            resolved = codecs.lookup(label).name
        except LookupError:
            return None
    resolved = resolved.lower()
    return SUPERSET_CODECS.get(resolved, resolved)


def _content_type(headers: Mapping[str, str] | None) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == "content-type":
            return value if isinstance(value, str) else value.decode("latin-1")
    return None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detected_codec(body: bytes) -> str | None:
    best = from_bytes(body[:DETECTION_SAMPLE_BYTES]).best()
    return normalize_codec(best.encoding) if best is not None else None


def _candidates(body: bytes, headers: Mapping[str, str] | None) -> Iterator[tuple[str, str]]:
    """(codec, why) in the order they are tried; detection runs only if reached."""
    yield "utf-8", "valid UTF-8"
    header = normalize_codec(http_content_type_encoding(_content_type(headers) or ""))
    if header:
        yield header, "HTTP header"
    meta = normalize_codec(html_body_declared_encoding(body[:8192]))
    if meta:
        yield meta, "meta tag"
    detected = _detected_codec(body)
    if detected:
        yield detected, "detected"
    for codec in FALLBACK_CODECS:
        yield codec, "fallback"


def decode_page(
    body: bytes, headers: Mapping[str, str] | None = None, override: str | None = None
) -> tuple[str, str]:
    """Decode a page body; returns ``(text, codec)``. Raises DecodeError.

    UTF-8 is tried first because a strict UTF-8 decode of Korean text in any other
    encoding fails within a few characters, so success is proof, whatever the page
    declares. ``override`` (from the source config) wins when it decodes strictly.
    """
    if not body:
        return "", "utf-8"
    if override:
        codec = normalize_codec(override)
        if codec is None:
            raise DecodeError(f"unknown encoding {override!r} in the source configuration")
        text = _strict(body, codec)
        if text is not None:
            return text, codec
        log.warning("configured encoding %s does not decode this page; detecting instead", codec)

    bom_codec, bom = read_bom(body)
    if bom_codec:
        codec = normalize_codec(bom_codec) or bom_codec
        text = _strict(body[len(bom or b"") :], codec)
        if text is not None:
            return text, codec

    tried: list[str] = []
    for codec, _why in _candidates(body, headers):
        if codec in tried:
            continue
        tried.append(codec)
        text = _strict(body, codec)
        if text is not None:
            return text, codec
    return _least_damaged(body, tried)


def _least_damaged(body: bytes, codecs_tried: list[str]) -> tuple[str, str]:
    """Last resort for bytes no codec decodes cleanly: accept a couple of broken characters, no more."""
    best: tuple[int, str, str] | None = None
    for codec in codecs_tried:
        try:
            text = body.decode(codec, errors="replace")
        except LookupError:
            continue
        damage = text.count("\ufffd")
        if best is None or damage < best[0]:
            best = (damage, text, codec)
    if best is not None and best[0] <= TOLERATED_REPLACEMENTS:
        return best[1].replace("\ufffd", ""), best[2]
    damage = best[0] if best else 0
    raise DecodeError(
        f"undecodable bytes: no encoding fits ({', '.join(codecs_tried)}; best leaves {damage} broken characters)"
    )
