"""A fixture world for backfill and coverage: outlets of several CMS families, a portal search with
date parameters and a city's press-release board, publishing five years of articles (2020-2024) plus
a few before the window and a few of the last days.

- 한빛일보 (NDSoft, 경기도): plan steps of 수원시, 용인시 and 화성시, ordinary news, list rows with dates;
- 달구벌일보 (``/web/view.php?key=``, 대구·경북): plan steps of 대구광역시, 수성구 and 포항시;
- 동해신문 (``/page/view/N``, 강원): plan steps of 속초시, and 강릉시's steps the day after 강릉시 announced
  them — not configured as a source: the portal is the only way to its articles;
- 강릉시's press-release board (eGovFrame): its own releases of 강릉시's steps, on the day of each step
  (the news follows a day later: one event, two sources);
- 누리 검색 (a portal news search): every plan article of the outlets, searched by query and date range
  (``ds``/``de``), ten results a page, newest first.

``World.expected_plans`` is what the timelines must hold: per government, phase → [(event, date)].
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

from .articles import FixtureArticle
from .families import FAMILIES, NDSOFT, Family, family_routes
from .plan_news import PlanStep, ordinary_article, plan_article
from .server import LoggedRequest, Page, Route

SINCE = date(2020, 1, 1)
QUERY = "4차 산업혁명"
PORTAL_PER_PAGE = 10


@dataclass(frozen=True)
class Outlet:
    name: str
    family: Family
    province: str
    steps: tuple[PlanStep, ...]
    ordinary: tuple[tuple[int, str, date], ...]  # key, municipality, day


def _steps(base: int, municipality: str, place: str, years: tuple[int, ...]) -> list[PlanStep]:
    """Two plans (phase 1 and 2) of one government: kickoff, interim and final report of each."""
    out: list[PlanStep] = []
    for phase, year in enumerate(years, start=1):
        for i, (event, month) in enumerate((("plan_kickoff", 2), ("plan_interim_report", 6), ("plan_final_report", 11))):
            key = base + phase * 10 + i
            out.append(PlanStep(key, municipality, place, event, date(year, month, 3 + (key % 20)), phase))
    return out


def _ordinary(base: int, towns: tuple[str, ...], today: date) -> list[tuple[int, str, date]]:
    days = [date(2019, 6, 10), date(2019, 11, 20)]  # before the window: never to be fetched
    days += [date(2020 + y, 1 + (3 * q + y) % 12, 5 + q) for y in range(5) for q in range(3)]
    days += [today - timedelta(days=d) for d in (2, 9)]  # the last 30 days
    return [(base + i, towns[i % len(towns)], d) for i, d in enumerate(days)]


def build_world(today: date) -> dict[str, Outlet]:
    hanbit_steps = _steps(1000, "수원시", "시청", (2020, 2023)) + _steps(1100, "용인시", "시청", (2021,))
    hanbit_steps += _steps(1200, "화성시", "시청", (2024,))
    hanbit_steps.append(PlanStep(1300, "안산시", "시청", "plan_kickoff", date(2019, 9, 17), 1))  # before the window
    dalgu_steps = _steps(2000, "대구광역시", "시청", (2020, 2024)) + _steps(2100, "수성구", "구청", (2022,))
    dalgu_steps += _steps(2200, "포항시", "시청", (2021,))
    board_steps = _steps(4000, "강릉시", "시청", (2021,))
    donghae_steps = _steps(3000, "속초시", "시청", (2022,))
    donghae_steps += [replace(s, key=s.key - 900, published=s.day + timedelta(days=1), reporter="최동해")
                      for s in board_steps]
    return {
        "hanbit": Outlet("한빛일보", NDSOFT, "경기도", tuple(hanbit_steps),
                         tuple(_ordinary(1500, ("수원시", "용인시", "성남시"), today))),
        "dalgu": Outlet("달구벌일보", FAMILIES["web-view-php"], "대구광역시", tuple(dalgu_steps),
                        tuple(_ordinary(2500, ("대구광역시", "경산시"), today))),
        "donghae": Outlet("동해신문", FAMILIES["page-view"], "강원특별자치도", tuple(donghae_steps),
                          tuple(_ordinary(3500, ("속초시",), today))),
        "board": Outlet("강릉시", FAMILIES["egov-bbs"], "강원특별자치도", tuple(board_steps), ()),
    }


@dataclass
class World:
    today: date
    outlets: dict[str, Outlet] = field(default_factory=dict)
    bases: dict[str, str] = field(default_factory=dict)  # outlet key → http://127.0.0.1:PORT

    def articles(self, key: str) -> list[FixtureArticle]:
        outlet = self.outlets[key]
        out = [plan_article(s) for s in outlet.steps]
        out += [ordinary_article(k, town, day) for k, town, day in outlet.ordinary]
        return out

    def url(self, key: str, article: FixtureArticle) -> str:
        return self.bases[key] + self.outlets[key].family.article_path(article.key)

    def routes(self, key: str) -> dict[str, Route]:
        outlet = self.outlets[key]
        return family_routes(outlet.family, self.bases[key], self.articles(key), outlet.name)

    def in_window(self, article: FixtureArticle) -> bool:
        return date.fromisoformat(article.date) >= SINCE

    def plan_articles(self, keys: tuple[str, ...] = ("hanbit", "dalgu", "donghae", "board")) -> dict[str, FixtureArticle]:
        """URL → every plan article of the window the world published."""
        return {self.url(k, a): a for k in keys for a in self.articles(k) if a.relevant and self.in_window(a)}

    def expected_plans(self) -> dict[tuple[str, int], list[tuple[str, str]]]:
        """(municipality, phase) → [(event type, ISO date)] in date order, for the plans of the window."""
        out: dict[tuple[str, int], list[tuple[str, str]]] = {}
        for outlet in self.outlets.values():
            for step in outlet.steps:
                event = (step.event, step.day.isoformat())
                if step.day >= SINCE and event not in out.get((step.municipality, step.phase), []):
                    out.setdefault((step.municipality, step.phase), []).append(event)
        return {k: sorted(v, key=lambda e: e[1]) for k, v in out.items()}

    # --- the portal ------------------------------------------------------------------------------

    def portal_route(self, request: LoggedRequest) -> Page:
        params = dict(parse_qsl(urlsplit(request.target).query, keep_blank_values=True))
        try:
            since = date.fromisoformat(params["ds"].replace(".", "-"))
            until = date.fromisoformat(params["de"].replace(".", "-"))
            page = int(params.get("page", "1"))
        except (KeyError, ValueError):
            return Page(b"<html><body>bad request</body></html>", status=400, headers={"Content-Type": "text/html"})
        words = params.get("query", "").split()
        hits = []
        for key in ("hanbit", "dalgu", "donghae"):
            for a in self.articles(key):
                text = a.title + " " + " ".join(a.paragraphs)
                if all(w in text for w in words) and since <= date.fromisoformat(a.date) <= until:
                    hits.append((a.published, self.url(key, a), a, self.outlets[key].name))
        hits.sort(key=lambda h: (h[0], h[1]), reverse=True)
        shown = hits[(page - 1) * PORTAL_PER_PAGE : page * PORTAL_PER_PAGE]
        e = html.escape
        rows = "\n".join(
            f'<li><div class="news_wrap"><a class="news_tit" href="{e(url)}">{e(a.title)}</a>'
            f'<div class="info_group"><span class="press">{e(name)}</span><span class="info">{a.date.replace("-", ".")}.</span>'
            f'</div><div class="dsc">{e(a.paragraphs[0][:60])}</div></div></li>'
            for _, url, a, name in shown
        )
        more = '<a class="btn_next" href="#">다음</a>' if page * PORTAL_PER_PAGE < len(hits) else ""
        body = f"""<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>{e(" ".join(words))} : 누리 뉴스검색</title></head>
