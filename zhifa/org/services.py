"""Every write to the organisation registry (STYLE habit 1). Keyword-only, with the actor.

Permission checks come first, outside any transaction the service opens, so that the record of a
denial is not rolled back together with the refused write.
"""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhifa.core import idnumbers
from zhifa.core.errors import ZhifaError
from zhifa.core.permissions import STAFF_ROLES, Role
from zhifa.ledger.services import record_event

from . import events
from . import permissions as perms
from .errors import OrgErrorCode
from .models import (
    LEVEL_PARENT,
    ActionType,
    Adviser,
    AdviserLoan,
    Agency,
    AgencyKind,
    AgencyStatus,
    Certificate,
    CertificateSuspension,
    Field,
    Jurisdiction,
    Person,
    RoleGrant,
    Unit,
    UnitKind,
)

# KY and AZ-V §7: reviewers "in principle not fewer than 5 %" of the agency's officers. Every
# document that states the ratio states 5 %; should a jurisdiction set another, it moves to rules.
REVIEWER_RATIO_MIN = Decimal("0.05")

AGENCY_FIELDS = {
    "name", "kind", "field", "credit_code", "office_address", "mailing_address", "enquiry_phone",
    "supervision_phone", "duties", "enforcement_types", "enforcement_area", "upper_agency", "entrusted_by",
    # Issue 18 §2: what the standard documents print (the seal image is a file, set where files are handled).
    "abbreviation", "fine_collector", "reconsideration_organ", "litigation_court",
}


def _system(actor) -> bool:
    """Seeding and migrations run without an actor; every user-driven call passes one."""
    return actor is None


def jurisdiction_create(
    *, name: str, code: str, level: str, parent: Jurisdiction | None, actor=None, justice_bureau_name: str | None = None,
) -> Jurisdiction:
    """Add a node to the tree together with its justice bureau (ORG-01: each level has one), confirmed."""
    if not _system(actor) and not actor.is_superuser:
        perms.deny(actor, "org.manage_jurisdictions", detail=name)
    expected_parent_level = LEVEL_PARENT[level]
    if (parent is None) != (expected_parent_level is None) or (parent and parent.level != expected_parent_level):
        raise ZhifaError(OrgErrorCode.JURISDICTION_LEVEL, "行政区划层级不符：自治区/省为根，盟/市属于自治区/省，旗/县/区属于盟/市。")
    if Jurisdiction.objects.filter(code=code).exists():
        raise ZhifaError(OrgErrorCode.DUPLICATE, f"行政区划代码 {code} 已被登记。")
    with transaction.atomic():
        node = Jurisdiction.objects.create(name=name, code=code, level=level, parent=parent, path=f"tmp-{code}")
        node.path = f"{parent.path if parent else '/'}{node.pk}/"
        node.save(update_fields=["path"])
        default = f"{name}司法{'厅' if level == 'region' else '局'}"
        Agency.objects.create(
            name=justice_bureau_name or default, kind=AgencyKind.ORGAN, field=Field.JUSTICE, jurisdiction=node,
            is_justice_bureau=True, status=AgencyStatus.CONFIRMED, enforcement_area=name,
            duties="负责本行政区域行政执法工作的组织指导和监督检查。",
        )
        record_event(events.JURISDICTION_CREATED, subject=f"org.jurisdiction:{node.pk}", actor=actor,
                     payload={"name": name, "code": code, "level": level, "parent": parent.code if parent else None})
        return node


def _credit_code_normalised(fields: dict) -> dict:
    """An agency's credit code is optional; when given it must pass GB 32100 (core.idnumbers), stored normalised."""
    if not fields.get("credit_code"):
        return fields
    checked = idnumbers.check_credit_code(fields["credit_code"])
    if not checked.ok:
        raise ZhifaError(OrgErrorCode.CREDIT_CODE_INVALID, checked.message, details=checked.details())
    return fields | {"credit_code": checked.number}


def _validate_agency(fields: dict) -> None:
    if fields.get("kind") == AgencyKind.ENTRUSTED and not fields.get("entrusted_by"):
        raise ZhifaError(OrgErrorCode.AGENCY_ENTRUSTER_REQUIRED, "受委托组织必须写明委托机关。")
    bad = [t for t in fields.get("enforcement_types", []) if t not in ActionType.values]
    if bad:
        raise ZhifaError(OrgErrorCode.IMPORT_INVALID, f"未知的执法类型：{'、'.join(bad)}。")


