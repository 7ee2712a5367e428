"""M12: a penalty decision served more than seven working days after it was made (《行政处罚法》第六十一条, 第八十五条),
across the National Day holiday."""

import datetime as dt

import pytest

from zhifa.core import workdays
from zhifa.core.testing import query_count
from zhifa.supervision.problems.m12_late_service import LateService
from zhifa.supervision.registry import Level

from . import s2_builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = LateService()
DECIDED = dt.date(2026, 9, 28)  # Monday; 1–7 October off, Saturday 10 October worked
DUE = dt.date(2026, 10, 13)     # the 7th working day
WARN = dt.date(2026, 10, 12)    # the 6th (ceil of 4/5 × 7)


def run(today, **kw):
    return b.levels(MODEL.evaluate(b.context(MODEL, today, **kw)))


def decided_case(desk, *, decided=DECIDED, served=None, stage="service_enforcement", **kw):
    case = b.case(desk, opened=decided - dt.timedelta(days=40), stage=stage, **kw)
    b.filed(desk, case, decided - dt.timedelta(days=39))
    b.decided(desk, case, decided)
    if served:
        b.document(desk, case, "service_receipt", {"time": b.at(served).isoformat(), "served_document": "行政处罚决定书",
                                                   "recipient": "某某公司", "service_method": "direct"}, served)
    return case


def test_the_calendar_the_boundaries_rest_on():
    assert workdays.add_working_days(DECIDED, 7).due == DUE
    assert workdays.add_working_days(DECIDED, 6).due == WARN


def test_planted_defect_served_late_and_clean_control(desk):
    late = decided_case(desk, served=DUE + dt.timedelta(days=1))
    decided_case(desk, served=DUE)  # the last day, across the holiday: in time
    decided_case(desk, served=DECIDED)
    hits = list(MODEL.evaluate(b.context(MODEL, dt.date(2026, 12, 1))))
    assert b.levels(hits) == {late.pk: Level.ALARM}
    assert hits[0].due == DUE and "2026-10-14 才送达" in hits[0].detail


def test_unserved_warns_at_four_fifths_and_alarms_past_the_seventh_working_day(desk):
    case = decided_case(desk)
    assert run(WARN - dt.timedelta(days=1)) == {}
    assert run(WARN) == {case.pk: Level.WARNING}
    assert run(DUE) == {case.pk: Level.WARNING}
    assert run(DUE + dt.timedelta(days=1)) == {case.pk: Level.ALARM}
    b.document(desk, case, "service_receipt", {"time": b.at(DUE).isoformat(), "served_document": "决定书",
                                               "recipient": "某", "service_method": "mail"}, DUE)
    assert run(DUE + dt.timedelta(days=1)) == {}  # served in time: closes


def test_natural_days_would_have_ended_in_the_holiday(desk):
    case = decided_case(desk)
    assert run(dt.date(2026, 10, 6), overrides={"working_days": False}) == {case.pk: Level.ALARM}
    assert run(dt.date(2026, 10, 6)) == {}


def test_two_jurisdictions(desk, tree):
    here = decided_case(desk)
    there = decided_case(desk, agency=tree.agency_b1, place=tree.b1)
    per_agency = {tree.agency_b1.pk: {"days": 5}}  # 5th working day: Saturday 10 October, a worked day (调休)
    assert run(dt.date(2026, 10, 10), per_agency=per_agency) == {there.pk: Level.WARNING}
    assert run(dt.date(2026, 10, 11), per_agency=per_agency) == {there.pk: Level.ALARM}
    assert run(WARN, per_agency=per_agency) == {here.pk: Level.WARNING, there.pk: Level.ALARM}
    assert run(WARN, per_agency=per_agency, agency_ids=[desk.agency.pk]) == {here.pk: Level.WARNING}


def test_simplified_procedure_and_other_action_types_are_out(desk):
    today = dt.date(2026, 12, 1)
    decided_case(desk, procedure="simplified")
    decided_case(desk, action_type="licence")
    decided_case(desk, action_type="coercion")
    archived = decided_case(desk, stage="archive")  # an archived case keeps its finding
    assert run(today) == {archived.pk: Level.ALARM}


def test_queries_flat_in_cases(desk):
    today = dt.date(2026, 12, 1)
    for _ in range(2):
        decided_case(desk, served=DUE + dt.timedelta(days=3))
    list(MODEL.evaluate(b.context(MODEL, today)))  # warm what a process caches (the working-day calendar)
    small = query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today))))
    for _ in range(18):
        decided_case(desk, served=DUE + dt.timedelta(days=3))
    assert query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today)))) == small
    assert len(run(today)) == 20


def test_the_decision_day_is_the_shared_one_the_seal_before_the_move(desk):
    """The day a decision is made is the same in every model (problems._shared.decided_at): the earlier of the move
    作出决定 and the first issue of the decision under the agency's seal. Issued on 28 September and moved on 30
    September, the decision is due for service by 13 October, not 15 October (review #12)."""
    from . import s3_world as w

    case = b.case(desk, opened=DECIDED - dt.timedelta(days=40), stage="service_enforcement")
    b.filed(desk, case, DECIDED - dt.timedelta(days=39))
    decision = b.document(desk, case, "penalty_decision", {"facts": "经查", "legal_basis": "《某某法》",
                                                           "penalty": "警告", "remedies": "六十日内"}, DECIDED)
    w.rendition(desk, decision, b.at(DECIDED, 16))
    b.decided(desk, case, DECIDED + dt.timedelta(days=2))
    b.document(desk, case, "service_receipt", {"time": b.at(DUE + dt.timedelta(days=1)).isoformat(),
                                               "served_document": "行政处罚决定书", "recipient": "某某公司",
                                               "service_method": "direct"}, DUE + dt.timedelta(days=1))
    hits = list(MODEL.evaluate(b.context(MODEL, dt.date(2026, 12, 1))))
    assert b.levels(hits) == {case.pk: Level.ALARM}
    assert hits[0].due == DUE and hits[0].evidence["decided_on"] == DECIDED.isoformat()
