"""Every write to cases: one atomic service per step, logged in the same transaction (STYLE habit 2)."""

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhifa.core import bounds, idnumbers
from zhifa.core import workflow as wf
from zhifa.core.errors import CoreErrorCode, WrongStateError, ZhifaError
from zhifa.core.permissions import Role
from zhifa.discretion import checks as discretion_checks
from zhifa.discretion import selectors as discretion_selectors
from zhifa.discretion import services as discretion_services
from zhifa.discretion.errors import DiscretionErrorCode
from zhifa.discretion.models import Harm, Tier
from zhifa.ledger.services import evidence_put, identifier_commitment
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType, Agency, AgencyStatus, Jurisdiction, Person, Unit, UnitKind
from zhifa.org.selectors import officer_assert_eligible, officer_eligibility

from . import decisions, events, rendering, selectors, signing, workflow
from .doctypes import FORMS
from .errors import CaseErrorCode
from .models import (
    Case,
    CaseOfficer,
    Consultation,
    Document,
    DocumentRendition,
    Party,
    PartyKind,
    Procedure,
    Rendition,
    Stage,
    StageChange,
)

# Tolerance for clocks of field devices when a record's time is checked against "now".
CLOCK_SKEW = dt.timedelta(minutes=10)
# The longest text element of a standard form (a long 询问笔录 runs to a few thousand characters).
ELEMENT_MAX_CHARS = 10_000
# A "days" element (an extension of a time limit) is a whole number of days, at most ten years of them.
MAX_DAYS = 3650
# A consultation reason says something: "查" is not a reason (REC-15).
CONSULTATION_REASON_MIN = 4


def _not_archived(case: Case) -> None:
    if case.stage == Stage.ARCHIVE:
        raise ZhifaError(CaseErrorCode.ARCHIVED, "案件已归档，案卷已封存，不能再修改。")


def case_open(*, agency: Agency, handling_unit: Unit, title: str, action_type: str, procedure: str,
              place: Jurisdiction, legal_basis: str, actor, external_system: str = "", external_id: str = "") -> Case:
    """立案: a new case in the start stage, numbered per agency and year."""
    org_perms.require(actor, "cases.handle", agency=agency)
    if agency.status != AgencyStatus.CONFIRMED:
        raise ZhifaError(CaseErrorCode.AGENCY_NOT_CONFIRMED, "该执法主体资格尚未经司法行政部门确认，不能办理案件。")
    if handling_unit.agency_id != agency.pk or handling_unit.kind != UnitKind.HANDLING:
        raise ZhifaError(CaseErrorCode.UNIT_NOT_HANDLING, "承办机构应为本机关的执法承办机构。")
    if not place.path.startswith(agency.jurisdiction.path):
        raise ZhifaError(CaseErrorCode.PLACE_OUTSIDE_AREA, f"执法地点{place.name}不在{agency.name}的管辖区域内。")
    if action_type not in ActionType.values:
        # A closed set at every door (page, API, push): an unknown type would slip past every rule keyed on it.
        raise ZhifaError(CaseErrorCode.ACTION_TYPE_INVALID,
                         f"执法行为类别应为：{'、'.join(ActionType.labels)}。", details={"allowed": ActionType.values})
    if procedure not in Procedure.values:
        raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "程序应为简易程序或普通程序。")
    if procedure == Procedure.SIMPLIFIED and action_type not in decisions.SIMPLIFIED_ACTION_TYPES:
        raise ZhifaError(CaseErrorCode.PROCEDURE_NOT_ALLOWED,
                         f"{ActionType(action_type).label}没有简易程序，应当适用普通程序（{decisions.ART_51}）。")
    if not title.strip() or not legal_basis.strip():
        raise ZhifaError(CaseErrorCode.ELEMENT_MISSING, "请填写案由和法律依据。")
    _opener_certified(agency=agency, place=place, actor=actor, on=timezone.localdate())
    with transaction.atomic():
        Agency.objects.select_for_update(of=("self",)).filter(pk=agency.pk).first()  # serialise numbering
        year = timezone.localdate().year
        prefix = f"{year}-"
        last = (Case.objects.filter(agency=agency, number__startswith=prefix).order_by("-number")
                .values_list("number", flat=True).first())
        number = f"{prefix}{(int(last.split('-')[1]) + 1) if last else 1:05d}"
        case = Case.objects.create(
            agency=agency, handling_unit=handling_unit, number=number, title=title.strip(), action_type=action_type,
            procedure=procedure, place=place, legal_basis=legal_basis.strip(), opened_by=actor,
            external_system=external_system, external_id=external_id,
        )
        events.case_opened(case, actor=actor, agency=agency.pk, number=number, title=case.title,
                           action_type=action_type, procedure=procedure, place=place.code,
                           legal_basis=case.legal_basis)
        return case


