"""Every string and list a client sends is bounded, and an over-long one is refused by
name (CONTRACT §5: 422 ``VALIDATION_FAILED`` with the failing fields)."""

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from ledger.domain.commands import MAX_BATCH, AppendBatch
from ledger.domain.field_paths import field_path
from tests import factories as f

LONG_ID, LONG_NAME, LONG_TEXT = "x" * 65, "名" * 101, "文" * 4001


def refusals(event: dict[str, Any]) -> dict[str, str]:
    """The fields an append of ``event`` is refused for, with pydantic's error type, named
    as the API names them."""
    with pytest.raises(ValidationError) as raised:
        AppendBatch.model_validate({"events": [event]})
    return {field_path(("body", *error["loc"])): error["type"] for error in raised.value.errors()}


def replaced(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**data, **changes}


ISSUE = {"issue_id": "q1", "source": "village_check", "code": "ID_MISMATCH", "summary": "不一致"}
VERIFIED = {
    "purpose": "lookback",
    "department": "public_security",
    "consistent": True,
    "findings": [],
    "summary": "无",
}

STRINGS = [
    # identifiers (64)
    ({**f.registered(), "actor": {**f.ACTOR, "id": LONG_ID}}, "events[0].actor.id"),
    (
        f.event("MemberRemoved", {"member_id": LONG_ID, "reason": "death"}),
        "events[0].data.member_id",
    ),
    (f.event("DataIssueRaised", {**ISSUE, "issue_id": LONG_ID}), "events[0].data.issue_id"),
    (f.survey(system_ref=LONG_ID), "events[0].data.system_ref"),
    # codes (64)
    (f.event("DataIssueRaised", {**ISSUE, "code": LONG_ID}), "events[0].data.code"),
    (
        f.event("DepartmentVerified", {**VERIFIED, "items_checked": [LONG_ID]}),
        "events[0].data.items_checked[0]",
    ),
    # names (100)
    (f.registered(members=[f.member("m1", name=LONG_NAME)]), "events[0].data.members[0].name"),
    (f.registered(group=LONG_NAME), "events[0].data.group"),
    ({**f.registered(), "actor": {**f.ACTOR, "org": LONG_NAME}}, "events[0].actor.org"),
    (
        f.survey() | {"materials": [{**f.MATERIAL, "name": LONG_NAME}]},
        "events[0].materials[0].name",
    ),
    # free text (4000)
    (
        f.event("AssistanceApplied", {"channel": "village", "summary": LONG_TEXT}),
        "events[0].data.summary",
    ),
    (
        f.event("ScreeningAnalyzed", {"decision": "key_check", "basis": LONG_TEXT}),
        "events[0].data.basis",
    ),
    (
        f.event(
            "MaterialAttached", {"target_event_id": "e1", "note": LONG_TEXT}, materials=[f.MATERIAL]
        ),
        "events[0].data.note",
    ),
    (
        f.event("EntryVoided", {"target_event_id": "e1", "reason": LONG_TEXT}),
        "events[0].data.reason",
    ),
    # an ID number is 18 characters; anything longer is refused before its digits are read
    (
        f.registered(members=[f.member("m1", id_number="1" * 19)]),
        "events[0].data.members[0].id_number",
    ),
]


@pytest.mark.parametrize(("event", "field"), STRINGS, ids=[field for _, field in STRINGS])
def test_an_over_long_string_is_refused_by_its_field(event: dict[str, Any], field: str) -> None:
    assert refusals(event)[field] == "string_too_long"


def test_strings_at_their_limits_are_accepted() -> None:
    AppendBatch.model_validate(
        {
            "events": [
                f.registered(members=[f.member("m" + "1" * 63, name="名" * 100)]),
                f.event("AssistanceApplied", {"channel": "village", "summary": "文" * 4000}),
            ]
        }
    )


