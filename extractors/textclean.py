"""Page text → article: the Korean clean-up shared by text captures and HTML extraction.

A news page reduced to text is, top to bottom: menus and breadcrumbs, the title
(often twice), subtitle lines, date and byline, photo captions, the article's
paragraphs, the reporter's sign-off and the copyright line, share/print widgets,
then blocks of other news (랭킹뉴스, 많이 본 뉴스, 헤드라인 뉴스, 포토뉴스, section
lists, advertisers) and a comment box. ``clean_page_text`` classifies every line
with the tables below, walks those zones, keeps the article's paragraphs (once
each) and reads title, subtitle, author, publication time, outlet and printed URL
from the header and the trailer, never from the blocks of other news.

All rules are data: the tables at the top of this module. A rule is written for
the phenomenon (a ranking block is a heading from BLOCK_HEADINGS followed by other
headlines), never for one page.

Two rules are read from Korean news pages and apply only to a page whose text is
Korean (``is_korean_text``): the header zone, which runs until the first Korean
sentence and holds title, subtitle, date and byline, and the printed article
address on a line of its own. On other pages the extracted text starts with the
body (a repeated title is still dropped), so a short lead line or a heading above
the first long sentence is article text, and a bare URL is a link of the article.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from extractors.dates import (
    PRINTED_DATE_TIME,
    outlet_stamp_date,
    parse_printed_date,
    printed_date_line,
    printed_dates,
)
from extractors.outlets import is_outlet_name, outlet_for_domain, outlet_from_copyright, outlet_from_email

# ---------------------------------------------------------------------------
# Rule tables. Line keys are compared with all whitespace removed, lower-case.
# ---------------------------------------------------------------------------

# Share/print/navigation widgets. After the article has started, one of these
# means the article text is over (they sit between the body and the page's footer).
WIDGET_LINES: frozenset[str] = frozenset(
    k.replace(" ", "").lower()
    for k in (
        "기사 메일전송", "메일전송", "기사수정", "기사 수정", "기사삭제", "가가", "가 가", "글자크기", "글씨크기",
        "글자 크기 조절", "본문 글씨 키우기", "본문 글씨 줄이기", "목록", "목록 바로가기", "목록으로", "인쇄",
        "인쇄하기", "프린트", "모바일 버전 바로가기", "PC버전", "PC 버전", "기자의 다른기사 보기",
        "기자의 다른 기사 보기", "이 기자의 다른 기사", "이전 기사 보기", "다음 기사 보기",
        "이전 기사 보기 다음 기사 보기", "이전기사", "다음기사", "스크랩", "기사 스크랩", "기사저장", "북마크",
        "공유", "공유하기", "SNS 공유", "기사 공유하기", "페이스북", "트위터", "카카오톡", "카카오스토리",
        "네이버밴드", "밴드", "URL복사", "URL 복사", "링크복사", "주소복사", "기사 URL이 복사되었습니다.",
        "좋아요", "싫어요", "추천", "추천하기", "구독", "구독하기", "기자 구독", "닫기", "맨위로", "TOP",
        "음성으로 듣기", "기사 듣기", "듣기", "원문보기", "기사원문", "번역", "댓글쓰기", "입력", "수정",
        "저작권자 ⓒ", "이메일", "메일", "카카오톡 공유", "페이스북 공유", "트위터 공유",
    )
)

# Dropped wherever they appear, without ending the article: counters, ad labels.
NOISE_LINES: frozenset[str] = frozenset(
    k.replace(" ", "").lower() for k in ("광고", "AD", "|", "▶", "ⓒ", "Advertisement", "사진", "사진 확대", "영상")
)
NOISE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^\d{1,4}$"),  # lone like/comment counters: "0"
    re.compile(r"^\d{1,4}\s?/\s?\d{2,5}$"),  # "0/1000" character counters
    re.compile(r"^(?:!\[[^\]]{0,300}\]\([^)]{0,1000}\)\s*)+\|?\s*$"),  # stray image markup: "![]() ![]() |"
    re.compile(r"^[|·•\-–—=_*~\s]{1,20}$"),  # rules and table debris
    re.compile(r"^(?:\$\$|\{\{|%%)[A-Za-z0-9_]{1,40}(?:\$\$|\}\}|%%)$"),  # template slots: "$$ARTICLEAD$$"
    # the page's weather widget: "• 맑음서울 26.6℃ • 흐림부산 27.2℃", "기상청 제공"
    re.compile(r"^(?:[•·]?\s?(?:맑음|흐림|구름\s?많음|구름\s?조금|비|눈|소나기|안개|황사)\s?[가-힣]{2,4}\s?-?\d{1,2}(?:\.\d)?\s?℃\s*){1,30}+$"),
    re.compile(r"^기상청\s?제공$"),
)

# Lines that announce "the rest is not this article" (sharing, tags, sources).
WIDGET_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"퍼가실\s?때는|고유\s?링크|기사\s?주소\s?복사|단축\s?URL|URL이\s?복사"),
    re.compile(r"^기사의\s?섹션\s?정보는"),
    re.compile(r"^(?:태그|Tags?|키워드)\s?[:#]"),
    re.compile(r"^#\S{1,30}(?:\s#\S{1,30}){0,20}$"),  # hashtag rows
)

# Headings of the blocks of other news and of comment boxes. Everything from such a
# heading on is not the article (unless the article demonstrably resumes after it).
BLOCK_HEADINGS: frozenset[str] = frozenset(
    k.replace(" ", "").lower()
    for k in (
        "랭킹뉴스", "뉴스랭킹", "많이 본 뉴스", "많이 본 기사", "가장 많이 본 뉴스", "가장 많이 본 기사",
        "많이 읽은 기사", "많이 읽은 뉴스", "실시간 인기기사", "인기기사", "인기뉴스", "헤드라인 뉴스",
        "이 시각 헤드라인", "실시간 뉴스", "최신뉴스", "최신기사", "최근기사", "포토뉴스", "포토", "이슈포토",
        "많이 본 포토", "영상뉴스", "HOT ISSUE", "핫이슈", "지난 기획시리즈", "기획시리즈", "주요뉴스",
        "주요기사", "오늘의 주요뉴스", "이 시각 주요뉴스", "분야별 주요뉴스", "섹션별 인기기사", "관련기사",
        "관련뉴스", "관련 기사", "추천기사", "추천뉴스", "에디터 추천", "함께 보면 좋은 기사",
        "이 기사와 함께 많이 본 기사", "당신이 놓친 뉴스", "베스트 클릭", "나도 한마디", "댓글", "전체댓글",
        "독자의견", "독자 의견", "댓글 0", "기자의 다른기사", "오피니언", "Most Read", "Related",
    )
)
BLOCK_HEADING_SUFFIXES: tuple[str, ...] = ("더보기", "more", "+", ">", "›", "»", "전체보기")

# Items of such blocks: numbered headlines, truncated summaries, bullet lists.
NUMBERED_ITEM = re.compile(r"^\d{1,2}[.)]\s")
TRUNCATED = re.compile(r"(?:\.\.|…|\.\.\.)\s*$")

# Menus and breadcrumbs printed above the title.
SECTION_NAMES: frozenset[str] = frozenset(
    k.replace(" ", "").lower()
    for k in (
        "전국", "수도권", "정치", "경제", "사회", "문화", "오피니언", "사람들", "기획연재", "스포츠", "연예",
        "국제", "지역", "생활", "과학", "IT", "IT/과학", "교육", "행정", "의회", "포토", "영상", "사설", "칼럼",
        "전체기사", "뉴스", "홈", "HOME", "종합", "자치", "지방자치", "자치행정", "경기", "인천", "서울", "대전",
        "세종", "충남", "충북", "광주", "전남", "전북", "부산", "울산", "경남", "대구", "경북", "강원", "제주",
        "산업", "기업", "금융", "부동산", "증권", "라이프", "건강", "여행", "피플", "인물", "기획", "특집",
        "시군", "시·군", "시정", "도정", "행정·자치", "정치·행정", "사회일반", "경제일반", "지역뉴스", "메뉴",
        "로그인", "회원가입", "검색", "전체메뉴", "구독신청", "PDF", "지면보기",
    )
)
BREADCRUMB = re.compile(r"^[가-힣A-Za-z·/&]{1,12}(?:\s?[>›»]\s?[가-힣A-Za-z·/&]{1,12}){1,6}$")

# Byline roles: "김삼철 기자", "홍길동 특파원", "칼럼니스트 박생강".
BYLINE_ROLES: tuple[str, ...] = (
    "선임기자", "수습기자", "객원기자", "인턴기자", "전문기자", "기자", "특파원", "논설위원", "편집위원",
    "칼럼니스트", "통신원", "리포터", "객원논설위원", "기자단", "시민기자",
)
_ROLE = "(?:" + "|".join(BYLINE_ROLES) + ")"
_EMAIL = r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){0,4}[A-Za-z]{0,12}"
# Header byline, sometimes printed twice: "김삼철 기자김삼철 기자", "박준석 기자 외 1명".
HEADER_BYLINE = re.compile(
    rf"^(?P<name>[가-힣]{{2,4}})\s?(?P<role>{_ROLE})(?:\s?(?P=name)\s?(?P=role)){{0,2}}"
    rf"(?:\s?외\s?\d{{1,2}}\s?명)?(?:\s{{0,3}}{_EMAIL})?$"
)
# Sign-off closing the article: "안양=김삼철 기자 news1003@", "/광양=김대수 기자 kds@kwangju.co.kr",
# "부산=선수민 기자 sunsoo@...", "정덕현 칼럼니스트 thekian1@...", "칼럼니스트 박생강 pillgoo9@...".
SIGNOFF = re.compile(
    rf"^[/\[(\s]{{0,3}}(?:(?P<place>[가-힣A-Za-z]{{1,10}})\s?=\s?)?(?:(?P<org>[가-힣A-Za-z]{{2,12}})\s)?"
    rf"(?:(?P<name>[가-힣]{{2,4}})\s?(?P<role>{_ROLE})|(?P<role2>{_ROLE})\s(?P<name2>[가-힣]{{2,4}}))"
    rf"(?:\s{{0,3}}[,/]?\s{{0,3}}(?P<email>{_EMAIL}))?[\])\s]{{0,3}}$"
)
# The same sign-off glued to the last sentence: "...처리했다.부산=선수민 기자 sunsoo@sportschosun.com".
TRAILING_SIGNOFF = re.compile(
    rf"(?<=[.!?\"”’'])\s{{0,3}}/?(?:[가-힣]{{1,10}}\s?=\s?)?(?P<name>[가-힣]{{2,4}})\s?{_ROLE}"
    rf"(?:\s{{0,3}}(?P<email>{_EMAIL}))?\s*$"
)
EMAIL_LINE = re.compile(rf"^[\[(<]?\s?(?:[가-힣]{{2,4}}\s)?{_EMAIL}\s?[\])>]?$")

# Copyright lines end the article and name the outlet.
COPYRIGHT_MARKERS: tuple[str, ...] = (
    "무단전재", "무단 전재", "재배포 금지", "재배포금지", "재배포 및", "저작권자", "copyright", "all rights reserved",
)
COPYRIGHT_SIGNS = re.compile(r"^[<\[(]?\s?(?:ⓒ|©|\(c\))", re.IGNORECASE)

# Dates printed on the page (the rules live in extractors.dates; HTML clean-up reads them too).
DATE_TIME = PRINTED_DATE_TIME

# Photo captions: credit lines and captions that end with a credit.
CAPTION_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^<[^<>]{1,40}제공>\s?\|?$"),  # <광양시 제공> |
    re.compile(r"^[\[(]\s?(?:사진|자료|그래픽|영상|출처)\s?[=:/]?[^\[\]()]{0,60}[\])]$"),  # [사진=JTBC, 이매진아시아]
    re.compile(r"[(<\[]\s?(?:사진|자료|그래픽)?\s?[=:]?\s?[^()<>\[\]]{1,40}\s?제공\s?[)>\]]\s?\|?$"),  # ... (부천시 제공)
    re.compile(r"(?:사진|자료|그래픽)\s?[=:/]\s?[^\s].{0,40}$"),  # ... 사진=세종시 제공
    re.compile(r"^▲.{0,300}(?:제공|사진|촬영|연합뉴스|뉴시스|뉴스1)[)\]]?$"),  # ▲4일 ... 사진=시 제공
)
# A sentence describing a photo ("... 중간보고회를 진행하고 있다.") that restates the lead.
CAPTION_SENTENCE_ENDINGS = re.compile(r"(?:고\s있다|고있다|있는\s모습|모습이다|모습)\s?\.?\s*(?:/?\s?[가-힣A-Za-z]{2,12})?$")
CAPTION_RESTATES_LEAD = 0.6  # share of its character bigrams found again in the next paragraphs

# A paragraph of prose rather than a headline: Korean sentence endings, or a long sentence.
SENTENCE_END = re.compile(r"(?:다|요|죠|까|음|임|함|됨|니다)\s?[.!?…]*[\"'”’」』)\]]*\s*$")
LATIN_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s*$")
INNER_SENTENCE = re.compile(r"다\.[\"'”’]?\s")
PROSE_MIN_CHARS = 25
LONG_LINE_CHARS = 80

# Bullets and list markers that page-to-text steps put in front of menu items.
LEADING_BULLET = re.compile(r"^(?:[•◦‣∙●○■□◆◇]|\*\s|-\s|–\s)\s*")
HANGUL = re.compile(r"[가-힣]")
LETTER = re.compile(r"[^\W\d_]")
# A page is Korean when Hangul makes at least this share of its letters: the share the
# pipeline requires of an article's text (extractors.article.MIN_HANGUL_SHARE).
KOREAN_MIN_HANGUL_SHARE = 0.3
SITE_NAME = re.compile(r"[A-Za-z0-9.\-]{2,30}|[가-힣]{2,8}(?:일보|신문|신보|뉴스|타임스|방송|미디어|저널|매일)")
URL_LINE = re.compile(r"^(?:https?://|www\.)\S{3,2000}$", re.IGNORECASE)

# Zones the resumption rule may look ahead for an end marker (bounded work per block).
MAX_BLOCK_LOOKAHEAD = 400
CAPTION_LOOKAHEAD = 6
OUTLET_CLUE_ORDER = ("copyright", "email", "url")
DUPLICATE_MIN_CHARS = 100


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


@dataclass
class ArticleParts:
    """What clean-up recovered from one page; the article stage turns it into an Article."""

    title: str = ""
    subtitle: str | None = None
    author: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    outlet: str | None = None
    url: str | None = None  # the article URL when the page prints it
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class Line:
    text: str  # stripped, bullet removed
    key: str  # whitespace removed, lower-case: for table look-ups and duplicates
    kind: str  # see classify_line
    bullet: bool = False


# ---------------------------------------------------------------------------
# Line classification
# ---------------------------------------------------------------------------


def line_key(text: str) -> str:
    return "".join(text.split()).lower()


def normalize_text(text: str) -> str:
    """NFC, unified spaces and line ends: the form every rule and hash sees."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate({0x00A0: " ", 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None, 0x3000: " "})