def agency_create(*, jurisdiction: Jurisdiction, actor, is_justice_bureau: bool = False, **fields) -> Agency:
    """Register an agency. It stays pending until the justice bureau of its level confirms it (AZ-P §9)."""
    if not _system(actor):
        perms.require(actor, "org.confirm_agency", jurisdiction=jurisdiction)
    unknown = set(fields) - AGENCY_FIELDS
    if unknown:
        raise TypeError(f"unknown agency fields: {unknown}")
    _validate_agency(fields)
    fields = _credit_code_normalised(fields)
    try:
        with transaction.atomic():
            agency = Agency.objects.create(jurisdiction=jurisdiction, is_justice_bureau=is_justice_bureau, **fields)
            record_event(events.AGENCY_REGISTERED, subject=f"org.agency:{agency.pk}", actor=actor,
                         payload={"jurisdiction": jurisdiction.code, **_agency_payload(agency)})
            return agency
    except IntegrityError as exc:
        raise ZhifaError(OrgErrorCode.DUPLICATE, f"{jurisdiction}已有名为“{fields.get('name')}”的执法主体。") from exc


def agency_update(*, agency: Agency, actor, **fields) -> Agency:
    perms.require(actor, "org.manage", agency=agency)
    unknown = set(fields) - AGENCY_FIELDS
    if unknown:
        raise TypeError(f"unknown agency fields: {unknown}")
    merged = {f: getattr(agency, f) for f in ("kind", "enforcement_types", "entrusted_by")} | fields
    _validate_agency(merged)
    fields = _credit_code_normalised(fields)
    for key, value in fields.items():
        setattr(agency, key, value)
    with transaction.atomic():
        agency.save()
        record_event(events.AGENCY_UPDATED, subject=f"org.agency:{agency.pk}", actor=actor,
                     payload={"changed": sorted(fields), **_agency_payload(agency)})
    return agency


def _agency_payload(agency: Agency) -> dict:
    return {
        "name": agency.name, "kind": agency.kind, "field": agency.field, "office_address": agency.office_address,
        "mailing_address": agency.mailing_address, "enquiry_phone": agency.enquiry_phone,
        "supervision_phone": agency.supervision_phone, "duties": agency.duties,
        "enforcement_types": list(agency.enforcement_types), "enforcement_area": agency.enforcement_area,
        "entrusted_by": agency.entrusted_by_id, "abbreviation": agency.abbreviation,
        "fine_collector": agency.fine_collector, "reconsideration_organ": agency.reconsideration_organ,
        "litigation_court": agency.litigation_court,
    }


def agency_confirm(*, agency: Agency, actor) -> Agency:
    """The justice bureau of the agency's own level confirms its status (AZ-P §9: 确认本级执法主体资格)."""
    perms.require(actor, "org.confirm_agency", agency=agency)
    if not actor.is_superuser:
        own_level = any(
            g.role == Role.SUPERVISOR and g.jurisdiction_path == agency.jurisdiction.path for g in perms.grants_of(actor)
        )
        if not own_level:
            perms.record_denial(actor, "org.confirm_agency", detail=f"agency {agency.pk}: not its own level")
            raise ZhifaError(OrgErrorCode.AGENCY_NOT_SAME_LEVEL, "执法主体资格由其所在行政区划的司法行政部门确认。", status=403)
    with transaction.atomic():
        agency = Agency.objects.select_for_update(of=("self",)).select_related("jurisdiction").get(pk=agency.pk)
        if agency.status == AgencyStatus.CONFIRMED:
            raise ZhifaError(OrgErrorCode.AGENCY_ALREADY_CONFIRMED, "该执法主体资格已经确认。")
        agency.status = AgencyStatus.CONFIRMED
        agency.confirmed_at = timezone.now()
        agency.confirmed_by = actor
        agency.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at"])
        record_event(events.AGENCY_CONFIRMED, subject=f"org.agency:{agency.pk}", actor=actor,
                     payload={"name": agency.name, "jurisdiction": agency.jurisdiction.code})
        return agency


