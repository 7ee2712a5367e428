"""Every write to a legal review: one atomic service per step, logged in the same transaction, signed by
the user taking it (REV-12). The moves and who may make them are the table in workflow.py."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhifa.cases import selectors as case_selectors
from zhifa.cases import services as case_services
from zhifa.cases.models import Case, Stage
from zhifa.cases.workflow import DECIDED_FROM
from zhifa.core import workflow as wf
from zhifa.core.errors import WrongStateError, ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Adviser, Agency, AgencyStatus, Level, Person, Unit, UnitKind
from zhifa.rules.catalogue import REVIEW_EXCLUDED, REVIEW_ITEMS
from zhifa.rules.selectors import rule_get, rules_effective

from . import clock, events
from .determination import assess, declared_args, declared_of
from .errors import ReviewErrorCode
from .models import (
    Assignment,
    Catalogue,
    CatalogueFiling,
    CatalogueItem,
    CoSignature,
    Determination,
    JointAgency,
    Opinion,
    Recusal,
    Review,
    Step,
    Submission,
)
from .selectors import (
    active_assignments,
    current_determination,
    materials_collect,
    pauses_of,
    pending_extension,
)
from .workflow import (
    ADOPTED,
    CRITERIA,
    DECISION_FORMS,
    FINDINGS,
    GROUNDS,
    MEASURES,
    MOVES,
    NEW,
    OUTCOME_MOVES,
    PAUSE_ENDED_BY,
    REVIEWED_ACTION_TYPES,
    TRANSITIONS,
    Criterion,
    HeadChoice,
    OpinionKind,
    Outcome,
    State,
)

RULE_KEYS = ("review.time_limit", "review.excluded_periods", "review.items", "review.materials",
             "review.opinion_document")


def _today() -> dt.date:
    return timezone.localdate()


def _money(value, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
        if not amount.is_finite():  # "NaN" and "Infinity" parse, then fail every comparison below (a 500)
            raise InvalidOperation(value)
    except InvalidOperation:
        raise ZhifaError(ReviewErrorCode.DETERMINATION_INVALID, f"“{label}”应为金额（元）。") from None
    if amount < 0 or amount.as_tuple().exponent < -2 or amount >= Decimal("1e12"):
        raise ZhifaError(ReviewErrorCode.DETERMINATION_INVALID, f"“{label}”应为不小于零、最多两位小数的金额（元）。")
    return amount


def _require_reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if len(text) < 4:
        raise ZhifaError(ReviewErrorCode.REASON_REQUIRED, f"请写明{what}（至少 4 个字）。")
    return text


# --- the catalogue (REV-02) ----------------------------------------------------------------------------

def _clean_items(items: list[dict]) -> list[dict]:
    if not items:
        raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, "目录清单至少应有一个事项。")
    clean = []
    for n, item in enumerate(items, 1):
        where = f"第 {n} 项"
        action_type, criterion = item.get("action_type", ""), item.get("criterion", "")
        if action_type not in REVIEWED_ACTION_TYPES:
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：执法行为类别应为许可、处罚、强制或征收征用。")
        if not str(item.get("matter", "")).strip():
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：请填写事项名称。")
        if item.get("level", "") not in ("", *Level.values):
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：执法层级无效。")
        if criterion not in Criterion.values:
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：请选择认定标准。")
        amount = None
        if criterion in (Criterion.FINE_AT_LEAST, Criterion.PROPERTY_AT_LEAST):
            amount = _money(item.get("amount"), f"{where}金额")
            if amount <= 0:
                raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：金额标准应大于零。")
        measure = item.get("measure", "") if criterion == Criterion.MEASURE else ""
        if criterion == Criterion.MEASURE and measure not in MEASURES:
            raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{where}：请选择措施。")
        clean.append({"action_type": action_type, "matter": str(item["matter"]).strip(), "level": item.get("level", ""),
                      "criterion": criterion, "amount": amount, "measure": measure,
                      "collective_discussion": bool(item.get("collective_discussion")),
                      "basis": str(item.get("basis", "")).strip()[:300]})
    return clean


def catalogue_issue(*, agency: Agency, items: list[dict], effective_from: dt.date, actor, review_all_ordinary=False,
                    note: str = "") -> Catalogue:
    """Issue a new version of the agency's catalogue, filed with the justice bureau of its jurisdiction."""
    org_perms.require(actor, "review.manage_catalogue", agency=agency)
    clean = _clean_items(items)
    bureau = Agency.objects.filter(jurisdiction=agency.jurisdiction_id, is_justice_bureau=True).first()
    if bureau is None:
        raise ZhifaError(ReviewErrorCode.CATALOGUE_INVALID, f"{agency.jurisdiction.name}的司法行政部门尚未登记，目录清单无法备案。")
    with transaction.atomic():
        Agency.objects.select_for_update(of=("self",)).filter(pk=agency.pk).first()
        last = Catalogue.objects.filter(agency=agency).order_by("-version").first()
        entry = events.catalogue_issued(
            agency, actor=actor, version=(last.version + 1) if last else 1, effective_from=effective_from.isoformat(),
            review_all_ordinary=bool(review_all_ordinary), filed_with=bureau.pk,
            items=[i | {"amount": str(i["amount"]) if i["amount"] is not None else None} for i in clean])
        catalogue = Catalogue.objects.create(
            agency=agency, version=(last.version + 1) if last else 1, supersedes=last, effective_from=effective_from,
            review_all_ordinary=bool(review_all_ordinary), note=note.strip(), filed_with=bureau, issued_by=actor,
            entry=entry)
        CatalogueItem.objects.bulk_create([CatalogueItem(catalogue=catalogue, **i) for i in clean])
        return catalogue