def opener_eligibility(*, agency: Agency, place: Jurisdiction, actor, on: dt.date):
    """ORG-03 (持证上岗): whether `actor` may open a case of `agency` at `place` on `on` — (the actor's person, its
    org.selectors.officer_eligibility) for an actor who is held, None for one who is not. An officer opening a case
    does enforcement work, so a certificate of the agency's field that covers the place must be in force on the day.
    Expired, revoked, suspended, out of area or of another category, or review staff (ORG-04), the opening is refused
    with the reason (2026-00010 was opened by an officer whose certificate had expired); /cases/new/ says it up front.

    Who is held: a person registered in this agency's staff (org.Person) who acts in it as an enforcement officer —
    holding its officer role, or holding certificates. A head or a clerk with neither, and an account that is no
    registered person (a system pushing cases from another platform), does no enforcement by opening; the officers
    who do are held at assignment and on every enforcement record."""
    if actor is None or not getattr(actor, "pk", None):
        return None
    person = Person.objects.filter(user=actor, agency=agency, user__isnull=False).select_related("unit").first()
    if person is None:
        return None
    acts_as_officer = any(g.role == Role.OFFICER and g.agency_id == agency.pk for g in org_perms.grants_of(actor))
    if acts_as_officer or person.certificates.exists():
        return person, officer_eligibility(person, field=agency.field, jurisdiction=place, on=on)
    return None


def _opener_certified(*, agency: Agency, place: Jurisdiction, actor, on: dt.date) -> None:
    held = opener_eligibility(agency=agency, place=place, actor=actor, on=on)
    if held is not None and not (result := held[1]).ok:
        raise ZhifaError(result.code, result.message,
                         details={"person": held[0].pk, "on": on.isoformat(),
                                  "certificate": result.certificate.number if result.certificate else None})


def party_add(*, case: Case, kind: str, name: str, id_number: str, actor, address: str = "", phone: str = "",
              legal_representative: str = "", external_id: str = "") -> Party:
    """Register a party. Its number is checked by `core.idnumbers`; the returned party carries `id_warnings`
    (code → message, e.g. an address code no table lists), which never block and are for the caller to show."""
    org_perms.require(actor, "cases.handle", agency=case.agency)
    _not_archived(case)
    if kind not in PartyKind.values or not name.strip():
        raise ZhifaError(CaseErrorCode.BAD_PARTY_ID, "请填写当事人类别和姓名（名称）。")
    _party_text_bounded(name=name, address=address, phone=phone, legal_representative=legal_representative)
    checked = (idnumbers.check_resident_id(id_number, today=timezone.localdate()) if kind == PartyKind.NATURAL
               else idnumbers.check_credit_code(id_number))
    if not checked.ok:
        raise ZhifaError(CaseErrorCode.BAD_PARTY_ID, checked.message, details=checked.details())
    id_number = checked.number
    with transaction.atomic():
        party = Party.objects.create(case=case, kind=kind, name=name.strip(), id_number=id_number,
                                     address=address.strip(), phone=phone.strip(), external_id=external_id,
                                     # A natural person has none; the 决定书's party block prints it (issue 18 §2).
                                     legal_representative="" if kind == PartyKind.NATURAL else legal_representative.strip())
        # The log keeps a digest of the ID number, not the number: the leaf stays publishable.
        events.party_added(case, actor=actor, party=party.pk, kind=kind, name=party.name,
                           id_hmac=identifier_commitment(id_number), id_warnings=sorted(checked.warnings))
        party.id_warnings = checked.warnings
        return party


def _party_text_bounded(**values: str) -> None:
    """Each text the party block prints fits its column, whichever door it came through (page, API, push): a
    101-character 法定代表人 is a 400 naming the field on both databases, said before the ID number is checked
    (review18 finding 18; the limits are the model's, read by `core.bounds`)."""
    problems = {name: problem for name, value in values.items()
                if (problem := bounds.field_problem(Party._meta.get_field(name), value.strip()))}
    if problems:
        raise ZhifaError(CoreErrorCode.INVALID_INPUT, "".join(problems.values()), details=problems)


