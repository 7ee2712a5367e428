"""The organisation registry: jurisdictions, agencies, confirmation, units and people (ORG-01, ORG-02)."""

import pytest

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.org import services
from zhifa.org.models import Agency, AgencyKind, AgencyStatus, Field, Level
from zhifa.org.tests.factories import AgencyFactory


@pytest.mark.req("ORG-01")
@pytest.mark.django_db
def test_jurisdiction_tree_levels_are_enforced(users):
    region = services.jurisdiction_create(name="新区", code="T20000", level=Level.REGION, parent=None, actor=users.su)
    city = services.jurisdiction_create(name="新市", code="T20100", level=Level.CITY, parent=region, actor=users.su)
    county = services.jurisdiction_create(name="新县", code="T20101", level=Level.COUNTY, parent=city, actor=users.su)
    assert county.path == f"/{region.pk}/{city.pk}/{county.pk}/"
    # Each level has its justice bureau (ORG-01), created with the node.
    bureaus = Agency.objects.filter(is_justice_bureau=True, jurisdiction__in=[region, city, county])
    assert sorted(bureaus.values_list("name", flat=True)) == ["新区司法厅", "新县司法局", "新市司法局"]
    assert county.ancestor_ids == [region.pk, city.pk, county.pk]
    with pytest.raises(ZhifaError) as exc:
        services.jurisdiction_create(name="错县", code="T20199", level=Level.COUNTY, parent=region, actor=users.su)
    assert exc.value.code == "jurisdiction_level_mismatch"
    with pytest.raises(ZhifaError):
        services.jurisdiction_create(name="错市", code="T20299", level=Level.CITY, parent=None, actor=users.su)