def catalogue_acknowledge(*, catalogue: Catalogue, actor, remarks: str = "") -> CatalogueFiling:
    """The justice bureau records the filing (备案登记)."""
    org_perms.require(actor, "review.acknowledge_catalogue", jurisdiction=catalogue.filed_with.jurisdiction)
    try:
        with transaction.atomic():
            entry = events.catalogue_acknowledged(catalogue, actor=actor, remarks=remarks)
            return CatalogueFiling.objects.create(catalogue=catalogue, acknowledged_by=actor, remarks=remarks.strip(),
                                                  entry=entry)
    except IntegrityError:
        raise ZhifaError(ReviewErrorCode.CATALOGUE_FILED, "该版本目录清单已备案登记。") from None


# --- the determination (REV-02) ------------------------------------------------------------------------

def determination_record(*, case: Case, actor, fine_amount=0, property_value=0, measures=(), criteria=(),
                         collective_discussion: bool = False, joint_agencies=()) -> Determination:
    """Whether the case's decision is major: what its draft decision decides, the general criteria the
    officer ticks, the catalogue lines the decision matches, or the agency's choice to review every
    ordinary-procedure decision (NM). What the officer declares adds to the draft; it never lowers it."""
    org_perms.require(actor, "review.submit", agency=case.agency)
    if case.stage not in DECIDED_FROM:
        raise ZhifaError(ReviewErrorCode.WRONG_STAGE, "重大执法决定认定在“审核决定”阶段进行。")
    fine, value = _money(fine_amount, "罚没款金额"), _money(property_value, "涉案财物价值")
    measures, criteria = sorted(set(measures)), sorted(set(criteria))
    if not set(measures) <= set(MEASURES) or not set(criteria) <= set(CRITERIA):
        raise ZhifaError(ReviewErrorCode.DETERMINATION_INVALID, "措施或情形不在可选范围内。")
    try:
        joint = sorted({int(a) for a in joint_agencies})
    except (TypeError, ValueError):
        raise ZhifaError(ReviewErrorCode.JOINT_INVALID, "共同作出决定的机关应以机关编号列出。") from None
    if joint:
        found = Agency.objects.filter(pk__in=joint, status=AgencyStatus.CONFIRMED, is_justice_bureau=False).exclude(
            pk=case.agency_id).count()
        if found != len(joint):
            raise ZhifaError(ReviewErrorCode.JOINT_INVALID, "共同作出决定的机关应为本机关以外、资格已确认的执法主体。")
    declared = {"fine_amount": str(fine), "property_value": str(value), "measures": measures, "criteria": criteria,
                "collective_discussion": bool(collective_discussion)}
    with transaction.atomic():
        Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
        found = assess(case, documents=case_selectors.current_documents(case), on=_today(), **declared_args(declared))
        if Review.objects.filter(case=case).exists() and not found.is_major:
            # Once submitted, a case cannot be talked out of its review (REV-01: no path around the gate).
            raise ZhifaError(ReviewErrorCode.DETERMINATION_INVALID, "本案已送法制审核，不能改认定为非重大执法决定。")
        return _determination_write(case, found, declared=declared, joint=joint, actor=actor)


def _determination_write(case: Case, found, *, declared: dict, joint: list[int], actor, draft=None) -> Determination:
    last = current_determination(case)
    entry = events.determined(case, found, actor=actor, joint=joint, declared=declared, draft=draft)
    return Determination.objects.create(
        case=case, version=(last.version + 1) if last else 1, supersedes=last, fine_amount=found.fine,
        property_value=found.property_value, measures=found.measures, criteria=found.criteria,
        hearing_held=found.hearing_held, catalogue=found.catalogue, matched_items=[i.pk for i in found.matched],
        review_all_ordinary=found.review_all, is_major=found.is_major, collective_discussion=found.collective_discussion,
        reasons=found.reasons, joint_agencies=joint, declared=declared, draft=draft, recorded_by=actor, entry=entry)


