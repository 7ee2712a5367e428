"""Issue 20's browser tryout, UX gaps (SUP-08): an alert and the instruments issued for it link to each other, the case
page shows the instruments naming the case, and the issue form shows only the chosen kind's fields and starts from
the alert (or the agency and cases a link names), every id checked against the supervisor's scope."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import PERMISSIONS
from zhifa.core.testing import query_count
from zhifa.instruments import panels
from zhifa.instruments.models import Instrument, Kind
from zhifa.supervision.models import Alert
from zhifa.supervision.registry import REGISTRY
from zhifa.supervision.tests.sup_world import make_case

from .conftest import issue

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-08")]


def _alert(agency, case=None, *, model="M06", level="alarm", detail="应当全程音像记录而未记录"):
    now = timezone.now()
    return Alert.objects.create(agency=agency, case=case, model=model, scope="case" if case else "agency", level=level,
                                detail=detail, due=dt.date(2026, 9, 30), opened_at=now, level_changed_at=now)


def _more(first: Instrument, n: int, **extra):
    """n more instruments like `first` without sealing each (what a page reads does not depend on how they were made)."""
    for k in range(n):
        made = Instrument.objects.create(
            kind=first.kind, bureau=first.bureau, agency=first.agency, number=f"批量{k}", title=first.title,
            findings=first.findings, basis=first.basis, requirement=first.requirement, issued_on=first.issued_on,
            clock_from=first.clock_from, due_on=first.due_on, issued_by=first.issued_by, **extra)
        made.cases.set(first.cases.all())


def denials(user) -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count()


# --- the alert and its instruments -------------------------------------------------------------------------------

def test_the_alert_page_lists_its_instruments_and_the_instrument_links_back(world, desk, client):
    """The alert page lists the instruments issued for it (number, kind, state, due date, link) in a fixed number
    of queries; the instrument's page links to the alert and to each case concerned."""
    case = make_case(desk)
    alert = _alert(world.agency, case)
    i = issue(world, alert_id=alert.pk, today=timezone.localdate())
    client.force_login(world.sup)
    page = client.get(f"/supervision/alerts/{alert.pk}/").content.decode()
    assert "据此预警制发的监督文书" in page
    assert f'href="/instruments/{i.pk}/"' in page and i.number in page
    assert "行政执法监督意见书" in page and "待整改" in page and i.due_on.strftime("%Y-%m-%d") in page
    assert f"/instruments/new/?alert={alert.pk}" in page  # the issue link starts from the alert
    detail = client.get(f"/instruments/{i.pk}/").content.decode()
    assert f'href="/supervision/alerts/{alert.pk}/"' in detail and f'href="/cases/{case.pk}/"' in detail
    assert REGISTRY["M06"].name in detail
    # The agency's head reads both ways too (his agency's alert, his agency's instrument).
    client.force_login(world.head)
    assert i.number in client.get(f"/supervision/alerts/{alert.pk}/").content.decode()
    assert f'href="/supervision/alerts/{alert.pk}/"' in client.get(f"/instruments/{i.pk}/").content.decode()

    client.force_login(world.sup)
    small = query_count(lambda: client.get(f"/supervision/alerts/{alert.pk}/"))
    _more(i, 6, alert=alert)
    page = client.get(f"/supervision/alerts/{alert.pk}/").content.decode()
    assert "批量5" in page
    assert query_count(lambda: client.get(f"/supervision/alerts/{alert.pk}/")) == small


def test_an_alert_without_instruments_says_so_and_others_instruments_are_not_listed(world, desk, client, monkeypatch):
    case = make_case(desk)
    alert = _alert(world.agency, case)
    client.force_login(world.sup)
    assert "尚未据此预警制发监督文书" in client.get(f"/supervision/alerts/{alert.pk}/").content.decode()
    i = issue(world, alert_id=alert.pk, today=timezone.localdate())
    # Someone who sees the alert but not instruments (a role table without instruments.view for agency staff):
    # no section, and the instrument's number is nowhere on the page.
    monkeypatch.setitem(PERMISSIONS, "instruments.view", frozenset())
    client.force_login(world.head)
    page = client.get(f"/supervision/alerts/{alert.pk}/").content.decode()
    assert "据此预警制发的监督文书" not in page and i.number not in page


