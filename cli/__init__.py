"""The ``ledger`` command: one module per command group, all built over ``cli.context``."""

import click

from api.observability import configure_logging
from bootstrap.settings import Settings
from cli import county, erase, importing, integrity, migrate, read_models, serve, tokens, witness


@click.group()
@click.pass_context
def main(context: click.Context) -> None:
    """Event-sourced audit ledger for the dynamic monitoring to prevent return to poverty."""
    settings = Settings()  # once per invocation; every command reads these
    # Every command's log lines (a parked household, a driver's warning) go to stderr,
    # redacted, as the service's do; stdout keeps what a command prints for its caller.
    configure_logging(settings.log_format, settings.log_level)
    context.obj = settings


for command in (
    serve.serve,
    migrate.migrate_command,
    read_models.projections,
    tokens.token,
    integrity.archive,
    integrity.verify,
    integrity.audit,
    importing.import_command,
    importing.template,
    erase.erase,
    county.demo,
    witness.witness,
):
    main.add_command(command)

__all__ = ["main"]