@pytest.mark.req("ORG-01")
@pytest.mark.django_db
def test_only_administrators_change_the_tree(users, tree):
    with pytest.raises(PermissionDeniedError):
        services.jurisdiction_create(name="私设县", code="T10199", level=Level.COUNTY, parent=tree.city_a,
                                     actor=users.region_supervisor)


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_agency_registration_records_every_field_and_starts_pending(users, tree):
    agency = services.agency_create(
        jurisdiction=tree.a1, actor=users.county_a1_supervisor, name="甲一县交通运输局", kind=AgencyKind.ORGAN,
        field=Field.TRANSPORT, office_address="甲一县人民路1号", mailing_address="甲一县信箱2号",
        enquiry_phone="0999-1234567", supervision_phone="0999-7654321", duties="交通运输行政执法",
        enforcement_types=["licence", "penalty"], enforcement_area="甲一县",
    )
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.PENDING
    assert (agency.office_address, agency.mailing_address, agency.enquiry_phone, agency.supervision_phone) == (
        "甲一县人民路1号", "甲一县信箱2号", "0999-1234567", "0999-7654321")
    assert agency.enforcement_types == ["licence", "penalty"]


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_entrusted_organisation_must_name_its_entruster(users, tree):
    with pytest.raises(ZhifaError) as exc:
        services.agency_create(jurisdiction=tree.a1, actor=users.su, name="受托队", kind=AgencyKind.ENTRUSTED,
                               field=Field.CULTURE)
    assert exc.value.code == "agency_entruster_required"
    ok = services.agency_create(jurisdiction=tree.a1, actor=users.su, name="受托队", kind=AgencyKind.ENTRUSTED,
                                field=Field.CULTURE, entrusted_by=tree.agency_a1)
    assert ok.entrusted_by == tree.agency_a1


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_unknown_enforcement_type_and_duplicate_name_are_refused(users, tree):
    with pytest.raises(ZhifaError):
        services.agency_create(jurisdiction=tree.a1, actor=users.su, name="某局", kind=AgencyKind.ORGAN,
                               field=Field.MARKET, enforcement_types=["fine"])
    with pytest.raises(ZhifaError) as exc:
        services.agency_create(jurisdiction=tree.a1, actor=users.su, name=tree.agency_a1.name, kind=AgencyKind.ORGAN,
                               field=Field.MARKET)
    assert exc.value.code == "duplicate"


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_justice_bureau_of_the_agencys_own_level_confirms_it(users, tree):
    """AZ-P §9: the justice bureau confirms the status of the agencies of its own level."""
    pending = AgencyFactory(jurisdiction=tree.a1, status=AgencyStatus.PENDING)
    # The city's supervisor oversees the county but does not confirm county agencies.
    with pytest.raises(ZhifaError) as exc:
        services.agency_confirm(agency=pending, actor=users.city_a_supervisor)
    assert exc.value.code == "agency_confirm_wrong_level"
    # An agency head cannot confirm at all.
    with pytest.raises(PermissionDeniedError):
        services.agency_confirm(agency=pending, actor=users.head_a1)
    confirmed = services.agency_confirm(agency=pending, actor=users.county_a1_supervisor)
    assert confirmed.status == AgencyStatus.CONFIRMED and confirmed.confirmed_by == users.county_a1_supervisor
    with pytest.raises(ZhifaError) as exc:
        services.agency_confirm(agency=pending, actor=users.county_a1_supervisor)
    assert exc.value.code == "agency_already_confirmed"


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_supervisor_of_another_county_cannot_confirm_and_the_denial_is_recorded(users, tree):
    pending = AgencyFactory(jurisdiction=tree.b1, status=AgencyStatus.PENDING)
    with pytest.raises(PermissionDeniedError):
        services.agency_confirm(agency=pending, actor=users.county_a1_supervisor)
    assert Agency.objects.get(pk=pending.pk).status == AgencyStatus.PENDING
    event = SecurityEvent.objects.get(kind=SecurityEventKind.DENIED)
    assert event.user == users.county_a1_supervisor and event.permission == "org.confirm_agency"


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_one_justice_bureau_per_jurisdiction(users, tree):
    services.agency_create(jurisdiction=tree.a1, actor=users.su, is_justice_bureau=True, name="甲一县司法局",
                           kind=AgencyKind.ORGAN, field=Field.JUSTICE)
    with pytest.raises(ZhifaError):
        services.jurisdiction_create(name="重复县", code="T10101", level=Level.COUNTY, parent=tree.city_a, actor=users.su)
    with pytest.raises(ZhifaError):
        services.agency_create(jurisdiction=tree.a1, actor=users.su, is_justice_bureau=True, name="甲一县司法局二",
                               kind=AgencyKind.ORGAN, field=Field.JUSTICE)


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_agency_head_updates_own_agency_only(users, tree):
    services.agency_update(agency=tree.agency_a1, actor=users.head_a1, enquiry_phone="0999-1111111")
    assert Agency.objects.get(pk=tree.agency_a1.pk).enquiry_phone == "0999-1111111"
    with pytest.raises(PermissionDeniedError):
        services.agency_update(agency=tree.agency_a2, actor=users.head_a1, enquiry_phone="0999-2222222")
    with pytest.raises(PermissionDeniedError):
        services.agency_update(agency=tree.agency_a1, actor=users.officer_a1, enquiry_phone="0999-3333333")


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_an_agencys_credit_code_is_checked_and_stored_normalised(users, tree):
    """GB 32100 through core.idnumbers: a wrong check character is refused naming the right one; a full-width
    code is stored in ASCII; an agency may still be registered without one."""
    with pytest.raises(ZhifaError) as exc:
        services.agency_create(jurisdiction=tree.a1, actor=users.su, name="某局", kind=AgencyKind.ORGAN,
                               field=Field.MARKET, credit_code="91110000600037341M")
    assert exc.value.code == "agency_credit_code_invalid" and "第18位校验码应为L" in exc.value.message
    agency = services.agency_create(jurisdiction=tree.a1, actor=users.su, name="某局", kind=AgencyKind.ORGAN,
                                    field=Field.MARKET, credit_code="９１１１００００６０００３７３４１ｌ")
    assert Agency.objects.get(pk=agency.pk).credit_code == "91110000600037341L"
    with pytest.raises(ZhifaError) as exc:
        services.agency_update(agency=agency, actor=users.su, credit_code="9111000060003734")
    assert "应为18位（现为16位）" in exc.value.message
    assert Agency.objects.get(pk=agency.pk).credit_code == "91110000600037341L"
    assert services.agency_create(jurisdiction=tree.a1, actor=users.su, name="无码局", kind=AgencyKind.ORGAN,
                                  field=Field.MARKET).credit_code == ""
