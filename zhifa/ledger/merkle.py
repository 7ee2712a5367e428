"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.

Pure Python with no Django import, so the offline verifier (`python -m zhifa.verify`) can use it.

Hashes: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right); the empty tree's
root is SHA-256(""). Proof generation takes a `subtree_hash(start, end)` callable so the same
algorithm runs over an in-memory list (tests, verifier) or over the database (ledger.selectors).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeHash = Callable[[int, int], bytes]


class VerificationError(Exception):
    pass


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """k: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """Split [start, end) into aligned perfect subtrees, left to right, as (level, index) pairs.

    The ranges RFC 9162's recursion produces always start at a multiple of their largest power of
    two, so the split follows the binary digits of the size.
    """
    out = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        while start % (1 << level):
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the perfect subtree hashes of a range (left to right) into the range's hash."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, by the definition (reference implementation for tests)."""
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = _largest_power_of_two_below(n)
    return node_hash(root_from_leaf_hashes(hashes[:k]), root_from_leaf_hashes(hashes[k:]))


def inclusion_path(index: int, size: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, bottom-up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        n = end - start
        k = _largest_power_of_two_below(n)
        if m < k:
            path.append(subtree_hash(start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k))
            start, m = start + k, m - k
    path.reverse()
    return path


def consistency_path(first: int, second: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1, bottom-up."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first == 0 or first == second:
        return []
    path: list[bytes] = []
    start, end, m, whole = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                path.append(subtree_hash(start, end))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            path.append(subtree_hash(start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k))
            start, m, whole = start + k, m - k, False
    path.reverse()
    return path


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2. Raises VerificationError unless `leaf` (a leaf hash) is at `index` under `root`."""
    if not 0 <= index < size:
        raise VerificationError("leaf index is not below the tree size")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise VerificationError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof is too short")
    if r != root:
        raise VerificationError("inclusion proof does not lead to the root")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2. Raises VerificationError unless the tree of size `second` extends `first`."""
    if first > second:
        raise VerificationError("the first tree is larger than the second")
    if first == second:
        if path or first_root != second_root:
            raise VerificationError("trees of equal size must have equal roots and an empty proof")
        return
    if first == 0:
        if path:
            raise VerificationError("a proof from the empty tree must be empty")
        return
    if not path:
        raise VerificationError("empty consistency proof")
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("consistency proof is too short")
    if fr != first_root:
        raise VerificationError("consistency proof does not lead to the first root")
    if sr != second_root:
        raise VerificationError("consistency proof does not lead to the second root")


class CompactRange:
    """The right edge of a growing tree: O(log n) hashes give the root at any size (streaming)."""

    def __init__(self):
        self.size = 0
        self.stack: list[bytes] = []  # perfect subtree hashes, largest (leftmost) first

    def append(self, leaf: bytes) -> None:
        h, n = leaf, self.size
        while n & 1:
            h = node_hash(self.stack.pop(), h)
            n >>= 1
        self.stack.append(h)
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        return fold(self.stack)


class MemoryTree:
    """A whole tree in memory: reference for tests and the offline verifier."""

    def __init__(self, leaves: Iterable[bytes] = ()):
        self.levels: list[list[bytes]] = [list(leaves)]
        self._build()

    def _build(self):
        self.levels = self.levels[:1]
        level = self.levels[0]
        while len(level) > 1:
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            self.levels.append(level)

    def append(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)
        self._build()

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def subtree_hash(self, start: int, end: int) -> bytes:
        return fold([self.node(lv, i) for lv, i in perfect_subtrees(start, end)])

    def root(self, size: int | None = None) -> bytes:
        return self.subtree_hash(0, self.size if size is None else size)