def determination_refresh(document, actor) -> None:
    """cases.workflow after-record hook: a draft decision (or a hearing transcript) was recorded or corrected.
    The determination is assessed again from the new draft and, if anything changed, a new version is
    recorded in the same transaction, so the gate and the review always see the draft in force."""
    if document.form not in (*DECISION_FORMS, "hearing_record", "seizure_decision"):
        return
    case = document.case
    last = current_determination(case)
    if last is None:
        return  # not yet determined: the officer's first determination will read this draft
    reviewed = Review.objects.filter(case=case).exists()
    declared = declared_of(last)
    found = assess(case, documents=case_selectors.current_documents(case), on=_today(), reviewed=reviewed,
                   **declared_args(declared))
    if (found.fine, found.property_value, found.measures, found.criteria, found.is_major,
            found.collective_discussion, [i.pk for i in found.matched]) == (
            last.fine_amount, last.property_value, sorted(last.measures), sorted(last.criteria), last.is_major,
            last.collective_discussion, list(last.matched_items)):
        return
    _determination_write(case, found, declared=declared, joint=list(last.joint_agencies), actor=actor, draft=document)


def determination_from_push(case: Case, data: dict, actor) -> None:
    """cases.interconnect hook: a pushed body may carry {"determination": {...}} (the fields of
    determination_record); it is recorded at the decision stage unless the current one already says the same."""
    pushed = data.get("determination")
    if not pushed or case.stage != Stage.DECISION:
        return
    current = current_determination(case)
    fields = {"fine_amount": _money(pushed.get("fine_amount"), "罚没款金额"),
              "property_value": _money(pushed.get("property_value"), "涉案财物价值"),
              "measures": sorted(set(pushed.get("measures", []))), "criteria": sorted(set(pushed.get("criteria", []))),
              "collective_discussion": bool(pushed.get("collective_discussion"))}
    if current is not None and declared_args(declared_of(current)) == {
            "fine": fields["fine_amount"], "property_value": fields["property_value"], "measures": fields["measures"],
            "criteria": fields["criteria"], "collective_discussion": fields["collective_discussion"]}:
        return
    determination_record(case=case, actor=actor, joint_agencies=pushed.get("joint_agency_ids", []), **fields)


# --- steps and the clock -------------------------------------------------------------------------------

def _record(review: Review, move, *, actor, from_state: str, to_state: str, note: str, data: dict, step: str) -> Step:
    """The review workflow's step: the ledger event and the step row (core.workflow.Workflow.record)."""
    entry = events.moved(review, move, actor=actor, action=step, from_state=from_state, to_state=to_state, note=note,
                         data=data)
    return Step.objects.create(review=review, round=review.round, action=step, from_state=from_state,
                               to_state=to_state, actor=actor, on=_today(), note=note, data=data, entry=entry)


# The review's table (workflow.TRANSITIONS) bound to its model: every move below is made through core.workflow.
REVIEW = wf.Workflow(
    name="review", model=Review, state_field="state", states=State, moves=tuple(TRANSITIONS), noun="审核",
    agency_of=lambda review: review.agency, record=_record, select_related=("case", "agency"),
    update_fields=("round", "rules", "clock_started_on", "due_on", "due_provisional", "paused_since", "extended",
                   "passed_at"))


def may(review: Review, action: str, actor) -> bool:
    """Whether `actor` may make the move (for pages' buttons): the table's rule, without logging."""
    return wf.may(REVIEW, action, review, actor)


def may_cosign(review: Review, agency: Agency, actor) -> bool:
    """Whether `actor` may co-sign for the joint `agency` (its grants, not the lead agency's)."""
    return wf.may(REVIEW, "cosign", review, actor, agency=agency)


def available_moves(review: Review, actor) -> set[str]:
    """The names of the moves the table allows from the review's state that `actor` may make."""
    return {m.name for m in wf.available_moves(REVIEW, review, actor)}


def _recompute(review: Review) -> None:
    """The round's clock from its submission and its steps; stored for the queue and the overdue list."""
    submission = review.submissions.get(round=review.round)
    c = clock.review_clock(received_on=submission.received_on, limit=review.rules["time_limit"],
                           pauses=pauses_of(review), extended=review.extended)
    review.clock_started_on, review.due_on, review.due_provisional, review.paused_since = (
        c.started_on, c.due_on, c.provisional, c.paused_since)


def _passed(review: Review) -> None:
    if review.state == State.PASSED:
        review.passed_at = timezone.now()


