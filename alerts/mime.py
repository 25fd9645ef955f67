"""Building the e-mail itself with the standard library's email package.

One ``multipart/alternative`` message: a UTF-8 text/plain part, then a UTF-8
text/html part. ``email.policy.SMTP`` does the encoding work: RFC 2047 for the
non-ASCII subject and display names, folding of long header lines, a
content-transfer-encoding (quoted-printable or base64, whichever is shorter) that
keeps the message 7-bit and every body line short, CRLF line ends. Header values
are cleaned of CR/LF and other control characters before they are set, so crawled
text can never add a header. The list headers (``alerts.headers``) go through a
header class that never encodes them: a ``<mailto:…>`` must stay a URI.
"""

from __future__ import annotations

import email.policy
from collections.abc import Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from alerts.headers import header_registry
from alerts.identity import parse_mailbox
from alerts.subscribers import clean_text

# 7-bit clean on the wire: no server needs 8BITMIME, Korean bodies go out as base64.
POLICY = email.policy.SMTP.clone(cte_type="7bit", header_factory=header_registry())
HEADER_CHARS = 400


def sender_address(sender: str) -> Address:
    """``planwatch <planwatch@localhost>`` → Address; the configured sender is trusted but still cleaned."""
    return parse_mailbox(sender)


def recipient_address(email: str, name: str | None = None) -> Address:
    username, _, domain = email.rpartition("@")
    return Address(display_name=clean_text(name), username=username, domain=domain)


def new_message_id(sender: Address) -> str:
    """A globally unique ``<...@domain>``; the domain is the sender's, so no DNS look-up is made."""
    return make_msgid(domain=sender.domain or "localhost")


def build_message(
    *,
    sender: Address,
    recipient: Address,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    date: datetime,
    language: str = "ko",
    list_headers: Mapping[str, str] | None = None,
    reply_to: Address | None = None,
) -> EmailMessage:
    """The message; ``list_headers`` from ``alerts.headers.list_headers`` (List-Unsubscribe, List-Id...)."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = recipient
    if reply_to is not None:
        msg["Reply-To"] = reply_to
    msg["Subject"] = clean_text(subject, HEADER_CHARS)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    for name, value in (list_headers or {}).items():
        msg[name] = value
    if "Auto-Submitted" not in msg:
        msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    msg["Content-Language"] = clean_text(language, 8) or "ko"  # after the parts: set_content clears Content-*
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as sent: CRLF line ends, every line within the SMTP limit."""
    return msg.as_bytes(policy=POLICY)
