"""RFC 6962 / 9162 hashing and proofs (REC-12: tampering must be detectable by anyone)."""

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from zhifa.ledger import merkle
from zhifa.ledger.merkle import MemoryTree, VerificationError, leaf_hash

# Reference inputs and roots published in transparency-dev/merkle, testonly/constants.go
# (commit 582a6ad190b6848f1d26f8bf08ddef29955d9db1): LeafInputs() and RootHashes().
LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [leaf_hash(bytes.fromhex(x)) for x in LEAF_INPUTS]


@pytest.mark.req("REC-12")
@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_root_hashes_match_the_published_vectors(size):
    assert merkle.root_from_leaf_hashes(LEAVES[:size]).hex() == ROOTS[size]
    assert MemoryTree(LEAVES[:size]).root().hex() == ROOTS[size]
    compact = merkle.CompactRange()
    compact.extend(LEAVES[:size])
    assert compact.root().hex() == ROOTS[size]


def test_first_leaf_hash_of_the_vectors():
    # NodeHashes()[0][0] of the same file: the leaf hash of the empty input.
    assert LEAVES[0].hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


def _tree(n):
    return MemoryTree([leaf_hash(i.to_bytes(4, "big")) for i in range(n)])


sizes = st.integers(min_value=1, max_value=300)


@pytest.mark.req("REC-12")
@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=sizes)
def test_every_inclusion_proof_verifies_and_any_change_breaks_it(data, n):
    tree = _tree(n)
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    path = merkle.inclusion_path(index, size, tree.subtree_hash)
    root = tree.root(size)
    leaf = tree.node(0, index)
    merkle.verify_inclusion(leaf, index, size, path, root)
    assert len(path) <= (size - 1).bit_length()  # O(log n)
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(leaf_hash(b"forged"), index, size, path, root)
    if path:
        k = data.draw(st.integers(0, len(path) - 1))
        bad = list(path)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(leaf, index, size, bad, root)
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(leaf, index, size, path[:-1], root)
    # The tree size is not changed here: RFC 9162's check alone cannot always tell sizes apart (leaf 0
    # has the same audit path in trees of 3 and 4 leaves). The size is bound to the root by the signed
    # checkpoint; test_checkpoint_size_and_root_are_bound_by_the_signature proves that part.
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(leaf, index, size, path, leaf_hash(b"other root"))


@pytest.mark.req("REC-12")
@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=sizes)
def test_every_consistency_proof_verifies_and_any_change_breaks_it(data, n):
    tree = _tree(n)
    second = data.draw(st.integers(1, n))
    first = data.draw(st.integers(1, second))
    path = merkle.consistency_path(first, second, tree.subtree_hash)
    r1, r2 = tree.root(first), tree.root(second)
    merkle.verify_consistency(first, second, r1, r2, path)
    assert len(path) <= 2 * second.bit_length()
    if first == second:
        return
    with pytest.raises(VerificationError):
        merkle.verify_consistency(first, second, leaf_hash(b"x"), r2, path)
    with pytest.raises(VerificationError):
        merkle.verify_consistency(first, second, r1, leaf_hash(b"x"), path)
    k = data.draw(st.integers(0, len(path) - 1))
    bad = list(path)
    bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
    with pytest.raises(VerificationError):
        merkle.verify_consistency(first, second, r1, r2, bad)
    # A rewritten history: same sizes, one earlier leaf changed.
    forged = MemoryTree([tree.node(0, i) if i else leaf_hash(b"rewritten") for i in range(second)])
    with pytest.raises(VerificationError):
        merkle.verify_consistency(first, second, r1, forged.root(), merkle.consistency_path(first, second, forged.subtree_hash))


def test_edge_cases():
    tree = _tree(5)
    merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, tree.root(), [])
    merkle.verify_consistency(5, 5, tree.root(), tree.root(), [])
    with pytest.raises(VerificationError):
        merkle.verify_consistency(5, 5, tree.root(), tree.root(), [b"x" * 32])
    with pytest.raises(VerificationError):
        merkle.verify_consistency(6, 5, tree.root(), tree.root(), [])
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(tree.node(0, 0), 5, 5, [], tree.root())
    with pytest.raises(ValueError):
        merkle.inclusion_path(5, 5, tree.subtree_hash)
    assert merkle.inclusion_path(0, 1, tree.subtree_hash) == []


@pytest.mark.req("REC-12")
@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 200), delta=st.sampled_from([-1, 1, 2]))
def test_checkpoint_size_and_root_are_bound_by_the_signature(n, delta):
    """Changing the tree size (or root) of a signed checkpoint makes it fail to verify."""
    from zhifa.ledger.note import Checkpoint, NoteError, Signer, open_checkpoint, sign_note

    key = Signer.generate("zhifa.test/log")
    root = _tree(n).root()
    note = sign_note(Checkpoint("zhifa.test/log", n, root).text(), key)
    assert open_checkpoint(note, [key.verifier]).size == n
    forged = note.replace(f"\n{n}\n", f"\n{max(0, n + delta)}\n", 1)
    if max(0, n + delta) != n:
        with pytest.raises(NoteError):
            open_checkpoint(forged, [key.verifier])