def officer_assign(*, case: Case, person: Person, actor, on: dt.date | None = None) -> CaseOfficer:
    """Only an officer of the agency holding a valid certificate of the case's field covering its place (ORG-03), and
    never review staff (ORG-04: a reviewer made case officer could review her own case; org.selectors.
    officer_eligibility refuses them with `officer_review_staff`). Page, API and push all come through here."""
    org_perms.require(actor, "cases.handle", agency=case.agency)
    _not_archived(case)
    if person.agency_id != case.agency_id:
        raise ZhifaError(CaseErrorCode.OFFICER_OTHER_AGENCY, f"{person.name}不是{case.agency.name}的执法人员。")
    certificate = officer_assert_eligible(person, field=case.agency.field, jurisdiction=case.place,
                                          on=on or timezone.localdate())
    try:
        with transaction.atomic():
            assignment = CaseOfficer.objects.create(case=case, person=person, certificate_number=certificate.number,
                                                    assigned_by=actor)
            events.officer_assigned(case, actor=actor, person=person.pk, certificate=certificate.number)
            return assignment
    except IntegrityError as exc:
        raise ZhifaError(CaseErrorCode.OFFICER_ALREADY, f"{person.name}已是本案承办人员。") from exc


def _validate_elements(case: Case, form_code: str, elements: dict) -> dict:
    form = FORMS.get(form_code)
    if form is None:
        raise ZhifaError(CaseErrorCode.UNKNOWN_FORM, f"未知的文书类型：{form_code}")
    assigned = set(case.officers.values_list("person_id", flat=True))
    clean, missing = {}, []
    for element in form.elements:
        value = elements.get(element.name)
        if element.kind == "bool":
            clean[element.name] = value in (True, "true", "on", "1", 1)
            continue
        if value in (None, "", []):
            if element.required:
                missing.append(element.label)
            continue
        if element.kind == "datetime":
            try:
                moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
                if not bounds.MIN_YEAR <= moment.year <= bounds.MAX_YEAR:  # year 1 overflows in time zone shifts
                    raise ValueError(value)
            except ValueError:
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, f"“{element.label}”不是有效的时间。") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            if moment > timezone.now() + CLOCK_SKEW:
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, f"“{element.label}”不能晚于现在。")
            clean[element.name] = moment.isoformat()
        elif element.kind == "date":
            try:
                day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip()[:10])
                if not bounds.MIN_YEAR <= day.year <= bounds.MAX_YEAR:
                    raise ValueError(value)
            except ValueError:
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, f"“{element.label}”不是有效的日期。") from None
            if day > timezone.localdate():
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, f"“{element.label}”不能晚于今天。")
            clean[element.name] = day.isoformat()
        elif element.kind == "days":
            text = str(value).strip()
            if isinstance(value, bool) or not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, f"“{element.label}”应为 1 至 {MAX_DAYS} 之间的整数（日）。")
            clean[element.name] = int(text)
        elif element.kind == "money":
            clean[element.name] = _money_element(element, value)
        elif element.kind == "officers":
            try:
                ids = sorted({int(v) for v in (value if isinstance(value, list) else str(value).split(","))})
            except (TypeError, ValueError):  # a JSON body may hold anything: [[1]], [{}], [true]
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "执法人员应为本案承办人员。") from None
            if not set(ids) <= assigned:
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "文书所列执法人员必须是本案已指派的承办人员。")
            clean[element.name] = ids
        elif element.kind == "choice":
            if not isinstance(value, str) or value not in dict(element.choices):
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, f"“{element.label}”的取值无效。")
            clean[element.name] = value
        elif element.kind == "choices":
            picked = value if isinstance(value, list) else [v for v in str(value).split(",") if v]
            if not all(isinstance(v, str) and v in dict(element.choices) for v in picked):
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, f"“{element.label}”含有不在可选范围内的取值。")
            clean[element.name] = sorted(set(picked))
        else:
            text = bounds.normalise(str(value).strip())  # issue 14 §9: one spelling, no hidden controls
            if problem := bounds.invisible_problem(text):
                raise ZhifaError(CoreErrorCode.TEXT_INVISIBLE_CONTROL, f"“{element.label}”{problem}",
                                 details={"element": element.name})
            if len(text) > ELEMENT_MAX_CHARS:  # a JSON element has no column limit: a page of 100 000 characters
                raise ZhifaError(CaseErrorCode.ELEMENT_INVALID,  # stalled the PDF renderer for good
                                 f"“{element.label}”不能超过 {ELEMENT_MAX_CHARS} 个字符（现为 {len(text)} 个）。")
            clean[element.name] = text
    if missing:
        raise ZhifaError(CaseErrorCode.ELEMENT_MISSING, f"《{form.title}》缺少必填要素：{'、'.join(missing)}。",
                         details={"missing": missing})
    if (clean.get("end_time") and clean.get("time")
            and dt.datetime.fromisoformat(clean["end_time"]) < dt.datetime.fromisoformat(clean["time"])):
        raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "“结束时间”不能早于开始时间。")
    if clean.get("violation_end") and clean.get("violation_date") and clean["violation_end"] < clean["violation_date"]:
        raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "“违法行为终了日期”不能早于违法行为发生日期。")
    if form.on_site:
        if len(clean.get("officers", [])) < 2:
            raise ZhifaError(CaseErrorCode.TOO_FEW_OFFICERS, "现场执法应当有两名以上持证执法人员（行政处罚法第四十二条）。")
        if not (clean.get("certificate_shown") and clean.get("rights_told")):
            raise ZhifaError(CaseErrorCode.NOT_SHOWN_OR_TOLD,
                             "现场执法应当出示执法证件，并告知执法事由、依据、权利义务和救济途径（《中华人民共和国行政处罚法》第五十五条；国办发〔2018〕118号“规范事中公示”），并在笔录中载明。")
    return clean


