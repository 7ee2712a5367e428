"""M14: a penalty for an act not discovered within two years (five with grave harm) of it (《行政处罚法》第三十六条)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.supervision.problems.m14_time_barred import TimeBarred
from zhifa.supervision.registry import Level

from . import s2_builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = TimeBarred()
ACT = dt.date(2024, 3, 1)
TODAY = dt.date(2026, 11, 30)


def run(today=TODAY, **kw):
    return b.levels(MODEL.evaluate(b.context(MODEL, today, **kw)))


def penalty(desk, *, act=ACT, end=None, discovered=None, filed_on=None, grave=False, action_type="penalty", **kw):
    filed_on = filed_on or (discovered or dt.date(2026, 6, 1)) + dt.timedelta(days=5)
    case = b.case(desk, opened=filed_on - dt.timedelta(days=1), stage="decision", action_type=action_type, **kw)
    approval = {"case_source": "举报", "opinion": "同意", "approver": "张"}
    if discovered:
        approval["discovered_on"] = discovered.isoformat()
    b.document(desk, case, "filing_approval", approval, filed_on - dt.timedelta(days=1))
    b.filed(desk, case, filed_on)
    decision = {"facts": "经查", "legal_basis": "《某法》", "penalty": "罚款二千元", "violation_date": act.isoformat(),
                "grave_harm": grave}
    if end:
        decision["violation_end"] = end.isoformat()
    b.document(desk, case, "penalty_decision", decision, filed_on + dt.timedelta(days=20))
    return case


def test_planted_defect_discovered_after_two_years_and_clean_control(desk):
    barred = penalty(desk, discovered=dt.date(2026, 3, 2))
    penalty(desk, discovered=dt.date(2026, 3, 1))  # the last day of the two years
    hits = list(MODEL.evaluate(b.context(MODEL, TODAY)))
    assert b.levels(hits) == {barred.pk: Level.ALARM}
    assert hits[0].due == dt.date(2026, 3, 1) and "已超过 2 年的追责期限" in hits[0].detail


def test_a_continuing_act_counts_from_its_end(desk):
    penalty(desk, end=dt.date(2025, 1, 1), discovered=dt.date(2026, 6, 1))
    assert run() == {}


def test_grave_harm_gives_five_years(desk):
    grave = penalty(desk, discovered=dt.date(2026, 6, 1), grave=True)
    assert run() == {}
    very_late = penalty(desk, act=dt.date(2021, 3, 1), discovered=dt.date(2026, 3, 2), grave=True)
    assert run() == {very_late.pk: Level.ALARM}
    assert grave.pk not in run()


def test_a_leap_day_act_ends_on_the_28th(desk):
    on_time = penalty(desk, act=dt.date(2024, 2, 29), discovered=dt.date(2026, 2, 28))
    late = penalty(desk, act=dt.date(2024, 2, 29), discovered=dt.date(2026, 3, 1))
    assert run() == {late.pk: Level.ALARM}
    assert on_time.pk


def test_without_a_discovery_day_the_filing_day_only_warns(desk):
    case = penalty(desk, filed_on=dt.date(2026, 5, 1))
    hits = list(MODEL.evaluate(b.context(MODEL, TODAY)))
    assert b.levels(hits) == {case.pk: Level.WARNING}
    assert "未记载发现日期" in hits[0].detail


def test_the_current_decision_counts_and_the_jurisdiction_sets_the_years(desk, tree):
    case = penalty(desk, discovered=dt.date(2026, 6, 1))
    assert run() == {case.pk: Level.ALARM}
    assert run(per_agency={desk.agency.pk: {"years": 3}}) == {}
    other = penalty(desk, discovered=dt.date(2026, 6, 1), agency=tree.agency_b1, place=tree.b1)
    assert run(agency_ids=[tree.agency_b1.pk]) == {other.pk: Level.ALARM}
    assert run(case_ids=[case.pk]) == {case.pk: Level.ALARM}


def test_other_action_types_and_cases_without_an_act_date_are_out(desk):
    case = b.case(desk, opened=dt.date(2026, 6, 1), stage="decision", action_type="licence")
    b.document(desk, case, "enforcement_decision", {"facts": "x", "violation_date": "2020-01-01"}, dt.date(2026, 6, 2))
    plain = b.case(desk, opened=dt.date(2026, 6, 1), stage="decision")
    b.document(desk, plain, "penalty_decision", {"facts": "x", "penalty": "警告"}, dt.date(2026, 6, 2))
    assert run() == {}


def test_queries_flat_in_cases(desk):
    for _ in range(2):
        penalty(desk, discovered=dt.date(2026, 6, 1))
    list(MODEL.evaluate(b.context(MODEL, TODAY)))  # warm what a process caches (the working-day calendar)
    small = query_count(lambda: list(MODEL.evaluate(b.context(MODEL, TODAY))))
    for _ in range(18):
        penalty(desk, discovered=dt.date(2026, 6, 1))
    assert query_count(lambda: list(MODEL.evaluate(b.context(MODEL, TODAY)))) == small
    assert len(run()) == 20
