"""The benchmark's local news site: N Korean article pages in the shape of an NDSoft regional-news CMS.

``generate_site(root, n, base_url)`` writes, deterministically for a given seed:

- ``www/news/articleView/<idxno>.html`` — article pages (~100 KB: header menus, breadcrumb,
  share widgets, the body in ``#article-view-content-div``, byline, copyright line, ranking
  lists "많이 본 뉴스" with headline+summary items, related articles, comment box, footer),
  served at ``/news/articleView.html?idxno=<idxno>``;
- ``www/news/articleList/<page>.html`` — paginated listings (20 a page, newest first), served
  at ``/news/articleList.html?page=<page>``;
- ``www/rss/allArticle.xml`` (the newest 50), ``www/sitemap.xml`` (an index) with
  ``www/sitemap/sitemap-<k>.xml``, ``www/robots.txt`` and a home page;
- ``expected/<idxno>.txt`` — the body text each article page contains, one paragraph a line;
- ``manifest.json`` — n, seed, base URL, every article's idxno, URL, title, date and plan event.

Growing a site (``generate_site(root, n + k, ...)`` over the same root) rewrites only the
index files and adds the new articles: article *i* depends only on the seed and *i*, so
the first *n* pages stay byte-identical, which is what the incremental benchmark needs.
About 5% of the articles report a step of a local 4th-Industrial-Revolution plan.

Run ``python -m benchmarks.sitegen --pages 1000 --out benchmarks/out/site-1000``.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchmarks.newstext import NewsStory, person_name, write_article

SEED = 20240924
OUTLET = "한빛지역신문"
OUTLET_DOMAIN_MAIL = "hanbit-news.kr"
KST = timezone(timedelta(hours=9))
FIRST_PUBLISHED = datetime(2023, 1, 2, 8, 0, tzinfo=KST)
MINUTES_BETWEEN_ARTICLES = 47
FIRST_IDXNO = 30001
LISTING_PAGE_SIZE = 20
FEED_SIZE = 50
SITEMAP_CHUNK = 1000
RANKING_BUCKET = 100  # pages published in the same stretch show the same ranking lists

# Where each public URL lives on disk: (path, query argument) -> directory under www/.
# The server maps them the same way for nginx and for the Python fallback.
QUERY_ROUTES: dict[str, tuple[str, str]] = {
    "/news/articleView.html": ("idxno", "news/articleView"),
    "/news/articleList.html": ("page", "news/articleList"),
}

MENU: dict[str, tuple[str, ...]] = {
    "자치행정": ("시정", "도정", "의회", "교육청", "읍면동 소식", "인사", "부고"),
    "정치": ("국회", "정당", "선거", "지방자치", "정책"),
    "경제": ("산업", "금융", "부동산", "유통", "기업", "일자리", "소상공인"),
    "사회": ("사건사고", "법원·검찰", "복지", "보건·의료", "환경", "노동", "교통"),
    "문화": ("공연·전시", "문학·출판", "여행·축제", "종교", "방송·연예"),
    "4차산업": ("인공지능", "스마트시티", "데이터", "드론·모빌리티", "정책·계획"),
    "농업·환경": ("농업", "축산", "수산", "산림", "기후"),
    "스포츠": ("축구", "야구", "생활체육", "전국체전"),
    "교육": ("학교", "대학", "평생교육", "입시"),
    "오피니언": ("사설", "칼럼", "기고", "데스크칼럼", "기자수첩", "독자투고"),
    "포토·영상": ("포토뉴스", "영상뉴스", "카드뉴스"),
    "지역": ("수도권", "강원", "충청", "호남", "영남", "제주"),
}


@dataclass
class ArticleEntry:
    idxno: int
    url: str
    title: str
    section: str
    published: str  # ISO 8601 with the KST offset
    municipality: str
    plan_event: str | None
    lead: str


@dataclass
class SiteInfo:
    root: Path
    n: int
    base_url: str
    seed: int
    articles: list[ArticleEntry]

    @property
    def www(self) -> Path:
        return self.root / "www"

    @property
    def expected_dir(self) -> Path:
        return self.root / "expected"

    def article_url(self, idxno: int) -> str:
        return article_url(self.base_url, idxno)


def article_url(base_url: str, idxno: int) -> str:
    return f"{base_url}/news/articleView.html?idxno={idxno}"


def published_at(index: int) -> datetime:
    jitter = (index * 7919) % 23  # irregular but deterministic spacing
    return FIRST_PUBLISHED + timedelta(minutes=index * MINUTES_BETWEEN_ARTICLES + jitter)


def story_for(index: int, seed: int = SEED) -> NewsStory:
    rng = random.Random(f"{seed}:{index}")
    return write_article(rng, published_at(index).year)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


# --- page parts shared by every page -------------------------------------------------------

def _head_assets() -> str:
    """Stylesheets, tag-manager and ad-slot scripts: the bulk real CMS pages carry in <head>."""
    slots = ",\n".join(
        f'    {{"slot":"ad-{i:03d}","size":[[{300 + i % 5 * 10},{250 + i % 3 * 50}]],"refresh":{30 + i % 4 * 15},'
        f'"targeting":{{"sect":"{name}","pos":"{pos}","kw":["local","news","{name}"]}}}}'
        for i, (name, pos) in enumerate((m, p) for m in MENU for p in ("top", "right", "mid", "bottom", "float"))
    )
    css = "\n".join(
        f".{cls}-{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}px;font-size:{12 + i % 6}px;"
        f"line-height:1.{5 + i % 4};color:#{(i * 2654435761) % 0xFFFFFF:06x};}}"
        for cls in ("user-gnb", "auto-article", "list-block", "sidebar", "footer-row") for i in range(60)
    )
    return (
        '<link rel="stylesheet" href="/css/layout.css?v=20240901">\n'
        '<link rel="stylesheet" href="/css/article.css?v=20240901">\n'
        '<link rel="alternate" type="application/rss+xml" title="전체기사" href="/rss/allArticle.xml">\n'
        f"<style>\n{css}\n</style>\n"
        "<script>\nwindow.dataLayer = window.dataLayer || [];\nfunction gtag(){dataLayer.push(arguments);}\n"
        "gtag('js', new Date());\ngtag('config', 'G-BENCH000000');\n</script>\n"
        f"<script>\nvar adSlots = [\n{slots}\n];\n"
        "adSlots.forEach(function(s){ if (window.googletag) { googletag.cmd.push(function(){ "
        "googletag.defineSlot('/1234567/' + s.slot, s.size, s.slot).addService(googletag.pubads()); }); } });\n"
        "</script>\n"
        f"<script>\n{_site_script()}\n</script>\n"
    )


def _site_script() -> str:
    """The CMS's inline helper script (font sizing, sharing, lazy images, ad refresh)."""
    parts = []
    for i in range(160):
        parts.append(
            f"function ndUtil{i}(el, opt) {{ opt = opt || {{}}; var w = el && el.offsetWidth || {320 + i}; "
            f"if (opt.lazy && el.dataset && el.dataset.src) {{ el.src = el.dataset.src; }} "
            f"return Math.max(w - {i % 17}, 0) + (opt.offset || 0); }}"
        )
    return "\n".join(parts)


