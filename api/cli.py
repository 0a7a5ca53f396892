"""The ``ledger`` console script."""

import getpass
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

import click

from api.observability import configure_logging
from api.settings import Settings
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.errors import LedgerError
from ledger.domain.vocabulary import CallerRole, Department
from ledger.persistence.database import Database
from ledger.persistence.migrate import migrate
from ledger.tokens import create_token
from projections.runner import ProjectionRunner

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from api.importer import Summary


@contextmanager
def _ledger(settings: Settings) -> Iterator[HouseholdLedger]:
    database = Database.from_url(settings.database_url)
    migrate(database)
    ledger = HouseholdLedger(
        database.eventsourcing_env(pool_size=2), bounds=settings.input_bounds()
    )
    try:
        yield ledger
    finally:
        ledger.close()


@click.group()
def main() -> None:
    """Event-sourced audit ledger for the dynamic monitoring to prevent return to poverty."""
    # Every command's log lines (a parked household, a driver's warning) go to stderr,
    # redacted, as the service's do; stdout keeps what a command prints for its caller.
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the HTTP service (embedded SQLite ./ledger.db unless LEDGER_DATABASE_URL is set)."""
    from api.app import create_app
    from api.redaction import redact_text
    from api.server import AnnouncingServer, CannotListen, config_for, listening_socket

    settings = Settings()
    try:
        sock = listening_socket(host, port)  # before anything is announced
    except CannotListen as error:
        raise click.ClickException(f"cannot serve: {error}") from None
    port = sock.getsockname()[1]  # the one chosen, for --port 0
    shown = f"[{host}]" if ":" in host else host
    server = AnnouncingServer(
        config_for(create_app(settings), settings, host, port),
        lambda: click.echo(
            f"ledger: serving http://{shown}:{port} on {redact_text(settings.database_url)}",
            err=True,
        ),
    )
    with sock:
        server.run(sockets=[sock])


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
    """Recompute the read models from the first event beside the live ones, with progress;
    lists answer from the live ones until the switch."""
    with _runner(Settings()) as runner:
        total = runner.ledger.tables.count_events() or 1
        with click.progressbar(length=total, label="rebuilding projections") as bar:
            runner.rebuild(progress=bar.update)
        click.echo(f"rebuilt up to log position {runner.position()}")


@projections.command("retry")
def projections_retry() -> None:
    """Compute the parked households again (after a fix); exit 0 only if none stays parked."""
    with _runner(Settings()) as runner:
        unparked, still = runner.retry()
        for household_id in unparked:
            click.echo(f"un-parked {household_id}")
        for parked in still:
            click.echo(
                f"still parked {parked.household_id} (version {parked.version}, "
                f"log position {parked.position}): {parked.error}"
            )
        click.echo(f"{len(unparked)} un-parked, {len(still)} still parked")
    if still:
        sys.exit(1)


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
@click.option(
    "--department",
    type=click.Choice([d.value for d in Department]),
    help="For role 'department': which one",
)
@click.option("--name", help="Who holds the token (shown as recorded_by.name)")
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Expire after N days")
def token_create(
    role: str, division: str, department: str | None, name: str | None, expires_in_days: int | None
) -> None:
    """Create a token; it is printed once, alone on the last line, and only its hash is kept."""
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    with _ledger(Settings()) as ledger:
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
def token_list() -> None:
    """List tokens (never their secrets)."""
    with _ledger(Settings()) as ledger:
        for t in ledger.tables.list_tokens():
            state = "revoked" if t.revoked_at else "active"
            click.echo(
                f"{t.token_id}\t{t.role}\t{t.division or '*'}\t{t.department or '-'}\t"
                f"{t.name}\t{state}\t{t.expires_at.isoformat() if t.expires_at else '-'}"
            )


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
    return Caller(
        token_id="cli",  # noqa: S106  # a name, not a secret
        name="ledger CLI",
        role=CallerRole.ADMIN,
        division="",
    )


@main.group()
def archive() -> None:
    """Trace archives (痕迹资料) of households."""


@archive.command("export")
@click.argument("household_id")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The zip file to write"
)
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
                ledger,
                TransparencyLog.open(ledger, settings.signing_key),
                MaterialStore(settings.materials_dir),
                config.load(settings.rules_file),
            )
            manifest = write_archive(sources, household_id, _cli_caller(), output)
            _log_access(ledger, household_id, "ledger archive export")
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

    caller = _cli_caller()
    access = Access(
        ledger.clock(),
        caller.token_id,
        str(caller.role),
        household_id,
        village_of(ledger, household_id) or "",
        command,
    )
    ledger.recorder.access_log.record([access])  # type: ignore[attr-defined]


# ``ledger verify`` exit codes (CONTRACT §7.8): 0 only when the origin is verified too.
VERIFIED, MISMATCH, ORIGIN_NOT_VERIFIED = 0, 1, 3


@main.command()
@click.argument("archive_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(exists=True, dir_okay=False),
    help="The ledger's public key, obtained separately (JSON from "
    "/v1/checkpoints/public-key, or its base64)",
)
# ``--policy FILE`` (a witness quorum, CONTRACT §7.4) joins here as the other way to verify
# the origin: it sets ``origin_verified`` as a given key does.
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
    archive_file: str, public_key_file: str | None, max_entry_mib: int, max_document_mib: int
) -> None:
    """Verify a trace archive offline: hashes, chain, proofs, signatures, materials, and
    that every entry is unambiguous and listed. Exit 0: all holds against the key given;
    1: a mismatch (named); 3: consistent, but no key was given to verify its origin."""
    from ledger.transparency.verify import (
        ArchiveInvalid,
        Limits,
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
        verified = verify_archive(archive_file, key, limits)
    except ArchiveInvalid as error:
        click.echo(f"FAILED: {archive_file}: {error}", err=True)
        raise SystemExit(MISMATCH) from None
    click.echo(verified.summary())
    if not verified.origin_verified:
        warning = (
            "ORIGIN NOT VERIFIED: the archive is consistent but its origin is not "
            "verified: it was checked only against the key it carries, which a forger "
            "would bring along; pass --public-key with the ledger's key obtained "
            "separately (exit 3)"
        )
        click.echo(warning)
        click.echo(warning, err=True)
        raise SystemExit(ORIGIN_NOT_VERIFIED)


@main.command()
def audit() -> None:
    """Re-read every stored event; recompute hashes, chains and the tree; compare with the
    signed checkpoints. Exit 0 only if all hold; otherwise name what differs."""
    from ledger.transparency.audit import audit as run_audit

    with _ledger(Settings()) as ledger:
        total = ledger.tables.count_events()
        with click.progressbar(length=total, label="auditing") as bar:
            report = run_audit(
                ledger,
                ledger.recorder.log_tables,  # type: ignore[attr-defined]
                progress=bar.update,
            )
    for finding in report.findings[:50]:
        click.echo(f"- {finding}")
    if len(report.findings) > 50:
        click.echo(f"- … and {len(report.findings) - 50} more")
    click.echo(report.summary())
    if not report.holds:
        raise SystemExit(1)


def _operator() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "operator"


def _import_with_progress(
    ledger: HouseholdLedger,
    caller: Caller,
    lines: Iterable[tuple[int, bytes]],
    bar: "ProgressBar[int]",
    unit: Literal["lines", "bytes"],
) -> "Summary":
    """Imports ``lines``, printing each failure and the summary; Ctrl-C stops cleanly."""
    from api.importer import Summary, import_lines

    summary = Summary()
    interrupted = False
    with bar:
        try:
            import_lines(
                ledger,
                caller,
                lines,
                summary,
                progress=lambda n, size: bar.update(n if unit == "lines" else size),
            )
        except KeyboardInterrupt:
            interrupted = True
    for failure in sorted(summary.failures, key=lambda f: f.line):
        click.echo(str(failure), err=True)
    click.echo(summary.text())
    if interrupted:
        click.echo(
            "interrupted: run the same command again to resume; lines already imported "
            "are not imported twice",
            err=True,
        )
        raise SystemExit(130)
    return summary


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--operator",
    default=_operator,
    show_default="your login name",
    help="Who enters these records and answers for them (谁录入谁负责): the "
    "recorded_by name of every event",
)
@click.option(
    "--division",
    default="",
    metavar="PREFIX",
    help="Refuse households whose village code does not start with PREFIX, as the "
    "API refuses them to a token of that division (default: any)",
)
@click.option(
    "--utc-offset",
    "utc_offset",
    default="+08:00",
    show_default=True,
    metavar="±HH:MM",
    callback=lambda _c, _p, v: _offset(v),
    help="xlsx only: the offset of dates and times written without one",
)
def import_command(file: Path, operator: str, division: str, utc_offset: timezone) -> None:
    """Bulk-append an NDJSON file — one line per household append, {"household_id": …,
    "events": [...], "expected_version": N?} — or an .xlsx roster in the template of
    `ledger template` (docs/roster-template.md). Safe to re-run: what was imported is not
    imported twice. Exit 1 if any line or household failed."""
    from api.importer import numbered_lines
    from api.roster import is_workbook

    caller = replace(_cli_caller(), name=f"{operator} (ledger import)", division=division)
    if is_workbook(file):
        _import_roster(file, caller, utc_offset)
        return
    with _ledger(Settings()) as ledger, file.open("rb") as stream:
        bar = click.progressbar(
            length=file.stat().st_size, label=f"importing {file.name}", file=sys.stderr
        )
        summary = _import_with_progress(ledger, caller, numbered_lines(stream), bar, "bytes")
    if summary.failures:
        raise SystemExit(1)


def _offset(text: str) -> timezone:
    match = re.fullmatch(r"([+-])([0-9]{2}):([0-9]{2})", text)
    if not match or int(match[2]) > 23 or int(match[3]) > 59:
        raise click.BadParameter(f"{text!r} is not an offset like +08:00")
    minutes = int(match[2]) * 60 + int(match[3])
    return timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))


def _import_roster(file: Path, caller: Caller, offset: timezone) -> None:
    """An .xlsx roster: every household appended whole or refused whole (api.roster)."""
    from api.importer import Summary
    from api.roster import RosterUnreadable, import_roster, read_rows, roster_items

    try:
        items = roster_items(read_rows(file), offset)
    except RosterUnreadable as error:
        click.echo(f"{file.name}: nothing imported: {error}", err=True)
        raise SystemExit(1) from None
    summary = Summary()
    with (
        _ledger(Settings()) as ledger,
        click.progressbar(
            length=len(items), label=f"importing {file.name}", file=sys.stderr
        ) as bar,
    ):
        import_roster(ledger, caller, items, summary, progress=lambda n, _: bar.update(n))
    for failure in sorted(summary.failures, key=lambda f: f.line):
        click.echo(str(failure), err=True)
    click.echo(summary.text())
    if summary.failures:
        raise SystemExit(1)


@main.command()
@click.option(
    "-o",
    "--output",
    default="roster-template.xlsx",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .xlsx file to write",
)
def template(output: Path) -> None:
    """Write the blank roster template (农户名册模板) for `ledger import`: households,
    members and surveys, with a 说明 sheet and an example household."""
    from api.roster_template import write_template

    if output.exists():
        raise click.ClickException(f"{output} exists; name another file with -o")
    write_template(output)
    click.echo(
        f"wrote {output}: fill 农户, 家庭成员 and 收入调查 (see its 说明 sheet), then "
        f"`ledger import {output}`"
    )


@main.command()
@click.option(
    "--households",
    default=5000,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many households: the first N of one fixed synthetic county",
)
@click.option(
    "--ndjson",
    "ndjson_file",
    type=click.File("wb"),
    help="Write the county to this NDJSON file, for `ledger import`, instead of loading it",
)
def demo(households: int, ndjson_file: BinaryIO | None) -> None:
    """Load a realistic synthetic county (530925, 双江县) to see the service work: villages,
    households, complete and incomplete procedures, eliminations, look-back cases.
    Re-running adds nothing twice."""
    import orjson

    from ledger import demo as county

    archetypes: Counter[str] = Counter()
    villages: set[str] = set()
    first_of: dict[str, str] = {}

    def lines() -> Iterator[tuple[int, bytes]]:
        for n in range(households):
            household_id, archetype, events = county.household(n)
            archetypes[archetype] += 1
            villages.add(events[0]["data"]["village_code"])
            first_of.setdefault(archetype, household_id)
            yield n + 1, orjson.dumps({"household_id": household_id, "events": events}) + b"\n"

    if ndjson_file is not None:
        with click.progressbar(
            lines(), length=households, label="writing", file=sys.stderr
        ) as generated:
            ndjson_file.writelines(raw for _, raw in generated)
        click.echo(
            f"wrote {ndjson_file.name}: {households:,} households of the synthetic county "
            f"in {len(villages)} villages; load it with `ledger import {ndjson_file.name}`"
        )
        return
    caller = replace(_cli_caller(), name="ledger demo (synthetic county)")
    with _runner(Settings()) as runner:
        bar = click.progressbar(length=households, label="loading households", file=sys.stderr)
        summary = _import_with_progress(runner.ledger, caller, lines(), bar, "lines")
        total = runner.ledger.tables.count_events()
        with click.progressbar(
            length=total, label="updating read models", file=sys.stderr
        ) as projected:
            projected.update(min(runner.position(), total))
            runner.catch_up(progress=projected.update)
    if summary.failures:
        raise SystemExit(1)
    with _ledger(Settings()) as ledger:
        token = create_token(
            ledger.tables,
            role="auditor",
            division=county.SHUANGJIANG.code,
            name="demo auditor (ledger demo)",
            expires_at=datetime.now(UTC) + timedelta(days=DEMO_TOKEN_DAYS),
        )
    _describe_demo(households, archetypes, len(villages), first_of, total, token)


DEMO_TOKEN_DAYS = 30


def _describe_demo(
    households: int,
    archetypes: Counter[str],
    villages: int,
    first_of: dict[str, str],
    events: int,
    token: str,
) -> None:
    from ledger import demo as county

    click.echo(
        f"\nSynthetic county {county.SHUANGJIANG.code} ({county.SHUANGJIANG.name}): "
        f"{households:,} households in {villages} villages; the ledger holds "
        f"{events:,} events."
    )
    for status in ("not_monitored", "monitored", "risk_eliminated"):
        kinds = [(k, n) for k, n in archetypes.most_common() if county.STATUS[k] == status]
        click.echo(
            f"  {status:<16}{sum(n for _, n in kinds):>8,}   "
            + ", ".join(f"{k} {n:,}" for k, n in kinds)
        )
    site = "http://127.0.0.1:8000"
    division = county.SHUANGJIANG.code
    click.echo(
        f"\nLook around: start the service (`make serve`, or `ledger serve`) and open\n"
        f"  {site}/ui/divisions/{division}        the county page\n"
        f"signed in with this auditor token (valid {DEMO_TOKEN_DAYS} days, shown once):\n"
        f"  {token}\n"
        "Households worth a look (timeline, procedure, gaps):"
    )
    for archetype, household_id in first_of.items():
        click.echo(
            f"  {site}/ui/households/{household_id}\n      {archetype}: {county.ABOUT[archetype]}"
        )
    click.echo(
        "The same over the API:\n"
        f'  curl -H "Authorization: Bearer {token}" \\\n'
        f"       '{site}/v1/completeness?division={division}'\n"
        f"  (also /v1/lookback, /v1/reports/summary, /v1/households/ID/completeness; "
        f"lists as &format=xlsx; all of it at {site}/docs)"
    )