def _officers_certified(case: Case, clean: dict, actor) -> None:
    """ORG-03: every officer a record names did the enforcement work it records, so each needs a certificate in
    force on the day of the work — the record's own time, not the day it is entered (a record typed up on Monday of
    an inspection on Friday is held to Friday) — of the case's field, covering its place.

    The work day is what the user types, so a late entry is also held to the day of entry (review18 finding 1):
    when the work day is earlier than today and a named officer's certificate is no longer in force today, the
    record is entered only by a head who approves the case's steps (承办机构负责人 or 执法机关负责人), who answers
    for it, and never by one of the lapsed officers themselves; `records.findings` lists every such entry."""
    moment = dt.datetime.fromisoformat(clean["time"]) if clean.get("time") else timezone.now()
    on = timezone.localdate(moment)
    people = list(Person.objects.filter(pk__in=clean["officers"]).order_by("pk"))
    for person in people:
        officer_assert_eligible(person, field=case.agency.field, jurisdiction=case.place, on=on)
    today = timezone.localdate()
    if on < today:
        _late_entry_allowed(case, people, actor, work_day=on, today=today)


def _late_entry_allowed(case: Case, people: list, actor, *, work_day: dt.date, today: dt.date) -> None:
    """A record of past work naming an officer whose certificate is not in force today: only a head of the case's
    agency (cases.approve) who is not one of those officers may enter it. The standard forms have no field for a
    late-entry explanation, so the entry itself is the head's attestation; the officer whose certificate lapsed can
    no longer do enforcement work, entering its records included, and could otherwise date a record to before the
    lapse unseen."""
    lapsed = [(person, result) for person in people
              if not (result := officer_eligibility(person, field=case.agency.field, jurisdiction=case.place,
                                                    on=today)).ok]
    if not lapsed:
        return
    lapsed_users = {person.user_id for person, _ in lapsed if person.user_id}
    if (actor is not None and actor.pk not in lapsed_users
            and org_perms.can(actor, "cases.approve", agency=case.agency)):
        return
    person, result = lapsed[0]
    raise ZhifaError(result.code,
                     f"补录 {work_day:%Y-%m-%d} 的执法文书：{result.message.rstrip('。')}。执法证件已失效的，"
                     "此前执法活动的文书应当由承办机构负责人或执法机关负责人核实后录入，录入情况将列入执法全过程记录问题清单。",
                     details={"late_entry": True, "work_day": work_day.isoformat(), "person": person.pk})


def document_record(*, case: Case, form: str, elements: dict, actor, supersedes: Document | None = None,
                    correction_reason: str = "", external_id: str = "", fine_gate: bool = True) -> Document:
    """Record a text record, validated on entry; a correction is a new version (habit 6).

    `fine_gate=False` is for a decision pushed from the agency's own system (interconnect) only: it was decided
    there, so its fine is recorded against the benchmark as it is, for supervision to judge (M15–M18), instead of
    being refused here (_fine_gate)."""
    org_perms.require(actor, "cases.handle", agency=case.agency)
    if form in FORMS and FORMS[form].system:
        raise ZhifaError(CaseErrorCode.UNKNOWN_FORM, f"《{FORMS[form].title}》由系统在相应环节生成，不能手工制作。")
    return _document_write(case=case, form=form, elements=elements, actor=actor, supersedes=supersedes,
                           correction_reason=correction_reason, external_id=external_id, fine_gate=fine_gate)