def is_korean_text(text: str) -> bool:
    """Whether Hangul makes at least ``KOREAN_MIN_HANGUL_SHARE`` of the letters of ``text``."""
    letters = len(LETTER.findall(text))
    return letters > 0 and len(HANGUL.findall(text)) >= KOREAN_MIN_HANGUL_SHARE * letters


def is_prose(text: str) -> bool:
    """A sentence (or several) of article text, as opposed to a headline, menu or label."""
    n = len(text)
    if n < PROSE_MIN_CHARS:
        return False
    if HANGUL.search(text):
        if SENTENCE_END.search(text):
            return True
        return n >= LONG_LINE_CHARS and INNER_SENTENCE.search(text) is not None
    return n >= 60 and LATIN_SENTENCE_END.search(text) is not None


def looks_like_site_name(text: str) -> bool:
    """"Entermedia", "news.example.kr", "중도일보": a site's name, not a headline."""
    text = text.strip()
    return is_outlet_name(text) or SITE_NAME.fullmatch(text) is not None


def is_block_heading(key: str) -> bool:
    if key in BLOCK_HEADINGS:
        return True
    for suffix in BLOCK_HEADING_SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in BLOCK_HEADINGS:
            return True
    # "Entermedia 주요뉴스": an outlet's own label in front of a block heading.
    for heading in ("주요뉴스", "많이본뉴스", "인기기사", "최신기사", "관련기사", "포토뉴스"):
        if key.endswith(heading) and len(key) <= len(heading) + 16:
            prefix = key[: -len(heading)]
            if prefix.isascii() or is_outlet_name(prefix):
                return True
    return False


