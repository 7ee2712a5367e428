"""Recordings due, requests to inspect or copy records, and certificates about to expire on the lists of those who
act on them, and nowhere else (issue 18 §1)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.core.permissions import Role
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, UserFactory, grant
from zhifa.records import access
from zhifa.records.models import AccessRequest
from zhifa.records.tests.conftest import seizure  # noqa: F401  (fixture)
from zhifa.records.tests.test_coverage import _seizure_record
from zhifa.records.tests.test_recordings import upload
from zhifa.rules.services import ruleset_apply
from zhifa.worklist.selectors import overdue_for, todo_for

pytestmark = pytest.mark.django_db


def of_kind(user, kind, on=None):
    return [i for i in todo_for(user, on=on or timezone.localdate()) if i.kind == kind]


@pytest.fixture
def im_m(tree, users):
    ruleset_apply(name="im-m", jurisdiction=tree.region, actor=users.su)


@pytest.mark.req("REC-08")
def test_a_mandatory_recording_is_due_by_the_upload_limit_until_it_is_uploaded(on_duty, im_m, seizure, users, tree):  # noqa: F811
    case, camera = seizure
    start = timezone.now() - dt.timedelta(hours=3)
    seize = _seizure_record(on_duty, case, start=start, minutes=10)
    due = timezone.localdate(start + dt.timedelta(minutes=10, hours=24))  # IM-M §20: within 24 hours
    items = of_kind(on_duty.officer, "records.upload")
    assert (len(items) == 1 and items[0].due == due and items[0].url.startswith(f"/records/cases/{case.pk}/?document={seize.pk}&activity=")
            and items[0].url.endswith("#upload"))
    assert "查封、扣押" in items[0].title or "扣押" in items[0].title
    other = grant(UserFactory(), Role.OFFICER, agency=tree.agency_a2)
    assert of_kind(other, "records.upload") == []
    # Past the limit it is overdue on the list, and on the overdue page of the supervisors above the agency only.
    later = due + dt.timedelta(days=7)
    assert of_kind(on_duty.officer, "records.upload", on=later)[0].overdue
    assert [i.kind for i in overdue_for(users.city_a_supervisor, on=later)] == ["records.upload"]
    assert overdue_for(grant(UserFactory(), Role.SUPERVISOR, jurisdiction=tree.city_b), on=later) == []
    upload(on_duty, case, camera, document=seize, start=start, minutes=10)
    assert of_kind(on_duty.officer, "records.upload") == []


@pytest.mark.req("REC-14")
def test_an_access_request_waits_for_the_head_who_decides_it_on_its_page(client, on_duty, seizure, users, tree):  # noqa: F811
    case, _camera = seizure
    request = access.access_request_create(case=case, requester_kind="interested_person", requester_name="李四",
                                           purpose="查阅现场检查笔录", actor=on_duty.officer)
    items = of_kind(users.head_a1, "records.access_decide")
    assert len(items) == 1 and items[0].url == f"/worklist/access-requests/{request.pk}/#decide"
    other_head = grant(UserFactory(), Role.AGENCY_HEAD, agency=tree.agency_a2)
    assert of_kind(other_head, "records.access_decide") == []
    client.force_login(other_head)
    assert client.get(f"/worklist/access-requests/{request.pk}/").status_code == 404
    client.force_login(users.head_a1)
    page = client.get(f"/worklist/access-requests/{request.pk}/").content.decode()
    assert "李四" in page and "查阅现场检查笔录" in page
    response = client.post(f"/worklist/access-requests/{request.pk}/", {"decision": "refuse", "reason": "与本人无关"})
    assert response.status_code == 302
    assert AccessRequest.objects.get(pk=request.pk).status == "refused"
    assert of_kind(users.head_a1, "records.access_decide") == []


def test_an_approval_names_the_records_shown(client, on_duty, seizure, users):  # noqa: F811
    from zhifa.cases.selectors import current_documents

    case, _camera = seizure
    request = access.access_request_create(case=case, requester_kind="interested_person", requester_name="李四",
                                           purpose="查阅", actor=on_duty.officer)
    client.force_login(users.head_a1)
    client.post(f"/worklist/access-requests/{request.pk}/", {"decision": "approve", "reason": "同意"})
    assert AccessRequest.objects.get(pk=request.pk).status == "pending"  # nothing named: refused by records.access
    doc = current_documents(case)[0]
    client.post(f"/worklist/access-requests/{request.pk}/",
                {"decision": "approve", "reason": "同意", "shown": [f"document:{doc.pk}"]})
    decided = AccessRequest.objects.get(pk=request.pk)
    assert decided.status == "approved" and decided.shown == [{"type": "document", "id": doc.pk}]


@pytest.mark.req("ORG-03")
def test_a_certificate_about_to_expire_waits_for_its_holder_and_the_agencys_registry(users, tree):
    holder = grant(UserFactory(), Role.OFFICER, agency=tree.agency_a1)
    person = PersonFactory(agency=tree.agency_a1, user=holder, name="钱执法")
    today = timezone.localdate()
    CertificateFactory(person=person, valid_from=today - dt.timedelta(days=300), valid_to=today + dt.timedelta(days=20))
    admin = grant(UserFactory(), Role.ORG_ADMIN, agency=tree.agency_a1)
    for user in (holder, admin, users.head_a1):
        found = of_kind(user, "org.certificate_expiring")
        assert len(found) == 1 and found[0].due == today + dt.timedelta(days=20) and "钱执法" in found[0].label
    assert of_kind(grant(UserFactory(), Role.ORG_ADMIN, agency=tree.agency_a2), "org.certificate_expiring") == []
    assert of_kind(users.officer_a1, "org.certificate_expiring") == []  # a colleague's certificate is not his work


@pytest.mark.req("REC-08")
def test_an_overdue_upload_says_that_remote_work_may_excuse_it(client, on_duty, im_m, seizure, users):  # noqa: F811
    """IM-M §20: after continuous or remote work the recording is uploaded once conditions allow, so an overdue
    upload says so on the officer's list and on the overdue page (finding 19 of review 18), not before it is due."""
    import time_machine

    case, _camera = seizure
    start = timezone.now() - dt.timedelta(hours=3)
    _seizure_record(on_duty, case, start=start, minutes=10)
    assert of_kind(on_duty.officer, "records.upload")[0].hint == ""
    later = timezone.localdate(start) + dt.timedelta(days=7)
    [due] = of_kind(on_duty.officer, "records.upload", on=later)
    assert due.overdue and due.hint == "异地执法、连续执法可在上传时说明原因（具备条件后即时上传）"
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(later, dt.time(10))), tick=False):
        client.force_login(on_duty.officer)
        assert due.hint in client.get("/").content.decode()
        client.force_login(users.city_a_supervisor)
        page = client.get("/worklist/overdue/").content.decode()
    assert due.hint in page and on_duty.officer.person.name in page  # who must upload it


