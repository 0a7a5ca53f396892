"""Our own small tables beside the event store: bearer tokens, idempotency keys and the
uploads of trace materials.

Written once for both databases: SQL uses ``?`` placeholders, which the PostgreSQL
adapter rewrites to ``%s``. The idempotency row of an append is inserted by the
recorder inside the append's own transaction (see ``sqlite.py``/``postgres.py``), so an
acknowledged append and its key are durable together or not at all.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

Transaction = Callable[..., AbstractContextManager[Any]]

INSERT_IDEMPOTENCY = (
    "INSERT INTO idempotency_keys (idempotency_key, request_digest, household_id, response, "
    "created_at) VALUES (?, ?, ?, ?, ?)"
)

_SELECT_TOKENS = (
    "SELECT token_id, secret_sha256, name, role, division, department, created_at, "
    "expires_at, revoked_at FROM api_tokens"
)


@dataclass(frozen=True)
class IdempotencyRecord:
    """An append's key, the digest of its request and the response it got."""

    key: str
    request_digest: str
    household_id: str
    response: str  # the JSON body answered, replayed verbatim on a retry
    created_at: datetime


@dataclass(frozen=True)
class MaterialRecord:
    """The first upload of a trace material (痕迹资料): its file's name and type as sent."""

    sha256: str
    size: int
    media_type: str
    file_name: str
    uploaded_at: datetime
    uploaded_by: str  # the uploading token's id
    uploader_division: str


@dataclass(frozen=True)
class TokenRecord:
    token_id: str
    secret_sha256: str
    name: str
    role: str
    division: str
    department: str | None
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


class SQLTables:
    """Plain SQL over the library's datastore; ``transaction(commit=…)`` yields a cursor."""

    def __init__(self, transaction: Transaction, placeholder: str = "?",
                 encode_datetime: Callable[[datetime], Any] = lambda d: d.isoformat()) -> None:
        self._transaction = transaction
        self._placeholder = placeholder
        self.encode_datetime = encode_datetime

    def sql(self, statement: str) -> str:
        return statement.replace("?", self._placeholder)

    def _rows(self, statement: str, params: tuple[Any, ...] = ()) -> Iterator[Any]:
        with self._transaction(commit=False) as cursor:
            cursor.execute(self.sql(statement), params)
            yield from cursor.fetchall()

    def _write(self, statement: str, params: tuple[Any, ...]) -> None:
        with self._transaction(commit=True) as cursor:
            cursor.execute(self.sql(statement), params)


class SideTables(SQLTables):
    """Bearer tokens and idempotency keys."""

    def ping(self) -> None:
        list(self._rows("SELECT 1 AS one"))

    def count_events(self) -> int:
        return int(next(self._rows("SELECT COUNT(*) AS n FROM ledger_events"))["n"])

    def idempotency_params(self, record: IdempotencyRecord) -> tuple[Any, ...]:
        return (*astuple(record)[:4], self.encode_datetime(record.created_at))

    def find_idempotency(self, key: str) -> IdempotencyRecord | None:
        return self.find_idempotencies([key]).get(key)

    def find_idempotencies(self, keys: Sequence[str]) -> dict[str, IdempotencyRecord]:
        """The stored records of those of ``keys`` that were used (one query)."""
        if not keys:
            return {}
        statement = ("SELECT idempotency_key, request_digest, household_id, response, "  # noqa: S608  # placeholders only; keys are bound
                     "created_at FROM idempotency_keys WHERE idempotency_key IN "
                     f"({', '.join('?' for _ in keys)})")
        return {row["idempotency_key"]: IdempotencyRecord(
            key=row["idempotency_key"], request_digest=row["request_digest"],
            household_id=row["household_id"], response=row["response"],
            created_at=_as_datetime(row["created_at"]),  # type: ignore[arg-type]  # NOT NULL
        ) for row in self._rows(statement, tuple(keys))}

    def add_token(self, token: TokenRecord) -> None:
        values = [self.encode_datetime(v) if isinstance(v, datetime) else v
                  for v in astuple(token)]
        self._write(
            "INSERT INTO api_tokens (token_id, secret_sha256, name, role, division, department, "
            "created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tuple(values),
        )

    def find_token(self, token_id: str) -> TokenRecord | None:
        for token in self._tokens(_SELECT_TOKENS + " WHERE token_id = ?", (token_id,)):
            return token
        return None

    def list_tokens(self) -> list[TokenRecord]:
        return list(self._tokens(_SELECT_TOKENS + " ORDER BY created_at", ()))

    def revoke_token(self, token_id: str, when: datetime) -> bool:
        if self.find_token(token_id) is None:
            return False
        self._write(
            "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
            (self.encode_datetime(when), token_id),
        )
        return True

    def _tokens(self, query: str, params: tuple[Any, ...]) -> Iterator[TokenRecord]:
        for row in self._rows(query, params):
            yield TokenRecord(
                token_id=row["token_id"], secret_sha256=row["secret_sha256"], name=row["name"],
                role=row["role"], division=row["division"], department=row["department"],
                created_at=_as_datetime(row["created_at"]),  # type: ignore[arg-type]  # NOT NULL
                expires_at=_as_datetime(row["expires_at"]),
                revoked_at=_as_datetime(row["revoked_at"]),
            )

    def add_material(self, material: MaterialRecord) -> bool:
        """Records an upload unless these bytes were uploaded before (the first upload
        wins); True when recorded now."""
        values = [self.encode_datetime(v) if isinstance(v, datetime) else v
                  for v in astuple(material)]
        with self._transaction(commit=True) as cursor:
            cursor.execute(self.sql(
                "INSERT INTO materials (sha256, size, media_type, file_name, uploaded_at, "
                "uploaded_by, uploader_division) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (sha256) DO NOTHING RETURNING sha256"), tuple(values))
            return bool(cursor.fetchall())  # SQLite's cursor here has no rowcount

    def find_material(self, sha256: str) -> MaterialRecord | None:
        for row in self._rows(
            "SELECT sha256, size, media_type, file_name, uploaded_at, uploaded_by, "
            "uploader_division FROM materials WHERE sha256 = ?", (sha256,),
        ):
            return MaterialRecord(
                sha256=row["sha256"], size=int(row["size"]), media_type=row["media_type"],
                file_name=row["file_name"],
                uploaded_at=_as_datetime(row["uploaded_at"]),  # type: ignore[arg-type]  # NOT NULL
                uploaded_by=row["uploaded_by"], uploader_division=row["uploader_division"],
            )
        return None
