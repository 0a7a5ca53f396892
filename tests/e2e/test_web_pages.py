"""The web pages' rules over HTTP, without a browser: signing in and out, where a page sends
a visitor without a valid token, errors as pages (never problem+json, never a 500), the
response headers of pages that carry personal data, escaping, and exports equal to the
API's."""

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from api.web.session import COOKIE, safe_next
from tests import factories as f
from tests.conftest import services_of
from tests.e2e.conftest import Append

HOUSEHOLD = "/ui/households/hh-1"
ORIGIN = {"Origin": "http://testserver"}  # what a browser sends with the pages' own forms


def signed_in(client: TestClient, token: str) -> TestClient:
    response = client.post(
        "/ui/sign-in", data={"token": token}, headers=ORIGIN, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client


def test_a_page_without_a_token_sends_the_browser_to_sign_in_and_back(
    client: TestClient, make_token: Callable[..., str], registered: str
) -> None:
    response = client.get(f"{HOUSEHOLD}?as_of=2030-01-01", follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/ui/sign-in"
    back = parse_qs(location.query)["next"][0]
    assert back == f"{HOUSEHOLD}?as_of=2030-01-01"

    signed = client.post(
        "/ui/sign-in",
        data={"token": make_token("auditor"), "next": back},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert signed.headers["location"] == back
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert all(part in cookie for part in ("HttpOnly", "Path=/ui", "SameSite=strict"))
    assert client.get(back).status_code == 200


def test_signing_out_forgets_the_token(
    client: TestClient, make_token: Callable[..., str], registered: str
) -> None:
    signed_in(client, make_token("auditor"))
    assert client.get(HOUSEHOLD).status_code == 200
    out = client.post("/ui/sign-out", headers=ORIGIN, follow_redirects=False)
    assert out.headers["location"] == "/ui/sign-in"
    assert client.get(HOUSEHOLD, follow_redirects=False).status_code == 303


def test_a_revoked_token_signs_the_page_out(
    client: TestClient, make_token: Callable[..., str], registered: str
) -> None:
    token = make_token("auditor")
    signed_in(client, token)
    tables = services_of(client).ledger.tables
    assert tables.revoke_token(token.split("_")[1], datetime.now(UTC))
    response = client.get(HOUSEHOLD, follow_redirects=False)
    assert response.status_code == 303
    assert "reason=expired" in response.headers["location"]
    assert "登录已失效" in client.get(response.headers["location"]).text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/ui/",
        "//evil.example/ui/",
        "/v1/households/hh-1",
        "ui/divisions",
        "/ui\\..\\",
        None,
        "",
    ],
)
def test_signing_in_never_redirects_off_the_pages(
    client: TestClient, make_token: Callable[..., str], target: str | None
) -> None:
    data = {"token": make_token("auditor", "530925")}
    if target is not None:
        data["next"] = target
    response = client.post("/ui/sign-in", data=data, headers=ORIGIN, follow_redirects=False)
    assert response.headers["location"] == "/ui/divisions/530925"


@given(
    st.one_of(st.text(max_size=40), st.from_regex(r"\A(/ui/|//|/ui|https?://|/)", fullmatch=False))
)
def test_safe_next_keeps_only_pages_of_this_service(target: str) -> None:
    kept = safe_next(target)
    assert kept is None or (kept == target and kept.startswith("/ui/"))
    if target.startswith("/ui/"):
        assert kept == target  # a page of this service is where the visitor goes back to


@pytest.mark.parametrize(
    ("role", "status", "message"),
    [("intake", 403, "不能查看农户数据"), ("department", 403, "不能查看农户数据")],
)
def test_tokens_that_only_deliver_facts_cannot_sign_in(
    client: TestClient, make_token: Callable[..., str], role: str, status: int, message: str
) -> None:
    extra = {"department": "medical_insurance"} if role == "department" else {}
    response = client.post("/ui/sign-in", data={"token": make_token(role, **extra)}, headers=ORIGIN)
    assert response.status_code == status
    assert message in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/ui/households/hh-404", 404, "UNKNOWN_HOUSEHOLD"),
        ("/ui/households/hh-1?as_of=yesterday", 422, "VALIDATION_FAILED"),
        ("/ui/divisions/54", 403, "FORBIDDEN"),
        ("/ui/divisions/530925?reference_date=2024-02-30", 422, "VALIDATION_FAILED"),
        ("/ui/divisions/530925/completeness.pdf", 422, "VALIDATION_FAILED"),
    ],
)
def test_errors_are_pages_with_the_api_status_and_code(
    client: TestClient,
    make_token: Callable[..., str],
    registered: str,
    path: str,
    status: int,
    code: str,
) -> None:
    signed_in(client, make_token("auditor", "53"))
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert code in response.text


