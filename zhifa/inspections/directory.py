"""The directories of 一单两库 (INS-02): an agency's target directory, imported from Excel (codes checked, each target
with its risk/credit class of the rule `inspections.class_ratios`), and the recusal links between an inspector and a
target (append-only: declared, then ended by a row that `ends` it).

Every import keeps the file itself and the list of targets it created or changed (before and after) as evidence, both
digests in its log entry (review H5): `Target` rows are reference data updated in place, so without them a target
hidden before a freeze and restored after would leave only two counts. Recusal links are declared and ended by a head
(inspections.approve), and not ended while a batch of the agency is being drawn and inspected."""

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhifa.core.errors import ZhifaError
from zhifa.core.idnumbers import check_credit_code
from zhifa.core.spreadsheet import workbook, workbook_bytes
from zhifa.ledger.services import evidence_put
from zhifa.org import permissions as org_perms
from zhifa.org.models import Jurisdiction, Person
from zhifa.rules.selectors import rule_get

from . import events, flows
from .errors import InspectionErrorCode as E
from .models import MIN_REASON, Batch, DrawState, RecusalLink, Target, TargetType
from .workflow import APPROVE_PERMISSION, MANAGE_PERMISSION

MAX_IMPORT_ROWS = 200_000  # rows of one file, blank ones included (review M4: a sheet of blank rows is no cheaper)
MAX_FILE_BYTES = 20 * 1024 * 1024  # an uploaded workbook; refused before it is parsed
MAX_ERRORS = 50  # errors listed in one refusal
BATCH = 2000  # rows per bulk write

# (key, header): the import's and the export's columns.
COLUMNS = (("code", "统一社会信用代码或编码"), ("name", "名称"), ("target_type", "类型"), ("risk_class", "风险（信用）分类"),
           ("place", "所在行政区划代码"), ("address", "地址"), ("active", "在册"))
REQUIRED = ("code", "name", "target_type", "risk_class", "place")
HEADER = dict(COLUMNS)
# Enterprises and individual businesses carry a unified social credit code (GB 32100); products, projects and
# other targets an internal code.
CREDIT_CODED = frozenset({TargetType.ENTERPRISE, TargetType.INDIVIDUAL})
OTHER_CODE = re.compile(r"^[0-9A-Za-z-]{1,40}$")
YES, NO = ("是", "yes", "y", "true", "1", "在册"), ("否", "no", "n", "false", "0", "不在册")


def class_ratios(agency, *, as_of=None) -> list[dict]:
    """[{code, name, ratio}] of the agency's jurisdiction (the rule inspections.class_ratios)."""
    return list(rule_get(flows.RULE_CLASS_RATIOS, jurisdiction=agency.jurisdiction,
                         as_of=as_of or timezone.localdate()).value)


def class_names(agency) -> dict[str, str]:
    return {c["code"]: c["name"] for c in class_ratios(agency)}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _type(value: str) -> str | None:
    for v, label in TargetType.choices:
        if value in (v, label):
            return v
    return None


def code_check(code: str, target_type: str) -> tuple[str, str]:
    """(the code as stored, "" or the Chinese problem)."""
    if target_type in CREDIT_CODED:
        checked = check_credit_code(code)
        return (checked.number, "") if checked.ok else (code, checked.message)
    if not OTHER_CODE.match(code):
        return code, "产品、工程项目等对象的编码应为 1 至 40 位数字、字母或连字符（-）。"
    return code, ""


