"""The certificate gate (ORG-03; NM 持证上岗): no case is opened, no officer assigned, no enforcement record or recording
made by an officer whose certificate is not in force on the day of the action — expired, revoked, suspended, out of
area or of another category — and the reason names the certificate (issue 18 §7: 2026-00010 was opened by an
officer whose certificate had expired). The recording path's tests are in zhifa/demo/tests/test_recording_certificate_gate.py: cases
may not import records (ADR 0009)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import Case, CaseOfficer, Document
from zhifa.cases.tests.conftest import elements
from zhifa.core.errors import ZhifaError
from zhifa.core.permissions import Role
from zhifa.ledger.models import Entry
from zhifa.org import services as org_services
from zhifa.org.models import Field
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, UserFactory, grant

# defect -> the code it is refused with (None: allowed), and the words the reason must hold
DEFECTS = {
    "expired_the_day_before": ("officer_certificate_expired", "过期"),
    "valid_on_its_last_day": (None, ""),
    "suspended": ("officer_certificate_suspended", "已暂扣"),
    "out_of_area": ("officer_out_of_area", "执法区域不含甲一县"),
    "wrong_category": ("officer_wrong_category", "执法类别不符"),
    "revoked": ("officer_certificate_expired", "注销"),
}


def certified(desk, tree, users, defect: str, *, on: dt.date, name: str = "受检员", user=None):
    """A person of the desk's agency whose only certificate has `defect` on `on` (and only from `on`: the day before it
    was in force, so the defect is the action day's, not the certificate's whole life)."""
    person = PersonFactory(agency=desk.agency, unit=desk.unit, name=name, user=user)
    kw = {"valid_from": on - dt.timedelta(days=400), "valid_to": on + dt.timedelta(days=400), "area": tree.a1,
          "category": Field.MARKET, "number": f"GATE-{defect}"}
    if defect == "expired_the_day_before":
        kw["valid_to"] = on - dt.timedelta(days=1)
    elif defect == "valid_on_its_last_day":
        kw["valid_to"] = on
    elif defect == "out_of_area":
        kw["area"] = tree.a2
    elif defect == "wrong_category":
        kw["category"] = Field.ENVIRONMENT
    cert = CertificateFactory(person=person, **kw)
    if defect == "suspended":
        org_services.certificate_suspend(certificate=cert, starts_on=on, reason="涉嫌违规执法，暂扣审查",
                                         actor=users.county_a1_supervisor)
    elif defect == "revoked":
        org_services.certificate_revoke(certificate=cert, reason="调离执法岗位", actor=users.county_a1_supervisor)
    return person


def _open(desk, actor):
    return services.case_open(agency=desk.agency, handling_unit=desk.unit, title="检查某某超市", action_type="inspection",
                              procedure="ordinary", place=desk.place, legal_basis="《食品安全法》第一百一十条",
                              actor=actor)


def _refused(call, code: str, words: str, number: str):
    with pytest.raises(ZhifaError) as exc:
        call()
    assert exc.value.code == code
    assert number in exc.value.message and words in exc.value.message, exc.value.message


def _investigating(desk):
    case = _open(desk, desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    services.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="投诉举报", opinion="同意立案", approver="张局长"), actor=desk.officer)
    return services.case_advance(case=case, actor=desk.head)


def _assigned_before(case, person):
    """The person was assigned to the case earlier (when their certificate was in force, or before the gate existed,
    as 2026-00010's officers were): the record gate holds each record on its own day, whatever the assignment."""
    return CaseOfficer.objects.create(case=case, person=person, certificate_number=person.certificates.first().number,
                                      assigned_by=case.opened_by)


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
@pytest.mark.parametrize("defect", DEFECTS)
def test_opening_a_case_needs_the_openers_certificate_in_force_today(desk, tree, users, defect):
    """The officer who opens a case holds a certificate in force on the day of opening, of the agency's field,
    covering the place; otherwise nothing is written and the reason names the certificate."""
    code, words = DEFECTS[defect]
    today = timezone.localdate()
    opener = grant(UserFactory(username=f"opener_{defect}"), Role.OFFICER, agency=desk.agency)
    certified(desk, tree, users, defect, on=today, user=opener)
    cases_before, entries_before = Case.objects.count(), Entry.objects.count()
    if code is None:
        assert _open(desk, opener).number
        return
    _refused(lambda: _open(desk, opener), code, words, f"GATE-{defect}")
    assert (Case.objects.count(), Entry.objects.count()) == (cases_before, entries_before)


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
@pytest.mark.parametrize("defect", DEFECTS)
def test_assigning_an_officer_needs_a_certificate_in_force_on_the_day(desk, tree, users, defect):
    code, words = DEFECTS[defect]
    today = timezone.localdate()
    case = _open(desk, desk.officer)
    person = certified(desk, tree, users, defect, on=today)
    if code is None:
        assert services.officer_assign(case=case, person=person, actor=desk.officer).certificate_number == "GATE-" + defect
        return
    _refused(lambda: services.officer_assign(case=case, person=person, actor=desk.officer), code, words,
             f"GATE-{defect}")
    assert not case.officers.filter(person=person).exists()


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
@pytest.mark.parametrize("defect", DEFECTS)
def test_an_on_site_record_is_held_to_the_day_of_the_work(desk, tree, users, defect):
    """An inspection record entered today of work done three days ago is held to that day: its officers' certificates
    must have been in force then. Entered by the head: the certificate's defect lasts to today, and a late entry
    naming such an officer is the head's to make (see the next test); the work-day gate holds the head too."""
    code, words = DEFECTS[defect]
    action = timezone.localtime() - dt.timedelta(days=3)
    case = _investigating(desk)
    person = certified(desk, tree, users, defect, on=action.date())
    _assigned_before(case, person)
    body = elements(desk, time=action.isoformat(), end_time=(action + dt.timedelta(minutes=20)).isoformat(),
                    officers=[desk.officers[0].pk, person.pk])
    documents_before = Document.objects.count()
    if code is None:
        assert services.document_record(case=case, form="inspection_record", elements=body, actor=desk.head).pk
        return
    _refused(lambda: services.document_record(case=case, form="inspection_record", elements=body, actor=desk.head),
             code, words, f"GATE-{defect}")
    assert Document.objects.count() == documents_before


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_a_record_of_work_done_while_the_certificate_was_in_force_is_entered_by_a_head_after_it_expired(
        desk, tree, users):
    """The check date is the date of the work: a certificate that expired yesterday covers the inspection made the
    day before yesterday. But the work day is typed, so a late entry naming an officer whose certificate is not in
    force today (review18 finding 1) is refused to an officer — the lapsed one included, even holding a head's role —
    and accepted from a head of the agency, who answers for it (records.findings lists it)."""
    today = timezone.localdate()
    case = _investigating(desk)
    lapsed_user = grant(UserFactory(username="lapsed_head"), Role.HANDLING_HEAD, agency=desk.agency)
    person = certified(desk, tree, users, "expired_the_day_before", on=today, user=lapsed_user)
    _assigned_before(case, person)
    action = timezone.localtime() - dt.timedelta(days=2)
    body = elements(desk, time=action.isoformat(), end_time=(action + dt.timedelta(minutes=20)).isoformat(),
                    officers=[desk.officers[0].pk, person.pk])
    documents_before, entries_before = Document.objects.count(), Entry.objects.count()
    for actor in (desk.officer, lapsed_user):
        with pytest.raises(ZhifaError) as exc:
            services.document_record(case=case, form="inspection_record", elements=body, actor=actor)
        assert exc.value.code == "officer_certificate_expired" and exc.value.details["late_entry"] is True
        assert f"补录 {action:%Y-%m-%d} 的执法文书" in exc.value.message and "负责人核实后录入" in exc.value.message
    assert (Document.objects.count(), Entry.objects.count()) == (documents_before, entries_before)
    assert services.document_record(case=case, form="inspection_record", elements=body, actor=desk.head).pk
    # … and the same work dated today is refused
    body |= {"time": timezone.now().isoformat(), "end_time": None}
    _refused(lambda: services.document_record(case=case, form="inspection_record", elements=body, actor=desk.officer),
             "officer_certificate_expired", f"已于 {today - dt.timedelta(days=1):%Y-%m-%d} 过期", "GATE-expired_the_day_before")


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_a_genuine_late_entry_by_certified_officers_is_accepted_from_an_officer(desk, tree, users):
    """Typing up on Monday the inspection of last week, with every named officer still certified: nothing to explain."""
    case = _investigating(desk)
    action = timezone.localtime() - dt.timedelta(days=4)
    body = elements(desk, time=action.isoformat(), end_time=(action + dt.timedelta(minutes=20)).isoformat())
    assert services.document_record(case=case, form="inspection_record", elements=body, actor=desk.officer).pk


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_a_lifted_suspension_restores_the_officer_from_the_day_it_is_lifted(desk, tree, users):
    today = timezone.localdate()
    case = _open(desk, desk.officer)
    person = certified(desk, tree, users, "suspended", on=today - dt.timedelta(days=5))
    with pytest.raises(ZhifaError):
        services.officer_assign(case=case, person=person, actor=desk.officer)
    suspension = person.certificates.get().suspensions.get()
    org_services.certificate_suspension_lift(suspension=suspension, lifted_on=today, reason="审查结束，未发现违规",
                                             actor=users.county_a1_supervisor)
    assert services.officer_assign(case=case, person=person, actor=desk.officer).certificate_number == "GATE-suspended"
    with pytest.raises(ZhifaError) as exc:  # the day before the lift, the suspension still held
        services.officer_assign(case=_open(desk, desk.officer), person=person, actor=desk.officer,
                                on=today - dt.timedelta(days=1))
    assert exc.value.code == "officer_certificate_suspended"


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_the_api_answers_each_gate_with_its_stable_code(client, desk, tree, users):
    from zhifa.core.models import ApiToken

    today = timezone.localdate()
    opener = grant(UserFactory(username="api_opener"), Role.OFFICER, agency=desk.agency)
    certified(desk, tree, users, "expired_the_day_before", on=today, user=opener, name="过期开案员")
    _row, raw = ApiToken.issue(user=opener, name="测试")
    body = {"agency_id": desk.agency.pk, "handling_unit_id": desk.unit.pk, "title": "检查某某超市",
            "action_type": "inspection", "procedure": "ordinary", "place": desk.place.code, "legal_basis": "某法"}
    response = client.post("/api/cases/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "officer_certificate_expired"
    assert "GATE-expired_the_day_before" in response.json()["message"]
    assert not Case.objects.filter(opened_by=opener).exists()

    _row, raw = ApiToken.issue(user=desk.officer, name="测试")
    case = _open(desk, desk.officer)
    suspended = certified(desk, tree, users, "suspended", on=today, name="暂扣员")
    response = client.post(f"/api/cases/{case.pk}/officers?person_id={suspended.pk}",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 400 and response.json()["code"] == "officer_certificate_suspended"
    assert not case.officers.exists()


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_a_pushed_case_naming_an_officer_out_of_area_leaves_nothing_behind(client, desk, tree, users):
    """REC-09's push is one transaction: a record naming an officer whose certificate does not cover the place refuses
    the whole push, the case included."""
    from zhifa.core.models import ApiToken

    today = timezone.localdate()
    elsewhere = certified(desk, tree, users, "valid_on_its_last_day", on=today + dt.timedelta(days=30), name="外区员")
    cert = elsewhere.certificates.get()
    cert.area = tree.a2
    cert.save(update_fields=["area"])
    _row, raw = ApiToken.issue(user=desk.head, name="对接")
    numbers = [desk.officers[0].certificates.get().number, cert.number]
    push = {"external_system": "XT", "external_id": "GATE-1", "agency_id": desk.agency.pk,
            "handling_unit_id": desk.unit.pk, "title": "外部推送案件", "action_type": "inspection",
            "procedure": "ordinary", "place": desk.place.code, "legal_basis": "某法", "parties": [],
            "officer_certificates": numbers, "documents": []}
    cases_before, entries_before = Case.objects.count(), Entry.objects.count()
    response = client.post("/api/cases/push", push, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 400 and response.json()["code"] == "officer_out_of_area", response.content
    assert "执法区域不含甲一县" in response.json()["message"]
    assert (Case.objects.count(), Entry.objects.count()) == (cases_before, entries_before)
