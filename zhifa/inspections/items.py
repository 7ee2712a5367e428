"""Item lists (随机抽查事项清单, INS-01): a version is created whole, from a web form's rows or an Excel workbook whose
columns are the Item fields' Chinese names; every row is checked and the version is written only when all are good.
It is then submitted by the agency's heads, reviewed by the jurisdiction's market-regulation department (the rule
`inspections.item_list_reviewer`) and published; publishing a version supersedes the one published before it (NM:
经本级市场监管部门审核后予以公示)."""

import hashlib
import json
import re
import zipfile
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from zhifa.core import workflow as wf
from zhifa.core.errors import ZhifaError
from zhifa.core.spreadsheet import workbook, workbook_bytes
from zhifa.org import permissions as org_perms
from zhifa.rules.selectors import rule_get

from . import events, flows, rules_text
from .errors import InspectionErrorCode as E
from .models import (
    MAX_ITEMS,
    MAX_TEXT,
    MIN_REASON,
    Item,
    ItemKind,
    ItemList,
    ItemListStep,
    ListState,
    TargetType,
)
from .workflow import MANAGE_PERMISSION, REVIEW_PERMISSION

# The columns of a row, in the order of the form, the template and the export (NM: 抽查主体、依据、对象、内容、比例、
# 方式、频次); the labels are the model's verbose names, so the workbook and the page say the same.
FIELDS = ("number", "name", "sub_item", "basis", "body", "target_type", "content", "method", "kind", "ratio",
          "frequency", "inspector_requirements")
OPTIONAL = frozenset({"sub_item", "inspector_requirements"})
LABELS = {f: str(Item._meta.get_field(f).verbose_name) for f in FIELDS}
CHOICES = {"target_type": TargetType, "kind": ItemKind}
MAX_ERRORS = 50  # errors listed in one refusal
MAX_FILE_BYTES = 20 * 1024 * 1024  # an uploaded workbook; refused before it is parsed (review M4)


