"""The operators' view: subscribers, deliveries and their failures, outgoing mail, sources.

Off (404) unless ``$PLANWATCH_ADMIN_TOKEN`` is set; with it, every request must carry the
token, as ``Authorization: Bearer <token>`` or as the password of HTTP Basic (any user
name), which a browser asks for by itself. It only reads.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from alerts.subscribers import list_subscribers
from storage import models as m
from web.desk import Desk, desk
from web.pages import source_rows

router = APIRouter(include_in_schema=False)
RECENT = 50


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2]
    return None


def require_admin(request: Request) -> Desk:
    d = desk(request)
    if d.admin_token is None:
        raise HTTPException(status_code=404, detail="Not Found")
    token = presented_token(request)
    if token is None or not hmac.compare_digest(token.encode(), d.admin_token.encode()):
        raise HTTPException(status_code=401, detail="the admin pages need the token of $PLANWATCH_ADMIN_TOKEN",
                            headers={"WWW-Authenticate": 'Basic realm="planwatch admin", charset="UTF-8"'})
    return d


@router.get("/admin")
def admin_page(request: Request) -> Response:
    d = require_admin(request)
    with d.db.session(read_only=True) as session:
        subscribers = list_subscribers(session)
        states = dict(session.execute(select(m.Subscriber.email, m.Subscriber.state)).tuples().all())
        deliveries = dict(
            session.execute(select(m.Delivery.status, func.count()).group_by(m.Delivery.status)).tuples().all()
        )
        failures = session.execute(
            select(m.Delivery, m.Subscriber.email)
            .join(m.Subscriber, m.Subscriber.id == m.Delivery.subscriber_id)
            .where(m.Delivery.error.is_not(None))
            .order_by(m.Delivery.id.desc())
            .limit(RECENT)
        ).tuples().all()
        messages = list(session.scalars(select(m.OutgoingMessage).order_by(m.OutgoingMessage.id.desc()).limit(RECENT)))
    response = d.render(request, "admin.html.j2", subscribers=subscribers, states=states, deliveries=deliveries,
                        failures=failures, messages=messages, sources=source_rows(d, recent=1))
    response.headers["Cache-Control"] = "no-store"
    return response
