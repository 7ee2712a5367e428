"""Issue 19 §1: the decision page reads a constant, small number of rows however long the log is, and does not
depend on the latest checkpoint — the browser computes the inclusion proof from the log's static tiles. The proof
those tiles give is the one the ledger computes, and proof.json (for other clients) is bounded and cached."""

import base64
import os
import re

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhifa.ledger import merkle, proofs, storage
from zhifa.ledger import selectors as ledger_selectors
from zhifa.ledger import services as ledger_services
from zhifa.ledger.tlogtiles import TILE_WIDTH
from zhifa.portal.tests.test_portal_check import _company
from zhifa.verify.tiles import NotFound, TileClient

# What the page reads (pinned): the publication with its agency, jurisdiction, case and log entry (1), the entry's
# seq (1, an index walk: storage.seq_of), the version chain (1) and the decision's 文号 (1).
ITEM_PAGE_QUERIES = 4
LEDGER_TABLES = ("ledger_checkpoint", "ledger_node", "ledger_leaftile")


def _fill(n: int) -> None:
    """n more log entries (other subjects), sequenced."""
    with transaction.atomic():
        for i in range(n):
            ledger_services.record_event("ledger.log_audit", subject=f"fill:{i}", payload={"i": i})
    while ledger_services.integrate():
        pass


def _queries(client, url, *, page_cache_off: bool = True) -> list[str]:
    """The queries of one render. For a page, the portal's page cache (portal/page_cache.py) is emptied first, or a
    hit would answer with none and prove nothing about the view."""
    if page_cache_off:
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _proof_section(html: str) -> str:
    return html[html.index('<section class="proof"'):html.index("</section>", html.index('<section class="proof"'))]


@pytest.mark.req("PUB-09")
def test_item_page_queries_are_the_same_at_300_and_3000_log_entries(pubdesk, client):
    """The page names the entry; it never reads a checkpoint, a node or a tile, so its queries do not grow with the
    log (issue 19: 21–25 at 10 k entries, 28–29 at 100 k before)."""
    _fill(300)
    pub = _company(pubdesk)
    cp_small = ledger_services.checkpoint_create()
    url = reverse("portal-item", args=[pub.pk])
    client.get(url)  # warm the per-process caches (signer, templates)
    small = _queries(client, url)
    page_small = client.get(url).content.decode()
    _fill(3000)
    cp_large = ledger_services.checkpoint_create()
    assert 3300 < cp_large.size and storage.tree_size() == cp_large.size
    large = _queries(client, url)
    page_large = client.get(url).content.decode()
    print(f"\nitem page queries: {len(small)} at {cp_small.size} log entries, {len(large)} at {cp_large.size}")
    assert len(small) == len(large) == ITEM_PAGE_QUERIES, (small, large)
    assert not [q for q in large if any(t in q for t in LEDGER_TABLES)], large
    # Nothing on the page depends on the latest checkpoint: the proof section is the same after 3 000 more entries
    # and a new checkpoint (the page cache keys pages by the item's generation only).
    assert _proof_section(page_small) == _proof_section(page_large)
    assert base64.b64encode(bytes(cp_large.root)).decode() not in page_large and str(cp_large.size) not in page_large
    seq = pub.published_entry.seq
    assert f'data-seq="{seq}"' in page_large and 'id="verify-button"' in page_large
    assert f"--leaf {proofs.leaf_hash_b64(pub.published_entry)} --index {seq}" in page_large


def test_item_page_before_the_sequencer_names_the_entry_without_a_seq(pubdesk, client):
    """Published but not yet sequenced: the page still offers the check (the browser asks proof.json for the seq
    later), so a copy of it kept by a cache stays right once the sequencer and the signer have run."""
    pub = _company(pubdesk)
    page = client.get(reverse("portal-item", args=[pub.pk])).content.decode()
    assert 'data-seq=""' in page and "等待排序" in page and 'id="verify-button"' in page
    assert f'data-subject="publicity.publication:{pub.pk}"' in page and 'data-actor="system"' in page
    assert client.get(reverse("portal-item-proof", args=[pub.pk])).status_code == 404  # no checkpoint covers it yet
    ledger_services.checkpoint_create()
    assert client.get(reverse("portal-item-proof", args=[pub.pk])).json()["seq"] == pub.published_entry.seq