def _header() -> str:
    gnb = []
    for section, subs in MENU.items():
        items = "".join(f'<li><a href="/news/articleList.html?sc_sub_section_code=S2N{i}&amp;view_type=sm">{esc(s)}</a></li>'
                        for i, s in enumerate(subs))
        gnb.append(f'<li class="gnb-item"><a href="/news/articleList.html?sc_section_code=S1N{len(gnb)}&amp;view_type=sm">'
                   f'{esc(section)}</a><ul class="gnb-sub">{items}</ul></li>')
    allmenu = "".join(
        f'<dl class="allmenu-group"><dt>{esc(section)}</dt>'
        + "".join(f'<dd><a href="/news/articleList.html?sc_serial_code=SRN{j}{i}">{esc(s)} 전체보기</a></dd>'
                  for i, s in enumerate(subs))
        + "</dl>"
        for j, (section, subs) in enumerate(MENU.items())
    )
    return (
        '<div id="skip-navigation"><a href="#user-container">본문 바로가기</a></div>\n'
        '<header id="user-header">\n<div class="header-top"><ul class="util">'
        '<li><a href="/member/login.html">로그인</a></li><li><a href="/member/join.html">회원가입</a></li>'
        '<li><a href="/com/subscribe.html">구독신청</a></li><li><a href="/com/report.html">기사제보</a></li>'
        '<li><a href="/com/ad.html">광고문의</a></li></ul>'
        f'<div class="weather">오늘의 날씨 맑음 23℃</div></div>\n'
        f'<h1 class="logo"><a href="/">{OUTLET}</a></h1>\n'
        f'<nav id="user-gnb"><ul class="gnb-list">{"".join(gnb)}</ul></nav>\n'
        f'<div id="allmenu" class="allmenu" hidden><h2>전체메뉴</h2>{allmenu}</div>\n'
        '<form class="search" action="/news/articleList.html"><input type="text" name="sc_word" '
        'placeholder="검색어를 입력하세요"><button type="submit">검색</button></form>\n</header>\n'
    )


