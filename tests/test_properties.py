"""Hostile input, as properties: whatever a page, a file or a configuration holds, each stage
either answers or says no in one documented line, in bounded time, and its answer keeps its
invariants.

Stages and what is checked (hypothesis generates the input; its ``deadline`` catches a hang):

* text clean-up (``capture_to_article`` on text captures): only ``ExtractionError`` escapes,
  with a one-line message; every kept paragraph, the title and the author are pieces of the
  page's own (normalized) lines; the content hash is the hash of the text.
* HTML extraction (``capture_to_article`` on generated pages with scripts, comments, entities,
  deep nesting, broken tags): only ``ExtractionError``; nothing of a ``<script>``/``<style>``
  reaches the text; every paragraph is text the page shows.
* plan extraction (``extract_plan`` on Korean text mixing plan vocabulary: 제N기, (YYYY-YYYY),
  ▲ lists, counts, dates, place names): never raises; the municipality is an official name of
  the gazetteer in its province; periods run forward and at most 20 years; counts and phases
  are positive and bounded; the event is one of ``EVENT_TYPES``; items and partners are
  pieces of the text.
* dates (``find_dates``, ``resolve_day``): mentions are ordered, disjoint slices of the text;
  a bare day lies within a month of publication, before it unless 오는 says after.
* configuration (``parse_config`` on random TOML-ish text and on random values for every known
  key): only ``ConfigError``, one line starting with the file name; for a known key, the line
  is the key's own (or its table's) and the message names the key.
* WARC reading (``read_captures`` on random, truncated and corrupted archives): only
  ``Capture`` and ``CaptureProblem`` values, never an exception.
* URLs (``canonicalize_url``, ``url_host``): only ``ValueError``; the canonical form is https,
  without fragment or tracking parameters, and canonicalizing it again changes nothing.
* decoding (``decode_page``): only ``DecodeError``; Korean text encoded in UTF-8, CP949 or
  EUC-KR comes back exactly; no U+FFFD appears that the bytes did not encode.

``PLANWATCH_HYPOTHESIS_PROFILE=thorough`` runs ten times the examples (the default ``ci``
profile keeps the file within about half a minute).
"""

from __future__ import annotations

import base64
import gzip
import html
import io
import json
import os
import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from extractors.article import HTML_START, ExtractionError, capture_to_article, content_hash
from extractors.dates import find_dates, resolve_day
from extractors.encoding import DecodeError, decode_page
from extractors.gazetteer import load_gazetteer
from extractors.plan import MAX_PERIOD_YEARS, extract_plan
from extractors.textclean import normalize_text
from extractors.urls import TRACKING_PARAMS, canonicalize_url, url_host
from planwatch.captures import CaptureProblem, read_captures
from planwatch.config import ConfigError, parse_config
from planwatch.records import EVENT_TYPES, Article, Capture

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=400)
PROFILE = settings.get_profile(os.environ.get("PLANWATCH_HYPOTHESIS_PROFILE", "ci"))

GAZETTEER = load_gazetteer()
OFFICIAL = {(g.name, g.province) for g in GAZETTEER.governments}
PLACE_WORDS = sorted(
    {g.name for g in GAZETTEER.governments}
    | {n for g in GAZETTEER.governments for n in g.other_names}
    | {g.short for g in GAZETTEER.governments if g.short}
)
MAX_COUNT = 999  # counts are read as one to three digits

# ---------------------------------------------------------------------------
# Text strategies
# ---------------------------------------------------------------------------

# Characters pages really contain, including the awkward ones: zero-width and
# direction marks, NBSP and ideographic space, full-width forms, CR, NUL, a lone
# replacement character.
ODD_CHARS = "\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\ufeff\u00a0\u3000\r\t\x00\x0b\x0c\ufffd\u2028"
hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
any_char = st.one_of(
    hangul,
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
    st.sampled_from("▲▶△①②③·‘’“”「」『』()[]<>.,!?-~=/@#%&*|:;\"' \n" + ODD_CHARS),
)