def test_an_instrument_shows_no_alert_link_to_whom_cannot_see_the_alert(world, desk, client, monkeypatch):
    alert = _alert(world.agency, make_case(desk))
    i = issue(world, alert_id=alert.pk, today=timezone.localdate())
    monkeypatch.setitem(PERMISSIONS, "supervision.view", frozenset())
    client.force_login(world.head)
    detail = client.get(f"/instruments/{i.pk}/").content.decode()
    assert f"/supervision/alerts/{alert.pk}/" not in detail and f"第 {alert.pk} 号预警" in detail


# --- the case page -----------------------------------------------------------------------------------------------

def test_the_case_page_lists_the_instruments_naming_the_case(world, desk, client):
    """The case page's instruments section: the instruments naming the case, for those who may read them; for the
    bureau's supervisors a link to issue one about the case."""
    case = make_case(desk)
    i = issue(world, case_ids=[case.pk], today=timezone.localdate())
    client.force_login(desk.officer)  # handles the case: no consultation needed
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "行政执法监督文书" in page and f'href="/instruments/{i.pk}/"' in page and "待整改" in page
    assert "就本案制发监督文书" not in page  # an officer does not issue instruments
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = world.sup
    html = panels.case_panel(request, case)
    assert i.number in html and f"/instruments/new/?case={case.pk}" in html


def test_the_case_panel_reads_in_a_fixed_number_of_queries_and_only_for_readers(world, desk, monkeypatch):
    case = make_case(desk)
    i = issue(world, case_ids=[case.pk], today=timezone.localdate())
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = desk.officer
    panels.case_panel(request, case)  # the user's grants are read once per request, by the page before the panels
    small = query_count(lambda: panels.case_panel(request, case))
    _more(i, 8)
    assert "批量7" in panels.case_panel(request, case)
    assert query_count(lambda: panels.case_panel(request, case)) == small == 1
    # Another agency's head: nothing (his scope reads no instrument to this agency), and no query is spent on it.
    request.user = world.head_a2
    panels.case_panel(request, case)
    assert query_count(lambda: panels.case_panel(request, case)) == 0
    assert panels.case_panel(request, case) == ""
    # Without instruments.view the agency's own staff see no section either.
    monkeypatch.setitem(PERMISSIONS, "instruments.view", frozenset())
    request.user = desk.officer
    assert panels.case_panel(request, case) == ""


# --- the issue form ----------------------------------------------------------------------------------------------

def _names(html: str) -> set[str]:
    import re

    return set(re.findall(r'name="([a-z_]+)"', html))


def test_the_issue_form_shows_only_the_chosen_kinds_fields(world, desk, client):
    """Only the kind's own fields: none for an opinion or a notice, the order for a decision, the talk's record for
    a summons; the kind's <select> swaps them by htmx, and without JavaScript links reload the form with ?kind=."""
    case = make_case(desk)
    client.force_login(world.sup)
    opinion = client.get(f"/instruments/new/?case={case.pk}").content.decode()
    names = _names(opinion)
    assert {"bureau", "kind", "title", "findings", "basis", "requirement", "cases", "agency"} <= names
    assert not names & {"order", "talk_at", "talk_place", "talk_attendees", "talk_record"}
    assert 'hx-get="/instruments/new/kind-fields/"' in opinion and 'hx-target="#kind-fields"' in opinion
    assert "<noscript>" in opinion and f"case={case.pk}&amp;kind=decision" in opinion
    decision = _names(client.get(f"/instruments/new/?case={case.pk}&kind=decision").content.decode())
    assert "order" in decision and "talk_at" not in decision
    summons = _names(client.get(f"/instruments/new/?case={case.pk}&kind=summons").content.decode())
    assert {"talk_at", "talk_place", "talk_attendees", "talk_record"} <= summons and "order" not in summons
    partial = client.get("/instruments/new/kind-fields/?kind=summons")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert _names(partial.content.decode()) == {"talk_at", "talk_place", "talk_attendees", "talk_record"}
    assert "约谈的时间、地点" in partial.content.decode()
    assert _names(client.get("/instruments/new/kind-fields/?kind=decision").content.decode()) == {"order"}
    assert _names(client.get("/instruments/new/kind-fields/?kind=x").content.decode()) == set()  # an opinion's


