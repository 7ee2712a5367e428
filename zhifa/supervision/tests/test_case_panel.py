"""The case page's supervision section (issue 20 §3; tryout: the case page showed no alerts): the case's open alerts
with their level, linked to each alert, for those who may see the agency's alerts; one query whatever their number."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from zhifa.core.permissions import PERMISSIONS, Role
from zhifa.core.testing import query_count
from zhifa.supervision.models import Alert
from zhifa.supervision.panels import case_panel
from zhifa.supervision.registry import REGISTRY
from zhifa.supervision.tests.sup_world import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]


def _alert(case, model, level="warning", state="open", detail="将到期"):
    now = timezone.now()
    return Alert.objects.create(agency=case.agency, case=case, model=model, level=level, state=state, detail=detail,
                                due=dt.date(2026, 9, 30), opened_at=now, level_changed_at=now,
                                closed_at=now if state == "closed" else None)


def test_the_case_page_shows_the_cases_open_alerts_with_their_level(client, desk, users):
    case = make_case(desk)
    alarm = _alert(case, "M06", level="alarm", detail="查封现场未全程音像记录")
    closed = _alert(case, "M07", state="closed", detail="已不再触发的问题")
    client.force_login(desk.officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "监督预警" in page and "报警" in page and REGISTRY["M06"].name in page
    assert f'href="/supervision/alerts/{alarm.pk}/"' in page and "查封现场未全程音像记录" in page
    assert f"/supervision/alerts/{closed.pk}/" not in page and "已不再触发的问题" not in page
    # The city's supervisor, after stating the reason for consulting the case (REC-15), sees them too.
    from zhifa.cases import services

    services.consultation_open(case=case, actor=users.city_a_supervisor, reason="核查监督预警")
    client.force_login(users.city_a_supervisor)
    assert f'href="/supervision/alerts/{alarm.pk}/"' in client.get(f"/cases/{case.pk}/").content.decode()


def test_a_case_without_open_alerts_has_no_section(client, desk):
    case = make_case(desk)
    client.force_login(desk.officer)
    assert 'id="sup-panel-h"' not in client.get(f"/cases/{case.pk}/").content.decode()


def test_only_those_who_may_see_alerts_see_the_section(desk, users, monkeypatch):
    """A viewer of the case without supervision.view on its agency (here: a role table giving it to supervisors
    only) gets nothing, and no query is spent on it."""
    case = make_case(desk)
    _alert(case, "M06")
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = desk.officer
    assert "监督预警" in case_panel(request, case)
    monkeypatch.setitem(PERMISSIONS, "supervision.view", frozenset({Role.SUPERVISOR}))
    assert query_count(lambda: case_panel(request, case)) == 0
    assert case_panel(request, case) == ""


def test_the_section_reads_one_query_whatever_the_number_of_alerts(desk):
    case = make_case(desk)
    _alert(case, "M06")
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = desk.officer
    case_panel(request, case)  # the user's grants, read once per request by the page
    small = query_count(lambda: case_panel(request, case))
    for code in ("M07", "M08", "M10", "M11"):
        _alert(case, code)
    html = case_panel(request, case)
    assert all(REGISTRY[code].name in html for code in ("M06", "M07", "M08", "M10", "M11"))
    assert query_count(lambda: case_panel(request, case)) == small == 1
