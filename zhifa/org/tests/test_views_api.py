"""Pages and API are two doors to the same checks (ORG-05; STYLE habit 1)."""

import pytest
from django.urls import reverse

from zhifa.core.models import ApiToken, SecurityEvent, SecurityEventKind
from zhifa.org.models import AgencyStatus
from zhifa.org.tests.factories import AgencyFactory, CertificateFactory, PersonFactory


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client
    return login


@pytest.fixture
def token_for():
    def issue(user):
        _row, raw = ApiToken.issue(user=user, name="测试")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return issue


@pytest.mark.django_db
def test_pages_require_login(client):
    for name in ["home", "agency-list", "person-list", "jurisdiction-list", "org-import", "rules-effective", "calendar"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_login_page_is_public_and_api_docs_are_for_staff(client, users):
    """Issue 14 §7: the API's description is for staff; the login page is public."""
    assert client.get(reverse("login")).status_code == 200
    assert client.get("/api/docs")["Location"].startswith(reverse("login"))
    assert client.get("/api/openapi.json").status_code == 401
    client.force_login(users.officer_a1)
    assert client.get("/api/docs").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/org/agencies" in spec["paths"] and "/api/rules/effective" in spec["paths"]


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_api_without_credentials_is_401_with_a_stable_code(client):
    response = client.get("/api/org/agencies")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_supervisor_pages_show_the_subtree_only(as_user, users, tree):
    client = as_user(users.city_a_supervisor)
    page = client.get(reverse("agency-list")).content.decode()
    assert "甲一县市场监督管理局" in page and "乙一县市场监督管理局" not in page
    assert client.get(reverse("agency-detail", args=[tree.agency_a2.pk])).status_code == 200
    denied = client.get(reverse("agency-detail", args=[tree.agency_b1.pk]))
    assert denied.status_code == 404
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=users.city_a_supervisor).exists()


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_officer_cannot_open_import_or_security_log(as_user, users):
    client = as_user(users.officer_a1)
    assert client.get(reverse("org-import")).status_code == 403
    assert client.get(reverse("security-events")).status_code == 403
    home = client.get(reverse("home")).content.decode()
    assert "批量导入" not in home and "安全日志" not in home
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, permission="org.import").count() == 1


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_user_without_grants_sees_a_home_page_and_nothing_else(as_user, users):
    client = as_user(users.nobody)
    assert "尚未授予任何角色" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("agency-list")).status_code == 403


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_confirm_through_the_page(as_user, users, tree):
    pending = AgencyFactory(jurisdiction=tree.a1, status=AgencyStatus.PENDING, name="待确认局")
    client = as_user(users.county_a1_supervisor)
    assert "确认执法主体资格" in client.get(reverse("agency-detail", args=[pending.pk])).content.decode()
    response = client.post(reverse("agency-confirm", args=[pending.pk]))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == AgencyStatus.CONFIRMED
    # The agency's own head sees no confirm button and cannot post it.
    other = AgencyFactory(jurisdiction=tree.a1, status=AgencyStatus.PENDING)
    head = as_user(users.head_a1)
    assert head.post(reverse("agency-confirm", args=[other.pk])).status_code == 404  # not in the head's scope


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_api_token_sees_the_same_scope_as_the_page(client, token_for, users, tree):
    headers = token_for(users.city_a_supervisor)
    names = {a["name"] for a in client.get("/api/org/agencies", **headers).json()["items"]}
    assert names == {"甲一县市场监督管理局", "甲二县市场监督管理局", "甲市市场监督管理局"}
    response = client.get(f"/api/org/agencies/{tree.agency_b1.pk}", **headers)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    filtered = client.get(f"/api/org/agencies?jurisdiction={tree.a2.code}", **headers).json()
    assert [a["name"] for a in filtered["items"]] == ["甲二县市场监督管理局"]


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_bad_or_revoked_token_is_refused_and_recorded(client, token_for, users):
    response = client.get("/api/org/agencies", HTTP_AUTHORIZATION="Bearer zf_nonsense")
    assert response.status_code == 401
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_FAILED).count() == 1
    headers = token_for(users.city_a_supervisor)
    ApiToken.objects.filter(user=users.city_a_supervisor).update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get("/api/org/agencies", **headers).status_code == 401


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_api_confirm_wrong_level_gives_its_code(client, token_for, users, tree):
    pending = AgencyFactory(jurisdiction=tree.a1, status=AgencyStatus.PENDING)
    response = client.post(f"/api/org/agencies/{pending.pk}/confirm", **token_for(users.city_a_supervisor))
    assert response.status_code == 403
    assert response.json()["code"] == "agency_confirm_wrong_level"
    ok = client.post(f"/api/org/agencies/{pending.pk}/confirm", **token_for(users.county_a1_supervisor))
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_api_eligibility_check(client, token_for, users, tree):
    person = PersonFactory(agency=tree.agency_a1)
    CertificateFactory(person=person, valid_to="2020-01-01", valid_from="2018-01-01")
    headers = token_for(users.head_a1)
    body = client.get(f"/api/org/people/{person.pk}/eligibility?field=market&jurisdiction={tree.a1.code}&on=2026-06-01",
                      **headers).json()
    assert body["ok"] is False and body["code"] == "officer_certificate_expired"
    bad = client.get(f"/api/org/people/{person.pk}/eligibility?field=nonsense&jurisdiction={tree.a1.code}", **headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_api_reviewer_ratio(client, token_for, users, staffed_agency):
    body = client.get(f"/api/org/agencies/{staffed_agency.agency.pk}/reviewer-ratio", **token_for(users.head_a1)).json()
    assert body == {"agency_id": staffed_agency.agency.pk, "reviewers": 1, "officers": 20, "ratio": 0.05,
                    "required": 1, "meets": True}


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_person_phone_is_shown_only_to_those_who_manage_people(client, token_for, users, tree):
    person = PersonFactory(agency=tree.agency_a1, phone="13800000000")
    assert client.get(f"/api/org/people/{person.pk}", **token_for(users.officer_a1)).json()["phone"] is None
    assert client.get(f"/api/org/people/{person.pk}", **token_for(users.head_a1)).json()["phone"] == "13800000000"
