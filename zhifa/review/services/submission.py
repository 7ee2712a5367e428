"""Submitting a case for review and resubmitting it (REV-01)."""

from django.db import transaction

from zhifa.cases.models import Case
from zhifa.cases.workflow import DECIDED_FROM
from zhifa.core import workflow as wf
from zhifa.core.errors import WrongStateError, ZhifaError
from zhifa.org.models import Unit, UnitKind
from zhifa.rules.selectors import rule_get, rules_effective

from .. import events
from ..errors import ReviewErrorCode
from ..models import Determination, JointAgency, Review, Submission
from ..selectors import current_determination, materials_collect
from ..workflow import NEW, State
from ._common import REVIEW, RULE_KEYS, _recompute, _today


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
        raise ZhifaError(ReviewErrorCode.NO_REVIEW_UNIT, "本机关尚未设立法制审核机构（国办发〔2018〕118号“明确审核机构”）。")
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
            from ..gate import reviewed_drafts_current
            if reviewed_drafts_current(review):
                raise WrongStateError("审核已通过且决定书未作改动，无需重新送审。")
        determination = current_determination(case)
        rules = _rules_snapshot(case)
        materials = _materials(case, rules, determination)
        review.round += 1
        review.rules, review.extended, review.passed_at = rules, False, None
        _submission(review, materials, note, actor)

    return wf.transition(REVIEW, "resubmit", review, actor, note=note.strip(), effect=new_round, after=_recompute)