def system_document_record(*, case: Case, form: str, elements: dict, actor) -> Document:
    """A document an upper app's service writes into the case file (the review opinion, REV-07). That
    service has checked its own permission (a reviewer does not handle cases); only `system` forms."""
    if form not in FORMS or not FORMS[form].system:
        raise ZhifaError(CaseErrorCode.UNKNOWN_FORM, f"未知的系统文书类型：{form}")
    return _document_write(case=case, form=form, elements=elements, actor=actor)


# The words of a decision that name a fine (罚款; 罚金 as some decisions write it): not confiscations (没收违法所得…),
# which the discretion benchmark does not range (行政处罚法 第三十四条 is about the penalty's discretion).
FINE_WORDS = ("罚款", "罚金")


def _fine_of(elements: dict) -> tuple[Decimal, bool]:
    """(the fine a penalty decision imposes, whether it imposes one whose amount cannot be read), read from its
    `penalty` element as decisions.facts_of reads amounts — but only the fine, not 没收违法所得 or 没收非法财物."""
    text = unicodedata.normalize("NFKC", str(elements.get("penalty", "")))
    found = [pair for pair in decisions._amounts(decisions._AFTER_WORD, text) if pair[0] in FINE_WORDS]
    found += [pair for pair in decisions._amounts(decisions._BEFORE_WORD, text) if pair not in found]
    fine = min(sum((a for _w, a in found), Decimal(0)), decisions.AMOUNT_CEILING)
    unreadable = not found and re.search(decisions._NOT + r"(?:罚款|罚金)", text) is not None
    return fine, unreadable


def _money_element(element, value) -> str:
    """A "money" element: yuan, at most two decimals, stored as "12000.00"."""
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace("，", "").strip()
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,12}(?:\.[0-9]{1,2})?", text):
        raise ZhifaError(CaseErrorCode.ELEMENT_INVALID,
                         f"“{element.label}”应为以元为单位的金额，如 12000 或 12000.50，最多两位小数。")
    return f"{Decimal(text):.2f}"


def _fine_gate(case: Case, form: str, clean: dict, *, gate: bool = True) -> dict | None:
    """SUP-07 (行政处罚法 第三十四条; 国办发〔2022〕27号): a penalty decision's fine against the agency's discretion
    benchmark in force on the day of the decision. Runs before the transaction; returns what to record as the
    case's fine assessment (discretion.services.fine_assessment_record, in the transaction that writes the
    document), or None when there is nothing to assess.

    With no table in force nothing is required or checked. With one, a decision that fines (or names an item or a
    tier) names the item of the table and a tier the table sets for it; then a fine outside the statutory range is
    refused (the discretion check's hard errors) and one outside the tier's range needs the written reasons in
    the decision. `gate=False` (a decision pushed from the agency's own system, already made there) asks only what
    the assessment needs — item and tier named, the item in the table — and records the fine as it is."""
    if form != "penalty_decision":
        return None
    on = timezone.localdate(dt.datetime.fromisoformat(clean["time"])) if clean.get("time") else timezone.localdate()
    table = discretion_selectors.table_in_force(case.agency, on)
    if table is None:
        return None
    fine, unreadable = _fine_of(clean)
    if unreadable:
        raise ZhifaError(DiscretionErrorCode.AMOUNT_INVALID,
                         "“处罚种类和依据”写明了罚款，但未写明可以识别的罚款金额（如“罚款人民币20000元”），"
                         "无法按本机关行政裁量权基准校验。")
    item_code, tier = str(clean.get("discretion_item", "")).strip(), clean.get("discretion_tier", "")
    if not (fine > 0 or item_code or tier):
        return None
    labels = {e.name: e.label for e in FORMS[form].elements}
    missing = [labels[name] for name, value in (("discretion_item", item_code), ("discretion_tier", tier)) if not value]
    if missing:
        raise ZhifaError(CaseErrorCode.ELEMENT_MISSING,
                         f"本机关施行《{table.title}》（第{table.version}版），处以罚款的行政处罚决定书应当载明"
                         f"{'、'.join(missing)}。", details={"missing": missing, "table": table.pk})
    _table, item = discretion_selectors.item_in_force(case.agency, item_code, on)
    if item is None:
        raise ZhifaError(DiscretionErrorCode.ITEM_UNKNOWN,
                         f"本机关行政裁量权基准（{table.title} 第{table.version}版）中没有编码为“{item_code}”的事项，"
                         "请按基准填写事项编码。", details={"item": item_code, "table": table.pk})
    base, reasons = clean.get("fine_base_amount"), clean.get("discretion_reasons", "")
    if gate:
        check = discretion_checks.fine_check(agency=case.agency, item_code=item_code, tier=tier, amount=fine, on=on,
                                             base_amount=base)
        if check.hard_errors:  # outside the law first: above the statutory maximum, below its minimum…
            discretion_checks.fine_check_require(check)
        set_tiers = [t.tier for t in item.tiers.all()]
        if tier not in set_tiers:
            allowed = "、".join(Tier(t).label for t in Tier.values if t in set_tiers)
            raise ZhifaError(DiscretionErrorCode.TIER_UNKNOWN,
                             f"本机关行政裁量权基准对事项“{item.code} {item.name}”未设“{Tier(tier).label}”阶次，"
                             f"请选择：{allowed}。", details={"item": item.code, "tiers": set_tiers})
        discretion_checks.fine_check_require(check, reasons=reasons)  # outside the tier: the reasons, or refused
    return {"case_id": case.pk, "agency": case.agency, "item_code": item.code, "tier": tier, "amount": fine,
            "base_amount": base, "reasons": reasons, "first_violation": bool(clean.get("first_violation")),
            "harm": clean.get("harm") or Harm.OTHER, "corrected_in_time": bool(clean.get("corrected_in_time")),
            "decided_on": on}


