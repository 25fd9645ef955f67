"""The subscription pages: ``/subscribe``, ``/confirm``, ``/manage`` and ``/unsubscribe``.

``GET`` never changes anything (mail scanners open links); every change is a ``POST``:
forms carry the CSRF token, and ``POST /unsubscribe?token=…`` is the RFC 8058 one-click
target named in each digest's ``List-Unsubscribe`` header, whose signed token is enough.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from alerts.subscribers import SubscriberError
from web.csrf import check_csrf, csrf_token, remember_csrf
from web.desk import Desk, desk
from web.exports import public_base
from web.pages import province_names
from web.subscriptions import Choices, MailError, Subscriptions, validate_choices
from web.tokens import TokenError

router = APIRouter(include_in_schema=False)

EXPIRED = "이 링크는 만료되었습니다. · This link has expired."
INVALID = "이 링크는 유효하지 않습니다. · This link is not valid."
GONE = "이 구독은 더 이상 없습니다. · This subscription no longer exists."


def subscriptions(request: Request) -> Subscriptions:
    d = desk(request)
    found: Subscriptions | None = getattr(request.app.state, "subscriptions", None)
    if found is None:
        found = Subscriptions(d.db, d.config, d.outbox, d.tokens, d.templates)
        request.app.state.subscriptions = found
    return found


def refuse_token(exc: TokenError) -> HTTPException:
    """A tampered or foreign link is 400, an expired one 410 (``web.app`` turns every TokenError into this)."""
    return HTTPException(status_code=410 if exc.expired else 400, detail=EXPIRED if exc.expired else INVALID)


def found_or_gone(found: Any) -> Any:
    """The subscriber a valid link names, or 404 when it was removed meanwhile."""
    if found is None:
        raise HTTPException(status_code=404, detail=GONE)
    return found


def form_page(d: Desk, request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("provinces", province_names())
    response = d.render(request, name, status_code=status_code, csrf=csrf_token(request), **context)
    return remember_csrf(request, response)


def message_page(d: Desk, request: Request, heading: str, *lines: str, status_code: int = 200,
                 form_action: str | None = None, hidden: dict[str, str] | None = None, button: str = "",
                 danger: bool = False, link: tuple[str, str] | None = None) -> Response:
    response = d.render(request, "message.html.j2", status_code=status_code, heading=heading, lines=lines,
                        form_action=form_action, hidden=hidden or {}, button=button, danger=danger, link=link)
    return remember_csrf(request, response)


def choices_from(form: Any) -> Choices:
    return validate_choices(
        [str(v) for v in form.getlist("provinces")],
        str(form.get("municipalities") or ""),
        [str(v) for v in form.getlist("events")],
        str(form.get("keywords") or ""),
        str(form.get("frequency") or "daily"),
        str(form.get("language") or "ko"),
        [str(v) for v in form.getlist("families")],
    )


def initial_choices(request: Request) -> dict[str, Any]:
    """The subscribe form prefilled from the list's filters (``/subscribe?province=경기도``)."""
    params = request.query_params
    return {
        "provinces": [params["province"]] if params.get("province") else [],
        "municipalities": [params["municipality"]] if params.get("municipality") else [],
        "events": [params[k] for k in ("event", "stage") if params.get(k)],
        "keywords": params.get("q", "").split(),
        "families": [params["family"]] if params.get("family") else [],
        "frequency": "daily",
        "language": "ko",
    }


def posted_choices(form: Any) -> dict[str, Any]:
    """What the form sent, to show it again beside the error."""
    return {
        "provinces": [str(v) for v in form.getlist("provinces")],
        "municipalities": [str(form.get("municipalities") or "")],
        "events": [str(v) for v in form.getlist("events")],
        "keywords": [str(form.get("keywords") or "")],
        "families": [str(v) for v in form.getlist("families")],
        "frequency": str(form.get("frequency") or "daily"),
        "language": str(form.get("language") or "ko"),
    }


def chosen_of(choices: Choices) -> dict[str, Any]:
    f = choices.filters
    return {"provinces": f.provinces, "municipalities": f.municipalities, "events": f.events,
            "keywords": f.keywords, "families": f.families, "frequency": choices.frequency,
            "language": choices.language}


@router.get("/subscribe")
def subscribe_form(request: Request) -> Response:
    return form_page(desk(request), request, "subscribe.html.j2", chosen=initial_choices(request), email=None,
                     error=None, sent=False)


