"""Trace materials over HTTP: upload, download, limits, and who may read what."""

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from ledger.tokens import create_token
from tests import factories as f
from tests.conftest import _url, services_of
from tests.e2e.conftest import Append, problem_code

NAME = "入户调查采集表.jpg"
CONTENT = b"\xff\xd8\xff\xe0" + "双江县大文乡".encode() * 5000


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(
    client: TestClient,
    headers: dict[str, str],
    content: bytes = CONTENT,
    name: str = NAME,
    media_type: str = "image/jpeg",
) -> httpx.Response:
    response: httpx.Response = client.post(
        "/v1/materials", headers=headers, files={"file": (name, content, media_type)}
    )
    return response


def stored_files(client: TestClient) -> list[Path]:
    directory: Path = services_of(client).materials.directory
    return sorted(p for p in directory.rglob("*") if p.is_file())


def cite(sha256: str, size: int = len(CONTENT)) -> dict[str, Any]:
    """A survey whose envelope cites the uploaded file."""
    return {
        **f.survey(),
        "materials": [
            {
                "sha256": sha256,
                "kind": "survey_form",
                "name": NAME,
                "media_type": "image/jpeg",
                "size": size,
            }
        ],
    }


def test_an_upload_comes_back_byte_for_byte_with_its_chinese_name(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = upload(client, auth)
    sha256 = hashlib.sha256(CONTENT).hexdigest()
    assert response.status_code == 201, response.text
    assert response.json() == {
        "sha256": sha256,
        "size": len(CONTENT),
        "media_type": "image/jpeg",
        "name": NAME,
    }
    assert response.headers["Location"] == f"/v1/materials/{sha256}"

    download = client.get(response.headers["Location"], headers=auth)
    assert download.status_code == 200
    assert download.content == CONTENT
    assert hashlib.sha256(download.content).hexdigest() == sha256
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["etag"] == f'"{sha256}"'
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME, safe='')}" in disposition
    assert stored_files(client)[0].name == sha256


def test_the_same_bytes_uploaded_again_are_one_file_and_each_token_gets_its_own_upload(
    client: TestClient, auth: dict[str, str], make_token: Callable[..., str]
) -> None:
    first = upload(client, auth)
    retried = upload(client, auth, name="renamed.jpg")
    other = upload(
        client, bearer(make_token(role="intake")), name="another.png", media_type="image/png"
    )
    assert (first.status_code, retried.status_code, other.status_code) == (201, 200, 201)
    assert retried.json() == first.json()
    assert other.json() == {**first.json(), "name": "another.png", "media_type": "image/png"}
    assert other.headers["Location"] == first.headers["Location"]
    assert len(stored_files(client)) == 1


