"""Body-text quality: precision, recall and F1 of an extracted text against the expected one,
the loaders of the real pages with ground truth in the shared corpus, and a command that
scores planwatch's body stage and trafilatura's defaults on them.

The unit of comparison depends on the script, so one measure serves Korean and other pages:

* Hangul, kana and Han characters count as **character bigrams**, taken over each stretch of
  such characters with the whitespace inside it removed ("시가 추진한다" → 시가, 가추, 추진,
  진한, 한다; a stretch of one character counts as itself). Korean particles and endings attach
  to the word (시가, 시는, 시의), and spacing varies between a page and its annotation, so whole
  eojeol would count a correctly extracted sentence as wrong words; Japanese and Chinese have no
  spaces at all, so a "word" would be a whole sentence.
* Everything else counts as **words**: runs of letters and digits (Latin, Cyrillic, Greek and
  other alphabetic scripts, numbers), the usual unit for such languages. Inside mixed text a word
  like "iPhone을" gives the word "iphone" and the bigram-stretch "을".

Both texts are NFKC-normalized and lower-cased first; the units of the two texts are compared
as multisets and their intersection counts as true positives. Precision = tp / units extracted,
recall = tp / units expected. A page whose extraction is empty scores 0 on all three. Corpus
figures are the mean over pages (macro), so a long page does not outweigh short ones.

``score``, ``mean_scores``, ``load_ko_news``, ``load_scrapinghub`` and the two extractors
(``body_stage_text``, ``trafilatura_default_text``) are shared with ``benchmarks/run.py``.
The corpus is read from ``../shared/corpus`` (or ``$PLANWATCH_CORPUS``) at run time and never
copied::

    .venv/bin/python -m benchmarks.quality                 # both sets, summary
    .venv/bin/python -m benchmarks.quality --only sh --pages   # one line per page
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Hangul (jamo, compatibility jamo, syllables), kana, CJK ideographs (extension A and the base block).
_CJK = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
CJK_STRETCH = re.compile(rf"[{_CJK}]+(?:\s+[{_CJK}]+)*")
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


def units(text: str) -> list[str]:
    """The units a text is scored by: CJK character bigrams, and words for everything else."""
    text = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for stretch in CJK_STRETCH.findall(text):
        compact = "".join(stretch.split())
        out += [compact] if len(compact) == 1 else [compact[i : i + 2] for i in range(len(compact) - 1)]
    out += WORD.findall(CJK_STRETCH.sub(" ", text))
    return out


def score(expected: str, extracted: str | None) -> Score:
    want = Counter(units(expected))
    got = Counter(units(extracted or ""))
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


def missing_corpus(root: Path | None = None) -> str | None:
    """Why the pages with ground truth cannot be read (one line), or None when they can."""
    base = root or corpus_dir()
    for part in ("ko-news-html/ground-truth", "scrapinghub-article-extraction-benchmark/ground-truth.json"):
        if not (base / part).exists():
            return f"no {part} under {base} (set PLANWATCH_CORPUS to the shared corpus)"
    return None


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


# --- the extractors compared ---------------------------------------------------------------------

def body_stage_text(page: GoldPage) -> str:
    """planwatch's HTML → body-text stage: trafilatura, then the clean-up (before the Korean-article check)."""
    from extractors.htmlclean import extract_html

    return extract_html(decode_html(page.html), page.url).text


def trafilatura_default_text(page: GoldPage) -> str:
    import trafilatura

    return trafilatura.extract(page.html, url=page.url) or ""


EXTRACTORS = {"planwatch body stage": body_stage_text, "trafilatura defaults": trafilatura_default_text}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Body-text P/R/F1 of planwatch's body stage and trafilatura's "
                                                 "defaults on the corpus pages with ground truth.")
    parser.add_argument("--corpus", type=Path, default=None, help="default: $PLANWATCH_CORPUS or ../shared/corpus")
    parser.add_argument("--only", choices=("ko", "sh"), help="only the Korean pages or only scrapinghub")
    parser.add_argument("--limit", type=int, default=None, help="at most N pages per set")
    parser.add_argument("--pages", action="store_true",
                        help="one line per page, with planwatch's recall minus trafilatura's")
    args = parser.parse_args(argv)
    root = args.corpus or corpus_dir()
    if not root.is_dir():
        print(f"corpus not found: {root}", file=sys.stderr)
        return 2
    sets = {"ko": load_ko_news, "sh": load_scrapinghub}
    started = time.perf_counter()
    summary: list[tuple[str, str, int, Score]] = []
    for key, load in sets.items():
        if args.only not in (None, key):
            continue
        pages = load(root)[: args.limit]
        scores: dict[str, list[Score]] = {name: [] for name in EXTRACTORS}
        for page in pages:
            row = {name: score(page.expected, extract(page)) for name, extract in EXTRACTORS.items()}
            for name, s in row.items():
                scores[name].append(s)
            if args.pages:
                pw, tr = row.values()
                print(f"{key} {page.name[:40]:40s} planwatch P {pw.precision:.3f} R {pw.recall:.3f} F1 {pw.f1:.3f}"
                      f" | trafilatura P {tr.precision:.3f} R {tr.recall:.3f} F1 {tr.f1:.3f}"
                      f" | ΔR {pw.recall - tr.recall:+.3f}")
        summary += [(key, name, len(pages), mean_scores(s)) for name, s in scores.items()]
    print(f"\n{'set':4s} {'extractor':22s} {'pages':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    for key, name, n, s in summary:
        print(f"{key:4s} {name:22s} {n:5d} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}")
    print(f"\n{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