def unit_create(*, agency: Agency, name: str, kind: str, duties: str = "", actor) -> Unit:
    if not _system(actor):
        perms.require(actor, "org.manage", agency=agency)
    try:
        with transaction.atomic():
            return Unit.objects.create(agency=agency, name=name, kind=kind, duties=duties)
    except IntegrityError as exc:
        raise ZhifaError(OrgErrorCode.DUPLICATE, f"{agency}已有名为“{name}”的内设机构。") from exc


def _check_reviewer(person_fields: dict, unit: Unit | None) -> None:
    if not person_fields.get("is_reviewer"):
        return
    # IM-M §27: review staff sit in the review unit, separate from case handling.
    if unit is None or unit.kind != UnitKind.REVIEW:
        raise ZhifaError(OrgErrorCode.REVIEWER_NOT_IN_REVIEW_UNIT, "法制审核人员应当在法制审核机构任职（国办发〔2018〕118号“明确审核机构”）。")
    # IM-M §28: a first-time reviewer needs the national legal professional qualification.
    if not person_fields.get("legal_qualification_number"):
        raise ZhifaError(OrgErrorCode.REVIEWER_NOT_QUALIFIED, "初次从事法制审核工作的人员应当取得国家统一法律职业资格（《中华人民共和国行政处罚法》第五十八条第二款）。")


def person_create(*, agency: Agency, name: str, actor, unit: Unit | None = None, user=None, **fields) -> Person:
    if not _system(actor):
        perms.require(actor, "org.manage", agency=agency)
    if unit is not None and unit.agency_id != agency.pk:
        raise ZhifaError(OrgErrorCode.UNIT_AGENCY_MISMATCH, "内设机构不属于该执法主体。")
    _check_reviewer(fields, unit)
    with transaction.atomic():
        person = Person.objects.create(agency=agency, name=name, unit=unit, user=user, **fields)
        record_event(events.PERSON_CREATED, subject=f"org.person:{person.pk}", actor=actor,
                     payload={"name": name, "agency": agency.pk, "unit": unit.pk if unit else None,
                              "is_reviewer": bool(fields.get("is_reviewer"))})
        return person


def person_update(*, person: Person, actor, **fields) -> Person:
    perms.require(actor, "org.manage", agency=person.agency)
    unit = fields.get("unit", person.unit)
    if unit is not None and unit.agency_id != person.agency_id:
        raise ZhifaError(OrgErrorCode.UNIT_AGENCY_MISMATCH, "内设机构不属于该执法主体。")
    merged = {
        "is_reviewer": fields.get("is_reviewer", person.is_reviewer),
        "legal_qualification_number": fields.get("legal_qualification_number", person.legal_qualification_number),
    }
    _check_reviewer(merged, unit)
    for key, value in fields.items():
        setattr(person, key, value)
    with transaction.atomic():
        person.save()
        record_event(events.PERSON_UPDATED, subject=f"org.person:{person.pk}", actor=actor,
                     payload={"changed": sorted(fields), "unit": person.unit_id, "is_reviewer": person.is_reviewer})
    return person


