"""``ledger archive export``, ``ledger verify`` and ``ledger audit``: trace archives written
and checked offline, and the whole stored log checked against its signed checkpoints."""

import click

from bootstrap.settings import Settings
from cli.context import cli_caller, opened_ledger, opened_services, pass_settings
from ledger.application import HouseholdLedger
from ledger.domain.errors import LedgerError

# ``ledger verify`` exit codes (CONTRACT §7.8): 0 only when the origin is verified too.
VERIFIED, MISMATCH, ORIGIN_NOT_VERIFIED = 0, 1, 3


@click.group()
def archive() -> None:
    """Trace archives (痕迹资料) of households."""


@archive.command("export")
@click.argument("household_id")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The zip file to write"
)
@pass_settings
def archive_export(settings: Settings, household_id: str, output: str) -> None:
    """Write a household's trace archive, as the API serves it."""
    from ledger.transparency.archive import ArchiveSources, write_archive
    from ledger.transparency.signing import KeyFileError

    try:
        with opened_services(settings, transparency=True) as opened:
            sources = ArchiveSources(
                opened.ledger, opened.transparency, opened.materials, opened.configuration
            )
            manifest = write_archive(sources, household_id, cli_caller(), output)
            _log_access(opened.ledger, household_id, "ledger archive export")
    except LedgerError as error:
        raise click.ClickException(error.detail) from None
    except KeyFileError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"wrote {output}: household {household_id}, {manifest['version']} events, "
        f"checkpoint of {manifest['tree_size']} events"
    )


def _log_access(ledger: HouseholdLedger, household_id: str, command: str) -> None:
    """The CLI runs locally and is not logged, except what hands personal data out."""
    from ledger.persistence.access_log import Access
    from ledger.reading import village_of

    caller = cli_caller()
    access = Access(
        ledger.clock(),
        caller.token_id,
        str(caller.role),
        household_id,
        village_of(ledger, household_id) or "",
        command,
    )
    ledger.stores.access_log.record([access])


@click.command()
@click.argument("archive_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(exists=True, dir_okay=False),
    help="The ledger's public key, obtained separately (JSON from "
    "/v1/checkpoints/public-key, or its base64)",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A witness policy (c2sp.org/tlog-policy), obtained separately: each event's "
    "tlog-proof must be signed by its log and cosigned by its quorum of witnesses",
)
@click.option(
    "--max-entry-mib",
    type=click.IntRange(min=1),
    default=1024,
    show_default=True,
    help="Refuse an archive with an entry that would inflate past this",
)
@click.option(
    "--max-document-mib",
    type=click.IntRange(min=1),
    default=128,
    show_default=True,
    help="Refuse a JSON document (events, proofs, index) larger than this",
)
def verify(
    archive_file: str,
    public_key_file: str | None,
    policy_file: str | None,
    max_entry_mib: int,
    max_document_mib: int,
) -> None:
    """Verify a trace archive offline: hashes, chain, proofs, signatures, materials, and
    that every entry is unambiguous and listed. Exit 0: all holds against the key or the
    witness policy given (with a policy, its quorum met); 1: a mismatch (named); 3:
    consistent, but no key or policy was given to verify its origin."""
    from ledger.transparency.verify import (
        ArchiveInvalid,
        Limits,
        read_policy,
        read_public_key,
        verify_archive,
    )
    from ledger.transparency.zipreader import MiB

    limits = Limits(
        entry_bytes=max_entry_mib * MiB,
        document_bytes=max_document_mib * MiB,
        parsed_bytes=4 * max_document_mib * MiB,
    )
    try:
        key = read_public_key(public_key_file) if public_key_file else None
        policy = read_policy(policy_file) if policy_file else None
        verified = verify_archive(archive_file, key, limits, policy=policy)
    except ArchiveInvalid as error:
        click.echo(f"FAILED: {archive_file}: {error}", err=True)
        raise SystemExit(MISMATCH) from None
    click.echo(verified.summary())
    if not verified.origin_verified:
        warning = (
            "ORIGIN NOT VERIFIED: the archive is consistent but its origin is not "
            "verified: it was checked only against the key it carries, which a forger "
            "would bring along; pass --public-key with the ledger's key, or --policy with "
            "its witness policy, obtained separately (exit 3)"
        )
        click.echo(warning)
        click.echo(warning, err=True)
        raise SystemExit(ORIGIN_NOT_VERIFIED)


@click.command()
@pass_settings
def audit(settings: Settings) -> None:
    """Re-read every stored event; recompute hashes, chains and the tree; compare with the
    signed checkpoints. Exit 0 only if all hold; otherwise name what differs."""
    from ledger.transparency.audit import audit as run_audit
    from ledger.transparency.fork_guard import guard_for_audit
    from ledger.transparency.signing import KeyFileError

    with opened_ledger(settings) as ledger:
        total = ledger.tables.count_events()
        with click.progressbar(length=total, label="auditing") as bar:
            report = run_audit(
                ledger,
                ledger.stores.merkle,
                progress=bar.update,
            )
        # The same comparison the service makes at start (CONTRACT §7.4, fork guard).
        try:
            guard = guard_for_audit(
                ledger.stores.merkle,
                ledger.recorder,
                settings.note_key,
                settings.log_origin,
                settings.witness_policy,
            )
            forks = [d.message() for d in guard.check(witnesses=True)]
        except KeyFileError as error:  # an unreadable .signed file or witness policy
            forks = [str(error)]
        report.findings += [f"fork guard: {fork}" for fork in forks]
    for finding in report.findings[:50]:
        click.echo(f"- {finding}")
    if len(report.findings) > 50:
        click.echo(f"- … and {len(report.findings) - 50} more")
    click.echo(report.summary())
    if not report.holds:
        raise SystemExit(1)
