"""Commands over saved captures and the store: ``replay``, ``extract``, ``plans``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from planwatch.cli.terminal import console, labelled

if TYPE_CHECKING:
    from rich.progress import Progress


stdout = console()
stderr = console(stderr=True)


def _progress(total: int) -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    # A bar only helps on a terminal and for more than a handful of files.
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=total < 5 or not stderr.is_terminal,
    )


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-digest", is_flag=True, help="Store only; leave the digest for later (planwatch digest).")
@click.pass_obj
def replay(app, paths: tuple[Path, ...], no_digest: bool) -> None:
    """Replay saved captures through the whole pipeline, offline.

    PATHS are text captures (.txt), saved pages (.html, .htm), WARC archives
    (.warc, .warc.gz) or directories of them, read recursively. Each article is
    extracted, judged, stored once and queued for the digest; a file that cannot be
    read is reported in one line and the others go on.
    """
    from planwatch.captures import CaptureProblem, find_capture_files, read_captures
    from planwatch.pipeline import Pipeline, RunSummary
    from storage.db import StorageError

    files, problems = find_capture_files(paths)
    summary = RunSummary()
    for problem in problems:
        _warn(problem)
        summary.problems.append(str(problem))
    if not files:
        raise click.ClickException("nothing to replay: no capture files found in " + ", ".join(map(str, paths)))
    pipeline = Pipeline(app.database(), vocabulary=app.config.topics.vocabulary())
    max_bytes = app.config.crawl.max_page_bytes
    try:
        with _progress(len(files)) as progress:
            task = progress.add_task("replaying", total=len(files))
            for path in files:
                summary.files += 1
                for item in read_captures(path, max_bytes):
                    if isinstance(item, CaptureProblem):
                        _warn(item)
                        summary.problems.append(str(item))
                        continue
                    result = pipeline.process(item)
                    if result.status == "rejected":
                        _warn(f"{result.origin}: {result.reason}")
                    summary.add(result)
                progress.advance(task)
    except StorageError as exc:
        _print_summary(summary, None)
        raise click.ClickException(f"storing stopped: {exc}") from None
    report = None if no_digest else _send_digest(app)
    _print_summary(summary, report)
    if report is not None and report.refused:
        from planwatch.cli.crawl_cmds import refused_exit

        refused_exit([line for line in report.failures if line.split(":", 1)[0] in set(report.refused)])


def _send_digest(app):
    from alerts.delivery import queue_and_send_immediate

    return queue_and_send_immediate(app.database(), app.config, app.outbox)


def _warn(problem: object) -> None:
    stderr.print(labelled("skipped", "yellow", problem), highlight=False, soft_wrap=True)


def _print_summary(summary, report) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("files read", summary.files),
        ("articles kept", summary.articles),
        ("  new", summary.new_articles),
        ("  relevant", summary.relevant),
        ("new plans", summary.new_plans),
        ("updated plans", summary.updated_plans),
        ("skipped", len(summary.problems)),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    if report is not None:
        table.add_row("digest", report.summary_line())
    stdout.print(table)


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (a list for a WARC with several pages).")
@click.pass_obj
def extract(app, path: Path, as_json: bool) -> None:
    """Show what the pipeline extracts from one capture, storing nothing."""
    from extractors.article import ExtractionError
    from planwatch.captures import CaptureProblem, read_captures
    from planwatch.extraction import extract_capture
    from planwatch.records import article_to_json

    outputs = []
    for item in read_captures(path, app.config.crawl.max_page_bytes):
        if isinstance(item, CaptureProblem):
            raise click.ClickException(str(item))
        try:
            article, extraction = extract_capture(item, app.config.topics.vocabulary())
        except ExtractionError as exc:
            raise click.ClickException(f"{item.origin}: {exc}") from None
        outputs.append(article_to_json(article, extraction))
    if not outputs:
        raise click.ClickException(f"{path}: no HTML page in this archive")
    if as_json:
        payload = outputs[0] if len(outputs) == 1 else outputs
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    for out in outputs:
        _print_extraction(out)


def _print_extraction(out: dict) -> None:
    stdout.rule(out["title"] or "(no title)")
    meta = Table(show_header=False, box=None)
    meta.add_column(style="bold")
    meta.add_column()
    for key in ("url", "outlet", "author", "published", "relevant"):
        meta.add_row(key, str(out[key]))
    if out.get("relevance"):
        meta.add_row("reasons", ", ".join(out["relevance"]["reasons"]))
    plan = out.get("plan")
    if plan:
        meta.add_row("plan", f"{plan['municipality']} ({plan['province']}): {plan['title'] or '-'}")
        period = f"{plan['period_start'] or '?'}–{plan['period_end'] or '?'}" if plan["period_start"] else "-"
        meta.add_row("phase / period", f"{plan['phase'] or '-'} / {period}")
        meta.add_row("vision", plan["vision"] or "-")
        meta.add_row("counts", _counts(plan["counts"]))
        if plan["previous_counts"]:
            meta.add_row("previous counts", _counts(plan["previous_counts"]))
        for i, entry in enumerate(plan["items"], 1):
            meta.add_row("items" if i == 1 else "", f"{i}. {entry}")
    if out.get("event"):
        meta.add_row("event", f"{out['event']['type']} {out['event']['date'] or ''}")
    if out.get("committee"):
        c = out["committee"]
        meta.add_row("committee", f"{c['name'] or '-'}, {c['size'] or '?'} members, chairs {', '.join(c['chairs']) or '-'}")
    if out.get("partners"):
        meta.add_row("partners", ", ".join(out["partners"]))
    stdout.print(meta)
    stdout.print(out["text"], highlight=False)


def _counts(counts: dict | None) -> str:
    if not counts:
        return "-"
    labels = {"strategies": "전략", "tasks": "과제", "action_tasks": "실행과제", "projects": "사업"}
    parts = [f"{counts[k]} {label}" for k, label in labels.items() if counts.get(k) is not None]
    return " · ".join(parts) or "-"


@click.command()
@click.option("--json", "as_json", is_flag=True,
              help="Print the plans with their timelines as JSON (the schema of /api/v1/plans/{id}).")
@click.pass_obj
def plans(app, as_json: bool) -> None:
    """The stored plans, each with its timeline of events and their sources."""
    from storage.views import load_plans

    with app.database(create=False).session(read_only=True) as session:
        views = load_plans(session)
    if as_json:  # the API's schema (pydantic) is imported only for the JSON
        from web.schema import plans_json

        sys.stdout.write(json.dumps(plans_json(views), ensure_ascii=False, indent=2, default=str) + "\n")
        return
    data = [v.to_json() for v in views]
    if not data:
        stdout.print("No plans stored yet. Replay captures (planwatch replay seeds/) or crawl (planwatch crawl).")
        return
    for plan in data:
        _print_plan(plan)


def _print_plan(plan: dict) -> None:
    period = f", {plan['period_start']}–{plan['period_end']}" if plan.get("period_start") else ""
    title = plan.get("title") or "(untitled plan)"
    table = Table(title=f"{plan['municipality']} ({plan['province']}) — {title}{period}", title_justify="left",
                  show_lines=False, expand=False)
    table.add_column("date", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("sources")
    for event in plan.get("timeline", []):
        sources = "\n".join(
            f"{s.get('outlet') or '-'}: {s.get('title') or ''} {s.get('url') or ''}".strip() for s in event["sources"]
        )
        table.add_row(str(event.get("date") or "?"), event["type"], sources)
    stdout.print(table)
    facts = []
    if plan.get("stage"):
        facts.append(f"stage {plan['stage']}")
    counts = _counts(plan.get("counts"))
    if counts != "-":
        facts.append(counts)
    if plan.get("previous_counts"):
        facts.append(f"(was {_counts(plan['previous_counts'])})")
    if plan.get("vision"):
        facts.append(f"vision “{plan['vision']}”")
    if facts:
        stdout.print("  " + "; ".join(facts), highlight=False)
    stdout.print()
