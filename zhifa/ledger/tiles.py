"""The stored tree as C2SP tlog-tiles (c2sp.org/tlog-tiles), and proofs computed from those tiles.

The stored tree already is tiles: tile level L holds the hashes of tree level 8·L, and the ledger stores exactly
those levels (`LeafTile` rows, one per completed level-0 tile, and `Node` rows at levels 8, 16, …; models.BAND ==
TILE_HEIGHT). A full level-0 tile is one row; a tile above is one indexed range read of at most 256 rows; the open
level-0 tile (at most 255 leaves) is recomputed from its entries (storage.leaf_hashes). No tile needs hashing.

A *full* tile never changes once its 256 hashes are stored (the tables are append-only), so it is cached forever
and served as immutable: any CDN or object store can keep it. Before it is cached, its 256 hashes are checked against
the tile's root, which the tree stores one tile level up (the `Node` at level 8·(L+1), written in the same
transaction as the tile's last hash): a tile whose rows no longer hash to that stored root is refused rather than
cached (the audit, not this module, reports it). A cached tile is served without a database query.

Entry bundles (`tile/entries/…`) are not published: leaf data names actors and subjects, and since issue 15 an
entry is read only within its subject's scope (selectors.entry_read_for). Outsiders get the leaf hash of an entry
from the scoped entry API or a case-file package, and verify it from the tiles (docs/ledger.md, "Tiles").
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from zhifa.core.errors import CoreErrorCode, ZhifaError

from . import merkle, storage
from .errors import LedgerErrorCode
from .models import BAND, Node
from .tlogtiles import TILE_HEIGHT, TILE_WIDTH, TileError, TileReader, tile_path, tile_root

assert BAND == TILE_HEIGHT, "the stored bands are the tile levels"

CACHE_PREFIX = "zhifa.ledger.tile"

_NODES = (f'SELECT hash FROM {Node._meta.db_table} WHERE level = %s AND "index" >= %s AND "index" < %s '
          'ORDER BY "index"')
_NODE = f'SELECT hash FROM {Node._meta.db_table} WHERE level = %s AND "index" = %s'


def _stored(level: int, index: int, width: int) -> bytes:
    """The first `width` hashes of tile (level, index), straight from the stored rows."""
    start = index * TILE_WIDTH
    if level == 0:
        try:
            return b"".join(storage.leaf_hashes(start, start + width))
        except ZhifaError as exc:
            raise TileError(f"the stored tree has no tile {tile_path(level, index, width)}") from exc
    with connection.cursor() as cur:
        cur.execute(_NODES, [TILE_HEIGHT * level, start, start + width])
        rows = cur.fetchall()
    if len(rows) != width:
        raise TileError(f"the stored tree has no tile {tile_path(level, index, width)}")
    return b"".join(bytes(row[0]) for row in rows)


def _stored_root(level: int, index: int) -> bytes | None:
    """The root of full tile (level, index) as the tree stores it one tile level up, or None while it is not full."""
    with connection.cursor() as cur:
        cur.execute(_NODE, [TILE_HEIGHT * (level + 1), index])
        row = cur.fetchone()
    return None if row is None else bytes(row[0])


def full_tile(level: int, index: int) -> bytes | None:
    """The 8 192 bytes of full tile (level, index), or None while the tree has not completed it.

    Cached for good once read: a cached tile is served with no database query at all. It is cached only after its
    256 stored hashes were checked against the tile's root stored one level up."""
    key = f"{CACHE_PREFIX}:{settings.ZHIFA_LEDGER_ORIGIN}:{level}:{index}"
    data = cache.get(key)
    if data is not None:
        return data
    root = _stored_root(level, index)
    if root is None:
        return None
    data = _stored(level, index, TILE_WIDTH)
    if tile_root(data) != root:
        raise ZhifaError(CoreErrorCode.SERVER_ERROR, "日志树存储不一致：该分片与其上层节点不符，已拒绝提供。", status=500)
    cache.set(key, data, timeout=None)
    return data


def tile_data(level: int, index: int, width: int = TILE_WIDTH) -> bytes:
    """Tile (level, index) of `width` hashes: a full tile from the cache, a partial one (a prefix of what will be the
    full tile) from the stored rows. Raises TileError when the stored tree does not reach that far."""
    if width == TILE_WIDTH:
        data = full_tile(level, index)
        if data is None:
            raise TileError(f"tile {tile_path(level, index)} is not full yet")
        return data
    return _stored(level, index, width)


def reader(size: int) -> TileReader:
    """Node hashes of the stored tree of `size` leaves, read through the tiles (the JSON proof API uses it)."""

    def fetch(level: int, index: int, width: int) -> bytes:
        try:
            return tile_data(level, index, width)
        except TileError as exc:
            raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, "日志树中缺少节点：所请求的范围尚未写入。") from exc

    return TileReader(size, fetch)


def inclusion_path(seq: int, size: int) -> tuple[bytes, list[bytes], bytes]:
    """(leaf hash, audit path, root) of leaf `seq` in the tree of `size` leaves, from tiles."""
    tiles = reader(size)
    path = merkle.inclusion_path(seq, size, tiles.subtree_hash)
    return tiles.leaf(seq), path, tiles.root()


def consistency_path(first: int, second: int) -> tuple[list[bytes], bytes, bytes]:
    """(proof, first root, second root) between the trees of `first` and `second` leaves, from tiles."""
    tiles = reader(second)
    path = merkle.consistency_path(first, second, tiles.subtree_hash)
    # Every perfect subtree of the first tree is complete in the second: its root comes from the same tiles.
    return path, tiles.subtree_hash(0, first), tiles.root()
