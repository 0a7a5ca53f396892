"""Typed settings, read once at the composition root (``LEDGER_*`` environment variables).

Each field's docstring is its documentation: the README's configuration table is generated
from them (``python -m bootstrap.settings README.md`` rewrites it; a test fails when they differ).
"""

import re
import sys
from datetime import date
from pathlib import Path
from types import NoneType, UnionType
from typing import Literal, Union, get_args, get_origin

from annotated_types import Ge
from pydantic import Field, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.domain.bounds import InputBounds

LogFormat = Literal["auto", "json", "console"]
LogLevel = Literal["debug", "info", "warning", "error"]
ORIGIN = re.compile(r"[!-*,-~]{1,255}")  # printable ASCII but '+': a note key name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", extra="ignore", use_attribute_docstrings=True
    )

    database_url: str = "sqlite:///./ledger.db"
    """``sqlite:///relative/path``, ``sqlite:////absolute/path`` (an embedded file) or
    ``postgresql://user:password@host:port/db``."""
    read_database_url: str | None = None
    """A PostgreSQL hot standby of the primary (``postgresql://…``): GETs read there once it
    has replayed every write acknowledged before them, else on the primary
    ([read replica](docs/decisions.md#read-replica)); unset: the primary serves every read.
    Refused with an SQLite ``LEDGER_DATABASE_URL``."""
    max_body_bytes: int = 10 * 1024 * 1024
    """Requests with a larger body are refused with 413 ``PAYLOAD_TOO_LARGE``."""
    auto_migrate: bool = True
    """Apply ``migrations/`` at start-up (idempotent; an advisory lock guards PostgreSQL)."""
    pool_size: int = 10
    """PostgreSQL connections kept open (as many again may overflow)."""
    lock_timeout_s: int = 5
    """How long, in seconds, a PostgreSQL append waits for the events table lock before
    failing."""
    projections: Literal["embedded", "external"] = "embedded"
    """``embedded``: ``ledger serve`` keeps the read models current itself; ``external``:
    a separate ``ledger projections run`` process does (PostgreSQL)."""
    projection_wait_s: float = 5.0
    """How long, in seconds, a list or report waits for the read models to cover earlier
    appends (then 503 ``PROJECTIONS_UNAVAILABLE``)."""
    rules_file: str | None = None
    """A rules configuration to use instead of the packaged ``ledger/config/rules.toml``."""
    personal_data_key: str = "./ledger-personal-data.key"
    """The AES-256 key that seals names, ID numbers and birth dates apart from the event log
    (32 random bytes, base64); generated, readable by its owner only (mode 0600), on first
    start if the file does not exist and no value is sealed yet; a key file others can
    read is refused. Keep it apart from the database's backups: a backup alone then holds
    no personal value."""
    signing_key: str = "./ledger-signing-key.pem"
    """The Ed25519 key that signs checkpoints (PEM, PKCS #8); generated, readable by its
    owner only (mode 0600), on first start if the file does not exist; a key file others
    can read is refused."""
    note_key: str = "./ledger-note-key.pem"
    """The Ed25519 key that signs the log's C2SP checkpoints (``/log/checkpoint``), apart from
    the JSON checkpoints' key; generated like it. Beside it, ``<file>.signed`` keeps the
    largest checkpoint this log signed (the fork guard's memory, outside the database)."""
    log_origin: str | None = None
    """The log's name in its C2SP checkpoints (a schema-less URL such as
    ``ledger.example.gov.cn/fpjc/530925``); fixed by the first checkpoint, a later change is
    refused at start. Unset: the one already signed, or ``ledger.invalid/<key hash>``."""
    witness_policy: str | None = None
    """A tlog-policy file: this log's key, the witnesses (name, key, URL) whose cosignatures
    are gathered, and the quorum a checkpoint needs before ``/log/checkpoint`` serves it
    (docs/witnessing.md)."""
    witness_interval_s: float = Field(default=60.0, gt=0)
    """How often, in seconds, at most, checkpoints are submitted to the witnesses while the
    tree grows."""
    witness_timeout_s: float = Field(default=5.0, gt=0)
    """How long, in seconds, a witness has to answer an ``add-checkpoint`` before the
    submission counts as failed (and is retried, backing off up to the interval)."""
    checkpoint_interval_s: float = 1.0
    """How often, in seconds, at most, a new signed checkpoint covers recent appends."""
    materials_dir: str = "./materials"
    """Where uploaded trace materials are stored, content-addressed by SHA-256."""
    max_material_bytes: int = 20 * 1024 * 1024
    """Larger material uploads are refused with 413 ``PAYLOAD_TOO_LARGE``."""
    rate_limit_per_s: float = Field(default=50.0, ge=0)
    """Requests a token may make per second on average, per process (``0``: no limit)."""
    rate_limit_burst: int = Field(default=200, ge=0)
    """Requests a token may make at once before the rate applies (``0``: no limit); more
    are refused with 429 ``RATE_LIMITED`` and ``Retry-After``."""
    max_connections: int = Field(default=1000, ge=1)
    """Open connections ``ledger serve`` answers; a request on a connection beyond them is
    answered 503 and the connection closed."""
    head_timeout_s: float = Field(default=10.0, gt=0)
    """How long, in seconds, a client has to send a whole request head (request line and
    headers) once its connection opens or its previous answer ends; then the connection is
    closed (408 if part of a head came). Bytes trickled in do not extend it."""
    keep_alive_s: int = Field(default=5, ge=1)
    """How long, in seconds, an idle connection is kept open for a next request."""
    log_format: LogFormat = "auto"
    """``json``: one JSON object a line (for a log collector); ``console``: readable lines;
    ``auto``: console when standard error is a terminal, else JSON."""
    log_level: LogLevel = "info"
    """The least severe log lines written (the standard library's loggers, such as
    uvicorn's and the drivers', write warnings and errors only)."""
    web_session_idle_s: float = Field(default=30 * 60, gt=0)
    """A web page session unused this many seconds ends (the next page asks to sign in
    again)."""
    web_session_max_s: float = Field(default=12 * 60 * 60, gt=0)
    """A web page session ends this many seconds after signing in, however busy."""
    web_origin: str | None = None
    """The origin the web pages are served at, as browsers name it in ``Origin``
    (``https://ledger.example.gov.cn``), when a proxy in front changes the scheme or host;
    unset: the request's own scheme and ``Host``. Sign-in and every form posted from
    another origin is refused with 403."""

    earliest_date: date = date(2000, 1, 1)
    """Events whose ``occurred_at`` falls before this date are refused with 422
    ``VALIDATION_FAILED`` ([input bounds](docs/decisions.md#input-bounds))."""
    clock_skew_s: int = Field(default=86_400, ge=0)
    """How far, in seconds, an event's ``occurred_at`` may lie after the moment its request
    is received (an upstream device's clock running fast); later ones are refused with 422
    ``VALIDATION_FAILED``."""

    def input_bounds(self) -> InputBounds:
        """The bounds every append is judged by (CONTRACT §7.1)."""
        return InputBounds(self.earliest_date, self.clock_skew_s)

    @field_validator("log_origin")
    @classmethod
    def _origin_is_a_key_name(cls, value: str | None) -> str | None:
        if value is not None and not ORIGIN.fullmatch(value):
            raise ValueError(
                "a log origin is a schema-less URL of at most 255 printable characters, "
                "without spaces or '+' (e.g. ledger.example.gov.cn/fpjc/530925)"
            )
        return value

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value  # LEDGER_LOG_LEVEL=INFO


