"""``planwatch init``: a starter configuration for someone who installed the package, not the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import click

from planwatch.config import DEFAULT_CONFIG_NAME, default_config_text, parse_config


def write_starter_config(target: Path, force: bool) -> int:
    """Write the packaged default configuration to ``target``; the number of sources in it.

    Written to a temporary file beside it and renamed, so an interrupted write leaves no half file.
    """
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists; keep it, or pass --force to replace it")
    text = default_config_text()
    sources = len(parse_config(text, DEFAULT_CONFIG_NAME).sources)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {target}: {exc.strerror or exc}") from None
    return sources


@click.command()
@click.option("--force", is_flag=True, help="Replace an existing planwatch.toml.")
def init(force: bool) -> None:
    """Write a commented starter planwatch.toml into the current directory.

    It is the default configuration planwatch uses when no planwatch.toml exists: the
    regional papers and portal searches to watch, the crawl's politeness limits and the
    digest's times. Edit it, then check it with `planwatch sources --check`.
    """
    target = Path.cwd() / DEFAULT_CONFIG_NAME
    sources = write_starter_config(target, force)
    click.echo(f"wrote {DEFAULT_CONFIG_NAME}: {sources} sources; edit it, then run `planwatch sources --check`")
