"""Under a hardened deployment the application's database role cannot write the tree (issue 16, roles by duty): the
administrator's "sign now" action then says so with a stable code, instead of failing with a server error."""

import pytest
from django.db import DatabaseError

from zhifa.ledger import services


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_sign_now_under_a_role_without_tree_rights_answers_409_with_its_code(client, users, monkeypatch):
    def refused():
        raise DatabaseError('permission denied for table ledger_checkpoint')

    monkeypatch.setattr(services, "checkpoint_create", refused)
    client.force_login(users.su)
    response = client.post("/api/ledger/checkpoints")
    assert response.status_code == 409
    assert response.json()["code"] == "ledger_sequencer_only"


@pytest.mark.django_db
def test_other_database_errors_are_not_dressed_up(client, users, monkeypatch):
    def broken():
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(services, "checkpoint_create", broken)
    client.force_login(users.su)
    client.raise_request_exception = False
    assert client.post("/api/ledger/checkpoints").status_code == 500
