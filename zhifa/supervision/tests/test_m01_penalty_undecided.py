"""M01: an ordinary penalty case undecided 90 days after filing, unless an approved extension moves the limit
(《行政处罚法》第六十条)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.supervision.problems.m01_penalty_undecided import PenaltyUndecided
from zhifa.supervision.registry import REGISTRY, Level

from . import s2_builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
FILED = dt.date(2026, 1, 5)
MODEL = PenaltyUndecided()


def run(today, **kw):
    return b.levels(MODEL.evaluate(b.context(MODEL, today, **kw)))


def filed_case(desk, *, stage="investigation", filed_on=FILED, **kw):
    case = b.case(desk, opened=filed_on - dt.timedelta(days=2), stage=stage, **kw)
    b.filed(desk, case, filed_on)
    return case


def test_registered_with_its_basis():
    assert REGISTRY["M01"].basis == "《行政处罚法》第六十条"
    assert "cases.decided" in PenaltyUndecided.triggers and "cases.filing_approved" in PenaltyUndecided.triggers


def test_planted_defect_alarm_past_ninety_days_and_clean_control(desk):
    """Planted: filed 91 days ago, undecided → alarm. Control: filed the same day and decided → nothing."""
    late = filed_case(desk, stage="decision")
    done = filed_case(desk, stage="service_enforcement")
    b.decided(desk, done, FILED + dt.timedelta(days=60))
    today = FILED + dt.timedelta(days=91)
    hits = list(MODEL.evaluate(b.context(MODEL, today)))
    assert b.levels(hits) == {late.pk: Level.ALARM}
    assert hits[0].due == FILED + dt.timedelta(days=90)
    assert "立案已 91 日" in hits[0].detail


def test_boundaries_warning_at_four_fifths_alarm_only_past_the_limit(desk):
    case = filed_case(desk)
    assert run(FILED + dt.timedelta(days=71)) == {}
    assert run(FILED + dt.timedelta(days=72)) == {case.pk: Level.WARNING}  # 72 = 4/5 of 90
    assert run(FILED + dt.timedelta(days=90)) == {case.pk: Level.WARNING}  # the last day is still in time
    assert run(FILED + dt.timedelta(days=91)) == {case.pk: Level.ALARM}


def test_an_approved_extension_moves_the_limit_by_its_days(desk):
    """§60 "法律、法规、规章另有规定的，从其规定" (市场监管程序规定 §64): an extension approved for 30 days."""
    case = filed_case(desk)
    b.document(desk, case, "extension_approval", {"time": b.at(FILED + dt.timedelta(days=80)).isoformat(),
                                                  "reason": "案情复杂", "days": 30, "approver": "张局长"},
               FILED + dt.timedelta(days=80))
    assert run(FILED + dt.timedelta(days=95)) == {}  # the 4/5 mark moved too: 96 of 120
    assert run(FILED + dt.timedelta(days=96)) == {case.pk: Level.WARNING}
    assert run(FILED + dt.timedelta(days=120)) == {case.pk: Level.WARNING}
    assert run(FILED + dt.timedelta(days=121)) == {case.pk: Level.ALARM}


def test_a_corrected_extension_counts_its_current_version_only(desk):
    case = filed_case(desk)
    first = b.document(desk, case, "extension_approval", {"reason": "复杂", "days": 30, "approver": "张"}, FILED)
    b.document(desk, case, "extension_approval", {"reason": "复杂", "days": 10, "approver": "张"}, FILED,
               supersedes=first)
    assert run(FILED + dt.timedelta(days=101)) == {case.pk: Level.ALARM}  # 90 + 10, not 90 + 40


def test_the_jurisdiction_param_sets_the_limit(desk):
    case = filed_case(desk)
    assert run(FILED + dt.timedelta(days=61), per_agency={desk.agency.pk: {"days": 60}}) == {case.pk: Level.ALARM}


def test_simplified_procedure_other_action_types_and_unfiled_cases_are_out(desk):
    today = FILED + dt.timedelta(days=200)
    filed_case(desk, procedure="simplified")
    filed_case(desk, action_type="licence")
    filed_case(desk, action_type="coercion")
    b.case(desk, opened=FILED, stage="start")  # not filed: M02's concern
    archived = filed_case(desk, stage="archive")
    assert run(today) == {}
    assert archived.pk


def test_narrowing_to_cases_and_agencies(desk, tree):
    one, two = filed_case(desk), filed_case(desk)
    today = FILED + dt.timedelta(days=100)
    assert run(today, case_ids=[one.pk]) == {one.pk: Level.ALARM}
    assert run(today, agency_ids=[tree.agency_b1.pk]) == {}
    assert set(run(today, agency_ids=[desk.agency.pk])) == {one.pk, two.pk}


def test_queries_do_not_grow_with_cases(desk):
    today = FILED + dt.timedelta(days=100)
    for _ in range(2):
        filed_case(desk)
    list(MODEL.evaluate(b.context(MODEL, today)))  # warm what a process caches (the working-day calendar)
    small = query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today))))
    for _ in range(18):
        filed_case(desk)
    assert query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today)))) == small
    assert len(run(today)) == 20
