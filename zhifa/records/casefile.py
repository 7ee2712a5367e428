"""The case file (案卷, REC-11/REC-12): generated from the case, never edited, verifiable offline.

The package is a BagIt-style zip (RFC 8493 layout):
  bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
  data/index.json                ordered index: every document version and recording, with digests
                                 and the ledger index (seq) of the entry that recorded it
  data/documents/<id>-<form>-vN.json  each text record's elements (canonical JSON)
  data/recordings/<sha256>       each clip's bytes
  data/ledger/entries.jsonl      the log entries the index cites that the checkpoint covers
  data/ledger/proofs.jsonl       their inclusion proofs against data/ledger/checkpoint.txt
  data/ledger/checkpoint.txt     the latest signed checkpoint; data/ledger/verifier.txt its key
  data/ledger/pending.jsonl      the cited entries logged after it: not yet covered by a checkpoint
  README.txt                     (a tag file) what the package proves, and what it does not yet
`python -m zhifa.verify casefile PACKAGE.zip --key <verifier>` checks all of it without the database.

The package is built against the latest checkpoint that already exists. A download is a GET and writes nothing
but its own consultation record (issue 14 §5, review finding 8): it used to integrate the log and sign a fresh
checkpoint on every download — the action `POST /api/ledger/checkpoints` keeps for administrators — so anyone
allowed to download could make the server sign at will. Checkpoints come from the cron job or an administrator;
entries logged after the latest one are listed as pending, to be verified with the next one.
"""

import hashlib
import json
import tempfile
import zipfile

from django.core.files.storage import default_storage
from django.utils import timezone

from zhifa.cases.doctypes import FORMS
from zhifa.ledger import selectors as ledger_selectors
from zhifa.ledger.canonical import canonical_json
from zhifa.ledger.export import entry_json, proof_json

from .models import CaseFileSeal, Recording

CHUNK = 1024 * 1024


def document_file(doc) -> str:
    return f"data/documents/{doc.pk:06d}-{doc.form}-v{doc.version}.json"


def case_index(case) -> dict:
    """The ordered index of the case file: documents (every version) and recordings, oldest first."""
    items = []
    docs = list(case.documents.select_related("entry").order_by("recorded_at", "id"))
    recordings = list(Recording.objects.filter(case=case).select_related("blob", "entry").order_by("started_at", "id"))
    seqs = ledger_selectors.seqs_of([d.entry_id for d in docs] + [r.entry_id for r in recordings])
    for doc in docs:
        items.append({"type": "document", "id": doc.pk, "form": doc.form, "title": FORMS[doc.form].title,
                      "version": doc.version, "supersedes": doc.supersedes_id, "at": doc.recorded_at.isoformat(),
                      "sha256": hashlib.sha256(canonical_json(doc.elements).encode()).hexdigest(),
                      "file": document_file(doc),
                      "entry": doc.entry_id, "seq": seqs.get(doc.entry_id)})
    for rec in recordings:
        items.append({"type": "recording", "id": rec.pk, "activity": rec.activity, "document": rec.document_id,
                      "started_at": rec.started_at.isoformat(), "ended_at": rec.ended_at.isoformat(),
                      "sha256": rec.blob.sha256, "size": rec.blob.size, "file": f"data/recordings/{rec.blob.sha256}",
                      "entry": rec.entry_id,
                      "seq": seqs.get(rec.entry_id)})
    return {"case": {"id": case.pk, "number": case.number, "title": case.title, "agency": case.agency.name,
                     "stage": case.stage, "sealed": case.stage == "archive"}, "items": items}


PENDING_NOTE = ("logged after the latest signed checkpoint: not yet covered by a checkpoint — verify with the next one "
                "(download the package again after it, or fetch the entry's inclusion proof at its size)")


def _readme(case, checkpoint, pending: list[dict]) -> str:
    lines = [f"案卷包：{case.number} {case.title}", f"制作机关：{case.agency.name}", "",
             "验证方法（无需数据库）：python -m zhifa.verify casefile 本文件.zip --key <检查点验证公钥>",
             "验证公钥请从门户网站或机关书面获取，不要只信任包内的 data/ledger/verifier.txt。", ""]
    if checkpoint is None:
        lines += ["下载时系统尚未生成签名检查点：本包中的记录均未被检查点覆盖，只能核对包内一致性，",
                  "不能证明记录未被改动。请在系统生成检查点后重新下载验证。",
                  "No signed checkpoint existed when this package was made: no item is proven yet."]
    else:
        lines += [f"检查点：树大小 {checkpoint.size}，签名于 {checkpoint.created_at:%Y-%m-%d %H:%M:%S}（data/ledger/checkpoint.txt）。",
                  "该检查点覆盖的记录，其日志条目和包含证明见 data/ledger/entries.jsonl、proofs.jsonl。"]
    if pending:
        lines += ["", f"以下 {len(pending)} 项在该检查点之后记入日志，尚未被检查点覆盖，请用下一个检查点验证"
                  "（检查点生成后重新下载本案卷包，或按序号获取包含证明）。",
                  f"{len(pending)} item(s) {PENDING_NOTE}:"]
        lines += [f"  {p['type']} {p['id']}（日志条目 {p['entry']}，序号 {p['seq'] if p['seq'] is not None else '未编号'}）"
                  for p in pending]
    return "\n".join(lines) + "\n"