def _document_write(*, case, form, elements, actor, supersedes=None, correction_reason="", external_id="",
                    fine_gate=True):
    _not_archived(case)
    clean = _validate_elements(case, form, elements)
    for check in workflow.RECORD_CHECKS:  # review: no service or execution of an unreviewed major decision
        check(case, form)
    # A system form (the review opinion) is written when its own workflow says so: a decision re-reviewed after
    # a correction at the service stage gets its opinion there.
    if not FORMS[form].allowed_in(case.stage) and supersedes is None and not FORMS[form].system:
        stages = dict(Stage.choices)
        raise ZhifaError(CaseErrorCode.FORM_WRONG_STAGE,
                         f"《{FORMS[form].title}》属于“{stages[FORMS[form].stage]}”阶段，本案当前为“{stages[case.stage]}”。")
    if supersedes is not None:
        if supersedes.case_id != case.pk or supersedes.form != form:
            raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "只能更正本案同类文书。")
        if not correction_reason.strip():
            raise ZhifaError(CaseErrorCode.CORRECTION_REASON, "更正文书应当写明更正原因。")
    if FORMS[form].decision and case.procedure == Procedure.SIMPLIFIED:
        drafts = [d for d in selectors.current_documents(case) if supersedes is None or d.pk != supersedes.pk]
        problems = decisions.simplified_problems(case, [*drafts, Document(form=form, elements=clean)])
        if problems:
            raise ZhifaError(CaseErrorCode.PROCEDURE_NOT_ALLOWED, "；".join(problems) + "。",
                             details={"problems": problems})
    # SUP-07: the fine against the discretion benchmark (a correction is checked again, and assessed anew).
    assessment = _fine_gate(case, form, clean, gate=fine_gate)
    if clean.get("officers"):  # after the form's own rules: what is wrong with the record itself is said first
        _officers_certified(case, clean, actor)
    with transaction.atomic():
        if supersedes is not None and Document.objects.select_for_update(of=("self",)).filter(
                pk=supersedes.pk, superseded_by__isnull=False).exists():
            raise ZhifaError(CaseErrorCode.ALREADY_SUPERSEDED, "该文书已被更正，请更正其最新版本。")
        entry = events.document_recorded(case, actor=actor, form=form, elements=clean,
                                         supersedes=supersedes.pk if supersedes else None,
                                         correction_reason=correction_reason.strip())
        document = Document.objects.create(
            case=case, form=form, version=(supersedes.version + 1) if supersedes else 1, supersedes=supersedes,
            correction_reason=correction_reason.strip(), elements=clean, recorded_by=actor, entry=entry,
            external_id=external_id,
        )
        if assessment is not None:  # with the document or not at all (M15–M18 read it)
            discretion_services.fine_assessment_record(**assessment, actor=actor)
        for hook in workflow.AFTER_RECORD:
            hook(document, actor)
        return document


def _record(case: Case, move, *, actor, from_state: str, to_state: str, note: str, data: dict, step: str) -> StageChange:
    """The case's step: the stage change row and its ledger event (core.workflow.Workflow.record)."""
    change = StageChange.objects.create(case=case, from_stage=from_state, to_stage=to_state, actor=actor, note=note)
    events.stage_moved(case, move, actor=actor, from_stage=from_state, to_stage=to_state, note=note)
    return change