<body><div id="header"><form><input name="query" value="{e(" ".join(words))}"></form></div>
<ul class="list_news">{rows or '<li class="empty">검색결과가 없습니다.</li>'}</ul>
<div class="sc_page">{more}</div></body></html>"""
        return Page(body.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"})


def world_config(world: World, portal: str) -> str:
    """The planwatch.toml of the world: two outlets, the board and the portal (동해신문 is not a source)."""
    board_url = world.bases["board"] + FAMILIES["egov-bbs"].list_path(1).replace("pageIndex=1", "pageIndex={page}")
    search = (f"{portal}/search?where=news&query={{query}}&ds={{since:%Y.%m.%d}}&de={{until:%Y.%m.%d}}"
              f"&page={{page}}")
    return f"""
[crawl]
allow_private_addresses = true
delay = 0
autothrottle = false
retries = 0
timeout = 10
max_articles = 400

[[source]]
name = "hanbit"
preset = "ndsoft"
url = "{world.bases['hanbit']}"
provinces = ["경기"]

[[source]]
name = "dalgu"
preset = "web-view-php"
url = "{world.bases['dalgu']}"
provinces = ["대구", "경북"]

[[source]]
name = "gangneung-press"
preset = "egov-bbs"
url = "{board_url}"
provinces = ["강원"]
silent_after = "7d"

[[source]]
name = "nuri-search"
type = "search"
url = "{search}"
queries = ["{QUERY}"]
window = "92d"
list_items = "ul.list_news li"
article_links = "a.news_tit"
"""
