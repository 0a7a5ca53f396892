"""The Merkle tree as c2sp.org/tlog-tiles serves it (CONTRACT §7.4), on both databases: a
tile client written here from the spec's text alone rebuilds the signed root from the
served tiles; entry bundles are the feed's hashes in order; partial tiles are as wide as
the tree allows; full tiles are cached for a year, partial ones not at all; a malformed
path or a tile beyond the tree is a 404 problem. Go's own tlog (golang.org/x/mod) checks
the tiles that uvicorn serves."""

import base64
import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.state import app_state
from bootstrap.settings import Settings
from ledger.appending import Appended, AppendPipeline, AppendRequest
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import _url, services_of
from tests.e2e.conftest import problem_code
from tests.e2e.servers import served_in_thread
from tests.interop.golang import tlogcheck  # noqa: F401 (Go's tlog, built once)

IMMUTABLE = "public, max-age=31536000, immutable"
RECORDER = Caller(token_id="t-tiles", name="测试录入员", role="recorder", division="53")  # type: ignore[arg-type]


def append_county(appends: AppendPipeline, at_least: int, first: int = 0) -> int:
    """Appends whole households of the synthetic county (in one transaction mostly) until
    at least ``at_least`` events are in; returns how many."""
    requests, count = [], 0
    for n in range(first, first + at_least):
        if count >= at_least:
            break
        events = f.county_household(n)
        batch = AppendBatch.model_validate({"events": events})
        requests.append(AppendRequest(f"hh-{n:04d}", batch.events, RECORDER))
        count += len(events)
    answers = appends.append_many(requests)
    assert all(isinstance(answer, Appended) for answer in answers), answers
    return count


# A client of the spec, written from its text: tiles of 256 hashes; tile n at level l holds
# MTH(D[(n·256 + i)·256^l : (n·256 + i + 1)·256^l]); the partial tile at level l of a tree of
# size s is floor(s / 256^l) mod 256 wide; the index in 3-digit elements, all but the last
# after an "x".


