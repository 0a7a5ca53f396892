"""Who may read a trace material (issue 13; docs/decisions.md): its uploader, or a reader
whose division holds a household that cites it *and* lies in an uploader's division.
Citing another county's SHA-256 in your own household grants nothing; an upload never
tells the stored name; every download is in the access log."""

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.e2e.conftest import problem_code

SHUANGJIANG_VILLAGE, WUHUA_VILLAGE = f.VILLAGE, "530102001001"
SECRET_NAME = "李国华身份证正反面.jpg"
CONTENT = b"\xff\xd8\xff\xe0" + "李国华 530925198001010012".encode() * 400
DOWNLOAD = "GET /v1/materials/{sha256}"


class Token:
    def __init__(self, make_token: Callable[..., str], role: str, division: str) -> None:
        token = make_token(role=role, division=division)
        self.token_id = token.split("_")[1]
        self.auth = {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(make_token: Callable[..., str]) -> dict[str, Token]:
    return {
        name: Token(make_token, role, division)
        for name, (role, division) in {
            "shuangjiang": ("recorder", "530925"),
            "wuhua": ("recorder", "530102"),
            "wuhua_auditor": ("auditor", "530102"),
            "wuhua_admin": ("admin", "530102"),
            "shuangjiang_auditor": ("auditor", "530925"),
            "shuangjiang_evaluator": ("evaluator", "530925"),
            "yunnan_admin": ("admin", "53"),
        }.items()
    }


def upload(
    client: TestClient, token: Token, name: str = SECRET_NAME, content: bytes = CONTENT
) -> httpx.Response:
    response: httpx.Response = client.post(
        "/v1/materials", headers=token.auth, files={"file": (name, content, "image/jpeg")}
    )
    return response


def register_citing(
    client: TestClient, token: Token, household_id: str, village: str, sha256: str
) -> None:
    survey = {
        **f.survey(),
        "materials": [
            {
                "sha256": sha256,
                "kind": "survey_form",
                "name": "采集表.jpg",
                "media_type": "image/jpeg",
                "size": len(CONTENT),
            }
        ],
    }
    response = client.post(
        f"/v1/households/{household_id}/events",
        headers=token.auth,
        json={"events": [f.registered(village_code=village), survey]},
    )
    assert response.status_code == 201, response.text


def download(client: TestClient, token: Token, sha256: str) -> httpx.Response:
    response: httpx.Response = client.get(f"/v1/materials/{sha256}", headers=token.auth)
    return response


def archived(client: TestClient, token: Token, household_id: str) -> zipfile.ZipFile:
    response = client.get(f"/v1/households/{household_id}/archive", headers=token.auth)
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_citing_another_countys_sha256_in_your_own_household_grants_nothing(
    client: TestClient, tokens: dict[str, Token]
) -> None:
    sha256 = upload(client, tokens["shuangjiang"]).json()["sha256"]
    register_citing(client, tokens["wuhua"], "hh-wuhua", WUHUA_VILLAGE, sha256)

    for name in ("wuhua", "wuhua_auditor", "wuhua_admin"):
        refused = download(client, tokens[name], sha256)
        assert (refused.status_code, problem_code(refused)) == (404, "UNKNOWN_MATERIAL"), name
        assert SECRET_NAME not in refused.text
    with archived(client, tokens["wuhua_auditor"], "hh-wuhua") as archive:
        assert f"materials/{sha256}" not in archive.namelist()
        [cited] = json.loads(archive.read("materials.json"))
        assert (cited["sha256"], cited["included"]) == (sha256, False)
        assert CONTENT not in b"".join(archive.read(n) for n in archive.namelist())


def test_a_reader_gets_the_file_through_a_household_of_the_uploaders_division(
    client: TestClient, tokens: dict[str, Token]
) -> None:
    sha256 = upload(client, tokens["shuangjiang"]).json()["sha256"]
    register_citing(client, tokens["wuhua"], "hh-wuhua", WUHUA_VILLAGE, sha256)
    register_citing(client, tokens["shuangjiang"], "hh-1", SHUANGJIANG_VILLAGE, sha256)

    read = download(client, tokens["shuangjiang_auditor"], sha256)
    assert (read.status_code, read.content) == (200, CONTENT)
    assert download(client, tokens["yunnan_admin"], sha256).status_code == 200
    assert download(client, tokens["wuhua_auditor"], sha256).status_code == 404
    with archived(client, tokens["shuangjiang_auditor"], "hh-1") as archive:
        assert archive.read(f"materials/{sha256}") == CONTENT


def test_an_upload_of_stored_bytes_never_tells_the_stored_name_nor_that_they_exist(
    client: TestClient, tokens: dict[str, Token]
) -> None:
    first = upload(client, tokens["shuangjiang"])
    assert first.status_code == 201
    again = upload(client, tokens["wuhua"], name="扫描件.jpg")
    assert again.status_code == 201, again.text  # as for bytes never seen
    assert again.json() == {**first.json(), "name": "扫描件.jpg"}
    assert SECRET_NAME not in again.text
    retried = upload(client, tokens["wuhua"], name="另一个名字.jpg")
    assert (retried.status_code, retried.json()) == (200, again.json())

    # Whoever uploads the bytes has them: each reads its own upload, under its own name.
    sha256 = first.json()["sha256"]
    theirs = download(client, tokens["wuhua"], sha256)
    assert theirs.status_code == 200
    assert (
        "filename*=UTF-8''%E6%89%AB%E6%8F%8F%E4%BB%B6.jpg" in theirs.headers["content-disposition"]
    )
    assert "%E6%9D%8E" not in theirs.headers["content-disposition"]  # 李, of the first name


def _logged(client: TestClient, admin: Token, reader: Token) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/access-log", params={"token_id": reader.token_id}, headers=admin.auth
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_every_material_download_is_in_the_access_log(
    client: TestClient, tokens: dict[str, Token]
) -> None:
    sha256 = upload(client, tokens["shuangjiang"]).json()["sha256"]
    assert download(client, tokens["shuangjiang"], sha256).status_code == 200  # not cited
    uncited = _logged(client, tokens["yunnan_admin"], tokens["shuangjiang"])
    assert [
        (r["household_id"], r["village_code"], r["endpoint"], r["material"]) for r in uncited
    ] == [("", "530925000000", DOWNLOAD, sha256)]

    register_citing(client, tokens["shuangjiang"], "hh-1", SHUANGJIANG_VILLAGE, sha256)
    register_citing(client, tokens["shuangjiang"], "hh-2", SHUANGJIANG_VILLAGE, sha256)
    for reader in ("shuangjiang_auditor", "shuangjiang_evaluator"):
        assert download(client, tokens[reader], sha256).status_code == 200
        rows = _logged(client, tokens["yunnan_admin"], tokens[reader])
        assert [(r["household_id"], r["endpoint"], r["material"]) for r in rows] == [
            ("hh-1", DOWNLOAD, sha256),
            ("hh-2", DOWNLOAD, sha256),
        ], reader
    refused = download(client, tokens["wuhua_auditor"], sha256)
    assert refused.status_code == 404
    assert _logged(client, tokens["yunnan_admin"], tokens["wuhua_auditor"]) == []