def _rules_snapshot(case: Case) -> dict:
    """The review rules in force for the case's agency today, read in one query; a key no node sets
    gives rule_get's clear "not set" error."""
    on, jurisdiction = _today(), case.agency.jurisdiction
    rules = rules_effective(jurisdiction=jurisdiction, as_of=on, keys=RULE_KEYS)
    for key in RULE_KEYS:
        if key not in rules:
            rule_get(key, jurisdiction=jurisdiction, as_of=on)  # raises RULE_NOT_SET
    out = {key.split(".", 1)[1]: rules[key].value for key in RULE_KEYS}
    out["versions"] = {key: rules[key].version.pk for key in RULE_KEYS}
    return out


def _materials(case: Case, rules: dict, determination: Determination) -> dict:
    snapshot, missing = materials_collect(case, rules["materials"], hearing_held=determination.hearing_held)
    if missing:
        raise ZhifaError(ReviewErrorCode.MATERIALS_INCOMPLETE, f"送审材料不齐全，尚缺：{'；'.join(missing)}。",
                         details={"missing": missing})
    return snapshot


def review_submit(*, case: Case, actor, note: str = "") -> Review:
    """送审 (REV-04): the handling unit submits the case's materials; the system checks they are complete."""
    wf.authorise(REVIEW, "submit", Review(case=case, agency=case.agency), actor)
    # At the decision stage; or later, when a decision corrected after it was made turned out to be major.
    if case.stage not in DECIDED_FROM:
        raise ZhifaError(ReviewErrorCode.WRONG_STAGE, "案件在“审核决定”阶段方可送法制审核。")
    determination = current_determination(case)
    if determination is None:
        raise ZhifaError(ReviewErrorCode.DETERMINATION_MISSING, "请先进行重大执法决定认定。")
    if not determination.is_major:
        raise ZhifaError(ReviewErrorCode.NOT_MAJOR, "本案认定为非重大执法决定，无需法制审核。")
    unit = Unit.objects.filter(agency=case.agency_id, kind=UnitKind.REVIEW).order_by("id").first()
    if unit is None:
        raise ZhifaError(ReviewErrorCode.NO_REVIEW_UNIT, "本机关尚未设立法制审核机构（IM-M 第二十七条）。")
    rules = _rules_snapshot(case)
    materials = _materials(case, rules, determination)
    with transaction.atomic():
        # The review is created here, so the case's row is the lock (core.workflow.apply on the new row).
        Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
        if Review.objects.filter(case=case).exists():
            raise WrongStateError("本案已送审；如需再次送审，请使用“重新送审”。")
        review = Review(case=case, agency=case.agency, review_unit=unit, state=NEW, round=1, rules=rules)
        review.save()
        for agency_id in determination.joint_agencies:
            JointAgency.objects.create(review=review, agency_id=agency_id)
        _submission(review, materials, note, actor)
        wf.apply(REVIEW, "submit", review, actor, note=note.strip(), data={"determination": determination.pk},
                 after=_recompute)
        wf.save(REVIEW, review)
        return review


def _submission(review: Review, materials: dict, note: str, actor) -> Submission:
    entry = events.materials_submitted(review, actor=actor, materials=materials)
    return Submission.objects.create(review=review, round=review.round, materials=materials, note=note.strip(),
                                     submitted_by=actor, received_on=_today(), entry=entry)


def review_resubmit(*, review: Review, actor, note: str = "") -> Review:
    """After a return, a "correct" opinion, or a change to the decision after it passed (KY: deal with the
    problems, then submit again). A new round: new materials, new receipt, the rules in force now."""
    case = review.case

    def new_round(review: Review) -> None:
        if review.state == State.PASSED:
            from .gate import reviewed_drafts_current
            if reviewed_drafts_current(review):
                raise WrongStateError("审核已通过且决定书未作改动，无需重新送审。")
        determination = current_determination(case)
        rules = _rules_snapshot(case)
        materials = _materials(case, rules, determination)
        review.round += 1
        review.rules, review.extended, review.passed_at = rules, False, None
        _submission(review, materials, note, actor)

    return wf.transition(REVIEW, "resubmit", review, actor, note=note.strip(), effect=new_round, after=_recompute)


# --- reviewers (REV-03, REV-11, ORG-04) ----------------------------------------------------------------

def _handled_case(person: Person, case: Case) -> bool:
    if case.officers.filter(person=person).exists():
        return True
    if person.user_id is None:
        return False
    return (case.opened_by_id == person.user_id or case.documents.filter(recorded_by=person.user_id).exists()
            or case.stage_changes.filter(actor=person.user_id).exists())


