"""Article bodies in embedded data and portal outlets, rule by rule (pages written for these tests)."""

from __future__ import annotations

import pytest

from extractors.embedded import embedded_article
from extractors.htmlclean import extract_html, parse_html
from extractors.outlets import is_portal, portal_press_name

BODY = ("김해시는 20일 시청 소회의실에서 '김해시 스마트도시계획 수립 용역' 착수보고회를 열었다고 밝혔다. "
        "용역은 내년 6월까지 이어지며 교통·안전·환경 분야의 스마트 서비스를 발굴한다.")
HTML_PARAGRAPHS = "".join(f"<p>{s}다.</p>" for s in BODY.split("다. ")[:1]) + (
    "<p>시는 시민 설문과 전문가 자문을 거쳐 분야별 추진과제를 정하고, 중간보고회에서 초안을 공개할 계획이다.</p>"
    "<p>홍태용 시장은 시민이 체감하는 스마트도시 서비스를 만들겠다고 말했다.</p>"
)


def page(body_html: str, scripts: str = "") -> str:
    return (f"<html><head><meta charset='utf-8'><title>김해시 스마트도시계획 착수보고회</title>{scripts}</head>"
            f"<body><article>{body_html}</article></body></html>")


def json_ld(body: str, kind: str = "NewsArticle") -> str:
    import json

    data = {"@context": "https://schema.org", "@type": kind, "headline": "김해시 스마트도시계획 착수보고회",
            "articleBody": body, "datePublished": "2024-05-20T09:00:00+09:00"}
    return f"<script type='application/ld+json'>{json.dumps(data, ensure_ascii=False)}</script>"


def test_a_page_with_its_body_in_html_keeps_it_over_a_json_ld_summary():
    parts = extract_html(page(HTML_PARAGRAPHS, json_ld("김해시가 스마트도시계획 수립에 나섰다. " * 3)))
    assert len(parts.paragraphs) >= 2 and "홍태용 시장" in parts.text


def test_json_ld_body_fills_an_empty_page():
    parts = extract_html(page("", json_ld(BODY.replace(". ", ".\n"))))
    assert parts.paragraphs == BODY.replace(". ", ".\n").split("\n")


@pytest.mark.parametrize("script", [
    "<script type='application/ld+json'>{not json</script>",
    json_ld("짧은 글"),  # too short to be a body
    json_ld(BODY, kind="Organization"),  # not an article
    "<script>Fusion.globalContent={\"content_elements\": [ {\"type\": \"text\", </script>",
    "<script id='__NEXT_DATA__' type='application/json'>[[[[</script>",
])
def test_broken_or_foreign_data_gives_no_embedded_article(script):
    assert embedded_article(parse_html(page("", script))) is None


def test_deep_json_is_bounded():
    deep = "[" * 60 + "]" * 60
    assert embedded_article(parse_html(page("", f"<script id='__NEXT_DATA__' type='application/json'>{deep}</script>"))) is None


@pytest.mark.parametrize(("raw", "name"), [
    ("중도일보 | 네이버", "중도일보"), ("네이버 뉴스", None), ("뉴시스", "뉴시스"), ("다음뉴스 | 뉴스1", "뉴스1"), ("", None),
])
def test_portal_press_names(raw, name):
    assert portal_press_name(raw) == name


def test_portal_hosts():
    assert is_portal("https://n.news.naver.com/mnews/article/1/2") and is_portal("https://v.daum.net/v/1")
    assert not is_portal("https://www.kyeonggi.com/news/articleView.html?idxno=1") and not is_portal(None)
