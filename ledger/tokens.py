"""Bearer tokens: printed once, stored only as a SHA-256 of their secret part.

A token is ``ldg_<token_id>_<secret>``; the id finds the row, the secret (32 random
bytes, so a fast hash is enough) is compared in constant time.
"""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

from ledger.domain.callers import Caller
from ledger.domain.errors import Unauthenticated, ValidationFailed
from ledger.domain.vocabulary import CallerRole, Department
from ledger.persistence.ports import TokenStore
from ledger.persistence.tables import TokenRecord

_TOKEN = re.compile(r"ldg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_DIVISION = re.compile(r"^[0-9]{0,12}$")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    tables: TokenStore,
    *,
    role: str,
    division: str,
    department: str | None = None,
    name: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Stores a new token's hash and returns the token itself (shown once)."""
    problems = []
    if role not in set(CallerRole):
        problems.append(f"role must be one of {', '.join(CallerRole)}")
    if not _DIVISION.match(division):
        problems.append("division must be a code prefix of 0–12 digits")
    if role == CallerRole.DEPARTMENT and department not in set(Department):
        problems.append("a department token names its department, one of " + ", ".join(Department))
    if role != CallerRole.DEPARTMENT and department is not None:
        problems.append("only a department token names a department")
    if problems:
        raise ValidationFailed("; ".join(problems))
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    tables.add_token(
        TokenRecord(
            token_id=token_id,
            secret_sha256=_digest(secret),
            name=name or f"{role}-{token_id}",
            role=role,
            division=division,
            department=department,
            created_at=datetime.now(UTC),
            expires_at=expires_at,
        )
    )
    return f"ldg_{token_id}_{secret}"


def authenticate(tables: TokenStore, bearer: str | None, now: datetime | None = None) -> Caller:
    """The caller a bearer token stands for, or ``Unauthenticated``."""
    match = _TOKEN.fullmatch(bearer or "")
    record = tables.find_token(match.group(1)) if match else None
    # Compare even when no row matched, so timing does not tell which part was wrong.
    expected = record.secret_sha256 if record else _digest("")
    given = _digest(match.group(2)) if match else ""
    if not (hmac.compare_digest(expected, given) and record):
        raise Unauthenticated("a valid bearer token is required (Authorization: Bearer ldg_…)")
    return _caller_of(record, now or datetime.now(UTC))


def authenticate_id(tables: TokenStore, token_id: str, now: datetime | None = None) -> Caller:
    """The caller of the token ``token_id`` if it still holds (not revoked, not expired): a
    web session names its token by id, the secret having been checked at sign-in."""
    record = tables.find_token(token_id)
    if record is None:
        raise Unauthenticated("the token of this session no longer exists")
    return _caller_of(record, now or datetime.now(UTC))


def _caller_of(record: TokenRecord, moment: datetime) -> Caller:
    if record.revoked_at is not None:
        raise Unauthenticated("this token has been revoked")
    if record.expires_at is not None and record.expires_at <= moment:
        raise Unauthenticated("this token has expired")
    return Caller(
        token_id=record.token_id,
        name=record.name,
        role=CallerRole(record.role),
        division=record.division,
        department=record.department,
    )
