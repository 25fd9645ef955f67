"""Turning a Digest into a subject, a text part and an HTML part (Jinja2, then css-inline).

Templates come from ``digest.template_dir`` first, then from the package's
``alerts/templates/``; a user overrides one file by writing one with the same name.
HTML templates are autoescaped (everything crawled is text, never markup); the text
and subject templates are not, since they are not HTML. Links reach a template
already filtered (``SourceLink.href`` is http(s) or None) and the ``http_url`` filter
is there for templates that build their own. CSS is written in a ``<style>`` block
and inlined into ``style=`` attributes, since mail clients drop style blocks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import css_inline
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
)
from markupsafe import Markup

from alerts.digest import Digest, http_url, shorten
from alerts.labels import labels_for
from alerts.subscribers import clean_text

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
SUBJECT_TEMPLATE = "subject.txt.j2"
SUBJECT_CHARS = 200
# Characters that make a text display as something else: direction embeddings, overrides
# and isolates ("\u202emoc.elpmaxe" shows as "example.com"), and invisible ones that
# split a word. Crawled text reaches templates with them; no part of a digest keeps them.
# Any one value a template prints is cut to this many characters: a crawled title of a
# million characters makes a long line, not a message no server takes. Longer than any
# stored URL (2048), so a link is never cut.
FIELD_CHARS = 2100
DISPLAY_TRICKS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff"))

_INLINER = css_inline.CSSInliner(
    keep_style_tags=False,
    keep_at_rules=True,  # the small-screen @media rule stays in a <style> block
    load_remote_stylesheets=False,
    keep_link_tags=False,
)


class RenderError(Exception):
    """A template could not be rendered; one line naming the template."""


@dataclass
class RenderedDigest:
    subject: str
    text: str
    html: str


def without_display_tricks(value: object) -> object:
    """Every ``{{ value }}`` of every template passes here (Jinja's ``finalize``): bounded, no tricks."""
    if isinstance(value, Markup):
        return Markup(str(value).translate(DISPLAY_TRICKS))
    if isinstance(value, str):
        return shorten(value, FIELD_CHARS).translate(DISPLAY_TRICKS)
    return value


def _autoescape(name: str | None) -> bool:
    return name is None or name.endswith((".html.j2", ".html", ".htm"))


@functools.lru_cache(maxsize=8)
def template_environment(template_dir: str | None = None) -> Environment:
    loaders: list[BaseLoader] = []
    if template_dir:
        loaders.append(FileSystemLoader(str(Path(template_dir).expanduser())))
    loaders.append(PackageLoader("alerts", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=without_display_tricks,
    )
    env.filters["http_url"] = http_url
    return env


def _context(digest: Digest) -> dict[str, object]:
    return {"d": digest, "t": labels_for(digest.language)}


def render_template(env: Environment, name: str, context: dict[str, object]) -> str:
    try:
        return env.get_template(name).render(context)
    except TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}" if getattr(exc, "lineno", None) else name  # type: ignore[attr-defined]
        raise RenderError(f"template {where}: {exc.message or type(exc).__name__}") from None


def render_subject(env: Environment, digest: Digest) -> str:
    """One header-safe line: no CR/LF or other control characters, bounded length."""
    return clean_text(render_template(env, SUBJECT_TEMPLATE, _context(digest)), SUBJECT_CHARS)


def inline_css(html: str) -> str:
    return _INLINER.inline(html)


def render_digest(digest: Digest, template_dir: str | None = None) -> RenderedDigest:
    env = template_environment(template_dir)
    context = _context(digest)
    html = inline_css(render_template(env, HTML_TEMPLATE, context))
    text = render_template(env, TEXT_TEMPLATE, context)
    return RenderedDigest(subject=render_subject(env, digest), text=text, html=html)
