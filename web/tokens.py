"""Signed, expiring links for subscribers: confirm an address, manage a subscription, unsubscribe.

A token is itsdangerous' URL-safe, timestamped signature of ``[subscriber id, address]``,
salted by what it is for, so a confirmation token cannot be used to unsubscribe and a
token for an address that was removed and subscribed again does not reach the new row.
The secret is ``$PLANWATCH_WEB_SECRET``, else the contents of ``[web] secret_file``
(written on first use with 32 random bytes, readable by its owner only): the server and
the process sending digests read the same one. Nothing here imports the web framework,
so the digest can make its links without it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from planwatch.config import Config, WebConfig, parse_duration

ENV_SECRET = "PLANWATCH_WEB_SECRET"
PURPOSES: tuple[str, ...] = ("confirm", "manage", "unsubscribe")
MIN_SECRET_CHARS = 16


class TokenError(ValueError):
    """A link that is not (or no longer) valid: ``expired`` tells which."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class TokenSubject:
    subscriber_id: int
    email: str


def load_secret(web: WebConfig, env: Mapping[str, str] | None = None) -> str:
    """The signing secret: the environment's, else the secret file's (made when missing)."""
    environ = os.environ if env is None else env
    secret = (environ.get(ENV_SECRET) or "").strip()
    if secret:
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"{ENV_SECRET} is too short: use at least {MIN_SECRET_CHARS} random characters")
        return secret
    path = Path(web.secret_file).expanduser()
    try:
        if path.is_file():
            stored = path.read_text(encoding="utf-8").strip()
            if len(stored) >= MIN_SECRET_CHARS:
                return stored
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            made = secrets.token_urlsafe(32)
            out.write(made + "\n")
        return made
    except OSError as exc:
        raise ValueError(f"cannot read or write the web secret file {path}: {exc.strerror or exc}") from None


class Tokens:
    """Makes and reads the tokens of one secret."""

    def __init__(self, secret: str, web: WebConfig) -> None:
        self._serializers = {p: URLSafeTimedSerializer(secret, salt=f"planwatch-{p}") for p in PURPOSES}
        self.max_age = {
            "confirm": int(parse_duration(web.confirm_within)),
            "manage": int(parse_duration(web.link_valid_for)),
            "unsubscribe": int(parse_duration(web.link_valid_for)),
        }

    def make(self, purpose: str, subscriber_id: int, email: str) -> str:
        return str(self._serializers[purpose].dumps([subscriber_id, email.lower()]))

    def read(self, purpose: str, token: str | None) -> TokenSubject:
        """The subscriber a token names, or TokenError (tampered, of another purpose, expired)."""
        if not token:
            raise TokenError("this link has no token")
        try:
            data = self._serializers[purpose].loads(token, max_age=self.max_age[purpose])
        except SignatureExpired:
            raise TokenError("this link has expired", expired=True) from None
        except BadSignature:
            raise TokenError("this link is not valid") from None
        if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], int) and isinstance(data[1], str)):
            raise TokenError("this link is not valid")
        return TokenSubject(data[0], data[1])


@dataclass(frozen=True)
class SubscriptionLinks:
    """The links every digest carries when ``[web] base_url`` is set."""

    manage: str
    unsubscribe: str  # the RFC 8058 one-click POST target, and a page with a button for a GET


def tokens_for(config: Config, env: Mapping[str, str] | None = None) -> Tokens:
    return Tokens(load_secret(config.web, env), config.web)


def link(base_url: str, path: str, token: str) -> str:
    return f"{base_url}{path}?token={quote(token)}"


def subscription_links(
    config: Config, subscriber_id: int, email: str, env: Mapping[str, str] | None = None
) -> SubscriptionLinks | None:
    """The subscriber's manage and unsubscribe links; None without ``[web] base_url``."""
    base = config.web.base_url
    if not base:
        return None
    tokens = tokens_for(config, env)
    return SubscriptionLinks(
        manage=link(base, "/manage", tokens.make("manage", subscriber_id, email)),
        unsubscribe=link(base, "/unsubscribe", tokens.make("unsubscribe", subscriber_id, email)),
    )
