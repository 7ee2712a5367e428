"""Organisation registry API: the same selectors and services as the pages."""

import datetime as dt

from django.utils import timezone
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhifa.core.api import Day, Id, Pagination
from zhifa.core.errors import CoreErrorCode, ZhifaError

from . import permissions as perms
from . import selectors, services
from .importing import workbook_import
from .models import Adviser, AgencyKind, AgencyStatus, Certificate, CertificateSuspension, Field

router = Router(tags=["机构与人员"])


class JurisdictionOut(Schema):
    id: int
    name: str
    code: str
    level: str
    parent_id: int | None


class AgencyOut(Schema):
    id: int
    name: str
    kind: AgencyKind
    field: Field
    jurisdiction_id: int
    jurisdiction_name: str
    is_justice_bureau: bool
    status: AgencyStatus
    confirmed_at: dt.datetime | None
    office_address: str
    mailing_address: str
    enquiry_phone: str
    supervision_phone: str
    duties: str
    enforcement_types: list[str]
    enforcement_area: str
    officer_count: int
    reviewer_count: int

    @staticmethod
    def resolve_jurisdiction_name(obj):
        return obj.jurisdiction.name


class AgencyFilter(Schema):
    jurisdiction: str | None = None  # division code: the agencies of that subtree
    status: AgencyStatus | None = None
    field: Field | None = None
    q: str | None = None


class RatioOut(Schema):
    agency_id: int
    reviewers: int
    officers: int
    ratio: float | None
    required: int
    meets: bool


class SuspensionOut(Schema):
    id: int
    certificate_number: str
    starts_on: dt.date
    ends_on: dt.date | None
    reason: str
    lifted_on: dt.date | None
    lift_reason: str

    @staticmethod
    def resolve_certificate_number(obj):
        return obj.certificate.number


class CertificateOut(Schema):
    id: int
    number: str
    category: Field
    area_code: str
    valid_from: dt.date
    valid_to: dt.date
    revoked: bool
    suspended_today: bool
    valid_today: bool
    suspensions: list[SuspensionOut]


class SuspensionIn(Schema):
    starts_on: Day
    ends_on: Day | None = None
    reason: str


class LiftIn(Schema):
    lifted_on: Day
    reason: str


class PersonOut(Schema):
    id: int
    name: str
    agency_id: int
    unit: str | None
    post: str
    is_reviewer: bool
    has_legal_qualification: bool

    @staticmethod
    def resolve_unit(obj):
        if isinstance(obj, dict):
            return obj.get("unit")
        return obj.unit.name if obj.unit else None


class PersonDetailOut(PersonOut):
    phone: str | None
    certificates: list[CertificateOut]


class EligibilityOut(Schema):
    ok: bool
    code: str
    message: str
    certificate_number: str | None


class ImportErrorOut(Schema):
    sheet: str
    row: int
    column: str
    message: str


class ImportOut(Schema):
    ok: bool
    created: dict[str, int]
    updated: dict[str, int]
    errors: list[ImportErrorOut]


class LoanIn(Schema):
    adviser_id: Id
    starts_on: Day
    ends_on: Day
    reason: str


class LoanOut(Schema):
    id: int
    adviser_id: int
    agency_id: int
    starts_on: dt.date
    ends_on: dt.date
    reason: str


def _ratio_out(agency) -> dict:
    r = selectors.reviewer_ratio(agency)
    return {"agency_id": agency.pk, "reviewers": r.reviewers, "officers": r.officers,
            "ratio": float(r.ratio) if r.ratio is not None else None, "required": r.required, "meets": r.meets}


@router.get("/jurisdictions", response=list[JurisdictionOut], summary="行政区划树（自上而下）")
@paginate(Pagination)
def jurisdiction_list(request):
    # The page's rule (it answers 403, logged, without the permission), not an empty list.
    perms.require(request.user, "org.view", request=request)
    # Keyset pages in the tree's order, by path (issue 19 §2): a province's few thousand jurisdictions are no
    # longer read and serialised whole on every call.
    return selectors.jurisdiction_list()


@router.get("/agencies", response=list[AgencyOut], summary="执法主体列表（限于授权范围）")
@paginate(Pagination, rows=lambda rows, request: selectors.attach_staff_counts(rows))
def agency_list(request, filters: Query[AgencyFilter]):
    # The page's rule (it answers 403, logged, without the permission), not an empty list.
    perms.require(request.user, "org.view", request=request)
    jurisdiction = selectors.jurisdiction_get(code=filters.jurisdiction) if filters.jurisdiction else None
    return selectors.agency_list_for(actor=request.user, jurisdiction=jurisdiction, status=filters.status,
                                     field=filters.field, search=filters.q)


@router.get("/agencies/{agency_id}", response=AgencyOut, summary="执法主体详情")
def agency_get(request, agency_id: Id):
    return selectors.attach_staff_counts([selectors.agency_get_for(actor=request.user, id=agency_id, request=request)])[0]


@router.post("/agencies/{agency_id}/confirm", response=AgencyOut, summary="确认执法主体资格（本级司法行政部门）")
def agency_confirm(request, agency_id: Id):
    agency = selectors.agency_get_for(actor=request.user, id=agency_id, request=request)
    services.agency_confirm(agency=agency, actor=request.user)
    return selectors.attach_staff_counts([selectors.agency_get_for(actor=request.user, id=agency_id)])[0]


