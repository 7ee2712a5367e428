"""Who may make a move is checked before the item's state, and the refusal stays in the security log
(issue 14: permission, denial logged → lock → state move → event; docs/architecture.md "Permissions")."""

import pytest

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.publicity import services
from zhifa.publicity.models import Publication
from zhifa.publicity.workflow import State

from .conftest import decided_case


def _denials() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


MOVES = {
    "approve": lambda pub, actor: services.publication_approve(publication=pub, actor=actor),
    "return": lambda pub, actor: services.publication_return(publication=pub, actor=actor, reason="退回修改"),
    "approve_exemption": lambda pub, actor: services.exemption_decide(publication=pub, actor=actor, approve=True),
    "reject_exemption": lambda pub, actor: services.exemption_decide(publication=pub, actor=actor, approve=False,
                                                                       note="不同意"),
    "withdraw": lambda pub, actor: services.publication_withdraw(publication=pub, actor=actor, trigger="revoked",
                                                                 basis="复议决定"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("move", list(MOVES))
def test_a_move_without_the_permission_is_refused_before_the_state_and_logged(pubdesk, move):
    """The editor may not approve, return, decide an exemption or withdraw. On a collected item every one of these
    moves is also in the wrong state; the editor learns only that they may not, and the refusal is recorded once —
    not rolled back with the service's transaction."""
    pub = Publication.objects.get(case=decided_case(pubdesk))
    assert pub.state == State.COLLECTED
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        MOVES[move](pub, pubdesk.editor)
    assert _denials() == before + 1


@pytest.mark.django_db
def test_the_state_is_checked_for_whoever_may_move(pubdesk):
    """The approver holds the permission: for them the collected item's state is what refuses, with nothing logged."""
    pub = Publication.objects.get(case=decided_case(pubdesk))
    before = _denials()
    with pytest.raises(ZhifaError) as exc:
        services.publication_approve(publication=pub, actor=pubdesk.approver)
    assert exc.value.code == "wrong_state" and _denials() == before


@pytest.mark.django_db
def test_a_refusal_inside_the_services_transaction_is_kept(pubdesk):
    """Submitting, masking and the annual report's submission by someone without the permission: the denial is
    recorded before the transaction opens, so it survives the refusal."""
    pub = Publication.objects.get(case=decided_case(pubdesk))
    officer = pubdesk.officer
    calls = [
        lambda: services.publication_submit(publication=pub, actor=officer),
        lambda: services.mask_add(publication=pub, actor=officer, kind="name", reason="姓名", text="张三"),
        lambda: services.exemption_request(publication=pub, actor=officer, ground="privacy", explanation="隐私"),
        lambda: services.decision_recollect(publication=pub, actor=officer, mode="full"),
    ]
    for call in calls:
        before = _denials()
        with pytest.raises(PermissionDeniedError):
            call()
        assert _denials() == before + 1
