"""Body-text quality: precision, recall and F1 of an extracted text against the expected one,
and the loaders of the real pages with ground truth in the shared corpus.

Scoring is a bag-of-words overlap: both texts are NFKC-normalized and lower-cased, cut
into words (runs of letters and digits, so Hangul eojeol, Latin words and numbers alike),
and the multiset intersection counts as true positives. Precision = tp / words extracted,
recall = tp / words expected. A page whose extraction is empty scores 0 on all three.
Corpus figures are the mean over pages (macro), so a long page does not outweigh short ones.

``score``, ``mean_scores``, ``load_ko_news`` and ``load_scrapinghub`` are shared by
``benchmarks/run.py`` and ``benchmarks/corpus_eval.py``. The corpus is read from
``../shared/corpus`` (or ``$PLANWATCH_CORPUS``) at run time and never copied.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

WORD = re.compile(r"\w+")

# The Korean pages with ground truth: page file -> (ground-truth file, key in it, field kind).
# fundus ground truth keeps the body as summary + sections (headline + paragraphs).
KO_NEWS_GROUND_TRUTH: dict[str, tuple[str, str, str]] = {
    "fundus_HankookIlbo_2025_05_15.html": ("fundus_HankookIlbo.json", "V1", "fundus"),
    "fundus_HankookIlbo_2026_01_29.html": ("fundus_HankookIlbo.json", "V2", "fundus"),
    "fundus_HankookIlbo_2026_07_12.html": ("fundus_HankookIlbo.json", "V3", "fundus"),
    "fundus_MBN_2025_06_03.html": ("fundus_MBN.json", "V1", "fundus"),
    "fundus_MBN_2025_05_27.html": ("fundus_MBN_2025_05_27.json", "V1", "fundus"),
    "fundus_MBN_2025_05_28.html": ("fundus_MBN_2025_05_28.json", "V1", "fundus"),
    "fundus_MBN_2025_05_29.html": ("fundus_MBN_2025_05_29.json", "V1", "fundus"),
    "fundus_MBN_2025_05_30.html": ("fundus_MBN_2025_05_30.json", "V1", "fundus"),
    "scrapinghub_entermedia_0ec95c7261d1.html": ("scrapinghub_entermedia_0ec95c7261d1.json", "*", "scrapinghub"),
    "scrapinghub_entermedia_9da36ae4714b.html": ("scrapinghub_entermedia_9da36ae4714b.json", "*", "scrapinghub"),
}
KO_NEWS_URLS: dict[str, str] = {  # the pages' own URLs where the corpus manifest records them
    "fundus_HankookIlbo_2025_05_15.html": "https://www.hankookilbo.com/News/Read/A2025051516330004328",
    "fundus_HankookIlbo_2026_01_29.html": "https://www.hankookilbo.com/news/article/A2026012914320005196",
    "fundus_HankookIlbo_2026_07_12.html": "https://www.hankookilbo.com/news/article/A2026071220290000630",
    "fundus_MBN_2025_06_03.html": "https://www.mk.co.kr/news/politics/11333783",
    "fundus_MBN_2025_05_27.html": "https://www.mk.co.kr/news/sports/11328187",
    "fundus_MBN_2025_05_28.html": "https://www.mk.co.kr/news/realestate/11329112",
    "fundus_MBN_2025_05_29.html": "https://www.mk.co.kr/news/stock/11330362",
    "fundus_MBN_2025_05_30.html": "https://www.mk.co.kr/news/world/11331490",
}


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


@dataclass
class GoldPage:
    """A real page and the body text a person marked as the article."""

    name: str
    html: bytes
    expected: str
    url: str | None = None
    path: Path | None = None  # the file it was read from (``.html`` or ``.html.gz``)


def words(text: str) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFKC", text).lower())


def score(expected: str, extracted: str | None) -> Score:
    want = Counter(words(expected))
    got = Counter(words(extracted or ""))
    if not got or not want:
        return Score(0.0, 0.0, 0.0) if want or got else Score(1.0, 1.0, 1.0)
    tp = sum((want & got).values())
    precision = tp / sum(got.values())
    recall = tp / sum(want.values())
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return Score(precision, recall, f1)


def mean_scores(scores: list[Score]) -> Score:
    if not scores:
        return Score(0.0, 0.0, 0.0)
    return Score(statistics.fmean(s.precision for s in scores), statistics.fmean(s.recall for s in scores),
                 statistics.fmean(s.f1 for s in scores))


def corpus_dir() -> Path:
    """``$PLANWATCH_CORPUS``, else ``../shared/corpus`` next to the repository."""
    env = os.environ.get("PLANWATCH_CORPUS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def fundus_body(entry: dict) -> str:
    body = entry.get("body") or {}
    lines = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        lines += list(section.get("headline") or [])
        lines += list(section.get("paragraphs") or [])
    return "\n".join(lines)


def load_ko_news(root: Path | None = None) -> list[GoldPage]:
    """The Korean pages of ``ko-news-html/`` that have ground truth (10 of 13)."""
    base = (root or corpus_dir()) / "ko-news-html"
    pages = []
    for name, (gt_file, key, kind) in KO_NEWS_GROUND_TRUTH.items():
        page = base / name
        data = json.loads((base / "ground-truth" / gt_file).read_text(encoding="utf-8"))
        if key == "*":
            key = next(iter(data))
        entry = data[key]
        if kind == "fundus":
            expected, url = fundus_body(entry), KO_NEWS_URLS.get(name)
        else:
            expected, url = entry["articleBody"], entry.get("url")
        pages.append(GoldPage(name, page.read_bytes(), expected, url, page))
    return pages


def load_scrapinghub(root: Path | None = None) -> list[GoldPage]:
    """The 181 pages of the scrapinghub article-extraction benchmark with their articleBody."""
    base = (root or corpus_dir()) / "scrapinghub-article-extraction-benchmark"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        path = base / "html" / f"{key}.html.gz"
        if path.is_file():
            pages.append(GoldPage(key, gzip.decompress(path.read_bytes()), truth[key].get("articleBody") or "",
                                  truth[key].get("url"), path))
    return pages


def decode_html(raw: bytes) -> str:
    """Bytes → str for extractors that want text: UTF-8 when it decodes, else charset detection."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        return str(best) if best is not None else raw.decode("utf-8", errors="replace")
