"""The cockpit counts overdue work per agency by the agency's id, not its name (review #10): each county has its own
公安局, and one county's late work must not land on the other's row."""

import datetime as dt

import pytest
from django.urls import reverse

from zhifa.core import todo as core_todo
from zhifa.org.tests.factories import AgencyFactory

URL = reverse("cockpit")


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_overdue_work_of_two_agencies_with_one_name_stays_on_each_agencys_row(client, tree, users, monkeypatch):
    """Two counties' 县公安局 share a name: an overdue item of 甲一县's is counted on 甲一县's row only."""
    police_a1 = AgencyFactory(name="县公安局", jurisdiction=tree.a1)
    police_a2 = AgencyFactory(name="县公安局", jurisdiction=tree.a2)

    def late(user, *, on):
        return [core_todo.item(kind="test.late", key="test.late:1", title="办理", label="某事", url="/", actor="某人",
                               on=on, agency=police_a1.name, agency_id=police_a1.pk, due=on - dt.timedelta(days=30))]

    monkeypatch.setitem(core_todo._providers, "cockpit-test",
                        core_todo.Registration("cockpit-test", lambda user, *, on: [], late))
    client.force_login(users.city_a_supervisor)
    cockpit = client.get(URL, {"j": tree.city_a.code}).context["cockpit"]
    rows = {r.label: r.figures.overdue for r in cockpit.children}
    assert rows == {"甲一县": 1, "甲二县": 0}
    a2 = client.get(URL, {"j": tree.a2.code}).context["cockpit"]
    assert [(r.code, r.figures.overdue) for r in a2.agencies if r.code == str(police_a2.pk)] == [(str(police_a2.pk), 0)]
    assert a2.overdue == []
    a1 = client.get(URL, {"j": tree.a1.code}).context["cockpit"]
    assert [(r.code, r.figures.overdue) for r in a1.agencies if r.code == str(police_a1.pk)] == [(str(police_a1.pk), 1)]
