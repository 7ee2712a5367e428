"""Legal review API: the same services as the pages (STYLE habit 1). Errors: {code, message}."""

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from zhifa.cases import selectors as case_selectors
from zhifa.cases.errors import ConsultationRequired
from zhifa.cases.models import Case
from zhifa.core.api import Day, Id, Pagination, RowOut, column, listed
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Adviser, Agency, Person

from . import clock, selectors, services
from .errors import ReviewErrorCode
from .models import Assignment, Catalogue, CatalogueItem, Opinion, Review

router = Router(tags=["法制审核"])


class ItemIn(Schema):
    action_type: listed(CatalogueItem, "action_type")
    matter: str
    criterion: column(CatalogueItem, "criterion")
    level: str = ""
    amount: str | None = None
    measure: str = ""
    collective_discussion: bool = False
    basis: str = ""


class CatalogueIn(Schema):
    agency_id: Id
    effective_from: Day
    items: list[ItemIn]
    review_all_ordinary: bool = False
    note: str = ""


class ItemOut(Schema):
    id: int
    action_type: str
    matter: str
    level: str
    criterion: str
    amount: str | None
    measure: str
    collective_discussion: bool
    basis: str


class CatalogueOut(Schema):
    id: int
    agency_id: int
    version: int
    effective_from: dt.date
    review_all_ordinary: bool
    filed_with_id: int
    acknowledged_at: dt.datetime | None
    log_entry_id: int
    items: list[ItemOut]


class FilingOut(Schema):
    catalogue_id: int
    acknowledged_at: dt.datetime
    log_entry_id: int


def _catalogue_out(c: Catalogue) -> dict:
    filing = getattr(c, "filing", None)  # select_related by the list: no query per row
    return {"id": c.pk, "agency_id": c.agency_id, "version": c.version, "effective_from": c.effective_from,
            "review_all_ordinary": c.review_all_ordinary, "filed_with_id": c.filed_with_id,
            "acknowledged_at": filing.acknowledged_at if filing else None, "log_entry_id": c.entry_id,
            "items": [{"id": i.pk, "action_type": i.action_type, "matter": i.matter, "level": i.level,
                       "criterion": i.criterion, "amount": str(i.amount) if i.amount is not None else None,
                       "measure": i.measure, "collective_discussion": i.collective_discussion, "basis": i.basis}
                      for i in c.items.all()]}


@router.get("/catalogues", response=list[CatalogueOut], summary="目录清单（含历史版本）")
@paginate(Pagination, rows=lambda catalogues, request: [_catalogue_out(c) for c in catalogues])
def catalogue_list(request):
    # The page's rule (it answers 403, logged, without the permission), not an empty list.
    org_perms.require(request.user, "review.view", request=request)
    return selectors.catalogue_list_for(actor=request.user)


@router.post("/catalogues", response={201: CatalogueOut}, summary="发布新版目录清单并报司法行政部门备案")
def catalogue_create(request, payload: CatalogueIn):
    agency = Agency.objects.filter(pk=payload.agency_id).select_related("jurisdiction").first()
    if agency is None:
        raise NotFoundError()
    catalogue = services.catalogue_issue(agency=agency, items=[i.dict() for i in payload.items],
                                         effective_from=payload.effective_from, actor=request.user,
                                         review_all_ordinary=payload.review_all_ordinary, note=payload.note)
    return Status(201, _catalogue_out(catalogue))


@router.post("/catalogues/{catalogue_id}/acknowledge", response=FilingOut, summary="司法行政部门备案登记")
def catalogue_acknowledge(request, catalogue_id: Id, remarks: str = ""):
    catalogue = Catalogue.objects.filter(pk=catalogue_id).select_related("filed_with__jurisdiction").first()
    if catalogue is None:
        raise NotFoundError()
    filing = services.catalogue_acknowledge(catalogue=catalogue, remarks=remarks, actor=request.user)
    return {"catalogue_id": catalogue.pk, "acknowledged_at": filing.acknowledged_at, "log_entry_id": filing.entry_id}


class DeterminationIn(Schema):
    fine_amount: str = "0"
    property_value: str = "0"
    measures: list[str] = []
    criteria: list[str] = []
    collective_discussion: bool = False
    joint_agency_ids: list[Id] = []


class DeterminationOut(Schema):
    id: int
    version: int
    is_major: bool
    reasons: list[Any] = Field(description="认定理由")
    collective_discussion: bool
    matched_items: list[Any] = Field(description="符合的目录清单事项")
    log_entry_id: int


def _case(request, case_id):
    return case_selectors.case_get_for(actor=request.user, id=case_id, request=request)


