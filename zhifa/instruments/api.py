"""Supervision instruments API: the same services as the pages (STYLE habit 1). Errors: {code, message}."""

import datetime as dt

from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhifa.core.api import Id, Pagination, column, listed
from zhifa.core.errors import NotFoundError
from zhifa.org.models import Agency

from . import selectors, services
from .models import Instrument
from .views import _require_view

router = Router(tags=["监督文书"])


class TalkIn(Schema):
    at: str = ""
    place: str = ""
    attendees: str = ""
    record: str = ""


class IssueIn(Schema):
    bureau_id: Id
    agency_id: Id
    kind: listed(Instrument, "kind")
    order: str = ""
    title: column(Instrument, "title")
    findings: str
    basis: column(Instrument, "basis")
    requirement: str
    talk: TalkIn | None = None
    case_ids: list[Id] = []
    model_code: column(Instrument, "model_code") = ""
    alert_id: Id | None = None


class InstrumentDocumentOut(Schema):
    id: int
    kind: str
    number: str
    issued_on: dt.date
    sha256: str
    signer_sha256: str
    url: str


class FileOut(Schema):
    id: int
    name: str
    sha256: str


class InstrumentStepOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str
    at: dt.datetime
    note: str
    files: list[FileOut]
    log_entry_id: int


class InstrumentOut(Schema):
    id: int
    kind: str
    number: str
    bureau_id: int
    agency_id: int
    title: str
    state: str
    order: str
    issued_on: dt.date
    due_on: dt.date
    review_due_on: dt.date | None
    review_decision_due_on: dt.date | None
    provisional: bool
    model_code: str
    alert_id: int | None


class InstrumentDetailOut(InstrumentOut):
    findings: str
    basis: str
    requirement: str
    talk: dict
    rule_source: str
    case_ids: list[int]
    documents: list[InstrumentDocumentOut]
    steps: list[InstrumentStepOut]


def _out(i: Instrument) -> dict:
    return {"id": i.pk, "kind": i.kind, "number": i.number, "bureau_id": i.bureau_id, "agency_id": i.agency_id,
            "title": i.title, "state": i.state, "order": i.order, "issued_on": i.issued_on, "due_on": i.due_on,
            "review_due_on": i.review_due_on, "review_decision_due_on": i.review_decision_due_on,
            "provisional": i.provisional, "model_code": i.model_code, "alert_id": i.alert_id}


def _detail(i: Instrument) -> dict:
    return _out(i) | {
        "findings": i.findings, "basis": i.basis, "requirement": selectors.current_requirement(i), "talk": i.talk,
        "rule_source": i.rule_source, "case_ids": [c.pk for c in i.cases.all()],
        "documents": [{"id": d.pk, "kind": d.kind, "number": d.number, "issued_on": d.issued_on,
                       "sha256": d.blob.sha256, "signer_sha256": d.signer_sha256,
                       "url": f"/instruments/{i.pk}/documents/{d.pk}.pdf"} for d in i.documents.all()],
        "steps": [{"action": s.action, "from_state": s.from_state, "to_state": s.to_state, "actor": str(s.actor),
                   "at": s.at, "note": s.note, "log_entry_id": s.entry_id,
                   "files": [{"id": f.pk, "name": f.name, "sha256": f.blob.sha256} for f in s.files.all()]}
                  for s in i.steps.all()]}


def _get(request, pk: int) -> Instrument:
    return selectors.instrument_get_for(actor=request.user, pk=pk, request=request)


@router.get("/", response=list[InstrumentOut], summary="监督文书列表（监督机关与被监督机关各见其范围）")
@paginate(Pagination, rows=lambda rows, request: [_out(i) for i in rows])
def instrument_list(request, state: column(Instrument, "state") | None = None, overdue: bool = False):
    _require_view(request)
    return selectors.instrument_list_for(actor=request.user, state=state or "",
                                         overdue_on=timezone.localdate() if overdue else None)


@router.get("/{instrument_id}", response=InstrumentDetailOut, summary="监督文书详情、签章文书与办理过程")
def instrument_detail(request, instrument_id: Id):
    return _detail(_get(request, instrument_id))


@router.post("/", response={201: InstrumentDetailOut}, summary="制发监督文书（签章、编号、记入日志）")
def instrument_issue(request, payload: IssueIn):
    bureau = Agency.objects.filter(pk=payload.bureau_id).select_related("jurisdiction").first()
    agency = Agency.objects.filter(pk=payload.agency_id).select_related("jurisdiction").first()
    if bureau is None or agency is None:
        raise NotFoundError()
    i = services.instrument_issue(
        actor=request.user, bureau=bureau, agency=agency, kind=payload.kind, order=payload.order,
        title=payload.title, findings=payload.findings, basis=payload.basis, requirement=payload.requirement,
        talk=payload.talk.dict() if payload.talk else None, case_ids=payload.case_ids,
        model_code=payload.model_code, alert_id=payload.alert_id)
    return Status(201, _detail(_get(request, i.pk)))


@router.post("/{instrument_id}/report", response=InstrumentDetailOut, summary="被监督机关报告整改情况（附证明材料）")
def instrument_report(request, instrument_id: Id, text: Form[str], files: File[list[UploadedFile]] = None):
    services.correction_report(instrument=_get(request, instrument_id), actor=request.user, text=text,
                               files=files or [])
    return _detail(_get(request, instrument_id))


class InstrumentReasonIn(Schema):
    reason: str = ""


@router.post("/{instrument_id}/accept", response=InstrumentDetailOut, summary="监督机关验收整改并办结")
def instrument_accept(request, instrument_id: Id, payload: InstrumentReasonIn):
    services.report_accept(instrument=_get(request, instrument_id), actor=request.user, reason=payload.reason)
    return _detail(_get(request, instrument_id))


@router.post("/{instrument_id}/return", response=InstrumentDetailOut, summary="监督机关退回重新整改")
def instrument_return(request, instrument_id: Id, payload: InstrumentReasonIn):
    services.report_return(instrument=_get(request, instrument_id), actor=request.user, reason=payload.reason)
    return _detail(_get(request, instrument_id))


@router.post("/{instrument_id}/close", response=InstrumentDetailOut, summary="监督机关说明理由办结")
def instrument_close(request, instrument_id: Id, payload: InstrumentReasonIn):
    services.instrument_close(instrument=_get(request, instrument_id), actor=request.user, reason=payload.reason)
    return _detail(_get(request, instrument_id))


class ReviewRequestIn(Schema):
    reasons: str


@router.post("/{instrument_id}/review-request", response=InstrumentDetailOut, summary="被监督机关申请复查")
def instrument_review_request(request, instrument_id: Id, payload: ReviewRequestIn):
    services.review_request(instrument=_get(request, instrument_id), actor=request.user, reasons=payload.reasons)
    return _detail(_get(request, instrument_id))


class ReviewDecideIn(Schema):
    outcome: str
    reasons: str
    requirement: str = ""


@router.post("/{instrument_id}/review-decision", response=InstrumentDetailOut, summary="监督机关作出复查决定（签章）")
def instrument_review_decide(request, instrument_id: Id, payload: ReviewDecideIn):
    services.review_decide(instrument=_get(request, instrument_id), actor=request.user, outcome=payload.outcome,
                           reasons=payload.reasons, requirement=payload.requirement)
    return _detail(_get(request, instrument_id))