def reviewer_assign(*, review: Review, actor, person: Person | None = None, adviser: Adviser | None = None) -> Assignment:
    """Only a reviewer of the agency's review unit, or a legal adviser or public lawyer lent to the agency;
    never someone who handled the case; a first-time reviewer needs the legal qualification (IM-M §28)."""
    wf.authorise(REVIEW, "assign", review, actor)
    today = _today()
    if review.state not in MOVES["assign"].sources:
        raise WrongStateError("审核已办结，不能再指派审核人员。")
    qualification = ""
    if adviser is not None:
        on_loan = adviser.active and adviser.loans.filter(agency=review.agency, starts_on__lte=today,
                                                          ends_on__gte=today).exists()
        if not on_loan:
            raise ZhifaError(ReviewErrorCode.REVIEWER_INELIGIBLE, f"{adviser.name}未在调用期内借调至本机关。")
        if adviser.person is None or adviser.person.user_id is None:
            raise ZhifaError(ReviewErrorCode.REVIEWER_INELIGIBLE, f"{adviser.name}尚无系统账号，无法在线审核。")
        person, qualification = adviser.person, adviser.legal_qualification_number
    elif person is not None:
        if (person.agency_id != review.agency_id or not person.active or not person.is_reviewer
                or person.unit_id is None or person.unit.kind != UnitKind.REVIEW):
            raise ZhifaError(ReviewErrorCode.REVIEWER_INELIGIBLE,
                             f"{person.name}不是本机关法制审核机构的在岗法制审核人员（IM-M 第二十七条）。")
        if person.user_id is None:
            raise ZhifaError(ReviewErrorCode.REVIEWER_INELIGIBLE, f"{person.name}尚无系统账号，无法在线审核。")
        qualification = person.legal_qualification_number
    else:
        raise ZhifaError(ReviewErrorCode.REVIEWER_INELIGIBLE, "请选择审核人员。")
    if _handled_case(person, review.case):
        raise ZhifaError(ReviewErrorCode.REVIEWER_HANDLED_CASE,
                         f"{person.name}参与了本案办理，不能审核本案（办案与审核相分离，IM-M 第二十七条）。")
    first_time = not Opinion.objects.filter(assignment__person=person).exists()
    if first_time and not qualification:
        raise ZhifaError(ReviewErrorCode.REVIEWER_UNQUALIFIED,
                         f"{person.name}初次从事法制审核工作，应当取得国家统一法律职业资格（IM-M 第二十八条）。")
    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        if review.state not in MOVES["assign"].sources:
            raise WrongStateError("审核已办结，不能再指派审核人员。")
        if any(a.person_id == person.pk for a in active_assignments(review)):
            raise ZhifaError(ReviewErrorCode.REVIEWER_ALREADY, f"{person.name}已是本案审核人员。")
        entry = events.reviewer_assigned(review, actor=actor, person=person.pk, adviser=adviser.pk if adviser else None,
                                         first_time=first_time)
        return Assignment.objects.create(review=review, person=person, adviser=adviser, first_time=first_time,
                                         assigned_by=actor, entry=entry)


def recusal_record(*, assignment: Assignment, reason: str, actor) -> Recusal:
    """回避 (AZ-V §8): by the reviewer or the review unit's head; the reason is required and kept."""
    review = assignment.review
    if assignment.person.user_id != actor.pk:  # the reviewer for themself, or whoever assigns (the table's "recuse")
        wf.authorise(REVIEW, "recuse", review, actor)
    reason = _require_reason(reason, "回避理由")
    try:
        with transaction.atomic():
            wf.lock(REVIEW, review)  # serialised with opinion_record, which re-reads the assignment under this lock
            entry = events.reviewer_recused(review, actor=actor, person=assignment.person_id, reason=reason)
            return Recusal.objects.create(assignment=assignment, reason=reason, recorded_by=actor, entry=entry)
    except IntegrityError:
        raise WrongStateError("该审核人员已回避。") from None


def _assignment_of(review: Review, actor) -> Assignment | None:
    return next((a for a in active_assignments(review) if a.person.user_id == actor.pk), None)


# --- pauses, returns and extensions (REV-04, REV-06) ---------------------------------------------------

def clock_pause(*, review: Review, kind: str, reason: str, actor, due_date: dt.date | None = None) -> Review:
    """Ask for supplements by a date (IM-M §29), or start an expert consultation or a request for
    interpretation (AZ-V §14): the clock stops, if the rules exclude that period."""
    wf.authorise(REVIEW, "pause", review, actor)
    reason = _require_reason(reason, "中止计时的事由")

    def excluded(review: Review) -> None:
        if kind not in review.rules["excluded_periods"]:
            label = REVIEW_EXCLUDED.get(kind, kind)
            raise ZhifaError(ReviewErrorCode.PAUSE_KIND, f"本地规则未将“{label}”期间排除在审核期限之外，不能中止计时。")
        if kind == "supplement" and (due_date is None or due_date < _today()):
            raise ZhifaError(ReviewErrorCode.PAUSE_INVALID, "要求补充材料应当指定补充期限（不早于今天）。")

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        wf.apply(REVIEW, "pause", review, actor, note=reason, effect=excluded, after=_recompute,
                 data={"kind": kind, "due_date": due_date.isoformat() if due_date else None})
        wf.save(REVIEW, review)
        return review