def is_copyright(text: str, key: str) -> bool:
    if COPYRIGHT_SIGNS.search(text):
        return True
    lowered = text.lower()
    return len(text) <= 200 and any(marker in lowered for marker in COPYRIGHT_MARKERS)


def date_in_line(text: str) -> bool:
    """Whether a line only prints the article's (labelled) date, like "• 승인 2024-09-24 17:16"."""
    return printed_date_line(text)


def is_caption(text: str) -> bool:
    if len(text) > 400:
        return False
    for pattern in CAPTION_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        before = text[: match.start()]
        # "...라고 밝혔다.(사진=시 제공)": a sentence with a credit glued on is still article text.
        if before.rstrip().endswith(("다.", "다")) and len(before) > 40 and not text.startswith("▲"):
            continue
        return True
    return False


def _only_section_names(text: str) -> bool:
    """A menu line of section names separated by spaces: ``사회 전국``, ``경제 · 산업``."""
    words = [w for w in re.split(r"[\s•·|]+", text) if w]
    return 2 <= len(words) <= 6 and all(w.lower() in SECTION_NAMES for w in words)


def classify_line(raw: str) -> Line:
    """Decide what one line of page text is: blank, noise, widget, block, copyright, date, ..."""
    text = raw.strip()
    bullet = False
    stripped = LEADING_BULLET.sub("", text, count=1)
    if stripped != text:
        bullet = True
        text = stripped.strip()
    key = line_key(text)
    if not key:
        return Line(text, key, "blank", bullet)
    if key in NOISE_LINES or any(p.match(text) for p in NOISE_PATTERNS):
        return Line(text, key, "noise", bullet)
    if key in WIDGET_LINES:
        return Line(text, key, "widget", bullet)
    if is_block_heading(key):
        return Line(text, key, "block", bullet)
    if any(p.search(text) for p in WIDGET_PATTERNS):
        return Line(text, key, "widget", bullet)
    if URL_LINE.match(text):
        return Line(text, key, "url", bullet)
    if is_copyright(text, key):
        return Line(text, key, "copyright", bullet)
    if len(text) <= 80 and HEADER_BYLINE.match(text):
        return Line(text, key, "byline", bullet)
    if len(text) <= 100 and SIGNOFF.match(text):
        return Line(text, key, "signoff", bullet)
    if len(text) <= 120 and EMAIL_LINE.match(text):
        return Line(text, key, "email", bullet)
    if date_in_line(text):
        return Line(text, key, "date", bullet)
    if key in SECTION_NAMES or BREADCRUMB.match(text) or _only_section_names(text):
        return Line(text, key, "breadcrumb", bullet)
    if is_caption(text):
        return Line(text, key, "caption", bullet)
    return Line(text, key, "text", bullet)


