"""REC-09: an external case-handling system pushes a whole case, idempotently by its own IDs.

Everything goes through the same services as the pages, in the order of the stage table, so a
pushed case gets the same validation and the same log entries as one entered by hand. The push is
one transaction: a case that fails any rule leaves nothing behind. One difference, on purpose: a pushed penalty
decision's fine is not held to the discretion benchmark's gate (SUP-07), only recorded against it
(services._fine_gate), so supervision sees a decision already made elsewhere instead of the push being refused. Pushing the same case again
creates nothing; pushing it with more records adds only those.
"""

from django.db import transaction

from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, Certificate, Jurisdiction, Unit

from . import services, workflow
from .doctypes import FORMS
from .errors import CaseErrorCode
from .models import Case, Stage

STAGE_ORDER = [s for s, _ in Stage.choices]

# Upper apps read their part of a pushed body before each move (review: the pushed determination of
# whether the decision is major, so a non-major case can be pushed to the archive in one go). Each
# hook(case, data, actor) runs inside the push's transaction.
PUSH_HOOKS: list = []


def register_push_hook(hook) -> None:
    if hook not in PUSH_HOOKS:
        PUSH_HOOKS.append(hook)


def _advance(case, actor, data):
    for hook in PUSH_HOOKS:
        hook(case, data, actor)
    return services.case_advance(case=case, actor=actor, note="外部系统推送")


def _locked_case(system: str, external_id: str, agency: Agency) -> Case | None:
    """The case already pushed under this external key, locked for this push; or None, with the agency locked.

    Pushes of one case that arrive together (a client retrying on a timeout) queue here instead of racing
    to insert it: the agency row is the lock case numbering takes anyway, so the first push creates the
    case and each later one, once it holds the lock, finds the committed case and answers as a repeat
    would. On SQLite the IMMEDIATE transaction already serialises writers and these locks are no-ops."""
    found = Case.objects.select_for_update(of=("self",)).filter(external_system=system, external_id=external_id)
    case = found.first()
    if case is None:
        Agency.objects.select_for_update(of=("self",)).filter(pk=agency.pk).first()
        case = found.first()  # a new statement: sees a case committed while this push waited
    return case


def case_push(*, data: dict, actor) -> tuple[Case, bool]:
    """Create or bring up to date the case `data` describes. Returns (case, created)."""
    system, external_id = data.get("external_system", "").strip(), data.get("external_id", "").strip()
    if not system or not external_id:
        raise ZhifaError(CaseErrorCode.ELEMENT_MISSING, "请提供 external_system 和 external_id。")
    agency = Agency.objects.filter(pk=data.get("agency_id")).select_related("jurisdiction").first()
    if agency is None:
        raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "未找到该执法主体。", status=404)
    org_perms.require(actor, "cases.handle", agency=agency)  # before the transaction: a denial stays recorded
    with transaction.atomic():
        case = _locked_case(system, external_id, agency)
        created = case is None
        if created:
            unit = Unit.objects.filter(pk=data.get("handling_unit_id"), agency=agency).first()
            place = Jurisdiction.objects.filter(code=data.get("place", "")).first()
            if unit is None or place is None:
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "承办机构或执法地点（行政区划代码）无效。")
            case = services.case_open(agency=agency, handling_unit=unit, title=data.get("title", ""),
                                      action_type=data.get("action_type", ""), procedure=data.get("procedure", ""),
                                      place=place, legal_basis=data.get("legal_basis", ""), actor=actor,
                                      external_system=system, external_id=external_id)
        elif case.agency_id != agency.pk:
            raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "该外部案件编号已属于另一执法主体。")
        have_parties = set(case.parties.exclude(external_id="").values_list("external_id", flat=True))
        for party in data.get("parties", []):
            if party.get("external_id") and party["external_id"] in have_parties:
                continue
            services.party_add(case=case, kind=party.get("kind", ""), name=party.get("name", ""),
                               id_number=party.get("id_number", ""), address=party.get("address", ""),
                               phone=party.get("phone", ""), legal_representative=party.get("legal_representative", ""),
                               external_id=party.get("external_id", ""), actor=actor)
        assigned = set(case.officers.values_list("certificate_number", flat=True))
        for number in data.get("officer_certificates", []):
            if number in assigned:
                continue
            cert = Certificate.objects.filter(number=number, person__agency=agency).select_related("person").first()
            if cert is None:
                raise ZhifaError(CaseErrorCode.OFFICER_OTHER_AGENCY, f"执法证号 {number} 不属于本机关人员。")
            services.officer_assign(case=case, person=cert.person, actor=actor)
        seen = set(case.documents.exclude(external_id="").values_list("external_id", flat=True))
        officer_ids = {o.certificate_number: o.person_id for o in case.officers.all()}
        pending = [d for d in data.get("documents", []) if d.get("external_id") not in seen]
        for doc in sorted(pending, key=lambda d: STAGE_ORDER.index(FORMS[d["form"]].stage) if d.get("form") in FORMS else 0):
            form = FORMS.get(doc.get("form", ""))
            if form is None:
                raise ZhifaError(CaseErrorCode.UNKNOWN_FORM, f"未知的文书类型：{doc.get('form')}")
            # Move the case on, through the same transition checks, until it reaches the form's stage.
            while STAGE_ORDER.index(case.stage) < STAGE_ORDER.index(form.stage) and case.stage in workflow.NEXT:
                case = _advance(case, actor, data)
            elements = dict(doc.get("elements") or {})
            if isinstance(elements.get("officers"), list):  # external systems name officers by certificate number
                elements["officers"] = [officer_ids.get(n, -1) if isinstance(n, str) else -1
                                        for n in elements["officers"]]
            # A pushed decision was made in the agency's own system: its fine is recorded against the discretion
            # benchmark as decided (the item and tier named, the item in the table), not refused here for its
            # range or a missing reason — supervision raises that (M15–M18), which a refused push would hide.
            services.document_record(case=case, form=form.code, elements=elements, actor=actor,
                                     external_id=doc.get("external_id", ""), fine_gate=False)
        target = data.get("stage")
        if target:
            if target not in STAGE_ORDER:
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, f"未知的阶段：{target}")
            while STAGE_ORDER.index(case.stage) < STAGE_ORDER.index(target):
                case = _advance(case, actor, data)
        for hook in PUSH_HOOKS:
            hook(case, data, actor)
        return case, created