@router.post("/cases/{case_id}/determination", response={201: DeterminationOut}, summary="重大执法决定认定")
def determination_create(request, case_id: Id, payload: DeterminationIn):
    d = services.determination_record(
        case=_case(request, case_id), actor=request.user, fine_amount=payload.fine_amount,
        property_value=payload.property_value, measures=payload.measures, criteria=payload.criteria,
        collective_discussion=payload.collective_discussion, joint_agencies=payload.joint_agency_ids)
    return Status(201, {"id": d.pk, "version": d.version, "is_major": d.is_major, "reasons": d.reasons,
                        "collective_discussion": d.collective_discussion, "matched_items": d.matched_items,
                        "log_entry_id": d.entry_id})


class ReviewerOut(Schema):
    assignment_id: int
    person_id: int
    name: str
    adviser_id: int | None
    first_time: bool


class OpinionOut(Schema):
    id: int
    round: int
    kind: str
    grounds: list[Any]
    checklist: Any = Field(description="审核内容")
    text: str
    signed_by: str
    signed_at: dt.datetime
    late: bool
    case_document_id: int | None
    archive_sha256: str | None
    log_entry_id: int


class ReviewStepOut(Schema):
    round: int
    action: str
    from_state: str = Field(alias="from")
    to: str
    actor: str
    at: dt.datetime
    note: str
    data: dict[str, Any]
    log_entry_id: int


class ReviewOut(Schema):
    """A review. Without a consultation (REC-15) the content keys (`rules`, `reviewers`, `opinions`, `timeline`)
    are absent and `content_withheld` says why; with one, `content_withheld` is absent."""

    id: int
    case_id: int
    agency_id: int
    state: str
    round: int
    clock_started_on: dt.date | None
    due_on: dt.date | None
    due_provisional: bool
    paused_since: dt.date | None
    extended: bool
    working_days_left: int | None
    passed_at: dt.datetime | None
    content_withheld: str | None = Field(None, description="内容未给出的原因（须先登记查阅事由）")
    rules: dict[str, Any] | None = Field(None, description="送审时适用的规则及其版本")
    reviewers: list[ReviewerOut] | None = None
    opinions: list[OpinionOut] | None = None
    timeline: list[ReviewStepOut] | None = None


# The review's answer leaves out the keys it does not carry (content or content_withheld), and names the step's
# source state "from", as before it was typed.
REVIEW = {"exclude_unset": True, "by_alias": True}


def _review_out(request, review: Review, *, read: bool = False) -> dict:
    """The review as the API gives it out. Its content (opinions, checklists, timeline, reviewers, rules) is the
    case's (REC-15), so it goes out only through the one consultation check, whichever endpoint answers
    (issue 14, review #3). `read`: the GET, refused (403) without a consultation. A move by someone outside the
    case who has none (an unassigned reviewer pausing the clock) has been made: its answer is the review's state
    and clock, without the content."""
    today = timezone.localdate()
    state = {
        "id": review.pk, "case_id": review.case_id, "agency_id": review.agency_id, "state": review.state,
        "round": review.round, "clock_started_on": review.clock_started_on, "due_on": review.due_on,
        "due_provisional": review.due_provisional, "paused_since": review.paused_since, "extended": review.extended,
        "working_days_left": clock.working_days_left(review.due_on, today) if review.state == "submitted" else None,
        "passed_at": review.passed_at,
    }
    try:
        # With the review's duties (selectors.consultation_duty); each read by an outsider is logged.
        case_selectors.consultation_check(actor=request.user, case=review.case, what="review")
    except ConsultationRequired:
        if read:
            raise
        return {**state, "content_withheld": "case_consultation_reason_required"}
    return {
        **state, "rules": review.rules,
        "reviewers": [{"assignment_id": a.pk, "person_id": a.person_id, "name": a.person.name,
                       "adviser_id": a.adviser_id, "first_time": a.first_time} for a in selectors.active_assignments(review)],
        "opinions": [{"id": o.pk, "round": o.submission.round, "kind": o.kind, "grounds": o.grounds,
                      "checklist": o.checklist, "text": o.text, "signed_by": str(o.signed_by), "signed_at": o.signed_at,
                      "late": o.late, "case_document_id": o.case_document_id,
                      "archive_sha256": o.archive_blob.sha256 if o.archive_blob_id else None, "log_entry_id": o.entry_id}
                     for o in review.opinions.select_related("submission", "signed_by", "archive_blob")],
        "timeline": [{"round": s.round, "action": s.action, "from": s.from_state, "to": s.to_state,
                      "actor": str(s.actor), "at": s.at, "note": s.note, "data": s.data, "log_entry_id": s.entry_id}
                     for s in selectors.timeline(review)],
    }