def certificate_issue(
    *, person: Person, number: str, category: str, area: Jurisdiction, valid_from: dt.date, valid_to: dt.date,
    actor, issued_by: Agency | None = None,
) -> Certificate:
    """Record an enforcement certificate issued by the justice bureau (IM-M §3; NM 持证上岗)."""
    if not _system(actor):
        perms.require(actor, "org.manage_certificates", agency=person.agency)
    if valid_to < valid_from:
        raise ZhifaError(OrgErrorCode.CERTIFICATE_PERIOD, "证件有效期截止日期早于起始日期。")
    try:
        with transaction.atomic():
            cert = Certificate.objects.create(
                person=person, number=number.strip(), category=category, area=area,
                valid_from=valid_from, valid_to=valid_to, issued_by=issued_by,
            )
            record_event(events.CERTIFICATE_ISSUED, subject=f"org.certificate:{cert.number}", actor=actor,
                         payload={"person": person.pk, "category": category, "area": area.code,
                                  "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()})
            return cert
    except IntegrityError as exc:
        raise ZhifaError(OrgErrorCode.DUPLICATE, f"执法证号 {number} 已被登记。") from exc


def certificate_revoke(*, certificate: Certificate, reason: str, actor) -> Certificate:
    perms.require(actor, "org.manage_certificates", agency=certificate.person.agency)
    if not reason.strip():
        raise ZhifaError(OrgErrorCode.IMPORT_INVALID, "请填写注销原因。")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise ZhifaError(OrgErrorCode.CERTIFICATE_REVOKED, "该证件已经注销。")
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason.strip()
        certificate.save(update_fields=["revoked_at", "revoked_reason"])
        record_event(events.CERTIFICATE_REVOKED, subject=f"org.certificate:{certificate.number}", actor=actor,
                     payload={"reason": certificate.revoked_reason})
        return certificate


SUSPENSION_REASON_MAX = CertificateSuspension._meta.get_field("reason").max_length


def certificate_suspend(*, certificate: Certificate, starts_on: dt.date, reason: str, actor,
                        ends_on: dt.date | None = None) -> CertificateSuspension:
    """Withhold (暂扣) a certificate from `starts_on` through `ends_on` (or until lifted). Meanwhile its holder may not
    open a case, be assigned or appear in an enforcement record (ORG-03; selectors.officer_eligibility). Issued and
    withheld by the justice bureau that manages certificates (IM-M §3)."""
    perms.require(actor, "org.manage_certificates", agency=certificate.person.agency)
    reason = reason.strip()
    if not reason:
        raise ZhifaError(OrgErrorCode.SUSPENSION_INVALID, "请填写暂扣原因。")
    if len(reason) > SUSPENSION_REASON_MAX:
        raise ZhifaError(OrgErrorCode.SUSPENSION_INVALID, f"暂扣原因不能超过 {SUSPENSION_REASON_MAX} 个字。")
    if ends_on is not None and ends_on < starts_on:
        raise ZhifaError(OrgErrorCode.SUSPENSION_INVALID, "暂扣截止日期早于起始日期。")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise ZhifaError(OrgErrorCode.CERTIFICATE_REVOKED, f"执法证 {certificate.number} 已经注销，无须暂扣。")
        for other in certificate.suspensions.all():
            other_end = other.effective_end
            if other_end is not None and other_end < other.starts_on:
                continue  # lifted on its first day: it never covered a day
            if (other_end is None or starts_on <= other_end) and (ends_on is None or other.starts_on <= ends_on):
                raise ZhifaError(OrgErrorCode.SUSPENSION_OVERLAPS,
                                 f"执法证 {certificate.number} 在该期间已被暂扣（{other.starts_on:%Y-%m-%d} 起）。")
        suspension = CertificateSuspension.objects.create(certificate=certificate, starts_on=starts_on, ends_on=ends_on,
                                                          reason=reason, recorded_by=actor)
        record_event(events.CERTIFICATE_SUSPENDED, subject=f"org.certificate:{certificate.number}", actor=actor,
                     payload={"suspension": suspension.pk, "person": certificate.person_id,
                              "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat() if ends_on else None,
                              "reason": reason})
        return suspension


def certificate_suspension_lift(*, suspension: CertificateSuspension, lifted_on: dt.date, reason: str,
                                actor) -> CertificateSuspension:
    """Lift a suspension: the certificate is in force again from `lifted_on`. Recorded once; the suspension row
    and its log entry stay as they were (habit 6)."""
    perms.require(actor, "org.manage_certificates", agency=suspension.certificate.person.agency)
    reason = reason.strip()
    if not reason:
        raise ZhifaError(OrgErrorCode.SUSPENSION_INVALID, "请填写解除暂扣的原因。")
    if len(reason) > SUSPENSION_REASON_MAX:
        raise ZhifaError(OrgErrorCode.SUSPENSION_INVALID, f"解除原因不能超过 {SUSPENSION_REASON_MAX} 个字。")
    with transaction.atomic():
        suspension = (CertificateSuspension.objects.select_for_update(of=("self",)).select_related("certificate")
                      .get(pk=suspension.pk))
        if suspension.lifted_on is not None:
            raise ZhifaError(OrgErrorCode.SUSPENSION_LIFTED, f"该暂扣已于 {suspension.lifted_on:%Y-%m-%d} 解除。")
        if lifted_on < suspension.starts_on or (suspension.ends_on is not None and lifted_on > suspension.ends_on):
            raise ZhifaError(OrgErrorCode.SUSPENSION_INVALID, "解除日期应在暂扣期间内。")
        suspension.lifted_on, suspension.lift_reason = lifted_on, reason
        suspension.lifted_by, suspension.lifted_at = actor, timezone.now()
        suspension.save(update_fields=["lifted_on", "lift_reason", "lifted_by", "lifted_at"])
        record_event(events.CERTIFICATE_SUSPENSION_LIFTED, subject=f"org.certificate:{suspension.certificate.number}",
                     actor=actor, payload={"suspension": suspension.pk, "lifted_on": lifted_on.isoformat(),
                                           "reason": reason})
        return suspension


def adviser_lend(*, adviser: Adviser, agency: Agency, starts_on: dt.date, ends_on: dt.date, reason: str, actor) -> AdviserLoan:
    """Lend a pooled legal adviser or public lawyer to an agency of the same system (KY; IM-P)."""
    perms.require(actor, "org.lend_advisers", agency=agency)
    if not adviser.active:
        raise ZhifaError(OrgErrorCode.ADVISER_INACTIVE, "该法律顾问/公职律师目前不可调用。")
    if adviser.field != agency.field:
        raise ZhifaError(OrgErrorCode.ADVISER_WRONG_FIELD, "只能在本系统内统筹调用法律顾问和公职律师。")
    if not agency.jurisdiction.path.startswith(adviser.pool_jurisdiction.path):
        raise ZhifaError(OrgErrorCode.ADVISER_OUT_OF_POOL, "该执法主体不在此人员的统筹调用范围内。")
    if ends_on < starts_on:
        raise ZhifaError(OrgErrorCode.LOAN_PERIOD, "调用截止日期早于起始日期。")
    if not reason.strip():
        raise ZhifaError(OrgErrorCode.LOAN_PERIOD, "请填写调用事由。")
    with transaction.atomic():
        loan = AdviserLoan.objects.create(
            adviser=adviser, agency=agency, starts_on=starts_on, ends_on=ends_on, reason=reason.strip(), approved_by=actor
        )
        record_event(events.ADVISER_LENT, subject=f"org.agency:{agency.pk}", actor=actor,
                     payload={"adviser": adviser.pk, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                              "reason": loan.reason})
        return loan


def role_grant(*, user, role: str, actor, agency: Agency | None = None, jurisdiction: Jurisdiction | None = None) -> RoleGrant:
    """Grant a role for one agency or one jurisdiction subtree.

    Agency staff roles are granted by whoever manages the agency; grants over a jurisdiction
    (supervisors, state organs) only by a system administrator.
    """
    if (agency is None) == (jurisdiction is None):
        raise ZhifaError(OrgErrorCode.GRANT_SCOPE, "授权范围必须是一个执法主体或一个行政区划，二者选一。")
    if role == Role.SUPERVISOR and agency is not None:
        raise ZhifaError(OrgErrorCode.GRANT_SCOPE, "司法行政监督人员的授权范围应为行政区划。")
    if not _system(actor) and not actor.is_superuser:
        if jurisdiction is not None or role not in STAFF_ROLES:
            perms.deny(actor, "org.grant_roles", detail=f"{role} {jurisdiction or agency}")
        perms.require(actor, "org.manage", agency=agency)
    with transaction.atomic():
        grant = RoleGrant.objects.create(user=user, role=role, agency=agency, jurisdiction=jurisdiction, granted_by=actor)
        record_event(events.ROLE_GRANTED, subject=f"auth.user:{user.pk}", actor=actor,
                     payload={"role": role, "agency": agency.pk if agency else None,
                              "jurisdiction": jurisdiction.code if jurisdiction else None})
    perms.forget_grants(user)
    return grant


def role_revoke(*, grant: RoleGrant, actor) -> RoleGrant:
    if not actor.is_superuser:
        if grant.agency is None:
            perms.deny(actor, "org.grant_roles", detail=str(grant))
        perms.require(actor, "org.manage", agency=grant.agency)
    grant.revoked_at = timezone.now()
    with transaction.atomic():
        grant.save(update_fields=["revoked_at"])
        record_event(events.ROLE_REVOKED, subject=f"auth.user:{grant.user_id}", actor=actor,
                     payload={"grant": grant.pk, "role": grant.role})
    perms.forget_grants(grant.user)
    return grant