def test_the_kind_fields_are_for_issuers_only(world, client):
    before = denials(world.head)
    client.force_login(world.head)
    assert client.get("/instruments/new/kind-fields/?kind=summons").status_code == 403
    assert denials(world.head) == before + 1


def test_another_kinds_fields_left_in_the_page_are_dropped(world, desk, client):
    """Without JavaScript the fields of the kind first shown stay in the page: an opinion posted with a decision's
    order and a summons' record is an opinion, without them."""
    case = make_case(desk)
    client.force_login(world.sup)
    response = client.post("/instruments/new/", {
        "bureau": world.bureau_a.pk, "agency": world.agency.pk, "kind": "opinion", "order": "correct",
        "talk_at": "上午", "talk_record": "谈话", "title": "未公示", "findings": "未公示。", "basis": "依据",
        "requirement": "改正。", "cases": str(case.pk)})
    assert response.status_code == 302
    made = Instrument.objects.get(title="未公示")
    assert (made.kind, made.order, made.talk) == (Kind.OPINION, "", {})


def test_a_refused_decision_comes_back_with_the_decisions_fields(world, client):
    client.force_login(world.sup)
    response = client.post("/instruments/new/", {
        "bureau": world.bureau_a.pk, "agency": world.agency.pk, "kind": "decision", "order": "", "title": "x",
        "findings": "y", "basis": "z", "requirement": "w"})
    assert response.status_code == 400 and "监督决定书须写明决定事项" in response.content.decode()
    assert "order" in _names(response.content.decode())


def test_the_issue_form_starts_from_the_alert(world, desk, client):
    """?alert=: the agency, the alert's case, its model and a first text (the model's name, what the alert found,
    the model's basis by its name, a requirement) — and the instrument issued keeps the alert."""
    case = make_case(desk)
    alert = _alert(world.agency, case, model="M06", detail="查封现场未全程音像记录")
    model = REGISTRY["M06"]
    client.force_login(world.sup)
    page = client.get(f"/instruments/new/?alert={alert.pk}")
    body = page.content.decode()
    assert page.status_code == 200
    assert world.agency.name in body and case.number in body and f'href="/supervision/alerts/{alert.pk}/"' in body
    form = page.context["form"]
    assert form["title"].value() == model.name
    assert "查封现场未全程音像记录" in form["findings"].value() and case.number in form["findings"].value()
    assert form["findings"].value().startswith("报警：") and "2026-09-30" in form["findings"].value()
    assert form["basis"].value() and "IM-M" not in form["basis"].value()
    assert form["requirement"].value() and form["model_code"].value() == "M06"
    assert (form["alert"].value(), form["cases"].value(), form["agency"].value()) == (alert.pk, str(case.pk),
                                                                                    world.agency.pk)
    posted = {name: form[name].value() for name in ("bureau", "agency", "kind", "title", "findings", "basis",
                                                    "requirement", "cases", "model_code", "alert")}
    response = client.post("/instruments/new/", posted)
    assert response.status_code == 302, response.content.decode()
    made = Instrument.objects.get(alert=alert)
    assert list(made.cases.all()) == [case] and made.model_code == "M06" and made.title == model.name


def test_an_alert_out_of_sight_or_of_another_agency_is_a_404_logged(world, desk, client):
    from zhifa.org.tests.factories import UnitFactory

    other_case = make_case(desk, agency=world.tree.agency_b1, unit=UnitFactory(agency=world.tree.agency_b1))
    theirs = _alert(world.tree.agency_b1, other_case)
    mine = _alert(world.agency, make_case(desk))
    client.force_login(world.sup)
    before = denials(world.sup)
    page = client.get(f"/instruments/new/?alert={theirs.pk}")
    assert page.status_code == 404 and other_case.number not in page.content.decode()
    assert client.get(f"/instruments/new/?alert={mine.pk}&agency={world.tree.agency_a2.pk}").status_code == 404
    assert client.get("/instruments/new/?alert=abc").status_code == 404
    assert denials(world.sup) == before + 3


