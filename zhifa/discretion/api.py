"""Discretion benchmarks API (SUP-07): the same selectors and services as the pages. Errors: {code, message}."""

import datetime as dt

from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhifa.core.api import Day, Id, Pagination
from zhifa.core.errors import CoreErrorCode, NotFoundError, ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from . import selectors, services
from .checks import fine_check
from .errors import DiscretionErrorCode
from .models import BenchmarkTable, Tier

router = Router(tags=["行政裁量权基准"])


class TierOut(Schema):
    tier: str
    tier_label: str
    fine_min: str
    fine_max: str
    conditions: str


class BenchmarkItemOut(Schema):
    code: str
    name: str
    violated_provision: str
    penalty_provision: str
    range_kind: str
    statutory_min: str
    statutory_max: str
    base_label: str
    first_violation_exempt: bool
    tiers: list[TierOut]


class TableOut(Schema):
    id: int
    agency_id: int
    version: int
    supersedes_id: int | None
    title: str
    document_number: str
    effective_from: dt.date
    source_sha256: str
    log_entry_id: int


class TableDetailOut(TableOut):
    items: list[BenchmarkItemOut]


class CheckIn(Schema):
    agency_id: Id
    item_code: str
    tier: Tier
    amount: str
    base_amount: str | None = None
    on: Day | None = None
    reasons: str = ""


class FineFindingOut(Schema):
    code: str
    message: str


class CheckOut(Schema):
    ok: bool
    applicable: bool
    needs_reasons: bool
    reasons_given: bool
    hard_errors: list[FineFindingOut]
    warnings: list[FineFindingOut]
    notes: list[str]
    statutory_range: list[str] | None
    tier_range: list[str] | None
    table_id: int | None


def _table_out(t: BenchmarkTable) -> dict:
    return {"id": t.pk, "agency_id": t.agency_id, "version": t.version, "supersedes_id": t.supersedes_id,
            "title": t.title, "document_number": t.document_number, "effective_from": t.effective_from,
            "source_sha256": t.source_sha256, "log_entry_id": t.entry_id}


def _detail_out(t: BenchmarkTable) -> dict:
    return _table_out(t) | {"items": [{
        "code": i.code, "name": i.name, "violated_provision": i.violated_provision,
        "penalty_provision": i.penalty_provision, "range_kind": i.range_kind, "statutory_min": str(i.statutory_min),
        "statutory_max": str(i.statutory_max), "base_label": i.base_label,
        "first_violation_exempt": i.first_violation_exempt,
        "tiers": [{"tier": t.tier, "tier_label": t.get_tier_display(), "fine_min": str(t.fine_min),
                   "fine_max": str(t.fine_max), "conditions": t.conditions} for t in i.tiers.all()]}
        for i in t.items.all()]}


@router.get("/tables", response=list[TableOut], summary="裁量基准（含历史版本）")
@paginate(Pagination, rows=lambda tables, request: [_table_out(t) for t in tables])
def table_list(request):
    org_perms.require(request.user, selectors.VIEW, request=request)
    return selectors.table_list_for(actor=request.user)


@router.get("/tables/{table_id}", response=TableDetailOut, summary="一个版本的裁量基准及其事项、阶次")
def table_get(request, table_id: Id):
    table = selectors.table_get_for(actor=request.user, pk=table_id)
    if table is None:
        if BenchmarkTable.objects.filter(pk=table_id).exists():
            org_perms.deny(request.user, selectors.VIEW, request=request, detail=f"discretion.table:{table_id}",
                           not_found=True)
        raise NotFoundError()
    return _detail_out(table)


@router.post("/tables", response={201: TableDetailOut}, summary="从 Excel 导入新版本（有错误则不导入任何内容）")
def table_import(request, agency_id: Form[Id], title: Form[str], effective_from: Form[Day], file: File[UploadedFile],
                 document_number: Form[str] = "", note: Form[str] = ""):
    agency = Agency.objects.filter(pk=agency_id).select_related("jurisdiction").first()
    if agency is None:
        raise NotFoundError()
    if not (file.name or "").lower().endswith(".xlsx"):
        raise ZhifaError(CoreErrorCode.INVALID_INPUT, "请上传 .xlsx 格式的 Excel 文件。")
    result = services.table_import(file, agency=agency, effective_from=effective_from, title=title, actor=request.user,
                                   document_number=document_number, note=note, request=request)
    if not result.ok:
        raise ZhifaError(DiscretionErrorCode.IMPORT_ROWS, f"文件有 {len(result.errors)} 处错误，未导入任何内容。",
                         details=[e.as_dict() for e in result.errors])
    return Status(201, _detail_out(selectors.table_get_for(actor=request.user, pk=result.table.pk)))


@router.post("/check", response=CheckOut, summary="罚款裁量校验：法定幅度（错误）与基准阶次（须说明理由）")
def check(request, payload: CheckIn):
    agency = Agency.objects.filter(pk=payload.agency_id).select_related("jurisdiction").first()
    if agency is None:
        raise NotFoundError()
    org_perms.require(request.user, selectors.VIEW, agency=agency, request=request)
    c = fine_check(agency=agency, item_code=payload.item_code, tier=payload.tier, amount=payload.amount,
                   on=payload.on or timezone.localdate(), base_amount=payload.base_amount)
    return {"ok": c.ok, "applicable": c.applicable, "needs_reasons": c.needs_reasons,
            "reasons_given": bool(payload.reasons.strip()),
            "hard_errors": [{"code": str(f.code), "message": f.message} for f in c.hard_errors],
            "warnings": [{"code": str(f.code), "message": f.message} for f in c.warnings], "notes": c.notes,
            "statutory_range": [str(v) for v in c.statutory_range] if c.statutory_range else None,
            "tier_range": [str(v) for v in c.tier_range] if c.tier_range else None,
            "table_id": c.table.pk if c.table else None}
