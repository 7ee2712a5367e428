"""A draw's population text and its published record (INS-03): what anyone needs to replay the draw offline with
`python -m zhifa.verify draw RECORD.json --key VERIFIER_KEY` (zhifa/verify/draw.py).

The population text (the ledger blob `Draw.population`, name "population.txt") is three sections, in this order,
each a header line, then that population's canonical lines (procedure.py step 1, sorted, one a line), then one empty
line; UTF-8, every line ending in "\\n":

    targets
    <code>\\t<class>
    ...

    inspectors
    <agency id>\\t<certificate number>
    ...

    recusals
    <certificate number>\\t<target code>\\t<reason code>
    ...

A header line has no tab and a population line always has one, so the text reads back unambiguously. Each section's
digest (procedure.lines_digest: its lines joined by "\\n", no final newline) is the one the frozen record commits to;
the text is only how the service keeps the lines, the digests are what is checked.

The record ("zhifa-draw-record/1", `draw_record`) carries the lines themselves (three lists), the frozen record and its
digest, the freezing log entry (exactly the fields ledger.canonical.leaf_input hashes, with its payload), and — once
made — the checkpoint (signed note), the freezing entry's inclusion proof at the checkpoint's size, the external value,
the seed and the result, and the make entry with its inclusion proof (it names the checkpoint, the external value,
the seed and the result digest). A frozen draw's record is the announcement before the randomness exists.

The targets appear as tokens (procedure.target_token of the code and a random salt): the record commits to every
target without telling anyone which company carries which risk class or which officer is linked to which company.
The population text also holds the agency's own fourth section, keys ("<token>\\t<code>\\t<salt>"), never published;
the drawn targets' codes and salts are published with the result once the batch's inspection period is over
(`names_revealed`; staff see them at once), and anyone checks each against its token.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

from django.core.files.storage import default_storage
from django.urls import reverse

SECTIONS = ("targets", "inspectors", "recusals")
FORMAT = "zhifa-draw-record/1"


def write_section(fh, name: str, lines) -> int:
    """Write one section (header, lines, empty line) to the binary file `fh`; the lines may be a stream."""
    fh.write(f"{name}\n".encode())
    n = 0
    for line in lines:
        fh.write(line.encode())
        fh.write(b"\n")
        n += 1
    fh.write(b"\n")
    return n


def section_lines(fh, name: str) -> Iterator[str]:
    """The lines of section `name` of a population text open in binary mode, read as a stream from the start."""
    fh.seek(0)
    inside = False
    for raw in fh:
        line = raw.decode().rstrip("\n")
        if not inside:
            if line == name:
                inside = True
            continue
        if line == "":
            return
        yield line


def open_population(draw):
    return default_storage.open(draw.population.storage_name, "rb")


def population_lines(draw) -> dict[str, list[str]]:
    """{section: [lines]} of a draw's population text."""
    with open_population(draw) as fh:
        return {name: list(section_lines(fh, name)) for name in SECTIONS}


def _agency_label(agency) -> dict:
    return {"id": agency.pk, "name": agency.name}


def names_revealed(draw, *, public: bool) -> bool:
    """Whether the record names the drawn targets (their codes and salts): to staff always; to the public once the
    batch's inspection period is over — before that a published name list would warn the targets (the result's
    tokens, inspectors and the whole proof are public from the make on)."""
    from django.utils import timezone

    return not public or timezone.localdate() > draw.batch.ends_on


