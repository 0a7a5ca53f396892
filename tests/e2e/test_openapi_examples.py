"""The OpenAPI document's examples are valid (issue 7): the append examples, one per event
type, appended in order over HTTP are all accepted and tell a complete identification;
the state example is the state they leave; each problem example is a Problem and the
shape the server answers when that error is provoked."""

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import STATUS
from api.openapi_examples import HOUSEHOLD_ID, illustrative_id
from api.state import app_state
from bootstrap.settings import Settings
from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.commands import AppendBatch
from ledger.domain.personal import is_clear_of_personal_values, rehash
from ledger.persistence.database import Database
from ledger.tokens import create_token
from tests.conftest import POSTGRES_URL, _url, fresh_postgres
from tests.e2e.openapi_schemas import errors

APPEND = "/v1/households/{household_id}/events"
HOUSEHOLD = "/v1/households/{household_id}"
Document = dict[str, Any]


@pytest.fixture
def document(client: TestClient) -> Document:
    body: Document = client.get("/openapi.json").json()
    return body


def append_examples(document: Document) -> dict[str, Any]:
    examples: dict[str, Any] = document["paths"][APPEND]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"]
    return examples


ERASURE_ONLY = {"PersonalDataErased"}  # appended by POST .../erasures, never on its own


def test_every_event_type_of_the_contract_has_an_append_example_named_in_two_languages(
    document: Document,
) -> None:
    examples = append_examples(document)
    told = [example["value"]["events"][0]["type"] for example in examples.values()]
    assert sorted(set(EVENT_TYPES) - ERASURE_ONLY - set(told)) == []
    assert ERASURE_ONLY.isdisjoint(told)
    for name, example in examples.items():
        assert example["summary"].startswith(f"{name} · ")
        assert re.search(r"[\u4e00-\u9fff]", example["summary"]), example["summary"]


def test_every_append_example_is_a_batch_by_the_model_and_by_the_documented_schema(
    document: Document,
) -> None:
    body = document["paths"][APPEND]["post"]["requestBody"]["content"]["application/json"]
    for name, example in append_examples(document).items():
        AppendBatch.model_validate(example["value"])
        assert errors(document, body["schema"], example["value"]) == [], name


def test_the_append_examples_appended_in_order_tell_one_complete_story(
    client: TestClient, auth: dict[str, str], document: Document
) -> None:
    answers, real_ids = _tell_story(client, auth, document)

    appended = document["paths"][APPEND]["post"]["responses"]["201"]["content"]["application/json"][
        "example"
    ]
    served = answers[appended["version"] - 1]
    assert (served["version"], served["events"][0]["type"]) == (
        appended["version"],
        appended["events"][0]["type"],
    )
    assert set(served["events"][0]) == set(appended["events"][0])

    state = client.get(HOUSEHOLD.format(household_id=HOUSEHOLD_ID), headers=auth).json()
    documented = document["paths"][HOUSEHOLD]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]
    assert state == _with_real_ids(documented, real_ids)

    episodes = client.get(
        f"{HOUSEHOLD.format(household_id=HOUSEHOLD_ID)}/completeness", headers=auth
    ).json()["episodes"]
    assert [episode["kind"] for episode in episodes] == ["identification"]
    assert [gap for gap in episodes[0]["gaps"] if gap["severity"] == "violation"] == []


def history_examples(document: Document) -> dict[str, Any]:
    examples: dict[str, Any] = document["paths"][APPEND]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["examples"]
    return {name: example["value"]["items"][0] for name, example in examples.items()}


def test_the_served_event_examples_show_each_callers_form_and_re_hash(
    document: Document,
) -> None:
    schema = document["paths"][APPEND]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["properties"]["items"]["items"]
    assert "PersonalDataErased" in schema["properties"]["type"]["enum"]
    assert {"openings", "erased", "source", "correlation_id"} <= set(schema["properties"])
    examples = history_examples(document)
    reader, evaluator, erased = examples["reader"], examples["evaluator"], examples["erased"]
    for served in (reader, evaluator, erased):
        assert rehash(served) == served["hash"]
    assert reader["data"]["members"][0]["name"] == "李国华"
    assert "/data/members/0/birth_date" in reader["openings"]
    assert reader["erased"] == []
    assert "openings" not in evaluator
    assert evaluator["erased"] == []
    assert is_clear_of_personal_values(evaluator)
    assert "李国华" not in json.dumps(evaluator, ensure_ascii=False)
    assert erased["erased"] == [
        "/data/members/0/name",
        "/data/members/0/id_number",
        "/data/members/0/birth_date",
    ]
    assert not set(erased["erased"]) & set(erased["openings"])
    assert erased["data"]["members"][0]["name"] == evaluator["data"]["members"][0]["name"]


