"""``ledger erase``: the erasure of a member's personal data (CONTRACT §7.3, §7.8), as an
administrator of the whole ledger (the operator at the console)."""

import click

from bootstrap.settings import Settings
from cli.context import cli_caller, opened_services, pass_settings
from ledger.domain.errors import LedgerError


@click.command("erase")
@click.argument("household_id")
@click.option("--member", "member_id", required=True, help="The member's member_id")
@click.option("--basis", required=True, help="Why (e.g. the member's request under PIPL Art. 47)")
@pass_settings
def erase(settings: Settings, household_id: str, member_id: str, basis: str) -> None:
    """Erase a member's name, ID number and birth date from every event of a household,
    and record the erasure (PersonalDataErased). Every hash and archive stays valid."""
    from ledger.personal.erasure import Erasures

    try:
        with opened_services(settings, transparency=True) as opened:  # the fork guard too
            erased = Erasures(opened.appends, opened.ledger).erase(
                household_id, member_id, basis, cli_caller()
            )
    except LedgerError as error:
        raise click.ClickException(f"the erasure is refused: {error.detail}") from None
    click.echo(
        f"erased member {member_id} of household {household_id}: {erased['erased']} personal "
        f"fields; recorded as version {erased['version']}"
    )
