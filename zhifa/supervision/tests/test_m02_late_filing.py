"""M02: filing more than 15 working days after the lead was discovered (《市场监督管理行政处罚程序规定》第十八条;
《行政处罚法》第五十四条第二款), counted on the working-day calendar across the National Day holiday."""

import datetime as dt

import pytest

from zhifa.core import workdays
from zhifa.core.testing import query_count
from zhifa.supervision.problems.m02_late_filing import LateFiling
from zhifa.supervision.registry import Level

from . import s2_builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = LateFiling()
# Monday 28 September 2026; 1–7 October are the National Day holiday and Saturday 10 October is worked (调休),
# so the 15th working day after it is Friday 23 October and the 12th (4/5) Tuesday 20 October.
FOUND = dt.date(2026, 9, 28)
DUE = dt.date(2026, 10, 23)
WARN = dt.date(2026, 10, 20)


def run(today, **kw):
    return b.levels(MODEL.evaluate(b.context(MODEL, today, **kw)))


def lead(desk, *, found=FOUND, filed_on=None, agency=None, **kw):
    case = b.case(desk, opened=found, stage="investigation" if filed_on else "start", agency=agency, **kw)
    b.document(desk, case, "filing_approval", {"case_source": "投诉举报", "discovered_on": found.isoformat(),
                                               "opinion": "同意立案", "approver": "张局长"}, found)
    if filed_on:
        b.filed(desk, case, filed_on)
    return case


def test_the_calendar_the_boundaries_rest_on():
    assert workdays.add_working_days(FOUND, 15).due == DUE
    assert workdays.add_working_days(FOUND, 12).due == WARN


def test_planted_defect_filed_after_fifteen_working_days_and_clean_control(desk):
    late = lead(desk, filed_on=DUE + dt.timedelta(days=3))  # Monday 26 October
    lead(desk, filed_on=DUE)  # the last day: in time
    hits = list(MODEL.evaluate(b.context(MODEL, dt.date(2026, 12, 1))))
    assert b.levels(hits) == {late.pk: Level.ALARM}
    assert hits[0].due == DUE and "2026-10-26 才批准立案" in hits[0].detail


def test_a_pending_lead_warns_at_four_fifths_and_alarms_past_the_last_working_day(desk):
    case = lead(desk)
    assert run(WARN - dt.timedelta(days=1)) == {}
    assert run(WARN) == {case.pk: Level.WARNING}
    assert run(DUE) == {case.pk: Level.WARNING}
    assert run(DUE + dt.timedelta(days=1)) == {case.pk: Level.ALARM}  # Saturday: the period ended on Friday


def test_natural_days_would_have_ended_inside_the_holiday(desk):
    """The same lead under a rule counting natural days: the 15th day is 13 October."""
    case = lead(desk)
    assert run(dt.date(2026, 10, 14), overrides={"working_days": False}) == {case.pk: Level.ALARM}
    assert run(dt.date(2026, 10, 14)) == {}


def test_two_jurisdictions_across_the_holiday(desk, tree):
    """Another jurisdiction's rule sets ten working days: its 10th is Friday 16 October, its 8th Wednesday 14."""
    here = lead(desk)
    there = lead(desk, agency=tree.agency_b1, place=tree.b1)
    per_agency = {tree.agency_b1.pk: {"days": 10}}
    assert run(dt.date(2026, 10, 13), per_agency=per_agency) == {}
    assert run(dt.date(2026, 10, 14), per_agency=per_agency) == {there.pk: Level.WARNING}
    assert run(dt.date(2026, 10, 17), per_agency=per_agency) == {there.pk: Level.ALARM}
    assert run(WARN, per_agency=per_agency) == {here.pk: Level.WARNING, there.pk: Level.ALARM}


def test_the_current_version_of_the_filing_approval_counts(desk):
    case = b.case(desk, opened=FOUND, stage="investigation")
    first = b.document(desk, case, "filing_approval", {"case_source": "检查", "discovered_on": "2026-08-01",
                                                       "opinion": "同意", "approver": "张"}, FOUND)
    b.document(desk, case, "filing_approval", {"case_source": "检查", "discovered_on": FOUND.isoformat(),
                                               "opinion": "同意", "approver": "张"}, FOUND, supersedes=first)
    b.filed(desk, case, DUE)
    assert run(dt.date(2026, 12, 1)) == {}


def test_simplified_procedure_other_action_types_and_unrecorded_discovery_are_out(desk):
    today = dt.date(2026, 12, 1)
    lead(desk, procedure="simplified")
    lead(desk, action_type="licence")
    case = b.case(desk, opened=FOUND)  # a filing approval without the discovery day
    b.document(desk, case, "filing_approval", {"case_source": "检查", "opinion": "同意", "approver": "张"}, FOUND)
    assert run(today) == {}
    # a jurisdiction may extend the model to other action types
    assert len(run(today, overrides={"action_types": ["penalty", "licence"]})) == 1


def test_narrowing_and_queries_flat_in_cases(desk, tree):
    today = dt.date(2026, 12, 1)
    cases = [lead(desk) for _ in range(2)]
    assert run(today, case_ids=[cases[0].pk]) == {cases[0].pk: Level.ALARM}
    assert run(today, agency_ids=[tree.agency_b1.pk]) == {}
    list(MODEL.evaluate(b.context(MODEL, today)))  # warm what a process caches (the working-day calendar)
    small = query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today))))
    for _ in range(18):
        lead(desk)
    assert query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today)))) == small
    assert len(run(today)) == 20