def ratio_parse(value) -> Decimal | None:
    """"5%", "5 %", "0.05" and 0.05 are the same ratio; None when not a number."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip().replace("％", "%").replace(" ", "")
    is_pct = text.endswith("%")
    try:
        number = Decimal(text[:-1] if is_pct else text)
    except InvalidOperation:
        return None
    # Review M3: NaN, Infinity and exponents like 1e1000000 are not ratios (arithmetic on the last raises Overflow);
    # checked before any arithmetic. A sane ratio, with or without %, lies well within 1e-12..1e6.
    if not number.is_finite() or not -12 <= number.adjusted() <= 6:
        return None
    return number / 100 if is_pct else number


def _choice(value, choices) -> str | None:
    text = str(value or "").strip()
    for v, label in choices.choices:
        if text in (v, label):
            return v
    return None


def general_ratio_max(agency, *, as_of=None) -> Decimal:
    value = rule_get(flows.RULE_GENERAL_RATIO_MAX, jurisdiction=agency.jurisdiction,
                     as_of=as_of or timezone.localdate()).value
    return Decimal(str(value))


percent = rules_text.percent  # one way to write a ratio for people ("0.05" → "5%")


def rows_clean(rows, *, agency, first_row: int = 1) -> list[dict]:
    """Every row checked (all-or-nothing): one ZhifaError listing the first errors, each naming its row and column.
    `rows` are dicts keyed by field name (or by the Chinese label); `first_row` is the number of the first row as
    the user sees it (2 in a workbook under its header)."""
    rows = list(rows)
    if not rows:
        raise ZhifaError(E.ITEMS_REQUIRED, "事项清单至少应有一个抽查事项。", details={"field": "rows"})
    if len(rows) > MAX_ITEMS:
        raise ZhifaError(E.ITEM_INVALID, f"一个版本的事项清单至多 {MAX_ITEMS} 行（现为 {len(rows)} 行）。",
                         details={"field": "rows"})
    cap = general_ratio_max(agency)
    errors, ratio_only, out, numbers = [], True, [], {}
    for n, raw in enumerate(rows, start=first_row):
        raw = {f: raw.get(f, raw.get(LABELS[f])) for f in FIELDS}

        def bad(field, message, *, ratio=False, n=n):
            nonlocal ratio_only
            ratio_only = ratio_only and ratio
            errors.append(f"第 {n} 行“{LABELS[field]}”：{message}")

        row = {}
        for f in FIELDS:
            value = raw[f]
            text = "" if value is None else str(value).strip()
            if f == "ratio":
                continue
            if not text and f not in OPTIONAL:
                bad(f, "必填项为空。")
                continue
            if f in CHOICES:
                chosen = _choice(text, CHOICES[f])
                if chosen is None:
                    bad(f, f"应为{'、'.join(str(label) for _, label in CHOICES[f].choices)}之一（现为“{text}”）。")
                row[f] = chosen
                continue
            limit = Item._meta.get_field(f).max_length or MAX_TEXT
            if len(text) > limit:
                bad(f, f"不能超过 {limit} 个字。")
            row[f] = text
        ratio = ratio_parse(raw["ratio"])
        if raw["ratio"] in (None, ""):
            bad("ratio", "必填项为空（如 5% 或 0.05）。", ratio=True)
        elif ratio is None:
            bad("ratio", f"应为百分比或小数，如 5% 或 0.05（现为“{raw['ratio']}”）。", ratio=True)
        elif not Decimal(0) < ratio <= 1:
            bad("ratio", f"应大于 0 且不超过 100%（现为 {percent(ratio)}）。", ratio=True)
        elif ratio != ratio.quantize(Decimal("0.0001")):
            bad("ratio", "至多精确到 0.01%（小数点后四位）。", ratio=True)
        elif row.get("kind") == ItemKind.GENERAL and ratio > cap:
            # 国发〔2019〕5号: a general item's ratio is bounded; a key item's is not.
            bad("ratio", f"一般检查事项的抽查比例不能超过 {percent(cap)}（现为 {percent(ratio)}）；"
                         "重点检查事项不设上限。", ratio=True)
        row["ratio"] = ratio
        number = row.get("number")
        if number:
            if number in numbers:
                bad("number", f"序号“{number}”与第 {numbers[number]} 行重复。")
            numbers.setdefault(number, n)
        out.append(row)
    if errors:
        shown = errors[:MAX_ERRORS]
        more = f"（另有 {len(errors) - MAX_ERRORS} 处错误未列出）" if len(errors) > MAX_ERRORS else ""
        raise ZhifaError(E.RATIO_INVALID if ratio_only else E.ITEM_INVALID,
                         "事项清单有误，未保存任何一行：" + "；".join(shown) + more,
                         details={"field": "rows", "errors": shown, "count": len(errors)})
    return out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_from_workbook(file) -> list[dict]:
    """The rows of the first sheet, by the Chinese column labels (a * after a label is allowed); a missing column
    is named. Read streaming (openpyxl read_only)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from .directory import size_check

    size_check(file, limit=MAX_FILE_BYTES)
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ZhifaError(E.IMPORT_INVALID, "无法读取该文件，请上传 Excel 2007 及以上版本的 .xlsx 文件。") from exc
    try:
        it = wb.worksheets[0].iter_rows(values_only=True)
        header = [_cell(h).rstrip("*").strip() for h in (next(it, None) or ())]
        by_label = {label: f for f, label in LABELS.items()}
        index = {by_label[h]: i for i, h in enumerate(header) if h in by_label}
        missing = [LABELS[f] for f in FIELDS if f not in index and f not in OPTIONAL]
        if missing:
            raise ZhifaError(E.IMPORT_INVALID, f"第 1 行缺少列：{'、'.join(missing)}。请使用模板的列名。",
                             details={"field": "file", "missing": missing})
        rows = []
        for read, values in enumerate(it, start=1):
            # Every row read counts, blank ones too (review M4: a sheet of blank rows costs the same to read).
            if read > MAX_ITEMS:
                raise ZhifaError(E.ITEM_INVALID, f"一个版本的事项清单至多 {MAX_ITEMS} 行（空行也计入）。",
                                 details={"field": "file"})
            if values is None or all(_cell(v) == "" for v in values):
                continue
            rows.append({f: (values[i] if i < len(values) else None) for f, i in index.items()})
        return rows
    finally:
        wb.close()


def rows_from_text(text: str) -> list[dict]:
    """Rows pasted from a spreadsheet: one per line, the columns (FIELDS' order) separated by tabs."""
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        cells = re.split(r"\t", line)
        rows.append({f: (cells[i].strip() if i < len(cells) else "") for i, f in enumerate(FIELDS)})
    return rows


