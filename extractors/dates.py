"""Dates as Korean news writes them, resolved against the publication date.

Reports name days relative to when they are printed: ``지난 16일`` (this month, or the
previous one when 16 is after the publication day), ``24일``, ``31일(월)``, ``오는 5일``
(the future), ``지난달 28일``, ``5월 24일`` (the year that puts it closest to
publication), ``2월 중`` and ``최근`` (month precision). ``find_dates`` returns every
such expression with its resolved date, its precision and whether the sentence uses
it for the announcement (``…했다고 20일 밝혔다``) rather than for the event.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta

Precision = str  # day | month | year

# One table, tried in order at each position; the first that matches wins.
# Group names: y (year), m (month), d (day), dir (지난/오는 direction), rel (relative month).
DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(r"(?P<y>(?:19|20)\d{2})\s?년\s?(?P<m>\d{1,2})\s?월\s?(?P<d>\d{1,2})\s?일")),
    ("ymd", re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})[.-]\s?(?P<m>\d{1,2})[.-]\s?(?P<d>\d{1,2})(?![\d~-])")),
    ("ym", re.compile(r"(?P<y>(?:19|20)\d{2})\s?년\s?(?P<m>\d{1,2})\s?월(?!\s?\d{1,2}\s?일)")),
    ("rel_md", re.compile(r"(?P<rel>지난\s?달|지난\s?월|전달|다음\s?달|내달|이달|이번\s?달)\s?(?P<d>\d{1,2})\s?일(?!\s?(?:간|동안))")),
    ("rel_m", re.compile(r"(?P<rel>지난\s?달|다음\s?달|내달|이달|이번\s?달)\s?(?:초|중순|말|중|께)?")),
    ("md", re.compile(r"(?:(?P<dir>지난|오는)\s?)?(?<!\d)(?P<m>\d{1,2})\s?월\s?(?P<d>\d{1,2})\s?일(?!\s?(?:간|동안))")),
    ("d", re.compile(r"(?:(?P<dir>지난|오는)\s?)?(?<![\d.월~-])(?P<d>\d{1,2})\s?일(?!\s?(?:간|동안|째|분|만에|이내|전))(?:\s?\([월화수목금토일]\))?")),
    ("m", re.compile(r"(?:(?P<dir>지난|오는|올해|올)\s?)?(?<![\d.~-])(?P<m>\d{1,2})\s?월(?!\s?\d)(?:\s?(?:초|중순|말|중|께|경))?")),
    ("recent", re.compile(r"최근|얼마\s?전")),
    ("yesterday", re.compile(r"어제")),
)
# Where a date expression can begin: trying the table only there keeps this fast.
DATE_STARTS = re.compile(r"(?<!\d)\d|지난|오는|다음|내달|이달|이번|전달|최근|얼마|어제|올해|올")
ANNOUNCE_AFTER = re.compile(r"\s{0,2}(?:밝혔다|밝혔으며|밝혔고|전했다|알렸다|발표했다|설명했다)")


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    date: date
    precision: Precision
    announcement: bool = False  # "…했다고 20일 밝혔다": when it was said, not when it happened
    vague: bool = False  # 최근: the month of publication, known only roughly


def find_dates(text: str, published: date) -> list[DateMention]:
    """Every date expression in ``text``, left to right, resolved against ``published``."""
    out: list[DateMention] = []
    end = 0
    for start in DATE_STARTS.finditer(text):
        if start.start() < end:
            continue
        hit = _match_at(text, start.start(), published)
        if hit is not None:
            out.append(hit)
            end = hit.end
    return out


def _match_at(text: str, pos: int, published: date) -> DateMention | None:
    for kind, pattern in DATE_PATTERNS:
        m = pattern.match(text, pos)
        if m is None or m.end() == m.start():
            continue
        if pos > 0 and kind in ("d", "m", "md", "recent") and text[pos - 1].isdigit():
            continue
        resolved = _resolve(kind, m, published)
        if resolved is None:
            continue
        when, precision = resolved
        announce = bool(ANNOUNCE_AFTER.match(text, m.end()))
        return DateMention(m.start(), m.end(), m.group(), when, precision, announce, kind == "recent")
    return None


def _resolve(kind: str, m: re.Match[str], pub: date) -> tuple[date, Precision] | None:
    g = m.groupdict()
    try:
        if kind == "ymd":
            return date(int(g["y"]), int(g["m"]), int(g["d"])), "day"
        if kind == "ym":
            return date(int(g["y"]), int(g["m"]), 1), "month"
        if kind in ("rel_md", "rel_m"):
            shift = _relative_month_shift(g["rel"])
            y, mo = _add_months(pub.year, pub.month, shift)
            if kind == "rel_m":
                return date(y, mo, 1), "month"
            return date(y, mo, int(g["d"])), "day"
        if kind == "md":
            return _closest_year(int(g["m"]), int(g["d"]), pub, g.get("dir")), "day"
        if kind == "d":
            return resolve_day(int(g["d"]), pub, g.get("dir")), "day"
        if kind == "m":
            direction = g.get("dir")
            if direction in ("올해", "올"):
                return date(pub.year, int(g["m"]), 1), "month"
            d = _closest_year(int(g["m"]), 1, pub.replace(day=1), direction)
            return d, "month"
        if kind == "recent":
            return pub.replace(day=1), "month"
        if kind == "yesterday":
            return pub - timedelta(days=1), "day"
    except ValueError:
        return None
    return None


def resolve_day(day: int, published: date, direction: str | None = None) -> date:
    """A day of month alone: this month, unless that would contradict the tense.

    ``지난 N일`` and a bare ``N일`` after the publication day mean the previous month
    (news rarely announces dates ahead without ``오는``); ``오는 N일`` before the
    publication day means the next month.
    """
    if not 1 <= day <= 31:
        raise ValueError(f"no day {day}")
    y, m = published.year, published.month
    if direction == "오는":
        if day < published.day:
            y, m = _add_months(y, m, 1)
    elif day > published.day:
        y, m = _add_months(y, m, -1)
    while day > monthrange(y, m)[1]:  # 31일 in a 30-day month: one more month back
        y, m = _add_months(y, m, 1 if direction == "오는" else -1)
    return date(y, m, day)


def _closest_year(month: int, day: int, pub: date, direction: str | None) -> date:
    options = []
    for y in (pub.year - 1, pub.year, pub.year + 1):
        try:
            options.append(date(y, month, day))
        except ValueError:
            continue
    if direction == "지난":
        options = [d for d in options if d <= pub] or options
    elif direction == "오는":
        options = [d for d in options if d >= pub] or options
    if not options:
        raise ValueError("no such date")
    return min(options, key=lambda d: (abs((d - pub).days), d > pub))


def _relative_month_shift(word: str) -> int:
    word = word.replace(" ", "")
    if word in ("지난달", "지난월", "전달"):
        return -1
    if word in ("다음달", "내달"):
        return 1
    return 0


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


# ---------------------------------------------------------------------------
# Printed date lines: when the page says the article was published
# ---------------------------------------------------------------------------
# A news page prints the article's own date on a line of its own, with a label, a
# byline or the outlet beside it: "입력 2019.07.04 13:03", "• 승인 2024-09-24 17:16",
# "기사등록 …", "2023년 02월 20일(월) 11:25", "김다온 기자 | 기사입력 2024/09/04 [15:48]",
# "- 경남 / 배하율 기자 / 2024-05-13 05:37:26", "2020-08-28 16면", "승인 2019년 10월 20일
# 18시 06분 | 지면게재일 2019년 10월 21일 월요일 5면". A date inside a sentence or a photo
# caption ("청사 전경. 2023.10.01.", "[사진=충남도의회] 2020.11.18") is not such a line; the outlet's
# own stamp closing a caption ("ⓒ한빛일보 2018.6.5") is read only when the page prints no date line.

PRINTED_DATE_TIME = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s?[-./년]\s?(?P<m>\d{1,2})\s?[-./월]\s?(?P<d>\d{1,2})\s?일?\.?"
    r"(?:\s?\(\s?[월화수목금토일](?:요일)?\s?\)|\s[월화수목금토일]요일)?"
    r"(?:\s{0,3}[\[(]?\s?(?:(?P<ampm>오전|오후|AM|PM|am|pm)\s?)?(?P<H>\d{1,2})\s?[:시]\s?(?P<M>\d{2})"
    r"(?:\s?[:분]\s?(?P<S>\d{2}))?(?:\s?분)?\s?[\])]?)?"
)
PUBLISHED_LABELS: tuple[str, ...] = (
    "승인", "기사승인", "등록", "기사등록", "입력", "기사입력", "발행", "발행일", "게재", "게재일", "작성", "작성일",
    "송고", "등록일", "입력일", "게시", "게시일", "전송", "기사전송", "출고", "published", "posted",
)
MODIFIED_LABELS: tuple[str, ...] = (
    "수정", "최종수정", "업데이트", "수정일", "기사수정", "최종편집", "최종편집일", "편집", "updated", "modified",
)
LABEL_AFTER = re.compile("|".join(sorted(map(re.escape, PUBLISHED_LABELS + MODIFIED_LABELS), key=len, reverse=True)))
# What a date line may hold besides its dates: labels, a byline, the outlet, a page number.
PAGE_NUMBER = re.compile(r"(?:A|B)?\d{1,3}\s?면")
LINE_BYLINE = re.compile(r"[가-힣]{2,4}\s?(?:기자|특파원|통신원)")
LINE_EXTRAS = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,80}|(?:댓글|조회수?|추천|공감)\s?:?\s?[\d,]{1,9}")
DATE_LINE_REST = re.compile(r"^[\s:|\[\](),.·•/\-–가-힣A-Za-z]*$")
SENTENCE_END = re.compile(r"(?:다|요|니다)\s?[.!?]?\s*$")
DATE_LINE_MAX_CHARS = 100
DATE_LINE_MAX_REST_LETTERS = 24


# The outlet's own stamp closing a photo caption, with the day it was taken for the article:
# "… 회의가 진행되고 있다. (제공: 충남도) ⓒ한빛일보(한빛뉴스) 2018.6.5". A date after a source's
# credit ("[사진=충남도의회] 2020.11.18") or a file photo's ("청사 전경. 2023.10.01.") is not this.
OUTLET_STAMP_DATE = re.compile(
    r"(?:ⓒ|©)\s?(?:[가-힣]{1,8}(?:일보|신문|신보|뉴스|타임스|방송|미디어|저널|매일)|[A-Za-z][A-Za-z0-9]{1,15})"
    r"(?:\s?\([^()\n]{1,20}\))?\s{1,3}(?P<date>" + PRINTED_DATE_TIME.pattern + r")\s*$"
)


def outlet_stamp_date(text: str) -> datetime | None:
    """The date of the outlet's own stamp at the end of a caption line, or None."""
    m = OUTLET_STAMP_DATE.search(text)
    if m is None:
        return None
    printed = PRINTED_DATE_TIME.match(text, m.start("date"))
    return parse_printed_date(printed) if printed else None


