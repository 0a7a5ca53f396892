"""``ledger projections``: the read models rebuilt, retried or kept current."""

import sys

import click

from bootstrap.settings import Settings
from cli.context import opened_runner, pass_settings


@click.group()
def projections() -> None:
    """Read models: rebuild from zero, or keep them current in their own process."""


@projections.command("rebuild")
@pass_settings
def projections_rebuild(settings: Settings) -> None:
    """Recompute the read models from the first event beside the live ones, with progress;
    lists answer from the live ones until the switch."""
    with opened_runner(settings) as runner:
        total = runner.ledger.tables.count_events() or 1
        with click.progressbar(length=total, label="rebuilding projections") as bar:
            runner.rebuild(progress=bar.update)
        click.echo(f"rebuilt up to log position {runner.position()}")


@projections.command("retry")
@pass_settings
def projections_retry(settings: Settings) -> None:
    """Compute the parked households again (after a fix); exit 0 only if none stays parked."""
    with opened_runner(settings) as runner:
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
@pass_settings
def projections_run(settings: Settings, poll_interval: float) -> None:
    """Keep the read models current until stopped (resumes where it stopped)."""
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with opened_runner(settings) as runner:
        click.echo(f"projections: following the log from position {runner.position()}", err=True)
        try:
            while not stop.is_set():
                runner.catch_up()
                stop.wait(poll_interval)
        except KeyboardInterrupt:
            pass
        click.echo(f"projections: stopped at position {runner.position()}", err=True)
