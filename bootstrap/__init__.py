"""The composition root: settings in, one typed set of services out (for the app, the CLI
and the tests)."""

from bootstrap.backends import ledger_env, migrate, open_ledger, open_views
from bootstrap.services import Services, open_services
from bootstrap.settings import Settings

__all__ = [
    "Services",
    "Settings",
    "ledger_env",
    "migrate",
    "open_ledger",
    "open_services",
    "open_views",
]