@pytest.mark.req("PUB-09")
def test_proof_json_is_bounded_and_cached_per_checkpoint(pubdesk, client):
    """proof.json reads O(log256 n) rows for the served checkpoint and computes the proof once per checkpoint; its
    answer is the ledger's inclusion proof."""
    _fill(300)
    pub = _company(pubdesk)
    ledger_services.checkpoint_create()
    url = reverse("portal-item-proof", args=[pub.pk])
    first = _queries(client, url, page_cache_off=False)
    cached_small = _queries(client, url, page_cache_off=False)
    _fill(3000)
    cp = ledger_services.checkpoint_create()
    client.get(url)
    cached_large = _queries(client, url, page_cache_off=False)
    print(f"\nproof.json queries: {len(first)} computing, {len(cached_small)} cached at ~300 entries, "
          f"{len(cached_large)} cached at {cp.size}")
    assert len(cached_small) < len(first)
    assert len(cached_small) == len(cached_large), (cached_small, cached_large)
    data = client.get(url).json()
    seq = pub.published_entry.seq
    proof = ledger_selectors.inclusion_proof(seq, cp.size)
    assert data["tree_size"] == cp.size and data["seq"] == seq and data["checkpoint"] == cp.note
    assert data["path"] == [proofs.b64(h) for h in proof.path] and data["root"] == proofs.b64(bytes(cp.root))
    merkle.verify_inclusion(base64.b64decode(data["leaf_hash"]), seq, cp.size,
                            [base64.b64decode(h) for h in data["path"]], bytes(cp.root))


def _http_tiles(client) -> TileClient:
    """The outside verifier's tile client (zhifa.verify.tiles), fetching over HTTP from /ledger/ (what the browser
    fetches): no server-side proof code involved."""

    def fetch(path: str) -> bytes:
        response = client.get("/ledger/" + path)
        if response.status_code == 404:
            raise NotFound(path)
        assert response.status_code == 200, (path, response.status_code)
        return b"".join(response.streaming_content) if response.streaming else response.content

    return TileClient(fetch)


@pytest.mark.req("PUB-09")
def test_the_proof_from_the_served_tiles_is_the_ledgers(client, db):
    """For several (seq, size) — sizes not a multiple of 256, seqs in full tiles and in the partial last tile, seqs
    under a level-1 subtree — the path computed from the tiles served at /ledger/tile/… equals
    ledger.selectors.inclusion_proof, and both equal the reference tree's path from the recomputed leaves."""
    _fill(1300)
    size_now = storage.tree_size()
    reference = merkle.MemoryTree(storage.recomputed_leaf_hashes(0, size_now))
    pairs = [(0, 1), (0, 257), (256, 257), (300, 513), (511, 513), (5, 700), (699, 700), (600, 700), (1000, 1025),
             (1024, 1025), (255, size_now), (size_now - 1, size_now), (770, size_now)]
    assert any(size % TILE_WIDTH for _, size in pairs) and any(seq >= size // TILE_WIDTH * TILE_WIDTH
                                                                 for seq, size in pairs)
    for seq, size in pairs:
        tiles = _http_tiles(client).reader(size)
        from_tiles = merkle.inclusion_path(seq, size, tiles.subtree_hash)
        ledger = ledger_selectors.inclusion_proof(seq, size)
        assert from_tiles == ledger.path == merkle.inclusion_path(seq, size, reference.subtree_hash), (seq, size)
        assert tiles.leaf(seq) == ledger.leaf_hash == reference.node(0, seq)
        assert tiles.root() == ledger.root == reference.root(size)


def test_full_tiles_are_served_for_any_cache_to_keep(client, db):
    """What the browser fetches for the check: full tiles immutable for a year, partial ones briefly, the checkpoint
    never from a cache (c2sp.org/tlog-tiles)."""
    _fill(300)
    ledger_services.checkpoint_create()
    full = client.get("/ledger/tile/0/000")
    partial = client.get(f"/ledger/tile/0/001.p/{storage.tree_size() - TILE_WIDTH}")
    checkpoint = client.get("/ledger/checkpoint")
    assert full.status_code == partial.status_code == checkpoint.status_code == 200
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    assert re.fullmatch(r"public, max-age=\d{1,3}", partial["Cache-Control"])
    assert checkpoint["Cache-Control"] == "no-cache"


@pytest.mark.skipif(not os.environ.get("ZHIFA_ITEM_QUERIES_AT"), reason="a measurement: set ZHIFA_ITEM_QUERIES_AT")
def test_item_page_and_proof_json_queries_at_larger_logs(pubdesk, client):
    """The figures of docs/ledger.md at larger logs, e.g. `ZHIFA_ITEM_QUERIES_AT=10000,100000 pytest -s -k larger`:
    the page stays at ITEM_PAGE_QUERIES; proof.json, proof cached, grows by one read per tile level."""
    pub = _company(pubdesk)
    item, proof = reverse("portal-item", args=[pub.pk]), reverse("portal-item-proof", args=[pub.pk])
    done = storage.tree_size()
    for target in sorted(int(n) for n in os.environ["ZHIFA_ITEM_QUERIES_AT"].split(",")):
        _fill(max(0, target - done))
        cp = ledger_services.checkpoint_create()
        done = cp.size
        client.get(item)
        computing = len(_queries(client, proof, page_cache_off=False))
        cached = len(_queries(client, proof, page_cache_off=False))
        page = len(_queries(client, item))
        print(f"\n{connection.vendor}: {cp.size} log entries: decision page {page} queries; proof.json {computing} "
              f"computing the proof, {cached} with the proof cached")
        assert page == ITEM_PAGE_QUERIES
