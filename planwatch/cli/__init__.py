"""The ``planwatch`` command line: global options, the app context, and the commands' registry.

Exit codes: 0 success, 1 runtime failure (one line on stderr), 2 bad usage (click).
Each command lives in a module of this package by theme; this module only wires
configuration to them.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from planwatch.logs import configure_logging, redact

if TYPE_CHECKING:
    from planwatch.config import Config

log = logging.getLogger("planwatch")


@dataclass
class AppContext:
    """What every command needs: the validated config, where the database and outbox are."""

    config_file: str | None
    db_url: str
    outbox: Path
    _config: Config | None = field(default=None, repr=False)
    _database: object | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            # imported here: pydantic and the presets are not needed by commands that read no configuration
            from planwatch.config import ConfigError, load_config

            try:
                self._config = load_config(self.config_file)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._config

    def database(self, *, create: bool = True):  # -> storage.db.Database
        """The database, opened once; ``create=False`` (commands that only read) refuses a missing SQLite file."""
        if self._database is None:
            from storage.db import StorageError, describe_database, missing_sqlite_file, open_database

            try:
                missing = missing_sqlite_file(self.db_url)
                if missing is not None and not create:
                    raise click.ClickException(
                        f"no database at {missing} ({self.db_url}): nothing is stored there yet"
                        f"{relative_url_hint(self.db_url)}; a writing command (replay, crawl, "
                        "subscribers add) creates it"
                    )
                self._database = open_database(self.db_url)
            except StorageError as exc:
                raise click.ClickException(str(exc)) from None
            log.info("database: %s%s", describe_database(self.db_url), " (created)" if missing else "")
        return self._database

    def announced_db_url(self) -> str:
        """The database URL for a command that opens it itself (a crawl, a worker), named at ``-v``."""
        from storage.db import describe_database, missing_sqlite_file

        created = " (created)" if missing_sqlite_file(self.db_url) is not None else ""
        log.info("database: %s%s", describe_database(self.db_url), created)
        return self.db_url

    @property
    def database_description(self) -> str:
        from storage.db import describe_database

        return describe_database(self.db_url)


def relative_url_hint(url: str) -> str:
    """A ``sqlite:///srv/x.db`` is the relative path srv/x.db; say so when it looks meant as absolute."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rest = url[len("sqlite:///"):]
        if "/" in rest and not rest.startswith((".", "~")):
            return f" (sqlite:///{rest} is relative to the working directory; an absolute path takes four slashes: sqlite:////{rest})"
    return ""


def default_db_url() -> str:
    from storage.db import default_db_url as storage_default

    return storage_default()


# Command name → where it lives. Loaded on use (click's lazy subcommands), so that
# `planwatch crawl` does not import the digest renderer, nor `planwatch replay` Scrapy.
COMMANDS = {
    "init": "planwatch.cli.init_cmds:init",
    "replay": "planwatch.cli.replay_cmds:replay",
    "extract": "planwatch.cli.replay_cmds:extract",
    "plans": "planwatch.cli.replay_cmds:plans",
    "digest": "planwatch.cli.alerts_cmds:digest",
    "subscribers": "planwatch.cli.alerts_cmds:subscribers",
    "crawl": "planwatch.cli.crawl_cmds:crawl",
    "sources": "planwatch.cli.crawl_cmds:sources",
    "backfill": "planwatch.cli.coverage_cmds:backfill",
    "coverage": "planwatch.cli.coverage_cmds:coverage",
    "run": "planwatch.cli.service_cmds:run",
    "status": "planwatch.cli.service_cmds:status",
    "worker": "planwatch.cli.distributed_cmds:worker",
    "enqueue": "planwatch.cli.distributed_cmds:enqueue",
    "db": "planwatch.cli.distributed_cmds:db",
    "serve": "planwatch.cli.web_cmds:serve",
}


class PlanwatchGroup(click.Group):
    """Loads commands on use, and turns any unexpected exception into one line and exit code 1
    (``--debug`` shows the traceback)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            reason = redact(str(exc).splitlines()[0]) if str(exc) else type(exc).__name__
            log.debug("unexpected error", exc_info=True)
            raise click.ClickException(f"{type(exc).__name__}: {reason} (run with --debug for details)") from None


@click.group(cls=PlanwatchGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_file", metavar="FILE", envvar="PLANWATCH_CONFIG",
              help="Configuration file (env PLANWATCH_CONFIG; default ./planwatch.toml if present, "
                   "else the built-in default configuration; `planwatch init` writes it out).")
@click.option("--db", "db_url", metavar="URL", envvar="PLANWATCH_DB",
              help="SQLAlchemy database URL (env PLANWATCH_DB; default sqlite:///planwatch.db).")
@click.option("--outbox", metavar="DIR", envvar="PLANWATCH_OUTBOX", type=click.Path(file_okay=False, path_type=Path),
              help="Where digests are written when no SMTP server is configured (env PLANWATCH_OUTBOX; default ./outbox).")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False), help="Log verbosity.")
@click.option("--log-file", metavar="FILE", help="Write logs to FILE instead of stderr.")
@click.option("--log-json", is_flag=True, help="Log one JSON object per line.")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO: which database, configuration and outbox are used.")
@click.version_option(package_name="planwatch", prog_name="planwatch")
@click.pass_context
def main(ctx: click.Context, config_file: str | None, db_url: str | None, outbox: Path | None,
         log_level: str, log_file: str | None, log_json: bool, debug: bool, verbose: bool) -> None:
    """Watch Korean news for local 4th-Industrial-Revolution plans and mail a digest of what changed.

    Replay saved captures (replay), crawl the configured sources (crawl), look at
    what is stored (plans), and send or preview digests (digest).
    """
    if verbose and log_level.upper() in ("WARNING", "ERROR"):
        log_level = "INFO"
    configure_logging("DEBUG" if debug else log_level, log_file, log_json)
    ctx.obj = AppContext(
        config_file=config_file,
        db_url=db_url or default_db_url(),
        outbox=outbox or Path(os.environ.get("PLANWATCH_OUTBOX") or "outbox"),
    )


def run() -> None:
    """The ``planwatch`` program: the command line, then a quick exit.

    A crawl leaves ~150,000 objects alive; the interpreter's final garbage
    collections over them took 0.5 s, a third of a crawl that finds nothing new.
    Everything the command wrote is closed or flushed by the time it returns, so
    the heap is frozen and those collections skip it.
    """
    import gc

    try:
        main()
    finally:
        gc.freeze()