# ---------------------------------------------------------------------------
# Metadata readers
# ---------------------------------------------------------------------------


def parse_date(match: re.Match[str]) -> datetime | None:
    return parse_printed_date(match)


def dates_in_line(text: str) -> list[tuple[str, datetime]]:
    """[(label kind, datetime)] for each date on a line: "published", "modified" or "plain"."""
    return printed_dates(text)


def byline_name(line: Line) -> str | None:
    match = HEADER_BYLINE.match(line.text)
    if match:
        return match.group("name")
    match = SIGNOFF.match(line.text)
    if match:
        return match.group("name") or match.group("name2")
    return None


# ---------------------------------------------------------------------------
# The zone walk
# ---------------------------------------------------------------------------

HEADER_KINDS_SKIPPED = frozenset({"blank", "noise", "widget", "breadcrumb", "url", "email", "copyright", "block"})
END_KINDS = frozenset({"widget", "block", "copyright", "signoff", "email"})
SKIPPED_IN_BODY = frozenset({"blank", "noise", "caption", "breadcrumb", "url"})


@dataclass
class _Walk:
    lines: list[Line]
    parts: ArticleParts
    published: list[tuple[int, str, datetime]] = field(default_factory=list)
    outlet_clues: dict[str, str] = field(default_factory=dict)  # clue kind → outlet
    korean: bool = True  # the page's text is Korean: the Korean header and printed-URL rules apply


