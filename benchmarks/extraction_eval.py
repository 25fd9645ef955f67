"""How well Article → Extraction works: per-field scores on the labelled texts.

Usage: ``python benchmarks/extraction_eval.py [--split tune|check|all] [--misses tune|check|all|none]
[--all-relevant]`` (the fields on every item labelled relevant, as if relevance were perfect).

Its main measure is the shared development set (``../shared/devset``, 162 texts labelled by
others, read in place): relevance P/R/F1 and the per-field scores its README prescribes, per
split, with the misses listed by id and field. ``--project-set`` adds the project's own texts:

the development set (``tests/data/devset/*.txt``) plus the five seed fixtures
(``tests/data/seeds_clean``) and, separately, the held-out texts
(``tests/data/devset/heldout``), written after the rules were fixed and never used
to change them. Prints relevance precision/recall/F1, the exact-match accuracy of
each scalar field on the texts labelled relevant, and the mean and p95 extraction
time per article. The format of the labelled texts is in ``benchmarks/labelled.py``.
Last, it runs the real Korean news pages of ``../shared/corpus/ko-news-html`` (read in
place, never copied; none reports a local plan) and counts those judged relevant.

Scoring rules: a field is scored on the relevant texts whose header names it;
``period``, ``phase``, ``vision`` and ``previous_counts`` are also scored when absent
(expected empty), so a value made up from nothing counts as an error. A relevant
text the extractor rejects gets every field wrong.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.labelled import LabelledText, read_dir  # noqa: E402
from extractors.plan import extract_plan  # noqa: E402
from planwatch.records import Article, Counts, Extraction  # noqa: E402

DEVSET = ROOT / "tests" / "data" / "devset"
HELDOUT = DEVSET / "heldout"
SEEDS = ROOT / "tests" / "data" / "seeds_clean"

FIELDS = ("municipality", "province", "event", "event_date", "plan_title", "family", "phase", "period",
          "vision", "counts", "previous_counts", "items", "committee_size", "partners")
EMPTY_WHEN_ABSENT = ("phase", "period", "vision", "previous_counts")
TARGETS = {"relevance_f1": 0.95, "municipality": 0.97, "event": 0.90, "period": 0.90, "counts": 0.90,
           "previous_counts": 0.90, "vision": 0.85}


@dataclass
class FieldScore:
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0


@dataclass
class Report:
    texts: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    times_ms: list[float] = field(default_factory=list)
    relevance_misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def p95_ms(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0

    def accuracy(self, name: str) -> float:
        return self.f1 if name == "relevance_f1" else self.fields[name].accuracy


def parse_counts(value: str) -> Counts:
    if value.strip() in ("", "-"):
        return Counts()
    parts = dict(p.split("=") for p in value.split())
    return Counts(**{k: int(v) for k, v in parts.items()})


def predicted(ex: Extraction) -> dict[str, object]:
    """The extraction in the shape of the labels."""
    p = ex.plan
    if not ex.relevance.relevant or p is None:
        return {}
    return {
        "municipality": (p.municipality, p.province),
        "province": p.province,
        "event": ex.event.type if ex.event else None,
        "event_date": ex.event.date_iso() if ex.event else None,
        "plan_title": (p.title or "").replace(" ", "") or None,
        "family": p.family,
        "phase": p.phase,
        "period": (p.period_start, p.period_end) if p.period_start else None,
        "vision": p.vision,
        "counts": p.counts,
        "previous_counts": p.previous_counts if p.previous_counts and not p.previous_counts.is_empty() else None,
        "items": len(p.items),
        "committee_size": ex.committee.size if ex.committee else None,
        "partners": frozenset(ex.partners),
    }


def expected_value(name: str, labels: dict[str, str]) -> object:
    raw = labels.get(name)
    if raw is None or raw == "-":
        return {"counts": Counts(), "items": 0, "partners": frozenset()}.get(name)
    if name == "municipality":
        return (raw, labels.get("province"))
    if name in ("counts", "previous_counts"):
        c = parse_counts(raw)
        return None if name == "previous_counts" and c.is_empty() else c
    if name in ("phase", "items", "committee_size"):
        return int(raw)
    if name == "period":
        a, b = raw.split("-")
        return (int(a), int(b))
    if name == "plan_title":
        return raw.replace(" ", "")
    if name == "partners":
        return frozenset(x.strip() for x in raw.split(",") if x.strip())
    return raw


def evaluate(texts: list[LabelledText]) -> Report:
    report = Report()
    for lt in texts:
        t = time.perf_counter()
        ex = extract_plan(lt.article)
        report.times_ms.append((time.perf_counter() - t) * 1000)
        report.texts += 1
        want = lt.expected.get("relevant", "yes") == "yes"
        got = ex.relevance.relevant
        report.tp += want and got
        report.fp += got and not want
        report.fn += want and not got
        report.tn += not want and not got
        if want != got:
            report.relevance_misses.append(f"{lt.name}: expected {want}, got {got} {ex.relevance.reasons}")
        if not want:
            continue
        pred = predicted(ex)
        for name in FIELDS:
            if name not in lt.expected and name not in EMPTY_WHEN_ABSENT:
                continue
            if name == "previous_counts" and "counts" not in lt.expected and name not in lt.expected:
                continue
            exp = expected_value(name, lt.expected)
            got_value = pred.get(name)
            score = report.fields[name]
            score.total += 1
            if got_value == exp:
                score.right += 1
            else:
                score.misses.append(f"{lt.name}: expected {exp!r}, got {got_value!r}")
    return report


def print_report(title: str, report: Report, show_misses: bool = True) -> None:
    print(f"\n== {title}: {report.texts} texts ==")
    print(f"relevance  precision {report.precision:.3f}  recall {report.recall:.3f}  F1 {report.f1:.3f}"
          f"  (tp {report.tp}, fp {report.fp}, fn {report.fn}, tn {report.tn})")
    print(f"{'field':<16}{'exact':>8}{'n':>6}   target")
    for name, score in report.fields.items():
        target = TARGETS.get(name)
        mark = "" if target is None else f"≥ {target:.2f} {'ok' if score.accuracy >= target else 'MISSED'}"
        print(f"{name:<16}{score.accuracy:>8.3f}{score.total:>6}   {mark}")
    print(f"time per article: mean {statistics.fmean(report.times_ms):.2f} ms, p95 {report.p95_ms():.2f} ms")
    if show_misses:
        for line in report.relevance_misses:
            print("  relevance miss:", line)
        for name, score in report.fields.items():
            for line in score.misses:
                print(f"  {name} miss: {line}")


def development_texts() -> list[LabelledText]:
    return read_dir(DEVSET) + read_dir(SEEDS)


CORPUS = next((c for c in (ROOT.parent / "shared" / "corpus" / "ko-news-html",
                            ROOT.parent.parent / "shared" / "corpus" / "ko-news-html") if c.exists()),
              ROOT.parent / "shared" / "corpus" / "ko-news-html")


def real_pages_flagged() -> tuple[int, list[str]]:
    """Real Korean news pages of the shared corpus (none is a local plan step): how many pass as relevant."""
    import trafilatura

    from planwatch.records import Article

    flagged, pages = [], sorted(CORPUS.glob("*.html")) if CORPUS.exists() else []
    for page in pages:
        html = page.read_text("utf-8", errors="replace")
        text = trafilatura.extract(html) or ""
        meta = trafilatura.extract_metadata(html)
        article = Article(title=(meta.title if meta and meta.title else ""), text=text)
        if extract_plan(article).relevance.relevant:
            flagged.append(page.name)
    return len(pages), flagged


# --------------------------------------------------------------------------------------------
# The shared development set: 162 texts labelled by others (../shared/devset), two splits.
# Develop on ``tune``; ``check`` is only measured. Scoring as its README prescribes.
# --------------------------------------------------------------------------------------------

def _shared_devset_dir() -> Path:
    """``$PLANWATCH_DEVSET``, else ``../shared/devset`` beside the checkout (or beside the folder holding it)."""
    if os.environ.get("PLANWATCH_DEVSET"):
        return Path(os.environ["PLANWATCH_DEVSET"])
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "devset").is_dir():
            return base / "shared" / "devset"
    return ROOT.parent / "shared" / "devset"


SHARED_DEVSET = _shared_devset_dir()
SHARED_FIELDS = ("municipality", "province", "event_type", "plan_title", "phase", "period", "vision",
                 "counts", "previous_counts", "committee_size", "published")
SHARED_TARGETS = {"relevance_f1": 0.97, "relevance_recall": 0.97, "municipality": 0.98, "province": 0.98,
                  "event_type": 0.92, "plan_title": 0.90, "period": 0.92, "counts": 0.92,
                  "previous_counts": 0.92, "committee_size": 0.92, "vision": 0.92, "published": 0.95}
PROVINCE_ALIASES = {"강원도": "강원특별자치도", "전라북도": "전북특별자치도", "제주도": "제주특별자치도"}
_TEXT_NOISE = re.compile(r"[\s'\"‘’“”「」『』《》〈〉<>()\[\]{}·.,]")


@dataclass
class SharedItem:
    id: str
    split: str
    label: dict[str, Any]
    path: Path


def read_shared_devset(root: Path = SHARED_DEVSET) -> list[SharedItem]:
    """The labelled items, each with its text file; raises FileNotFoundError when the set is absent."""
    rows = [json.loads(line) for line in (root / "labels.jsonl").read_text("utf-8").splitlines() if line.strip()]
    return [SharedItem(r["id"], r["split"], r, root / "texts" / f"{r['id']}.txt") for r in rows]


def norm_province(name: str | None) -> str | None:
    return PROVINCE_ALIASES.get(name, name) if name else name


def norm_text(value: str | None) -> str:
    return _TEXT_NOISE.sub("", value or "")


def titles_match(want: str | None, got: str | None) -> bool:
    a, b = norm_text(want), norm_text(got)
    if a == b:
        return True
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return len(short) > 4 and short in long_


def counts_dict(c: Counts | dict[str, Any] | None) -> dict[str, int]:
    if c is None:
        return {}
    raw = dataclasses.asdict(c) if isinstance(c, Counts) else c
    return {k: v for k, v in raw.items() if v is not None}


def shared_field_values(article: Article | None, ex: Extraction | None) -> dict[str, Any]:
    """The prediction in the shape of the labels (empty when no plan was read)."""
    if ex is None or ex.plan is None:
        return {}
    p = ex.plan
    return {
        "municipality": norm_province(p.municipality),
        "province": norm_province(p.province),
        "event_type": ex.event.type if ex.event else None,
        "plan_title": p.title,
        "phase": p.phase,
        "period": (p.period_start, p.period_end) if p.period_start or p.period_end else None,
        "vision": p.vision,
        "counts": counts_dict(p.counts),
        "previous_counts": sorted(counts_dict(p.previous_counts).values()) or None,
        "committee_size": ex.committee.size if ex.committee else None,
        "published": article.published.date().isoformat() if article and article.published else None,
    }


def shared_expected(label: dict[str, Any]) -> dict[str, Any]:
    period = (label["period_start"], label["period_end"]) if label["period_start"] or label["period_end"] else None
    return {
        "municipality": norm_province(label["municipality"]),
        "province": norm_province(label["province"]),
        "event_type": label["event_type"],
        "plan_title": label["plan_title"],
        "phase": label["phase"],
        "period": period,
        "vision": label["vision"],
        "counts": counts_dict(label["counts"]),
        "previous_counts": sorted(counts_dict(label["previous_counts"]).values()) or None,
        "committee_size": label["committee_size"],
        "published": label["published"],
    }


def field_right(name: str, want: Any, got: Any) -> bool:
    if name == "plan_title":
        return titles_match(want, got) if want or got else True
    if name == "vision":
        return norm_text(want) == norm_text(got)
    return bool(want == got)


def extract_text_capture(path: Path, assume_relevant: bool = False) -> tuple[Article | None, Extraction | None, str | None]:
    """The real replay path for a text capture: bytes → Capture → Article → Extraction.

    ``assume_relevant`` reads the plan's fields whatever relevance says (``--all-relevant``).
    """
    from extractors.article import ExtractionError, capture_to_article
    from planwatch.extraction import extract_capture
    from planwatch.records import Capture

    capture = Capture(body=path.read_bytes(), kind="text", origin=str(path))
    try:
        if assume_relevant:
            article = capture_to_article(capture)
            return article, extract_plan(article, assume_relevant=True), None
        article, ex = extract_capture(capture)
    except ExtractionError as exc:
        return None, None, str(exc)
    return article, ex, None


def evaluate_shared(items: list[SharedItem], all_relevant: bool = False) -> Report:
    """Relevance over all items; the fields on the items labelled and judged relevant, or with
    ``all_relevant`` on every item labelled relevant (the fields as if relevance were perfect)."""
    report = Report(fields={f: FieldScore() for f in SHARED_FIELDS})
    for item in items:
        t = time.perf_counter()
        article, ex, refused = extract_text_capture(item.path, assume_relevant=all_relevant)
        report.times_ms.append((time.perf_counter() - t) * 1000)
        report.texts += 1
        want = bool(item.label["relevant"])
        got = ex is not None and ex.relevance.relevant
        report.tp += want and got
        report.fp += got and not want
        report.fn += want and not got
        report.tn += not want and not got
        if want != got:
            why = refused or (ex.relevance.reasons if ex else [])
            report.relevance_misses.append(f"{item.id}: expected {want}, got {got} {why}")
        if not (want and (got or all_relevant)):
            continue
        pred, exp = shared_field_values(article, ex), shared_expected(item.label)
        for name in SHARED_FIELDS:
            if name == "published" and not exp["published"]:
                continue
            score = report.fields[name]
            score.total += 1
            if field_right(name, exp[name], pred.get(name)):
                score.right += 1
            else:
                score.misses.append(f"{item.id}: expected {exp[name]!r}, got {pred.get(name)!r}")
    return report


def shared_scores(report: Report) -> dict[str, float]:
    out = {"relevance_precision": report.precision, "relevance_recall": report.recall, "relevance_f1": report.f1}
    out.update({name: score.accuracy for name, score in report.fields.items()})
    return out


def print_shared_report(title: str, report: Report, show_misses: bool) -> None:
    print(f"\n== {title}: {report.texts} texts ==")
    print(f"relevance  precision {report.precision:.3f}  recall {report.recall:.3f}  F1 {report.f1:.3f}"
          f"  (tp {report.tp}, fp {report.fp}, fn {report.fn}, tn {report.tn})")
    print(f"{'field':<16}{'score':>8}{'n':>6}   target")
    for name, score in report.fields.items():
        target = SHARED_TARGETS.get(name)
        mark = "" if target is None else f"≥ {target:.2f} {'ok' if score.accuracy >= target else 'MISSED'}"
        print(f"{name:<16}{score.accuracy:>8.3f}{score.total:>6}   {mark}")
    print(f"time per article (decode + clean + extract): mean {statistics.fmean(report.times_ms):.2f} ms,"
          f" p95 {report.p95_ms():.2f} ms")
    if show_misses:
        for line in report.relevance_misses:
            print("  relevance miss:", line)
        for name, score in report.fields.items():
            for line in score.misses:
                print(f"  {name} miss: {line}")


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--split", choices=("tune", "check", "all"), default="all",
                      help="which split of the shared development set to measure (default: both)")
    args.add_argument("--misses", choices=("tune", "check", "all", "none"), default="tune",
                      help="list the misses of this split (default: tune; look at check misses only after measuring)")
    args.add_argument("--project-set", action="store_true", help="also the project's own labelled texts")
    args.add_argument("--all-relevant", action="store_true",
                      help="score the fields on every item labelled relevant, as if relevance were perfect")
    opts = args.parse_args(argv)
    extract_plan(read_dir(SEEDS)[0].article)  # read the gazetteer before timing
    try:
        items = read_shared_devset()
    except FileNotFoundError:
        print(f"the shared development set is not at {SHARED_DEVSET} (set PLANWATCH_DEVSET)", file=sys.stderr)
        return 1
    for split in ("tune", "check"):
        if opts.split in (split, "all"):
            report = evaluate_shared([i for i in items if i.split == split], all_relevant=opts.all_relevant)
            title = f"shared devset, {split} split" + (", fields on all labelled relevant" if opts.all_relevant else "")
            print_shared_report(title, report, opts.misses in (split, "all"))
    if opts.project_set:
        print_report("project texts + seeds", evaluate(development_texts()))
        if HELDOUT.exists():
            print_report("project held-out texts", evaluate(read_dir(HELDOUT)))
        total, flagged = real_pages_flagged()
        if total:
            print(f"\n== real news pages (shared corpus, none relevant): {len(flagged)} of {total} flagged {flagged}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