def rows_digest(rows: list[dict]) -> str:
    """SHA-256 of the rows' canonical JSON (keys sorted, ratio as text): what the creation's log entry commits to."""
    text = json.dumps([{f: str(r[f]) if f == "ratio" else r[f] for f in FIELDS} for r in rows], ensure_ascii=False,
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def published_version(agency):
    return ItemList.objects.filter(agency=agency, state=ListState.PUBLISHED).order_by("-version").first()


def item_list_create(*, actor, agency, title: str, rows, first_row: int = 1) -> ItemList:
    """A new version, whole: checked row by row (nothing saved when one is wrong), logged with the rows' digest.
    It supersedes the agency's version published now (a new version of a published list)."""
    org_perms.require(actor, MANAGE_PERMISSION, agency=agency, detail=f"inspections.item_list create agency:{agency.pk}")
    title = flows.text(title, "清单名称", limit=200, field="title")
    cleaned = rows_clean(rows, agency=agency, first_row=first_row)
    with transaction.atomic():
        last = (ItemList.objects.select_for_update(of=("self",)).filter(agency=agency).order_by("-version")
                .values_list("version", flat=True).first())
        current = published_version(agency)
        if current is not None:
            # One version claims the published one at a time (supersedes is one-to-one): the newest draft does;
            # approve() claims it again if an older version is published first.
            ItemList.objects.filter(supersedes=current).update(supersedes=None)
        item_list = ItemList.objects.create(agency=agency, version=(last or 0) + 1, title=title, supersedes=current,
                                            created_by=actor)
        Item.objects.bulk_create([Item(item_list=item_list, **row) for row in cleaned])
        events.record(events.ITEM_LIST_CREATED, subject=events.subject("item_list", item_list.pk), actor=actor,
                      payload={"title": title, "version": item_list.version, "rows": len(cleaned),
                               "rows_sha256": rows_digest(cleaned),
                               "supersedes": current.pk if current else None})
    return item_list


def item_list_submit(*, item_list, actor) -> ItemList:
    return wf.transition(flows.LIST_WORKFLOW, "submit", item_list, actor)


def item_list_return(*, item_list, actor, reason: str) -> ItemList:
    wf.authorise(flows.LIST_WORKFLOW, "return", item_list, actor)  # who may, before the reason is judged
    reason = flows.text(reason, "退回理由", limit=MAX_TEXT, field="reason", minimum=MIN_REASON)
    return wf.transition(flows.LIST_WORKFLOW, "return", item_list, actor, note=reason)


def submitter_of(item_list):
    """The user who made the version's latest submission (None before one)."""
    step = (ItemListStep.objects.filter(item_list_id=item_list.pk, action="submit").order_by("-at", "-id")
            .select_related("actor").first())
    return step.actor if step else None


def four_eyes(item_list, actor) -> None:
    """Review M10: the one who submitted a version does not approve it (the market-regulation department reviews its
    own list too, so its head would otherwise submit and approve alone). Refused and logged, before the transaction."""
    if item_list.state != ListState.SUBMITTED:
        return  # not awaiting review: the move's own state check answers (wrong_state)
    submitter = submitter_of(item_list)
    if submitter is not None and submitter.pk == getattr(actor, "pk", None):
        wf.deny(actor, REVIEW_PERMISSION, message="您报送了该版本的事项清单，不能再审核通过：报送和审核应由不同的人员办理，"
                "请由本部门其他负责人审核。", detail=f"inspections.item_list:{item_list.pk} approve (own submission)")


def item_list_approve(*, item_list, actor, note: str = "") -> ItemList:
    """Approve = publish; the version published before it becomes superseded in the same transaction, by the same
    reviewer (the move `supersede`)."""
    wf.authorise(flows.LIST_WORKFLOW, "approve", item_list, actor)
    four_eyes(item_list, actor)
    note = flows.text(note, "审核意见", limit=MAX_TEXT, required=False, field="note")
    with transaction.atomic():
        obj = wf.lock(flows.LIST_WORKFLOW, item_list)
        wf.check_source(flows.LIST_WORKFLOW, flows.LIST_WORKFLOW.move("approve"), obj)
        old = (ItemList.objects.select_for_update(of=("self",)).filter(agency_id=obj.agency_id, state=ListState.PUBLISHED)
               .exclude(pk=obj.pk).order_by("-version").first())
        fields = []
        if old is not None and obj.supersedes_id != old.pk:
            ItemList.objects.filter(supersedes=old).update(supersedes=None)
            obj.supersedes = old
            fields.append("supersedes")
        now = timezone.now()

        def published(o):
            o.published_at = now

        wf.apply(flows.LIST_WORKFLOW, "approve", obj, actor, note=note,
                 data={"supersedes": old.pk if old else None}, after=published)
        wf.save(flows.LIST_WORKFLOW, obj, fields)
        if old is not None:
            wf.apply(flows.LIST_WORKFLOW, "supersede", old, actor, data={"by": obj.pk, "version": obj.version})
            wf.save(flows.LIST_WORKFLOW, old)
    return obj


# --- workbooks -----------------------------------------------------------------------------------------------------

def _row_values(item) -> list:
    out = []
    for f in FIELDS:
        value = getattr(item, f)
        if f in CHOICES:
            value = CHOICES[f](value).label
        elif f == "ratio":
            value = percent(value)
        out.append(value)
    return out


def template_workbook() -> bytes:
    """The import template: the header (required columns marked *) and one example row."""
    wb = workbook()
    ws = wb.active
    ws.title = "随机抽查事项清单"
    ws.append([LABELS[f] + ("" if f in OPTIONAL else "*") for f in FIELDS])
    ws.append(["1", "企业公示信息情况检查", "年度报告公示信息检查", "《企业信息公示暂行条例》第十四条", "县市场监督管理局",
               TargetType.ENTERPRISE.label, "年度报告公示信息的真实性", "书面检查、实地核查", ItemKind.GENERAL.label,
               "5%", "每年一次", "两名以上持有执法证件的人员"])
    return workbook_bytes(wb)


def export_workbook(item_list) -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = f"第{item_list.version}版"
    ws.append([LABELS[f] for f in FIELDS])
    for item in item_list.items.all():
        ws.append(_row_values(item))
    return workbook_bytes(wb)
