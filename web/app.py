"""The web desk's application: ``create_app`` wires the routes, templates, errors and headers.

FastAPI over Starlette, served by uvicorn (``planwatch serve``). Public pages only read;
the forms (subscribe, manage) are CSRF-protected; nothing needs JavaScript, and the
Content-Security-Policy allows none. Errors are one line, as a page for browsers and as
JSON under ``/api/``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from planwatch.config import Config
from storage.db import Database
from web import admin, api, exports, pages, subscribe
from web.desk import make_desk
from web.subscribe import refuse_token
from web.tokens import TokenError

STATIC_DIR = Path(__file__).with_name("static")
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
HEADINGS: dict[int, str] = {
    400: "요청을 이해할 수 없습니다 · Bad request",
    401: "인증이 필요합니다 · Authentication required",
    403: "허용되지 않습니다 · Forbidden",
    404: "찾을 수 없습니다 · Not found",
    405: "허용되지 않는 방법입니다 · Method not allowed",
    429: "요청이 너무 많습니다 · Too many requests",
}


def create_app(config: Config, db: Database, outbox: Path | str, env: Mapping[str, str] | None = None) -> FastAPI:
    app = FastAPI(
        title="planwatch",
        version="1",
        summary="Korean local governments' 4th-Industrial-Revolution, smart-city, digital, AI and "
        "informatization plans, with their timelines and sources.",
        docs_url=None,  # the interactive page loads script from elsewhere; /openapi.json is the document
        redoc_url=None,
    )
    app.state.desk = make_desk(config, db, Path(outbox), env)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (pages, exports, api, subscribe, admin):
        app.include_router(module.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(TokenError)
    async def token_error(request: Request, exc: TokenError) -> Response:  # a signed link that is not (or no longer) good
        refused = refuse_token(exc)
        return error_response(request, refused.status_code, str(refused.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
        return error_response(request, 400, f"{where}: {first.get('msg', 'invalid value')}".strip(": "))

    return app


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)
    d = request.app.state.desk
    response = d.render(
        request, "error.html.j2", status_code=status, status=status,
        heading=HEADINGS.get(status, f"오류 · Error {status}"), message=message,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