PLAN_WORDS = (
    "4차 산업혁명", "4차산업혁명", "제4차 산업혁명", "스마트도시", "스마트 시티", "디지털 전환", "인공지능",
    "데이터", "종합계획", "기본계획", "마스터플랜", "추진계획", "시행계획", "로드맵", "수립", "연구용역",
    "착수보고회", "중간보고회", "최종보고회", "용역", "위원회", "4차산업혁명위원회", "공동위원장으로", "위원장은",
    "업무협약", "협약을 체결했다", "협약에는", "이 참여했다", "비전으로", "목표로", "확정했다", "의결했다",
    "조례", "제정", "개최했다", "열었다", "밝혔다.", "고 말했다.", "전략", "과제", "세부사업", "실행과제",
    "▲", "▶", "△", "①", "·", ",", ".", " ", " ", " ", "\n", "\n\n", "‘", "’", "“", "”", "(", ")", "~",
    "올해부터", "내년부터", "향후", "년간", "까지", "지난", "오는", "이달", "지난달", "최근", "어제", "당초",
    "에서", "로 확대", "명으로 구성", "명이 참석", "은", "는", "이", "가", "을", "를", "와", "과", "의",
    "기자", "김삼철 기자", "news@example.kr", "ⓒ 중도일보 무단전재 및 재배포 금지", "많이 본 뉴스", "관련기사",
    "대전환", "중구", "광주", "고성군", "동구", "서구",
)
numbers = st.integers(min_value=0, max_value=3000)
years = st.integers(min_value=1890, max_value=2110)


@st.composite
def plan_token(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 12))
    n = draw(numbers)
    if kind == 0:
        return f"제{draw(st.integers(0, 120))}기 "
    if kind == 1:
        sep = draw(st.sampled_from(["-", "~", "–", "년부터 ", "년~"]))
        return f"({draw(years)}{sep}{draw(st.one_of(years, st.integers(0, 99)))})"
    if kind == 2:
        return f"{n}{draw(st.sampled_from(['대 ', '개 ', '가지 ', '']))}{draw(st.sampled_from(['전략', '과제', '사업', '분야', '실행과제', '세부사업']))}"
    if kind == 3:
        return f"{draw(st.integers(0, 14))}월 {draw(st.integers(0, 40))}일"
    if kind == 4:
        return f"{draw(st.sampled_from(['지난 ', '오는 ', '']))}{draw(st.integers(0, 40))}일"
    if kind == 5:
        return f"{draw(years)}년 {draw(st.integers(0, 14))}월"
    if kind == 6:
        return f"{draw(years)}.{draw(st.integers(0, 14))}.{draw(st.integers(0, 40))}"
    if kind == 7:
        return f"{draw(st.sampled_from(['향후 ', '앞으로 ', '내년부터 ', '올해부터 ', f'{draw(years)}년부터 ']))}{draw(st.integers(0, 60))}년간"
    if kind == 8:
        return f"위원 {n}명"
    if kind == 9:
        return draw(st.sampled_from(PLACE_WORDS)) + draw(st.sampled_from(["", "은 ", "는 ", "와 ", "시장은 ", " "]))
    if kind == 10:
        return draw(st.text(any_char, max_size=12))
    return draw(st.sampled_from(PLAN_WORDS))


plan_text = st.lists(plan_token(), max_size=60).map("".join)
page_text = st.one_of(plan_text, st.text(any_char, max_size=600))


def one_line(message: str) -> bool:
    return len(message.splitlines()) == 1 and bool(message.strip())


# ---------------------------------------------------------------------------
# Text clean-up
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _loaded_libraries() -> None:
    """The first HTML page loads trafilatura's and htmldate's tables (seconds): not a hang."""
    page = "<html><head><meta charset='euc-kr'></head><body><article><p>안양시는 계획을 세웠다.</p></article></body></html>"
    for codec in ("utf-8", "cp949"):
        _article_or_reason(Capture(body=page.encode(codec), kind="html", url="https://news.example.kr/a"))


def _article_or_reason(capture: Capture) -> Article | str:
    try:
        return capture_to_article(capture)
    except ExtractionError as exc:
        assert one_line(str(exc)), repr(str(exc))
        return str(exc)