def export_package(case):
    """Write the package to a temporary file (streamed: recordings are copied in chunks) and return it.

    Built against the latest existing checkpoint, never a new one (see the module docstring): entries it covers
    carry their inclusion proofs; the others are listed as pending. Reads only."""
    checkpoint = ledger_selectors.latest_checkpoint()
    covered_size = checkpoint.size if checkpoint is not None else 0
    index = case_index(case)
    index["generated_at"] = timezone.now().isoformat()
    index["checkpoint_size"] = checkpoint.size if checkpoint is not None else None
    pending = [{"type": i["type"], "id": i["id"], "entry": i["entry"], "seq": i["seq"]} for i in index["items"]
               if i["seq"] is None or i["seq"] >= covered_size]
    index["pending"] = {"note": PENDING_NOTE, "items": pending}
    out = tempfile.TemporaryFile()
    digests: dict[str, str] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        def put_bytes(name: str, data: bytes):
            zf.writestr(name, data)
            digests[name] = hashlib.sha256(data).hexdigest()

        entries, proofs, waiting = [], [], []
        by_id = ledger_selectors.entries_by_id(i["entry"] for i in index["items"])
        for item in index["items"]:
            entry = by_id[item["entry"]]
            line = json.dumps(entry_json(entry, item["seq"]) | {"id": entry.pk}, ensure_ascii=False,
                              separators=(",", ":"))
            if item["seq"] is None or item["seq"] >= covered_size:
                waiting.append(line)  # not sequenced yet, or after the checkpoint: no proof to give
                continue
            entries.append(line)
            proofs.append(json.dumps(proof_json(ledger_selectors.inclusion_proof(item["seq"], covered_size)),
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
        put_bytes("data/ledger/entries.jsonl", "".join(e + "\n" for e in entries).encode())
        put_bytes("data/ledger/proofs.jsonl", "".join(p + "\n" for p in proofs).encode())
        put_bytes("data/ledger/pending.jsonl", "".join(w + "\n" for w in waiting).encode())
        if checkpoint is not None:
            put_bytes("data/ledger/checkpoint.txt", checkpoint.note.encode())
            put_bytes("data/ledger/verifier.txt", (checkpoint.key + "\n").encode())
        manifest = "".join(f"{d}  {n}\n" for n, d in sorted(digests.items()))
        zf.writestr("manifest-sha256.txt", manifest)
        zf.writestr("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        info = f"Source-Organization: {case.agency.name}\nExternal-Identifier: {case.number}\nBagging-Date: {timezone.localdate()}\n"
        zf.writestr("bag-info.txt", info)
        readme = _readme(case, checkpoint, pending)
        zf.writestr("README.txt", readme)
        tags = {n: hashlib.sha256(t.encode()).hexdigest() for n, t in
                (("manifest-sha256.txt", manifest), ("bag-info.txt", info), ("README.txt", readme),
                 ("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"))}
        zf.writestr("tagmanifest-sha256.txt", "".join(f"{d}  {n}\n" for n, d in sorted(tags.items())))
    out.seek(0)
    return out


# --- The printed case file: cover, index and note sheet (卷宗封面、卷内目录、备考表; issue 18 §2) -------------------

RECORDING_NOTE = "音像记录，存于电子案卷包"


UNISSUED_NOTE = "未签发"


def document_pages(doc) -> int | None:
    """How many pages a document version prints on: its issued PDF's, counted at issue (`DocumentRendition.pages`;
    read from the stored PDF for one issued before the count was kept). None when no PDF was issued: the index
    lists the version as 未签发 with no page range, and nothing is rendered to count it (a GET of the cover must
    not typeset every draft of the case)."""
    # renditions.all(): the case file prefetches them (one PDF at most per version: one_rendition_per_kind).
    rendition = next((r for r in doc.renditions.all() if r.kind == "pdf"), None)
    return rendition_pages(rendition) if rendition is not None else None


def rendition_pages(rendition) -> int:
    from zhifa.cases.rendering import pdf_pages

    if rendition.pages is not None:
        return rendition.pages
    with default_storage.open(rendition.blob.storage_name, "rb") as fh:
        return pdf_pages(fh.read())


def _result(docs, superseded_by: dict) -> str:
    """处理结果: the closing report's, else what the decision in force decides."""
    current = [d for d in docs if d.pk not in superseded_by]
    for form, element in (("closing_report", "result"), ("penalty_decision", "penalty"),
                          ("enforcement_decision", "decision"), ("seizure_decision", "items")):
        for doc in reversed(current):
            if doc.form == form and doc.elements.get(element):
                return str(doc.elements[element])
    return ""


def case_file_sheets(case) -> dict:
    """What the cover, the index (with page numbers) and the note sheet print, as the 行政执法案卷 standards set
    them out (e.g. 市场监督管理行政处罚案件 案卷立卷归档: cover with agency, case number, 案由, party, result, dates,
    retention and the count of documents; index with 序号、文号、责任者、题名、日期、页号、备注; a 备考表).

    Pages are numbered from the first document (the cover, the index and the note sheet are not counted), over the
    issued PDFs only; every version of a document is in the file, a corrected one marked as such, one never issued
    as 未签发 without pages."""
    from zhifa.cases.numbering import numbers_in_case
    from zhifa.cases.rendering import issued_on
    from zhifa.core.bounds import reveal_invisible
    from zhifa.org.models import ActionType

    from . import archive

    docs = list(case.documents.select_related("case__agency").prefetch_related("renditions__blob")
                .order_by("recorded_at", "id"))
    superseded_by = {d.supersedes_id: d for d in docs if d.supersedes_id}
    numbers = numbers_in_case(case)
    rows, page = [], 1
    for n, doc in enumerate(docs, start=1):
        count = document_pages(doc)
        form = FORMS[doc.form]
        note = []
        if count is None:
            note.append(UNISSUED_NOTE if not doc.renditions.all() else "未签发PDF文本")
        if doc.pk in superseded_by:
            note.append(f"已被第{superseded_by[doc.pk].version}版更正")
        if doc.supersedes_id:
            note.append(f"更正件：{doc.correction_reason}")
        # The date is the one the document prints (its 成文日期, stored at its first issue); a version never issued
        # has none and is dated by its recording.
        day = issued_on(doc) or timezone.localtime(doc.recorded_at).date()
        if count is None:
            pages = ""
        else:
            pages = str(page) if count == 1 else f"{page}-{page + count - 1}"
            page += count
        rows.append({"n": n, "number": numbers.get(doc.pk, "") if form.number_kind else "", "author": case.agency.name,
                     "title": (form.print_title or form.title) + (f"（第{doc.version}版）" if doc.version > 1 else ""),
                     "date": f"{day:%Y%m%d}", "pages": pages, "note": "；".join(note)})
    unissued = sum(1 for r in rows if not r["pages"])
    recordings = list(Recording.objects.filter(case=case).order_by("started_at", "id"))
    from zhifa.rules.catalogue import AV_ITEMS

    for rec in recordings:
        rows.append({"n": len(rows) + 1, "number": "", "author": case.agency.name,
                     "title": f"音像记录：{AV_ITEMS.get(rec.activity, '现场执法')}",
                     "date": f"{timezone.localtime(rec.started_at):%Y%m%d}", "pages": "",
                     "note": RECORDING_NOTE})
    seal = CaseFileSeal.objects.filter(case=case).first()
    if seal is not None:
        years = seal.retention_years
        closed = timezone.localtime(seal.sealed_at).date()
    else:
        years, _source = archive.retention_for(case, on=timezone.localdate())
        closed = None
    retention = "永久" if years is None else f"{years}年"
    officers = "、".join(o.person.name for o in case.officers.select_related("person"))
    cover = [("案号", case.number), ("案由", case.title),
             ("当事人", "、".join(p.name for p in case.parties.all())),
             ("处理结果", _result(docs, superseded_by)),
             ("承办机构", case.handling_unit.name), ("承办人", officers),
             ("立案日期", chinese_day(timezone.localtime(case.opened_at).date())),
             ("结案日期", chinese_day(closed) if closed else "（尚未结案归档）"),
             ("卷内文件", f"共 {len(docs)} 件 {page - 1} 页" + (f"（其中未签发 {unissued} 件，未计页数）" if unissued else "")
              + (f"，音像记录 {len(recordings)} 件" if recordings else "")),
             ("保管期限", retention)]
    return {"agency": reveal_invisible(case.agency.name),
            "kind": f"{dict(ActionType.choices).get(case.action_type, '行政执法')}案卷",
            "cover": [{"label": k, "value": reveal_invisible(v)} for k, v in cover],
            "rows": [{k: reveal_invisible(str(v)) for k, v in r.items()} for r in rows],
            "documents": len(docs), "pages": page - 1, "unissued": unissued, "recordings": len(recordings),
            "corrected": sum(1 for d in docs if d.supersedes_id), "closed": chinese_day(closed) if closed else "",
            "retention": retention}


def chinese_day(day) -> str:
    from zhifa.cases.rendering import chinese_date

    return chinese_date(day)


def case_file_print_pdf(case) -> bytes:
    """The cover, index and note sheet of the case file as one PDF (A4, the bundled fonts)."""
    from django.template.loader import render_to_string

    from zhifa.cases.rendering import html_to_pdf

    return html_to_pdf(render_to_string("records/print/case_file.html", case_file_sheets(case)))
