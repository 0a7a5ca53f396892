"""``ledger token``: bearer tokens created, listed and revoked."""

from datetime import UTC, datetime, timedelta

import click

from bootstrap.settings import Settings
from cli.context import opened_ledger, pass_settings
from ledger.domain.errors import LedgerError
from ledger.domain.vocabulary import CallerRole, Department
from ledger.tokens import create_token


@click.group()
def token() -> None:
    """Bearer tokens: create, list, revoke."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in CallerRole]))
@click.option("--division", required=True, help="Division code prefix, e.g. 530925")
@click.option(
    "--department",
    type=click.Choice([d.value for d in Department]),
    help="For role 'department': which one",
)
@click.option("--name", help="Who holds the token (shown as recorded_by.name)")
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Expire after N days")
@pass_settings
def token_create(
    settings: Settings,
    role: str,
    division: str,
    department: str | None,
    name: str | None,
    expires_in_days: int | None,
) -> None:
    """Create a token; it is printed once, alone on the last line, and only its hash is kept."""
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    with opened_ledger(settings) as ledger:
        try:
            value = create_token(
                ledger.tables,
                role=role,
                division=division,
                department=department,
                name=name,
                expires_at=expires_at,
            )
        except LedgerError as error:
            raise click.UsageError(error.detail) from None
    click.echo(f"token for {role} in division '{division}' (shown once, store it now):", err=True)
    click.echo(value)


@token.command("list")
@pass_settings
def token_list(settings: Settings) -> None:
    """List tokens (never their secrets)."""
    with opened_ledger(settings) as ledger:
        for t in ledger.tables.list_tokens():
            state = "revoked" if t.revoked_at else "active"
            click.echo(
                f"{t.token_id}\t{t.role}\t{t.division or '*'}\t{t.department or '-'}\t"
                f"{t.name}\t{state}\t{t.expires_at.isoformat() if t.expires_at else '-'}"
            )


@token.command("revoke")
@click.argument("token_id")
@pass_settings
def token_revoke(settings: Settings, token_id: str) -> None:
    """Revoke a token by its id (the hex part after ``ldg_``)."""
    with opened_ledger(settings) as ledger:
        if not ledger.tables.revoke_token(token_id, datetime.now(UTC)):
            raise click.ClickException(f"no token {token_id}")
    click.echo(f"revoked {token_id}")