@PROFILE
@given(st.lists(st.one_of(plan_text, st.text(any_char, max_size=120)), min_size=1, max_size=25), st.booleans())
@example(["안양시, 4차 산업혁명 종합계획 수립", "입력 2024.09.24 17:16", "안양시는 24일 시청에서 제2기 4차 산업혁명 "
          "촉진 종합계획 수립 중간보고회를 열었다고 밝혔다. 이번 계획은 3대 전략 15개 과제로 구성됐다.",
          "김삼철 기자 news1003@example.kr"], False)
def test_text_clean_up_keeps_only_pieces_of_the_page(lines: list[str], crlf: bool) -> None:
    text = ("\r\n" if crlf else "\n").join(lines)
    body = text.encode("utf-8")
    assume(not HTML_START.match(body[:1024]))
    result = _article_or_reason(Capture(body=body, kind="text", url="https://news.example.kr/a?idxno=1"))
    if isinstance(result, str):
        return
    page = normalize_text(decode_page(body)[0])
    for paragraph in result.text.split("\n"):
        assert paragraph and paragraph in page, paragraph
    assert result.title.removesuffix("…").rstrip() in page
    assert result.author is None or result.author in page
    assert result.content_hash == content_hash(result.text)
    assert result.canonical_url == "https://news.example.kr/a?idxno=1"


@PROFILE
@given(st.binary(max_size=3000))
def test_any_bytes_as_a_text_capture_are_an_article_or_one_line(body: bytes) -> None:
    _article_or_reason(Capture(body=body, kind="text"))


# ---------------------------------------------------------------------------
# HTML extraction
# ---------------------------------------------------------------------------

SCRIPT_MARK = "스크립트표식"


@st.composite
def html_page(draw: st.DrawFn) -> str:
    """A news-like page: metadata, menus, the article in random wrappers, scripts and junk."""
    esc = html.escape
    title = draw(st.text(any_char, max_size=80))
    paragraphs = draw(st.lists(page_text, min_size=1, max_size=8))
    depth = draw(st.integers(0, 60))
    wrappers = "".join(draw(st.sampled_from(["<div>", "<div class='x'>", "<section>", "<span>", "<b>"])) for _ in range(depth))
    body_parts = []
    for p in paragraphs:
        inner = esc(p).replace("\n", draw(st.sampled_from(["<br>", "<br/>", "\n", " "])))
        tag = draw(st.sampled_from(["p", "div", "h2", "span"]))
        body_parts.append(f"<{tag}>{inner}</{tag}>")
        if draw(st.booleans()):
            body_parts.append(draw(st.sampled_from([
                f"<script>var a = \"{SCRIPT_MARK}\"; if (a < 1) {{ document.write('<p>{SCRIPT_MARK}</p>'); }}</script>",
                f"<style>p::after {{ content: '{SCRIPT_MARK}'; }}</style>",
                "<!-- 주석 -- <p>comment</p> -->",
                "<p>&amp;&lt;&#x1F600;&#0;&#xD800;&#99999999;&nbsp;&unknown;</p>",
                "<img src=x onerror=alert(1)>",
                "<p><b><i>unclosed",
                "</div></div></span>",
                "<![CDATA[ x ]]>",
                "<?php echo 1; ?>",
            ])))
    junk_head = draw(st.sampled_from(["", "<meta charset='euc-kr'>", "<base href='javascript:alert(1)'>",
                                      f"<meta property='og:title' content='{esc(title)}'>",
                                      "<link rel='canonical' href='//evil.example/x'>",
                                      "<link rel='canonical' href='http://[news.example.kr/a'>"]))
    return (
        f"<!doctype html><html><head><title>{esc(title)}</title>{junk_head}"
        f"<meta property='og:site_name' content='중도일보'></head><body><nav><a href='/'>홈</a> 정치 경제</nav>"
        f"{wrappers}<article>{''.join(body_parts)}</article>{'</div>' * depth}"
        f"<script>{SCRIPT_MARK}</script></body></html>"
    )