def clock_resume(*, review: Review, actor, note: str = "") -> Review:
    """The supplements are in (the handling unit), or the consultation or interpretation is over (the review
    unit). A supplement adds the case's new document versions to the round's materials."""
    review = Review.objects.select_related("agency", "case").get(pk=review.pk)  # fresh, unlocked: who may act
    # Someone who may end no pause at all is refused first, logged, without learning whether the review is paused;
    # all before the transaction (issue 17: a refusal inside it was rolled back with its denial).
    wf.authorise(REVIEW, ("resume", "resume_review"), review, actor)
    wf.check_source(REVIEW, MOVES["resume"], review)
    kind = pauses_of(review)[-1].kind
    move = PAUSE_ENDED_BY[kind]  # who ends a pause depends on its kind
    wf.authorise(REVIEW, move, review, actor)
    data = {"kind": kind}

    def materials(review: Review) -> None:
        if pauses_of(review)[-1].kind != kind:
            raise WrongStateError("审核状态已被他人变更，请刷新后重试。")
        if kind == "supplement":
            data["materials"] = _materials(review.case, review.rules, current_determination(review.case))

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        wf.apply(REVIEW, move, review, actor, note=note.strip(), data=data, effect=materials, after=_recompute,
                 step="resume")
        wf.save(REVIEW, review)
        return review


def review_return(*, review: Review, reason: str, actor) -> Review:
    """退回 (IM-M §29): the materials go back to the handling unit, which resubmits them as a new round."""
    wf.authorise(REVIEW, "return", review, actor)
    reason = _require_reason(reason, "退回理由")

    def stop_clock(review: Review) -> None:
        review.due_on = review.paused_since = None

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        wf.apply(REVIEW, "return", review, actor, note=reason, after=stop_clock)
        wf.save(REVIEW, review)
        return review


def extension_request(*, review: Review, reason: str, actor) -> Step:
    """The reviewer asks for the extension; only the approver the rules name can grant it."""
    wf.authorise(REVIEW, "extension_request", review, actor)
    reason = _require_reason(reason, "延长理由")

    def once(review: Review) -> str:
        if review.extended or pending_extension(review) is not None:
            raise ZhifaError(ReviewErrorCode.EXTENSION, "本轮审核已申请或已延长过审核期限。")
        if review.rules["time_limit"]["extension_days"] <= 0:
            raise ZhifaError(ReviewErrorCode.EXTENSION, "本地规则不允许延长审核期限。")
        return review.state  # a request leaves the state be

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        step = wf.apply(REVIEW, "extension_request", review, actor, note=reason, effect=once,
                        step="extension_requested")
        wf.save(REVIEW, review)
        return step


def extension_decide(*, review: Review, approve: bool, actor, note: str = "") -> Review:
    """IM-M §31: approved by the head in charge of legal work; AZ-V §14: by the agency's head (the table's
    "extend", whose permission the rules name). An extension is granted before the time limit ends, never after."""
    data = {}

    def decide(review: Review) -> str:
        if pending_extension(review) is None:
            raise ZhifaError(ReviewErrorCode.EXTENSION, "没有待批准的延长申请。")
        if approve and review.due_on is not None and _today() > review.due_on:
            raise ZhifaError(ReviewErrorCode.EXTENSION, "审核期限已届满，不能再批准延长。")
        data["days"] = review.rules["time_limit"]["extension_days"] if approve else 0
        return review.state

    def extend(review: Review) -> None:
        if approve:
            review.extended = True
            _recompute(review)

    return wf.transition(REVIEW, "extend", review, actor, note=note.strip(), data=data, effect=decide, after=extend,
                         step="extension_approved" if approve else "extension_refused")


# --- the opinion (REV-05, REV-07) ----------------------------------------------------------------------

def _clean_checklist(items: list[str], checklist: dict) -> list[dict]:
    out = []
    for code in items:
        row = checklist.get(code) or {}
        finding, note = row.get("finding", ""), str(row.get("note", "")).strip()
        if finding not in FINDINGS:
            raise ZhifaError(ReviewErrorCode.OPINION_INVALID, f"请对“{REVIEW_ITEMS[code]}”作出审核结论。")
        if finding == "problem" and not note:
            raise ZhifaError(ReviewErrorCode.OPINION_INVALID, f"“{REVIEW_ITEMS[code]}”存在问题，请写明问题。")
        out.append({"item": code, "finding": finding, "note": note})
    unknown = set(checklist) - set(items)
    if unknown:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, f"审核内容含本地规则以外的项目：{sorted(unknown)}")
    return out


