"""Registry changes go into the tamper-evident log, with their actor, only when they commit (REC-12)."""

import pytest

from zhifa.core.errors import PermissionDeniedError
from zhifa.ledger import selectors as ledger_selectors
from zhifa.ledger import services as ledger_services
from zhifa.ledger.models import Entry
from zhifa.org import services as org_services
from zhifa.org.models import AgencyStatus
from zhifa.org.tests.factories import AgencyFactory


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_registry_changes_are_logged_with_their_actor_and_only_when_they_commit(users, tree):
    pending = AgencyFactory(jurisdiction=tree.a1, status=AgencyStatus.PENDING)
    org_services.agency_confirm(agency=pending, actor=users.county_a1_supervisor)
    entry = Entry.objects.get(kind="org.agency_confirmed")
    assert entry.subject == f"org.agency:{pending.pk}" and entry.actor == f"user:{users.county_a1_supervisor.pk}"
    with pytest.raises(PermissionDeniedError):
        org_services.agency_update(agency=tree.agency_b1, actor=users.head_a1, duties="越权")
    assert not Entry.objects.filter(kind="org.agency_updated").exists()
    ledger_services.checkpoint_create()
    assert ledger_selectors.inclusion_proof(entry.seq).seq == entry.seq


