"""What every route of the web desk shares: the database, the configuration, templates, tokens.

One ``Desk`` is made by ``web.app.create_app`` and kept on ``app.state``; routes reach it
through ``desk(request)``. Templates are the package's ``web/templates/`` in the digest's
style, autoescaped, and pass every value through the digest's ``without_display_tricks``
(crawled titles can carry direction overrides).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from alerts.digest import format_value, http_url
from alerts.labels import FAMILY_LABELS, FIELD_LABELS, STAGE_LABELS, stage_label
from alerts.render import without_display_tricks
from extractors.topics import FAMILY_NAMES
from planwatch.config import Config
from storage.db import Database
from web.tokens import Tokens, tokens_for

ENV_ADMIN_TOKEN = "PLANWATCH_ADMIN_TOKEN"
MIN_ADMIN_TOKEN = 16

def stage_text(code: str | None) -> str:
    """``plan_adopted`` → ``확정 · plan adopted`` (Korean with the digest's English)."""
    if not code:
        return "–"
    ko, en = stage_label(code, "ko"), stage_label(code, "en")
    return f"{ko} · {en}" if ko != en else str(ko)


def field_text(name: str) -> str:
    """A changed field's name as the digest writes it: ``counts`` → ``규모 · size``."""
    ko, en = FIELD_LABELS["ko"].get(name), FIELD_LABELS["en"].get(name)
    return f"{ko} · {en}" if ko and en else name


def family_text(code: str | None) -> str:
    """``smart_city`` → ``스마트도시 · smart city``; a family of the user's own keeps its name."""
    ko, en = FAMILY_LABELS["ko"].get(code or ""), FAMILY_LABELS["en"].get(code or "")
    return f"{ko} · {en}" if ko and en else (code or "–")


@dataclass
class Desk:
    config: Config
    db: Database
    outbox: Path
    tokens: Tokens
    admin_token: str | None
    templates: Environment = field(init=False)

    def __post_init__(self) -> None:
        env = Environment(
            loader=PackageLoader("web", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=without_display_tricks,
        )
        env.globals.update(
            stage_text=stage_text,
            family_text=family_text,
            field_text=field_text,
            stage_codes=tuple(STAGE_LABELS["ko"]),
            family_codes=FAMILY_NAMES,
        )
        env.filters["http_url"] = http_url
        env.filters["value_text"] = lambda value: format_value(value, "ko")
        self.templates = env

    def render(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        page = self.templates.get_template(template).render(request=request, **context)
        return HTMLResponse(page, status_code=status_code)


def make_desk(config: Config, db: Database, outbox: Path, env: Mapping[str, str] | None = None) -> Desk:
    environ = os.environ if env is None else env
    admin = (environ.get(ENV_ADMIN_TOKEN) or "").strip() or None
    if admin is not None and len(admin) < MIN_ADMIN_TOKEN:
        raise ValueError(f"{ENV_ADMIN_TOKEN} is too short: use at least {MIN_ADMIN_TOKEN} random characters")
    return Desk(config=config, db=db, outbox=outbox, tokens=tokens_for(config, environ), admin_token=admin)


def desk(request: Request) -> Desk:
    found: Desk = request.app.state.desk
    return found