def test_pages_are_not_cached_framed_or_scripted(
    client: TestClient, make_token: Callable[..., str], registered: str
) -> None:
    signed_in(client, make_token("auditor"))
    response = client.get(HOUSEHOLD)
    assert response.headers["cache-control"] == "no-store"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script" not in response.text


def test_what_upstream_apps_wrote_is_escaped(
    client: TestClient, make_token: Callable[..., str], append: Append
) -> None:
    hostile = "<script>alert(1)</script>"
    created = append("hh-1", f.registered(members=[f.member("m1", name=hostile)]))
    assert created.status_code == 201, created.text
    signed_in(client, make_token("auditor"))
    page = client.get(HOUSEHOLD).text
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _people(client: TestClient, append: Append) -> list[dict[str, Any]]:
    """Registers hh-1 with two members and a material named after the head; their values."""
    members = [
        f.member("m1", name="欧阳娜娜", birth_date="1968-03-12"),
        f.member("m2", "spouse", name="李秀", sex="F", birth_date="1971-07-25"),
    ]
    material = {
        "sha256": "a" * 64,
        "kind": "survey_form",
        "name": "欧阳娜娜采集表.jpg",
        "media_type": "image/jpeg",
        "size": 10,
    }
    created = append("hh-1", {**f.registered(members=members), "materials": [material]})
    assert created.status_code == 201, created.text
    return members


def test_an_evaluators_page_shows_display_masks_and_never_a_birth_date_or_a_commitment(
    client: TestClient, make_token: Callable[..., str], append: Append
) -> None:
    members = _people(client, append)
    signed_in(client, make_token("evaluator"))
    page = client.get(HOUSEHOLD).text
    for member in members:
        assert member["name"] not in page
        assert member["id_number"] not in page
        assert member["id_number"][6:14] not in page  # the birth segment
        assert member["birth_date"] not in page
        assert member["id_number"][:6] + "*" * 12 in page
    assert "欧***" in page
    assert "李*" in page
    assert f.ACTOR["name"] not in page
    assert "欧" + "*" * 6 + ".jpg" in page  # a file name is a personal field too
    assert re.search(r"c:[0-9a-f]{64}", page) is None  # a page shows masks, not commitments
    assert "不显示出生日期" in page
    logged = client.get(
        "/v1/access-log", headers={"Authorization": f"Bearer {make_token('admin')}"}
    ).json()["items"]
    assert logged == []  # an evaluator's page carries no personal value


def test_a_readers_page_shows_the_values_and_is_in_the_access_log(
    client: TestClient, make_token: Callable[..., str], append: Append
) -> None:
    members = _people(client, append)
    signed_in(client, make_token("auditor"))
    page = client.get(HOUSEHOLD).text
    for member in members:
        assert member["name"] in page
        assert member["id_number"] in page
        assert member["birth_date"] in page
    assert "欧阳娜娜采集表.jpg" in page
    assert re.search(r"c:[0-9a-f]{64}", page) is None
    logged = client.get(
        "/v1/access-log", headers={"Authorization": f"Bearer {make_token('admin')}"}
    ).json()["items"]
    assert [row["endpoint"] for row in logged] == ["GET /ui/households/{household_id}"]


