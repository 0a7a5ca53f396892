"""``ledger serve``: the HTTP service on one address, announced once it listens."""

import click

from bootstrap.settings import Settings
from cli.context import pass_settings, service


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@pass_settings
def serve(settings: Settings, host: str, port: int) -> None:
    """Run the HTTP service (embedded SQLite ./ledger.db unless LEDGER_DATABASE_URL is set)."""
    from api.redaction import redact_text
    from api.server import AnnouncingServer, CannotListen, config_for, listening_socket

    try:
        sock = listening_socket(host, port)  # before anything is announced
    except CannotListen as error:
        raise click.ClickException(f"cannot serve: {error}") from None
    port = sock.getsockname()[1]  # the one chosen, for --port 0
    shown = f"[{host}]" if ":" in host else host
    server = AnnouncingServer(
        config_for(service(settings), settings, host, port),
        lambda: click.echo(
            f"ledger: serving http://{shown}:{port} on {redact_text(settings.database_url)}",
            err=True,
        ),
    )
    with sock:
        server.run(sockets=[sock])