# The README's configuration table

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
_KINDS = {str: "text", int: "integer", float: "number", bool: "boolean", date: "date"}


def settings_table() -> str:
    """The configuration table in Markdown: variable, type, default and meaning of each
    setting, from the fields' docstrings."""
    rows = ["| variable | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        rows.append(
            f"| `LEDGER_{name.upper()}` | {_kind(field)} | {_default(field)} | "
            f"{_markdown(field.description or '')} |"
        )
    return "\n".join(rows) + "\n"


def with_settings_table(document: str) -> str:
    """``document`` with the text between the settings markers replaced by the table."""
    head, found, rest = document.partition(BEGIN)
    _, ended, tail = rest.partition(END)
    if not (found and ended):
        raise ValueError(f"the document lacks {BEGIN} … {END}")
    return f"{head}{BEGIN}\n{settings_table()}{END}{tail}"


def _kind(field: FieldInfo) -> str:
    annotation = field.annotation
    if get_origin(annotation) in (Union, UnionType):
        (annotation,) = (a for a in get_args(annotation) if a is not NoneType)
    if get_origin(annotation) is Literal:
        *others, last = (f"`{value}`" for value in get_args(annotation))
        return f"{', '.join(others)} or {last}"
    bounds = [f" ≥ {m.ge}" for m in field.metadata if isinstance(m, Ge)]
    kind = _KINDS.get(annotation) if isinstance(annotation, type) else None
    return (kind or str(annotation)) + "".join(bounds)


def _default(field: FieldInfo) -> str:
    if field.default is None:
        return "unset"
    if isinstance(field.default, bool):
        return f"`{str(field.default).lower()}`"
    return f"`{field.default}`"


def _markdown(docstring: str) -> str:
    text = " ".join(docstring.split()).replace("``", "`")
    return re.sub(r"(?<!\\)\|", r"\|", text)  # a pipe would end the table's cell


if __name__ == "__main__":  # python -m bootstrap.settings [README.md]: print or rewrite the table
    # Run as __main__, this file is a second copy of the module, whose fields' meanings
    # are not found: the table comes from the module as imported.
    from bootstrap import settings as imported

    if len(sys.argv) > 1:
        readme = Path(sys.argv[1])
        text = imported.with_settings_table(readme.read_text(encoding="utf-8"))
        readme.write_text(text, encoding="utf-8")
    else:
        print(imported.settings_table(), end="")
