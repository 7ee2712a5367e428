"""Cases API: the same services as the pages (STYLE habit 1)."""

import datetime as dt
from typing import Any

from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel, ConfigDict

from zhifa.core.api import Id, Pagination, column, listed
from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Person, Unit
from zhifa.org.selectors import agency_get_for, jurisdiction_get

from . import interconnect, selectors, services
from .doctypes import FORMS
from .errors import CaseErrorCode
from .models import Case, Consultation, Document, Party

router = Router(tags=["执法案件"])


class CaseIn(Schema):
    agency_id: Id
    handling_unit_id: Id
    title: column(Case, "title")
    action_type: listed(Case, "action_type")
    procedure: listed(Case, "procedure")
    place: str  # division code
    legal_basis: str


class CaseOut(Schema):
    id: int
    number: str
    title: str
    agency_id: int
    action_type: str
    procedure: str
    stage: str
    place: str
    opened_at: dt.datetime

    @staticmethod
    def resolve_place(obj):
        return obj["place"] if isinstance(obj, dict) else obj.place.code


class PartyIn(Schema):
    kind: column(Party, "kind")
    name: column(Party, "name")
    id_number: str
    address: column(Party, "address") = ""
    phone: column(Party, "phone") = ""
    legal_representative: column(Party, "legal_representative") = ""


class PartyOut(Schema):
    id: int
    kind: str
    name: str
    id_number: str  # masked unless the caller's role needs it
    warnings: dict[str, str] = {}  # accepted, to be checked: e.g. {"region_unknown": "…"} (core.idnumbers)


class DocumentIn(Schema):
    form: str
    elements: dict[str, Any]
    supersedes_id: Id | None = None
    correction_reason: column(Document, "correction_reason") = ""


class DocumentOut(Schema):
    id: int
    form: str
    title: str
    version: int
    supersedes_id: int | None
    elements: dict[str, Any]
    recorded_at: dt.datetime
    log_entry_id: int

    @staticmethod
    def resolve_title(obj):
        return FORMS[obj.form].title

    @staticmethod
    def resolve_log_entry_id(obj):
        return obj.entry_id


class CaseDetailOut(CaseOut):
    parties: list[PartyOut]
    officers: list[dict]
    documents: list[DocumentOut]
    missing_for_next_stage: list[list[str]]


def _detail(request, case) -> dict:
    show_id = org_perms.can(request.user, "cases.view_identity", agency=case.agency)
    documents = selectors.current_documents(case)
    return CaseOut.from_orm(case).dict() | {
        "parties": [{"id": p.pk, "kind": p.kind, "name": p.name, "id_number": p.id_number if show_id else p.masked_id}
                    for p in case.parties.all()],
        "officers": [{"person_id": o.person_id, "name": o.person.name, "certificate_number": o.certificate_number}
                     for o in case.officers.select_related("person")],
        "documents": documents,
        "missing_for_next_stage": [list(g) for g in selectors.missing_for_next_stage(case, documents)],
    }


@router.get("", response=list[CaseOut], summary="案件列表（限于授权范围）")
@paginate(Pagination)
def case_list(request, stage: column(Case, "stage") | None = None, q: str | None = None):
    # The page's rule (it answers 403, logged, without the permission), not an empty list.
    org_perms.require(request.user, "cases.view", request=request)
    return selectors.case_list_for(actor=request.user, stage=stage, search=q)


@router.post("", response={201: CaseDetailOut}, summary="立案")
def case_create(request, payload: CaseIn):
    agency = agency_get_for(actor=request.user, id=payload.agency_id, permission="cases.view", request=request)
    unit = Unit.objects.filter(pk=payload.handling_unit_id).first()
    if unit is None:
        raise ZhifaError(CaseErrorCode.UNIT_NOT_HANDLING, "未找到该承办机构。")
    case = services.case_open(agency=agency, handling_unit=unit, title=payload.title, action_type=payload.action_type,
                              procedure=payload.procedure, place=jurisdiction_get(code=payload.place),
                              legal_basis=payload.legal_basis, actor=request.user)
    return Status(201, _detail(request, case))


class PushPartyIn(Schema):
    external_id: column(Party, "external_id") = ""
    kind: column(Party, "kind")
    name: column(Party, "name")
    id_number: str
    address: column(Party, "address") = ""
    phone: column(Party, "phone") = ""


class PushDocumentIn(Schema):
    external_id: column(Document, "external_id") = ""
    form: column(Document, "form")
    elements: dict[str, Any] = {}


class PushIn(BaseModel):
    """A whole case from another system. Keys this schema does not name are kept for the apps above cases
    (review reads `determination`); a pydantic model, as ninja's Schema drops them."""

    model_config = ConfigDict(extra="allow")

    external_system: column(Case, "external_system")
    external_id: column(Case, "external_id")
    agency_id: Id
    handling_unit_id: Id | None = None
    title: column(Case, "title") = ""
    action_type: listed(Case, "action_type") = ""
    procedure: listed(Case, "procedure") = ""
    place: str = ""  # division code
    legal_basis: str = ""
    parties: list[PushPartyIn] = []
    officer_certificates: list[str] = []
    documents: list[PushDocumentIn] = []
    stage: column(Case, "stage") | None = None


