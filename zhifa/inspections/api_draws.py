"""Random inspections API: the draws part (see api.py). The same services as the pages (STYLE habit 1); errors through
the project's one mapping (config/api.py).

    POST /api/inspections/batches/{id}/draws     固定抽取范围和随机源 (freeze)
    POST /api/inspections/draws/{id}/make        抽取, once the moment has passed
    POST /api/inspections/draws/{id}/redraw      重新抽取 (a head; reason)
    GET  /api/inspections/draws/{id}             the draw and its result
    GET  /api/inspections/draws/{id}/record      the published record (zhifa-draw-record/1), for the offline replay
"""

import datetime as dt

from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from zhifa.core.api import Id
from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms

from . import draws, record, selectors_draws
from .models import MAX_TEXT, Batch
from .workflow import VIEW_PERMISSION

router = Router()


class DrawFreezeIn(Schema):
    beacon_after: dt.datetime | None = Field(None, description="随机源时点（不填为现在；至多 30 日后）")
    external_source: str = Field("", max_length=draws.MAX_EXTERNAL,
                                 description="外部公开随机值来源（可不填；写明期号或日期）")
    external_numbers: int | None = Field(None, description="外部公开随机值包含的数字个数（填写了来源的必填，如双色球 7）")


class DrawMakeIn(Schema):
    external_value: str = Field("", max_length=draws.MAX_EXTERNAL, description="外部公开随机值（固定时指定了来源的必填）")


class DrawRedrawIn(DrawFreezeIn):
    reason: str = Field(max_length=MAX_TEXT, description="重新抽取理由（不少于 4 个字）")


class DrawAssignmentOut(Schema):
    agency_id: int
    person_id: int
    person_name: str
    certificate: str
    order: int


class SkipOut(Schema):
    certificate: str
    reason: str
    reason_label: str


class DrawnOut(Schema):
    rank: int
    class_rank: int
    target_id: int
    code: str
    name: str
    risk_class: str
    score: str
    inspection_id: int | None
    inspectors: list[DrawAssignmentOut]
    skipped: list[SkipOut]


class DrawOut(Schema):
    id: int
    batch_id: int
    number: int
    state: str
    state_label: str
    beacon_after: dt.datetime
    external_source: str
    external_value: str
    frozen: dict
    frozen_sha256: str
    freeze_entry_id: int
    checkpoint_id: int | None
    seed: str
    result_sha256: str
    drawn_at: dt.datetime | None
    redraw_of_id: int | None
    redrawn_by_id: int | None
    reason: str
    result: list[DrawnOut]


def _out(draw) -> dict:
    result = []
    for r in selectors_draws.draw_result(draw) if draw.seed else []:
        row = r["row"]
        inspection = getattr(row, "inspection", None) if hasattr(row, "inspection") else None
        result.append({
            "rank": row.rank, "class_rank": row.class_rank, "target_id": row.target_id, "code": row.code,
            "name": row.target.name, "risk_class": row.risk_class, "score": row.score,
            "inspection_id": inspection.pk if inspection is not None else None,
            "inspectors": [{"agency_id": a.agency_id, "person_id": a.person_id, "person_name": a.person.name,
                            "certificate": a.certificate, "order": a.order} for a in r["inspectors"]],
            "skipped": [{"certificate": s["certificate"], "reason": s["reason"], "reason_label": s["label"]}
                        for s in r["skips"]]})
    newer = selectors_draws.redrawn_by(draw)
    return {"id": draw.pk, "batch_id": draw.batch_id, "number": draw.number, "state": draw.state,
            "state_label": draw.get_state_display(), "beacon_after": draw.beacon_after,
            "external_source": draw.external_source, "external_value": draw.external_value, "frozen": draw.frozen,
            "frozen_sha256": draw.frozen_sha256, "freeze_entry_id": draw.freeze_entry_id,
            "checkpoint_id": draw.checkpoint_id, "seed": draw.seed, "result_sha256": draw.result_sha256,
            "drawn_at": draw.drawn_at, "redraw_of_id": draw.redraw_of_id,
            "redrawn_by_id": newer.pk if newer is not None else None, "reason": draw.reason, "result": result}


def _get(request, pk):
    return selectors_draws.draw_get_for(actor=request.user, pk=pk, request=request)


@router.post("/batches/{batch_id}/draws", response={201: DrawOut}, summary="固定抽取范围和随机源（双随机抽取第一步）")
def draw_freeze(request, batch_id: Id, payload: DrawFreezeIn):
    batch = Batch.objects.select_related("plan__agency__jurisdiction", "area").filter(pk=batch_id).first()
    if batch is None or not org_perms.can(request.user, VIEW_PERMISSION, agency=batch.plan.agency):
        if batch is not None:
            org_perms.deny(request.user, VIEW_PERMISSION, request=request, detail=f"inspections.batch:{batch_id}",
                           not_found=True)
        raise NotFoundError()
    draw = draws.draw_freeze(batch=batch, actor=request.user, beacon_after=payload.beacon_after,
                             external_source=payload.external_source,
                             external_numbers=payload.external_numbers)
    return Status(201, _out(_get(request, draw.pk)))


@router.post("/draws/{draw_id}/make", response=DrawOut, summary="抽取（随机源时点之后）")
def draw_make(request, draw_id: Id, payload: DrawMakeIn):
    draw = draws.draw_make(draw=_get(request, draw_id), actor=request.user, external_value=payload.external_value)
    return _out(_get(request, draw.pk))


@router.post("/draws/{draw_id}/redraw", response={201: DrawOut}, summary="重新抽取（负责人，说明理由；原抽取保留）")
def draw_redraw(request, draw_id: Id, payload: DrawRedrawIn):
    new = draws.draw_redraw(draw=_get(request, draw_id), actor=request.user, reason=payload.reason,
                            beacon_after=payload.beacon_after, external_source=payload.external_source,
                             external_numbers=payload.external_numbers)
    return Status(201, _out(_get(request, new.pk)))


@router.get("/draws/{draw_id}", response=DrawOut, summary="一次抽取：固定的范围、随机源和结果")
def draw_get(request, draw_id: Id):
    return _out(_get(request, draw_id))


class DrawRecordOut(Schema):
    """The record (zhifa-draw-record/1, record.draw_record) as it is built: its top-level keys typed, their contents
    as the record's format defines them; a key the record does not carry is left out (exclude_unset), one it adds is
    passed on (extra="allow"), so the JSON is the record's own."""

    model_config = ConfigDict(extra="allow")

    format: str | None = None
    procedure: str | None = None
    draw: dict | None = None
    frozen: dict | None = None
    frozen_sha256: str | None = None
    population: dict | None = None
    freeze_entry: dict | None = None
    external: dict | None = None
    checkpoint: dict | None = None
    inclusion: dict | None = None
    seed: str | None = None
    result: list | None = None
    result_sha256: str | None = None
    redraw_of: dict | None = None
    redrawn_by: dict | None = None
    make_entry: dict | None = None
    make_checkpoint: dict | None = None
    make_inclusion: dict | None = None
    names_from: str | None = None


@router.get("/draws/{draw_id}/record", response=DrawRecordOut, exclude_unset=True,
            summary="抽取记录（zhifa-draw-record/1，供离线复核）")
def draw_record(request, draw_id: Id):
    return record.draw_record(_get(request, draw_id), public=False)