@router.post("/subscribe")
async def subscribe_post(request: Request) -> Response:
    d = desk(request)
    form = await request.form()
    check_csrf(request, form)
    subs = subscriptions(request)
    client = request.client.host if request.client else "unknown"
    email = str(form.get("email") or "").strip()[:320]
    if not subs.per_client.allow(client):
        raise HTTPException(status_code=429, detail="너무 많은 구독 신청이 있었습니다. 한 시간 뒤에 다시 해 주세요. "
                            "· Too many subscription requests from here: try again in an hour.",
                            headers={"Retry-After": "3600"})
    try:
        choices = choices_from(form)
        subs.subscribe(email, choices, public_base(d, request))
    except SubscriberError as exc:
        return form_page(d, request, "subscribe.html.j2", status_code=400, chosen=posted_choices(form),
                         email=email, error=str(exc), sent=False)
    except MailError as exc:
        return form_page(d, request, "subscribe.html.j2", status_code=503, chosen=chosen_of(choices), email=email,
                         error=f"확인 메일을 보내지 못했습니다. 잠시 뒤에 다시 해 주세요. · {exc}", sent=False)
    return form_page(d, request, "subscribe.html.j2", chosen=chosen_of(choices), email=email, error=None, sent=True)


@router.get("/confirm")
def confirm_page(request: Request, token: str = "") -> Response:
    d = desk(request)
    found = found_or_gone(subscriptions(request).subscriber("confirm", token))
    return message_page(
        d, request, "구독 확인 · Confirm your subscription",
        f"{found.email} 주소로 소식을 받으려면 아래 단추를 누르세요. · Press the button to start receiving digests.",
        form_action="/confirm", hidden={"token": token, "csrf": csrf_token(request)}, button="구독 확인 · Confirm",
    )


@router.post("/confirm")
async def confirm_post(request: Request) -> Response:
    d = desk(request)
    form = await request.form()
    check_csrf(request, form)
    token = str(form.get("token") or "")
    found = found_or_gone(subscriptions(request).confirm(token))
    manage = d.tokens.make("manage", found.id, found.email)
    return message_page(
        d, request, "구독이 확인되었습니다 · Subscription confirmed",
        f"{found.email} 주소로 소식을 보냅니다. 모든 메일에 설정 변경과 수신 거부 링크가 있습니다. "
        "· Every digest carries a link to change or end the subscription.",
        link=(f"/manage?token={manage}", "구독 설정 · Your subscription"),
    )


@router.get("/manage")
def manage_page(request: Request, token: str = "") -> Response:
    d = desk(request)
    found = found_or_gone(subscriptions(request).subscriber("manage", token))
    return form_page(d, request, "manage.html.j2", subscriber=found, token=token, notice=None, error=None,
                     chosen=chosen_of(Choices(found.filters, found.frequency, found.language)))


@router.post("/manage")
async def manage_post(request: Request) -> Response:
    d = desk(request)
    form = await request.form()
    check_csrf(request, form)
    token = str(form.get("token") or "")
    action = str(form.get("action") or "save")
    subs = subscriptions(request)
    if action == "unsubscribe":
        subs.unsubscribe("manage", token)
        return message_page(d, request, "구독을 해지했습니다 · Unsubscribed",
                            "이 주소로는 더 이상 보내지 않습니다. · Nothing more will be sent to this address.",
                            link=("/subscribe", "다시 구독하기 · Subscribe again"))
    if action in ("pause", "resume"):
        found = subs.set_paused(token, action == "pause")
        notice = "일시 중지했습니다. · Paused." if action == "pause" else "다시 보냅니다. · Resumed."
    elif action == "save":
        try:
            found = subs.update(token, choices_from(form))
        except SubscriberError as exc:
            current = found_or_gone(subs.subscriber("manage", token))
            return form_page(d, request, "manage.html.j2", status_code=400, subscriber=current, token=token,
                             notice=None, error=str(exc),
                             chosen=chosen_of(Choices(current.filters, current.frequency, current.language)))
        notice = "저장했습니다. · Saved."
    else:
        raise HTTPException(status_code=400, detail=f"unknown action {action[:20]!r}")
    found = found_or_gone(found)
    return form_page(d, request, "manage.html.j2", subscriber=found, token=token, notice=notice, error=None,
                     chosen=chosen_of(Choices(found.filters, found.frequency, found.language)))


@router.get("/unsubscribe")
def unsubscribe_page(request: Request, token: str = "") -> Response:
    d = desk(request)
    found = subscriptions(request).subscriber("unsubscribe", token)
    if found is None:
        return message_page(d, request, "구독을 해지했습니다 · Unsubscribed", GONE)
    return message_page(
        d, request, "구독 해지 · Unsubscribe",
        f"{found.email} 주소로 더 이상 받지 않으려면 아래 단추를 누르세요. · Press the button to stop the digests.",
        form_action=f"/unsubscribe?token={token}", hidden={"List-Unsubscribe": "One-Click"},
        button="구독 해지 · Unsubscribe", danger=True,
    )


@router.post("/unsubscribe")
def unsubscribe_post(request: Request, token: str = "") -> Response:
    """RFC 8058 one-click: the mail client POSTs ``List-Unsubscribe=One-Click`` to the header's URL."""
    d = desk(request)
    subscriptions(request).unsubscribe("unsubscribe", token)
    return message_page(d, request, "구독을 해지했습니다 · Unsubscribed",
                        "이 주소로는 더 이상 보내지 않습니다. · Nothing more will be sent to this address.")
