"""Whether a case must be reviewed (REV-02): the determination, recorded and refreshed."""

from django.db import transaction

from zhifa.cases import selectors as case_selectors
from zhifa.cases.models import Case, Stage
from zhifa.cases.workflow import DECIDED_FROM
from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, AgencyStatus

from .. import events
from ..determination import assess, declared_args, declared_of
from ..errors import ReviewErrorCode
from ..models import Determination, Review
from ..selectors import current_determination
from ..workflow import CRITERIA, DECISION_FORMS, MEASURES
from ._common import _money, _today

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