def clean_page_text(text: str, title: str | None = None) -> ArticleParts:
    """Clean page text into ArticleParts.

    ``title`` is given when the caller already knows it (HTML metadata); otherwise
    the first line that is neither menu, widget nor metadata is the title.
    """
    text = normalize_text(text)
    korean = is_korean_text(text)
    lines = [classify_line(raw) for raw in text.split("\n")]
    parts = ArticleParts()
    walk = _Walk(lines, parts, korean=korean)

    start = 0
    if title:
        parts.title = title.strip()
    else:
        start = _find_title(walk)
    body_start = _find_body_start(lines, start, korean)
    if korean and _mark_lead_caption(lines, body_start):
        body_start = _find_body_start(lines, start, korean)
    _read_header(walk, start, body_start)
    body_end = _collect_body(walk, body_start)
    _read_trailer(walk, body_end)
    if not walk.published:
        _read_labelled_dates_above(walk, start)
    if not walk.published:
        _read_outlet_stamp(walk, body_end)
    _choose_published(walk)
    _choose_outlet(walk)
    if not parts.title and parts.paragraphs:
        parts.title = _first_sentence(parts.paragraphs[0])
    return parts


def _find_title(walk: _Walk) -> int:
    """Index of the line after the title (the title itself is stored)."""
    for i, line in enumerate(walk.lines):
        if line.kind != "text" or is_outlet_name(line.text):
            continue
        if is_prose(line.text) and len(line.text) >= LONG_LINE_CHARS:
            return i  # no title printed: the text starts with the article
        walk.parts.title = line.text
        return i + 1
    return len(walk.lines)


