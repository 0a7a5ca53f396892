"""Tokens: only a hash is stored; expired and revoked tokens are refused."""

from datetime import UTC, datetime, timedelta

import pytest

from ledger.application import HouseholdLedger
from ledger.domain.errors import Unauthenticated, ValidationFailed
from ledger.tokens import authenticate, create_token


def test_only_a_hash_of_the_secret_is_stored(ledger: HouseholdLedger) -> None:
    token = create_token(ledger.tables, role="auditor", division="530925")
    _, token_id, secret = token.split("_", 2)
    record = ledger.tables.find_token(token_id)
    assert record is not None
    assert secret not in record.secret_sha256
    caller = authenticate(ledger.tables, token)
    assert (caller.role, caller.division) == ("auditor", "530925")


def test_an_expired_token_is_refused(ledger: HouseholdLedger) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    token = create_token(ledger.tables, role="recorder", division="53", expires_at=soon)
    authenticate(ledger.tables, token)
    with pytest.raises(Unauthenticated, match="expired"):
        authenticate(ledger.tables, token, now=soon + timedelta(seconds=1))


def test_a_wrong_secret_for_a_real_token_id_is_refused(ledger: HouseholdLedger) -> None:
    token = create_token(ledger.tables, role="recorder", division="53")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(Unauthenticated):
        authenticate(ledger.tables, forged)


@pytest.mark.parametrize(
    ("role", "division", "department"),
    [
        ("superuser", "53", None),
        ("recorder", "53a", None),
        ("department", "53", None),
        ("recorder", "53", "health"),
        ("recorder", "5309251012011", None),
    ],
)
def test_tokens_are_created_only_for_known_roles_and_divisions(
    ledger: HouseholdLedger, role: str, division: str, department: str | None
) -> None:
    with pytest.raises(ValidationFailed):
        create_token(ledger.tables, role=role, division=division, department=department)


@pytest.mark.parametrize("tail", ["\n", "\r\n", " ", "x"])
def test_a_token_with_anything_after_it_is_refused(ledger: HouseholdLedger, tail: str) -> None:
    token = create_token(ledger.tables, role="auditor", division="530925")
    authenticate(ledger.tables, token)
    with pytest.raises(Unauthenticated):
        authenticate(ledger.tables, token + tail)
