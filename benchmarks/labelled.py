"""The labelled-text format of the development set and the seed fixtures.

One UTF-8 ``.txt`` per article: ``key: value`` header lines, a line ``---``, then the
body (one paragraph per line). Article keys: ``title``, ``subtitle``, ``published``
(``YYYY-MM-DD HH:MM``), ``outlet``, ``author``. Every other key is an expected value:

- ``relevant``: yes | no
- ``municipality``, ``province``, ``event`` (an EVENT_TYPES name), ``event_date``
  (``YYYY-MM-DD`` or ``YYYY-MM``), ``plan_title``, ``family``, ``phase``, ``vision``
- ``period``: ``2025-2029``
- ``counts`` / ``previous_counts``: ``strategies=4 tasks=10 projects=29`` (``-`` for none)
- ``items``: the number of listed items; ``committee_size``; ``partners``: comma list

A key that is absent is not checked; ``-`` means "expected to be empty".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from planwatch.records import Article

ARTICLE_KEYS = ("title", "subtitle", "published", "outlet", "author")


@dataclass
class LabelledText:
    path: Path
    article: Article
    expected: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.stem


def read_labelled(path: Path) -> LabelledText:
    raw = path.read_text("utf-8")
    if "\n---\n" not in raw:
        raise ValueError(f"{path}: no '---' line between header and body")
    header, body = raw.split("\n---\n", 1)
    meta: dict[str, str] = {}
    for n, line in enumerate(header.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if ":" not in line:
            raise ValueError(f"{path}:{n}: expected 'key: value', got {line!r}")
        key, value = line.split(":", 1)
        meta[key.strip()] = value.strip()
    published = datetime.strptime(meta["published"], "%Y-%m-%d %H:%M") if meta.get("published") else None
    article = Article(
        title=meta.get("title", ""),
        text=body.strip(),
        subtitle=meta.get("subtitle") or None,
        published=published,
        outlet=meta.get("outlet") or None,
        author=meta.get("author") or None,
        origin=str(path),
    )
    expected = {k: v for k, v in meta.items() if k not in ARTICLE_KEYS}
    return LabelledText(path, article, expected)


def read_dir(directory: Path) -> list[LabelledText]:
    return [read_labelled(p) for p in sorted(directory.glob("*.txt"))]