def _find_body_start(lines: list[Line], start: int, korean: bool = True) -> int:
    """The first sentence of a Korean page; the first line of text of any other page."""
    for i in range(start, len(lines)):
        line = lines[i]
        if line.kind == "text" and (is_prose(line.text) or not korean):
            return i
    return len(lines)


def _split_title(parts: ArticleParts, repeated: str) -> str | None:
    """"Title - subtitle" printed in the head, then the title alone: split them, return the subtitle."""
    head, sep, tail = parts.title.partition(" - ")
    if sep and line_key(head) == line_key(repeated) and tail.strip():
        parts.title = head.strip()
        return None if looks_like_site_name(tail) else tail.strip()
    return None


def _read_header(walk: _Walk, start: int, body_start: int) -> None:
    parts, lines = walk.parts, walk.lines
    title_key = line_key(parts.title)
    subtitles: list[str] = []
    subtitle_keys: set[str] = set()
    for i in range(start, body_start):
        line = lines[i]
        if line.kind == "date":
            for kind, when in dates_in_line(line.text):
                walk.published.append((i, kind, when))
            continue
        if line.kind in ("byline", "signoff"):
            parts.author = parts.author or byline_name(line)
            _outlet_from_line(walk, line)
            continue
        if line.kind != "text":
            continue
        if line.key == title_key or is_outlet_name(line.text):
            continue
        tail = _split_title(parts, line.text)
        if tail:
            title_key = line_key(parts.title)
            subtitle_keys.add(line_key(tail))
            subtitles.insert(0, tail)
            continue
        if title_key and (line.key in title_key) and len(line.key) >= 6:
            continue  # the head of the title printed again
        if _is_bare_name_beside_date(lines, i):
            parts.author = parts.author or line.text
            continue
        if i + 1 < len(lines) and lines[i + 1].kind == "caption":
            continue  # a short headline glued to a photo caption is the caption's title
        if line.key in subtitle_keys:
            continue
        subtitle_keys.add(line.key)
        subtitles.append(line.text)
    if subtitles:
        parts.subtitle = "\n".join(subtitles)