def _footer() -> str:
    links = ("회사소개", "기사제보", "광고문의", "불편신고", "개인정보처리방침", "청소년보호정책", "이메일무단수집거부", "RSS")
    return (
        '<footer id="user-footer">\n<nav class="footer-links"><ul>'
        + "".join(f'<li><a href="/com/page{i}.html">{esc(t)}</a></li>' for i, t in enumerate(links))
        + "</ul></nav>\n<address class=\"footer-info\">"
        f"<strong>{OUTLET}</strong> 주소 : 00000 가상도 한빛시 중앙로 123 한빛빌딩 5층 | 대표전화 : 000-000-0000 | "
        "팩스 : 000-000-0001 | 청소년보호책임자 : 홍길동 | 법인명 : (주)한빛미디어 | 제호 : "
        f"{OUTLET} | 등록번호 : 가상 아00000 | 등록일 : 2010-01-01 | 발행일 : 2010-01-01 | 발행인 : 홍길동 | "
        "편집인 : 홍길동</address>\n"
        f'<p class="footer-copy">{OUTLET}의 모든 콘텐츠(영상,기사, 사진)는 저작권법의 보호를 받은바, '
        "무단 전재와 복사, 배포 등을 금합니다.</p>\n"
        f'<p class="copyright">Copyright © 2024 {OUTLET}. All rights reserved. mail to webmaster@{OUTLET_DOMAIN_MAIL}</p>\n'
        "</footer>\n"
        '<script src="/js/common.js?v=20240901"></script>\n'
    )


SHARED_HEAD = _head_assets()
SHARED_HEADER = _header()
SHARED_FOOTER = _footer()


# --- blocks that depend on other articles ---------------------------------------------------