def size_check(file, *, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file over `limit` bytes before it is read or parsed (review M4)."""
    size = len(file) if isinstance(file, (bytes, bytearray)) else getattr(file, "size", None)
    if size is None and hasattr(file, "seek"):
        pos = file.tell()
        size = file.seek(0, io.SEEK_END)
        file.seek(pos)
    if size is not None and size > limit:
        raise ZhifaError(E.IMPORT_INVALID, f"文件过大（{size / 1048576:.1f} MB）：一个文件至多 {limit // 1048576} MB，"
                         "请分多个文件导入。", details={"field": "file", "size": size, "limit": limit})


def _digest(file) -> tuple[str, object]:
    """The SHA-256 of the upload and a file object to read it from (streamed in chunks, never held twice)."""
    h = hashlib.sha256()
    if isinstance(file, (bytes, bytearray)):
        h.update(file)
        return h.hexdigest(), io.BytesIO(file)
    if hasattr(file, "chunks"):
        for chunk in file.chunks():
            h.update(chunk)
    else:
        file.seek(0)
        for chunk in iter(lambda: file.read(1 << 20), b""):
            h.update(chunk)
    file.seek(0)
    return h.hexdigest(), file


def _change(code: str, before: dict | None, after: dict) -> str:
    """One line of an import's change list (JSON Lines): the target's fields before (empty when created) and after;
    the place as its division code, as in the file."""
    return json.dumps({"code": code, "before": before or {}, "after": after}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sha256: str = ""

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def targets_import(*, actor, agency, file) -> ImportResult:
    """Upsert an agency's targets by code from a workbook; all-or-nothing, errors by row (the first 50 listed)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    org_perms.require(actor, MANAGE_PERMISSION, agency=agency, detail=f"inspections.directory import agency:{agency.pk}")
    size_check(file)
    sha256, fh = _digest(file)
    classes = class_names(agency)
    by_name = {name: code for code, name in classes.items()}
    allowed = "、".join(f"{name}（{code}）" for code, name in classes.items())
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ZhifaError(E.IMPORT_INVALID, "无法读取该文件，请上传 Excel 2007 及以上版本的 .xlsx 文件。",
                         details={"field": "file"}) from exc
    errors: list[str] = []
    count_errors = 0

    def bad(rownum, key, message):
        nonlocal count_errors
        count_errors += 1
        if len(errors) < MAX_ERRORS:
            errors.append(f"第 {rownum} 行“{HEADER[key]}”：{message}")

    rows: dict[str, dict] = {}
    places: dict[str, list[int]] = {}
    try:
        it = wb.worksheets[0].iter_rows(values_only=True)
        header = [_cell(h).rstrip("*").strip() for h in (next(it, None) or ())]
        index = {key: header.index(label) for key, label in COLUMNS if label in header}
        missing = [HEADER[k] for k in REQUIRED if k not in index]
        if missing:
            raise ZhifaError(E.IMPORT_INVALID, f"第 1 行缺少列：{'、'.join(missing)}。请使用模板的列名。",
                             details={"field": "file", "missing": missing})
        for rownum, values in enumerate(it, start=2):
            if rownum - 1 > MAX_IMPORT_ROWS:  # every row read counts, blank ones too
                raise ZhifaError(E.IMPORT_INVALID, f"一个文件至多导入 {MAX_IMPORT_ROWS} 行，请分多个文件导入。",
                                 details={"field": "file"})
            if values is None or all(_cell(v) == "" for v in values):
                continue
            raw = {k: _cell(values[i]) if i < len(values) else "" for k, i in index.items()}
            ok = True
            for k in REQUIRED:
                if not raw.get(k):
                    bad(rownum, k, "必填项为空。")
                    ok = False
            if not ok:
                continue
            target_type = _type(raw["target_type"])
            if target_type is None:
                bad(rownum, "target_type", f"应为{'、'.join(str(label) for _, label in TargetType.choices)}之一"
                                           f"（现为“{raw['target_type']}”）。")
                continue
            code, problem = code_check(raw["code"], target_type)
            if problem:
                bad(rownum, "code", problem)
                continue
            cls = raw["risk_class"] if raw["risk_class"] in classes else by_name.get(raw["risk_class"])
            if cls is None:
                bad(rownum, "risk_class", f"“{raw['risk_class']}”不是本地区规定的分类，应为：{allowed}。")
                continue
            active_text = raw.get("active", "").lower()
            if active_text in ("",) or active_text in YES:
                active = True
            elif active_text in NO:
                active = False
            else:
                bad(rownum, "active", f"应为“是”或“否”（现为“{raw['active']}”）。")
                continue
            name, address = raw["name"], raw.get("address", "")
            if len(name) > 200:
                bad(rownum, "name", "不能超过 200 个字。")
                continue
            if len(address) > 300:
                bad(rownum, "address", "不能超过 300 个字。")
                continue
            if code in rows:
                bad(rownum, "code", f"与第 {rows[code]['_row']} 行重复：同一文件中一个代码只能出现一次。")
                continue
            rows[code] = {"_row": rownum, "name": name, "target_type": target_type, "risk_class": cls,
                          "place": raw["place"], "address": address, "active": active}
            places.setdefault(raw["place"], []).append(rownum)
    finally:
        wb.close()
    # The places: jurisdictions within the agency's subtree.
    found = {j.code: j for j in Jurisdiction.objects.filter(code__in=list(places)).only("id", "code", "path", "name")}
    root = agency.jurisdiction
    place_ids = {}
    for code, rownums in places.items():
        j = found.get(code)
        problem = (f"行政区划代码 {code} 不存在。" if j is None else
                   "" if j.path.startswith(root.path) else f"{j.name}（{code}）不在{root.name}的辖区内。")
        if problem:
            for rownum in rownums:
                bad(rownum, "place", problem)
        else:
            place_ids[code] = j.pk
    if count_errors:
        more = f"（共 {count_errors} 处错误，仅列出前 {MAX_ERRORS} 处）" if count_errors > MAX_ERRORS else ""
        raise ZhifaError(E.IMPORT_INVALID, "检查对象名录有误，未导入任何一行：" + "；".join(errors) + more,
                         details={"field": "file", "errors": errors, "count": count_errors})
    if not rows:
        raise ZhifaError(E.IMPORT_INVALID, "文件中没有检查对象。", details={"field": "file"})
    result = ImportResult(sha256=sha256)
    fields = ("name", "target_type", "risk_class", "place_id", "address", "active")
    place_codes = {pk: code for code, pk in place_ids.items()}
    changes: list[str] = []

    def shown(values: dict) -> dict:
        out = {f: v for f, v in values.items() if f != "place_id"}
        out["place"] = place_codes.get(values["place_id"]) or values.get("_place_code", "")
        out.pop("_place_code", None)
        return out

    with transaction.atomic():
        existing = {}
        codes = list(rows)
        for start in range(0, len(codes), BATCH):
            for t in Target.objects.filter(agency=agency, code__in=codes[start:start + BATCH]).select_related("place"):
                existing[t.code] = t
        new, changed = [], []
        for code, row in rows.items():
            values = {"name": row["name"], "target_type": row["target_type"], "risk_class": row["risk_class"],
                      "place_id": place_ids[row["place"]], "address": row["address"], "active": row["active"]}
            t = existing.get(code)
            if t is None:
                new.append(Target(agency=agency, code=code, **values))
                changes.append(_change(code, None, shown(values)))
            elif any(getattr(t, f) != v for f, v in values.items()):
                before = {f: getattr(t, f) for f in values}
                if before["place_id"] not in place_codes:
                    before["_place_code"] = t.place.code
                changes.append(_change(code, shown(before), shown(values)))
                for f, v in values.items():
                    setattr(t, f, v)
                changed.append(t)
            else:
                result.unchanged += 1
        Target.objects.bulk_create(new, batch_size=BATCH)
        now = timezone.now()
        for t in changed:
            t.updated_at = now
        Target.objects.bulk_update(changed, [*fields, "updated_at"], batch_size=BATCH)
        result.created, result.updated = len(new), len(changed)
        # The file and the per-target change list kept as evidence (review H5), their digests in the entry.
        kept = evidence_put(fh, actor=actor, name="targets-import.xlsx").blob
        changes_sha256 = None
        if changes:
            text = ("\n".join(changes) + "\n").encode()
            changes_sha256 = evidence_put(ContentFile(text, name="targets-import-changes.jsonl"), actor=actor,
                                          name="targets-import-changes.jsonl").blob.sha256
        events.record(events.DIRECTORY_IMPORTED, subject=events.subject("directory", agency.pk), actor=actor,
                      payload={"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                               "file_sha256": kept.sha256, "changes_sha256": changes_sha256})
    return result


def template_workbook() -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = "检查对象名录"
    ws.append([label + ("*" if key in REQUIRED else "") for key, label in COLUMNS])
    ws.append(["91341101MA2N0000X0", "某某商贸有限公司", TargetType.ENTERPRISE.label, "一般风险", "341101", "某某路1号", "是"])
    return workbook_bytes(wb)


def export_workbook(targets, *, agency) -> bytes:
    names = class_names(agency)
    wb = workbook()
    ws = wb.active
    ws.title = "检查对象名录"
    ws.append([label for _, label in COLUMNS])
    for t in targets.select_related("place").iterator(chunk_size=BATCH):
        ws.append([t.code, t.name, TargetType(t.target_type).label, names.get(t.risk_class, t.risk_class),
                   t.place.code, t.address, "是" if t.active else "否"])
    return workbook_bytes(wb)


# --- recusal links -------------------------------------------------------------------------------------------------

def active_links(target):
    """The links in force on a target: declared rows (not themselves an ending) that no row ends."""
    return (RecusalLink.objects.filter(target=target, ends__isnull=True, ended_by__isnull=True)
            .select_related("person", "actor"))


def recusal_declare(*, actor, target, person, reason: str) -> RecusalLink:
    """An inspector of the agency must not inspect this target (利害关系); committed into every draw frozen while it
    stands."""
    agency = target.agency
    # Review H5: a link decides who may inspect a target (step 4 passes over the linked inspectors), so a head
    # declares it, not the handling side that also freezes the draw.
    org_perms.require(actor, APPROVE_PERMISSION, agency=agency, detail=f"inspections.recusal target:{target.pk}")
    if not isinstance(person, Person) or person.agency_id != agency.pk:
        raise ZhifaError(E.RECUSAL_INVALID, f"回避人员应为{agency.name}的工作人员。", details={"field": "person"})
    reason = flows.text(reason, "回避理由", limit=200, field="reason", minimum=MIN_REASON)
    with transaction.atomic():
        Target.objects.select_for_update(of=("self",)).filter(pk=target.pk).first()
        if active_links(target).filter(person=person).exists():
            raise ZhifaError(E.RECUSAL_INVALID, f"{person.name}与该检查对象的回避关系已登记。", details={"field": "person"})
        entry = events.record(events.RECUSAL_DECLARED, subject=events.subject("directory", agency.pk), actor=actor,
                              payload={"target": target.pk, "target_code": target.code, "person": person.pk,
                                       "reason": reason})
        return RecusalLink.objects.create(agency=agency, person=person, target=target, reason=reason, actor=actor,
                                          entry=entry)


def running_batch(agency, today: dt.date):
    """A batch of the agency's plans with a live draw (frozen or made) whose period has not ended, or None."""
    live = Q(draws__state__in=(DrawState.FROZEN, DrawState.DRAWN))
    return (Batch.objects.filter(live, plan__agency=agency, ends_on__gte=today).select_related("plan")
            .order_by("ends_on", "id").first())


def recusal_end(*, actor, link, reason: str, today: dt.date | None = None) -> RecusalLink:
    """Lift a link: a new row that `ends` it, with the reason; by a head (inspections.approve).

    Review H5: a link committed into a draw must hold while that draw's inspections are made, or "declare before the
    freeze, end after it" steers who inspects. Rather than read every live draw's frozen population for this link,
    the rule is kept simple: no link of the agency is ended while any batch of its plans has a live draw and its
    period (to ends_on) is running."""
    agency = link.agency
    org_perms.require(actor, APPROVE_PERMISSION, agency=agency, detail=f"inspections.recusal end:{link.pk}")
    reason = flows.text(reason, "解除理由", limit=200, field="reason", minimum=MIN_REASON)
    today = today or timezone.localdate()
    with transaction.atomic():
        Target.objects.select_for_update(of=("self",)).filter(pk=link.target_id).first()
        if link.ends_id is not None or RecusalLink.objects.filter(ends=link).exists():
            raise ZhifaError(E.RECUSAL_INVALID, "该回避关系已解除。")
        batch = running_batch(agency, today)
        if batch is not None:
            raise ZhifaError(E.RECUSAL_INVALID, f"{agency.name}的抽查批次“{batch.title}”已抽取，检查时间至 {batch.ends_on}"
                             "：抽取时固定的回避关系在检查期间不能解除，请在该批次检查时间结束后再解除。",
                             details={"field": "reason", "batch": batch.pk, "ends_on": batch.ends_on.isoformat()})
        entry = events.record(events.RECUSAL_ENDED, subject=events.subject("directory", agency.pk), actor=actor,
                              payload={"link": link.pk, "target": link.target_id, "person": link.person_id,
                                       "reason": reason})
        return RecusalLink.objects.create(agency=agency, person_id=link.person_id, target_id=link.target_id,
                                          reason=reason, ends=link, actor=actor, entry=entry)
