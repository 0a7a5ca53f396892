"""What the CLI's commands open, built here alone from the settings of one invocation.

The settings are read once, by the ``ledger`` group, and reach each command through the
click context (``pass_settings``). The ledger is opened as the service opens it: migrated
only when ``LEDGER_AUTO_MIGRATE`` allows it, with ``LEDGER_POOL_SIZE`` connections and
``LEDGER_LOCK_TIMEOUT_S``.
"""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

import click

from bootstrap import Services, migrate, open_services
from bootstrap.settings import Settings
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.configuration import ConfigurationError
from ledger.domain.vocabulary import CallerRole
from ledger.persistence.database import Database
from ledger.persistence.migrate import MigrationRefused
from ledger.personal import PersonalKeyError
from ledger.transparency.signing import KeyFileError
from projections.runner import ProjectionRunner

if TYPE_CHECKING:
    from fastapi import FastAPI


pass_settings = click.make_pass_decorator(Settings)
"""Hands a command the invocation's settings (read once, by the ``ledger`` group)."""


def cli_caller() -> Caller:
    """The operator at the console: the whole ledger, as an administrator."""
    return Caller(
        token_id="cli",  # noqa: S106  # a name, not a secret
        name="ledger CLI",
        role=CallerRole.ADMIN,
        division="",
    )


def migrate_schema(settings: Settings) -> list[str]:
    """The migrations applied now (none when the schema is up to date)."""
    return migrate(Database.from_url(settings.database_url))


@contextmanager
def opened_services(settings: Settings, *, transparency: bool = False) -> Iterator[Services]:
    """The services a command works with, opened by the composition root as the service
    opens them; the read models are not kept current here (commands drive them). With
    ``transparency``, the signed log too (``KeyFileError`` for a key others can read)."""
    with ExitStack() as opened:
        try:
            services = opened.enter_context(
                open_services(settings, projections=False, transparency=transparency)
            )
        except ConfigurationError as error:  # a bad rules file: named, not a traceback
            raise click.ClickException(f"the rules configuration is refused: {error}") from None
        except (PersonalKeyError, MigrationRefused, KeyFileError) as error:
            raise click.ClickException(str(error)) from None
        yield services


@contextmanager
def opened_ledger(settings: Settings) -> Iterator[HouseholdLedger]:
    with opened_services(settings) as services:
        yield services.ledger


@contextmanager
def opened_runner(settings: Settings) -> Iterator[ProjectionRunner]:
    """The read models' runner over an opened ledger, not started: commands drive it."""
    with opened_services(settings) as services:
        yield services.projections


def service(settings: Settings) -> "FastAPI":
    """The HTTP service ``ledger serve`` runs (it opens its ledger in its own lifespan)."""
    from api.app import create_app

    return create_app(settings)
