"""Building the e-mail itself with the standard library's email package.

One ``multipart/alternative`` message: a UTF-8 text/plain part, then a UTF-8
text/html part. ``email.policy.SMTP`` does the encoding work: RFC 2047 for the
non-ASCII subject and display names, folding of long header lines, a
content-transfer-encoding (quoted-printable or base64, whichever is shorter) that
keeps the message 7-bit and every body line short, CRLF line ends. Header values
are cleaned of CR/LF and other control characters before they are set, so crawled
text can never add a header.
"""

from __future__ import annotations

import email.policy
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import quote

from alerts.subscribers import clean_text

# 7-bit clean on the wire: no server needs 8BITMIME, Korean bodies go out as base64.
POLICY = email.policy.SMTP.clone(cte_type="7bit")
HEADER_CHARS = 400


def sender_address(sender: str) -> Address:
    """``planwatch <planwatch@localhost>`` → Address; the configured sender is trusted but still cleaned."""
    name, addr = parseaddr(clean_text(sender, HEADER_CHARS))
    if "@" not in addr:
        raise ValueError(f"smtp.sender {sender!r} has no e-mail address")
    username, _, domain = addr.rpartition("@")
    return Address(display_name=clean_text(name), username=username, domain=domain)


def recipient_address(email: str, name: str | None = None) -> Address:
    username, _, domain = email.rpartition("@")
    return Address(display_name=clean_text(name), username=username, domain=domain)


def new_message_id(sender: Address) -> str:
    """A globally unique ``<...@domain>``; the domain is the sender's, so no DNS look-up is made."""
    return make_msgid(domain=sender.domain or "localhost")


def unsubscribe_header(sender: Address, recipient: str, one_click_url: str | None = None) -> str:
    """``List-Unsubscribe``: the https one-click link first when there is one (RFC 8058), then mailto."""
    subject = quote(f"unsubscribe {recipient}")
    mailto = f"<mailto:{sender.addr_spec}?subject={subject}>"
    if one_click_url and one_click_url.startswith(("https://", "http://")) and not any(
        ch in one_click_url for ch in "<>, \r\n\t"
    ):
        return f"<{one_click_url}>, {mailto}"
    return mailto


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
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = clean_text(subject, HEADER_CHARS)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = unsubscribe_header(sender, recipient.addr_spec, unsubscribe_url)
    if msg["List-Unsubscribe"].startswith("<http"):
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    msg["Content-Language"] = clean_text(language, 8) or "ko"  # after the parts: set_content clears Content-*
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as sent: CRLF line ends, every line within the SMTP limit."""
    return msg.as_bytes(policy=POLICY)
