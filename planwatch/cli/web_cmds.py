"""``planwatch serve``: the web desk over the configured database."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default=None, metavar="ADDRESS", help="Address to listen on (default [web] host, 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default [web] port, 8080).")
@click.pass_obj
def serve(app, host: str | None, port: int | None) -> None:
    """Serve the web desk: plans, exports, feeds, the API and self-service subscriptions.

    Public pages only read the database. The admin view is on when
    $PLANWATCH_ADMIN_TOKEN is set. Links in digests point here when [web] base_url is set.
    """
    import uvicorn

    from web.app import create_app

    config = app.config
    try:
        application = create_app(config, app.database(), app.outbox)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    where_host, where_port = host or config.web.host, port or config.web.port
    click.echo(f"planwatch serving on http://{where_host}:{where_port}/ (Ctrl-C stops)", err=True)
    try:
        uvicorn.run(application, host=where_host, port=where_port, log_level="warning", access_log=False,
                    proxy_headers=False, server_header=False)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {where_host}:{where_port}: {exc.strerror or exc}") from None