def test_the_history_serves_the_story_as_the_reader_example_shows_with_its_provenance(
    client: TestClient, make_token: Callable[..., str], document: Document
) -> None:
    recorder = {"Authorization": f"Bearer {make_token()}"}
    _tell_story(client, recorder, document)
    history = client.get(APPEND.format(household_id=HOUSEHOLD_ID), headers=recorder).json()
    served = history["items"]
    documented = history_examples(document)["reader"]
    assert set(served[0]) == set(documented)
    assert served[0]["data"] == documented["data"]
    assert set(served[0]["openings"]) == set(documented["openings"])
    sent = [example["value"]["events"][0] for example in append_examples(document).values()]
    assert [(e.get("source"), e.get("correlation_id")) for e in sent] == [
        (e["source"], e["correlation_id"]) for e in served
    ]
    assert any(e["source"] for e in served)
    assert any(e["correlation_id"] for e in served)
    evaluator = {"Authorization": f"Bearer {make_token('evaluator')}"}
    as_evaluated = client.get(APPEND.format(household_id=HOUSEHOLD_ID), headers=evaluator).json()
    first = as_evaluated["items"][0]
    assert set(first) == set(history_examples(document)["evaluator"])
    assert all(rehash(e) == e["hash"] for e in [*served, *as_evaluated["items"]])


def _tell_story(
    client: TestClient, headers: dict[str, str], document: Document
) -> tuple[list[Any], dict[str, str]]:
    """Appends the examples in order: the answers, and the ids the ledger gave."""
    real_ids: dict[str, str] = {}  # documented (illustrative) id -> the id the ledger gave
    answers = []
    for name, example in append_examples(document).items():
        body = _with_real_ids(example["value"], real_ids)
        answer = client.post(APPEND.format(household_id=HOUSEHOLD_ID), json=body, headers=headers)
        assert answer.status_code == 201, (name, answer.text)
        for event in answer.json()["events"]:
            real_ids[illustrative_id(event["version"])] = event["id"]
        answers.append(answer.json())
    return answers, real_ids


def _with_real_ids(value: Any, real_ids: dict[str, str]) -> Any:
    text = json.dumps(value, ensure_ascii=False)
    for documented, real in real_ids.items():
        text = text.replace(documented, real)
    return json.loads(text)


# Problems