@router.get("/agencies/{agency_id}/reviewer-ratio", response=RatioOut, summary="法制审核人员比例（不少于 5%）")
def agency_reviewer_ratio(request, agency_id: Id):
    return _ratio_out(selectors.agency_get_for(actor=request.user, id=agency_id, request=request))


@router.get("/agencies/{agency_id}/people", response=list[PersonOut], summary="执法主体的人员")
@paginate(Pagination)
def agency_people(request, agency_id: Id, certified: bool | None = None):
    agency = selectors.agency_get_for(actor=request.user, id=agency_id, request=request)
    on = timezone.localdate() if certified else None
    return selectors.person_list_for(actor=request.user, agency=agency, certified_on=on)


def _person_out(p) -> dict:
    return {"id": p.pk, "name": p.name, "agency_id": p.agency_id, "unit": p.unit.name if p.unit else None,
            "post": p.post, "is_reviewer": p.is_reviewer, "has_legal_qualification": p.has_legal_qualification}


@router.get("/people/{person_id}", response=PersonDetailOut, summary="人员详情与执法证件")
def person_get(request, person_id: Id):
    person = selectors.person_get_for(actor=request.user, id=person_id, request=request)
    today = timezone.localdate()
    out = _person_out(person)
    out["phone"] = person.phone if perms.can(request.user, "org.view_people", agency=person.agency) else None
    out["certificates"] = [
        {"id": c.pk, "number": c.number, "category": c.category, "area_code": c.area.code, "valid_from": c.valid_from,
         "valid_to": c.valid_to, "revoked": c.revoked_at is not None,
         "suspended_today": c.current_suspension is not None, "valid_today": c.in_force_on(today),
         "suspensions": c.suspension_list}
        for c in selectors.certificate_list(person, on=today)
    ]
    return out


def _certificate_for(request, certificate_id) -> Certificate:
    """A certificate of a person the actor may see; otherwise the uniform 404."""
    cert = Certificate.objects.filter(pk=certificate_id).select_related("person__agency").first()
    if cert is None:
        raise ZhifaError(CoreErrorCode.NOT_FOUND, "未找到该执法证件。", status=404)
    selectors.person_get_for(actor=request.user, id=cert.person_id, request=request)
    return cert


@router.post("/certificates/{certificate_id}/suspensions", response={201: SuspensionOut},
             summary="暂扣执法证件（暂扣期间不得从事执法活动）")
def certificate_suspend(request, certificate_id: Id, payload: SuspensionIn):
    cert = _certificate_for(request, certificate_id)
    suspension = services.certificate_suspend(certificate=cert, starts_on=payload.starts_on, ends_on=payload.ends_on,
                                              reason=payload.reason, actor=request.user)
    return Status(201, suspension)


@router.post("/certificate-suspensions/{suspension_id}/lift", response=SuspensionOut, summary="解除暂扣执法证件")
def certificate_suspension_lift(request, suspension_id: Id, payload: LiftIn):
    suspension = CertificateSuspension.objects.filter(pk=suspension_id).select_related("certificate").first()
    if suspension is None:
        raise ZhifaError(CoreErrorCode.NOT_FOUND, "未找到该暂扣记录。", status=404)
    _certificate_for(request, suspension.certificate_id)
    return services.certificate_suspension_lift(suspension=suspension, lifted_on=payload.lifted_on,
                                                reason=payload.reason, actor=request.user)


@router.get("/people/{person_id}/eligibility", response=EligibilityOut,
            summary="能否指派执法工作（持证、类别、区域、有效期）")
def person_eligibility(request, person_id: Id, field: Field, jurisdiction: str, on: Day | None = None):
    person = selectors.person_get_for(actor=request.user, id=person_id, request=request)
    place = selectors.jurisdiction_get(code=jurisdiction)
    result = selectors.officer_eligibility(person, field=field, jurisdiction=place, on=on or timezone.localdate())
    return {"ok": result.ok, "code": str(result.code), "message": result.message,
            "certificate_number": result.certificate.number if result.certificate else None}


@router.post("/import", response=ImportOut, summary="从 Excel 批量导入（有错误则不导入任何数据）")
def org_import(request, file: File[UploadedFile]):
    if not perms.can(request.user, "org.import"):
        perms.deny(request.user, "org.import", request=request)
    if not (file.name or "").lower().endswith(".xlsx"):
        raise ZhifaError(CoreErrorCode.INVALID_INPUT, "请上传 .xlsx 格式的 Excel 文件。")
    result = workbook_import(file, actor=request.user)
    return {"ok": result.ok, "created": result.created, "updated": result.updated,
            "errors": [e.__dict__ for e in result.errors]}


@router.post("/agencies/{agency_id}/adviser-loans", response={201: LoanOut}, summary="调用法律顾问/公职律师")
def adviser_loan_create(request, agency_id: Id, payload: LoanIn):
    agency = selectors.agency_get_for(actor=request.user, id=agency_id, request=request)
    adviser = Adviser.objects.filter(pk=payload.adviser_id).select_related("pool_jurisdiction").first()
    if adviser is None:
        raise ZhifaError(CoreErrorCode.NOT_FOUND, "未找到该法律顾问/公职律师。", status=404)
    loan = services.adviser_lend(adviser=adviser, agency=agency, starts_on=payload.starts_on, ends_on=payload.ends_on,
                                 reason=payload.reason, actor=request.user)
    return Status(201, loan)