class Sidebars:
    """Ranking lists per stretch of publication, cached: pages of one stretch share them."""

    def __init__(self, entries: list[ArticleEntry]):
        self.entries = entries
        self._cache: dict[int, str] = {}

    def for_index(self, index: int) -> str:
        bucket = index // RANKING_BUCKET
        if bucket not in self._cache:
            self._cache[bucket] = self._build(bucket)
        return self._cache[bucket]

    def _pool(self, bucket: int) -> list[ArticleEntry]:
        # Only articles published before the stretch, so growing the site never changes a page.
        hi = bucket * RANKING_BUCKET if bucket else min(len(self.entries), RANKING_BUCKET)
        lo = max(0, hi - 400)
        return self.entries[lo:hi]

    def _build(self, bucket: int) -> str:
        rng = random.Random(f"sidebar:{bucket}")
        pool = self._pool(bucket)
        ranked = rng.sample(pool, min(10, len(pool)))
        live = pool[-10:][::-1]
        photo = rng.sample(pool, min(6, len(pool)))
        heads = rng.sample(pool, min(5, len(pool)))
        most = "".join(
            f'<li class="auto-article-item"><a href="/news/articleView.html?idxno={e.idxno}">'
            f'<em class="number">{i}</em><span class="auto-titles">{esc(e.title)}</span>'
            f'<p class="auto-sums">{esc(e.lead)}</p></a></li>'
            for i, e in enumerate(ranked, start=1)
        )
        realtime = "".join(
            f'<li><a href="/news/articleView.html?idxno={e.idxno}"><span class="titles">{esc(e.title)}</span>'
            f'<em class="times">{e.published[11:16]}</em></a></li>' for e in live
        )
        photos = "".join(
            f'<li class="photo-item"><a href="/news/articleView.html?idxno={e.idxno}"><img src="/news/thumbnail/'
            f'{e.idxno}_thumb.jpg" alt="{esc(e.title)}" loading="lazy"><strong>{esc(e.title)}</strong></a></li>'
            for e in photo
        )
        headlines = "".join(
            f'<li><a href="/news/articleView.html?idxno={e.idxno}"><strong>{esc(e.title)}</strong>'
            f'<p class="lead">{esc(e.lead)}</p></a></li>' for e in heads
        )
        return (
            '<aside class="sidebar">\n'
            '<section class="auto-article"><header class="box-title"><h2>많이 본 뉴스</h2>'
            '<a class="more" href="/news/articleList.html?view_type=sm&amp;box_idxno=1">더보기</a></header>'
            f'<ol class="auto-article-list">{most}</ol></section>\n'
            f'<section class="realtime"><header class="box-title"><h2>실시간 뉴스</h2></header><ul>{realtime}</ul></section>\n'
            f'<section class="photo-news"><header class="box-title"><h2>포토뉴스</h2></header><ul>{photos}</ul></section>\n'
            f'<section class="headline-news"><header class="box-title"><h2>헤드라인 뉴스</h2></header><ul>{headlines}</ul></section>\n'
            '<section class="banner"><a href="/com/ad.html"><img src="/image/banner/side_300x250.jpg" alt="광고"></a></section>\n'
            f"{self._opinion(rng, pool)}{self._section_highlights(rng, pool)}"
            "</aside>\n"
        )

    def _opinion(self, rng: random.Random, pool: list[ArticleEntry]) -> str:
        picks = rng.sample(pool, min(5, len(pool)))
        items = "".join(
            f'<li><a href="/news/articleView.html?idxno={e.idxno}"><em class="column-name">[{kind}]</em> '
            f'<strong>{esc(e.title)}</strong><span class="writer">{esc(person_name(rng))} 논설위원</span>'
            f'<p class="lead">{esc(e.lead)}</p></a></li>'
            for e, kind in zip(picks, ("사설", "칼럼", "기고", "데스크칼럼", "기자수첩"))
        )
        return f'<section class="opinion"><header class="box-title"><h2>오피니언</h2></header><ul>{items}</ul></section>\n'

    def _section_highlights(self, rng: random.Random, pool: list[ArticleEntry]) -> str:
        blocks = []
        for section in MENU:
            picks = rng.sample(pool, min(4, len(pool)))
            items = "".join(f'<li><a href="/news/articleView.html?idxno={e.idxno}">{esc(e.title)}</a>'
                            f'<span class="summary">{esc(e.lead[:60])}</span></li>' for e in picks)
            blocks.append(f'<div class="section-box"><h3>{esc(section)}</h3><ul>{items}</ul></div>')
        return f'<section class="section-highlights"><h2>섹션별 주요뉴스</h2>{"".join(blocks)}</section>\n'


def _related(entries: list[ArticleEntry], index: int, rng: random.Random) -> str:
    lo = max(0, index - 300)
    picks = [entries[rng.randrange(lo, index)] for _ in range(5)] if index > 0 else []
    items = "".join(
        f'<li><a href="/news/articleView.html?idxno={e.idxno}">{esc(e.title)}</a>'
        f'<em class="dated">{e.published[:10]}</em></li>' for e in picks
    )
    return f'<section class="article-relation"><header><h2>관련기사</h2></header><ul>{items}</ul></section>\n'


# --- pages ----------------------------------------------------------------------------------

def _meta_tags(entry: ArticleEntry, story: NewsStory, base_url: str) -> str:
    ld = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
        "datePublished": entry.published, "dateModified": entry.published,
        "author": {"@type": "Person", "name": f"{story.reporter} 기자"},
        "publisher": {"@type": "Organization", "name": OUTLET},
        "mainEntityOfPage": entry.url, "articleSection": story.section,
    }
    return (
        f"<title>{esc(story.title)} - {OUTLET}</title>\n"
        f'<meta name="description" content="{esc(entry.lead)}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{esc(story.title)}">\n'
        f'<meta property="og:description" content="{esc(entry.lead)}">\n'
        f'<meta property="og:url" content="{esc(entry.url)}">\n'
        f'<meta property="og:site_name" content="{OUTLET}">\n'
        f'<meta property="og:image" content="{base_url}/news/photo/{entry.idxno}_main.jpg">\n'
        f'<meta property="article:published_time" content="{entry.published}">\n'
        f'<meta property="article:section" content="{esc(story.section)}">\n'
        f'<meta name="author" content="{esc(story.reporter)} 기자">\n'
        f'<link rel="canonical" href="{esc(entry.url)}">\n'
        f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>\n'
    )


