"""Issue 16, static tiles: the log served as C2SP tlog-tiles, and an outside verifier that needs only the checkpoint
and the tiles (REC-12: tampering detectable by anyone, with no computation by the log)."""

import base64
import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from zhifa.ledger import merkle, selectors, services, storage, tiles
from zhifa.ledger.canonical import canonical_json, sha256_hex
from zhifa.ledger.models import Entry
from zhifa.ledger.note import Checkpoint as CheckpointText
from zhifa.ledger.note import Signer, sign_note
from zhifa.ledger.tlogtiles import (
    TILE_WIDTH,
    TileError,
    TileReader,
    index_path,
    parse_tile_path,
    tile_path,
    tiles_for_size,
)
from zhifa.verify import tiles as client_tiles
from zhifa.verify.__main__ import main as verify_main

ROOT = Path(__file__).resolve().parents[3]
ORIGIN = "zhifa.localhost/ledger"


@pytest.fixture
def signer(settings):
    """The log signs with this key (ZHIFA_LEDGER_KEY); the tests forge old checkpoints with it too."""
    key = Signer.generate(ORIGIN)
    settings.ZHIFA_LEDGER_KEY = key.encode()
    settings.ZHIFA_LEDGER_ORIGIN = ORIGIN
    return key


def kept_checkpoint(signer, size, root) -> str:
    """A checkpoint an outsider kept: signed by the log's key over `size` leaves with `root`."""
    return sign_note(CheckpointText(ORIGIN, size, root).text(), signer)


def append(n: int, start: int = 0) -> None:
    """n entries in one bulk insert (record_event's rows, without its per-call checks: this is about the tree)."""
    now = timezone.now()
    rows = []
    for i in range(start, start + n):
        text = canonical_json({"i": i})
        rows.append(Entry(kind="ledger.log_audit", subject=f"t:{i}", actor="system",
                          at=now + dt.timedelta(microseconds=i), payload=text, payload_sha256=sha256_hex(text)))
    Entry.objects.bulk_create(rows, batch_size=2000)


def leaf_hashes() -> list[bytes]:
    return storage.leaf_hashes(0, storage.tree_size())


def memory_tiles(tree: merkle.MemoryTree, size: int) -> dict[str, bytes]:
    """Every tile of the tree of `size` leaves, computed from a whole tree in memory (the reference)."""
    out = {}
    for level, index, width in tiles_for_size(size):
        hashes = [tree.node(8 * level, index * TILE_WIDTH + i) for i in range(width)]
        out[tile_path(level, index, width)] = b"".join(hashes)
    return out


def django_fetcher(client, served: list | None = None, tamper=None):
    """The outside client's transport over Django's test client: only `/ledger/checkpoint` and `/ledger/tile/…`."""

    def fetch(path: str) -> bytes:
        assert path == "checkpoint" or path.startswith("tile/"), path
        response = client.get("/ledger/" + path)
        if served is not None:
            served.append((path, response.status_code))
        if response.status_code == 404:
            raise client_tiles.NotFound(path)
        assert response.status_code == 200, (path, response.status_code)
        data = response.content
        return tamper(path, data) if tamper else data

    return fetch


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


# --- paths and geometry (pure) --------------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
def test_tile_paths_are_encoded_as_the_spec_says():
    """c2sp.org/tlog-tiles: N in 3-digit groups, all but the last prefixed by x; `.p/<W>` for a partial tile."""
    assert index_path(1234067) == "x001/x234/067"
    assert index_path(0) == "000" and index_path(999) == "999" and index_path(1000) == "x001/000"
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(2, 5, 112) == "tile/2/005.p/112"
    for path, parsed in [("tile/0/x001/x234/067", (0, 1234067, 256)), ("tile/1/000.p/1", (1, 0, 1)),
                         ("tile/63/x999/999.p/255", (63, 999999, 255)), ("tile/10/x001/000", (10, 1000, 256))]:
        assert parse_tile_path(path) == parsed
        assert tile_path(*parsed) == path
    for bad in ["tile/0/1234067", "tile/00/000", "tile/64/000", "tile/0/000.p/0", "tile/0/000.p/256",
                "tile/0/000.p/01", "tile/0/x000/001", "tile/0/x1/000", "tile/0/000/", "tile/-1/000", "tile/0/00a",
                "tile/entries/000", "tile/0/000.p/", "tile/0/000.p/1/2"]:
        with pytest.raises(TileError):
            parse_tile_path(bad)