def _check_opinion(kind: str, grounds: list[str], rows: list[dict]) -> None:
    if kind not in OpinionKind.values:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "审核意见应为同意、纠正、不予作出决定或移送。")
    allowed = GROUNDS[OpinionKind(kind)]
    if not set(grounds) <= set(allowed):
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, f"“{OpinionKind(kind).label}”意见的理由只能是：{'、'.join(allowed.values()) or '无'}。")
    problems = {r["item"] for r in rows if r["finding"] == "problem"}
    if kind == OpinionKind.AGREE and problems:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "审核内容存在问题的，不能提出同意的意见（AZ-V 第十二条）。")
    if kind != OpinionKind.AGREE:
        if not grounds:
            raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请选择提出该意见的理由（AZ-V 第十二条）。")
        if not problems:
            raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请在审核内容中写明存在的问题。")
    if kind == OpinionKind.TRANSFER and "crime_transfer" in {r["item"] for r in rows} and "crime_transfer" not in problems:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "提出移送意见的，“涉嫌犯罪需要移送”一项应写明问题。")


def opinion_record(*, review: Review, kind: str, checklist: dict, text: str, actor, grounds=()) -> Opinion:
    """An assigned reviewer signs the opinion on the items the rules list. Where the rules ask for a written
    opinion (法制审核意见书), it goes into the case file, sealed, and the same file into the review unit's
    archive (AZ-V §13: two copies; none for an online review where the rules say so)."""
    assignment = _assignment_of(review, actor)
    if assignment is None:  # the table's "opinion": the reviewer assigned, no role alone (refused and logged)
        wf.authorise(REVIEW, "opinion", review, actor, message="只有本案指派的审核人员可以出具审核意见。")
    grounds = sorted(set(grounds))
    rows = _clean_checklist(review.rules["items"], checklist)
    _check_opinion(kind, grounds, rows)
    text = text.strip()
    if not text:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请填写审核意见。")
    data = {}
    signed = {}

    def sign(review: Review) -> str:
        # Under the review's lock: a recusal (or a reassignment) that committed after the check above wins.
        current = _assignment_of(review, actor)
        if assignment is not None and (current is None or current.pk != assignment.pk):
            raise WrongStateError("该审核人员已回避或不再承办本案审核，不能出具审核意见。")
        submission = review.submissions.get(round=review.round)
        late = review.due_on is not None and _today() > review.due_on
        document = blob = None
        if review.rules["opinion_document"]["online"]:
            document = case_services.system_document_record(case=review.case, form="review_opinion", actor=actor, elements={
                "time": timezone.now().isoformat(), "reviewer": assignment.person.name,
                "opinion": f"{OpinionKind(kind).label}。{text}",
                "grounds": "、".join(GROUNDS[OpinionKind(kind)][g] for g in grounds) or "无",
                "items": "\n".join(f"{REVIEW_ITEMS[r['item']]}：{FINDINGS[r['finding']]}{'，' + r['note'] if r['note'] else ''}"
                                   for r in rows)})
            blob = case_services.system_document_issue(document=document, actor=actor).blob
        entry = events.opinion_signed(review, actor=actor, kind=kind, grounds=grounds, checklist=rows, text=text,
                                      late=late, document=document.pk if document else None,
                                      sha256=blob.sha256 if blob else None)
        signed["opinion"] = opinion = Opinion.objects.create(
            review=review, submission=submission, kind=kind, grounds=grounds, checklist=rows, text=text,
            assignment=assignment, signed_by=actor, late=late, case_document=document, archive_blob=blob, entry=entry)
        data.update({"opinion": opinion.pk, "kind": kind})
        if kind == OpinionKind.AGREE:
            return State.JOINT_SIGNING if review.joint_agencies.exists() else State.PASSED
        return State.OPINION_GIVEN

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        wf.apply(REVIEW, "opinion", review, actor, note=text, data=data, effect=sign, after=_passed)
        wf.save(REVIEW, review)
        return signed["opinion"]


def _latest_opinion(review: Review) -> Opinion:
    return review.opinions.order_by("-signed_at", "-id").first()


