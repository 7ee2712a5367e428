"""M20: an agency whose decisions are revoked or found unlawful, or withheld from publication, above the threshold over
a period (IM-M §11, §13, §33)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.org.models import UnitKind
from zhifa.org.tests.factories import UnitFactory
from zhifa.supervision.problems.m20_rates import AgencyRates
from zhifa.supervision.registry import REGISTRY, Level, Scope

from . import s3_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = AgencyRates()
TODAY = dt.date(2026, 11, 30)
IN_PERIOD = TODAY - dt.timedelta(days=100)


def run(**kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, TODAY, **kw)))


def decisions(desk, n, *, agency=None, revoked=0, exempted=0, trigger="reconsideration", on=IN_PERIOD):
    for i in range(n):
        w.publication(desk, decided_on=on, agency=agency, trigger=trigger if i < revoked else "",
                      state="exempted" if revoked <= i < revoked + exempted else "collected")


@pytest.fixture
def other(tree):
    UnitFactory(agency=tree.agency_a2, name="执法大队", kind=UnitKind.HANDLING)
    return tree.agency_a2


def key(agency):
    return ("agency", agency.pk)


def test_registered_as_an_agency_model():
    assert REGISTRY["M20"].scope == Scope.AGENCY and "国办发〔2018〕118号" in AgencyRates.basis
    assert "publicity.withdrawn" in AgencyRates.triggers


def test_planted_high_revocation_rate_alarms_and_clean_agency_does_not(desk, other):
    decisions(desk, 20, revoked=2)  # 10 %: the alarm line
    decisions(desk, 20, agency=other)
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {key(desk.agency): Level.ALARM}
    assert hits[0].case_id is None and "纠错率 10.0%" in hits[0].detail
    assert hits[0].evidence["decisions"] == 20 and hits[0].evidence["revoked"] == 2


def test_boundary_warning_line_and_the_minimum_number_of_decisions(desk, other):
    decisions(desk, 20, revoked=1)  # 5 %: the warning line
    decisions(desk, 19, agency=other, revoked=5)  # 19 decisions: too few to judge
    assert run() == {key(desk.agency): Level.WARNING}
    assert run(overrides={"min_decisions": 19}) == {key(desk.agency): Level.WARNING, key(other): Level.ALARM}


def test_a_wrong_public_text_is_not_a_revoked_decision(desk):
    decisions(desk, 20, revoked=5, trigger="error")
    assert run() == {}


def test_exemption_rate(desk, other):
    decisions(desk, 20, exempted=2)  # 10 %: warning
    decisions(desk, 20, agency=other, exempted=4)  # 20 %: alarm
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {key(desk.agency): Level.WARNING, key(other): Level.ALARM}
    assert "不予公开率 10.0%" in hits[0].detail or "不予公开率 10.0%" in hits[1].detail


def test_boundary_the_period(desk):
    """365 days up to the run: a decision of 365 days ago is outside, one of 364 days ago inside."""
    decisions(desk, 19, on=TODAY - dt.timedelta(days=364))
    decisions(desk, 1, revoked=1, on=TODAY - dt.timedelta(days=365))
    assert run() == {}
    decisions(desk, 1, revoked=1, on=TODAY - dt.timedelta(days=364))
    assert run() == {key(desk.agency): Level.WARNING}
    wider = list(MODEL.evaluate(w.context(MODEL, TODAY, overrides={"period_days": 366})))
    assert wider[0].evidence["decisions"] == 21 and wider[0].evidence["revoked"] == 2


def licences(desk, n, *, refused=0, on=IN_PERIOD, agency=None, unit=None):
    for i in range(n):
        case = w.case(desk, opened=on - dt.timedelta(days=20), action_type="licence", stage="service_enforcement",
                      agency=agency, unit=unit)
        w.decision(desk, case, "不予行政许可。" if i < refused else "准予行政许可，核发食品经营许可证。", w.at(on, 9),
                   form="enforcement_decision")
        w.decided(desk, case, w.at(on, 15))


def test_licence_refusal_rate(desk, other):
    """不予许可率 over the licence decisions of the period: 20 % warns, 40 % alarms, 15 % is ordinary."""
    unit = other.units.first()
    licences(desk, 20, refused=4)
    licences(desk, 20, refused=3, agency=other, unit=unit)
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {key(desk.agency): Level.WARNING}
    assert "不予许可率 20.0%" in hits[0].detail and hits[0].evidence["licence_decisions"] == 20
    licences(desk, 5, refused=5, agency=other, unit=unit)  # 8 of 25: 32 %
    assert run()[key(other)] == Level.WARNING
    licences(desk, 2, refused=2, agency=other, unit=unit)  # 10 of 27: 37 %
    licences(desk, 1, refused=1, agency=other, unit=unit)  # 11 of 28: 39.3 %
    assert run()[key(other)] == Level.WARNING
    licences(desk, 2, refused=2, agency=other, unit=unit)  # 13 of 30: 43 %
    assert run()[key(other)] == Level.ALARM


def test_licence_decisions_outside_the_period_do_not_count(desk):
    licences(desk, 20, refused=10, on=TODAY - dt.timedelta(days=365))
    assert run() == {}
    assert run(overrides={"period_days": 366}) == {key(desk.agency): Level.ALARM}


def test_narrowed_to_the_agencies_of_the_run(desk, other):
    decisions(desk, 20, revoked=2)
    decisions(desk, 20, agency=other, revoked=2)
    assert run(agency_ids={other.pk}) == {key(other): Level.ALARM}
    one_case = desk.agency.cases.first()
    assert run(case_ids={one_case.pk}) == {key(desk.agency): Level.ALARM}


def test_bulk_queries_do_not_grow_with_decisions_or_agencies(desk, other):
    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, TODAY))))

    decisions(desk, 2, revoked=1)
    decisions(desk, 2, agency=other)
    licences(desk, 2, refused=1)
    two = count()
    decisions(desk, 18, revoked=1)
    decisions(desk, 18, agency=other, revoked=2)
    licences(desk, 18, refused=1)
    assert len(run()) == 2
    assert count() == two
