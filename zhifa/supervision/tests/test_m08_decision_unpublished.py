"""M08: a decision not published within its jurisdiction's 7 or 20 working days (IM-M §12; AZ-P §13; KY), read from
the deadline publicity stored (`Publication.due_on`), across the National Day holiday."""

import datetime as dt

import pytest

from zhifa.core import workdays
from zhifa.core.testing import query_count
from zhifa.ledger.services import record_event
from zhifa.publicity.models import Publication
from zhifa.supervision.problems.m08_decision_unpublished import DecisionUnpublished
from zhifa.supervision.registry import Level

from . import s2_builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = DecisionUnpublished()
DECIDED = dt.date(2026, 9, 28)  # Monday; 1–7 October off, Saturday 10 October worked
DUE_7 = dt.date(2026, 10, 13)   # penalty or licence: 7 working days
WARN_7 = dt.date(2026, 10, 12)  # 6 = ceil(4/5 × 7)
DUE_20 = dt.date(2026, 10, 30)  # other decisions: 20 working days
WARN_20 = dt.date(2026, 10, 26)  # 16


def run(today, **kw):
    return b.levels(MODEL.evaluate(b.context(MODEL, today, **kw)))


def publication(desk, *, days=7, state="collected", agency=None, decided=DECIDED, **case_kw):
    agency = agency or desk.agency
    case = b.case(desk, opened=decided, stage="service_enforcement", agency=agency, **case_kw)
    entry = record_event("publicity.published", subject="publicity.publication:0") if state == "published" else None
    Publication.objects.create(kind="decision", agency=agency, jurisdiction_path=agency.jurisdiction.path, case=case,
                               title="某某处罚决定", state=state, decided_on=decided, published_entry=entry,
                               due_on=workdays.add_working_days(decided, days).due)
    return case


def test_the_calendar_the_boundaries_rest_on():
    assert workdays.add_working_days(DECIDED, 7).due == DUE_7
    assert workdays.add_working_days(DECIDED, 6).due == WARN_7
    assert workdays.add_working_days(DECIDED, 20).due == DUE_20
    assert workdays.add_working_days(DECIDED, 16).due == WARN_20


def test_planted_defect_unpublished_past_the_deadline_and_clean_control(desk):
    late = publication(desk)
    publication(desk, state="published")
    publication(desk, state="exempted")
    hits = list(MODEL.evaluate(b.context(MODEL, DUE_7 + dt.timedelta(days=1))))
    assert b.levels(hits) == {late.pk: Level.ALARM}
    assert hits[0].due == DUE_7 and "公示期限 7 个工作日" in hits[0].detail


def test_seven_working_days_boundaries(desk):
    case = publication(desk, state="submitted")
    assert run(WARN_7 - dt.timedelta(days=1)) == {}
    assert run(WARN_7) == {case.pk: Level.WARNING}
    assert run(DUE_7) == {case.pk: Level.WARNING}
    assert run(DUE_7 + dt.timedelta(days=1)) == {case.pk: Level.ALARM}


def test_two_jurisdictions_seven_and_twenty_working_days_across_the_holiday(desk, tree):
    """One jurisdiction's rule gave 7 working days, another's 20 (an inspection decision): each has its own marks."""
    seven = publication(desk)
    twenty = publication(desk, days=20, agency=tree.agency_b1, place=tree.b1, action_type="inspection")
    assert run(DUE_7 + dt.timedelta(days=1)) == {seven.pk: Level.ALARM}
    assert run(WARN_20 - dt.timedelta(days=1)) == {seven.pk: Level.ALARM}
    assert run(WARN_20) == {seven.pk: Level.ALARM, twenty.pk: Level.WARNING}
    assert run(DUE_20 + dt.timedelta(days=1)) == {seven.pk: Level.ALARM, twenty.pk: Level.ALARM}
    assert run(DUE_20 + dt.timedelta(days=1), agency_ids=[tree.agency_b1.pk]) == {twenty.pk: Level.ALARM}
    assert run(DUE_20 + dt.timedelta(days=1), case_ids=[seven.pk]) == {seven.pk: Level.ALARM}


def test_closes_when_published_or_exempted_and_an_exemption_request_still_counts(desk):
    requested = publication(desk, state="exemption_requested")
    assert run(DUE_7 + dt.timedelta(days=1)) == {requested.pk: Level.ALARM}
    Publication.objects.filter(case=requested).update(state="exempted")
    assert run(DUE_7 + dt.timedelta(days=1)) == {}


def test_queries_flat_in_cases(desk):
    today = DUE_7 + dt.timedelta(days=1)
    for _ in range(2):
        publication(desk)
    list(MODEL.evaluate(b.context(MODEL, today)))  # warm what a process caches (the working-day calendar)
    small = query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today))))
    for _ in range(18):
        publication(desk)
    assert query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today)))) == small
    assert len(run(today)) == 20


def test_an_event_about_the_public_item_re_runs_the_model_for_its_case(desk):
    """The engine re-runs M08 after publicity's events, whose subject is the public item, not the case."""
    case = publication(desk)
    pub = Publication.objects.get(case=case)
    assert list(MODEL.cases_for_subject(f"publicity.publication:{pub.pk}")) == [case.pk]
    assert MODEL.cases_for_subject("ledger.blob:abc") is None
    assert "publicity.item_approved" in MODEL.triggers and "cases.decided" in MODEL.triggers