LISTS = [
    (
        f.registered(members=[f.member(f"m{i}", "head" if i == 0 else "child") for i in range(51)]),
        "events[0].data.members",
    ),
    (f.survey() | {"materials": [f.MATERIAL] * 101}, "events[0].materials"),
    (f.survey(risk_types=["illness"] * 21), "events[0].data.risk_types"),
    (
        f.event(
            "VillageCommitteeDecided",
            {"purpose": "identification", "decision": "propose", "measures": ["health"] * 21},
        ),
        "events[0].data.measures",
    ),
    (
        f.event(
            "PublicNoticePosted",
            {
                "purpose": "identification",
                "channels": ["group_board"] * 4,
                "start_date": "2021-10-25",
                "end_date": "2021-10-29",
            },
        ),
        "events[0].data.channels",
    ),
    (
        f.event(
            "DepartmentVerified", {**VERIFIED, "findings": [{"exclusion": "consumer_car"}] * 51}
        ),
        "events[0].data.findings",
    ),
    (
        f.event("DepartmentVerified", {**VERIFIED, "items_checked": ["vehicle"] * 51}),
        "events[0].data.items_checked",
    ),
    (
        f.event(
            "CountyConfirmed",
            {"purpose": "lookback", "decision": "rejected", "risk_types": ["illness"] * 21},
        ),
        "events[0].data.risk_types",
    ),
]


@pytest.mark.parametrize(("event", "field"), LISTS, ids=[field for _, field in LISTS])
def test_an_over_long_list_is_refused_by_its_field(event: dict[str, Any], field: str) -> None:
    assert refusals(event)[field] == "too_long"


def test_a_batch_over_the_limit_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        AppendBatch.model_validate({"events": [f.survey()] * (MAX_BATCH + 1)})
    assert [(e["loc"], e["type"]) for e in raised.value.errors()] == [(("events",), "too_long")]


def _unbounded(node: Any, path: str = "") -> list[str]:
    """Schema paths of strings with no length, pattern, format or enumeration, and of
    arrays with no ``maxItems``."""
    found = []
    if isinstance(node, dict):
        bounded = {"maxLength", "pattern", "format", "enum", "const"} & set(node)
        if node.get("type") == "string" and not bounded:
            found.append(path)
        if node.get("type") == "array" and "maxItems" not in node:
            found.append(path)
        for key, value in node.items():
            found += _unbounded(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _unbounded(value, f"{path}[{i}]")
    return found


def test_every_string_and_list_of_an_append_is_bounded_in_the_schema() -> None:
    assert _unbounded(AppendBatch.model_json_schema()) == []


# Through HTTP: what the caller sees, and the header and query parameters.


def _refused_field(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    return [error["field"] for error in body["errors"]]


def test_an_over_long_field_is_a_422_naming_it(client: TestClient, auth: dict[str, str]) -> None:
    event = f.event("AssistanceApplied", {"channel": "village", "summary": LONG_TEXT})
    response = client.post("/v1/households/hh-1/events", json={"events": [event]}, headers=auth)
    assert _refused_field(response) == ["events[0].data.summary"]


def test_an_over_long_idempotency_key_is_a_422_naming_it(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.post(
        "/v1/households/hh-1/events",
        json={"events": [f.registered()]},
        headers={**auth, "Idempotency-Key": "k" * 201},
    )
    assert _refused_field(response) == ["idempotency-key"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/completeness?code=" + "X" * 65, "code"),
        ("/v1/completeness?status=" + "x" * 33, "status"),
        ("/v1/lookback?code=" + "X" * 65, "code"),
        ("/v1/completeness?division=" + "5" * 13, "division"),
        ("/v1/feed?cursor=" + "1" * 81, "cursor"),
        ("/v1/households/hh-1/events?cursor=" + "1" * 81, "cursor"),
        ("/v1/households/" + "h" * 65, "household_id"),
    ],
)
def test_an_over_long_query_or_path_parameter_is_a_422_naming_it(
    client: TestClient, auth: dict[str, str], path: str, field: str
) -> None:
    assert _refused_field(client.get(path, headers=auth)) == [field]
