"""C2SP tlog-tiles (c2sp.org/tlog-tiles): tile paths, tile geometry, and node hashes read from tiles.

Pure Python with no Django import: the server (ledger.tiles) and the outside client (zhifa.verify.tiles) share it.

A tile is 256 consecutive hashes of one tree level, concatenated (32 bytes each). Tile level L holds hashes of tree
level 8·L: a level-0 tile holds 256 leaf hashes, a level-1 tile the roots of 256 full level-0 tiles (the tree's
level-8 nodes), and so on. Tile n of level L covers entries [n·256^(L+1), (n+1)·256^(L+1)). The rightmost tile of a
level is usually *partial*: for a tree of s leaves it holds floor(s / 256^L) mod 256 hashes and is served as
`.p/<W>`. Any node of the tree is then at most 255 hashes away inside one tile, so a client that holds the tiles
computes every inclusion and consistency proof itself (merkle.inclusion_path / consistency_path).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import merkle

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes: a full tile is 8 192 bytes
MAX_LEVEL = 63

TileFetch = Callable[[int, int, int], bytes]  # (tile level, tile index, width) -> the tile's bytes


class TileError(Exception):
    """A malformed tile path, a tile the tree does not have, or tile data of the wrong length."""


def index_path(n: int) -> str:
    """Tile index as 3-digit path elements, all but the last prefixed by `x`: 1234067 -> `x001/x234/067`."""
    if n < 0:
        raise TileError("tile index must be non-negative")
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]`, relative to the log's prefix."""
    if not 0 <= level <= MAX_LEVEL:
        raise TileError("tile level out of range")
    if not 1 <= width <= TILE_WIDTH:
        raise TileError("tile width out of range")
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{index_path(index)}{suffix}"


_PATH = re.compile(r"tile/(0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?")


def parse_tile_path(path: str) -> tuple[int, int, int]:
    """(level, index, width) from `tile/<L>/<N>[.p/<W>]`; width 256 for a full tile. Only the canonical spelling is
    accepted (no leading zeros, no `x000/` element in front), so every tile has exactly one URL to cache."""
    m = _PATH.fullmatch(path)
    if m is None:
        raise TileError(f"not a tile path: {path!r}")
    level = int(m.group(1))
    index = int(m.group(2).replace("x", "").replace("/", ""))
    width = int(m.group(3)) if m.group(3) else TILE_WIDTH
    if level > MAX_LEVEL or width >= TILE_WIDTH and m.group(3):
        raise TileError(f"not a tile path: {path!r}")
    if tile_path(level, index, width) != path:
        raise TileError(f"not the canonical tile path: {path!r}")
    return level, index, width


MAX_TREE_SIZE = (1 << 63) - 1  # leaf indexes are 64-bit signed integers (PostgreSQL bigint, SQLite INTEGER)


def tile_within_bounds(level: int, index: int, width: int) -> bool:
    """Whether tile (level, index, width) can exist in any tree this log can hold (at most 2**63 - 1 leaves).
    The spec allows every level up to 63 and any index, so `parse_tile_path` accepts them; a tile past this bound
    does not exist, and its numbers must not reach the database (review L2: SQLite overflows above 2**63 - 1)."""
    return (index * TILE_WIDTH + width) << (TILE_HEIGHT * level) <= MAX_TREE_SIZE


def hashes_at(level: int, size: int) -> int:
    """How many hashes tile level `level` holds for a tree of `size` leaves (the complete subtrees of height 8·L)."""
    return size >> (TILE_HEIGHT * level)


def tile_width(level: int, index: int, size: int) -> int:
    """The width of tile (level, index) in a tree of `size` leaves: 256 when full, 1–255 when partial, 0 when the
    tree has no such tile."""
    return max(0, min(TILE_WIDTH, hashes_at(level, size) - index * TILE_WIDTH))


def tiles_for_size(size: int) -> list[tuple[int, int, int]]:
    """Every tile (level, index, width) a tree of `size` leaves consists of: the full ones and the rightmost partial
    one of each level. For 70 000 leaves: 273 full and one of width 112 at level 0, one full and one of width 17 at
    level 1, one of width 1 at level 2 (the spec's example)."""
    out = []
    level = 0
    while hashes_at(level, size):
        count = hashes_at(level, size)
        out += [(level, n, TILE_WIDTH) for n in range(count // TILE_WIDTH)]
        if count % TILE_WIDTH:
            out.append((level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return out


def tile_root(data: bytes) -> bytes:
    """The Merkle tree hash over a tile's hashes (for a full tile: the hash one tile level up)."""
    return merkle.root_from_leaf_hashes([data[i:i + merkle.HASH_SIZE] for i in range(0, len(data), merkle.HASH_SIZE)])


def _pair_up(hashes: list[bytes]) -> bytes:
    while len(hashes) > 1:
        hashes = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


class TileReader:
    """Node hashes of the tree of `size` leaves, read from its tiles through `fetch(level, index, width)`.

    A node at tree level l lies in tile level l // 8: it is the root of 2^(l mod 8) consecutive hashes of one tile.
    Each tile is fetched once per reader. Works as merkle's `subtree_hash` callable, so the same proof code runs over
    tiles fetched from a server, files on disk, or the server's own stored tree.
    """

    def __init__(self, size: int, fetch: TileFetch):
        self.size = size
        self.fetch = fetch
        self.tiles: dict[tuple[int, int], list[bytes]] = {}
        self._nodes: dict[tuple[int, int], bytes] = {}

    def tile(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        if key not in self.tiles:
            width = tile_width(level, index, self.size)
            if not width:
                raise TileError(f"a tree of {self.size} leaves has no tile {level}/{index}")
            data = self.fetch(level, index, width)
            if len(data) != width * merkle.HASH_SIZE:
                raise TileError(f"tile {tile_path(level, index, width)} is {len(data)} bytes, "
                                f"not {width * merkle.HASH_SIZE}")
            self.tiles[key] = [data[i:i + merkle.HASH_SIZE] for i in range(0, len(data), merkle.HASH_SIZE)]
        return self.tiles[key]

    def node(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._nodes:
            tile_level, k = divmod(level, TILE_HEIGHT)
            first = index << k
            hashes = self.tile(tile_level, first >> TILE_HEIGHT)
            offset = first % TILE_WIDTH
            block = hashes[offset:offset + (1 << k)]
            if len(block) != 1 << k:
                raise TileError(f"node {level}/{index} is not complete in a tree of {self.size} leaves")
            self._nodes[key] = _pair_up(block)
        return self._nodes[key]

    def leaf(self, index: int) -> bytes:
        return self.node(0, index)

    def subtree_hash(self, start: int, end: int) -> bytes:
        return merkle.fold([self.node(level, i) for level, i in merkle.perfect_subtrees(start, end)])

    def root(self) -> bytes:
        return self.subtree_hash(0, self.size) if self.size else merkle.EMPTY_ROOT