def _is_bare_name_beside_date(lines: list[Line], i: int) -> bool:
    """"• 주정비" next to "• 등록 2017-08-01 ...": a byline without a role."""
    line = lines[i]
    if not re.fullmatch(r"[가-힣]{2,4}", line.text):
        return False
    return any(0 <= j < len(lines) and lines[j].kind == "date" for j in (i - 1, i + 1))


def _caption_sentence(text: str) -> bool:
    return CAPTION_SENTENCE_ENDINGS.search(text) is not None and len(text) <= 300


def _collect_body(walk: _Walk, body_start: int) -> int:
    """Keep the article's paragraphs; returns the index where the trailer starts."""
    parts, lines = walk.parts, walk.lines
    seen: set[str] = set()
    skipped = SKIPPED_IN_BODY if walk.korean else SKIPPED_IN_BODY - {"url"}
    i = body_start
    n = len(lines)
    while i < n:
        line = lines[i]
        kind = line.kind
        if kind in skipped:
            i += 1
            continue
        if kind == "date":
            for k, when in dates_in_line(line.text):
                walk.published.append((i, k, when))
            i += 1
            continue
        if kind == "byline":
            parts.author = parts.author or byline_name(line)
            i += 1
            continue
        if kind == "block":
            resume = _resume_after_block(lines, i)
            if resume is None:
                return i
            i = resume
            continue
        if kind in END_KINDS:
            return i
        text = line.text
        glued = TRAILING_SIGNOFF.search(text)
        if glued and glued.start() > 0:
            text = text[: glued.start()].rstrip()
            parts.author = parts.author or glued.group("name")
            if glued.group("email"):
                _note_outlet(walk, "email", outlet_from_email(glued.group("email")))
        key = line_key(text)
        if key and key not in seen and key != line_key(parts.title):
            if _is_duplicate_candidate(text):
                seen.add(key)
            parts.paragraphs.append(text)
        i += 1
        if glued and glued.start() > 0:
            return i
    return n


def _is_duplicate_candidate(text: str) -> bool:
    """Paragraphs whose repetition means the page printed its body twice.

    Korean sentences and long paragraphs are never repeated on purpose; short
    lines may be (a menu's "Portion: 1 cup" in every meal of a recipe page).
    """
    return len(text) >= DUPLICATE_MIN_CHARS or (HANGUL.search(text) is not None and is_prose(text))


def _resume_after_block(lines: list[Line], i: int) -> int | None:
    """Index where the article continues after an inline block, or None if it does not.

    A related-articles box can sit inside an article. The article resumes only if,
    after the block's items, prose follows and the article's own end (sign-off or
    copyright) is still to come before any other block.
    """
    j = i + 1
    limit = min(len(lines), i + MAX_BLOCK_LOOKAHEAD)
    while j < limit:
        line = lines[j]
        if line.kind in ("blank", "noise", "widget", "caption", "breadcrumb", "date", "url", "email"):
            j += 1
            continue
        if line.kind == "text" and (
            NUMBERED_ITEM.match(line.text) or line.bullet or TRUNCATED.search(line.text) or not is_prose(line.text)
        ):
            j += 1
            continue
        break
    if j >= limit or lines[j].kind != "text":
        return None
    for k in range(j + 1, limit):
        kind = lines[k].kind
        if kind in ("signoff", "copyright"):
            return j
        if kind == "block":
            return None
    return None


def _read_trailer(walk: _Walk, body_end: int) -> None:
    """Sign-off, copyright, printed URL and dates between the body and the first block."""
    parts, lines = walk.parts, walk.lines
    share_line_seen = False
    for i in range(body_end, len(lines)):
        line = lines[i]
        if line.kind == "block":
            break
        if line.kind in ("signoff", "byline"):
            parts.author = parts.author or byline_name(line)
            _outlet_from_line(walk, line)
        elif line.kind == "email":
            _outlet_from_line(walk, line)
        elif line.kind == "copyright":
            _note_outlet(walk, "copyright", outlet_from_copyright(line.text))
        elif line.kind == "widget" and WIDGET_PATTERNS[0].search(line.text):
            share_line_seen = True
        elif line.kind == "url":
            if parts.url is None or share_line_seen:
                parts.url = line.text if "://" in line.text else "http://" + line.text
        elif line.kind == "date":
            for kind, when in dates_in_line(line.text):
                walk.published.append((i, kind, when))
    if parts.url:
        _note_outlet(walk, "url", outlet_for_domain(parts.url))


