"""The case page says who makes the next move and gives them the button (issue 18 §3: "下一步：批准立案" showed no
button and no hint who acts); the form that opens a case keeps what was typed and chosen when it is refused (§4)."""

import re

import pytest

from zhifa.cases import services
from zhifa.cases.models import Case
from zhifa.cases.tests.conftest import elements


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_the_next_step_names_who_acts_and_gives_them_the_button(client, desk, users):
    users.head_a1.first_name = "张局长"
    users.head_a1.save(update_fields=["first_name"])
    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="无照经营", action_type="penalty",
                              procedure="ordinary", place=desk.place, legal_basis="《无证无照经营查处办法》",
                              actor=desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    services.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="检查", opinion="同意", approver="局长"), actor=desk.officer)

    client.force_login(desk.officer)  # an officer: told who approves, no button
    page = client.get(f"/cases/{case.pk}/").content.decode()
    actors = re.search(r'<p class="next-actors">(.*?)</p>', page, re.S).group(1)
    assert "下一步：批准立案" in page and "张局长（执法机关负责人）" in actors and "head_a1" not in page
    assert "您不能办理此步骤" in actors and f'action="/cases/{case.pk}/advance/"' not in page

    client.force_login(users.head_a1)  # the agency head: the button
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert re.search(rf'action="/cases/{case.pk}/advance/".*?<button>批准立案', page, re.S)
    assert "您不能办理此步骤" not in page


@pytest.mark.django_db
def test_a_refused_opening_keeps_every_field(client, desk, tree):
    """A case without a 案由 is refused: the agency, unit, category, procedure, place and basis come back chosen."""
    client.force_login(desk.officer)
    response = client.post("/cases/new/", {
        "agency": desk.agency.pk, "unit": desk.unit.pk, "title": "", "action_type": "coercion",
        "procedure": "simplified", "place": tree.a1.pk, "legal_basis": "《行政强制法》第二十二条"})
    page = response.content.decode()
    assert response.status_code == 400 and not Case.objects.exists()
    for name, value in (("agency", desk.agency.pk), ("unit", desk.unit.pk), ("action_type", "coercion"),
                        ("procedure", "simplified"), ("place", tree.a1.pk)):
        select = re.search(rf'<select id="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
        assert f'<option value="{value}" selected' in select, name
    assert "《行政强制法》第二十二条</textarea>" in page