def visible_text(page: str) -> str:
    """What a reader sees of the page, without any whitespace (the comparison ignores layout)."""
    tree = lxml.html.document_fromstring(page.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    for el in tree.xpath("//script|//style"):
        el.drop_tree()
    return "".join(normalize_text(tree.text_content()).split())


@PROFILE
@given(html_page(), st.sampled_from(["utf-8", "cp949"]))
def test_html_extraction_keeps_to_the_text_a_reader_sees(page: str, codec: str) -> None:
    body = page.encode(codec, errors="replace")
    result = _article_or_reason(Capture(body=body, kind="html", url="https://news.example.kr/news/articleView.html?idxno=7"))
    if isinstance(result, str):
        return
    assert SCRIPT_MARK not in result.text
    shown = visible_text(body.decode(codec))
    for paragraph in result.text.split("\n"):
        squeezed = "".join(paragraph.split()).removeprefix("-")
        assert squeezed in shown or squeezed.strip("|") in shown, paragraph


def test_a_canonical_link_that_does_not_parse_is_ignored() -> None:
    """Found by benchmarks/fuzz.py: ``http://[…`` made urlsplit raise through the extraction."""
    lead = "안양시는 24일 4차 산업혁명 종합계획 수립 중간보고회를 열었다고 밝혔다. " * 3
    page = f"<html><head><link rel='canonical' href='http://[news.example.kr/a'></head><body><article><p>{lead}</p></article></body></html>"
    article = capture_to_article(Capture(body=page.encode(), kind="html", url="https://news.example.kr/a?idxno=1"))
    assert article.canonical_url == "https://news.example.kr/a?idxno=1"


@PROFILE
@given(st.text(any_char, max_size=400), st.integers(0, 400))
def test_broken_markup_is_an_article_or_one_line(junk: str, depth: int) -> None:
    page = "<html><body>" + "<div>" * depth + junk + "<p>" * depth + "</body>"
    _article_or_reason(Capture(body=page.encode("utf-8"), kind="html"))


# ---------------------------------------------------------------------------
# Plan extraction
# ---------------------------------------------------------------------------


@PROFILE
@given(plan_text, plan_text, st.one_of(st.none(), st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2035, 12, 31))),
       st.one_of(st.none(), st.sampled_from(["중도일보", "경인일보", "광주일보", "evil\r\nBcc: x"])))
@example("안양시는 24일 ‘제2기(2025-2029) 4차 산업혁명 촉진 종합계획’ 수립 중간보고회를 열었다. 계획은 ▲데이터 행정 "
         "▲인공지능 산업 ▲스마트 교통 등 3대 전략 15개 과제로 구성됐다.",
         "안양시, 4차 산업혁명 종합계획 중간보고회", datetime(2024, 9, 24, 17, 16), "중도일보")
def test_plan_extraction_keeps_its_invariants(text: str, title: str, published: datetime | None, outlet: str | None) -> None:
    article = Article(title=title, text=text, published=published, outlet=outlet)
    extraction = extract_plan(article)
    assert 0.0 <= extraction.relevance.score <= 1.0
    assert (extraction.plan is not None) == extraction.relevance.relevant
    whole = title + "\n" + text
    if extraction.event is not None:
        assert extraction.event.type in EVENT_TYPES
        assert extraction.event.precision in ("day", "month", "year")
        assert extraction.event.date is None or isinstance(extraction.event.date, date)
    if extraction.committee is not None:
        assert extraction.committee.size is None or 1 <= extraction.committee.size <= MAX_COUNT
    plan = extraction.plan
    if plan is None:
        return
    assert (plan.municipality, plan.province) in OFFICIAL, (plan.municipality, plan.province)
    assert (plan.period_start is None) == (plan.period_end is None)
    if plan.period_start is not None and plan.period_end is not None:
        assert 0 <= plan.period_end - plan.period_start <= MAX_PERIOD_YEARS
        assert 1900 <= plan.period_start <= 2199
    assert plan.phase is None or 1 <= plan.phase <= 99
    for counts in (plan.counts, plan.previous_counts):
        if counts is not None:
            for value in (counts.strategies, counts.tasks, counts.action_tasks, counts.projects):
                assert value is None or 1 <= value <= MAX_COUNT, counts
    for item in plan.items:
        assert item and item in whole, item
    for partner in extraction.partners:
        assert partner in whole, partner


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

published_days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


@PROFILE
@given(plan_text, published_days)
def test_date_mentions_are_ordered_slices_of_the_text(text: str, published: date) -> None:
    end = 0
    for mention in find_dates(text, published):
        assert end <= mention.start < mention.end <= len(text)
        assert text[mention.start : mention.end] == mention.text
        assert mention.precision in ("day", "month", "year")
        if mention.vague:
            assert mention.date == published.replace(day=1)
        end = mention.end