def cosign(*, review: Review, agency: Agency, concur: bool, actor, note: str = "") -> CoSignature:
    """A joint agency takes part in the review and signs (AZ-V §8). When all concur the review passes;
    a dissent sends the opinion back to the lead agency's reviewer."""
    wf.authorise(REVIEW, "cosign", review, actor, agency=agency)  # the joint agency's grants, not the lead's
    if not concur:
        note = _require_reason(note, "不同意的理由")
    data = {"agency": agency.pk}
    signed_box = {}

    def sign(review: Review) -> str:
        if not review.joint_agencies.filter(agency=agency).exists():
            raise ZhifaError(ReviewErrorCode.JOINT_INVALID, f"{agency.name}不是本案共同作出决定的机关。")
        opinion = _latest_opinion(review)
        if opinion.cosignatures.filter(agency=agency).exists():
            raise ZhifaError(ReviewErrorCode.JOINT_INVALID, f"{agency.name}已会签。", status=409)
        entry = events.cosignature_signed(review, actor=actor, agency=agency.pk, opinion=opinion.pk, concur=concur, note=note)
        signed_box["signature"] = CoSignature.objects.create(opinion=opinion, agency=agency, concur=concur,
                                                             note=note.strip(), signed_by=actor, entry=entry)
        signed = set(opinion.cosignatures.filter(concur=True).values_list("agency_id", flat=True))
        if not concur:
            return State.SUBMITTED
        if signed >= set(review.joint_agencies.values_list("agency_id", flat=True)):
            return State.PASSED
        return State.JOINT_SIGNING

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        wf.apply(REVIEW, "cosign", review, actor, note=note, data=data, effect=sign, after=_passed)
        wf.save(REVIEW, review)
        return signed_box["signature"]


# --- the handling unit's response, consultation and the head (REV-08) ----------------------------------

def response_record(*, review: Review, adopt: bool, actor, reasons: str = "") -> Review:
    """The handling unit adopts the opinion, or objects to it with its reasons (IM-M §32; AZ-V §15)."""
    move = "adopt" if adopt else "object"
    wf.authorise(REVIEW, move, review, actor)
    reasons = reasons.strip() if adopt else _require_reason(reasons, "异议理由")
    data = {}

    def respond(review: Review) -> str:
        opinion = _latest_opinion(review)
        data["opinion"] = opinion.pk
        return ADOPTED[OpinionKind(opinion.kind)] if adopt else State.CONSULTING

    return wf.transition(REVIEW, move, review, actor, note=reasons, data=data, effect=respond)


def consultation_record(*, review: Review, participants: str, minutes: str, outcome: str, actor) -> Review:
    """协商沟通 between the handling unit and the review unit, with who took part and what was said."""
    # Someone who may record no outcome is refused (and logged) before the outcome or the state is looked at.
    wf.authorise(REVIEW, [OUTCOME_MOVES[Outcome.NO_AGREEMENT], *OUTCOME_MOVES.values()], review, actor)
    if outcome not in Outcome.values:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请选择协商结果。")
    # Only the side whose position changes records it: the review unit withdraws its own opinion, the handling
    # unit accepts it (IM-M §32; AZ-V §15).
    move = OUTCOME_MOVES[Outcome(outcome)]
    wf.authorise(REVIEW, move, review, actor)
    participants = _require_reason(participants, "参加协商的人员")
    minutes = _require_reason(minutes, "协商情况")
    data = {"participants": participants, "outcome": outcome}

    def agreed(review: Review) -> str:
        opinion = _latest_opinion(review)
        data["opinion"] = opinion.pk
        return {Outcome.ADOPT_OPINION: ADOPTED[OpinionKind(opinion.kind)], Outcome.OPINION_WITHDRAWN: State.PASSED,
                Outcome.NO_AGREEMENT: State.HEAD_DECIDING}[Outcome(outcome)]

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        wf.apply(REVIEW, move, review, actor, note=minutes, data=data, effect=agreed, after=_passed)
        wf.save(REVIEW, review)
        return review


def head_decision_record(*, review: Review, choice: str, reasons: str, actor) -> Review:
    """Still no agreement: the agency head decides, and answers for the decision (IM-M §32; AZ-V §15–§16)."""
    wf.authorise(REVIEW, "head_decide", review, actor)
    if choice not in HeadChoice.values:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请选择负责人决定。")
    reasons = _require_reason(reasons, "决定理由")
    data = {"choice": choice}

    def decided(review: Review) -> str:
        opinion = _latest_opinion(review)
        data["opinion"] = opinion.pk
        return State.PASSED if choice == HeadChoice.PROCEED else ADOPTED[OpinionKind(opinion.kind)]

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        wf.apply(REVIEW, "head_decide", review, actor, note=reasons, data=data, effect=decided, after=_passed)
        wf.save(REVIEW, review)
        return review


def recompute_provisional(year: int) -> int:
    """core.workdays hook: a calendar year was loaded; open reviews whose due date crossed it are recomputed."""
    changed = 0
    for review in Review.objects.filter(due_provisional=True, state__in=(State.SUBMITTED, State.PAUSED)):
        with transaction.atomic():
            review = wf.lock(REVIEW, review)
            before = review.due_on
            _recompute(review)
            wf.save(REVIEW, review)
            changed += before != review.due_on
    return changed
