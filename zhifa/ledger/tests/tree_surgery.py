"""Tests that play an attacker with the tables' owner rights: cut the stored tree back (storage.py's tables)."""

from zhifa.ledger import storage
from zhifa.ledger.models import LeafBatch


def cut_tree(raw, keep: int) -> list[int]:
    """Delete the tree from seq `keep` on, with the append-only triggers lifted by the caller (`raw(sql, params)` runs
    one statement): the batch rows from `keep` (one across it shortened) and the tiles from keep's. Returns the entry
    ids removed from the tree."""
    ids = storage.entry_ids_between(keep, storage.tree_size())
    row = LeafBatch.objects.filter(first_seq__lt=keep).order_by("-first_seq").first()
    raw("DELETE FROM ledger_leafbatch WHERE first_seq >= %s", [keep])
    if row is not None and row.first_seq + row.count > keep:
        kept = storage.decode_ids(row.first_entry, row.ids)[:keep - row.first_seq]
        raw("DELETE FROM ledger_leafbatch WHERE first_seq = %s", [row.first_seq])
        raw("INSERT INTO ledger_leafbatch (first_seq, first_entry, last_entry, count, late, ids) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [row.first_seq, kept[0], kept[-1], len(kept), row.late, storage.encode_ids(kept)])
    raw('DELETE FROM ledger_leaftile WHERE "index" >= %s', [keep // storage.TILE_WIDTH])
    return ids
