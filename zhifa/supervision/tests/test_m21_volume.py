"""M21: an agency's monthly case count far from its own history — a surge, a sharp drop, no cases at all."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.org.models import UnitKind
from zhifa.org.tests.factories import UnitFactory
from zhifa.supervision.problems.m21_volume import CaseVolumeAnomaly, month_start
from zhifa.supervision.registry import REGISTRY, Level, Scope

from . import s3_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = CaseVolumeAnomaly()
TODAY = dt.date(2026, 7, 15)  # the month judged: June 2026; its history: June 2025 to May 2026
JUNE = dt.date(2026, 6, 1)


def run(**kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, TODAY, **kw)))


def history(desk, per_month: int, *, months: int = 12, june: int | None = None, agency=None, unit=None):
    """`per_month` cases in each of the `months` months before June 2026, and `june` in June."""
    for back in range(1, months + 1):
        for _ in range(per_month):
            w.case(desk, opened=month_start(JUNE, back) + dt.timedelta(days=9), agency=agency, unit=unit)
    for _ in range(per_month if june is None else june):
        w.case(desk, opened=JUNE + dt.timedelta(days=9), agency=agency, unit=unit)


def key(agency):
    return ("agency", agency.pk)


@pytest.fixture
def other(tree):
    return tree.agency_a2, UnitFactory(agency=tree.agency_a2, name="执法大队", kind=UnitKind.HANDLING)


def test_registered_as_an_agency_model():
    assert REGISTRY["M21"].scope == Scope.AGENCY and CaseVolumeAnomaly.triggers == ("cases.opened",)


def test_month_start():
    assert month_start(dt.date(2026, 1, 31), 1) == dt.date(2025, 12, 1)
    assert month_start(dt.date(2026, 7, 15), 13) == dt.date(2025, 6, 1)


def test_planted_drop_to_zero_alarms_and_steady_agency_does_not(desk, other):
    history(desk, 5, june=0)
    history(desk, 5, agency=other[0], unit=other[1])
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {key(desk.agency): Level.ALARM}
    assert hits[0].case_id is None and "2026年6月立案 0 件" in hits[0].detail and "中位数为 5 件" in hits[0].detail


def test_boundary_a_small_agency_with_no_case_in_a_month_is_not_judged(desk):
    history(desk, 4, june=0)  # median 4 < 5
    assert run() == {}
    assert run(overrides={"min_median": 4}) == {key(desk.agency): Level.ALARM}


def test_boundary_drop_ratio(desk, other):
    history(desk, 5, june=1)  # 1 = 0.2 × 5: warning
    history(desk, 5, june=2, agency=other[0], unit=other[1])  # 2: ordinary
    assert run() == {key(desk.agency): Level.WARNING}


def test_boundary_surge(desk, other):
    history(desk, 5, june=15)  # 3 × 5, and 10 more: warning
    history(desk, 5, june=14, agency=other[0], unit=other[1])
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {key(desk.agency): Level.WARNING} and "激增" in hits[0].detail


def test_boundary_history_of_six_months_at_least(desk, other):
    history(desk, 5, months=6, june=0)
    history(desk, 5, months=5, june=0, agency=other[0], unit=other[1])
    assert run() == {key(desk.agency): Level.ALARM}


def test_the_current_month_is_not_judged_before_it_ends(desk):
    history(desk, 5)
    for _ in range(40):
        w.case(desk, opened=dt.date(2026, 7, 2))
    assert run() == {}


def test_narrowed_to_the_agencies_of_the_run(desk, other):
    history(desk, 5, june=0)
    history(desk, 5, june=0, agency=other[0], unit=other[1])
    assert run(agency_ids={other[0].pk}) == {key(other[0]): Level.ALARM}
    assert run(case_ids={desk.agency.cases.first().pk}) == {key(desk.agency): Level.ALARM}


def test_bulk_queries_do_not_grow_with_cases(desk, other):
    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, TODAY))))

    history(desk, 1, months=6, june=0)
    two = count()
    history(desk, 2, months=12, june=20, agency=other[0], unit=other[1])
    assert len(run()) == 1
    assert count() == two
