"""Every role × endpoint × scope combination of CONTRACT §5, over HTTP.

One household in Shuangjiang (5309…) and one in Guangdong (44…); for each role a token
inside the household's division ("5309") and one outside it ("5310"). Each endpoint's
test walks every (role, scope) pair and names the one that breaks.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.conftest import services_of

ROLES = ("admin", "recorder", "intake", "department", "auditor", "evaluator")
READERS = {"admin", "recorder", "auditor", "evaluator"}
GUANGDONG = "440105001001"


@dataclass
class World:
    client: TestClient
    tokens: dict[tuple[str, str], dict[str, str]]  # (role, "in"/"out") → headers
    event_id: str
    material: str

    def call(self, role: str, scope: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.request(
            method, path, headers=self.tokens[role, scope], **kwargs
        )
        return response


@pytest.fixture
def world(client: TestClient, make_token: Callable[..., str]) -> World:
    def bearer(role: str, division: str) -> dict[str, str]:
        department = "medical_insurance" if role == "department" else None
        token = make_token(role=role, division=division, department=department)
        return {"Authorization": f"Bearer {token}"}

    admin = bearer("admin", "")
    photo = client.post(
        "/v1/materials", headers=admin, files={"file": ("照片.jpg", b"evidence", "image/jpeg")}
    ).json()["sha256"]
    survey = f.survey()
    survey["materials"] = [{**f.MATERIAL, "sha256": photo, "size": 8}]
    for household_id, registration in (
        ("hh-in", f.registered()),
        ("hh-out", f.registered(village_code=GUANGDONG)),
    ):
        response = client.post(
            f"/v1/households/{household_id}/events",
            headers=admin,
            json={"events": [registration, survey, f.marked("enrolled", "sudden_hardship")]},
        )
        assert response.status_code == 201, response.text
    event_id = client.get("/v1/households/hh-in/events", headers=admin).json()["items"][0]["id"]
    tokens = {
        (role, scope): bearer(role, "5309" if scope == "in" else "5310")
        for role in ROLES
        for scope in ("in", "out")
    }
    return World(client, tokens, event_id, photo)


def _expect(
    world: World, method: str, path: str, expected: Callable[[str, str], int], **kwargs: Any
) -> None:
    wrong = []
    for role in ROLES:
        for scope in ("in", "out"):
            response = world.call(role, scope, method, path, **kwargs)
            want = expected(role, scope)
            if response.status_code != want:
                wrong.append(
                    f"{role}/{scope}: {response.status_code} (want {want}) {response.text[:120]}"
                )
            elif want >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
    assert not wrong, f"{method} {path}:\n" + "\n".join(wrong)


def _household_read(role: str, scope: str) -> int:
    if role not in READERS:
        return 403
    return 200 if scope == "in" else 404


@pytest.mark.parametrize(
    "path",
    [
        "/v1/households/hh-in",
        "/v1/households/hh-in/events",
        "/v1/households/hh-in/completeness",
        "/v1/households/hh-in/archive",
    ],
)
def test_household_reads(world: World, path: str) -> None:
    _expect(world, "GET", path, _household_read)


@pytest.mark.parametrize("path", ["/v1/completeness", "/v1/lookback", "/v1/reports/summary"])
def test_division_lists_in_and_beyond_the_scope(world: World, path: str) -> None:
    # The token's own division by default; a division wider than the token's is 403.
    _expect(world, "GET", path, lambda role, scope: 200 if role in READERS else 403)
    _expect(world, "GET", path, lambda role, scope: 403, params={"division": "53"})
    _expect(
        world,
        "GET",
        path,
        lambda role, scope: (200 if scope == "in" else 403) if role in READERS else 403,
        params={"division": "530925"},
    )


def test_lists_never_show_a_household_beyond_the_scope(world: World) -> None:
    for role in READERS:
        for scope in ("in", "out"):
            for path in ("/v1/completeness", "/v1/lookback"):
                items = world.call(role, scope, "GET", path).json()["items"]
                ids = {item["household_id"] for item in items}
                assert "hh-out" not in ids, (role, scope, path)
                assert ("hh-in" in ids) == (
                    scope == "in" and path == "/v1/completeness"
                ) or path == "/v1/lookback", (role, scope, path, ids)


def test_the_feed(world: World) -> None:
    _expect(world, "GET", "/v1/feed", lambda role, scope: 200 if role in READERS else 403)
    for role in READERS:
        for scope in ("in", "out"):
            households = {
                e["household_id"]
                for e in world.call(role, scope, "GET", "/v1/feed").json()["items"]
            }
            assert households == ({"hh-in"} if scope == "in" else set()), (role, scope)


def test_material_download(world: World) -> None:
    _expect(
        world,
        "GET",
        f"/v1/materials/{world.material}",
        lambda role, scope: 200 if role in READERS and scope == "in" else 404,
    )


def test_integrity_endpoints(world: World) -> None:
    # No personal data: every role may check the log; proofs stay within the scope.
    _expect(world, "GET", "/v1/checkpoints/latest", lambda role, scope: 200)
    _expect(
        world,
        "GET",
        "/v1/proofs/consistency",
        lambda role, scope: 200,
        params={"first": 1, "second": 1},
    )
    _expect(
        world,
        "GET",
        "/v1/proofs/inclusion",
        lambda role, scope: 200 if scope == "in" else 404,
        params={"event_id": world.event_id},
    )


APPENDS: dict[str, tuple[dict[str, Any], set[str]]] = {
    # type: (event, roles that may append it)
    "MemberUpdated": (
        f.event("MemberUpdated", {"member_id": "m2", "health": "chronic"}),
        {"admin", "recorder"},
    ),
    "AssistanceApplied": (
        f.event("AssistanceApplied", {"channel": "rescue_platform", "summary": "医疗支出大"}),
        {"admin", "recorder", "intake"},
    ),
    "WarningReceived": (
        f.event(
            "WarningReceived",
            {
                "department": "medical_insurance",
                "code": "medical_self_pay_high",
                "summary": "自付超过1万元",
                "amount": 15000,
            },
        ),
        {"admin", "recorder", "department"},
    ),
}


@pytest.mark.parametrize("event_type", list(APPENDS))
def test_appends(world: World, event_type: str) -> None:
    event, writers = APPENDS[event_type]

    def expected(role: str, scope: str) -> int:
        if role not in writers:
            return 403
        return 201 if scope == "in" else 404

    _expect(world, "POST", "/v1/households/hh-in/events", expected, json={"events": [event]})


def test_a_department_writes_only_its_own_department(world: World) -> None:
    other = f.event(
        "WarningReceived", {**APPENDS["WarningReceived"][0]["data"], "department": "civil_affairs"}
    )
    response = world.call(
        "department", "in", "POST", "/v1/households/hh-in/events", json={"events": [other]}
    )
    assert response.status_code == 403


def test_registering_beyond_the_scope_is_refused(world: World) -> None:
    for role in ("admin", "recorder"):
        response = world.call(
            role, "out", "POST", "/v1/households/hh-new/events", json={"events": [f.registered()]}
        )
        assert response.status_code == 403, (role, response.text)


def test_material_upload(world: World) -> None:
    # A file is not yet any household's: uploading is for the roles that append.
    for role in ROLES:
        for scope in ("in", "out"):
            content = f"evidence from {role}/{scope}".encode()
            response = world.call(
                role,
                scope,
                "POST",
                "/v1/materials",
                files={"file": ("new.jpg", content, "image/jpeg")},
            )
            want = 403 if role in {"auditor", "evaluator"} else 201
            assert response.status_code == want, (role, scope, response.text)


def test_revoked_and_expired_tokens_are_refused_everywhere(
    world: World, client: TestClient, make_token: Callable[..., str]
) -> None:
    from datetime import UTC, datetime, timedelta

    tables = services_of(client).ledger.tables
    revoked = make_token(role="admin", division="")
    tables.revoke_token(revoked.split("_")[1], datetime.now(UTC))
    expired = make_token(
        role="admin", division="", expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    for token in (revoked, expired, "ldg_0000000000000000_" + "x" * 43, "garbage"):
        for method, path in (
            ("GET", "/v1/households/hh-in"),
            ("GET", "/v1/feed"),
            ("GET", "/v1/completeness"),
            ("GET", "/v1/checkpoints/latest"),
            ("POST", "/v1/households/hh-in/events"),
        ):
            response = client.request(
                method,
                path,
                headers={"Authorization": f"Bearer {token}"},
                json={"events": [f.survey()]},
            )
            assert response.status_code == 401, (token[:20], method, path)
