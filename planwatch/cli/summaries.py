"""What the summaries of ``planwatch crawl`` and ``planwatch worker`` share: the counts every crawl has.

Its own module so that the crawl and the distributed commands both import it, and neither
imports the other for it.
"""

from __future__ import annotations

from rich.table import Table


def summary_table(first_rows: list[tuple[str, object]], summary) -> tuple[Table, list[tuple[str, object]]]:  # type: ignore[no-untyped-def]
    """The two-column table of a crawl's summary and its rows: ``first_rows``, then the counts every crawl has."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        *first_rows,
        ("pages fetched", summary.pages),
        ("articles new", summary.new_articles),
        ("  relevant", summary.relevant),
        ("new plans", summary.new_plans),
        ("updated plans", summary.updated_plans),
        ("page errors", summary.errors),
    ]
    return table, rows
