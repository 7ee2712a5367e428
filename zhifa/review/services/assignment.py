"""Reviewers: assignment and recusal (REV-03, REV-11, ORG-04)."""

from django.db import IntegrityError, transaction

from zhifa.cases.models import Case
from zhifa.core import workflow as wf
from zhifa.core.errors import WrongStateError, ZhifaError
from zhifa.org.models import Adviser, Person, UnitKind

from .. import events
from ..errors import ReviewErrorCode
from ..models import Assignment, Opinion, Recusal, Review
from ..selectors import active_assignments
from ..workflow import MOVES
from ._common import REVIEW, _require_reason, _today

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
                             f"{person.name}不是本机关法制审核机构的在岗法制审核人员（国办发〔2018〕118号“明确审核机构”）。")
        if person.user_id is None:
            raise ZhifaError(ReviewErrorCode.REVIEWER_INELIGIBLE, f"{person.name}尚无系统账号，无法在线审核。")
        qualification = person.legal_qualification_number
    else:
        raise ZhifaError(ReviewErrorCode.REVIEWER_INELIGIBLE, "请选择审核人员。")
    if _handled_case(person, review.case):
        raise ZhifaError(ReviewErrorCode.REVIEWER_HANDLED_CASE,
                         f"{person.name}参与了本案办理，不能审核本案（办案与审核相分离）。")
    first_time = not Opinion.objects.filter(assignment__person=person).exists()
    if first_time and not qualification:
        raise ZhifaError(ReviewErrorCode.REVIEWER_UNQUALIFIED,
                         f"{person.name}初次从事法制审核工作，应当取得国家统一法律职业资格（《中华人民共和国行政处罚法》第五十八条第二款）。")
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