@PROFILE
@given(st.integers(-5, 40), published_days, st.sampled_from([None, "지난", "오는"]))
def test_a_bare_day_lies_within_a_month_of_publication(day: int, published: date, direction: str | None) -> None:
    if not 1 <= day <= 31:
        with pytest.raises(ValueError):
            resolve_day(day, published, direction)
        return
    resolved = resolve_day(day, published, direction)
    assert resolved.day == day
    assert abs((resolved - published).days) <= 62
    if direction == "오는":
        assert resolved >= published
    else:
        assert resolved <= published


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------

CONFIG_FILE = "planwatch-test.toml"


def config_outcome(text: str) -> str | None:
    """None when the text is a valid configuration, else the ConfigError message (checked for shape)."""
    try:
        parse_config(text, CONFIG_FILE)
    except ConfigError as exc:
        message = str(exc)
        assert one_line(message), repr(message)
        assert message.startswith(f"{CONFIG_FILE}:") or message.startswith(f"{CONFIG_FILE} "), message
        return message
    return None


toml_lines = st.lists(
    st.one_of(
        st.sampled_from(["[crawl]", "[[source]]", "[smtp]", "[digest]", "[service]", "[distributed]", "[crawl.x]",
                         "[[crawl]]", "[source]", 'name = "a"', 'type = "feed"', 'url = "https://example.kr/rss"',
                         "concurrency = 3", "a.b.c = 1", "x = [1, 'a', {b = 2}]", '"quoted key" = 1', "= 1", "[", "",
                         'preset = "ndsoft"', 'schedule = "0 0 31 2 *"', 'timezone = "America"', "recipients = []"]),
        st.text(any_char, max_size=40),
    ),
    max_size=20,
).map("\n".join)


@PROFILE
@given(toml_lines)
def test_any_configuration_text_loads_or_is_one_line(text: str) -> None:
    config_outcome(text)


BASE_CONFIG = {
    "crawl": {"concurrency": 4, "per_domain": 2, "delay": 1.0, "user_agent": "planwatch-test", "timeout": 30,
              "max_page_bytes": 2000000, "retries": 3, "retry_backoff": 1.0, "max_retry_after": 300, "max_pages": 5,
              "max_articles": 200, "extract_workers": 2, "autothrottle": True, "obey_robots": True,
              "allow_private_addresses": False},
    "source": {"name": "a", "type": "feed", "url": "https://example.kr/rss", "schedule": "30m", "enabled": True,
               "allowed_domains": ["example.kr"], "article_url_pattern": "idxno=\\d+", "encoding": "utf-8",
               "include": ["news"], "exclude": ["photo"], "max_articles": 50, "max_pages": 3, "selectors": {},
               "queries": [], "preset": "ndsoft", "article_links": "a.title", "next_page": "a.next"},
    "smtp": {"url": "smtp://mailer@127.0.0.1:2525", "sender": "planwatch <alerts@example.kr>", "timeout": 10},
    "digest": {"recipients": ["team@example.kr"], "daily_at": "08:00", "weekly_on": "mon", "timezone": "Asia/Seoul",
               "silent_after": "3d", "retry_after": "5m"},
    "service": {"timezone": "Asia/Seoul", "default_schedule": "1h", "jitter": "5m", "misfire_grace": "1h",
                "housekeeping": "1d", "keep_raw_days": 90, "keep_runs": 1000, "crawl_timeout": "30m",
                "shutdown_timeout": "60s", "failing_after": "1d", "parallel_crawls": 2, "digest_schedule": "0 8 * * *"},
    "distributed": {"redis_url": "redis://127.0.0.1:6379/0", "key_prefix": "planwatch", "idle_timeout": "60s",
                    "lease": "2m", "poll_interval": 1.0, "article_ttl": "30d", "round_ttl": "7d", "max_reclaims": 3},
}
KNOWN_KEYS = [(section, key) for section, keys in BASE_CONFIG.items() for key in keys]


