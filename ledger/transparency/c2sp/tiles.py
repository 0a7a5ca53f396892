"""Tile paths of c2sp.org/tlog-tiles: ``tile/<L>/<N>[.p/<W>]`` and
``tile/entries/<N>[.p/<W>]``, parsed strictly (each tile has exactly one path) and
formatted; which leaves and stored subtrees a tile covers. Pure: no I/O."""

from dataclasses import dataclass

HEIGHT = 8
"""Each tile is a subtree of height 8: 256 hashes (or entries) wide when full."""
FULL_WIDTH = 1 << HEIGHT
MAX_LEVEL = 63
MAX_INDEX = (1 << 63) - 1
"""Go's tlog (and int64 clients) cannot name a larger index; no tree reaches it."""
ENTRIES = "entries"


class MalformedTilePath(ValueError):
    """Not a path the spec allows (leading zeros, an ``x`` missing, a width out of 1..255…)."""


@dataclass(frozen=True)
class Tile:
    """The ``index``-th tile at ``level`` (``None``: the entry bundle of level-0 tile
    ``index``), ``width`` hashes or entries wide (256: full)."""

    level: int | None
    index: int
    width: int = FULL_WIDTH

    def __post_init__(self) -> None:
        if self.level is not None and not 0 <= self.level <= MAX_LEVEL:
            raise MalformedTilePath(f"level {self.level} is not in 0..{MAX_LEVEL}")
        if not 0 <= self.index <= MAX_INDEX:
            raise MalformedTilePath(f"index {self.index} is not in 0..{MAX_INDEX}")
        if not 1 <= self.width <= FULL_WIDTH:
            raise MalformedTilePath(f"width {self.width} is not in 1..{FULL_WIDTH}")

    @property
    def is_entries(self) -> bool:
        return self.level is None

    @property
    def is_full(self) -> bool:
        return self.width == FULL_WIDTH

    @property
    def merkle_level(self) -> int:
        """The level of the stored subtrees whose hashes the tile holds (leaves: 0)."""
        return HEIGHT * (self.level or 0)

    @property
    def first(self) -> int:
        """The index, at ``merkle_level``, of the tile's first hash."""
        return self.index * FULL_WIDTH

    @property
    def tree_size_needed(self) -> int:
        """The smallest tree holding every hash of the tile."""
        return (self.first + self.width) << self.merkle_level

    def path(self) -> str:
        level = ENTRIES if self.level is None else str(self.level)
        partial = "" if self.is_full else f".p/{self.width}"
        return f"tile/{level}/{format_index(self.index)}{partial}"


def format_index(index: int) -> str:
    """``1234067`` → ``x001/x234/067``: 3-digit groups, all but the last after an ``x``."""
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{group}" for group in groups[:-1]), groups[-1]])


def _digits(text: str, what: str) -> str:
    if not (text.isascii() and text.isdigit()):
        raise MalformedTilePath(f"{what} {text!r} is not decimal digits")
    return text


def parse_index(elements: list[str]) -> int:
    """The index of ``x001/x234/067`` (as its path elements); only the canonical form."""
    if not elements:
        raise MalformedTilePath("the tile index is missing")
    *leading, last = elements
    for element in leading:
        if not (element.startswith("x") and len(element) == 4):
            raise MalformedTilePath(f"index element {element!r} is not x and 3 digits")
    groups = [_digits(e[1:], "index element") for e in leading] + [_digits(last, "index element")]
    if len(last) != 3:
        raise MalformedTilePath(f"index element {last!r} is not 3 digits")
    if leading and groups[0] == "000":
        raise MalformedTilePath("the tile index has a leading x000 element")
    index = int("".join(groups))
    if index > MAX_INDEX:
        raise MalformedTilePath(f"index {index} is beyond {MAX_INDEX}")
    return index


def _decimal(text: str, what: str, top: int) -> int:
    _digits(text, what)
    if text != str(int(text)) or not int(text) <= top:
        raise MalformedTilePath(f"{what} {text!r} is not a decimal 0..{top} without leading zeros")
    return int(text)


def parse_tile_path(path: str) -> Tile:
    """The tile of ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``."""
    elements = path.split("/")
    if len(elements) < 3 or elements[0] != "tile":
        raise MalformedTilePath(f"{path!r} is not tile/<L>/<N>[.p/<W>]")
    level = None if elements[1] == ENTRIES else _decimal(elements[1], "level", MAX_LEVEL)
    index_elements, width = elements[2:], FULL_WIDTH
    if len(index_elements) >= 2 and index_elements[-2].endswith(".p"):
        width = _decimal(index_elements[-1], "width", FULL_WIDTH - 1)
        if width == 0:
            raise MalformedTilePath("a partial tile is at least 1 wide: empty tiles are not served")
        index_elements = [*index_elements[:-2], index_elements[-2].removesuffix(".p")]
    return Tile(level, parse_index(index_elements), width)


def partial_width(tree_size: int, level: int) -> int:
    """The width of the partial tile at ``level`` of a tree of ``tree_size`` (0: none)."""
    return (tree_size >> (HEIGHT * level)) % FULL_WIDTH
