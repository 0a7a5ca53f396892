"""A full or read-only materials directory is the operator's problem, told as such: 507 or
503 problem+json with a stable code, never a 500, and no partial file left behind.

Real filesystems, not simulated errors: a 64 KiB tmpfs fills up, a tmpfs mounted (or
remounted) read-only refuses writes. Mounting needs CAP_SYS_ADMIN (the tests run as root);
where it is not permitted these skip, saying so, and tests/integration/
test_material_store_errors.py still checks the store's boundary with real OSErrors."""

import hashlib
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import services_of
from tests.e2e.conftest import problem_code
from tests.e2e.test_openapi_examples import assert_answered_as_documented

SMALL = "公示照片".encode() * 1000  # 12 KB
LARGE = bytes(range(256)) * 800  # 200 KB: more than the 64 KiB store holds


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(
            f"cannot {' '.join(command)} here ({done.stderr.strip()}): the store's "
            "boundary tests cover the mapping"
        )


@contextmanager
def tmpfs(directory: Path, options: str) -> Iterator[Callable[[str], None]]:
    """A tmpfs mounted on ``directory``; yields ``remount(options)``."""
    directory.mkdir(parents=True, exist_ok=True)
    _run("mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory))
    try:
        yield lambda again: _run("mount", "-o", f"remount,{again}", str(directory))
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def store_dir(client: TestClient) -> Path:
    directory: Path = services_of(client).materials.directory
    return directory


def files_in(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def upload(client: TestClient, auth: dict[str, str], content: bytes) -> httpx.Response:
    response: httpx.Response = client.post(
        "/v1/materials", headers=auth, files={"file": ("公示.jpg", content, "image/jpeg")}
    )
    return response


def test_a_full_store_answers_507_and_keeps_no_partial_file(
    client: TestClient, auth: dict[str, str]
) -> None:
    directory = store_dir(client)
    with tmpfs(directory, "size=64k"):
        full = upload(client, auth, LARGE)
        assert full.status_code == 507, full.text
        assert problem_code(full) == "MATERIALS_STORE_FULL"
        assert_answered_as_documented(
            client.get("/openapi.json").json(), "/v1/materials", "post", full
        )
        assert files_in(directory) == []  # not even the temporary file
        # Nothing was kept, so the room is still there for a file that fits.
        small = upload(client, auth, SMALL)
        assert small.status_code == 201, small.text
        assert files_in(directory) == [f"{small.json()['sha256'][:2]}/{small.json()['sha256']}"]
        refused = client.get(f"/v1/materials/{hashlib.sha256(LARGE).hexdigest()}", headers=auth)
        assert problem_code(refused) == "UNKNOWN_MATERIAL"


def test_a_read_only_store_answers_503_and_still_serves_what_it_holds(
    client: TestClient, auth: dict[str, str]
) -> None:
    directory = store_dir(client)
    with tmpfs(directory, "size=1m") as remount:
        stored = upload(client, auth, SMALL).json()["sha256"]
        before = files_in(directory)
        remount("ro")
        refused = upload(client, auth, LARGE)
        assert refused.status_code == 503, refused.text
        assert problem_code(refused) == "MATERIALS_STORE_UNAVAILABLE"
        assert refused.headers["Retry-After"] == "1"
        assert_answered_as_documented(
            client.get("/openapi.json").json(), "/v1/materials", "post", refused
        )
        assert files_in(directory) == before
        served = client.get(f"/v1/materials/{stored}", headers=auth)
        assert (served.status_code, served.content) == (200, SMALL)


def test_a_store_that_is_read_only_from_the_start_answers_503(
    client: TestClient, auth: dict[str, str]
) -> None:
    directory = store_dir(client)
    with tmpfs(directory, "ro,size=64k"):
        refused = upload(client, auth, SMALL)
        assert refused.status_code == 503, refused.text
        assert problem_code(refused) == "MATERIALS_STORE_UNAVAILABLE"
        assert files_in(directory) == []