# The case's table (workflow.TRANSITIONS) bound to its model (issue 17).
CASE = wf.Workflow(name="cases.case", model=Case, state_field="stage", states=Stage, moves=tuple(workflow.TRANSITIONS),
                   noun="案件", agency_of=lambda case: case.agency, record=_record, select_related=("agency",))


def advance_blockers(case: Case, documents: list[Document] | None = None) -> list[ZhifaError]:
    """What refuses the case's next move once the records the table requires are there, each as the refusal it is
    (the one list for the move and for the case page, which shows every reason and disables the button): the
    simplified procedure's limits, the checks the apps above register (records: AV coverage; review: the gate) and,
    for 作出决定, the party the decision names (行政处罚法 第五十九条). case_advance raises the first; each refusal's
    `details["problems"]` are its reasons as sentences."""
    move = workflow.NEXT.get(case.stage)
    if move is None:
        return []
    documents = selectors.current_documents(case) if documents is None else documents
    found: list[ZhifaError] = []
    if case.stage in workflow.DECIDED_FROM:
        # 行政处罚法 第五十一条: however the draft got here (page, push, a later correction).
        if problems := decisions.simplified_problems(case, documents):
            found.append(ZhifaError(CaseErrorCode.PROCEDURE_NOT_ALLOWED, "；".join(problems) + "，不能进入下一阶段。",
                                    details={"problems": problems}))
    problems = []
    for check in workflow.ADVANCE_CHECKS:  # a check returns its problems, or raises its own refusal (review_required)
        try:
            problems += check(case)
        except ZhifaError as exc:
            found.append(exc)
    if problems:
        found.append(ZhifaError(CaseErrorCode.RECORDING_MISSING, "；".join(problems) + "，不能进入下一阶段。",
                                details={"problems": problems}))
    if move.name == "decide" and (problems := decisions.party_problems(case)):
        found.append(ZhifaError(decisions.PARTY_MISSING, "；".join(problems) + "。请先登记当事人，再作出决定。",
                                details={"problems": problems}))
    return found


def _ready(case: Case) -> None:
    """What the move needs besides the stage: the records the table requires, then advance_blockers."""
    missing = selectors.missing_for_next_stage(case)
    if missing:
        raise ZhifaError(CaseErrorCode.DOCUMENTS_MISSING,
                         f"尚缺：{'；'.join(selectors.describe_group(g) for g in missing)}，不能进入下一阶段。",
                         details={"missing": [list(g) for g in missing]})
    if blockers := advance_blockers(case):
        raise blockers[0]


def case_advance(*, case: Case, actor, note: str = "", stage: str = "") -> Case:
    """Move the case to its next stage, if the required records exist and the actor may make the move.

    `stage` is the stage the caller saw (the page's form and the API send it): a move asked for from another stage —
    a second click, a page left open while someone else moved the case — is refused, never applied to the stage the
    case has reached since (a stale "批准立案" would otherwise end the investigation)."""
    move = workflow.NEXT.get(case.stage)
    # Permission first, whatever the stage (core.workflow, step 1): an archived case has no next move, so anyone who
    # may make some move of the table learns that, and anyone else is refused (logged) without learning the stage.
    wf.authorise(CASE, move.name if move else [m.name for m in CASE.moves], case, actor)
    if move is None:
        raise WrongStateError("案件已归档，没有下一阶段。")
    with transaction.atomic():
        case = wf.lock(CASE, case)
        if stage and case.stage != stage:
            raise WrongStateError(f"案件已处于“{case.get_stage_display()}”阶段，页面上的操作已过期，请刷新后再办理。",
                                  details={"stage": case.stage, "expected": stage})
        wf.apply(CASE, move.name, case, actor, note=note[:300], effect=_ready)
        wf.save(CASE, case)
        # After the stage is saved, in the same transaction: a hook may raise to undo the move.
        for hook in workflow.AFTER_ADVANCE:
            hook(case, actor)
        return case