def index_path(n: int) -> str:
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    return "/".join([*(f"x{g}" for g in reversed(groups[1:])), groups[0]])


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def hashed_up(tile: bytes) -> bytes:
    """The root of the perfect subtree whose leaves' hashes are ``tile``'s."""
    hashes = [tile[i : i + 32] for i in range(0, len(tile), 32)]
    while len(hashes) > 1:
        hashes = [_node(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


class SpecTileClient:
    def __init__(self, get: Callable[[str], bytes], tree_size: int) -> None:
        self.get, self.size = get, tree_size
        self.fetched: dict[str, bytes] = {}

    def tile(self, level: int, n: int) -> bytes:
        full = (n + 1) * 256 ** (level + 1) <= self.size
        width = 256 if full else (self.size // 256**level) % 256
        path = f"{level}/{index_path(n)}" + ("" if full else f".p/{width}")
        if path not in self.fetched:
            body = self.get(path)
            assert len(body) == width * 32, path
            self.fetched[path] = body
        return self.fetched[path]

    def subtree(self, start: int, end: int) -> bytes:
        """MTH of a perfect, aligned subtree: from the tile of its level, hashed up."""
        height = (end - start).bit_length() - 1
        level, within = divmod(height, 8)
        first = start >> (8 * level)
        data = self.tile(level, first // 256)
        offset = first % 256
        return hashed_up(data[offset * 32 : (offset + (1 << within)) * 32])

    def mth(self, start: int, end: int) -> bytes:
        """RFC 6962 §2.1, k the largest power of two below the range's size."""
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            return self.subtree(start, end)
        k = 1 << ((n - 1).bit_length() - 1)
        return _node(self.mth(start, start + k), self.mth(start + k, end))


def _tile_bytes(client: TestClient | httpx.Client) -> Callable[[str], bytes]:
    def get(path: str) -> bytes:
        answer = client.get(f"/log/tile/{path}")  # no token: the tiles are public
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-type"] == "application/octet-stream"
        return answer.content

    return get


def _checkpoint(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    checkpoint: dict[str, Any] = client.get(
        "/v1/checkpoints/latest?fresh=true", headers=auth
    ).json()
    return checkpoint


def _feed_hashes(client: TestClient, auth: dict[str, str]) -> list[str]:
    hashes: list[str] = []
    cursor: str | None = "0"
    while cursor is not None:
        page = client.get(f"/v1/feed?limit=1000&after={cursor}", headers=auth).json()
        hashes += [item["hash"] for item in page["items"]]
        cursor = page["next"]
    return hashes


@pytest.fixture
def county(client: TestClient) -> int:
    """A log of a little more than one full level-0 tile."""
    return append_county(services_of(client).appends, 300)


def test_a_client_of_the_spec_rebuilds_the_signed_root_from_the_served_tiles(
    client: TestClient, auth: dict[str, str], county: int
) -> None:
    checkpoint = _checkpoint(client, auth)
    size = checkpoint["tree_size"]
    assert size == county > 256
    tiles = SpecTileClient(_tile_bytes(client), size)
    assert tiles.mth(0, size).hex() == checkpoint["root_hash"]
    # The level-1 tile's one hash is the full level-0 tile, hashed up.
    assert hashed_up(tiles.tile(0, 0)) == tiles.tile(1, 0)
    assert set(tiles.fetched) >= {"0/000", "1/000.p/1", f"0/001.p/{size - 256}"}

    full, partial = client.get("/log/tile/0/000"), client.get(f"/log/tile/0/001.p/{size - 256}")
    assert full.headers["cache-control"] == IMMUTABLE
    assert partial.headers["cache-control"] == "no-store"
    assert client.get("/log/tile/0/000").content == full.content  # from the kept full tiles


def test_an_entry_bundle_is_the_feeds_hashes_and_hashes_to_the_level_0_tile(
    client: TestClient, auth: dict[str, str], county: int
) -> None:
    hashes = _feed_hashes(client, auth)
    assert len(hashes) == county
    full = client.get("/log/tile/entries/000", headers={"Accept-Encoding": "gzip"})
    assert full.headers["content-encoding"] == "gzip"
    assert full.headers["cache-control"] == IMMUTABLE
    rest = client.get(
        f"/log/tile/entries/001.p/{county - 256}", headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in rest.headers
    assert rest.headers["cache-control"] == "no-store"
    bundles = full.content + rest.content  # httpx undid the gzip
    entries = [bundles[i + 2 : i + 34] for i in range(0, len(bundles), 34)]
    assert {bundles[i : i + 2] for i in range(0, len(bundles), 34)} == {b"\x00\x20"}
    assert [entry.hex() for entry in entries] == hashes
    leaves = _tile_bytes(client)("0/000") + _tile_bytes(client)(f"0/001.p/{county - 256}")
    assert [hashlib.sha256(b"\x00" + e).digest() for e in entries] == [
        leaves[i : i + 32] for i in range(0, len(leaves), 32)
    ]


def test_partial_tiles_are_as_wide_as_the_tree_and_no_tile_lies_beyond_it(
    client: TestClient, county: int
) -> None:
    width = county - 256
    for level_0 in (f"0/001.p/{width}", "0/001.p/1", "entries/001.p/1"):
        assert client.get(f"/log/tile/{level_0}").status_code == 200
    for beyond in (
        f"0/001.p/{width + 1}",
        f"entries/001.p/{width + 1}",
        "0/001",  # the second full tile is not complete
        "entries/001",
        "0/002.p/1",
        "1/000",
        "1/000.p/2",
        "2/000.p/1",
        "0/x001/000",
    ):
        answer = client.get(f"/log/tile/{beyond}")
        assert (answer.status_code, problem_code(answer)) == (404, "UNKNOWN_TILE"), beyond
        assert "cache-control" not in answer.headers


MALFORMED = [
    "01/000",
    "64/000",
    "0/0",
    "0/0000",
    "0/001/234",
    "0/x001",
    "0/x000/001",
    "0/000.p/0",
    "0/000.p/256",
    "0/000.p/01",
    "0/000.p",
    "0/000/",
    "data/000",
    "entries/000.p/0",
    "entries/x000",
    "0/x009/x223/x372/x036/x854/775/808",
    "-1/000",
    "0/%00",
]


def test_a_malformed_tile_path_is_a_404_problem_naming_the_fault(client: TestClient) -> None:
    append_county(services_of(client).appends, 1)
    for path in MALFORMED:
        answer = client.get(f"/log/tile/{path}")
        assert (answer.status_code, problem_code(answer)) == (404, "UNKNOWN_TILE"), path
        assert "no tile" in answer.json()["detail"]


def test_a_tile_path_without_an_index_is_a_404_problem(client: TestClient) -> None:
    for path in ("/log/tile/0", "/log/tile/entries", "/log/tile/"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_tile_of_an_event_appended_a_moment_ago_is_served_at_once(
    client: TestClient,
) -> None:
    appends = services_of(client).appends
    first = append_county(appends, 1)
    assert client.get(f"/log/tile/0/000.p/{first}").status_code == 200
    second = append_county(appends, 1, first=1)
    answer = client.get(f"/log/tile/entries/000.p/{first + second}")
    assert answer.status_code == 200, answer.text
    assert len(answer.content) == 34 * (first + second)


def test_gos_own_tlog_verifies_the_tiles_uvicorn_serves(
    database: Database, tlogcheck: Path
) -> None:
    with served_in_thread(Settings(database_url=_url(database))) as (base, app):
        services = app_state(app).running()
        append_county(services.appends, 600)
        checkpoint = services.transparency.checkpoint(fresh=True)
        root = base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode()
        checked = subprocess.run(
            [str(tlogcheck), "tiles", base, str(checkpoint.tree_size), root],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert checked.returncode == 0, checked.stderr
        assert f"tree {checkpoint.tree_size} " in checked.stdout
        assert "(gzip true)" in checked.stdout

        forged = base64.b64encode(hashlib.sha256(b"another tree").digest()).decode()
        refused = subprocess.run(
            [str(tlogcheck), "tiles", base, str(checkpoint.tree_size), forged],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode != 0
        assert "inconsistent tile" in refused.stderr or "hash to" in refused.stderr


def test_an_entry_bundle_is_compressed_only_for_a_client_that_accepts_gzip(
    client: TestClient,
) -> None:
    append_county(services_of(client).appends, 3)
    for accepted, compressed in [
        ("gzip", True),
        ("br, gzip;q=0.5", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("gzip;q=nonsense", False),
        ("identity", False),
        ("", False),
    ]:
        answer = client.get("/log/tile/entries/000.p/3", headers={"Accept-Encoding": accepted})
        assert answer.status_code == 200
        assert (answer.headers.get("content-encoding") == "gzip") == compressed, accepted
        assert answer.headers["vary"] == "Accept-Encoding"
        assert len(answer.content) == 3 * 34  # httpx undid any gzip
