"""Every move of the review workflow, tried by every role: only the side the rules name may make it, and every
refusal is logged (REV-01, REV-08; IM-M §27–§32; AZ-V §12–§16).

The expectations are written here from the articles, not read from workflow.py, so a drift in the table
fails this test. Each principal tries the move on the same review, inside a savepoint that is rolled back,
so one allowed move does not change what the next principal sees.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from zhifa.core.errors import PermissionDeniedError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.review import services
from zhifa.review.models import Review
from zhifa.review.workflow import MOVES, State

from .conftest import assigned, checklist, decision_case, determine

MINUTES = {"participants": "执法大队队长、法制审核科科长", "minutes": "双方就法律适用交换意见"}
AGENCY_ROLES = [Role.OFFICER, Role.HANDLING_HEAD, Role.REVIEWER, Role.REVIEW_HEAD, Role.AGENCY_HEAD, Role.LEGAL_HEAD,
                Role.PUBLICITY_EDITOR, Role.PUBLICITY_APPROVER, Role.ORG_ADMIN]
HANDLING = {"officer", "handling_head", "agency_head"}  # IM-M §29: the handling unit submits and supplements
HANDLING_HEADS = {"handling_head", "agency_head"}  # IM-M §32: the handling unit's answer to an opinion
REVIEW_SIDE = {"reviewer", "review_head", "assigned"}  # IM-M §27: the review unit, or the reviewer assigned

# move -> (the state it starts from, the call, who may make it)
EXPECTED = {
    "submit": ("new", lambda r, u: services.review_submit(case=r.case, actor=u), HANDLING),
    "pause": ("submitted", lambda r, u: services.clock_pause(
        review=r, kind="supplement", reason="缺少询问笔录", due_date=timezone.localdate() + dt.timedelta(days=5),
        actor=u), REVIEW_SIDE),
    # IM-M §29: the handling unit hands in the supplements that end the pause.
    "resume": ("paused", lambda r, u: services.clock_resume(review=r, actor=u), HANDLING),
    "return": ("submitted", lambda r, u: services.review_return(review=r, reason="送审材料不齐全", actor=u), REVIEW_SIDE),
    "extension_request": ("submitted", lambda r, u: services.extension_request(
        review=r, reason="案情复杂需要延长", actor=u), REVIEW_SIDE),
    # IM-M §31: the head in charge of legal work approves an extension.
    "extension_decide": ("extension_requested", lambda r, u: services.extension_decide(
        review=r, approve=True, actor=u), {"legal_head"}),
    # IM-M §30: the reviewer assigned to the case signs the opinion; no role alone does.
    "opinion": ("submitted", lambda r, u: services.opinion_record(
        review=r, kind="agree", checklist=checklist(r), text="同意作出决定", actor=u), {"assigned"}),
    "adopt": ("opinion_given", lambda r, u: services.response_record(review=r, adopt=True, actor=u), HANDLING_HEADS),
    "object": ("opinion_given", lambda r, u: services.response_record(
        review=r, adopt=False, reasons="第七十七条适用于本案", actor=u), HANDLING_HEADS),
    # IM-M §32; AZ-V §15: after consultation the handling unit accepts the opinion ...
    "consult_adopt": ("consulting", lambda r, u: services.consultation_record(
        review=r, outcome="adopt_opinion", actor=u, **MINUTES), HANDLING_HEADS),
    # ... or the review unit withdraws it — its head, or the reviewer assigned who signed it; not a handling head
    # (the finding) and not a reviewer of the unit who never took part ...
    "consult_withdraw": ("consulting", lambda r, u: services.consultation_record(
        review=r, outcome="opinion_withdrawn", actor=u, **MINUTES), {"review_head", "assigned"}),
    # ... or either unit's head reports that they still disagree.
    "consult_deadlock": ("consulting", lambda r, u: services.consultation_record(
        review=r, outcome="no_agreement", actor=u, **MINUTES), {"handling_head", "review_head", "legal_head"}),
    # IM-M §32; AZ-V §16: the head of the agency decides.
    "head_decide": ("head_deciding", lambda r, u: services.head_decision_record(
        review=r, choice="proceed", reasons="经研究按承办机构意见", actor=u), {"agency_head"}),
    "resubmit": ("to_resubmit", lambda r, u: services.review_resubmit(review=r, actor=u, note="已按意见更正"), HANDLING),
}


def _refuse(review, office):
    services.opinion_record(review=review, kind="refuse", grounds=["basis_inaccurate"], text="依据不准确",
                            checklist=checklist(review, {"law_applied": "应适用第七十八条"}), actor=office.reviewer_user)


def _bring(desk, office, state: str) -> Review:
    """A review in `state`, reached through the services as the rightful sides."""
    case = decision_case(desk)
    determine(case, desk)
    if state == "new":
        return Review(case=case, agency=case.agency)  # only its case is read before submission
    review = assigned(services.review_submit(case=case, actor=desk.officer), office)
    if state == "paused":
        services.clock_pause(review=review, kind="supplement", reason="缺少询问笔录",
                             due_date=timezone.localdate() + dt.timedelta(days=5), actor=office.reviewer_user)
    elif state == "extension_requested":
        services.extension_request(review=review, reason="案情复杂需要延长", actor=office.reviewer_user)
    elif state in ("opinion_given", "consulting", "head_deciding", "to_resubmit"):
        _refuse(review, office) if state != "to_resubmit" else services.opinion_record(
            review=review, kind="correct", grounds=["discretion_improper"], text="罚款数额应当调整",
            checklist=checklist(review, {"discretion": "未按裁量基准"}), actor=office.reviewer_user)
        if state in ("consulting", "head_deciding"):
            services.response_record(review=review, adopt=False, reasons="有不同意见，适用无误", actor=desk.head)
        if state == "head_deciding":
            services.consultation_record(review=review, outcome="no_agreement", actor=office.review_head, **MINUTES)
        if state == "to_resubmit":
            services.response_record(review=review, adopt=True, actor=desk.head)
    return Review.objects.select_related("case", "agency").get(pk=review.pk)


@pytest.fixture
def principals(office, users, tree):
    out = {role.value: grant(UserFactory(username=f"p_{role.value}"), role, agency=office.agency) for role in AGENCY_ROLES}
    out["assigned"] = office.reviewer_user  # also a reviewer by role; the unassigned one is out["reviewer"]
    out["supervisor"] = users.county_a1_supervisor
    out["other_agency_head"] = grant(UserFactory(username="p_other_head"), Role.AGENCY_HEAD, agency=tree.agency_b1)
    out["nobody"] = users.nobody
    return out


@pytest.mark.req("REV-08")
@pytest.mark.req("REV-01")
@pytest.mark.django_db
@pytest.mark.parametrize("move", sorted(EXPECTED))
def test_each_move_is_made_only_by_the_side_the_rules_name(desk, office, principals, move):
    state, call, allowed = EXPECTED[move]
    review = _bring(desk, office, state)
    if state not in ("new", "extension_requested"):
        assert review.state == state
    granted, refused_unlogged = set(), []
    for name, user in principals.items():
        before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count()
        try:
            with transaction.atomic():
                try:
                    call(review, user)
                    granted.add(name)
                except PermissionDeniedError:
                    # Logged before the service's transaction, so its rollback cannot take the record with it.
                    if SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count() != before + 1:
                        refused_unlogged.append(name)
                raise _Undo
        except _Undo:
            pass
        review = Review.objects.select_related("case", "agency").get(pk=review.pk) if review.pk else review
    assert granted == allowed, move
    assert refused_unlogged == [], f"{move}: refusals not in the security log: {refused_unlogged}"


class _Undo(Exception):
    pass


@pytest.mark.req("REV-08")
@pytest.mark.django_db
def test_every_move_of_the_table_is_tried():
    """A move added to the table without a row above fails here."""
    # extend: extension_decide above; cosign: tests/test_joint.py; resume_review (an expert consultation or an
    # interpretation ended by the review unit), assign and recuse: every role in tests/test_workflow_matrix.py.
    tried = set(EXPECTED) | {"extend", "cosign", "resume_review", "assign", "recuse"}
    tried = (tried - {"extension_decide"})
    assert set(MOVES) == tried


@pytest.mark.req("REV-08")
@pytest.mark.django_db
def test_a_handling_head_cannot_record_that_the_review_unit_withdrew_its_opinion(desk, office):
    """The issue's finding: the head of the handling unit alone turned a "do not decide" opinion into a pass."""
    review = _bring(desk, office, "consulting")
    with pytest.raises(PermissionDeniedError):
        services.consultation_record(review=review, outcome="opinion_withdrawn", actor=desk.head, **MINUTES)
    review.refresh_from_db()
    assert review.state == State.CONSULTING
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=desk.head).exists()  # logged, kept
    review = services.consultation_record(review=review, outcome="opinion_withdrawn", actor=office.reviewer_user,
                                          **MINUTES)
    assert review.state == State.PASSED
    assert review.steps.order_by("-id").first().action == "consult_withdraw"