def toml_value(value: object) -> str:
    """A TOML literal (JSON strings are TOML basic strings; nested lists and tables recurse)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else ("nan" if value != value else "inf")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(value)


def config_text(overrides: dict[tuple[str, str], str]) -> tuple[str, dict[tuple[str, str], int]]:
    """The base configuration with some values replaced; also where each key is written."""
    lines: list[str] = []
    where: dict[tuple[str, str], int] = {}
    for section, keys in BASE_CONFIG.items():
        lines.append(f"[[{section}]]" if section == "source" else f"[{section}]")
        where[(section, "")] = len(lines)
        for key, value in keys.items():
            lines.append(f"{key} = {overrides.get((section, key), toml_value(value))}")
            where[(section, key)] = len(lines)
        lines.append("")
    return "\n".join(lines) + "\n", where


def test_the_base_configuration_is_valid() -> None:
    assert config_outcome(config_text({})[0]) is None


json_values = st.recursive(
    st.one_of(st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
              st.text(any_char, max_size=30), st.dates(), st.datetimes()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)

HOSTILE_STRINGS = (
    "", " ", "0", "-1", "99999999999999999999", "1e400", "nan", "30x", "0s", "-5m", "61 * * * *", "* * * * * *",
    "0 0 31 2 *", "*/0 * * * *", "America", "Asia/Seoul/../../etc/passwd", "a" * 300, "not-an-address",
    "a@b@c", "team@localhost", "ftp://example.kr/", "https://", "https:// example.kr", "http://[::1", "javascript:alert(1)",
    "smtp://user:secret@host", "redis://:pw@127.0.0.1/0", "a{99999999999}", "(((", "a[[[", "//div[", "ndsoft",
    "wordpress", "euc-kr-x", "{query}", "{page}", "25:00", "8", "\x00", "line\nbreak",
)


@PROFILE
@given(st.sampled_from(KNOWN_KEYS), st.one_of(json_values.map(toml_value), st.sampled_from(HOSTILE_STRINGS).map(toml_value)))
@example(("digest", "timezone"), '"America"')
@example(("service", "timezone"), '"' + "a" * 300 + '"')
@example(("source", "include"), '["a{99999999999}"]')
@example(("source", "schedule"), '"0 0 31 2 *"')
def test_a_wrong_value_for_a_known_key_is_one_line_naming_file_line_and_key(key: tuple[str, str], value: str) -> None:
    text, where = config_text({key: value})
    message = config_outcome(text)
    if message is None:
        return
    section, name = key
    line = int(re.match(rf"{re.escape(CONFIG_FILE)}:(\d+): ", message).group(1))  # type: ignore[union-attr]
    assert line in (where[key], where[(section, "")]), message
    assert name in message or (line == where[(section, "")] and section in message), message


# ---------------------------------------------------------------------------
# WARC reading
# ---------------------------------------------------------------------------


def _warc_bytes(compressed: bool) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=compressed)
    for i, ctype in enumerate(["text/html; charset=utf-8", "application/rss+xml", "text/html"]):
        body = f"<html><body><p>안양시 {i}번째 기사 본문이다.</p></body></html>".encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        record = writer.create_warc_record(f"https://news.example.kr/a?idxno={i}", "response",
                                           payload=io.BytesIO(body), http_headers=headers)
        writer.write_record(record)
    return out.getvalue()


WARCS = {False: _warc_bytes(False), True: _warc_bytes(True)}


def read_all(data: bytes, suffix: str) -> list[Capture | CaptureProblem]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"capture{suffix}"
        path.write_bytes(data)
        return list(read_captures(path))


def test_the_intact_archives_give_their_html_pages() -> None:
    for compressed, data in WARCS.items():
        found = read_all(data, ".warc.gz" if compressed else ".warc")
        assert [c.url for c in found if isinstance(c, Capture)] == [
            "https://news.example.kr/a?idxno=0", "https://news.example.kr/a?idxno=2"
        ]


# Found by benchmarks/fuzz.py: a Content-Length so large that warcio's reader overflows.
OVERFLOWING_WARC = base64.b64decode(
    "V0FSQy8xLjAiCldBUkMtVHlwZTogcmVzcG9uc2UNCldBUkMtZjU0Zj4NCldBUkMtVGFyZ2V0LVVSSTogaHR0cHM6Ly9uZXcHAQAA"
    "AAA/ZG5peG89MQ0KQ29udGVudC1MZW5ndGg6IDEzMA0KDQpIVFRQLzEuMTIgME9LMCANCkNvbnRlbnQtKVR5cDsgbXNndHlwZT1y"
    "ZXJlc3BvAAABvJCRi5qRlC1MZW5ndGg6IDEzMA0KDQpIVFRQL2R5PjxwPuyViOyWkeyLnCAw67KI7Ke4IOq4sOyCrCDrs7jrrLjs"
    "nbTri6QuPC9wPjwvYm9keT48L2h0bWw+DQoNCldBUkMvMS4wDQpXQVJDLVR5cGU6IHJlc3BvbnNlDQpXQVJDLVJlYw0KV0FSQy1U"
    "YXJnZXQtVVJJOiBodHRwczovL25ld3MuZXhhbXBsZS5rci9hP2lkeG5vPTANCldBUkMtRGF0ZTogMjAywS0xMS35+fn5+fn5+fn5"
    "+TIyVDA0OjE2OjI3Wg0KV0FSQy1QS1daS1pSTFpHV0oAAAAAAAAAAA0KVwEAQy1CbG9jay1uL2h0dHA7IG1zZ3R5cGU9cmVzcG9u"
    "c2UNCkNvbnRlbnQtTGVuZ3RoOiAxMzAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw"
    "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMA0KDQpIVFRQLzEuMSAyMDAgT0sNCkNvbnRl"
    "bnQtVHlwZTogdGV4dC9odG1sOyBjaGFyc2V0PXV0Zi04DQoNCjxodG1sPjxib2R5PjxwPuyViOyWkeyLnCAw67KI7Ke4IOq4sOyC"
    "rCDrs7jrrLjsnbTri6QuPC9wPjwvYm9keT48L2h0bWw+DQoNCldBUkMvMS4wDQpXQVJDLVR5cGU6IHJlc3BvbnNlDQpXQVJDLVJl"
    "Y29yZC1JRDogPHVybjp1dWkmOmYxNDRkYTQwLWU1NzQtNGY1Ny04ZjJmPg0KV0FSQy1UYXJnZXQtVVJJOiBoWU4yWVJHTE5WWjVX"
    "DQpDb250ZW50LVR5cGVpY2F0aQo="
)


def test_an_overflowing_record_length_is_a_problem() -> None:
    found = read_all(OVERFLOWING_WARC, ".warc")
    assert found and isinstance(found[-1], CaptureProblem), found


@st.composite
def damaged_warc(draw: st.DrawFn) -> tuple[bytes, str]:
    compressed = draw(st.booleans())
    data = bytearray(WARCS[compressed])
    how = draw(st.sampled_from(["cut", "flip", "splice", "random", "regzip"]))
    if how == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif how == "splice":
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(max_size=200))
    elif how == "random":
        data = bytearray(draw(st.binary(max_size=2000)))
    else:
        data = bytearray(gzip.compress(bytes(data)[: draw(st.integers(0, len(data)))]))
    return bytes(data), ".warc.gz" if compressed or how == "regzip" else ".warc"


@PROFILE
@given(damaged_warc())
def test_a_damaged_archive_gives_captures_and_problems_never_an_exception(damaged: tuple[bytes, str]) -> None:
    data, suffix = damaged
    for item in read_all(data, suffix):
        assert isinstance(item, (Capture, CaptureProblem))
        if isinstance(item, CaptureProblem):
            assert one_line(item.reason), item.reason


# ---------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------

url_text = st.one_of(
    st.text(any_char, max_size=80),
    st.builds(
        lambda scheme, host, path, query, frag: f"{scheme}{host}{path}{query}{frag}",
        st.sampled_from(["https://", "http://", "HTTP://", "//", "", "ftp://", "javascript:", "mailto:", "https:///"]),
        st.sampled_from(["news.example.kr", "WWW.Example.KR.", "한국.kr", "127.0.0.1:8080", "[::1]", "[::1:80",
                         "user:pw@host.kr", "host.kr:99999", "xn--3e0b707e.kr", "", "a..b"]),
        st.sampled_from(["", "/", "/news/articleView.html", "/a/../b/./c/", "/%ED%95%9C", "/한글 경로", "//x"]),
        st.lists(st.sampled_from(["idxno=1", "utm_source=x", "fbclid=y", "pk_no=3", "pk_campaign=z", "a=%zz",
                                  "b=한", "=", "&&", "c"]), max_size=4).map(lambda q: ("?" + "&".join(q)) if q else ""),
        st.sampled_from(["", "#comment", "#", "#a#b"]),
    ),
)


def _tracking(name: str) -> bool:
    key = name.lower()
    return any(key.startswith(p) if p.endswith("_") else key == p for p in TRACKING_PARAMS)


@PROFILE
@given(url_text)
@example("\ufffd/;/")  # found by benchmarks/fuzz.py: a trailing empty parameter list
def test_canonical_urls_are_https_without_tracking_and_stable(url: str) -> None:
    url_host(url)  # never raises
    try:
        canonical = canonicalize_url(url)
    except ValueError:
        return
    parts = urlsplit(canonical)
    assert parts.scheme == "https" and parts.hostname and not parts.fragment
    assert not any(_tracking(k) for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    assert canonicalize_url(canonical) == canonical
    assert url_host(canonical) is not None


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------

korean_page = st.lists(
    st.one_of(hangul, st.sampled_from(list("abcXYZ0123 .,<>\"'=/\n!?()·‘’"))), min_size=1, max_size=300
).map("".join)
# Enough Korean to tell CP949 from Big5 or GB18030 without a declaration: two or three
# Hangul syllables alone are valid in several East Asian codecs, an article never is.
korean_article = st.lists(hangul, min_size=30, max_size=200).flatmap(
    lambda syllables: st.lists(st.sampled_from([" ", ". ", "\n", "(2025-2029) ", "4차 ", "AI "]), min_size=len(syllables),
                               max_size=len(syllables)).map(lambda seps: "".join(a + b for a, b in zip(syllables, seps)))
)
charset_labels = st.sampled_from(
    [None, "utf-8", "UTF8", "euc-kr", "EUC-KR", "cp949", "ks_c_5601-1987", "iso-8859-1", "windows-1252", "ascii",
     "shift_jis", "gb2312", "utf-16", "x-unknown", "", "'utf-8'", "utf-8; foo"]
)


def decode_or_reason(body: bytes, headers: dict[str, str]) -> tuple[str, str] | None:
    try:
        return decode_page(body, headers)
    except DecodeError as exc:
        assert one_line(str(exc))
        return None


@PROFILE
@given(korean_article, st.sampled_from(["utf-8", "cp949", "euc-kr"]), st.booleans())
@example("가나다 본문", "cp949", True)
def test_korean_text_decodes_back_exactly_without_a_declaration(text: str, codec: str, meta: bool) -> None:
    try:
        encoded = text.encode(codec)
    except UnicodeEncodeError:
        assume(False)
    # Python writes syllables outside KS X 1001 in EUC-KR as eight-byte jamo sequences;
    # browsers (and planwatch, reading EUC-KR as CP949) show those as jamo, not as the syllable.
    assume(codec != "euc-kr" or encoded == text.encode("cp949"))
    if meta:
        encoded = f"<meta charset='{codec}'>".encode() + encoded
        text = f"<meta charset='{codec}'>" + text
    assert decode_page(encoded, {})[0] == text


@PROFILE
@given(st.one_of(st.binary(max_size=2000), korean_page.map(lambda t: t.encode("cp949", errors="replace"))), charset_labels,
       st.one_of(st.none(), charset_labels))
def test_decoding_any_bytes_is_text_or_one_line(body: bytes, header: str | None, override: str | None) -> None:
    headers = {"content-type": f"text/html; charset={header}"} if header is not None else {}
    try:
        decoded = decode_page(body, headers, override)
    except DecodeError as exc:
        assert one_line(str(exc))
        return
    text, codec = decoded
    try:
        strict = body.decode(codec)
    except UnicodeDecodeError:
        return  # the tolerated last resort: a couple of broken characters, removed
    if "\ufffd" in text:
        assert "\ufffd" in strict  # the bytes themselves encode U+FFFD
    assert text in (strict, strict.lstrip("\ufeff"))
