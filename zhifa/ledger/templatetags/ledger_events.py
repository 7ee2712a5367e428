"""`{{ entry.kind|event_label }}`: a log event by the Chinese name its app registered (events.KINDS), never its
kind code."""

from django import template

from .. import events

register = template.Library()


@register.filter
def event_label(kind: str) -> str:
    """The kind's registered name; every kind in the log has one, since record_event refuses unregistered kinds."""
    return events.KINDS.get(kind, kind)


@register.simple_tag
def finding_kinds():
    """Every kind of integrity finding as (code, name), for the page that explains each."""
    from ..models import FindingKind

    return FindingKind.choices


@register.simple_tag
def entry_seqs(entry_ids) -> dict:
    """{entry id: its place in the log (seq)} for every id given, in one query: pages number log entries by the seq
    that /ledger/?seq= and every proof use, never by the database key (the two differ). `{% entry_seqs ids as seqs %}`
    then `{{ seqs|seq_for:d.entry_id }}`. Entries not yet sequenced have none."""
    from .. import storage

    return storage.seq_of(filter(None, map(_entry_id, entry_ids)))


def _entry_id(item):
    """An entry id, from an id, a row with `entry_id` (a document, a step), or a tuple led by such a row."""
    if isinstance(item, (tuple, list)):
        item = item[0] if item else None
    return item if isinstance(item, int) or item is None else getattr(item, "entry_id", None)


@register.filter
def seq_for(seqs: dict, entry_id):
    """The seq of `entry_id` from `entry_seqs`, or "待排序" while the sequencer has not yet placed it."""
    seq = seqs.get(entry_id) if seqs else None
    return "待排序" if seq is None else seq