@pytest.mark.parametrize("role", ["auditor", "evaluator"])
def test_an_erased_members_values_show_as_erased_to_everyone(
    client: TestClient, make_token: Callable[..., str], append: Append, role: str
) -> None:
    members = _people(client, append)
    ledger = services_of(client).ledger
    ledger.personal.erase_member("hh-1", "m1", datetime.now(UTC))
    signed_in(client, make_token(role))
    page = client.get(HOUSEHOLD).text
    erased = members[0]
    assert erased["name"] not in page
    assert erased["id_number"] not in page
    assert "已删除" in page
    assert "欧阳娜娜采集表.jpg" not in page  # the file name carried the name: erased with it
    if role == "auditor":
        assert members[1]["name"] in page
    else:
        assert "李*" in page


def test_the_division_form_goes_to_the_division_named(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    signed_in(client, make_token("auditor", "530925"))
    response = client.get("/ui/divisions?code=530925101", follow_redirects=False)
    assert response.headers["location"] == "/ui/divisions/530925101"
    assert client.get("/ui/divisions").status_code == 200
    assert client.get("/ui/", follow_redirects=False).headers["location"] == (
        "/ui/divisions/530925"
    )


@pytest.mark.parametrize("list_name", ["completeness", "lookback", "quality", "signals"])
def test_a_page_export_is_the_api_export(
    client: TestClient, make_token: Callable[..., str], append: Append, list_name: str
) -> None:
    for n in range(3):
        response = append(f"hh-{n}", f.registered(), f.survey(), f.marked("enrolled", "marginal"))
        assert response.status_code == 201, response.text
    token = make_token("auditor", "530925")
    query = "reference_date=2024-06-30" if list_name != "completeness" else ""
    api = client.get(
        f"/v1/{list_name}?division=530925&format=xlsx&{query}",
        headers={"Authorization": f"Bearer {token}"},
    )
    signed_in(client, token)
    page = client.get(f"/ui/divisions/530925/{list_name}.xlsx?{query}")
    assert page.status_code == 200
    assert page.headers["content-disposition"] == api.headers["content-disposition"]
    rows = [
        list(
            load_workbook(io.BytesIO(r.content), read_only=True).active.iter_rows(  # type: ignore[union-attr]
                values_only=True
            )
        )
        for r in (api, page)
    ]
    assert rows[0] == rows[1]
    assert len(rows[1]) > 1


def test_a_division_lists_the_divisions_below_it_with_their_counts(
    client: TestClient, make_token: Callable[..., str], append: Append
) -> None:
    villages = {"hh-a": "530925101201", "hh-b": "530925101202", "hh-c": "530925102201"}
    for household_id, village in villages.items():
        response = append(
            household_id,
            f.registered(village_code=village),
            f.survey(),
            f.marked("enrolled", "marginal"),
        )
        assert response.status_code == 201, response.text
    signed_in(client, make_token("auditor", "530925"))
    flagged = {
        item["household_id"]
        for item in client.get(
            "/v1/completeness?division=530925",
            headers={"Authorization": f"Bearer {make_token('auditor', '530925')}"},
        ).json()["items"]
    }
    assert flagged  # marked without the procedure: violations

    county = client.get("/ui/divisions/530925").text
    township = client.get("/ui/divisions/530925101").text
    for page, expected in (
        (county, {"530925101": ["hh-a", "hh-b"], "530925102": ["hh-c"]}),
        (township, {"530925101201": ["hh-a"], "530925101202": ["hh-b"]}),
    ):
        for part, members in expected.items():
            with_violations = len(flagged & set(members))
            row = (
                f'<a href="/ui/divisions/{part}">{part}</a></td><td>{len(members)}</td>'
                f'<td>{len(members)}</td>\n        <td class="missing">{with_violations}</td>'
            )
            assert row in page
    # Not among the township's parts (a signal's explanation may name a village elsewhere).
    parts = township[township.index('id="parts-table"') :]
    assert "530925102201" not in parts[: parts.index("</table>")]
    assert 'id="parts"' not in client.get("/ui/divisions/530925101201").text  # a village