def test_the_hint_follows_the_rules_remote_allowance():
    from zhifa.records.todo import _remote_hint

    assert _remote_hint({"unit": "working_days", "amount": 2,
                         "remote": {"rule": "after_return", "unit": "working_days", "amount": 2}}) == \
        "异地执法、连续执法可在上传时说明原因（返回单位后 2 个工作日内上传）"
    assert _remote_hint({"unit": "hours", "amount": 24}) == ""


@pytest.mark.req("REC-08")
def test_one_upload_deadline_for_the_upload_and_for_the_list():
    """records.services.upload_due is the one computation (finding 7 of review 18): hours run on the clock, working
    days end at the end of the last one, remote work follows the rules' allowance."""
    from zhifa.core.errors import ZhifaError
    from zhifa.records.services import upload_due

    ended = timezone.make_aware(dt.datetime(2026, 6, 5, 16, 0))  # a Friday
    im_m = {"unit": "hours", "amount": 24, "remote": {"rule": "when_possible"}}
    az = {"unit": "working_days", "amount": 2, "remote": {"rule": "after_return", "unit": "working_days", "amount": 2}}
    assert upload_due(im_m, ended) == (ended + dt.timedelta(hours=24), False)
    assert upload_due(im_m, ended, remote=True) == (None, False)
    due, _ = upload_due(az, ended)
    assert due == timezone.make_aware(dt.datetime(2026, 6, 9, 23, 59, 59))  # Monday, Tuesday
    back = timezone.make_aware(dt.datetime(2026, 6, 10, 9, 0))  # returned on Wednesday
    assert upload_due(az, ended, remote=True, returned_at=back)[0] == \
        timezone.make_aware(dt.datetime(2026, 6, 12, 23, 59, 59))
    with pytest.raises(ZhifaError):
        upload_due(az, ended, remote=True)
