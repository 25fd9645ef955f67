"""CSRF protection for the web desk's forms: a double-submit token and an origin check.

Every page with a form gets a random token, kept in a cookie the page's scripts cannot read
(``HttpOnly``, ``SameSite=Strict``) and written into the form; a POST is accepted only when
the form's token equals the cookie's and, when the browser names the origin, it is this
server. Another site can make a browser send the cookie's request, but cannot read or guess
the token. The one-click unsubscribe POST is not a form of ours (a mail client sends it,
without cookies): its signed token is its authority (RFC 8058).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response

COOKIE = "planwatch_csrf"
FIELD = "csrf"
TOKEN_BYTES = 24


def csrf_token(request: Request) -> str:
    """The token for this browser: the cookie's, or a new one (set by ``remember_csrf``)."""
    current = request.cookies.get(COOKIE, "")
    if 20 <= len(current) <= 64 and current.replace("-", "").replace("_", "").isalnum():
        return current
    made = getattr(request.state, "new_csrf", None)
    if made is None:
        made = secrets.token_urlsafe(TOKEN_BYTES)
        request.state.new_csrf = made
    return str(made)


def remember_csrf(request: Request, response: Response) -> Response:
    made = getattr(request.state, "new_csrf", None)
    if made:
        response.set_cookie(COOKIE, made, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                            path="/")
    return response


def check_csrf(request: Request, form: Mapping[str, object]) -> None:
    """Refuse (403) a form POST that does not carry this browser's token or comes from elsewhere."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin and origin != "null":
        host = urlsplit(origin).netloc
        if host and host != request.headers.get("host", request.url.netloc):
            raise HTTPException(status_code=403, detail="this form was sent from another site")
    sent = str(form.get(FIELD) or "")
    cookie = request.cookies.get(COOKIE, "")
    if not sent or not cookie or not hmac.compare_digest(sent, cookie):
        raise HTTPException(
            status_code=403, detail="the form's security token is missing or stale: reload the page and send it again"
        )
