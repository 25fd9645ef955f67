"""canonicalize_url: one spelling per article URL."""

from __future__ import annotations

import pytest

from extractors.urls import canonicalize_url, url_host


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://www.joongdo.co.kr/web/view.php?key=20240924010007364", "https://www.joongdo.co.kr/web/view.php?key=20240924010007364"),
        ("https://WWW.Example.CO.KR/news/articleView.html?idxno=123&utm_source=naver&utm_medium=sns", "https://www.example.co.kr/news/articleView.html?idxno=123"),
        ("https://www.example.co.kr/news/articleView.html?idxno=123#comment", "https://www.example.co.kr/news/articleView.html?idxno=123"),
        ("https://www.example.co.kr/news/articleView.html?fbclid=IwAR0x&idxno=123&gclid=abc", "https://www.example.co.kr/news/articleView.html?idxno=123"),
        ("http://gginews.kr/news/view.php?idx=42012", "https://gginews.kr/news/view.php?idx=42012"),
        ("https://news.example.kr/view.php?no=5&aid=3&idx=9", "https://news.example.kr/view.php?aid=3&idx=9&no=5"),
        ("https://example.kr/news/", "https://example.kr/news"),
        ("https://example.kr:443/", "https://example.kr/"),
        ("http://example.kr:8080/a/", "https://example.kr:8080/a"),
        ("example.kr/a", "https://example.kr/a"),
        ("http://m.daejonilbo.com/mnews.asp?pk_no=1412361&pk_campaign=x", "https://m.daejonilbo.com/mnews.asp?pk_no=1412361"),
    ],
)
def test_canonical_forms(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical


def test_variants_of_one_article_agree() -> None:
    variants = [
        "http://www.example.co.kr/news/articleView.html?idxno=77",
        "https://www.example.co.kr/news/articleView.html?idxno=77&utm_campaign=x",
        "https://www.EXAMPLE.co.kr/news/articleView.html?idxno=77#a",
        "https://www.example.co.kr/news/articleView.html/?idxno=77&fbclid=1",
    ]
    assert len({canonicalize_url(v) for v in variants}) == 1


def test_distinct_articles_stay_distinct() -> None:
    assert canonicalize_url("https://x.kr/view?idxno=1") != canonicalize_url("https://x.kr/view?idxno=2")


@pytest.mark.parametrize("bad", ["", "   ", "mailto:someone@example.kr", "ftp://example.kr/file"])
def test_not_web_urls_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        canonicalize_url(bad)


def test_url_host() -> None:
    assert url_host("https://www.kwangju.co.kr/article.php?aid=1") == "kwangju.co.kr"
    assert url_host("m.daejonilbo.com") == "daejonilbo.com"
    assert url_host(None) is None


def test_registrable_domains_follow_the_public_suffix_list() -> None:
    from extractors.urls import registrable_domain, same_site

    assert registrable_domain("https://m.news.hanbit.co.kr/a?b=1") == "hanbit.co.kr"
    assert registrable_domain("https://www.anyang.go.kr/") == "anyang.go.kr"
    assert registrable_domain("https://blog.b.blogspot.com/") == "b.blogspot.com"  # a public suffix of its own
    assert registrable_domain("http://127.0.0.1:8080/x") == "127.0.0.1"  # no registrable domain: the host itself
    assert registrable_domain("http://localhost:1/") == "localhost"
    assert registrable_domain("") is None and registrable_domain("https://") is None
    assert same_site("https://m.hanbit.co.kr/1", "https://www.hanbit.co.kr/1")
    assert not same_site("https://hanbit.co.kr/1", "https://namdo.co.kr/1")
    assert not same_site("http://localhost:5/1", "http://127.0.0.1:5/1")
    assert not same_site("https://a.blogspot.com/", "https://b.blogspot.com/")


def test_a_relative_canonical_is_on_the_pages_site_and_a_foreign_one_is_not_trusted() -> None:
    from extractors.article import capture_to_article
    from planwatch.records import Capture

    body = "".join(f"<p>안양시가 스마트도시 계획을 세운다고 {n}일 밝혔다. 시는 주민 의견을 듣는다.</p>" for n in range(6))

    def page(canonical: str) -> Capture:
        html = (f"<html><head><meta charset='utf-8'><title>안양시 스마트도시 계획</title>"
                f"<link rel='canonical' href='{canonical}'></head><body><article>{body}</article></body></html>")
        return Capture(body=html.encode(), kind="html", url="https://m.anyang.example.kr/news/9?utm_source=x")

    assert capture_to_article(page("/news/9")).canonical_url == "https://m.anyang.example.kr/news/9"
    assert capture_to_article(page("https://www.anyang.example.kr/n/9")).canonical_url == \
        "https://www.anyang.example.kr/n/9"
    assert capture_to_article(page("https://portal.example.com/n/9")).canonical_url == \
        "https://m.anyang.example.kr/news/9"
