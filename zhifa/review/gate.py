"""The gate (REV-01; IM-M §25; AZ-V §5): a major decision is not made — signed, served or published —
unless its legal review has passed, on the draft that was reviewed, after any collective discussion the
law requires (AZ-V §15). Every path goes through here: the case page and the API (case_advance,
document_issue), the external push (which calls the same services) and publicity (decision_problems).
"""

from django.utils import timezone

from zhifa.cases import selectors as case_selectors
from zhifa.cases.decisions import simplified_problems
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Case, Procedure, Stage
from zhifa.cases.workflow import DECIDED_FROM
from zhifa.core.errors import ZhifaError
from zhifa.org.models import ActionType

from .determination import assess, declared_args, declared_of
from .errors import ReviewErrorCode
from .models import Review
from .selectors import current_determination, round_document_ids
from .workflow import DECISION_FORMS, State


def reviewed_drafts_current(review) -> bool:
    """Whether every draft decision in force is a version the passing round saw."""
    drafts = {d.pk for d in case_selectors.current_documents(review.case) if d.form in DECISION_FORMS}
    return drafts <= round_document_ids(review)


def decision_problems(case: Case) -> list[str]:
    """Why the case's decision may not be made, served or archived yet (empty: it may)."""
    documents = case_selectors.current_documents(case)
    determination = current_determination(case)
    if case.procedure == Procedure.SIMPLIFIED:
        # 行政处罚法 第五十一条: what the simplified procedure may decide is not major; anything beyond it is
        # refused outright. A simplified case the officer nonetheless determined major is reviewed like any other.
        problems = simplified_problems(case, documents)
        if problems or determination is None or not determination.is_major:
            return problems
    drafts = [d for d in documents if d.form in DECISION_FORMS or d.form == "seizure_decision"]
    if not drafts and case.action_type == ActionType.INSPECTION:
        return []  # an inspection that decided nothing, and sealed or seized nothing, has no decision to review
    if determination is None:
        return ["尚未进行重大执法决定认定（是否属于应当法制审核的重大执法决定）"]
    review = Review.objects.filter(case=case).first()  # fresh: a cached reverse relation may be stale
    # The draft decides, not the declaration: assessed again here, so no stale or lowered determination
    # lets a major decision through (REV-02).
    found = assess(case, documents=documents, on=timezone.localdate(), reviewed=review is not None,
                   **declared_args(declared_of(determination)))
    if found.is_major and not determination.is_major:
        return [f"执法决定书载明{'、'.join(found.facts.describe()) or '的内容'}，属于重大执法决定，原认定为非重大，"
                f"请重新认定并送法制审核"]
    if not found.is_major:
        return []
    if review is None:
        return ["重大执法决定未经法制审核，不得作出决定（《中华人民共和国行政处罚法》第五十八条第一款；国办发〔2018〕118号“明确审核范围”）"]
    if review.state != State.PASSED:
        return [f"法制审核尚未通过（当前：{State(review.state).label}），不得作出决定"]
    if not reviewed_drafts_current(review):
        return ["执法决定书在法制审核后已更正，应当重新送审"]
    if determination.collective_discussion or found.collective_discussion:
        minutes = [d for d in documents if d.form == "collective_discussion" and d.recorded_at >= review.passed_at]
        if not minutes:
            return [f"依法应当集体讨论决定，请先记录审核通过后的《{FORMS['collective_discussion'].title}》（《中华人民共和国行政处罚法》第五十七条第二款）"]
    return []


def _refuse(problems: list[str]) -> None:
    raise ZhifaError(ReviewErrorCode.REQUIRED, "；".join(problems) + "。", details={"problems": problems})


def advance_gate(case: Case) -> list[str]:
    """cases.workflow advance check: the decision in force is one the review passed."""
    if case.stage in DECIDED_FROM:  # making the decision, and every move after it (service, archive)
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


def record_gate(case: Case, form: str) -> None:
    """cases.workflow record check: no service or execution (送达、执行) of a decision that has not passed the
    review it needs — a decision corrected after it was made included."""
    if FORMS[form].stage == Stage.SERVICE_ENFORCEMENT and case.stage == Stage.SERVICE_ENFORCEMENT:
        problems = decision_problems(case)
        if problems:
            _refuse(problems)