def _comment_box(idxno: int) -> str:
    return (
        '<section id="comment-box" class="comment-box"><header><h2>댓글 0</h2></header>'
        '<p class="notice">댓글 정렬 : 최신순 | 추천순 | 비추천순</p>'
        '<form class="comment-write" action="/comment/write.html" method="post">'
        f'<input type="hidden" name="idxno" value="{idxno}">'
        '<p class="login-notice">로그인 후 의견을 등록하시면 소중한 의견이 반영됩니다. 나도 한마디</p>'
        '<textarea name="comment" placeholder="욕설, 비방, 광고성 댓글은 통보 없이 삭제될 수 있습니다."></textarea>'
        '<button type="submit">등록</button></form>'
        '<p class="empty">첫번째 댓글을 남겨주세요.</p></section>\n'
    )


def article_page(entry: ArticleEntry, story: NewsStory, rng: random.Random, base_url: str,
                 sidebar: str, related: str) -> str:
    date_text = entry.published[:16].replace("T", " ").replace("-", ".")
    email = f"{_romanize(story.reporter)}@{OUTLET_DOMAIN_MAIL}"
    body: list[str] = []
    if rng.random() < 0.7:
        body.append(
            f'<figure class="photo-layout image photo-layout-center"><img src="/news/photo/{entry.idxno}_main.jpg" '
            f'alt="{esc(story.title)}"><figcaption>{esc(story.municipality)} 제공</figcaption></figure>'
        )
    for i, para in enumerate(story.paragraphs):
        body.append(f"<p>{esc(para)}</p>")
        if i == 2 and rng.random() < 0.5:
            body.append('<div class="ad-template ad-in-article"><script>googletag.cmd.push(function(){'
                        "googletag.display('ad-in-article');});</script></div>")
    if rng.random() < 0.5:
        body.append(f'<p class="reporter-mail">{esc(story.reporter)} 기자 {email}</p>')
    crumbs = f'<a href="/">홈</a> <a href="/news/articleList.html?sc_section_code=S1N1">{esc(story.section)}</a>'
    share = "".join(
        f'<li><a href="#" class="sns-{k}" title="{esc(v)}">{esc(v)}</a></li>'
        for k, v in (("facebook", "페이스북"), ("twitter", "트위터"), ("kakao", "카카오톡"), ("band", "밴드"),
                     ("url", "URL복사"), ("mail", "기사 메일전송"), ("print", "인쇄"), ("save", "기사저장"))
    )
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{_meta_tags(entry, story, base_url)}{SHARED_HEAD}</head>\n<body>\n<div id=\"user-wrap\">\n{SHARED_HEADER}"
        '<div id="user-container"><div class="float-center max-width-1080">\n'
        '<section class="user-snb"><div class="article-view">\n'
        f'<header class="article-view-header"><nav class="breadcrumbs">{crumbs}</nav>\n'
        f'<h3 class="heading">{esc(story.title)}</h3>\n'
        '<article class="info-group"><ul class="infomation">'
        f'<li><i class="icon-user-o"></i> {esc(story.reporter)} 기자</li>'
        f'<li><i class="icon-clock-o"></i> 입력 {date_text}</li><li>댓글 0</li></ul>'
        f'<ul class="share-list">{share}</ul>'
        '<ul class="font-size"><li><button class="size-down">가</button></li><li><button class="size-up">가</button></li></ul>'
        "</article></header>\n"
        '<section class="article-view-content">\n'
        '<article id="article-view-content-div" class="article-veiw-body view-page font-size17" itemprop="articleBody">\n'
        + "\n".join(body)
        + "\n</article>\n"
        f'<div class="view-copyright">저작권자 © {OUTLET} 무단전재 및 재배포 금지</div>\n'
        f'<div class="view-editors"><strong>{esc(story.reporter)} 기자</strong> '
        f'<a href="mailto:{email}">{email}</a> <a href="/news/articleList.html?sc_area=I&amp;sc_word={esc(story.reporter)}">'
        "다른기사 보기</a></div>\n"
        '<div class="tag-group">' + "".join(f'<a href="/news/articleList.html?sc_word={esc(t)}">#{esc(t)}</a>'
                                             for t in story.tags) + "</div>\n"
        f"{related}{_comment_box(entry.idxno)}"
        '<a class="btn-list" href="/news/articleList.html">목록 바로가기</a>\n'
        "</section></div></section>\n"
        f"{sidebar}</div></div>\n{SHARED_FOOTER}</div>\n</body>\n</html>\n"
    )


