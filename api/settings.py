"""Typed settings, read once at the composition root (``LEDGER_*`` environment variables)."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    database_url: str = "sqlite:///./ledger.db"
    """``sqlite:///path`` (the embedded default) or ``postgresql://user:pw@host:port/db``."""
    read_database_url: str | None = None
    """A PostgreSQL hot standby of the primary (``postgresql://…``) to serve GETs from once
    it has replayed every write acknowledged before the request; unset: the primary serves
    every read. Refused with an SQLite ``database_url``."""
    max_body_bytes: int = 10 * 1024 * 1024
    """Requests with a larger body are refused with 413 ``PAYLOAD_TOO_LARGE``."""
    auto_migrate: bool = True
    """Apply ``migrations/`` at start-up (idempotent; an advisory lock guards PostgreSQL)."""
    pool_size: int = 10
    """PostgreSQL connections kept open (as many again may overflow)."""
    lock_timeout_s: int = 5
    """How long a PostgreSQL append waits for the events table lock before failing."""
    projections: Literal["embedded", "external"] = "embedded"
    """``embedded``: ``ledger serve`` keeps the read models current itself; ``external``:
    a separate ``ledger projections run`` process does (PostgreSQL)."""
    projection_wait_s: float = 5.0
    """How long a list or report waits for the read models to cover earlier appends."""
    rules_file: str | None = None
    """A rules configuration to use instead of the packaged ``ledger/config/rules.toml``."""
    signing_key: str = "./ledger-signing-key.pem"
    """The Ed25519 key that signs checkpoints (PEM, PKCS #8); generated, readable by its
    owner only, on first start if the file does not exist."""
    checkpoint_interval_s: float = 1.0
    """How often, at most, a new signed checkpoint covers recent appends."""
    materials_dir: str = "./materials"
    """Where uploaded trace materials are stored, content-addressed by SHA-256."""
    max_material_bytes: int = 20 * 1024 * 1024
    """Larger material uploads are refused with 413 ``PAYLOAD_TOO_LARGE``."""
    rate_limit_per_s: float = Field(default=50.0, ge=0)
    """Requests a token may make per second on average, per process (``0``: no limit)."""
    rate_limit_burst: int = Field(default=200, ge=0)
    """Requests a token may make at once before the rate applies (``0``: no limit); more
    are refused with 429 ``RATE_LIMITED`` and ``Retry-After``."""
