"""Typed settings, read once at the composition root (``LEDGER_*`` environment variables)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    database_url: str = "sqlite:///./ledger.db"
    """``sqlite:///path`` (the embedded default) or ``postgresql://user:pw@host:port/db``."""
    max_body_bytes: int = 10 * 1024 * 1024
    """Requests with a larger body are refused with 413 ``PAYLOAD_TOO_LARGE``."""
    auto_migrate: bool = True
    """Apply ``migrations/`` at start-up (idempotent; an advisory lock guards PostgreSQL)."""
    pool_size: int = 10
    """PostgreSQL connections kept open (as many again may overflow)."""
    lock_timeout_s: int = 5
    """How long a PostgreSQL append waits for the events table lock before failing."""