def document_issue(*, document: Document, kind: str, actor, request=None):
    """签发: render a document version (PDF sealed with the agency's PAdES signature, or DOCX), store it in the
    evidence store and log it. Issued once per version and format; later calls return the same file.

    Only someone who signs for the agency (cases.issue_document) issues: the seal is the agency's signature,
    so reading the case is not enough (issue 14 §5). Callers reach this by POST only; reads of an issued file
    go through selectors.issued_rendition and never issue."""
    case = document.case
    org_perms.require(actor, "cases.issue_document", agency=case.agency, request=request,
                      detail=f"document {document.pk} of case {case.pk}")
    if kind not in Rendition.values:
        raise ZhifaError(CaseErrorCode.ELEMENT_INVALID, "文书格式应为 pdf 或 docx。")
    existing = DocumentRendition.objects.filter(document=document, kind=kind).select_related("blob").first()
    if existing is not None:
        return existing
    if Document.objects.filter(supersedes=document).exists():
        # A version no longer in force is never sealed: it would put the agency's seal on what a correction
        # (perhaps an unreviewed one) replaced (REV-01).
        raise ZhifaError(CaseErrorCode.ALREADY_SUPERSEDED, "该文书已被更正，只能签发其现行版本。")
    for check in workflow.ISSUE_CHECKS:  # REV-01: no major decision is signed before its review passed
        check(document)
    # Issue 18 §2: what the agency must set for the document to be printed (履行方式, 救济途径) is checked first;
    # the 文号 is given in _issue, in the transaction that issues the document.
    rendering.require_ready(document)
    return _issue(document, kind, actor)


def consultation_open(*, case: Case, actor, reason: str) -> Consultation:
    """调阅 (REC-15; KY; AZ-R §19): someone outside the case states why they read it. The statement opens the
    case's records to them for settings.ZHIFA_CONSULTATION_MINUTES; who, which case, when and why go to the log.
    The caller has scoped the case (selectors.case_get_for): a consultation never widens what one may see."""
    reason = reason.strip()
    if len(reason) < CONSULTATION_REASON_MIN:
        raise ZhifaError(CaseErrorCode.CONSULTATION_REASON, f"请说明调阅事由（至少 {CONSULTATION_REASON_MIN} 个字）。")
    if len(reason) > Consultation._meta.get_field("reason").max_length:
        raise ZhifaError(CaseErrorCode.CONSULTATION_REASON, "调阅事由不能超过 300 个字。")
    now = timezone.now()
    expires = now + dt.timedelta(minutes=settings.ZHIFA_CONSULTATION_MINUTES)
    with transaction.atomic():
        entry = events.case_consulted(case, actor=actor, reason=reason, number=case.number,
                                      expires_at=expires.isoformat())
        return Consultation.objects.create(case=case, actor=actor, reason=reason, opened_at=now, expires_at=expires,
                                           entry=entry)


def system_document_issue(*, document: Document, actor) -> DocumentRendition:
    """The sealed PDF of a `system` document, for the service that wrote it (its own permission checked)."""
    if not FORMS[document.form].system:
        raise ZhifaError(CaseErrorCode.UNKNOWN_FORM, "只有系统文书可以由系统签发。")
    existing = DocumentRendition.objects.filter(document=document, kind=Rendition.PDF).select_related("blob").first()
    return existing or _issue(document, Rendition.PDF, actor)


def _issue(document: Document, kind: str, actor) -> DocumentRendition:
    """Issue one rendition in one transaction: the 文号 (numbering.ensure_number, the agency's row locked as case_open
    does), the rendering that prints it, the signature, the stored file, the log entry and the row. A failure
    anywhere rolls the number back with the rest, so a serial is never spent on a document that was not issued (a
    stored file left behind is only an unregistered or unreferenced blob; evidence_put is made for that)."""
    from .numbering import ensure_number, first_version  # numbering imports the ledger's services

    case = document.case
    title = FORMS[document.form].title
    with transaction.atomic():
        # One issue of a document (any version, any format) at a time: the second waits and finds the first's.
        Document.objects.select_for_update().filter(pk=first_version(document).pk).first()
        existing = DocumentRendition.objects.filter(document=document, kind=kind).select_related("blob").first()
        if existing is not None:
            return existing
        ensure_number(document, actor=actor)
        pages = None
        if kind == Rendition.PDF:
            pdf = rendering.render_pdf(document)
            pages = rendering.pdf_pages(pdf)
            data, signer = signing.sign_pdf(pdf, agency=case.agency, reason=f"{title}（{case.number}）",
                                            location=case.place.name)
            content_type = "application/pdf"
        else:
            data, signer = rendering.render_docx(document), ""
            content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        put = evidence_put(ContentFile(data, name=f"{case.number}-{document.form}-v{document.version}.{kind}"),
                           actor=actor, content_type=content_type)
        entry = events.document_issued(case, actor=actor, document=document.pk, form=document.form,
                                       version=document.version, kind=kind, sha256=put.blob.sha256,
                                       signer_sha256=signer)
        return DocumentRendition.objects.create(document=document, kind=kind, blob=put.blob, signer_sha256=signer,
                                                pages=pages, issued_by=actor, entry=entry)