def printed_date_line(text: str) -> bool:
    """Whether ``text`` is a line that prints the article's date(s), not a sentence that holds one."""
    if len(text) > DATE_LINE_MAX_CHARS or PRINTED_DATE_TIME.search(text) is None:
        return False
    if SENTENCE_END.search(text):  # "… 7월 1일 꾸린 바 있다.": a sentence
        return False
    rest = PRINTED_DATE_TIME.sub(" ", text)
    rest = LINE_BYLINE.sub(" ", PAGE_NUMBER.sub(" ", LINE_EXTRAS.sub(" ", rest)))
    if not DATE_LINE_REST.match(rest):
        return False
    letters = sum(ch.isalpha() for ch in rest)
    return letters <= DATE_LINE_MAX_REST_LETTERS


def printed_dates(text: str) -> list[tuple[str, datetime]]:
    """[(kind, datetime)] for each date of a line: kind "published", "modified" or "plain" by its label."""
    found: list[tuple[str, datetime]] = []
    for match in PRINTED_DATE_TIME.finditer(text):
        when = parse_printed_date(match)
        if when is None:
            continue
        before = "".join(text[max(0, match.start() - 12): match.start()].split()).lower().rstrip(":[(")
        kind = "plain"
        if any(label in before for label in MODIFIED_LABELS) and not before.endswith(("기사등록", "등록")):
            kind = "modified"
        if before.endswith(PUBLISHED_LABELS):
            kind = "published"
        found.append((kind, when))
    if found and all(kind == "plain" for kind, _ in found):
        found = _labelled_after(text, found)
    return found


def _labelled_after(text: str, found: list[tuple[str, datetime]]) -> list[tuple[str, datetime]]:
    """"2019.07.04 13:03 입력 | 2019.07.05 09:00 수정": labels printed after their dates."""
    out = []
    matches = [m for m in PRINTED_DATE_TIME.finditer(text) if parse_printed_date(m) is not None]
    for (kind, when), match in zip(found, matches):
        after = "".join(text[match.end(): match.end() + 8].split()).lower()
        label = LABEL_AFTER.match(after)
        if label:
            kind = "modified" if label.group(0) in MODIFIED_LABELS else "published"
        out.append((kind, when))
    return out


def parse_printed_date(match: re.Match[str]) -> datetime | None:
    """The datetime of a ``PRINTED_DATE_TIME`` match (midnight when no time is printed)."""
    try:
        hour = int(match.group("H") or 0)
        if match.group("ampm") in ("오후", "PM", "pm") and hour < 12:
            hour += 12
        if match.group("ampm") in ("오전", "AM", "am") and hour == 12:
            hour = 0
        return datetime(int(match.group("y")), int(match.group("m")), int(match.group("d")), hour,
                        int(match.group("M") or 0), int(match.group("S") or 0))
    except (TypeError, ValueError):
        return None