def listing_page(entries_newest_first: list[ArticleEntry], page: int, pages: int, sidebar: str) -> str:
    start = (page - 1) * LISTING_PAGE_SIZE
    items = "".join(
        '<div class="list-block">'
        f'<div class="list-titles"><a href="/news/articleView.html?idxno={e.idxno}"><strong>{esc(e.title)}</strong></a></div>'
        f'<p class="list-summary"><a href="/news/articleView.html?idxno={e.idxno}">{esc(e.lead)}</a></p>'
        f'<div class="list-dated">{esc(e.section)} | {e.published[:16].replace("T", " ")}</div></div>'
        for e in entries_newest_first[start:start + LISTING_PAGE_SIZE]
    )
    window = range(max(1, page - 4), min(pages, page + 5) + 1)
    pager = "".join(
        f'<li class="{"current" if p == page else ""}"><a href="/news/articleList.html?page={p}&amp;view_type=sm">{p}</a></li>'
        for p in window
    )
    if page < pages:
        pager += f'<li class="pagination-next"><a href="/news/articleList.html?page={page + 1}&amp;view_type=sm">다음</a></li>'
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        f"<title>전체기사 - {OUTLET}</title>\n{SHARED_HEAD}</head>\n<body>\n<div id=\"user-wrap\">\n{SHARED_HEADER}"
        '<div id="user-container"><div class="float-center max-width-1080">\n'
        f'<section class="article-list"><header><h2>전체기사</h2></header>\n<div id="section-list">{items}</div>\n'
        f'<nav class="pagination"><ul>{pager}</ul></nav></section>\n{sidebar}</div></div>\n{SHARED_FOOTER}</div>\n'
        "</body>\n</html>\n"
    )


def feed_xml(base_url: str, newest: list[ArticleEntry]) -> str:
    items = "".join(
        f"<item><title>{esc(e.title)}</title><link>{esc(e.url)}</link><description>{esc(e.lead)}</description>"
        f"<category>{esc(e.section)}</category><guid isPermaLink=\"true\">{esc(e.url)}</guid>"
        f"<pubDate>{_rfc822(e.published)}</pubDate></item>\n"
        for e in newest
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{OUTLET} 전체기사</title>\n<link>{base_url}/</link>\n<description>{OUTLET} 전체기사</description>\n"
        f"<language>ko</language>\n{items}</channel>\n</rss>\n"
    )


def sitemap_files(base_url: str, entries: list[ArticleEntry]) -> dict[str, str]:
    """``sitemap.xml`` (an index, newest chunk first) and one urlset per 1,000 articles."""
    files: dict[str, str] = {}
    chunks = [entries[i:i + SITEMAP_CHUNK] for i in range(0, len(entries), SITEMAP_CHUNK)]
    index_items = []
    for k, chunk in enumerate(chunks, start=1):
        urls = "".join(f"<url><loc>{esc(e.url)}</loc><lastmod>{e.published}</lastmod></url>\n" for e in chunk)
        files[f"sitemap/sitemap-{k}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
        )
        index_items.append(f"<sitemap><loc>{base_url}/sitemap/sitemap-{k}.xml</loc>"
                           f"<lastmod>{chunk[-1].published}</lastmod></sitemap>\n")
    files["sitemap.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(reversed(index_items)) + "</sitemapindex>\n"
    )
    return files