def problem_examples(document: Document) -> Iterator[tuple[str, str, int, str, Any]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                problem = response.get("content", {}).get("application/problem+json")
                if problem is not None:
                    assert problem.get("examples"), (method, path, status)
                    for code, example in problem["examples"].items():
                        yield path, method, int(status), code, example["value"]


def test_every_problem_example_is_a_problem_of_its_status_and_code(document: Document) -> None:
    for path, method, status, code, example in problem_examples(document):
        assert errors(document, {"$ref": "#/components/schemas/Problem"}, example) == []
        assert (example["status"], example["code"]) == (status, code), (method, path)
        assert example["type"] == f"urn:ledger:problem:{code.lower().replace('_', '-')}"
        assert ("errors" in example) == (status == 422 or code in RULE_ERRORS), example


RULE_ERRORS = {"RULE_VIOLATION", "INVALID_TRANSITION"}  # a rule's problem names its field
Call = Callable[[TestClient, dict[str, str], Document], httpx.Response]
_SIGNED_BY_M9 = {
    "type": "ApplicationSigned",
    "occurred_at": "2021-10-12T15:00:00+08:00",
    "actor": {"id": "w-0042", "name": "罗建明", "role": "work_team", "org": "530925101201"},
    "data": {"member_id": "m9"},
}


def _append(client: TestClient, headers: dict[str, str], body: Any) -> httpx.Response:
    answer: httpx.Response = client.post(
        APPEND.format(household_id=HOUSEHOLD_ID), headers=headers, json=body
    )
    return answer


def _registered(client: TestClient, headers: dict[str, str], document: Document) -> Any:
    """Appends the first example (the registration) and returns its body."""
    registration = append_examples(document)["HouseholdRegistered"]["value"]
    assert _append(client, headers, registration).status_code == 201
    return registration


def _not_json(client: TestClient, headers: dict[str, str], document: Document) -> httpx.Response:
    answer: httpx.Response = client.post(
        APPEND.format(household_id=HOUSEHOLD_ID),
        content=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    return answer


def _rule_broken(client: TestClient, headers: dict[str, str], document: Document) -> httpx.Response:
    _registered(client, headers, document)
    return _append(client, headers, {"events": [_SIGNED_BY_M9]})


def _registered_twice(
    client: TestClient, headers: dict[str, str], document: Document
) -> httpx.Response:
    body = _registered(client, headers, document)
    return _append(client, headers, {"events": body["events"]})


def _stale_version(
    client: TestClient, headers: dict[str, str], document: Document
) -> httpx.Response:
    _registered(client, headers, document)
    return _append(client, headers, {"events": [_SIGNED_BY_M9], "expected_version": 0})


def _eliminated_unmonitored(
    client: TestClient, headers: dict[str, str], document: Document
) -> httpx.Response:
    _registered(client, headers, document)
    return _append(
        client,
        headers,
        {
            "events": [
                {**_SIGNED_BY_M9, "type": "SystemMarked", "data": {"marking": "risk_eliminated"}}
            ]
        },
    )


def _key_reused(client: TestClient, headers: dict[str, str], document: Document) -> httpx.Response:
    keyed = {**headers, "Idempotency-Key": "k-1"}
    _registered(client, keyed, document)
    return _append(client, keyed, {"events": [_SIGNED_BY_M9]})


def _too_large(
    client: TestClient, headers: dict[str, str], document: Document
) -> httpx.Response:  # the test app takes bodies of at most 1 MiB
    return _append(
        client, headers, {"events": [{**_SIGNED_BY_M9, "data": {"member_id": "m" * 2_000_000}}]}
    )


def _get(url: str, authenticated: bool = True) -> Call:
    return lambda client, headers, document: client.get(
        url, headers=headers if authenticated else {}
    )


_HH = HOUSEHOLD.format(household_id=HOUSEHOLD_ID)
PROVOKED: dict[tuple[int, str], tuple[str, str, Call]] = {
    (400, "VALIDATION_FAILED"): (APPEND, "post", _not_json),
    (422, "VALIDATION_FAILED"): (APPEND, "post", lambda c, h, d: _append(c, h, {"events": []})),
    (401, "UNAUTHENTICATED"): (HOUSEHOLD, "get", _get(_HH, authenticated=False)),
    (403, "FORBIDDEN"): ("/v1/completeness", "get", _get("/v1/completeness?division=54")),
    (404, "UNKNOWN_HOUSEHOLD"): (HOUSEHOLD, "get", _get(_HH)),
    (404, "UNKNOWN_EVENT"): (
        "/v1/proofs/inclusion",
        "get",
        _get(f"/v1/proofs/inclusion?event_id={illustrative_id(1)}"),
    ),
    (404, "UNKNOWN_MATERIAL"): ("/v1/materials/{sha256}", "get", _get(f"/v1/materials/{'0' * 64}")),
    (404, "UNKNOWN_TILE"): (
        "/log/tile/{level}/{tile_index}",
        "get",
        _get("/log/tile/0/x001/234", authenticated=False),
    ),
    (409, "RULE_VIOLATION"): (APPEND, "post", _rule_broken),
    (409, "ALREADY_REGISTERED"): (APPEND, "post", _registered_twice),
    (409, "VERSION_CONFLICT"): (APPEND, "post", _stale_version),
    (409, "INVALID_TRANSITION"): (APPEND, "post", _eliminated_unmonitored),
    (409, "IDEMPOTENCY_KEY_REUSED"): (APPEND, "post", _key_reused),
    (413, "PAYLOAD_TOO_LARGE"): (APPEND, "post", _too_large),
}
# Provoked with an app of their own, below.
ELSEWHERE = {
    (429, "RATE_LIMITED"),
    (503, "PROJECTIONS_UNAVAILABLE"),
    (503, "SERVICE_UNAVAILABLE"),
    (503, "NOT_READY"),
    # on a full or read-only tmpfs: tests/e2e/test_materials_store.py
    (507, "MATERIALS_STORE_FULL"),
    (503, "MATERIALS_STORE_UNAVAILABLE"),
    # a witness policy whose witnesses never answered: tests/e2e/test_witnessing.py
    (503, "CHECKPOINT_NOT_WITNESSED"),
    (503, "LOG_FORK"),  # on a database restored from an old backup: tests/e2e/test_fork_guard.py
}


def assert_answered_as_documented(
    document: Document, path: str, method: str, answer: httpx.Response
) -> None:
    """The answer is the problem the document shows for its status and code on this
    operation: same members, type, title, status and code (not the same detail)."""
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    body = answer.json()
    response = document["paths"][path][method]["responses"].get(str(answer.status_code))
    assert response is not None, f"{method} {path} does not document {answer.status_code}"
    examples = response["content"]["application/problem+json"]["examples"]
    assert body["code"] in examples, f"{method} {path} {answer.status_code}: {body}"
    example = examples[body["code"]]["value"]
    assert set(body) == set(example), (body, example)
    assert {k: body[k] for k in ("type", "title", "status", "code")} == {
        k: example[k] for k in ("type", "title", "status", "code")
    }
    for error, documented in zip(body.get("errors", []), example.get("errors", []), strict=False):
        assert set(error) == set(documented)
    for header in response.get("headers", {}):
        assert header in answer.headers, f"{answer.status_code} lacks {header}"


def test_every_documented_problem_code_is_provoked_by_a_test(document: Document) -> None:
    documented = {(status, code) for _, _, status, code, _ in problem_examples(document)}
    contract = {(status, error.code) for error, status in STATUS.items()}
    assert contract <= documented
    assert documented == set(PROVOKED) | ELSEWHERE


@pytest.mark.parametrize("empty_database", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("status", "code"), list(PROVOKED))
def test_the_server_answers_each_problem_as_its_example_shows(
    status: int, code: str, client: TestClient, auth: dict[str, str], document: Document
) -> None:
    path, method, call = PROVOKED[(status, code)]
    answer = call(client, auth, document)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert_answered_as_documented(document, path, method, answer)


@contextmanager
def serving(database: Database, **settings: Any) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app of its own on ``database``, with a recorder's headers."""
    app = create_app(Settings(database_url=_url(database), **settings))
    with TestClient(app) as client:
        token = create_token(app_state(app).running().ledger.tables, role="recorder", division="53")
        yield client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("empty_database", ["sqlite"], indirect=True)
def test_a_rate_limited_token_is_answered_as_the_example_shows(database: Database) -> None:
    with serving(database, rate_limit_per_s=0.01, rate_limit_burst=1) as (client, headers):
        document = client.get("/openapi.json").json()
        client.get(_HH, headers=headers)
        answer = client.get(_HH, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (429, "RATE_LIMITED")
        assert_answered_as_documented(document, HOUSEHOLD, "get", answer)


@pytest.mark.parametrize("empty_database", ["sqlite"], indirect=True)
def test_read_models_behind_the_log_are_answered_as_the_example_shows(database: Database) -> None:
    # External projections that no process runs never catch up with the registration.
    with serving(database, projections="external", projection_wait_s=0.1) as (client, headers):
        document = client.get("/openapi.json").json()
        _registered(client, headers, document)
        answer = client.get("/v1/completeness", headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (503, "PROJECTIONS_UNAVAILABLE")
        assert_answered_as_documented(document, "/v1/completeness", "get", answer)


@pytest.fixture
def doomed(postgres_server: Database) -> Iterator[Database]:
    yield from fresh_postgres(postgres_server)


def test_a_lost_database_is_answered_as_the_examples_show(doomed: Database) -> None:
    with serving(doomed, pool_size=2) as (client, headers):
        document = client.get("/openapi.json").json()
        _registered(client, headers, document)
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{doomed.name}" WITH (FORCE)')
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()["code"]) == (503, "NOT_READY")
        assert_answered_as_documented(document, "/readyz", "get", ready)
        read = client.get(_HH, headers=headers)
        assert (read.status_code, read.json()["code"]) == (503, "SERVICE_UNAVAILABLE")
        assert_answered_as_documented(document, HOUSEHOLD, "get", read)
