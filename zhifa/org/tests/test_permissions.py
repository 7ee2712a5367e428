"""Roles and scoped permissions (ORG-05): grants and, as carefully, denials."""

import pytest

from zhifa.core.errors import NotFoundError, PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import CASE_PERMISSIONS, PERMISSIONS, Role
from zhifa.org import permissions as perms
from zhifa.org import selectors, services
from zhifa.org.models import RoleGrant
from zhifa.org.tests.factories import UserFactory, grant


@pytest.mark.req("ORG-05")
def test_every_role_of_the_spec_exists():
    """ORG-05 lists officer, handling-unit head, reviewer, head of review, agency head (incl. head in charge of
    legal work), publicity editor and approver, supervisor, party, interested person, other state organ."""
    expected = {"officer", "handling_head", "reviewer", "review_head", "agency_head", "legal_head",
                "publicity_editor", "publicity_approver", "supervisor", "party", "interested_person", "state_organ"}
    assert expected <= set(Role.values)
    assert all(roles <= set(Role) for roles in PERMISSIONS.values())


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_city_supervisor_sees_its_counties_never_another_city(users, tree):
    visible = set(selectors.agency_list_for(actor=users.city_a_supervisor).values_list("name", flat=True))
    assert visible == {"甲一县市场监督管理局", "甲二县市场监督管理局", "甲市市场监督管理局"}
    assert "乙一县市场监督管理局" not in visible
    region_visible = selectors.agency_list_for(actor=users.region_supervisor).count()
    assert region_visible == 4


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_agency_grant_covers_only_that_agency(users, tree):
    assert [a.name for a in selectors.agency_list_for(actor=users.officer_a1)] == ["甲一县市场监督管理局"]
    assert perms.can(users.officer_a1, "org.view", agency=tree.agency_a1)
    assert not perms.can(users.officer_a1, "org.view", agency=tree.agency_a2)
    assert not perms.can(users.officer_a1, "org.view", jurisdiction=tree.a1)  # an agency grant is no jurisdiction grant


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_out_of_scope_object_is_the_same_404_as_a_missing_one_and_is_recorded(users, tree):
    with pytest.raises(NotFoundError):
        selectors.agency_get_for(actor=users.city_a_supervisor, id=tree.agency_b1.pk)
    with pytest.raises(NotFoundError):
        selectors.agency_get_for(actor=users.city_a_supervisor, id=999999)
    events = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED)
    assert events.count() == 1  # the missing one is no denial
    assert events.get().detail == f"agency {tree.agency_b1.pk}"


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_role_without_the_permission_is_denied(users, tree):
    assert perms.can(users.head_a1, "org.manage", agency=tree.agency_a1)
    assert not perms.can(users.officer_a1, "org.manage", agency=tree.agency_a1)
    assert not perms.can(users.city_a_supervisor, "org.manage", agency=tree.agency_a1)
    assert perms.can(users.city_a_supervisor, "org.manage_certificates", agency=tree.agency_a1)
    assert not perms.can(users.nobody, "org.view")
    assert perms.scope_for(users.nobody, "org.view").empty
    with pytest.raises(PermissionDeniedError):
        perms.require(users.officer_a1, "org.import")
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, permission="org.import").exists()


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_superuser_holds_every_permission_everywhere_except_case_work(users, tree):
    """Administrators are trusted with accounts, not case content (issue 14, review #1): an agency's case work
    (core.permissions.CASE_PERMISSIONS) comes only from a role grant, to an administrator as to anyone."""
    assert CASE_PERMISSIONS < set(PERMISSIONS)
    assert all(perms.can(users.su, p, agency=tree.agency_b1) for p in set(PERMISSIONS) - CASE_PERMISSIONS)
    assert not any(perms.can(users.su, p) or perms.can(users.su, p, agency=tree.agency_b1) for p in CASE_PERMISSIONS)
    assert selectors.agency_list_for(actor=users.su).count() == 4
    grant(users.su, Role.AGENCY_HEAD, agency=tree.agency_b1)
    assert perms.can(users.su, "cases.issue_document", agency=tree.agency_b1)
    assert not perms.can(users.su, "cases.issue_document", agency=tree.agency_a1)


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_revoked_grant_gives_nothing(users, tree):
    row = RoleGrant.objects.get(user=users.city_a_supervisor)
    services.role_revoke(grant=row, actor=users.su)
    assert selectors.agency_list_for(actor=users.city_a_supervisor).count() == 0


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_granting_is_scoped_too(users, tree):
    newcomer = UserFactory()
    services.role_grant(user=newcomer, role=Role.OFFICER, agency=tree.agency_a1, actor=users.head_a1)
    assert perms.can(newcomer, "org.view", agency=tree.agency_a1)
    with pytest.raises(PermissionDeniedError):  # another agency
        services.role_grant(user=newcomer, role=Role.OFFICER, agency=tree.agency_a2, actor=users.head_a1)
    with pytest.raises(PermissionDeniedError):  # jurisdiction grants are for administrators
        services.role_grant(user=newcomer, role=Role.SUPERVISOR, jurisdiction=tree.a1, actor=users.head_a1)
    with pytest.raises(PermissionDeniedError):  # a party is not agency staff
        services.role_grant(user=newcomer, role=Role.PARTY, agency=tree.agency_a1, actor=users.head_a1)
    with pytest.raises(ZhifaError) as exc:
        services.role_grant(user=newcomer, role=Role.OFFICER, actor=users.su)
    assert exc.value.code == "grant_scope_invalid"
    with pytest.raises(ZhifaError):
        services.role_grant(user=newcomer, role=Role.SUPERVISOR, agency=tree.agency_a1, actor=users.su)


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_nested_grants_collapse_to_the_widest(tree):
    user = grant(grant(UserFactory(), Role.SUPERVISOR, jurisdiction=tree.a1), Role.SUPERVISOR, jurisdiction=tree.city_a)
    assert perms.scope_for(user, "org.view").paths == (tree.city_a.path,)


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_people_lists_are_scoped(users, tree, staffed_agency):
    from zhifa.org.tests.factories import PersonFactory

    PersonFactory(agency=tree.agency_b1, name="乙县人员")
    names = set(selectors.person_list_for(actor=users.city_a_supervisor).values_list("name", flat=True))
    assert "乙县人员" not in names and staffed_agency.reviewer.name in names
    with pytest.raises(NotFoundError):
        selectors.person_get_for(actor=users.officer_a1, id=selectors.person_list_for(actor=users.su).get(name="乙县人员").pk)