def test_a_link_naming_an_agency_and_its_cases_prefills_them(world, desk, client):
    """?agency=&cases=1,2 (the campaign pages' links): the cases are listed and issued with the instrument."""
    first, second = make_case(desk), make_case(desk)
    client.force_login(world.sup)
    page = client.get(f"/instruments/new/?agency={world.agency.pk}&cases={first.pk},{second.pk}")
    body = page.content.decode()
    assert page.status_code == 200 and first.number in body and second.number in body
    assert page.context["form"]["cases"].value() == f"{first.pk},{second.pk}"
    response = client.post("/instruments/new/", {
        "bureau": world.bureau_a.pk, "agency": world.agency.pk, "kind": "notice", "title": "专项检查发现的问题",
        "findings": "两件案件未按期公示。", "basis": "依据", "requirement": "改正。",
        "cases": f"{first.pk},{second.pk}"})
    assert response.status_code == 302
    made = Instrument.objects.get(title="专项检查发现的问题")
    assert {c.pk for c in made.cases.all()} == {first.pk, second.pk}


def test_a_link_is_never_trusted(world, desk, client):
    """A case of another agency, an id that is not one, an agency outside the supervisor's bureaus: the same 404 as
    a missing agency, each attempt logged, nothing of the cases shown. A POST is checked the same way."""
    from zhifa.org.tests.factories import UnitFactory

    mine = make_case(desk)
    theirs = make_case(desk, agency=world.tree.agency_a2, unit=UnitFactory(agency=world.tree.agency_a2))
    client.force_login(world.sup)
    before = denials(world.sup)
    refused = client.get(f"/instruments/new/?agency={world.agency.pk}&cases={mine.pk},{theirs.pk}")
    assert refused.status_code == 404 and theirs.number not in refused.content.decode()
    assert client.get(f"/instruments/new/?agency={world.agency.pk}&cases={mine.pk},x").status_code == 404
    assert client.get(f"/instruments/new/?agency={world.agency.pk}&cases=999999").status_code == 404
    assert denials(world.sup) == before + 3
    posted = client.post("/instruments/new/", {
        "bureau": world.bureau_a.pk, "agency": world.agency.pk, "kind": "notice", "title": "t", "findings": "f",
        "basis": "b", "requirement": "r", "cases": f"{mine.pk},{theirs.pk}"})
    assert posted.status_code == 404 and not Instrument.objects.exists()
    # Another city's supervisor: city A's agency is outside every bureau of hers.
    client.force_login(world.sup_b)
    before = denials(world.sup_b)
    assert client.get(f"/instruments/new/?agency={world.agency.pk}&cases={mine.pk}").status_code == 404
    assert denials(world.sup_b) == before + 1


def test_the_issuing_bureau_is_the_links_or_the_actors_own_never_a_lower_one(world, client):
    """The browser tryout: a city supervisor opening the form for a county agency found the county's bureau
    preselected. The actor's own (top-most) bureau is preselected, or the one the link names if it is hers; a bureau
    named that is not hers is ignored."""
    from zhifa.org.tests.factories import AgencyFactory

    county = AgencyFactory(name="甲一县司法局", jurisdiction=world.tree.a1, is_justice_bureau=True, abbreviation="甲一司",
                           field="justice")
    client.force_login(world.sup)

    def selected(query=""):
        return client.get(f"/instruments/new/?agency={world.agency.pk}{query}").context["form"]["bureau"].value()

    assert selected() == world.bureau_a.pk
    assert selected(f"&bureau={county.pk}") == county.pk
    assert selected(f"&bureau={world.bureau_b.pk}") == world.bureau_a.pk  # not hers: ignored