def test_a_client_path_in_the_file_name_is_dropped_and_an_odd_media_type_is_octet_stream(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = upload(client, auth, name="C:\\扫描\\公示照片.png", media_type="not a type").json()
    assert body["name"] == "公示照片.png"
    assert body["media_type"] == "application/octet-stream"


@pytest.mark.parametrize(
    ("role", "department"),
    [("admin", None), ("recorder", None), ("intake", None), ("department", "health")],
)
def test_every_role_that_may_append_may_upload(
    client: TestClient, make_token: Callable[..., str], role: str, department: str | None
) -> None:
    token = make_token(role=role, department=department)
    assert upload(client, bearer(token)).status_code == 201


@pytest.mark.parametrize("role", ["auditor", "evaluator"])
def test_readers_cannot_upload(
    client: TestClient, make_token: Callable[..., str], role: str
) -> None:
    response = upload(client, bearer(make_token(role=role)))
    assert response.status_code == 403
    assert problem_code(response) == "FORBIDDEN"
    assert stored_files(client) == []


def test_an_upload_needs_a_token(client: TestClient) -> None:
    assert problem_code(upload(client, {})) == "UNAUTHENTICATED"


def test_a_missing_or_empty_file_is_a_validation_failure_naming_the_field(
    client: TestClient, auth: dict[str, str]
) -> None:
    missing = client.post("/v1/materials", headers=auth, data={"other": "x"})
    empty = upload(client, auth, content=b"")
    not_a_form = client.post("/v1/materials", headers=auth, json={"file": "x"})
    for response in (missing, empty, not_a_form):
        assert response.status_code == 422, response.text
        assert problem_code(response) == "VALIDATION_FAILED"
        assert [e["field"] for e in response.json()["errors"]] == ["file"]
    assert stored_files(client) == []


def test_the_uploader_reads_its_material_before_any_event_cites_it_but_no_one_else(
    client: TestClient, auth: dict[str, str], make_token: Callable[..., str]
) -> None:
    sha256 = upload(client, auth).json()["sha256"]
    assert client.get(f"/v1/materials/{sha256}", headers=auth).status_code == 200
    for other in (make_token(role="recorder"), make_token(role="auditor", division="530925")):
        response = client.get(f"/v1/materials/{sha256}", headers=bearer(other))
        assert response.status_code == 404
        assert problem_code(response) == "UNKNOWN_MATERIAL"


def test_an_admin_is_bound_to_its_division_too(
    client: TestClient, auth: dict[str, str], make_token: Callable[..., str]
) -> None:
    sha256 = upload(client, auth).json()["sha256"]  # cited by no household yet
    for division in ("5301", ""):
        admin = bearer(make_token(role="admin", division=division))
        response = client.get(f"/v1/materials/{sha256}", headers=admin)
        assert (response.status_code, response.json()["code"]) == (404, "UNKNOWN_MATERIAL")


def test_a_reader_in_scope_may_download_once_an_event_in_their_division_cites_it(
    client: TestClient,
    auth: dict[str, str],
    make_token: Callable[..., str],
    append: Append,
    registered: str,
) -> None:
    sha256 = upload(client, auth).json()["sha256"]
    auditor = bearer(make_token(role="auditor", division="530925"))
    evaluator = bearer(make_token(role="evaluator", division="530925101"))
    elsewhere = bearer(make_token(role="auditor", division="5301"))
    assert client.get(f"/v1/materials/{sha256}", headers=auditor).status_code == 404

    assert append(registered, cite(sha256)).status_code == 201
    for reader in (auditor, evaluator):
        response = client.get(f"/v1/materials/{sha256}", headers=reader)
        assert response.status_code == 200, response.text
        assert response.content == CONTENT
    outside = client.get(f"/v1/materials/{sha256}", headers=elsewhere)
    assert outside.status_code == 404
    assert problem_code(outside) == "UNKNOWN_MATERIAL"


def test_a_material_attached_later_is_readable_in_scope_too(
    client: TestClient,
    auth: dict[str, str],
    make_token: Callable[..., str],
    append: Append,
    registered: str,
) -> None:
    sha256 = upload(client, auth).json()["sha256"]
    first = client.get(f"/v1/households/{registered}/events", headers=auth).json()["items"][0]
    attached = f.event(
        "MaterialAttached",
        {"target_event_id": first["id"], "note": "补传"},
        materials=cite(sha256)["materials"],
    )
    assert append(registered, attached).status_code == 201
    auditor = bearer(make_token(role="auditor", division="530925"))
    assert client.get(f"/v1/materials/{sha256}", headers=auditor).status_code == 200


def test_an_unknown_material_answers_like_one_the_caller_may_not_read(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.get(f"/v1/materials/{'0' * 64}", headers=auth)
    assert response.status_code == 404
    assert problem_code(response) == "UNKNOWN_MATERIAL"


@pytest.mark.parametrize("name", ["A" * 64, "abc", "a" * 65, "%2E%2E", "g" * 64])
def test_a_malformed_sha256_is_a_validation_failure(
    client: TestClient, auth: dict[str, str], name: str
) -> None:
    response = client.get(f"/v1/materials/{name}", headers=auth)
    assert response.status_code == 422
    assert problem_code(response) == "VALIDATION_FAILED"
    assert response.json()["errors"][0]["field"] == "sha256"


@pytest.mark.parametrize(
    "path",
    ["..%2F..%2Fetc%2Fpasswd", "%2E%2E%2F%2E%2E%2Fpyproject.toml", "..%5C..%5Cpyproject.toml"],
)
def test_a_path_out_of_the_store_is_refused(
    client: TestClient, auth: dict[str, str], path: str
) -> None:
    response = client.get(f"/v1/materials/{path}", headers=auth)
    assert response.status_code in (404, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


# Limits


@pytest.fixture
def small(database: Database, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app whose materials may hold at most 1024 bytes, and a recorder's headers."""
    settings = Settings(
        database_url=_url(database),
        max_material_bytes=1024,
        materials_dir=str(tmp_path / "small-materials"),
    )
    with TestClient(create_app(settings)) as client:
        token = create_token(
            services_of(client).ledger.tables,
            role="recorder",
            division="53",
        )
        yield client, bearer(token)


def multipart(content: bytes, boundary: str = "ledger-boundary") -> tuple[bytes, str]:
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert problem_code(response) == "PAYLOAD_TOO_LARGE"


def test_a_file_at_the_limit_is_stored(small: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = small
    assert upload(client, headers, content=b"x" * 1024).status_code == 201


def test_a_file_just_over_the_limit_is_refused_and_nothing_is_kept(
    small: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = small
    assert_too_large(upload(client, headers, content=b"x" * 1025))
    assert stored_files(client) == []


def test_a_body_far_over_the_limit_is_refused_from_its_declared_length(
    small: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = small
    assert_too_large(upload(client, headers, content=b"x" * 200_000))
    assert stored_files(client) == []


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(
    small: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = small
    body, content_type = multipart(b"x" * 200_000)
    chunks = (body[i : i + 8192] for i in range(0, len(body), 8192))
    response = client.post(
        "/v1/materials", content=chunks, headers={**headers, "Content-Type": content_type}
    )
    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert stored_files(client) == []


def test_an_upload_may_exceed_the_general_body_limit_which_other_paths_keep(
    client: TestClient, auth: dict[str, str]
) -> None:
    big = b"y" * (2 * 1024 * 1024)  # the client fixture's body limit is 1 MiB
    assert upload(client, auth, content=big).status_code == 201
    events = client.post(
        "/v1/households/hh-1/events",
        content=b'{"events": []}' + big,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert_too_large(events)


def test_an_evaluator_gets_the_file_under_a_masked_name(
    client: TestClient,
    auth: dict[str, str],
    make_token: Callable[..., str],
    append: Append,
    registered: str,
) -> None:
    response = client.post(
        "/v1/materials", headers=auth, files={"file": ("张三身份证.jpg", CONTENT, "image/jpeg")}
    )
    sha256 = response.json()["sha256"]
    survey = f.survey()
    survey["materials"] = [{**f.MATERIAL, "sha256": sha256, "size": len(CONTENT)}]
    assert append(registered, survey).status_code == 201
    evaluator = bearer(make_token(role="evaluator", division="530925"))
    download = client.get(f"/v1/materials/{sha256}", headers=evaluator)
    assert download.status_code == 200
    assert download.content == CONTENT
    disposition = unquote(download.headers["content-disposition"])
    assert "张****.jpg" in disposition
    assert "三" not in disposition
