"""``ledger migrate``: the schema brought up to date, whatever ``LEDGER_AUTO_MIGRATE`` says."""

import click

from bootstrap.settings import Settings
from cli.context import migrate_schema, pass_settings
from ledger.persistence.migrate import MigrationRefused


@click.command("migrate")
@pass_settings
def migrate_command(settings: Settings) -> None:
    """Bring the database schema up to date (idempotent)."""
    try:
        applied = migrate_schema(settings)
    except MigrationRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"applied: {', '.join(applied)}" if applied else "already up to date")
