"""The consoles the commands print to: captured text is shown as it is, never read as rich markup.

Titles, URLs, file names and error lines come from crawled pages and saved files; a
page titled ``[/x]`` must not end a run with rich's ``MarkupError`` nor a ``[bold]``
in a URL restyle the terminal. So every console of the command line is made here with
markup off, and the few words the commands colour are ``rich.text.Text`` values.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text


def console(stderr: bool = False) -> Console:
    """A console that prints strings literally (``markup=False``), tables and rules included."""
    return Console(stderr=stderr, markup=False)


def labelled(label: str, style: str, rest: object) -> Text:
    """``label`` in ``style``, a space, then ``rest`` as plain text."""
    return Text.assemble((label, style), " ", str(rest))
