"""The Merkle tree as c2sp.org/tlog-tiles serves it (CONTRACT §7.4): tiles and entry
bundles, public (no token) and cacheable, read from the stored subtree hashes."""

import gzip
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from api.deps import TransparencyDep
from ledger.transparency.c2sp.tiles import Tile

router = APIRouter(prefix="/log/tile", tags=["transparency log"])

IMMUTABLE = "public, max-age=31536000, immutable"
"""A full tile or bundle never changes: a year, as for any immutable resource."""
UNCACHED = "no-store"
"""A partial one is a prefix of the full one to come: it is not kept."""


class OctetStream(Response):
    media_type = "application/octet-stream"


def _documented(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": what,
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            "headers": {
                "Cache-Control": {
                    "schema": {"type": "string"},
                    "required": True,
                    "description": f"`{IMMUTABLE}` for a full tile, `{UNCACHED}` for a partial",
                }
            },
        }
    }


TileIndex = Annotated[
    str,
    Path(
        description="`<N>[.p/<W>]`: the index in 3-digit path elements, all but the last "
        "after an `x` (1234067 is `x001/x234/067`); `.p/<W>` a partial tile of width "
        "`<W>` (1..255)"
    ),
]


def _answer(tile: Tile, body: bytes, headers: dict[str, str] | None = None) -> OctetStream:
    cache = IMMUTABLE if tile.is_full else UNCACHED
    return OctetStream(body, headers={"Cache-Control": cache, **(headers or {})})


def _accepts_gzip(request: Request) -> bool:
    """Whether ``Accept-Encoding`` offers gzip with a weight above 0."""
    for offer in request.headers.get("accept-encoding", "").split(","):
        coding, *parameters = (part.strip().lower() for part in offer.split(";"))
        if coding == "gzip":
            weights = [p.removeprefix("q=") for p in parameters if p.startswith("q=")]
            try:
                return not weights or float(weights[0]) > 0
            except ValueError:
                return False
    return False


@router.get(
    "/entries/{tile_index:path}",
    response_class=OctetStream,
    responses=_documented("The entry bundle: per leaf `0x0020` and the event's 32-byte hash"),
)
def entry_bundle(
    tile_index: TileIndex, transparency: TransparencyDep, request: Request
) -> Response:
    """The events' hashes of level-0 tile `<N>` as an entry bundle (each a big-endian
    uint16 length, 32, then the hash), gzip-compressed when the client accepts it."""
    tile, body = transparency.tiles.read(f"tile/entries/{tile_index}")
    if not _accepts_gzip(request):
        return _answer(tile, body, {"Vary": "Accept-Encoding"})
    compressed = gzip.compress(body, compresslevel=6, mtime=0)
    return _answer(tile, compressed, {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})


@router.get(
    "/{level}/{tile_index:path}",
    response_class=OctetStream,
    responses=_documented("The tile: its 32-byte hashes, 256 (8,192 bytes) when full"),
)
def tile(
    level: Annotated[str, Path(description="0..63, no leading zeros")],
    tile_index: TileIndex,
    transparency: TransparencyDep,
) -> Response:
    """Tile `<N>` at level `<L>`: the Merkle tree hashes of the subtrees of 256^L leaves
    it spans (RFC 6962), as a full tile (256 hashes) or a partial one (`.p/<W>`). A path
    the spec does not allow (a leading zero, an `x` missing, a width out of 1..255), a
    full tile not yet complete or a tile beyond the sequenced tree is 404 `UNKNOWN_TILE`,
    its detail saying which."""
    found, body = transparency.tiles.read(f"tile/{level}/{tile_index}")
    return _answer(found, body)
