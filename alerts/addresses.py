"""E-mail addresses and one-line names as planwatch stores them: the rule every entry point shares.

The configuration (``digest.recipients``, ``alerts.operator``, ``smtp.sender``), the
subscribers' commands and the web desk's forms all check an address here, so this module
imports nothing of planwatch's own.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

# Mail for a local account (``planwatch@localhost``) is legitimate on a single machine,
# though email-validator refuses dotless and special-use domains.
LOCAL_DOMAINS: tuple[str, ...] = ("localhost",)
MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class SubscriberError(ValueError):
    """A refused subscriber value, phrased as the one line the user sees."""


def normalize_email(address: str) -> str:
    """The address as stored (domain lower-cased, IDN in ASCII), or SubscriberError."""
    raw = (address or "").strip()
    local, _, domain = raw.rpartition("@")
    try:
        if local and domain.lower() in LOCAL_DOMAINS:
            # check the local part on a neutral domain, keep the local one
            checked = validate_email(f"{local}@example.com", check_deliverability=False, allow_smtputf8=False)
            return f"{checked.local_part}@{domain.lower()}"
        checked = validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise SubscriberError(f"{clean_text(raw)!r} is not a valid e-mail address: {exc}") from None
    return checked.ascii_email or checked.normalized


def clean_text(value: str | None, limit: int = MAX_NAME) -> str:
    """One line of plain text: control characters (CR, LF, TAB, NUL) become spaces."""
    return " ".join(_CONTROL.sub(" ", value or "").split())[:limit]
