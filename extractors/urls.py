"""Canonical article URLs: one spelling per article, for identity and "already fetched" checks.

The same article reaches us as ``http://`` and ``https://``, with ``utm_*`` or
``fbclid`` tails, with a ``#comment`` fragment, a trailing slash, an upper-case host
or a shuffled query. ``canonicalize_url`` maps all of these to one string and keeps
the parameters that name the article (``idxno``, ``no``, ``idx``, ``aid``, ``pk_no``...).
w3lib sorts and re-encodes the query; trackers are removed by the explicit table
below. (courlan's tracker filter is not used: it drops every ``pk_*`` parameter as a
Matomo tracker, and ``pk_no`` is the article id of several Korean CMSs.)
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize

# Query parameters that never identify an article. A name ending in "_" is a prefix.
TRACKING_PARAMS: tuple[str, ...] = (
    "utm_",
    "fbclid",
    "gclid",
    "dclid",
    "gclsrc",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "pk_campaign",  # Matomo
    "pk_kwd",
    "pk_source",
    "pk_medium",
    "pk_content",
    "mkt_tok",  # Marketo
    "_hsenc",  # HubSpot
    "_hsmi",
    "ref",
    "ref_src",
    "referrer",
    "from",
    "cmpid",
    "ncid",
    "ocid",
    "sns",
    "share",
    "fromurl",
    "ntype",  # naver share links
    "rc",  # naver "related contents" click id
    "sc_",  # daum/kakao click tracking (sc_code, sc_date, ...)
)

DEFAULT_PORTS = {"http": 80, "https": 443}
OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{0,20}:(?!\d)")  # mailto:, javascript:, tel:


def _is_tracking(name: str) -> bool:
    key = name.lower()
    return any(key.startswith(p) if p.endswith("_") else key == p for p in TRACKING_PARAMS)


def _without_tracking(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)]
    return urlencode(sorted(pairs), doseq=True)


def canonicalize_url(url: str) -> str:
    """Canonical form of an article URL (https, lower-case host, no tracking, sorted query).

    Raises ValueError for something that is not an http(s) URL.
    """
    raw = (url or "").strip()
    if not raw:
        raise ValueError("empty URL")
    if "://" not in raw:
        if OTHER_SCHEME.match(raw):
            raise ValueError(f"not a web URL: {url!r}")
        if raw.startswith("//"):
            raw = "https:" + raw
        else:
            raw = "https://" + raw
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not a web URL: {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL without a host: {url!r}")
    parts = urlsplit(raw)
    cleaned = urlunsplit((parts.scheme, parts.netloc, parts.path, _without_tracking(parts.query), ""))
    parts = urlsplit(w3lib_canonicalize(cleaned, keep_fragments=False))
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:  # the host was only characters canonicalization drops ("https://\x08")
        raise ValueError(f"URL without a host: {url!r}")
    port = parts.port
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS["http"], DEFAULT_PORTS["https"]) else f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        # A trailing ";" is an empty parameter list, which w3lib drops: strip it with the slash
        # so that canonicalizing the result again changes nothing.
        path = path.rstrip("/;") or "/"
    return urlunsplit(("https", netloc, path, parts.query, ""))

def url_host(url: str | None) -> str | None:
    """The lower-case host of a URL without ``www.``/``m.``, or None."""
    if not url:
        return None
    try:
        host = urlsplit(url if "://" in url else "https://" + url.lstrip("/")).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
    return host


def registrable_domain(url: str | None) -> str | None:
    """The site a URL belongs to: its registrable domain under the Public Suffix List, or None.

    ``https://m.news.hanbit.co.kr/a`` → ``hanbit.co.kr``; ``https://b.blogspot.com`` →
    ``b.blogspot.com`` (a public suffix of its own). A host that has no registrable
    domain (an IP address, ``localhost``, a bare public suffix) is its own site.
    ``tld`` reads the list it ships with; nothing is fetched.
    """
    if not url:
        return None
    try:
        host = urlsplit(url if "://" in url else "https://" + url.lstrip("/")).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    from tld import get_fld

    try:
        found = get_fld(host, fix_protocol=True, fail_silently=True)
    except ValueError:  # tld raises for some malformed hosts despite fail_silently
        found = None
    return (found or host).lower()


def same_site(url: str | None, other: str | None) -> bool:
    """True when both URLs have one registrable domain (``www.``/``m.`` hosts of one paper do)."""
    site = registrable_domain(url)
    return site is not None and site == registrable_domain(other)
