"""`{% witness_cosignatures checkpoint %}`: which witnesses cosigned a checkpoint, and when (issue 16)."""

import datetime as dt

from django import template

from zhifa.ledger import witness

register = template.Library()


@register.inclusion_tag("ledger/_witnesses.html")
def witness_cosignatures(checkpoint):
    configured = {w.vkey: w.key.name for w in witness.configured_witnesses()}
    rows = []
    if checkpoint is not None:
        for c in sorted(checkpoint.cosignatures.all(), key=lambda c: c.name):
            rows.append({"name": c.name, "key": c.witness, "at": dt.datetime.fromtimestamp(c.timestamp, dt.UTC)})
    missing = sorted(name for key, name in configured.items() if key not in {r["key"] for r in rows})
    return {"checkpoint": checkpoint, "rows": rows, "missing": missing, "configured": bool(configured)}