def draw_record(draw, *, with_population: bool = True, public: bool = True) -> dict:
    """The published record of `draw` (see the module docstring). Lists of lines are as frozen, from the blob; the
    agency's own section (keys: every target's code and salt) is never in it."""
    from zhifa.ledger import selectors as ledger
    from zhifa.ledger.services import at_text

    from . import procedure

    batch = draw.batch
    agencies = [batch.plan.agency, *batch.partners.order_by("id")]
    entry = draw.freeze_entry
    seq = ledger.seqs_of([entry.pk]).get(entry.pk)
    record = {
        "format": FORMAT,
        "procedure": procedure.NAME,
        "draw": {
            "id": draw.pk, "number": draw.number, "state": draw.state, "state_label": draw.get_state_display(),
            "batch": {"id": batch.pk, "number": batch.number, "title": batch.title, "plan": batch.plan.title,
                      "target_type": batch.target_type, "starts_on": batch.starts_on.isoformat(),
                      "ends_on": batch.ends_on.isoformat()},
            "agencies": [_agency_label(a) for a in agencies],
            "items": [{"agency": i.item_list.agency_id, "number": i.number, "name": i.name}
                      for i in batch.items.select_related("item_list").order_by("item_list__agency_id", "number")],
            "beacon_after": at_text(draw.beacon_after),
            "drawn_at": at_text(draw.drawn_at) if draw.drawn_at else None,
        },
        "frozen": draw.frozen,
        "frozen_sha256": draw.frozen_sha256,
        "population": population_lines(draw) if with_population else None,
        "freeze_entry": {"seq": seq, "kind": entry.kind, "subject": entry.subject, "actor": entry.actor,
                         "at": at_text(entry.at), "payload": entry.payload, "payload_sha256": entry.payload_sha256},
        "external": {"source": draw.external_source or None, "numbers": draw.external_numbers,
                     "value": draw.external_value or None},
        "checkpoint": None,
        "inclusion": None,
        "seed": draw.seed or None,
        "result": None,
        "result_sha256": draw.result_sha256 or None,
        "redraw_of": None,
        "redrawn_by": None,
        "make_entry": None,
        "make_checkpoint": None,
        "make_inclusion": None,
        "names_from": draw.batch.ends_on.isoformat(),
    }
    if draw.redraw_of_id:
        old = draw.redraw_of
        # The earlier draw's own published record (the portal's, where anyone can replay it too).
        record["redraw_of"] = {"id": old.pk, "number": old.number, "reason": draw.reason,
                               "link": reverse("portal-inspection-draw-record",
                                               args=[batch.plan.agency.jurisdiction.code, old.pk])}
    newer = getattr(draw, "redrawn_by", None) if hasattr(draw, "redrawn_by") else None
    if newer is not None:
        record["redrawn_by"] = {"id": newer.pk, "number": newer.number, "reason": newer.reason}
    cp = draw.checkpoint
    if cp is not None:
        record["checkpoint"] = {"id": cp.pk, "size": cp.size, "root": base64.b64encode(bytes(cp.root)).decode(),
                                "created_at": at_text(cp.created_at), "note": cp.note}
        if seq is not None:
            proof = ledger.inclusion_proof(seq, cp.size)
            record["inclusion"] = {"index": seq, "size": cp.size,
                                   "leaf_hash": base64.b64encode(proof.leaf_hash).decode(),
                                   "path": [base64.b64encode(p).decode() for p in proof.path]}
        record["result"] = result_of(draw, reveal=names_revealed(draw, public=public))
        _make_proof(draw, record)
    return record


def _make_proof(draw, record: dict) -> None:
    """The make entry (what the draw was made from and gave: checkpoint, external value, seed, result digest) and its
    inclusion proof under the newest checkpoint that covers it; none yet: the record says so, and the replay waits."""
    from zhifa.ledger import selectors as ledger
    from zhifa.ledger.services import at_text

    step = draw.steps.filter(action="make").select_related("entry").first()
    if step is None:
        return
    entry = step.entry
    seq = ledger.seqs_of([entry.pk]).get(entry.pk)
    record["make_entry"] = {"seq": seq, "kind": entry.kind, "subject": entry.subject, "actor": entry.actor,
                            "at": at_text(entry.at), "payload": entry.payload, "payload_sha256": entry.payload_sha256}
    cp = ledger.latest_checkpoint()
    if seq is None or cp is None or cp.size <= seq:
        return
    proof = ledger.inclusion_proof(seq, cp.size)
    record["make_checkpoint"] = {"id": cp.pk, "size": cp.size, "root": base64.b64encode(bytes(cp.root)).decode(),
                                 "note": cp.note}
    record["make_inclusion"] = {"index": seq, "size": cp.size, "leaf_hash": base64.b64encode(proof.leaf_hash).decode(),
                                "path": [base64.b64encode(p).decode() for p in proof.path]}


def result_of(draw, *, reveal: bool = True) -> list[dict]:
    """The made draw's result as procedure.Drawn.as_dict rows (their "code" is the token: what result_sha256 commits
    to), from its rows; with `reveal`, each drawn target's code and salt ("target"), which anyone checks against the
    token (procedure.target_token)."""
    from .models import Assignment, DrawnTarget, RecusalSkip

    rows = list(DrawnTarget.objects.filter(draw=draw).order_by("rank").values(
        "id", "code", "token", "salt", "risk_class", "score", "rank", "class_rank"))
    inspectors: dict[int, list] = {}
    for drawn_id, agency_id, cert in (Assignment.objects.filter(drawn__draw=draw).order_by("drawn_id", "order")
                                      .values_list("drawn_id", "agency_id", "certificate")):
        inspectors.setdefault(drawn_id, []).append([agency_id, cert])
    skipped: dict[int, list] = {}
    for drawn_id, cert, reason in (RecusalSkip.objects.filter(drawn__draw=draw).order_by("drawn_id", "id")
                                   .values_list("drawn_id", "certificate", "reason")):
        skipped.setdefault(drawn_id, []).append([cert, reason])
    return [{"code": r["token"], "class": r["risk_class"], "score": r["score"], "rank": r["rank"],
             "class_rank": r["class_rank"], "inspectors": inspectors.get(r["id"], []),
             "skipped": skipped.get(r["id"], []),
             **({"target": {"code": r["code"], "salt": r["salt"]}} if reveal else {})} for r in rows]


def record_json(draw, *, public: bool = True) -> bytes:
    return json.dumps(draw_record(draw, public=public), ensure_ascii=False, indent=1, sort_keys=True).encode()
