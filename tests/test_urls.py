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
