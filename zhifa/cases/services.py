"""Every write to cases: one atomic service per step, logged in the same transaction (STYLE habit 2)."""

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhifa.core import bounds, idnumbers
from zhifa.core import workflow as wf
from zhifa.core.errors import CoreErrorCode, WrongStateError, ZhifaError
from zhifa.ledger.services import evidence_put, identifier_commitment
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType, Agency, AgencyStatus, Jurisdiction, Person, Unit, UnitKind
from zhifa.org.selectors import officer_assert_eligible

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


def party_add(*, case: Case, kind: str, name: str, id_number: str, actor, address: str = "", phone: str = "",
              external_id: str = "") -> Party:
    """Register a party. Its number is checked by `core.idnumbers`; the returned party carries `id_warnings`
    (code → message, e.g. an address code no table lists), which never block and are for the caller to show."""
    org_perms.require(actor, "cases.handle", agency=case.agency)
    _not_archived(case)
    if kind not in PartyKind.values or not name.strip():
        raise ZhifaError(CaseErrorCode.BAD_PARTY_ID, "请填写当事人类别和姓名（名称）。")
    checked = (idnumbers.check_resident_id(id_number, today=timezone.localdate()) if kind == PartyKind.NATURAL
               else idnumbers.check_credit_code(id_number))
    if not checked.ok:
        raise ZhifaError(CaseErrorCode.BAD_PARTY_ID, checked.message, details=checked.details())
    id_number = checked.number
    with transaction.atomic():
        party = Party.objects.create(case=case, kind=kind, name=name.strip(), id_number=id_number,
                                     address=address.strip(), phone=phone.strip(), external_id=external_id)
        # The log keeps a digest of the ID number, not the number: the leaf stays publishable.
        events.party_added(case, actor=actor, party=party.pk, kind=kind, name=party.name,
                           id_hmac=identifier_commitment(id_number), id_warnings=sorted(checked.warnings))
        party.id_warnings = checked.warnings
        return party


def officer_assign(*, case: Case, person: Person, actor, on: dt.date | None = None) -> CaseOfficer:
    """Only an officer of the agency holding a valid certificate of the case's field covering its place (ORG-03)."""
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
    if form.on_site:
        if len(clean.get("officers", [])) < 2:
            raise ZhifaError(CaseErrorCode.TOO_FEW_OFFICERS, "现场执法应当有两名以上持证执法人员（行政处罚法第四十二条）。")
        if not (clean.get("certificate_shown") and clean.get("rights_told")):
            raise ZhifaError(CaseErrorCode.NOT_SHOWN_OR_TOLD,
                             "现场执法应当出示执法证件，并告知执法事由、依据、权利义务和救济途径（IM-M 第九条），并在笔录中载明。")
    return clean


def document_record(*, case: Case, form: str, elements: dict, actor, supersedes: Document | None = None,
                    correction_reason: str = "", external_id: str = "") -> Document:
    """Record a text record, validated on entry; a correction is a new version (habit 6)."""
    org_perms.require(actor, "cases.handle", agency=case.agency)
    if form in FORMS and FORMS[form].system:
        raise ZhifaError(CaseErrorCode.UNKNOWN_FORM, f"《{FORMS[form].title}》由系统在相应环节生成，不能手工制作。")
    return _document_write(case=case, form=form, elements=elements, actor=actor, supersedes=supersedes,
                           correction_reason=correction_reason, external_id=external_id)


def system_document_record(*, case: Case, form: str, elements: dict, actor) -> Document:
    """A document an upper app's service writes into the case file (the review opinion, REV-07). That
    service has checked its own permission (a reviewer does not handle cases); only `system` forms."""
    if form not in FORMS or not FORMS[form].system:
        raise ZhifaError(CaseErrorCode.UNKNOWN_FORM, f"未知的系统文书类型：{form}")
    return _document_write(case=case, form=form, elements=elements, actor=actor)


def _document_write(*, case, form, elements, actor, supersedes=None, correction_reason="", external_id=""):
    _not_archived(case)
    clean = _validate_elements(case, form, elements)
    for check in workflow.RECORD_CHECKS:  # review: no service or execution of an unreviewed major decision
        check(case, form)
    # A system form (the review opinion) is written when its own workflow says so: a decision re-reviewed after
    # a correction at the service stage gets its opinion there.
    if FORMS[form].stage != case.stage and supersedes is None and not FORMS[form].system:
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


def _ready(case: Case) -> None:
    """What the move needs besides the stage: the records the table requires, the simplified procedure's limits
    and the checks the apps above register (records: AV coverage; review: the gate)."""
    missing = selectors.missing_for_next_stage(case)
    if missing:
        raise ZhifaError(CaseErrorCode.DOCUMENTS_MISSING,
                         f"尚缺：{'；'.join(selectors.describe_group(g) for g in missing)}，不能进入下一阶段。",
                         details={"missing": [list(g) for g in missing]})
    if case.stage in workflow.DECIDED_FROM:
        # 行政处罚法 第五十一条: however the draft got here (page, push, a later correction).
        problems = decisions.simplified_problems(case, selectors.current_documents(case))
        if problems:
            raise ZhifaError(CaseErrorCode.PROCEDURE_NOT_ALLOWED, "；".join(problems) + "，不能进入下一阶段。",
                             details={"problems": problems})
    problems = [p for check in workflow.ADVANCE_CHECKS for p in check(case)]
    if problems:
        raise ZhifaError(CaseErrorCode.RECORDING_MISSING, "；".join(problems) + "，不能进入下一阶段。",
                         details={"problems": problems})


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
    case = document.case
    title = FORMS[document.form].title
    if kind == Rendition.PDF:
        data, signer = signing.sign_pdf(rendering.render_pdf(document), agency=case.agency,
                                        reason=f"{title}（{case.number}）", location=case.place.name)
        content_type = "application/pdf"
    else:
        data, signer = rendering.render_docx(document), ""
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    put = evidence_put(ContentFile(data, name=f"{case.number}-{document.form}-v{document.version}.{kind}"),
                       actor=actor, content_type=content_type)
    try:
        with transaction.atomic():
            entry = events.document_issued(case, actor=actor, document=document.pk, form=document.form,
                                           version=document.version, kind=kind, sha256=put.blob.sha256,
                                           signer_sha256=signer)
            return DocumentRendition.objects.create(document=document, kind=kind, blob=put.blob, signer_sha256=signer,
                                                    issued_by=actor, entry=entry)
    except IntegrityError:  # issued concurrently: the first one stands
        return DocumentRendition.objects.get(document=document, kind=kind)
