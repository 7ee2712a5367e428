"""Random inspections API: the results part (see api.py). The same services as the pages (STYLE habit 1); errors through
the project's one mapping (config/api.py)."""

import datetime as dt

from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field, ValidationError

from zhifa.core.api import Day, Id, Pagination, column
from zhifa.core.errors import CoreErrorCode, ZhifaError

from . import execution
from . import selectors_results as selectors
from .models import MAX_TEXT, Finding, Inspection, Outcome
from .views_results import require_view

router = Router()


class InspectionFindingIn(Schema):
    item_id: Id
    outcome: str = Field(max_length=20, description=f"检查结果：{'、'.join(f'{v}（{label}）' for v, label in Outcome.choices)}")
    text: str = Field("", max_length=MAX_TEXT + 1000, description="情况说明")


class InspectionRecordIn(Schema):
    inspected_on: Day
    place: str = Field(max_length=1000, description="检查地点")
    record: str = Field(max_length=MAX_TEXT + 1000, description="检查情况记录")
    findings: list[InspectionFindingIn] = Field(max_length=1000, description="本批次每个抽查事项一条，须齐全")
    substitution_reason: str = Field("", max_length=MAX_TEXT + 1000,
                                     description="代为记录的理由：记录人不是本次抽取选派的检查人员（牵头部门负责人）时必填，不少于 4 个字")


class InspectionAssignmentOut(Schema):
    agency_id: int
    agency: str
    person: str
    certificate: str


class InspectionFindingOut(Schema):
    id: int
    item_id: int
    item: str
    agency_id: int
    outcome: str
    outcome_label: str
    text: str
    case_id: int | None
    supersedes_id: int | None


class InspectionStepOut(Schema):
    action: str
    from_state: str
    to_state: str
    at: dt.datetime
    log_entry_id: int
    substitution_reason: str | None = Field(description="代为记录的理由（非抽取选派的检查人员记录时）")


class InspectionOut(Schema):
    id: int
    agency_id: int
    agency: str
    state: column(Inspection, "state")
    target: str
    target_code: str
    batch_id: int
    batch: str
    draw_id: int
    inspected_on: dt.date | None
    result_due: dt.date | None
    published_at: dt.datetime | None
    overdue: bool


class InspectionDetailOut(InspectionOut):
    place: str
    record: str
    av_sha256: str | None
    assignments: list[InspectionAssignmentOut]
    findings: list[InspectionFindingOut]
    steps: list[InspectionStepOut]


def _overdue(i: Inspection) -> bool:
    from django.utils import timezone

    return i.state == "recorded" and i.result_due is not None and i.result_due < timezone.localdate()


def _out(i: Inspection) -> dict:
    batch = i.drawn.draw.batch
    return {"id": i.pk, "agency_id": i.agency_id, "agency": i.agency.name, "state": i.state,
            "target": i.drawn.target.name, "target_code": i.drawn.target.code, "batch_id": batch.pk,
            "batch": batch.title, "draw_id": i.drawn.draw_id, "inspected_on": i.inspected_on,
            "result_due": i.result_due, "published_at": i.published_at, "overdue": _overdue(i)}


def _finding(f: Finding) -> dict:
    return {"id": f.pk, "item_id": f.item_id, "item": f"{f.item.number} {f.item.name}",
            "agency_id": f.item.item_list.agency_id, "outcome": f.outcome, "outcome_label": Outcome(f.outcome).label,
            "text": f.text, "case_id": f.case_id, "supersedes_id": f.supersedes_id}


def _detail(request, pk: int) -> dict:
    i = selectors.inspection_get_for(actor=request.user, pk=pk, request=request)
    view = selectors.inspection_view(i)
    return _out(i) | {
        "place": i.place, "record": i.record, "av_sha256": i.av.sha256 if i.av_id else None,
        "assignments": [{"agency_id": a.agency_id, "agency": a.agency.name, "person": a.person.name,
                         "certificate": a.certificate} for a in view.assignments],
        "findings": [_finding(f) for f in view.findings.values()],
        "steps": [{"action": s.action, "from_state": s.from_state, "to_state": s.to_state, "at": s.at,
                   "log_entry_id": s.entry_id,
                   "substitution_reason": ((s.data or {}).get("substitution") or {}).get("reason")}
                  for s in view.steps]}


@router.get("/inspections", response=list[InspectionOut], summary="抽查检查列表（本人可见范围；可按状态、部门、是否逾期筛选）")
@paginate(Pagination, rows=lambda rows, request: [_out(i) for i in rows])
def inspection_list(request, state: column(Inspection, "state") | None = None, agency_id: Id | None = None,
                    overdue: bool = False):
    require_view(request)
    return selectors.inspection_list_for(actor=request.user, state=state or "", agency_id=agency_id, overdue=overdue)


@router.get("/inspections/{inspection_id}", response=InspectionDetailOut,
            summary="抽查检查详情：检查对象、检查人员、检查情况、各事项结果、立案、过程")
def inspection_detail(request, inspection_id: Id):
    return _detail(request, inspection_id)


def _record(request, inspection_id: int, payload: InspectionRecordIn, av=None) -> dict:
    i = selectors.inspection_get_for(actor=request.user, pk=inspection_id, request=request)
    execution.inspection_record(inspection=i, actor=request.user, inspected_on=payload.inspected_on,
                                place=payload.place, record=payload.record,
                                findings=[f.dict() for f in payload.findings], av=av,
                                substitution_reason=payload.substitution_reason)
    return _detail(request, inspection_id)


@router.post("/inspections/{inspection_id}/record", response=InspectionDetailOut,
             summary="记录检查情况（公示前再次提交为更正）；发现问题已立案查处的事项在该事项所属部门立案")
def inspection_record(request, inspection_id: Id, payload: InspectionRecordIn):
    return _record(request, inspection_id, payload)


@router.post("/inspections/{inspection_id}/record-with-av", response=InspectionDetailOut,
             summary="记录检查情况并上传音像记录（multipart：data 为与 record 相同的 JSON，av 为音频或视频文件）")
def inspection_record_with_av(request, inspection_id: Id, data: Form[str], av: File[UploadedFile]):
    try:
        payload = InspectionRecordIn.model_validate_json(data)
    except ValidationError as exc:
        raise ZhifaError(CoreErrorCode.INVALID_INPUT, "data 应为检查情况记录的 JSON（inspected_on、place、record、findings）。",
                         details={"errors": [e["msg"] for e in exc.errors()][:10]}) from exc
    return _record(request, inspection_id, payload, av=av)


@router.post("/inspections/{inspection_id}/publish", response=InspectionDetailOut, summary="公示检查结果（公示平台即时可见）")
def inspection_publish(request, inspection_id: Id):
    i = selectors.inspection_get_for(actor=request.user, pk=inspection_id, request=request)
    execution.inspection_publish(inspection=i, actor=request.user)
    return _detail(request, inspection_id)
