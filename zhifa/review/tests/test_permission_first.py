"""Resuming the clock and recording a consultation are refused on the permission before the review's state or the
form's content is looked at, and the refusal is logged (issue 14; docs/architecture.md "Permissions")."""

import pytest

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.review import services

from .conftest import submitted


def _denials() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


@pytest.mark.django_db
def test_resume_without_the_permission_is_refused_whatever_the_state(desk, office):
    """The review is not paused: someone who may end no pause is still told only that they may not."""
    review = submitted(desk, office)
    editor = grant(UserFactory(), Role.PUBLICITY_EDITOR, agency=desk.agency)
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        services.clock_resume(review=review, actor=editor)
    assert _denials() == before + 1


@pytest.mark.django_db
def test_resume_by_the_handling_unit_meets_the_state(desk, office):
    """The officer may end a supplement pause: for them the state answers (409), with nothing logged."""
    review = submitted(desk, office)
    before = _denials()
    with pytest.raises(ZhifaError) as exc:
        services.clock_resume(review=review, actor=desk.officer)
    assert exc.value.status == 409 and _denials() == before


@pytest.mark.django_db
def test_a_consultation_without_the_permission_is_refused_before_its_outcome_is_read(desk, office):
    """An unknown outcome on a review not in consultation: the officer (who may record no outcome) is refused."""
    review = submitted(desk, office)
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        services.consultation_record(review=review, participants="执法大队、法制审核科", minutes="双方交换意见",
                                     outcome="deadlock", actor=desk.officer)
    assert _denials() == before + 1
