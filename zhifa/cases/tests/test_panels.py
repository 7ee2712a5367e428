"""The case page's extension point (cases.panels; ADR 0009): the apps above cases add their sections to the case
page without cases importing them; a section is asked for only after the page has scoped the case and passed the
consultation check (REC-15), and a section with nothing for the viewer adds nothing."""

import pytest
from django.utils.html import format_html

from zhifa.cases import panels
from zhifa.cases.models import Case


def make_case(desk):
    return Case.objects.create(agency=desk.agency, handling_unit=desk.unit, number="T-PANEL-1", title="测试案件",
                               action_type="penalty", procedure="ordinary", place=desk.agency.jurisdiction,
                               legal_basis="x", opened_by=desk.officer)


@pytest.fixture
def registered(monkeypatch):
    """A fresh registry holding two test panels: one that shows, one that has nothing for anyone."""
    monkeypatch.setattr(panels, "PANELS", [])
    calls = []

    def shown(request, case):
        calls.append((request.user.username, case.pk))
        return format_html('<section id="test-panel">测试栏目 {}</section>', case.number)

    def empty(request, case):
        return ""

    panels.register_panel(shown)
    panels.register_panel(shown)  # AppConfig.ready may run twice: registered once
    panels.register_panel(empty)
    return calls


def test_registering_twice_keeps_one_and_order_is_kept(registered):
    assert len(panels.PANELS) == 2


@pytest.mark.django_db
def test_the_case_page_shows_the_registered_sections(client, desk, registered):
    case = make_case(desk)
    client.force_login(desk.officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert page.count('id="test-panel"') == 1 and f"测试栏目 {case.number}" in page
    assert registered == [(desk.officer.username, case.pk)]


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_no_section_is_asked_for_before_the_consultation(client, desk, users, registered):
    """A supervisor outside the case gets the consultation form: no panel runs, nothing of the case is shown."""
    from zhifa.cases import services

    case = make_case(desk)
    client.force_login(users.city_a_supervisor)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 403 and "测试栏目" not in response.content.decode()
    assert registered == []
    services.consultation_open(case=case, actor=users.city_a_supervisor, reason="核查监督预警")
    assert "测试栏目" in client.get(f"/cases/{case.pk}/").content.decode()
