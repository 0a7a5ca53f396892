"""The ``ledger`` console script."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import click

from api.settings import Settings
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.errors import LedgerError
from ledger.domain.vocabulary import CallerRole, Department
from ledger.persistence.database import Database
from ledger.persistence.migrate import migrate
from ledger.tokens import create_token
from projections.runner import ProjectionRunner


@contextmanager
def _ledger(settings: Settings) -> Iterator[HouseholdLedger]:
    database = Database.from_url(settings.database_url)
    migrate(database)
    ledger = HouseholdLedger(database.eventsourcing_env(pool_size=2))
    try:
        yield ledger
    finally:
        ledger.close()


@click.group()
def main() -> None:
    """Event-sourced audit ledger for the dynamic monitoring to prevent return to poverty."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the HTTP service (embedded SQLite ./ledger.db unless LEDGER_DATABASE_URL is set)."""
    import uvicorn

    from api.app import create_app
    from api.redaction import redact_text

    settings = Settings()
    click.echo(f"ledger: serving http://{host}:{port} on {redact_text(settings.database_url)}",
               err=True)
    # log_config=None: uvicorn's loggers propagate to the handler configure_logging() set up,
    # which redacts personal data and secrets (its own configuration would bypass it).
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                log_config=None)


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (idempotent)."""
    settings = Settings()
    applied = migrate(Database.from_url(settings.database_url))
    click.echo(f"applied: {', '.join(applied)}" if applied else "already up to date")


@main.group()
def projections() -> None:
    """Read models: rebuild from zero, or keep them current in their own process."""


@contextmanager
def _runner(settings: Settings) -> Iterator[ProjectionRunner]:
    from ledger import config
    from projections import open_views

    with _ledger(settings) as ledger:
        yield ProjectionRunner(ledger, open_views(ledger), config.load(settings.rules_file))


@projections.command("rebuild")
def projections_rebuild() -> None:
    """Forget the read models and recompute them from the first event, with progress."""
    with _runner(Settings()) as runner:
        total = runner.ledger.tables.count_events() or 1
        with click.progressbar(length=total, label="rebuilding projections") as bar:
            runner.rebuild(progress=bar.update)
        click.echo(f"rebuilt up to log position {runner.position()}")


@projections.command("run")
@click.option("--poll-interval", default=0.5, show_default=True, type=float)
def projections_run(poll_interval: float) -> None:
    """Keep the read models current until stopped (resumes where it stopped)."""
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with _runner(Settings()) as runner:
        click.echo(f"projections: following the log from position {runner.position()}", err=True)
        try:
            while not stop.is_set():
                runner.catch_up()
                stop.wait(poll_interval)
        except KeyboardInterrupt:
            pass
        click.echo(f"projections: stopped at position {runner.position()}", err=True)


@main.group()
def token() -> None:
    """Bearer tokens: create, list, revoke."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in CallerRole]))
@click.option("--division", required=True, help="Division code prefix, e.g. 530925")
@click.option("--department", type=click.Choice([d.value for d in Department]),
              help="For role 'department': which one")
@click.option("--name", help="Who holds the token (shown as recorded_by.name)")
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Expire after N days")
def token_create(role: str, division: str, department: str | None, name: str | None,
                 expires_in_days: int | None) -> None:
    """Create a token; it is printed once, alone on the last line, and only its hash is kept."""
    expires_at = (datetime.now(UTC) + timedelta(days=expires_in_days)
                  if expires_in_days else None)
    with _ledger(Settings()) as ledger:
        try:
            value = create_token(ledger.tables, role=role, division=division,
                                 department=department, name=name, expires_at=expires_at)
        except LedgerError as error:
            raise click.UsageError(error.detail) from None
    click.echo(f"token for {role} in division '{division}' (shown once, store it now):", err=True)
    click.echo(value)


@token.command("list")
def token_list() -> None:
    """List tokens (never their secrets)."""
    with _ledger(Settings()) as ledger:
        for t in ledger.tables.list_tokens():
            state = "revoked" if t.revoked_at else "active"
            click.echo(f"{t.token_id}\t{t.role}\t{t.division or '*'}\t{t.department or '-'}\t"
                       f"{t.name}\t{state}\t{t.expires_at.isoformat() if t.expires_at else '-'}")


