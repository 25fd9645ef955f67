"""Body-text accuracy of planwatch's HTML extraction against trafilatura's defaults.

Runs over the real pages of the shared corpus that have ground truth (read in
place, never copied):

* ``ko-news-html/``: 10 Korean article pages with ground truth in ``ground-truth/``
  (fundus expected output for hankookilbo.com and mk.co.kr; scrapinghub's manual
  ``articleBody`` for entermedia.co.kr);
* ``scrapinghub-article-extraction-benchmark/``: 181 pages, ``html/*.html.gz`` and
  ``ground-truth.json``.

Measure: precision, recall and F1 of the bag (multiset) of units of the extracted
body against the ground-truth body. Units are character bigrams of the text with
all whitespace removed when the ground truth is mostly Hangul/CJK (Korean has no
reliable word boundaries for this: particles attach to words), and lower-cased
whitespace tokens with surrounding punctuation stripped otherwise (the usual unit
for English and other European languages). Averages are the mean over pages
(macro); a page where an extractor returns nothing scores 0.

What counts as "the body" for planwatch: the subtitle lines followed by the
article paragraphs (what a reader sees as the article below its title). The
fundus ground truth is its summary, section headlines and paragraphs; the
scrapinghub ground truth is ``articleBody``.

Usage: python benchmarks/corpus_eval.py [--corpus PATH] [--only ko|sh] [--limit N] [--quiet]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from extractors.encoding import decode_page
from extractors.htmlclean import extract_html

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# ko-news-html page → (ground-truth file, key) per the corpus MANIFEST.
KO_GROUND_TRUTH: dict[str, tuple[str, str | None]] = {
    "fundus_HankookIlbo_2025_05_15.html": ("fundus_HankookIlbo.json", "V1"),
    "fundus_HankookIlbo_2026_01_29.html": ("fundus_HankookIlbo.json", "V2"),
    "fundus_HankookIlbo_2026_07_12.html": ("fundus_HankookIlbo.json", "V3"),
    "fundus_MBN_2025_06_03.html": ("fundus_MBN.json", "V1"),
    "fundus_MBN_2025_05_27.html": ("fundus_MBN_2025_05_27.json", "V1"),
    "fundus_MBN_2025_05_28.html": ("fundus_MBN_2025_05_28.json", "V1"),
    "fundus_MBN_2025_05_29.html": ("fundus_MBN_2025_05_29.json", "V1"),
    "fundus_MBN_2025_05_30.html": ("fundus_MBN_2025_05_30.json", "V1"),
    "scrapinghub_entermedia_0ec95c7261d1.html": ("scrapinghub_entermedia_0ec95c7261d1.json", None),
    "scrapinghub_entermedia_9da36ae4714b.html": ("scrapinghub_entermedia_9da36ae4714b.json", None),
}

CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u4e00-\u9fff\uac00-\ud7af]")
WORD_EDGE_PUNCT = "\"'“”‘’.,;:!?()[]{}<>«»—–-…*#|/\\"


@dataclass
class Page:
    corpus: str
    name: str
    html: bytes
    truth: str


@dataclass
class Score:
    precision: float
    recall: float
    f1: float


# ---------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------


def fundus_body(entry: dict) -> str:
    body = entry.get("body") or {}
    lines: list[str] = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        lines.extend(section.get("headline") or [])
        lines.extend(section.get("paragraphs") or [])
    return "\n".join(lines)


def korean_pages(corpus: Path) -> Iterator[Page]:
    base = corpus / "ko-news-html"
    for name, (truth_file, key) in KO_GROUND_TRUTH.items():
        data = json.loads((base / "ground-truth" / truth_file).read_text(encoding="utf-8"))
        if key is None:
            truth = next(iter(data.values()))["articleBody"]
        else:
            truth = fundus_body(data[key])
        yield Page("ko-news-html", name, (base / name).read_bytes(), truth)


def scrapinghub_pages(corpus: Path) -> Iterator[Page]:
    base = corpus / "scrapinghub-article-extraction-benchmark"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        path = base / "html" / f"{key}.html.gz"
        if not path.exists():
            continue
        yield Page("scrapinghub", key[:12], gzip.decompress(path.read_bytes()), truth[key].get("articleBody") or "")


# ---------------------------------------------------------------------------
# Measure
# ---------------------------------------------------------------------------


def is_cjk(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(1 for c in letters if CJK.match(c)) / len(letters) > 0.3


def units(text: str, cjk: bool) -> Counter[str]:
    if cjk:
        compact = "".join(text.split())
        return Counter(compact[i : i + 2] for i in range(len(compact) - 1))
    tokens = (t.strip(WORD_EDGE_PUNCT).lower() for t in text.split())
    return Counter(t for t in tokens if t)


def score(extracted: str, truth: str) -> Score:
    cjk = is_cjk(truth)
    got, want = units(extracted, cjk), units(truth, cjk)
    if not got or not want:
        return Score(0.0, 0.0, 0.0) if want else Score(1.0, 1.0, 1.0)
    common = sum((got & want).values())
    p = common / sum(got.values())
    r = common / sum(want.values())
    return Score(p, r, 0.0 if p + r == 0 else 2 * p * r / (p + r))


# ---------------------------------------------------------------------------
# Extractors under test
# ---------------------------------------------------------------------------


def planwatch_body(html: bytes) -> str:
    text, _ = decode_page(html, {}, None)
    parts = extract_html(text)
    lines = ([parts.subtitle] if parts.subtitle else []) + parts.paragraphs
    return "\n".join(lines)


def trafilatura_default_body(html: bytes) -> str:
    text, _ = decode_page(html, {}, None)
    return trafilatura.extract(text) or ""


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "planwatch": planwatch_body,
    "trafilatura-default": trafilatura_default_body,
}


def run(pages: list[Page], quiet: bool) -> dict[str, dict[str, list[Score]]]:
    results: dict[str, dict[str, list[Score]]] = {}
    for page in pages:
        row = []
        for name, extractor in EXTRACTORS.items():
            try:
                body = extractor(page.html)
            except Exception as exc:  # a crash on a real page is a score of 0, and reported
                print(f"  ! {name} failed on {page.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                body = ""
            s = score(body, page.truth)
            results.setdefault(page.corpus, {}).setdefault(name, []).append(s)
            row.append(f"{name} P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f}")
        if not quiet:
            print(f"{page.corpus:13s} {page.name[:42]:42s} " + " | ".join(row))
    return results


def summarize(results: dict[str, dict[str, list[Score]]]) -> None:
    print()
    print(f"{'corpus':13s} {'extractor':20s} {'pages':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    for corpus, by_extractor in results.items():
        for name, scores in by_extractor.items():
            p = statistics.mean(s.precision for s in scores)
            r = statistics.mean(s.recall for s in scores)
            f = statistics.mean(s.f1 for s in scores)
            print(f"{corpus:13s} {name:20s} {len(scores):5d} {p:6.3f} {r:6.3f} {f:6.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", choices=("ko", "sh"))
    parser.add_argument("--limit", type=int, default=None, help="at most N pages per corpus")
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    pages: list[Page] = []
    if args.only in (None, "ko"):
        pages += list(korean_pages(args.corpus))[: args.limit]
    if args.only in (None, "sh"):
        pages += list(scrapinghub_pages(args.corpus))[: args.limit]
    started = time.perf_counter()
    results = run(pages, args.quiet)
    summarize(results)
    print(f"\n{len(pages)} pages in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
