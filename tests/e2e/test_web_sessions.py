"""Web page sessions over HTTP, on both databases: signing in opens a session whose random
id (not the token) is the cookie and is stored only hashed; signing out, idleness, age and
revoking the token end it; a form posted from another origin is refused."""

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.web.session import COOKIE
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from ledger.persistence.web_sessions import WebSession
from ledger.tokens import create_token
from tests import factories as f
from tests.conftest import _url, services_of
from tests.e2e.conftest import Append
from tests.integration.test_audit import Sql, sql  # noqa: F401 (fixture)

HOUSEHOLD = "/ui/households/hh-1"
ORIGIN = {"Origin": "http://testserver"}


@contextmanager
def served(
    database: Database, base_url: str = "http://testserver", **settings: Any
) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=_url(database), **settings))
    with TestClient(app, base_url=base_url) as client:
        yield client


def token_of(client: TestClient, role: str = "auditor") -> str:
    return create_token(
        services_of(client).ledger.tables,
        role=role,
        division="53",
    )


def register(client: TestClient) -> None:
    created = client.post(
        "/v1/households/hh-1/events",
        json={"events": [f.registered()]},
        headers={"Authorization": f"Bearer {token_of(client, 'recorder')}"},
    )
    assert created.status_code == 201, created.text


def sign_in(client: TestClient, token: str, headers: dict[str, str] | None = None) -> str:
    response = client.post(
        "/ui/sign-in",
        data={"token": token},
        follow_redirects=False,
        headers=ORIGIN if headers is None else headers,
    )
    assert response.status_code == 303, response.text
    return str(response.cookies[COOKIE])


def shows_page(client: TestClient, session_id: str) -> bool:
    client.cookies.clear()
    client.cookies.set(COOKIE, session_id, path="/ui")
    response = client.get(HOUSEHOLD, follow_redirects=False)
    assert response.status_code in (200, 303), response.text
    return bool(response.status_code == 200)


def test_signing_in_opens_a_session_whose_id_is_random_and_stored_only_hashed(
    client: TestClient, make_token: Callable[..., str], registered: str, sql: Sql
) -> None:
    token = make_token("auditor")
    session_id = sign_in(client, token)
    assert session_id != token
    assert token.split("_", 2)[2] not in session_id
    assert len(session_id) >= 43  # secrets.token_urlsafe(32)
    assert sign_in(client, token) != session_id  # each sign-in its own session
    rows = sql("SELECT session_sha256, token_id, created_at, last_seen_at FROM web_sessions", ())
    assert len(rows) == 2
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    [row] = [row for row in rows if row[0] == digest]
    assert row[1] == token.split("_")[1]
    assert not any(
        session_id in str(value) or token.split("_", 2)[2] in str(value)
        for row in rows
        for value in row
    )
    assert shows_page(client, session_id)


def test_signing_out_ends_the_session_so_a_copy_of_its_cookie_no_longer_works(
    client: TestClient, make_token: Callable[..., str], registered: str, sql: Sql
) -> None:
    session_id = sign_in(client, make_token("auditor"))
    assert shows_page(client, session_id)
    out = client.post("/ui/sign-out", headers=ORIGIN, follow_redirects=False)
    assert out.status_code == 303
    assert not shows_page(client, session_id)  # the old cookie, sent again
    assert sql("SELECT COUNT(*) FROM web_sessions", ())[0][0] == 0


def aged(client: TestClient, session_id: str, *, opened_s: float, seen_s: float) -> None:
    """Moves the session's clock back, as that many seconds of waiting would: real waits
    were flaky on a loaded machine (a sign-in outlived a two-second limit)."""
    sessions = services_of(client).ledger.stores.web_sessions
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    stored = sessions.find(digest)
    assert stored is not None
    now = datetime.now(UTC)
    sessions.end(digest)
    sessions.open(
        WebSession(
            digest,
            stored.token_id,
            now - timedelta(seconds=opened_s),
            now - timedelta(seconds=seen_s),
        )
    )


def test_a_session_left_idle_longer_than_its_limit_ends_and_one_in_use_does_not(
    database: Database,
) -> None:
    with served(database, web_session_idle_s=600) as client:
        register(client)
        session_id = sign_in(client, token_of(client))
        for _ in range(3):  # in use for half an hour, each visit within the idle limit
            aged(client, session_id, opened_s=1800, seen_s=540)
            assert shows_page(client, session_id)
        aged(client, session_id, opened_s=1800, seen_s=601)
        response = client.get(HOUSEHOLD, follow_redirects=False)
        assert response.status_code == 303
        assert "reason=expired" in response.headers["location"]


