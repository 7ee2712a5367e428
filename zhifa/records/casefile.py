"""The case file (案卷, REC-11/REC-12): generated from the case, never edited, verifiable offline.

The package is a BagIt-style zip (RFC 8493 layout):
  bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
  data/index.json                ordered index: every document version and recording, with digests
                                 and the ledger index (seq) of the entry that recorded it
  data/documents/<id>-<form>-vN.json  each text record's elements (canonical JSON)
  data/recordings/<sha256>       each clip's bytes
  data/ledger/entries.jsonl      the log entries the index cites
  data/ledger/proofs.jsonl       their inclusion proofs against data/ledger/checkpoint.txt
  data/ledger/checkpoint.txt     the signed checkpoint; data/ledger/verifier.txt its key
`python -m zhifa.verify casefile PACKAGE.zip --key <verifier>` checks all of it without the database.
"""

import hashlib
import json
import tempfile
import zipfile

from django.core.files.storage import default_storage
from django.utils import timezone

from zhifa.cases.doctypes import FORMS
from zhifa.ledger import selectors as ledger_selectors
from zhifa.ledger import services as ledger_services
from zhifa.ledger.canonical import canonical_json
from zhifa.ledger.export import entry_json, proof_json

from .models import Recording

CHUNK = 1024 * 1024


def document_file(doc) -> str:
    return f"data/documents/{doc.pk:06d}-{doc.form}-v{doc.version}.json"


def case_index(case) -> dict:
    """The ordered index of the case file: documents (every version) and recordings, oldest first."""
    items = []
    for doc in case.documents.select_related("entry__leaf").order_by("recorded_at", "id"):
        items.append({"type": "document", "id": doc.pk, "form": doc.form, "title": FORMS[doc.form].title,
                      "version": doc.version, "supersedes": doc.supersedes_id, "at": doc.recorded_at.isoformat(),
                      "sha256": hashlib.sha256(canonical_json(doc.elements).encode()).hexdigest(),
                      "file": document_file(doc),
                      "entry": doc.entry_id, "seq": getattr(getattr(doc.entry, "leaf", None), "seq", None)})
    for rec in Recording.objects.filter(case=case).select_related("blob", "entry__leaf").order_by("started_at", "id"):
        items.append({"type": "recording", "id": rec.pk, "activity": rec.activity, "document": rec.document_id,
                      "started_at": rec.started_at.isoformat(), "ended_at": rec.ended_at.isoformat(),
                      "sha256": rec.blob.sha256, "size": rec.blob.size, "file": f"data/recordings/{rec.blob.sha256}",
                      "entry": rec.entry_id,
                      "seq": getattr(getattr(rec.entry, "leaf", None), "seq", None)})
    return {"case": {"id": case.pk, "number": case.number, "title": case.title, "agency": case.agency.name,
                     "stage": case.stage, "sealed": case.stage == "archive"}, "items": items}


def export_package(case):
    """Write the package to a temporary file (streamed: recordings are copied in chunks) and return it."""
    while ledger_services.integrate():
        pass
    checkpoint = ledger_services.checkpoint_create()
    index = case_index(case)
    index["generated_at"] = timezone.now().isoformat()
    index["checkpoint_size"] = checkpoint.size
    out = tempfile.TemporaryFile()
    digests: dict[str, str] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        def put_bytes(name: str, data: bytes):
            zf.writestr(name, data)
            digests[name] = hashlib.sha256(data).hexdigest()

        entries, proofs = [], []
        for item in index["items"]:
            entry = ledger_selectors.entry_get(item["seq"])
            entries.append(json.dumps(entry_json(entry, item["seq"]), ensure_ascii=False, separators=(",", ":")))
            proofs.append(json.dumps(proof_json(ledger_selectors.inclusion_proof(item["seq"], checkpoint.size)),
                                     separators=(",", ":")))
        for doc in case.documents.order_by("recorded_at", "id"):
            put_bytes(document_file(doc), canonical_json(doc.elements).encode())
        for rec in Recording.objects.filter(case=case).select_related("blob"):
            name = f"data/recordings/{rec.blob.sha256}"
            if name in digests:
                continue
            h = hashlib.sha256()
            with default_storage.open(rec.blob.storage_name, "rb") as src, zf.open(name, "w", force_zip64=True) as dst:
                while data := src.read(CHUNK):
                    h.update(data)
                    dst.write(data)
            digests[name] = h.hexdigest()
        put_bytes("data/index.json", json.dumps(index, ensure_ascii=False, indent=1).encode())
        put_bytes("data/ledger/entries.jsonl", ("\n".join(entries) + "\n").encode())
        put_bytes("data/ledger/proofs.jsonl", ("\n".join(proofs) + "\n").encode())
        put_bytes("data/ledger/checkpoint.txt", checkpoint.note.encode())
        put_bytes("data/ledger/verifier.txt", (checkpoint.key + "\n").encode())
        manifest = "".join(f"{d}  {n}\n" for n, d in sorted(digests.items()))
        zf.writestr("manifest-sha256.txt", manifest)
        zf.writestr("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        info = f"Source-Organization: {case.agency.name}\nExternal-Identifier: {case.number}\nBagging-Date: {timezone.localdate()}\n"
        zf.writestr("bag-info.txt", info)
        tags = {n: hashlib.sha256(t.encode()).hexdigest() for n, t in
                (("manifest-sha256.txt", manifest), ("bag-info.txt", info),
                 ("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"))}
        zf.writestr("tagmanifest-sha256.txt", "".join(f"{d}  {n}\n" for n, d in sorted(tags.items())))
    out.seek(0)
    return out
