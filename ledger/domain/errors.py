"""The ledger's error hierarchy. Each error names the contract's stable ``code``;
``api`` renders them as RFC 9457 problems in one place."""

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class LedgerError(Exception):
    """Base of every expected failure; never a 500."""

    detail: str
    fields: list[dict[str, Any]] = field(default_factory=list)
    code: ClassVar[str] = "LEDGER_ERROR"

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class ValidationFailed(LedgerError):
    code = "VALIDATION_FAILED"


class RuleViolation(LedgerError):
    """The event contradicts the household's state (unknown member, measure, objection…)."""

    code = "RULE_VIOLATION"


class UnknownHousehold(LedgerError):
    code = "UNKNOWN_HOUSEHOLD"


class AlreadyRegistered(LedgerError):
    code = "ALREADY_REGISTERED"


class VersionConflict(LedgerError):
    code = "VERSION_CONFLICT"


class InvalidTransition(LedgerError):
    code = "INVALID_TRANSITION"


class IdempotencyKeyReused(LedgerError):
    code = "IDEMPOTENCY_KEY_REUSED"


class Unauthenticated(LedgerError):
    code = "UNAUTHENTICATED"


class Forbidden(LedgerError):
    code = "FORBIDDEN"


class UnknownEvent(LedgerError):
    """No such event (or its household is outside the caller's division)."""

    code = "UNKNOWN_EVENT"


class UnknownTile(LedgerError):
    """No such tile or entry bundle (c2sp.org/tlog-tiles): a path the spec does not allow,
    or one beyond the sequenced tree."""

    code = "UNKNOWN_TILE"


class PayloadTooLarge(LedgerError):
    code = "PAYLOAD_TOO_LARGE"


class UnknownMaterial(LedgerError):
    """No stored material with that SHA-256 that this caller may read (existence is not
    revealed)."""

    code = "UNKNOWN_MATERIAL"


@dataclass
class RateLimited(LedgerError):
    """Too many requests with one token; ``retry_after_s`` whole seconds until one passes."""

    retry_after_s: int = 1
    code: ClassVar[str] = "RATE_LIMITED"


class LogForked(LedgerError):
    """The database is behind, or disagrees with, a checkpoint the log signed or a witness
    cosigned (restored from an old backup?): appends wait for an operator (CONTRACT §7.4,
    docs/runbook-fork.md)."""

    code = "LOG_FORK"
