"""The list headers of every message: how a mail client offers "unsubscribe" and files the mail.

``list_headers`` returns, for one recipient:

- ``List-Unsubscribe`` (RFC 2369): a list of ``<…>`` URIs, the https one-click URL
  first when the web desk has a base URL, the ``mailto:`` always;
- ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058) only when that
  URL is https;
- ``List-Id`` (RFC 2919), ``"planwatch" <planwatch.example.kr>``;
- ``Auto-Submitted: auto-generated`` (RFC 3834), so vacation replies stay quiet.

The standard library folds a header it cannot break at a space by turning it into
RFC 2047 encoded-words (``=?utf-8?q?=3Cmailto=3A…?=``), which no mail client reads as
a URI: the unsubscribe button disappears as soon as the address is long. The
``URI_HEADERS`` here are set through ``UriListHeader``, which is never encoded
and folds only at the spaces between its elements (after the colon and the commas
of the list): each ``<…>`` stays whole on one line, which is then longer than 78
characters only when the URI itself is (RFC 5322 allows 998; a longer URI is refused).
"""

from __future__ import annotations

import re
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.policy import Policy
from typing import Any, cast
from urllib.parse import quote, urlsplit

ONE_CLICK = "List-Unsubscribe=One-Click"
MAX_LINE = 998  # RFC 5322 §2.1.1, without the CRLF
URI_HEADERS: tuple[str, ...] = ("list-unsubscribe", "list-id", "list-post", "list-help", "list-archive")
_LIST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_PHRASE = re.compile(r"^[A-Za-z0-9 !#$%&'*+\-/=?^_`{|}~.]*$")


class HeaderValueError(ValueError):
    """A list header value that cannot be written without encoding or breaking a URI."""


class UriListHeader(UnstructuredHeader):
    """An ASCII header of ``<…>`` elements: kept as written, folded only between its words."""

    max_count = 1
    name: str  # BaseHeader's, joined in by the registry

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        words = value.split()
        if not value.isascii() or any(ord(ch) < 32 for ch in value.replace("\t", " ").strip("\r\n")):
            raise HeaderValueError(f"{kwds.get('name', 'header')} must be printable ASCII, got {value!r}")
        super().parse(" ".join(words), kwds)
        kwds["decoded"] = " ".join(words)

    def fold(self, *, policy: Policy) -> str:
        name = self.name
        limit = policy.max_line_length or MAX_LINE
        lines = [f"{name}:"]
        for word in str(self).split():
            if len(lines[-1]) + 1 + len(word) <= limit:
                lines[-1] += f" {word}"
            else:
                lines.append(f" {word}")
        for line in lines:
            if len(line) > MAX_LINE:
                raise HeaderValueError(f"{name}: an element of {len(line)} characters cannot fit on one line")
        return policy.linesep.join(lines) + policy.linesep


def header_registry() -> HeaderRegistry:
    """The standard registry, with the list headers never encoded."""
    registry = HeaderRegistry()
    for name in URI_HEADERS:
        registry.map_to_type(name, cast("type[BaseHeader]", UriListHeader))
    return registry


def mailto_uri(address: str, recipient: str | None = None) -> str:
    """``mailto:alerts@example.kr?subject=unsubscribe%20analyst%40example.kr`` (every byte URI-safe)."""
    subject = "unsubscribe" + (f" {recipient}" if recipient else "")
    return f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}"


def _checked_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HeaderValueError(f"the unsubscribe URL must be an absolute http(s) URL, got {url!r}")
    if not url.isascii() or any(ch in url for ch in " \t\r\n<>\"") or any(ord(ch) < 32 for ch in url):
        raise HeaderValueError(f"the unsubscribe URL must be ASCII without spaces or <>, got {url!r}")
    return url


def list_id(label: str, name: str = "planwatch") -> str:
    """``"planwatch" <planwatch.example.kr>``: a phrase and a dotted label (RFC 2919)."""
    if not _LIST_LABEL.match(label) or len(label) > 255:
        raise HeaderValueError(f"a List-Id label must be a dotted name like planwatch.example.kr, got {label!r}")
    if not _PHRASE.match(name):
        raise HeaderValueError(f"a List-Id name must be plain ASCII words, got {name!r}")
    return f"{name.strip()} <{label}>" if name.strip() else f"<{label}>"


def list_headers(
    mailto: str,
    one_click_url: str | None = None,
    *,
    recipient: str | None = None,
    list_label: str | None = None,
    list_name: str = "planwatch",
) -> dict[str, str]:
    """The list headers of one message to ``recipient``.

    ``mailto`` is the address that takes unsubscribe requests (the sender);
    ``one_click_url`` the recipient's own https link, or None when no web desk is
    configured. ``list_label`` defaults to ``planwatch.<domain of mailto>``.
    """
    uris = []
    if one_click_url is not None:
        uris.append(f"<{_checked_url(one_click_url)}>")
    uris.append(f"<{mailto_uri(mailto, recipient)}>")
    headers = {"List-Unsubscribe": ", ".join(uris)}
    if one_click_url is not None and one_click_url.strip().startswith("https://"):
        headers["List-Unsubscribe-Post"] = ONE_CLICK
    domain = mailto.rpartition("@")[2].lower().rstrip(".")
    label = list_label or f"planwatch.{domain}"
    headers["List-Id"] = list_id(label, list_name)
    headers["Auto-Submitted"] = "auto-generated"
    return headers
