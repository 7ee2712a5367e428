"""The gate (REV-01; IM-M §25; AZ-V §5): a major decision is not made — signed, served or published —
unless its legal review has passed, on the draft that was reviewed, after any collective discussion the
law requires (AZ-V §15). Every path goes through here: the case page and the API (case_advance,
document_issue), the external push (which calls the same services) and publicity (decision_problems).
"""

from zhifa.cases import selectors as case_selectors
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Case, Procedure, Stage
from zhifa.core.errors import ZhifaError

from .errors import ReviewErrorCode
from .models import Review
from .selectors import current_determination, round_document_ids
from .workflow import DECISION_FORMS, REVIEWED_ACTION_TYPES, State


def reviewed_drafts_current(review) -> bool:
    """Whether every draft decision in force is a version the passing round saw."""
    drafts = {d.pk for d in case_selectors.current_documents(review.case) if d.form in DECISION_FORMS}
    return drafts <= round_document_ids(review)


def decision_problems(case: Case) -> list[str]:
    """Why the case's decision may not be made yet (empty: it may)."""
    if case.procedure != Procedure.ORDINARY or case.action_type not in REVIEWED_ACTION_TYPES:
        return []  # the simplified procedure decides on the spot; the catalogue covers the four action types
    determination = current_determination(case)
    if determination is None:
        return ["尚未进行重大执法决定认定（是否属于应当法制审核的重大执法决定）"]
    if not determination.is_major:
        return []
    review = Review.objects.filter(case=case).first()  # fresh: a cached reverse relation may be stale
    if review is None:
        return ["重大执法决定未经法制审核，不得作出决定（IM-M 第二十五条；AZ-V 第五条）"]
    if review.state != State.PASSED:
        return [f"法制审核尚未通过（当前：{State(review.state).label}），不得作出决定"]
    if not reviewed_drafts_current(review):
        return ["执法决定书在法制审核后已更正，应当重新送审"]
    if determination.collective_discussion:
        minutes = [d for d in case_selectors.current_documents(case) if d.form == "collective_discussion"
                   and d.recorded_at >= review.passed_at]
        if not minutes:
            return [f"依法应当集体讨论决定，请先记录审核通过后的《{FORMS['collective_discussion'].title}》（AZ-V 第十五条）"]
    return []


def _refuse(problems: list[str]) -> None:
    raise ZhifaError(ReviewErrorCode.REQUIRED, "；".join(problems) + "。", details={"problems": problems})


def advance_gate(case: Case) -> list[str]:
    """cases.workflow advance check: making the decision (审核决定 → 送达执行)."""
    if case.stage == Stage.DECISION:
        problems = decision_problems(case)
        if problems:
            _refuse(problems)
    return []


def issue_gate(document) -> None:
    """cases.workflow issue check: signing (sealing) the decision document."""
    if document.form in DECISION_FORMS:
        case = Case.objects.select_related("agency").get(pk=document.case_id)
        problems = decision_problems(case)
        if problems:
            _refuse(problems)
