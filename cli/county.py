"""``ledger demo``: the synthetic county (the top-level ``demo`` package, imported here only
when the command runs) loaded into the configured database, or written as an import file."""

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import click

from bootstrap.settings import Settings
from cli.context import cli_caller, opened_services, pass_settings
from cli.importing import import_with_progress
from ledger.tokens import create_token

DEMO_TOKEN_DAYS = 30


@click.command()
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
@pass_settings
def demo(settings: Settings, households: int, ndjson_file: BinaryIO | None) -> None:
    """Load a realistic synthetic county (530925, 双江县) to see the service work: villages,
    households, complete and incomplete procedures, eliminations, look-back cases.
    Re-running adds nothing twice."""
    import orjson

    import demo as county

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
    caller = replace(cli_caller(), name="ledger demo (synthetic county)")
    with opened_services(settings) as services:
        runner = services.projections
        bar = click.progressbar(length=households, label="loading households", file=sys.stderr)
        summary = import_with_progress(services.appends, caller, lines(), bar, "lines")
        total = runner.ledger.tables.count_events()
        with click.progressbar(
            length=total, label="updating read models", file=sys.stderr
        ) as projected:
            projected.update(min(runner.position(), total))
            runner.catch_up(progress=projected.update)
        if summary.failures:
            raise SystemExit(1)
        token = create_token(
            runner.ledger.tables,
            role="auditor",
            division=county.SHUANGJIANG.code,
            name="demo auditor (ledger demo)",
            expires_at=datetime.now(UTC) + timedelta(days=DEMO_TOKEN_DAYS),
        )
    _describe_demo(households, archetypes, len(villages), first_of, total, token)


def _describe_demo(
    households: int,
    archetypes: Counter[str],
    villages: int,
    first_of: dict[str, str],
    events: int,
    token: str,
) -> None:
    import demo as county

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
