"""List pages and API lists must not grow queries with rows (developers' guide: Speed)."""

import pytest

from zhifa.core.testing import query_count
from zhifa.org.tests.factories import AgencyFactory, CertificateFactory, PersonFactory, UnitFactory


def grow(tree, agencies: int, people: int):
    for i in range(agencies):
        agency = AgencyFactory(jurisdiction=tree.a1 if i % 2 else tree.a2)
        review = UnitFactory(agency=agency, kind="review")
        for j in range(people):
            person = PersonFactory(agency=agency, unit=review if j == 0 else None, is_reviewer=j == 0,
                                   legal_qualification_number="A1" if j == 0 else "")
            CertificateFactory(person=person)


def measure(client, url):
    def get():
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
    get()  # warm caches (content types, sessions) so both sizes are measured alike
    return query_count(get)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/org/agencies/", "/org/people/", "/api/org/agencies?limit=100",
                                 "/org/jurisdictions/", "/security/events/"])
def test_supervisor_lists_run_the_same_queries_at_two_sizes(client, users, tree, url):
    client.force_login(users.region_supervisor)
    grow(tree, agencies=2, people=2)
    small = measure(client, url)
    grow(tree, agencies=12, people=4)
    large = measure(client, url)
    assert small == large, f"{url}: {small} queries with few rows, {large} with more"


@pytest.mark.django_db
def test_agency_people_api_and_detail_are_constant(client, users, tree, staffed_agency):
    client.force_login(users.head_a1)
    url_people = f"/api/org/agencies/{staffed_agency.agency.pk}/people?limit=200"
    url_detail = f"/org/agencies/{staffed_agency.agency.pk}/"
    small = (measure(client, url_people), measure(client, url_detail))
    for _ in range(15):
        CertificateFactory(person=PersonFactory(agency=staffed_agency.agency, unit=staffed_agency.handling))
    large = (measure(client, url_people), measure(client, url_detail))
    assert small == large