@router.post("/push", response={200: CaseDetailOut, 201: CaseDetailOut},
             summary="外部办案系统推送整个案件（按外部编号幂等）")
def case_push(request, payload: PushIn):
    """REC-09. Body: external_system, external_id, agency_id, handling_unit_id, title, action_type, procedure,
    place (division code), legal_basis, parties [{external_id, kind, name, id_number}], officer_certificates
    [numbers], documents [{external_id, form, elements (officers as certificate numbers)}], stage (optional).
    Pushes of the same case that arrive together create it once; the others answer as a repeat would (200)."""
    case, created = interconnect.case_push(data=payload.model_dump(), actor=request.user)
    return Status(201 if created else 200, _detail(request, case))


@router.get("/{case_id}", response=CaseDetailOut,
            summary="案件详情（非承办人员须先登记调阅事由：POST /api/cases/{id}/consultations，否则 403）")
def case_get(request, case_id: Id):
    # REC-15: the one consultation check, as on the pages: 403 case_consultation_reason_required without one.
    return _detail(request, selectors.case_content_for(actor=request.user, id=case_id, what="case", request=request))


class ConsultationIn(Schema):
    reason: column(Consultation, "reason")


class ConsultationOut(Schema):
    id: int
    case_id: int
    reason: str
    opened_at: dt.datetime
    expires_at: dt.datetime
    log_entry_id: int

    @staticmethod
    def resolve_log_entry_id(obj):
        return obj.entry_id


@router.post("/{case_id}/consultations", response={201: ConsultationOut},
             summary="登记调阅事由（非承办人员调阅案件前；在有效期内调阅本案的每一项内容均记入日志）")
def consultation_create(request, case_id: Id, payload: ConsultationIn):
    case = selectors.case_get_for(actor=request.user, id=case_id, request=request)
    return Status(201, services.consultation_open(case=case, actor=request.user, reason=payload.reason))


@router.post("/{case_id}/parties", response={201: PartyOut}, summary="登记当事人")
def party_create(request, case_id: Id, payload: PartyIn):
    case = selectors.case_get_for(actor=request.user, id=case_id, request=request)
    party = services.party_add(case=case, actor=request.user, **payload.dict())
    return Status(201, {"id": party.pk, "kind": party.kind, "name": party.name, "id_number": party.masked_id,
                        "warnings": party.id_warnings})


class OfficerOut(Schema):
    person_id: int
    certificate_number: str


@router.post("/{case_id}/officers", response={201: OfficerOut}, summary="指派承办执法人员")
def officer_create(request, case_id: Id, person_id: Id):
    case = selectors.case_get_for(actor=request.user, id=case_id, request=request)
    person = Person.objects.filter(pk=person_id, agency=case.agency).first()
    if person is None:
        raise ZhifaError(CaseErrorCode.OFFICER_OTHER_AGENCY, "该人员不是本机关的执法人员。")
    assignment = services.officer_assign(case=case, person=person, actor=request.user)
    return Status(201, {"person_id": person.pk, "certificate_number": assignment.certificate_number})


@router.post("/{case_id}/documents", response={201: DocumentOut}, summary="制作或更正文字记录")
def document_create(request, case_id: Id, payload: DocumentIn):
    case = selectors.case_get_for(actor=request.user, id=case_id, request=request)
    supersedes = None
    if payload.supersedes_id is not None:
        supersedes = Document.objects.filter(pk=payload.supersedes_id, case=case).first()
        if supersedes is None:
            raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "要更正的文书不属于本案。")
    doc = services.document_record(case=case, form=payload.form, elements=payload.elements, supersedes=supersedes,
                                   correction_reason=payload.correction_reason, actor=request.user)
    return Status(201, doc)


@router.post("/{case_id}/advance", response=CaseDetailOut, summary="进入下一阶段")
def case_advance(request, case_id: Id, note: str = "", stage: str = ""):
    """`stage`: the stage the client saw; if the case has moved on since, 409 `wrong_state` (nothing changes)."""
    case = selectors.case_get_for(actor=request.user, id=case_id, request=request)
    return _detail(request, services.case_advance(case=case, actor=request.user, note=note, stage=stage))


class RenditionOut(Schema):
    document_id: int
    kind: str
    sha256: str
    size: int
    signer_sha256: str
    log_entry_id: int
    download: str


@router.post("/{case_id}/documents/{document_id}/issue", response=RenditionOut,
             summary="签发文书：生成 PDF（加盖本机关电子签章）或 Word 文本（每个版本一次；机关负责人）")
def document_issue(request, case_id: Id, document_id: Id, kind: str = "pdf"):
    case = selectors.case_get_for(actor=request.user, id=case_id, request=request)
    document = Document.objects.filter(pk=document_id, case=case).first()
    if document is None:
        raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "未找到该文书。", status=404)
    item = services.document_issue(document=document, kind=kind, actor=request.user, request=request)
    return {"document_id": document.pk, "kind": item.kind, "sha256": item.blob.sha256, "size": item.blob.size,
            "signer_sha256": item.signer_sha256, "log_entry_id": item.entry_id,
            "download": f"/cases/{case.pk}/documents/{document.pk}.{item.kind}"}
