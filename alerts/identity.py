"""Who a message is from: From, Reply-To, the envelope sender (MAIL FROM) and the list headers.

Mail written to the outbox directory may keep the default ``planwatch@localhost``;
mail handed to an SMTP server needs ``[smtp] sender`` on a real domain, because a
relay would send it on as ``planwatch@localhost`` with ``@localhost`` Message-IDs
and receivers drop that. ``mail_identity(config, relay=True)`` refuses such a
sender with one line saying what to set (``SenderError``), before anything is claimed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import make_msgid, parseaddr

from alerts.headers import list_headers
from alerts.subscribers import clean_text
from planwatch.config import Config, relay_sender_problem

HEADER_CHARS = 400


class SenderError(ValueError):
    """The configured sender cannot be used for this transport."""


def parse_mailbox(value: str, what: str = "smtp.sender") -> Address:
    """``planwatch <planwatch@example.kr>`` → Address (cleaned of control characters)."""
    name, addr = parseaddr(clean_text(value, HEADER_CHARS))
    if "@" not in addr:
        raise SenderError(f"{what} {value!r} has no e-mail address")
    username, _, domain = addr.rpartition("@")
    return Address(display_name=clean_text(name), username=username, domain=domain)


@dataclass(frozen=True)
class MailIdentity:
    sender: Address  # From
    reply_to: Address | None  # Reply-To
    envelope_sender: str  # MAIL FROM, where bounces go
    list_label: str | None = None  # List-Id label; None: planwatch.<sender's domain>
    one_click: Callable[[str], str | None] | None = None  # recipient → its https unsubscribe link (the web desk)

    def new_message_id(self) -> str:
        """A unique ``<…@domain>`` on the sender's domain (no DNS look-up)."""
        return make_msgid(domain=self.sender.domain or "localhost")

    def headers_for(self, recipient: str, one_click_url: str | None = None) -> dict[str, str]:
        """List-Unsubscribe (+ -Post with an https ``one_click_url``), List-Id, Auto-Submitted.

        Without ``one_click_url``, ``one_click(recipient)`` gives it when set.
        """
        if one_click_url is None and self.one_click is not None:
            one_click_url = self.one_click(recipient)
        return list_headers(
            self.sender.addr_spec, one_click_url, recipient=recipient, list_label=self.list_label
        )


def mail_identity(
    config: Config, *, relay: bool, one_click: Callable[[str], str | None] | None = None
) -> MailIdentity:
    """The identity for mail sent through a relay (``relay=True``) or written to the outbox.

    ``one_click`` makes a recipient's https one-click unsubscribe link (the web desk's,
    when ``[web] base_url`` is set); without it the messages offer the mailto only.
    """
    smtp = config.smtp
    if relay:
        problem = relay_sender_problem(smtp.sender)
        if problem:
            raise SenderError(f"not sending: {problem}")
    sender = parse_mailbox(smtp.from_header)
    reply_to = parse_mailbox(smtp.reply_to, "smtp.reply_to") if smtp.reply_to else None
    return MailIdentity(
        sender=sender,
        reply_to=reply_to,
        envelope_sender=smtp.envelope_sender or sender.addr_spec,
        list_label=smtp.list_id,
        one_click=one_click,
    )
