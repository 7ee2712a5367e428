"""An assessment world on the shared tree: the justice bureaus of city A, the region and city B; 甲一县's desk (the
agency A1 with officers) for planting records; the supervisors and heads who act or read."""

import datetime as dt
from types import SimpleNamespace

import pytest

from zhifa.core.permissions import Role
from zhifa.org.tests.factories import AgencyFactory, UserFactory, grant

YEAR = 2026
IN_YEAR = dt.date(2026, 6, 1)


@pytest.fixture
def world(tree, users, desk):
    bureau_a = AgencyFactory(name="甲市司法局", jurisdiction=tree.city_a, is_justice_bureau=True, abbreviation="甲司",
                             field="justice")
    bureau_b = AgencyFactory(name="乙市司法局", jurisdiction=tree.city_b, is_justice_bureau=True, abbreviation="乙司",
                             field="justice")
    sup_b = grant(UserFactory(username="sup_b"), Role.SUPERVISOR, jurisdiction=tree.city_b)
    head_a2 = grant(UserFactory(username="head_a2"), Role.AGENCY_HEAD, agency=tree.agency_a2)
    return SimpleNamespace(tree=tree, users=users, desk=desk, bureau_a=bureau_a, bureau_b=bureau_b,
                           sup=users.city_a_supervisor, sup_r=users.region_supervisor,
                           sup_a1=users.county_a1_supervisor, sup_b=sup_b, head=users.head_a1, head_a2=head_a2,
                           officer=users.officer_a1, nobody=users.nobody)


def opened(world, actor=None, year=YEAR):
    from zhifa.assessment import services

    return services.assessment_create(actor=actor or world.sup, bureau=world.bureau_a, year=year)


def computed(world, actor=None):
    from zhifa.assessment import services

    return services.assessment_compute(assessment=opened(world), actor=actor or world.sup)


@pytest.fixture(autouse=True)
def _no_evaluation(monkeypatch):
    """Case-file evaluation results are another app's (evaluation.selectors.agency_results): stubbed with no files
    unless a test plants some."""
    from zhifa.assessment import indicators

    monkeypatch.setattr(indicators, "evaluation_results", lambda ids, date_from, date_to: {}, raising=False)
