"""``ledger import`` and ``ledger template``: households appended in bulk from an NDJSON file
or an .xlsx roster, and the roster's blank template."""

import getpass
import re
import sys
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from bootstrap import Services
from bootstrap.settings import Settings
from cli.context import cli_caller, opened_services, pass_settings
from ledger.appending import AppendPipeline
from ledger.domain.callers import Caller

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from ledger.importing import Summary


def import_with_progress(
    appends: AppendPipeline,
    caller: Caller,
    lines: Iterable[tuple[int, bytes]],
    bar: "ProgressBar[int]",
    unit: Literal["lines", "bytes"],
) -> "Summary":
    """Imports ``lines``, printing each failure and the summary; Ctrl-C stops cleanly."""
    from ledger.importing import Summary, import_lines

    summary = Summary()
    interrupted = False
    with bar:
        try:
            import_lines(
                appends,
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


def _refuse_on_fork(services: Services) -> None:
    """Nothing is imported into a database behind what the log signed (CONTRACT §7.4):
    said once, rather than as every line's failure."""
    if refused := services.transparency.guard.refusal():
        raise click.ClickException(f"nothing imported: {refused.code}: {refused.detail}")


def _operator() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "operator"


def _offset(text: str) -> timezone:
    match = re.fullmatch(r"([+-])([0-9]{2}):([0-9]{2})", text)
    if not match or int(match[2]) > 23 or int(match[3]) > 59:
        raise click.BadParameter(f"{text!r} is not an offset like +08:00")
    minutes = int(match[2]) * 60 + int(match[3])
    return timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))


@click.command("import")
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
@pass_settings
def import_command(
    settings: Settings, file: Path, operator: str, division: str, utc_offset: timezone
) -> None:
    """Bulk-append an NDJSON file — one line per household append, {"household_id": …,
    "events": [...], "expected_version": N?} — or an .xlsx roster in the template of
    `ledger template` (docs/roster-template.md). Safe to re-run: what was imported is not
    imported twice. Exit 1 if any line or household failed."""
    from ledger.importing import numbered_lines
    from ledger.importing.roster.workbook import is_workbook

    caller = replace(cli_caller(), name=f"{operator} (ledger import)", division=division)
    if is_workbook(file):
        _import_roster(settings, file, caller, utc_offset)
        return
    with opened_services(settings, transparency=True) as services, file.open("rb") as stream:
        _refuse_on_fork(services)
        bar = click.progressbar(
            length=file.stat().st_size, label=f"importing {file.name}", file=sys.stderr
        )
        summary = import_with_progress(
            services.appends, caller, numbered_lines(stream), bar, "bytes"
        )
    if summary.failures:
        raise SystemExit(1)


def _import_roster(settings: Settings, file: Path, caller: Caller, offset: timezone) -> None:
    """An .xlsx roster: every household appended whole or refused whole
    (ledger.importing.roster)."""
    from ledger.importing import Summary
    from ledger.importing.roster.workbook import (
        RosterUnreadable,
        import_roster,
        read_rows,
        roster_items,
    )

    try:
        items = roster_items(read_rows(file), offset)
    except RosterUnreadable as error:
        click.echo(f"{file.name}: nothing imported: {error}", err=True)
        raise SystemExit(1) from None
    summary = Summary()
    with (
        opened_services(settings, transparency=True) as services,
        click.progressbar(
            length=len(items), label=f"importing {file.name}", file=sys.stderr
        ) as bar,
    ):
        _refuse_on_fork(services)
        import_roster(services.appends, caller, items, summary, progress=lambda n, _: bar.update(n))
    for failure in sorted(summary.failures, key=lambda f: f.line):
        click.echo(str(failure), err=True)
    click.echo(summary.text())
    if summary.failures:
        raise SystemExit(1)


@click.command()
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
    from ledger.importing.roster.template import write_template

    if output.exists():
        raise click.ClickException(f"{output} exists; name another file with -o")
    write_template(output)
    click.echo(
        f"wrote {output}: fill 农户, 家庭成员 and 收入调查 (see its 说明 sheet), then "
        f"`ledger import {output}`"
    )
