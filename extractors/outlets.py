"""Which news outlet published an article: the domain → name table and the clues that name it.

An article names its outlet in several places, from most to least reliable: the
copyright line (``중도일보(www.joongdo.co.kr), 무단전재 ...``), the reporter's e-mail
domain (``kds@kwangju.co.kr``), the printed article URL, ``og:site_name`` and the
URL the page was fetched from. Domains are turned into names with the table in
``data/outlets.tsv``; an outlet missing from the table is named by its domain,
which is honest and still groups its articles.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

from extractors.urls import url_host

# Mail services reporters use privately: their domain says nothing about the outlet.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "naver.com",
        "hanmail.net",
        "daum.net",
        "nate.com",
        "kakao.com",
        "gmail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "yahoo.com",
        "yahoo.co.kr",
        "icloud.com",
        "korea.kr",  # government staff mail
        "empas.com",
        "paran.com",
        "chol.com",
    }
)

# Words around an outlet name in a copyright line that are not part of the name.
COPYRIGHT_NOISE: tuple[str, ...] = ("저작권자", "copyrights", "copyright", "all rights reserved", "ⓒ", "©", "(c)")

DOMAIN_IN_TEXT = re.compile(r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]{1,63}\.){1,4}[a-z]{2,12})", re.IGNORECASE)
NAME_BEFORE_DOMAIN = re.compile(
    r"([가-힣A-Za-z0-9]{2,20})\s{0,2}\(\s{0,2}(?:https?://)?(?:www\.)?[a-z0-9.-]{3,80}\s{0,2}\)", re.IGNORECASE
)
NAME_AFTER_SIGN = re.compile(r"(?:ⓒ|©|\(c\)|copyrights?)\s{0,3}(?:\d{4}\s{0,2})?([^.,<>()\[\]|]{1,40})", re.IGNORECASE)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@((?:[A-Za-z0-9-]{1,63}\.){1,4}[A-Za-z]{2,12})")


@lru_cache(maxsize=1)
def outlet_table() -> dict[str, str]:
    """domain → outlet name, from data/outlets.tsv."""
    table: dict[str, str] = {}
    text = files("extractors").joinpath("data/outlets.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        domain, _, name = line.partition("\t")
        if domain and name:
            table[domain.strip().lower()] = name.strip()
    return table


@lru_cache(maxsize=1)
def outlet_names() -> frozenset[str]:
    return frozenset(outlet_table().values())


def name_for_domain(domain: str | None) -> str | None:
    """The outlet name for a domain or any of its subdomains (news.chosun.com → 조선일보)."""
    host = url_host(domain)
    if not host:
        return None
    table = outlet_table()
    labels = host.split(".")
    for i in range(len(labels) - 1):
        name = table.get(".".join(labels[i:]))
        if name:
            return name
    return None


def outlet_for_domain(domain: str | None) -> str | None:
    """Name from the table, or the bare domain when the outlet is not in it."""
    host = url_host(domain)
    if not host:
        return None
    return name_for_domain(host) or host


def is_outlet_name(text: str) -> bool:
    return text.strip() in outlet_names()


def outlet_from_copyright(line: str) -> str | None:
    """``중도일보(www.joongdo.co.kr), 무단전재 ...`` → 중도일보; ``<저작권자ⓒ대전일보사. ...>`` → 대전일보사."""
    domain_match = DOMAIN_IN_TEXT.search(line) if "." in line else None
    if domain_match:
        known = name_for_domain(domain_match.group(1))
        if known:
            return known
    named = NAME_BEFORE_DOMAIN.search(line)
    if named and re.search(r"[가-힣]", named.group(1)):
        return named.group(1)
    signed = NAME_AFTER_SIGN.search(line)
    if signed:
        name = signed.group(1)
        for noise in COPYRIGHT_NOISE:
            name = re.sub(re.escape(noise), " ", name, flags=re.IGNORECASE)
        name = re.split(r"무단|재배포|all rights", name, maxsplit=1, flags=re.IGNORECASE)[0]
        name = re.sub(r"^[\s©ⓒ]*(?:\d{4}\s*)?", "", name).strip(" '\"‘’“”:-")
        if name.lower().startswith("www"):
            name = ""  # the line names a domain, handled below
        if name.endswith("사") and is_outlet_name(name[:-1]):
            name = name[:-1]  # "대전일보사": the company behind the paper
        if 2 <= len(name) <= 20 and re.search(r"[가-힣A-Za-z]", name):
            return name
    if domain_match:
        return outlet_for_domain(domain_match.group(1))
    return None


def outlet_from_email(text: str) -> str | None:
    """The outlet of the first non-private e-mail address in ``text``."""
    for match in EMAIL.finditer(text):
        domain = match.group(1).lower()
        if domain in FREE_MAIL_DOMAINS:
            continue
        return outlet_for_domain(domain)
    return None


# News portals republish other outlets' articles: the page names the original outlet
# (meta tags, the press logo), and that is the outlet, not the portal.
PORTAL_DOMAINS: tuple[str, ...] = ("naver.com", "daum.net", "nate.com", "zum.com")
PORTAL_NAMES: frozenset[str] = frozenset(
    {"네이버", "네이버뉴스", "네이버 뉴스", "naver", "다음", "다음뉴스", "다음 뉴스", "daum", "카카오", "네이트", "네이트뉴스",
     "nate", "줌", "zum"}
)


def is_portal(url: str | None) -> bool:
    """Whether ``url`` is on a news portal (n.news.naver.com, v.daum.net, news.nate.com …)."""
    host = url_host(url)
    if not host:
        return False
    return any(host == d or host.endswith("." + d) for d in PORTAL_DOMAINS)


def portal_press_name(raw: str | None) -> str | None:
    """The outlet a portal page names: ``"중도일보 | 네이버"`` → 중도일보; the portal's own name → None."""
    if not raw:
        return None
    for piece in re.split(r"\s[|｜:-]\s|[|｜]", raw):
        name = " ".join(piece.split()).strip(" '\"‘’“”")
        if 2 <= len(name) <= 30 and name.lower() not in PORTAL_NAMES and not name.lower().startswith("http"):
            return name
    return None
