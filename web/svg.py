"""Pictures drawn on the server as SVG: a tile map of the 17 provinces, a grid of a province's
municipalities, and a timeline of events.

Every picture is plain markup (no script): tiles are links, each shape has a ``<title>``, and
the pages print the same facts as text beside it. Every text reaching a picture is escaped
here (``markupsafe.escape``), since the result is inserted into pages as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from markupsafe import Markup, escape

# (column, row) of each province on a 4 × 6 grid, roughly where it lies.
PROVINCE_TILES: dict[str, tuple[int, int]] = {
    "서울특별시": (1, 0),
    "강원특별자치도": (2, 0),
    "인천광역시": (0, 1),
    "경기도": (1, 1),
    "충청북도": (2, 1),
    "경상북도": (3, 1),
    "충청남도": (0, 2),
    "세종특별자치시": (1, 2),
    "대전광역시": (2, 2),
    "대구광역시": (3, 2),
    "전북특별자치도": (0, 3),
    "경상남도": (2, 3),
    "울산광역시": (3, 3),
    "광주광역시": (0, 4),
    "전라남도": (1, 4),
    "부산광역시": (2, 4),
    "제주특별자치도": (0, 5),
}
SHORT_NAMES: dict[str, str] = {
    "서울특별시": "서울", "부산광역시": "부산", "대구광역시": "대구", "인천광역시": "인천", "광주광역시": "광주",
    "대전광역시": "대전", "울산광역시": "울산", "세종특별자치시": "세종", "경기도": "경기", "강원특별자치도": "강원",
    "충청북도": "충북", "충청남도": "충남", "전북특별자치도": "전북", "전라남도": "전남", "경상북도": "경북",
    "경상남도": "경남", "제주특별자치도": "제주",
}
SHADES: tuple[str, ...] = ("#eef1f5", "#c7d7ea", "#8fb0d6", "#4f7fb8", "#123c69")
TEXT_ON: tuple[str, ...] = ("#4b5a6a", "#1f2933", "#111a24", "#ffffff", "#ffffff")
EVENT_COLOURS: dict[str, str] = {
    "ordinance": "#6b7785",
    "committee_launch": "#8a3b00",
    "plan_kickoff": "#1d4ed8",
    "plan_interim_report": "#4f7fb8",
    "plan_final_report": "#123c69",
    "plan_adopted": "#135f2e",
    "committee_meeting": "#b45309",
    "mou": "#7c3aed",
    "other": "#9aa5b1",
}
TILE, GAP = 64, 6


def shade_index(count: int, highest: int) -> int:
    """0 for none, then four steps up to the busiest tile."""
    if count <= 0 or highest <= 0:
        return 0
    return min(len(SHADES) - 1, 1 + (count - 1) * (len(SHADES) - 1) // max(highest, 1))


@dataclass(frozen=True)
class Tile:
    name: str
    label: str
    column: int
    row: int
    count: int
    href: str


def province_tiles(counts: Mapping[str, int], link: Mapping[str, str]) -> list[Tile]:
    """The 17 tiles; ``link`` holds the other filters each tile's link keeps."""
    return [
        Tile(name, SHORT_NAMES[name], col, row, counts.get(name, 0), "/?" + urlencode({**link, "province": name}))
        for name, (col, row) in PROVINCE_TILES.items()
    ]


def municipality_tiles(names: Sequence[str], counts: Mapping[str, int], columns: int = 6) -> list[Tile]:
    """A province's municipalities in rows of ``columns``, in the gazetteer's order."""
    return [
        Tile(name, name, i % columns, i // columns, counts.get(name, 0), "/?" + urlencode({"municipality": name}))
        for i, name in enumerate(names)
    ]


def tile_map(tiles: Sequence[Tile], title: str, *, tile: int = TILE, font: int = 15, unit: str = "건") -> Markup:
    """An SVG grid of linked, shaded tiles with a count in each."""
    if not tiles:
        return Markup("")
    highest = max(t.count for t in tiles)
    width = (max(t.column for t in tiles) + 1) * (tile + GAP)
    height = (max(t.row for t in tiles) + 1) * (tile + GAP)
    parts = [
        f'<svg class="tilemap" role="img" aria-labelledby="tm-title" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="tm-title">{escape(title)}</title>',
    ]
    for t in tiles:
        step = shade_index(t.count, highest)
        x, y = t.column * (tile + GAP), t.row * (tile + GAP)
        label = t.label if len(t.label) <= 5 else t.label[:4] + "…"
        parts.append(
            f'<a href="{escape(t.href)}"><title>{escape(t.name)}: {t.count}{escape(unit)}</title>'
            f'<rect x="{x}" y="{y}" width="{tile}" height="{tile}" rx="6" fill="{SHADES[step]}" stroke="#9aa5b1"/>'
            f'<text x="{x + tile / 2}" y="{y + tile / 2 - 2}" text-anchor="middle" font-size="{font}" '
            f'fill="{TEXT_ON[step]}">{escape(label)}</text>'
            f'<text x="{x + tile / 2}" y="{y + tile / 2 + font + 2}" text-anchor="middle" font-size="{font - 2}" '
            f'fill="{TEXT_ON[step]}">{t.count}</text></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Mark:
    """One event on a timeline."""

    day: date
    label: str  # what the event is, in words
    kind: str  # the event type, for its colour
    href: str | None = None


def timeline(marks: Sequence[Mark], title: str, *, width: int = 640, row: int = 22) -> Markup:
    """Events along a line of years, one row per event, newest last."""
    if not marks:
        return Markup("")
    ordered = sorted(marks, key=lambda mark: mark.day)
    first, last = ordered[0].day.year, ordered[-1].day.year + 1
    left, right, top = 12, 12, 28
    span = max((date(last, 1, 1) - date(first, 1, 1)).days, 1)
    height = top + row * len(ordered) + 10

    def x_of(day: date) -> float:
        return left + (day - date(first, 1, 1)).days / span * (width - left - right)

    parts = [
        f'<svg class="timeline" role="img" aria-labelledby="tl-title" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="tl-title">{escape(title)}</title>',
        f'<line x1="{left}" y1="{top - 8}" x2="{width - right}" y2="{top - 8}" stroke="#9aa5b1"/>',
    ]
    years = range(first, last + 1)
    every = max(1, len(years) // 8)
    for year in years[::every]:
        x = x_of(date(year, 1, 1))
        if x > width - right - 30:
            continue  # the closing year's label would run off the picture
        parts.append(f'<line x1="{x:.1f}" y1="{top - 12}" x2="{x:.1f}" y2="{height}" stroke="#e3e8ee"/>')
        parts.append(f'<text x="{x + 2:.1f}" y="{top - 14}" font-size="11" fill="#6b7785">{year}</text>')
    for i, mark in enumerate(ordered):
        x, y = x_of(mark.day), top + row * i + row / 2
        colour = EVENT_COLOURS.get(mark.kind, EVENT_COLOURS["other"])
        text_x = x + 8 if x < width * 0.6 else x - 8
        anchor = "start" if x < width * 0.6 else "end"
        dot = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"><title>{escape(mark.label)}</title></circle>'
            f'<text x="{text_x:.1f}" y="{y + 4:.1f}" font-size="12" text-anchor="{anchor}" fill="#1f2933">'
            f"{escape(mark.day.isoformat())} {escape(mark.label)}</text>"
        )
        parts.append(f'<a href="{escape(mark.href)}">{dot}</a>' if mark.href else dot)
    parts.append("</svg>")
    return Markup("".join(parts))