def _note_outlet(walk: _Walk, clue: str, outlet: str | None) -> None:
    if outlet:
        walk.outlet_clues.setdefault(clue, outlet)


def _outlet_from_line(walk: _Walk, line: Line) -> None:
    if "@" in line.text:
        _note_outlet(walk, "email", outlet_from_email(line.text))


def _choose_outlet(walk: _Walk) -> None:
    """The copyright line names the outlet best, then the reporter's mail domain, then the printed URL."""
    for clue in OUTLET_CLUE_ORDER:
        if clue in walk.outlet_clues:
            walk.parts.outlet = walk.outlet_clues[clue]
            return


def _mark_lead_caption(lines: list[Line], body_start: int) -> bool:
    """Mark a photo caption printed above the lead ("...보고회를 진행하고 있다.") as a caption.

    Such a caption describes the photo in the present progressive and restates a
    paragraph that follows; a short headline line glued above it is its title.
    """
    prose = [i for i in range(body_start, min(len(lines), body_start + 60)) if lines[i].kind == "text"]
    prose = [i for i in prose if is_prose(lines[i].text)]
    for pos, i in enumerate(prose[:3]):
        text = lines[i].text
        if not _caption_sentence(text):
            continue
        later = [lines[j].text for j in prose[pos + 1 : pos + 1 + CAPTION_LOOKAHEAD]]
        if later and max(bigram_containment(text, other) for other in later) >= CAPTION_RESTATES_LEAD:
            lines[i].kind = "caption"
            before = lines[i - 1] if i > 0 else None
            if before is not None and before.kind == "text" and not is_prose(before.text):
                before.kind = "caption"
            return True
    return False


def bigrams(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def bigram_containment(part: str, whole: str) -> float:
    mine = bigrams(part)
    if not mine:
        return 0.0
    return len(mine & bigrams(whole)) / len(mine)


def _read_labelled_dates_above(walk: _Walk, title_end: int) -> None:
    """A labelled date printed above the title ("입력 …" before the headline) when none follows it.

    An unlabelled date up there is the site's clock ("2024-04-24 22:45 (수)"), not the article's.
    """
    for i in range(title_end):
        if walk.lines[i].kind == "date":
            walk.published += [(i, kind, when) for kind, when in dates_in_line(walk.lines[i].text) if kind != "plain"]


def _read_outlet_stamp(walk: _Walk, body_end: int) -> None:
    """No date line printed: the outlet's own stamp closing a photo caption dates the article."""
    for i in range(body_end):
        when = outlet_stamp_date(walk.lines[i].text)
        if when is not None:
            walk.published.append((i, "plain", when))
            return


def _choose_published(walk: _Walk) -> None:
    by_kind: dict[str, list[datetime]] = {"published": [], "plain": [], "modified": []}
    for _i, kind, when in sorted(walk.published, key=lambda t: t[0]):
        by_kind[kind].append(when)
    for kind in ("published", "plain"):
        if by_kind[kind]:
            walk.parts.published = by_kind[kind][0]
            break
    if by_kind["modified"]:
        walk.parts.modified = by_kind["modified"][0]
    if walk.parts.published is None and walk.parts.modified is not None:
        walk.parts.published = walk.parts.modified


def _first_sentence(text: str, limit: int = 80) -> str:
    match = re.search(r"[.!?](?:\s|$)", text[: limit * 2])
    sentence = text[: match.end()].strip() if match else text
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def clean_text_capture(text: str) -> ArticleParts:
    """A text capture (a page already reduced to text, like the seeds) → ArticleParts."""
    return clean_page_text(text)