def _review(request, case_id) -> Review:
    """The review of a case, for whoever may see the review (a lent adviser or a joint agency may not see
    the case itself)."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise NotFoundError()
    return selectors.review_get_for(actor=request.user, case=case, request=request)


@router.get("/cases/{case_id}", response=ReviewOut, **REVIEW, summary="案件的法制审核（状态、期限、意见、过程）")
def review_detail(request, case_id: Id):
    return _review_out(request, _review(request, case_id), read=True)


class NoteIn(Schema):
    note: str = ""


@router.post("/cases/{case_id}/submit", response={201: ReviewOut}, **REVIEW, summary="送审")
def review_submit(request, case_id: Id, payload: NoteIn):
    return Status(201, _review_out(request, services.review_submit(case=_case(request, case_id), actor=request.user,
                                                          note=payload.note)))


@router.post("/cases/{case_id}/resubmit", response=ReviewOut, **REVIEW, summary="重新送审")
def review_resubmit(request, case_id: Id, payload: NoteIn):
    return _review_out(request, services.review_resubmit(review=_review(request, case_id), actor=request.user, note=payload.note))


class AssignIn(Schema):
    person_id: Id | None = None
    adviser_id: Id | None = None


class AssignmentOut(Schema):
    assignment_id: int
    person_id: int
    first_time: bool
    log_entry_id: int


@router.post("/cases/{case_id}/assignments", response={201: AssignmentOut}, summary="指派审核人员")
def assign(request, case_id: Id, payload: AssignIn):
    review = _review(request, case_id)
    person = Person.objects.filter(pk=payload.person_id).select_related("unit").first() if payload.person_id else None
    adviser = Adviser.objects.filter(pk=payload.adviser_id).select_related("person").first() if payload.adviser_id else None
    if person is None and adviser is None:
        raise ZhifaError(ReviewErrorCode.REVIEWER_INELIGIBLE, "请选择审核人员。")
    a = services.reviewer_assign(review=review, actor=request.user, person=person, adviser=adviser)
    return Status(201, {"assignment_id": a.pk, "person_id": a.person_id, "first_time": a.first_time,
                        "log_entry_id": a.entry_id})


class ReasonIn(Schema):
    reason: str


class RecusalOut(Schema):
    assignment_id: int
    reason: str
    log_entry_id: int


@router.post("/cases/{case_id}/assignments/{assignment_id}/recusal", response={201: RecusalOut}, summary="审核人员回避")
def recusal(request, case_id: Id, assignment_id: Id, payload: ReasonIn):
    review = _review(request, case_id)
    assignment = Assignment.objects.filter(pk=assignment_id, review=review).select_related("person", "review").first()
    if assignment is None:
        raise NotFoundError()
    r = services.recusal_record(assignment=assignment, reason=payload.reason, actor=request.user)
    return Status(201, {"assignment_id": assignment.pk, "reason": r.reason, "log_entry_id": r.entry_id})


class PauseIn(Schema):
    kind: str
    reason: str
    due_date: Day | None = None


@router.post("/cases/{case_id}/pause", response=ReviewOut, **REVIEW, summary="要求补充材料、专家论证或提请解释（中止计时）")
def pause(request, case_id: Id, payload: PauseIn):
    return _review_out(request, services.clock_pause(review=_review(request, case_id), kind=payload.kind, reason=payload.reason,
                                            due_date=payload.due_date, actor=request.user))


@router.post("/cases/{case_id}/resume", response=ReviewOut, **REVIEW, summary="补充材料已提交或论证、解释完毕（恢复计时）")
def resume(request, case_id: Id, payload: NoteIn):
    return _review_out(request, services.clock_resume(review=_review(request, case_id), note=payload.note, actor=request.user))


@router.post("/cases/{case_id}/return", response=ReviewOut, **REVIEW, summary="退回送审材料")
def review_return(request, case_id: Id, payload: ReasonIn):
    return _review_out(request, services.review_return(review=_review(request, case_id), reason=payload.reason, actor=request.user))


class LogEntryOut(Schema):
    log_entry_id: int


@router.post("/cases/{case_id}/extension", response={201: LogEntryOut}, summary="申请延长审核期限")
def extension_request(request, case_id: Id, payload: ReasonIn):
    step = services.extension_request(review=_review(request, case_id), reason=payload.reason, actor=request.user)
    return Status(201, {"log_entry_id": step.entry_id})


class HeadDecisionIn(Schema):
    approve: bool
    note: str = ""


@router.post("/cases/{case_id}/extension/decision", response=ReviewOut, **REVIEW, summary="批准或不批准延长审核期限")
def extension_decide(request, case_id: Id, payload: HeadDecisionIn):
    return _review_out(request, services.extension_decide(review=_review(request, case_id), approve=payload.approve,
                                                 note=payload.note, actor=request.user))


class OpinionIn(Schema):
    kind: column(Opinion, "kind")
    grounds: list[str] = []
    checklist: dict[str, dict[str, str]]
    text: str


class OpinionRecordedOut(Schema):
    id: int
    kind: str
    late: bool
    case_document_id: int | None
    archive_sha256: str | None
    log_entry_id: int


@router.post("/cases/{case_id}/opinion", response={201: OpinionRecordedOut}, summary="出具法制审核意见")
def opinion(request, case_id: Id, payload: OpinionIn):
    o = services.opinion_record(review=_review(request, case_id), kind=payload.kind, grounds=payload.grounds,
                                checklist=payload.checklist, text=payload.text, actor=request.user)
    return Status(201, {"id": o.pk, "kind": o.kind, "late": o.late, "case_document_id": o.case_document_id,
                        "archive_sha256": o.archive_blob.sha256 if o.archive_blob_id else None,
                        "log_entry_id": o.entry_id})


class CosignIn(Schema):
    agency_id: Id
    concur: bool
    note: str = ""


class CosignOut(Schema):
    agency_id: int
    concur: bool
    log_entry_id: int


@router.post("/cases/{case_id}/cosign", response={201: CosignOut}, summary="共同决定机关会签")
def cosign(request, case_id: Id, payload: CosignIn):
    agency = Agency.objects.filter(pk=payload.agency_id).select_related("jurisdiction").first()
    if agency is None:
        raise NotFoundError()
    s = services.cosign(review=_review(request, case_id), agency=agency, concur=payload.concur, note=payload.note,
                        actor=request.user)
    return Status(201, {"agency_id": agency.pk, "concur": s.concur, "log_entry_id": s.entry_id})


class ResponseIn(Schema):
    adopt: bool
    reasons: str = ""


@router.post("/cases/{case_id}/response", response=ReviewOut, **REVIEW, summary="承办机构采纳审核意见或提出异议")
def response(request, case_id: Id, payload: ResponseIn):
    return _review_out(request, services.response_record(review=_review(request, case_id), adopt=payload.adopt,
                                                reasons=payload.reasons, actor=request.user))


class ReviewConsultationIn(Schema):
    participants: str
    minutes: str
    outcome: str


@router.post("/cases/{case_id}/consultation", response=ReviewOut, **REVIEW, summary="记录协商沟通")
def consultation(request, case_id: Id, payload: ReviewConsultationIn):
    return _review_out(request, services.consultation_record(review=_review(request, case_id), actor=request.user, **payload.dict()))


class HeadIn(Schema):
    choice: str
    reasons: str


@router.post("/cases/{case_id}/head-decision", response=ReviewOut, **REVIEW, summary="负责人决定")
def head_decision(request, case_id: Id, payload: HeadIn):
    return _review_out(request, services.head_decision_record(review=_review(request, case_id), choice=payload.choice,
                                                     reasons=payload.reasons, actor=request.user))


class QueueRowOut(RowOut):
    id: int
    case_id: int
    case_number: str
    title: str
    agency: str
    state: str
    round: int
    due_on: dt.date | None
    working_days_left: int | None
    paused_since: dt.date | None


def _row(review: Review, today: dt.date) -> dict:
    return {"id": review.pk, "case_id": review.case_id, "case_number": review.case.number, "title": review.case.title,
            "agency": review.agency.name, "state": review.state, "round": review.round, "due_on": review.due_on,
            "working_days_left": clock.working_days_left(review.due_on, today), "paused_since": review.paused_since}


def _rows(reviews: list[Review], request) -> list[dict]:
    today = timezone.localdate()
    return [_row(r, today) for r in reviews]


@router.get("/queue", response=list[QueueRowOut], summary="待审核（按期限排序）")
@paginate(Pagination, rows=_rows)
def queue(request, mine: bool = False):
    # The page's rule (it answers 403, logged, without the permission), not an empty list.
    org_perms.require(request.user, "review.view", request=request)
    return selectors.queue_for(actor=request.user, mine=mine)


@router.get("/overdue", response=list[QueueRowOut], summary="超过审核期限未出具意见的审核")
@paginate(Pagination, rows=_rows)
def overdue(request):
    # The page's rule (it answers 403, logged, without the permission), not an empty list.
    org_perms.require(request.user, "review.view_overdue", request=request)
    return selectors.overdue_for(actor=request.user, on=timezone.localdate())