@token.command("revoke")
@click.argument("token_id")
def token_revoke(token_id: str) -> None:
    """Revoke a token by its id (the hex part after ``ldg_``)."""
    with _ledger(Settings()) as ledger:
        if not ledger.tables.revoke_token(token_id, datetime.now(UTC)):
            raise click.ClickException(f"no token {token_id}")
    click.echo(f"revoked {token_id}")


def _cli_caller() -> Caller:
    """The operator at the console: the whole ledger, as an administrator."""
    return Caller(token_id="cli", name="ledger CLI", role=CallerRole.ADMIN,  # noqa: S106 — an id
                  division="")


@main.group()
def archive() -> None:
    """Trace archives (痕迹资料) of households."""


@archive.command("export")
@click.argument("household_id")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The zip file to write")
def archive_export(household_id: str, output: str) -> None:
    """Write a household's trace archive, as the API serves it."""
    from ledger import config
    from ledger.materials import MaterialStore
    from ledger.transparency.archive import ArchiveSources, write_archive
    from ledger.transparency.log import TransparencyLog
    from ledger.transparency.signing import KeyFileError

    settings = Settings()
    with _ledger(settings) as ledger:
        try:
            sources = ArchiveSources(
                ledger, TransparencyLog.open(ledger, settings.signing_key),
                MaterialStore(settings.materials_dir), config.load(settings.rules_file))
            manifest = write_archive(sources, household_id, _cli_caller(), output)
            _log_access(ledger, household_id, "ledger archive export")
        except LedgerError as error:
            raise click.ClickException(error.detail) from None
        except KeyFileError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"wrote {output}: household {household_id}, {manifest['version']} events, "
               f"checkpoint of {manifest['tree_size']} events")


def _log_access(ledger: HouseholdLedger, household_id: str, command: str) -> None:
    """The CLI runs locally and is not logged, except what hands personal data out."""
    from ledger.persistence.access_log import Access

    caller = _cli_caller()
    access = Access(ledger.clock(), caller.token_id, str(caller.role), household_id,
                    ledger.village_of(household_id) or "", command)
    ledger.recorder.access_log.record([access])  # type: ignore[attr-defined]


@main.command()
@click.argument("archive_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--public-key", "public_key_file", type=click.Path(exists=True, dir_okay=False),
              help="The ledger's public key, obtained separately (JSON from "
                   "/v1/checkpoints/public-key, or its base64)")
def verify(archive_file: str, public_key_file: str | None) -> None:
    """Verify a trace archive offline: hashes, chain, proofs, signatures, materials."""
    from ledger.transparency.verify import ArchiveInvalid, read_public_key, verify_archive

    try:
        key = read_public_key(public_key_file) if public_key_file else None
        verified = verify_archive(archive_file, key)
    except ArchiveInvalid as error:
        click.echo(f"FAILED: {archive_file}: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(verified.summary())
    if public_key_file is None:
        click.echo("note: checked against the key inside the archive; pass --public-key with "
                   "the ledger's key obtained separately to rule out a forged archive", err=True)


@main.command()
def audit() -> None:
    """Re-read every stored event; recompute hashes, chains and the tree; compare with the
    signed checkpoints. Exit 0 only if all hold; otherwise name what differs."""
    from ledger.transparency.audit import audit as run_audit

    with _ledger(Settings()) as ledger:
        total = ledger.tables.count_events()
        with click.progressbar(length=total, label="auditing") as bar:
            report = run_audit(ledger, ledger.recorder.log_tables,  # type: ignore[attr-defined]
                               progress=bar.update)
    for finding in report.findings[:50]:
        click.echo(f"- {finding}")
    if len(report.findings) > 50:
        click.echo(f"- … and {len(report.findings) - 50} more")
    click.echo(report.summary())
    if not report.holds:
        raise SystemExit(1)
