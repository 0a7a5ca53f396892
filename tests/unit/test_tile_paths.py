"""Tile paths of c2sp.org/tlog-tiles: every tile has one path, formatted and parsed back;
anything else the spec does not allow is refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.transparency.c2sp.tiles import (
    FULL_WIDTH,
    MAX_INDEX,
    MAX_LEVEL,
    MalformedTilePath,
    Tile,
    format_index,
    parse_tile_path,
    partial_width,
)

tiles = st.builds(
    Tile,
    level=st.none() | st.integers(0, MAX_LEVEL),
    index=st.integers(0, MAX_INDEX),
    width=st.integers(1, FULL_WIDTH),
)


@given(tiles)
def test_a_tile_parsed_from_its_path_is_the_same_tile(tile: Tile) -> None:
    assert parse_tile_path(tile.path()) == tile


@given(st.text(st.sampled_from("tile/entries0123456789x.p"), max_size=40))
def test_a_path_that_parses_is_the_only_path_of_its_tile(path: str) -> None:
    try:
        tile = parse_tile_path(path)
    except MalformedTilePath:
        return
    assert tile.path() == path


def test_the_specs_examples() -> None:
    assert format_index(1234067) == "x001/x234/067"
    assert format_index(5) == "005"
    assert format_index(1000) == "x001/000"
    assert parse_tile_path("tile/0/x001/x234/067") == Tile(0, 1234067)
    assert parse_tile_path("tile/2/000.p/1") == Tile(2, 0, 1)
    assert parse_tile_path("tile/entries/x001/000.p/255") == Tile(None, 1000, 255)
    # A tree of 70,000 leaves: 273 full level-0 tiles, a partial one of 112, one full
    # level-1 tile, a partial one of 17, a partial level-2 tile of 1.
    assert [partial_width(70_000, level) for level in range(4)] == [112, 17, 1, 0]
    assert Tile(0, 272).tree_size_needed <= 70_000 < Tile(0, 273).tree_size_needed
    assert Tile(1, 0).tree_size_needed <= Tile(1, 1, 17).tree_size_needed <= 70_000
    assert Tile(2, 0, 1).tree_size_needed <= 70_000 < Tile(1, 1, 18).tree_size_needed


@pytest.mark.parametrize(
    "path",
    [
        "tile/01/000",  # a leading zero in the level
        "tile/64/000",  # beyond level 63
        "tile/-1/000",
        "tile/0/0",  # not 3 digits
        "tile/0/0000",
        "tile/0/001/234",  # an x missing
        "tile/0/x001",  # the last element has no x
        "tile/0/x000/001",  # not the canonical form of 1
        "tile/0/x1/234",
        "tile/0/000.p/0",  # empty tiles are not served
        "tile/0/000.p/256",  # a full tile has no .p
        "tile/0/000.p/01",
        "tile/0/000.p",
        "tile/0/000.p/",
        "tile/0/000/",
        "tile/0/",
        "tile/0",
        "tile/data/000",
        "tiles/0/000",
        "tile/0/x009/x223/x372/x036/x854/775/808",  # 2^63: beyond int64
        "tile/0/٠٠٠",  # digits, but not ASCII ones
        "tile/0/+12",
    ],
)
def test_paths_the_spec_does_not_allow_are_refused(path: str) -> None:
    with pytest.raises(MalformedTilePath):
        parse_tile_path(path)


def test_a_tile_covers_the_stored_subtrees_of_its_level() -> None:
    tile = Tile(1, 3, 5)
    assert (tile.merkle_level, tile.first) == (8, 768)
    assert tile.tree_size_needed == (768 + 5) * 256
    assert Tile(None, 2).merkle_level == 0
