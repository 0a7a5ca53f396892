"""A body is never read for a caller without a valid token (issue 13 §5): over a real
uvicorn on loopback, the 401 arrives after the request head alone."""

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bootstrap import migrate, open_ledger
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from ledger.tokens import create_token
from tests import factories as f
from tests.conftest import _url
from tests.e2e.servers import served_in_thread

MIB = 1024 * 1024
BIG_BODIES = {  # path -> (content type, a declared length the service accepts once authorised)
    "/v1/households/hh-1/events": ("application/json", 10 * MIB),
    "/v1/materials": ("multipart/form-data; boundary=x", 20 * MIB),
}


def _tokens(database: Database) -> dict[str, str]:
    migrate(database)
    ledger = open_ledger(database, pool_size=1)
    try:
        tables = ledger.tables
        revoked = create_token(tables, role="recorder", division="53")
        tables.revoke_token(revoked.split("_")[1], datetime.now(UTC))
        return {
            "valid": create_token(tables, role="recorder", division="53"),
            "revoked": revoked,
            "expired": create_token(
                tables,
                role="recorder",
                division="53",
                expires_at=datetime.now(UTC) - timedelta(minutes=1),
            ),
            "unknown": "ldg_0123456789abcdef_" + "A" * 43,
            "malformed": "not-a-token",
        }
    finally:
        ledger.close()


@pytest.fixture
def server(database: Database) -> Iterator[tuple[str, dict[str, str]]]:
    tokens = _tokens(database)
    settings = Settings(database_url=_url(database), rate_limit_per_s=0.001, rate_limit_burst=2)
    with served_in_thread(settings) as (base, _):
        yield base, tokens


def _head_only(
    base: str,
    path: str,
    content_type: str,
    length: int | None,
    token: str | None,
    wait_s: float = 3,
) -> tuple[bytes, bool]:
    """Sends a request head announcing ``length`` bytes (``None``: chunks) and no byte of
    the body; returns what the server answered and whether it then closed the
    connection."""
    host, port = base.removeprefix("http://").split(":")
    authorization = f"Authorization: Bearer {token}\r\n" if token else ""
    framing = "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"{framing}\r\n{authorization}\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=wait_s) as connection:
        connection.sendall(head)
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
            closed = True
        except TimeoutError:
            closed = False
    return answer, closed


@pytest.mark.parametrize("path", sorted(BIG_BODIES))
@pytest.mark.parametrize("kind", [None, "malformed", "unknown", "revoked", "expired"])
def test_a_big_body_without_a_valid_token_is_refused_after_the_head_alone(
    server: tuple[str, dict[str, str]], path: str, kind: str | None
) -> None:
    base, tokens = server
    content_type, length = BIG_BODIES[path]
    answer, closed = _head_only(base, path, content_type, length, tokens[kind] if kind else None)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 401 Unauthorized", answer[:300]
    assert b"application/problem+json" in rest
    assert b"UNAUTHENTICATED" in rest
    assert b"connection: close" in rest.lower()
    assert closed, "the connection stays open for a body nobody will read"


def test_a_valid_token_still_sends_its_body_and_is_counted_once_against_its_rate(
    server: tuple[str, dict[str, str]],
) -> None:
    base, tokens = server
    auth = {"Authorization": f"Bearer {tokens['valid']}"}
    with httpx.Client(base_url=base, headers=auth, timeout=30) as client:
        first = client.post("/v1/households/hh-1/events", json={"events": [f.registered()]})
        assert first.status_code == 201, first.text
        # A burst of 2: the second request passes only if the first was counted once.
        survey: dict[str, Any] = {"events": [f.survey()]}
        second = client.post("/v1/households/hh-1/events", json=survey)
        assert second.status_code == 201, second.text
        third = client.post("/v1/households/hh-1/events", json=survey)
        assert third.status_code == 429
        assert third.json()["code"] == "RATE_LIMITED"


def test_an_authorised_head_waits_for_its_body(server: tuple[str, dict[str, str]]) -> None:
    base, tokens = server
    answer, closed = _head_only(
        base, "/v1/households/hh-1/events", "application/json", 10 * MIB, tokens["valid"], wait_s=2
    )
    assert answer == b""  # the server waits for the body it was promised
    assert not closed


def test_the_web_forms_are_held_to_a_small_body(server: tuple[str, dict[str, str]]) -> None:
    base, _ = server
    response = httpx.post(f"{base}/ui/sign-in", data={"token": "x" * 100_000}, timeout=30)
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"


def test_a_chunked_body_without_a_token_is_refused_after_the_head_alone(
    server: tuple[str, dict[str, str]],
) -> None:
    base, _ = server
    answer, closed = _head_only(base, "/v1/households/hh-1/events", "application/json", None, None)
    assert answer.startswith(b"HTTP/1.1 401 ")
    assert closed


def test_an_authorised_body_declared_over_the_limit_is_refused_and_the_connection_closed(
    server: tuple[str, dict[str, str]],
) -> None:
    base, tokens = server
    answer, closed = _head_only(
        base, "/v1/households/hh-1/events", "application/json", 10 * MIB + 1, tokens["valid"]
    )
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert closed, "the connection stays open for a body nobody will read"