@pytest.mark.req("REC-12")
def test_a_tree_consists_of_the_tiles_the_spec_lists():
    """The spec's examples: 70 000 leaves are 273 full level-0 tiles, one of width 112, one full level-1 tile, one of
    width 17, and one level-2 tile of width 1; 256 leaves are one full tile and a level-1 tile of width 1."""
    tiles70k = tiles_for_size(70_000)
    assert [t for t in tiles70k if t[0] == 0 and t[2] == 256] == [(0, n, 256) for n in range(273)]
    assert [t for t in tiles70k if t[2] != 256 or t[0] > 0] == [(0, 273, 112), (1, 0, 256), (1, 1, 17), (2, 0, 1)]
    assert tiles_for_size(256) == [(0, 0, 256), (1, 0, 1)]
    assert tiles_for_size(0) == []


@pytest.mark.req("REC-12")
@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 65_535, 65_536, 65_537, 70_000])
def test_proofs_from_tiles_equal_the_reference_tree(size):
    """Every inclusion and consistency proof computed from tiles is the one of the whole tree (RFC 9162)."""
    rng = random.Random(size)
    tree = merkle.MemoryTree(merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size))
    served = memory_tiles(tree, size)
    reader = TileReader(size, lambda level, index, width: served[tile_path(level, index, width)])
    assert reader.root() == tree.root()
    for index in {0, size - 1, rng.randrange(size), rng.randrange(size)}:
        assert merkle.inclusion_path(index, size, reader.subtree_hash) == merkle.inclusion_path(index, size,
                                                                                                tree.subtree_hash)
        assert reader.leaf(index) == tree.node(0, index)
    for first in {0, 1, size // 2, size - 1, rng.randrange(size + 1)}:
        path = merkle.consistency_path(first, size, reader.subtree_hash)
        assert path == merkle.consistency_path(first, size, tree.subtree_hash)
        merkle.verify_consistency(first, size, tree.root(first), tree.root(), path)


# --- served tiles ---------------------------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_served_tiles_are_the_tree_hashes_with_immutable_caching(client, signer):
    """Every tile of the signed tree is served anonymously, equal to the tree's hashes; full tiles immutable."""
    append(600)
    cp = services.checkpoint_create()
    tree = merkle.MemoryTree(leaf_hashes())
    assert tree.root() == bytes(cp.root)
    expected = memory_tiles(tree, cp.size)
    assert len(expected) == 4  # 2 full + 1 partial level-0 tiles, a partial level-1 tile of width 2
    for path, data in expected.items():
        response = client.get("/ledger/" + path)
        assert response.status_code == 200, path
        assert response.content == data, path
        assert response["Content-Type"] == "application/octet-stream"
        if ".p/" in path:
            assert response["Cache-Control"] == "public, max-age=60"
        else:
            assert response["Cache-Control"] == "public, max-age=31536000, immutable"
            assert len(data) == 8192
    checkpoint = client.get("/ledger/checkpoint")
    assert checkpoint.status_code == 200 and checkpoint.content.decode() == cp.note
    assert checkpoint["Content-Type"] == "text/plain; charset=utf-8" and checkpoint["Cache-Control"] == "no-cache"


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_full_tile_never_changes_when_the_log_grows(client, signer, django_assert_max_num_queries):
    """A full tile is byte-equal before and after more leaves are appended; so is a partial tile of a kept size."""
    append(300)
    services.checkpoint_create()
    full = client.get("/ledger/tile/0/000").content
    partial = client.get(f"/ledger/{tile_path(0, 1, selectors.tree_size() - 256)}").content
    append(700, start=300)
    services.checkpoint_create()
    assert client.get("/ledger/tile/0/000").content == full
    assert client.get(f"/ledger/{tile_path(0, 1, len(partial) // 32)}").content == partial
    assert client.get("/ledger/tile/0/001").content[: len(partial)] == partial  # the full tile it grew into
    with django_assert_max_num_queries(0):  # cached: served with no database query
        assert client.get("/ledger/tile/0/000").content == full
    assert tiles.full_tile(0, 0) == full


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_tiles_beyond_the_tree_are_404_and_bad_paths_400(client, signer):
    """A tile is served once the sequencer has written it (its bytes are final); beyond the tree 404; bad paths 400."""
    assert client.get("/ledger/checkpoint").status_code == 404
    assert client.get("/ledger/tile/0/000.p/1").status_code == 404  # nothing sequenced yet
    append(300)
    services.checkpoint_create()
    append(300, start=300)
    assert client.get("/ledger/tile/0/001.p/45").status_code == 200  # 301 signed: 45 in the second tile
    assert client.get("/ledger/tile/0/001.p/46").status_code == 404
    assert client.get("/ledger/tile/0/001").status_code == 404
    assert client.get("/ledger/tile/1/000.p/2").status_code == 404
    services.integrate()  # sequenced past the checkpoint: those tiles are final, and served
    assert selectors.tree_size() == 600 + 1  # the key announcement is an entry too
    assert client.get("/ledger/tile/0/000").status_code == 200
    assert client.get("/ledger/tile/0/001.p/46").status_code == 200
    assert client.get("/ledger/tile/0/001").status_code == 200
    assert client.get("/ledger/tile/0/002.p/89").status_code == 200
    assert client.get("/ledger/tile/1/000.p/2").status_code == 200
    assert client.get("/ledger/tile/0/002.p/90").status_code == 404
    assert client.get("/ledger/tile/0/002").status_code == 404
    assert client.get("/ledger/tile/1/000.p/3").status_code == 404
    assert client.get("/ledger/tile/0/x001/000").status_code == 404
    for bad in ["0/1", "0/x000/000", "0/000.p/256", "abc", "0/000.p/0", "1/001/"]:
        response = client.get(f"/ledger/tile/{bad}")
        assert response.status_code == 400, bad
        assert response["Cache-Control"] == "no-cache"
    # Entry bundles are not public: entry contents are read within their subject's scope (issue 15 §5).
    assert client.get("/ledger/tile/entries/000").status_code == 404
    assert client.post("/ledger/tile/0/000").status_code == 405
    assert client.post("/ledger/checkpoint").status_code == 405


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_full_tile_that_does_not_hash_to_its_stored_root_is_refused(client, signer, monkeypatch):
    append(300)
    services.checkpoint_create()
    monkeypatch.setattr(tiles, "_stored_root", lambda level, index: b"\0" * 32)
    response = client.get("/ledger/tile/0/000")
    assert response.status_code == 500 and "不一致" in response.content.decode()


# --- the outside verifier -------------------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_outside_verifier_proves_inclusion_and_consistency_from_tiles_and_checkpoints_only(client, signer, tmp_path):
    """Done when (issue 16): an outside verifier fetching only tiles and checkpoints verifies inclusion and
    consistency. Every request it makes is `checkpoint` or a tile; no proof API, no entry API."""
    append(520)
    old = services.checkpoint_create()
    append(250, start=520)
    new = services.checkpoint_create()
    key = signer.verifier
    hashes = leaf_hashes()
    served: list = []
    fetch = client_tiles.TileClient(django_fetcher(client, served))
    for index in [0, 255, 256, old.size - 1, new.size - 1, 600]:
        problems, cp = client_tiles.verify_inclusion(fetch, [key], hashes[index], index)
        assert problems == [] and cp.size == new.size
    problems, cp = client_tiles.verify_consistency(fetch, [key], old.note)
    assert problems == [] and cp.size == new.size
    assert {path for path, _ in served} <= {"checkpoint"} | set(memory_tiles(merkle.MemoryTree(hashes), new.size))
    assert all(status == 200 for _, status in served)
    # A leaf the log does not hold at that index, and an index beyond the signed tree, do not verify.
    assert client_tiles.verify_inclusion(fetch, [key], hashes[5], 6)[0]
    assert client_tiles.verify_inclusion(fetch, [key], hashes[5], new.size)[0]
    # A key the log did not sign with: nothing is accepted.
    other = Signer.generate(ORIGIN).verifier
    assert "checkpoint not accepted" in client_tiles.verify_inclusion(fetch, [other], hashes[5], 5)[0][0]


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("where", ["leaf_tile", "sibling_tile", "upper_tile", "truncated"])
def test_a_tampered_tile_makes_verification_fail(client, signer, where):
    """One flipped byte in a tile the proof uses (or a short tile) and the proof no longer reaches the signed root."""
    append(700)
    old_size = 600
    services.checkpoint_create()
    key = signer.verifier
    hashes = leaf_hashes()
    index = 300  # in tile 0/001; the consistency proof from 600 needs tile 0/002's prefix and the level-1 tile
    # 701 leaves (the key announcement is one): tiles 0/000, 0/001, 0/002.p/189 and 1/000.p/2. Leaf 300's proof
    # takes its siblings from 0/001, the subtrees right of 512 from 0/002.p/189, the level-8 nodes from 1/000.p/2.
    target = {"leaf_tile": "tile/0/001", "sibling_tile": "tile/0/002.p/189", "upper_tile": "tile/1/000.p/2",
              "truncated": "tile/0/001"}[where]

    def tamper(path, data):
        if path != target:
            return data
        if where == "truncated":
            return data[:-1]
        return flip(data, {"leaf_tile": (index % 256 ^ 1) * 32 + 7, "sibling_tile": 100, "upper_tile": 10}[where])

    honest = client_tiles.TileClient(django_fetcher(client))
    assert client_tiles.verify_inclusion(honest, [key], hashes[index], index)[0] == []
    problems, _ = client_tiles.verify_inclusion(client_tiles.TileClient(django_fetcher(client, tamper=tamper)),
                                                [key], hashes[index], index)
    assert problems, where
    # Consistency from a kept checkpoint of 600 leaves (signed by the same key) to the served one.
    old_note = kept_checkpoint(signer, old_size, merkle.root_from_leaf_hashes(hashes[:old_size]))
    assert client_tiles.verify_consistency(honest, [key], old_note)[0] == []
    if where in ("upper_tile", "sibling_tile"):  # the tiles the consistency proof from 600 to 701 reads
        tampered = client_tiles.TileClient(django_fetcher(client, tamper=tamper))
        assert client_tiles.verify_consistency(tampered, [key], old_note)[0], where


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_rewritten_history_fails_consistency_from_tiles(client, signer):
    """An outsider's old checkpoint over another history (a split view) does not verify against the served tiles."""
    append(400)
    services.checkpoint_create()
    key = signer.verifier
    forged = list(leaf_hashes()[:300])
    forged[10] = merkle.leaf_hash(b"rewritten")
    old_note = kept_checkpoint(signer, 300, merkle.root_from_leaf_hashes(forged))
    problems, _ = client_tiles.verify_consistency(client_tiles.TileClient(django_fetcher(client)), [key], old_note)
    assert problems and "SPLIT VIEW" in problems[0]


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_command_line_verifies_from_a_directory_of_tiles_without_django(client, signer, tmp_path):
    """`python -m zhifa.verify tiles DIR`: the tiles copied to a directory (an object store, a CDN mirror) suffice,
    in a process that never imports Django; a flipped byte in a copied tile fails it."""
    append(300)
    old = services.checkpoint_create()
    append(100, start=300)
    new = services.checkpoint_create()
    key = signer.verifier.encode()
    out = tmp_path / "log"
    for path in ["checkpoint"] + [tile_path(*t) for t in tiles_for_size(new.size)]:
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(client.get("/ledger/" + path).content)
    (tmp_path / "old.txt").write_text(old.note, encoding="utf-8")
    leaf = base64.b64encode(leaf_hashes()[299]).decode()
    args = ["tiles", str(out), "--key", key, "--leaf", leaf, "--index", "299", "--old", str(tmp_path / "old.txt")]
    result = subprocess.run([sys.executable, "-c",
                             "import sys, zhifa.verify.__main__ as v; sys.exit(v.main(sys.argv[1:])) "
                             "if 'django' not in sys.modules else sys.exit(9)", *args],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: verified" in result.stdout and f"signed tree of {new.size} entries" in result.stdout
    tile = out / tile_path(0, 1, new.size - 256)
    assert tile.exists()
    tile.write_bytes(flip(tile.read_bytes(), 5))  # leaf 299 is in this tile
    assert verify_main(args) == 1


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_json_proofs_built_on_tiles_equal_the_stored_tree_proofs(client, signer):
    """The JSON proof API now reads the tiles; its proofs are the ones the stored tree gave before (TreeReader)."""
    append(800)
    cp = services.checkpoint_create()
    reader = selectors.TreeReader()
    for seq, size in [(0, 1), (5, 300), (257, 512), (799, cp.size), (300, 513)]:
        proof = selectors.inclusion_proof(seq, size)
        assert proof.path == merkle.inclusion_path(seq, size, reader.subtree_hash)
        assert proof.root == reader.root(size) and proof.leaf_hash == storage.leaf_hashes(seq, seq + 1)[0]
    for first, second in [(0, 10), (1, 256), (255, 257), (300, 700), (512, cp.size), (cp.size, cp.size)]:
        path, r1, r2 = selectors.consistency_proof(first, second)
        assert path == merkle.consistency_path(first, second, reader.subtree_hash)
        assert (r1, r2) == (reader.root(first) if first else merkle.EMPTY_ROOT, reader.root(second))
    body = client.get(f"/api/ledger/proofs/inclusion?seq=300&tree_size={cp.size}").json()
    merkle.verify_inclusion(base64.b64decode(body["leaf_hash"]), 300, cp.size,
                            [base64.b64decode(p) for p in body["path"]], bytes(cp.root))