def robots_txt(base_url: str) -> str:
    return ("User-agent: *\nAllow: /\nDisallow: /member/\nDisallow: /comment/\nDisallow: /com/\n\n"
            f"Sitemap: {base_url}/sitemap.xml\n")


def home_page(newest: list[ArticleEntry], sidebar: str) -> str:
    return listing_page(newest, 1, 1, sidebar).replace("<h2>전체기사</h2>", "<h2>최신기사</h2>", 1)


# --- generation -----------------------------------------------------------------------------

def _rfc822(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%a, %d %b %Y %H:%M:%S %z")


def _romanize(name: str) -> str:
    """A stable ASCII mailbox name for a reporter (not a transliteration, just an id)."""
    return "rep" + "".join(f"{ord(c) % 1000:03d}" for c in name)


def _entries(n: int, base_url: str, seed: int) -> tuple[list[ArticleEntry], list[NewsStory]]:
    entries, stories = [], []
    for i in range(n):
        story = story_for(i, seed)
        idxno = FIRST_IDXNO + i
        lead = story.paragraphs[0].split(". ")[0].rstrip(".") + "."
        entries.append(ArticleEntry(idxno, article_url(base_url, idxno), story.title, story.section,
                                    published_at(i).isoformat(), story.municipality, story.plan_event, lead))
        stories.append(story)
    return entries, stories


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def generate_site(root: Path, n: int, base_url: str, seed: int = SEED) -> SiteInfo:
    """Write (or grow) the site for ``n`` articles under ``root``; see the module docstring."""
    base_url = base_url.rstrip("/")
    root = Path(root)
    www = root / "www"
    for sub in ("news/articleView", "news/articleList", "rss", "sitemap"):
        (www / sub).mkdir(parents=True, exist_ok=True)
    expected = root / "expected"
    expected.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(root)
    reuse = previous is not None and previous.base_url == base_url and previous.seed == seed
    entries, stories = _entries(n, base_url, seed)
    sidebars = Sidebars(entries)
    for i, (entry, story) in enumerate(zip(entries, stories)):
        page = www / "news/articleView" / f"{entry.idxno}.html"
        if reuse and i < previous.n and page.exists():
            continue
        rng = random.Random(f"{seed}:page:{i}")
        _write(page, article_page(entry, story, rng, base_url, sidebars.for_index(i), _related(entries, i, rng)))
        _write(expected / f"{entry.idxno}.txt", "\n".join(story.paragraphs) + "\n")
    newest = entries[::-1]
    current_sidebar = sidebars.for_index(max(0, n - 1))
    pages = max(1, -(-n // LISTING_PAGE_SIZE))
    for old in (www / "news/articleList").glob("*.html"):
        old.unlink()
    for p in range(1, pages + 1):
        _write(www / "news/articleList" / f"{p}.html", listing_page(newest, p, pages, current_sidebar))
    _write(www / "index.html", home_page(newest[:30], current_sidebar))
    _write(www / "rss/allArticle.xml", feed_xml(base_url, newest[:FEED_SIZE]))
    for old in (www / "sitemap").glob("*.xml"):
        old.unlink()
    for rel, text in sitemap_files(base_url, entries).items():
        _write(www / rel, text)
    _write(www / "robots.txt", robots_txt(base_url))
    info = SiteInfo(root, n, base_url, seed, entries)
    _write(root / "manifest.json", json.dumps(
        {"n": n, "seed": seed, "base_url": base_url, "outlet": OUTLET,
         "articles": [asdict(e) for e in entries]}, ensure_ascii=False))
    return info


def read_manifest(root: Path) -> SiteInfo | None:
    path = Path(root) / "manifest.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return SiteInfo(Path(root), data["n"], data["base_url"], data["seed"],
                    [ArticleEntry(**a) for a in data["articles"]])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--base-url", default="http://127.0.0.1:8931")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    info = generate_site(args.out, args.pages, args.base_url, args.seed)
    plans = sum(1 for e in info.articles if e.plan_event)
    size = sum(f.stat().st_size for f in (info.www / "news/articleView").glob("*.html"))
    print(f"{info.n} articles ({plans} plan articles), {size / info.n / 1024:.0f} KB a page, "
          f"{time.perf_counter() - started:.1f} s -> {info.root}")


if __name__ == "__main__":
    main()