def test_a_session_ends_at_its_absolute_limit_however_busy(database: Database) -> None:
    with served(database, web_session_max_s=3600) as client:
        register(client)
        session_id = sign_in(client, token_of(client))
        aged(client, session_id, opened_s=3540, seen_s=1)
        assert shows_page(client, session_id)
        aged(client, session_id, opened_s=3601, seen_s=1)  # used a second ago
        assert not shows_page(client, session_id)


def test_revoking_the_token_ends_its_sessions(
    client: TestClient, make_token: Callable[..., str], registered: str, sql: Sql
) -> None:
    token = make_token("auditor")
    session_id = sign_in(client, token)
    assert shows_page(client, session_id)
    tables = services_of(client).ledger.tables
    assert tables.revoke_token(token.split("_")[1], datetime.now(UTC))
    assert not shows_page(client, session_id)
    assert sql("SELECT COUNT(*) FROM web_sessions", ())[0][0] == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "http://testserver:8443"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/ui/sign-in"},
        {},
    ],
    ids=["other-site", "longer-host", "other-port", "null", "referer-elsewhere", "neither"],
)
def test_a_sign_in_from_another_origin_is_refused_and_opens_no_session(
    client: TestClient, make_token: Callable[..., str], headers: dict[str, str], sql: Sql
) -> None:
    response = client.post(
        "/ui/sign-in",
        data={"token": make_token("auditor")},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "FORBIDDEN" in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")
    assert sql("SELECT COUNT(*) FROM web_sessions", ())[0][0] == 0


def test_a_sign_in_from_the_pages_own_form_passes_by_origin_or_by_referer(
    client: TestClient, make_token: Callable[..., str], registered: str
) -> None:
    assert shows_page(client, sign_in(client, make_token("auditor"), ORIGIN))
    referer = {"Referer": "http://testserver/ui/sign-in?next=%2Fui%2F"}
    assert shows_page(client, sign_in(client, make_token("auditor"), referer))


def test_a_sign_out_posted_from_another_site_is_refused_and_the_session_goes_on(
    client: TestClient, make_token: Callable[..., str], registered: str
) -> None:
    session_id = sign_in(client, make_token("auditor"))
    forged = client.post(
        "/ui/sign-out", headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert shows_page(client, session_id)


def test_the_configured_origin_is_the_one_forms_must_come_from(database: Database) -> None:
    with served(database, web_origin="https://ledger.example.gov.cn") as client:
        token = token_of(client)
        refused = client.post(
            "/ui/sign-in", data={"token": token}, headers=ORIGIN, follow_redirects=False
        )
        assert refused.status_code == 403
        sign_in(client, token, {"Origin": "https://ledger.example.gov.cn"})


def test_the_cookie_is_http_only_strict_scoped_to_the_pages_and_secure_over_https(
    database: Database,
) -> None:
    with served(database, base_url="https://testserver") as client:
        response = client.post(
            "/ui/sign-in",
            data={"token": token_of(client)},
            headers={"Origin": "https://testserver"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert all(part in cookie for part in ("HttpOnly", "Path=/ui", "SameSite=strict", "Secure"))


def test_a_page_signed_in_elsewhere_sees_the_household_as_before(
    client: TestClient, make_token: Callable[..., str], append: Append
) -> None:
    created = append("hh-1", f.registered())
    assert created.status_code == 201
    session_id = sign_in(client, make_token("auditor", "54"))  # another province
    client.cookies.set(COOKIE, session_id, path="/ui")
    assert client.get(HOUSEHOLD).status_code == 404  # the token's division still applies


def test_a_session_ends_when_its_token_expires(database: Database, sql: Sql) -> None:
    with served(database) as client:
        register(client)
        token = create_token(
            services_of(client).ledger.tables,
            role="auditor",
            division="53",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        session_id = sign_in(client, token)
        assert shows_page(client, session_id)
        # The hour passes: the token's expiry moves to its creation, as a clock would take it
        # there (a real wait of seconds was flaky on a loaded machine: sign-in outlived it).
        token_id = token.split("_", 2)[1]
        sql("UPDATE api_tokens SET expires_at = created_at WHERE token_id = ?", (token_id,))
        assert not shows_page(client, session_id)


def test_pages_of_a_session_count_against_its_tokens_rate(database: Database) -> None:
    with served(database, rate_limit_per_s=0.01, rate_limit_burst=3) as client:
        register(client)
        session_id = sign_in(client, token_of(client))  # the first of the three
        assert shows_page(client, session_id)
        assert shows_page(client, session_id)
        refused = client.get(HOUSEHOLD, follow_redirects=False)
        assert refused.status_code == 429
        assert "RATE_LIMITED" in refused.text
