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
    "INSERT INTO idempotency_keys (idempotency_key, token_id, request_digest, household_id, "
    "response, created_at) VALUES (?, ?, ?, ?, ?, ?)"
)
UNKNOWN_OWNER = ""
"""The ``token_id`` of keys stored before keys had owners (migration 0009)."""

_SELECT_TOKENS = (
    "SELECT token_id, secret_sha256, name, role, division, department, created_at, "
    "expires_at, revoked_at FROM api_tokens"
)


@dataclass(frozen=True)
class IdempotencyRecord:
    """An append's key, the token that used it, the digest of its request and the
    response it got. A key is the token's own: another token's same key is another row."""

    key: str
    token_id: str  # UNKNOWN_OWNER for keys stored before migration 0009
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
class MaterialUpload:
    """One token's upload of a material: who may read the file follows from these."""

    sha256: str
    token_id: str
    division: str  # the uploading token's division when it uploaded
    file_name: str  # as this token sent it
    media_type: str
    uploaded_at: datetime


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
    return None if value is None else _as_moment(value)


def _as_moment(value: Any) -> datetime:
    """A time column's value (SQLite keeps ISO text, PostgreSQL gives a datetime)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


class SQLTables:
    """Plain SQL over the library's datastore; ``transaction(commit=…)`` yields a cursor."""

    def __init__(
        self,
        transaction: Transaction,
        placeholder: str = "?",
        encode_datetime: Callable[[datetime], Any] = lambda d: d.isoformat(),
    ) -> None:
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
        return (*astuple(record)[:5], self.encode_datetime(record.created_at))

    def find_idempotencies(self, keys: Sequence[str]) -> dict[str, list[IdempotencyRecord]]:
        """The stored records of those of ``keys`` that were used, by any token (one
        query): whose key a record is, the caller decides."""
        if not keys:
            return {}
        statement = (
            "SELECT idempotency_key, token_id, request_digest, household_id, "  # noqa: S608  # placeholders only; keys are bound
            "response, created_at FROM idempotency_keys WHERE idempotency_key IN "
            f"({', '.join('?' for _ in set(keys))})"
        )
        found: dict[str, list[IdempotencyRecord]] = {}
        for row in self._rows(statement, tuple(set(keys))):
            found.setdefault(row["idempotency_key"], []).append(
                IdempotencyRecord(
                    key=row["idempotency_key"],
                    token_id=row["token_id"],
                    request_digest=row["request_digest"],
                    household_id=row["household_id"],
                    response=row["response"],
                    created_at=_as_moment(row["created_at"]),
                )
            )
        return found

    def add_token(self, token: TokenRecord) -> None:
        values = [self.encode_datetime(v) if isinstance(v, datetime) else v for v in astuple(token)]
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
                token_id=row["token_id"],
                secret_sha256=row["secret_sha256"],
                name=row["name"],
                role=row["role"],
                division=row["division"],
                department=row["department"],
                created_at=_as_moment(row["created_at"]),
                expires_at=_as_datetime(row["expires_at"]),
                revoked_at=_as_datetime(row["revoked_at"]),
            )

    def add_material(self, material: MaterialRecord) -> bool:
        """Records an upload by its token, and the bytes' first upload if they are new;
        True when this token had not uploaded these bytes before."""
        values = [
            self.encode_datetime(v) if isinstance(v, datetime) else v for v in astuple(material)
        ]
        m = material
        with self._transaction(commit=True) as cursor:
            cursor.execute(
                self.sql(
                    "INSERT INTO materials (sha256, size, media_type, file_name, uploaded_at, "
                    "uploaded_by, uploader_division) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (sha256) DO NOTHING"
                ),
                tuple(values),
            )
            cursor.execute(
                self.sql(
                    "INSERT INTO material_uploads (sha256, token_id, division, file_name, "
                    "media_type, uploaded_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (sha256, token_id) DO NOTHING RETURNING sha256"
                ),
                (
                    m.sha256,
                    m.uploaded_by,
                    m.uploader_division,
                    m.file_name,
                    m.media_type,
                    self.encode_datetime(m.uploaded_at),
                ),
            )
            return bool(cursor.fetchall())  # SQLite's cursor here has no rowcount

    def material_uploads(self, sha256s: Sequence[str]) -> dict[str, list[MaterialUpload]]:
        """Every upload of each of ``sha256s`` that was uploaded, oldest first (one query)."""
        if not sha256s:
            return {}
        found: dict[str, list[MaterialUpload]] = {}
        for row in self._rows(
            "SELECT sha256, token_id, division, file_name, media_type, uploaded_at "  # noqa: S608  # placeholders only; values are bound
            f"FROM material_uploads WHERE sha256 IN ({', '.join('?' for _ in set(sha256s))}) "
            "ORDER BY uploaded_at, token_id",
            tuple(set(sha256s)),
        ):
            found.setdefault(row["sha256"], []).append(
                MaterialUpload(
                    sha256=row["sha256"],
                    token_id=row["token_id"],
                    division=row["division"],
                    file_name=row["file_name"],
                    media_type=row["media_type"],
                    uploaded_at=_as_moment(row["uploaded_at"]),
                )
            )
        return found

    def find_material(self, sha256: str) -> MaterialRecord | None:
        for row in self._rows(
            "SELECT sha256, size, media_type, file_name, uploaded_at, uploaded_by, "
            "uploader_division FROM materials WHERE sha256 = ?",
            (sha256,),
        ):
            return MaterialRecord(
                sha256=row["sha256"],
                size=int(row["size"]),
                media_type=row["media_type"],
                file_name=row["file_name"],
                uploaded_at=_as_moment(row["uploaded_at"]),
                uploaded_by=row["uploaded_by"],
                uploader_division=row["uploader_division"],
            )
        return None
