"""M09: a revoked (changed, confirmed unlawful or void) decision still public more than three working days after
(《行政处罚法》第四十八条第二款, 第八十五条), across the National Day holiday."""

import datetime as dt

import pytest

from zhifa.core import workdays
from zhifa.core.testing import query_count
from zhifa.ledger.services import record_event
from zhifa.publicity.models import Publication
from zhifa.supervision.problems.m09_revoked_still_public import RevokedStillPublic
from zhifa.supervision.registry import Level

from . import s2_builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = RevokedStillPublic()
REVOKED = dt.date(2026, 9, 28)  # Monday; 1–7 October off
DUE = dt.date(2026, 10, 8)      # the third working day


def run(today, **kw):
    return b.levels(MODEL.evaluate(b.context(MODEL, today, **kw)))


def published_case(desk, *, state="published", revoked=REVOKED, outcome="revoked", agency=None, **kw):
    agency = agency or desk.agency
    case = b.case(desk, opened=dt.date(2026, 6, 1), stage="service_enforcement", agency=agency, **kw)
    entry = record_event("publicity.published", subject="publicity.publication:0") if state == "published" else None
    Publication.objects.create(kind="decision", agency=agency, jurisdiction_path=agency.jurisdiction.path, case=case,
                               title="某某处罚决定", state=state, decided_on=dt.date(2026, 6, 20),
                               due_on=dt.date(2026, 6, 30), published_entry=entry)
    if revoked:
        b.document(desk, case, "decision_change", {"time": b.at(revoked).isoformat(), "outcome": outcome,
                                                   "effective_on": revoked.isoformat(), "authority": "某某人民政府",
                                                   "instrument": "行政复议决定书（某复〔2026〕1号）"}, revoked)
    return case


def test_the_calendar_the_boundary_rests_on():
    assert workdays.add_working_days(REVOKED, 3).due == DUE


def test_planted_defect_still_public_after_three_working_days_and_clean_controls(desk):
    public = published_case(desk)
    published_case(desk, state="withdrawn")
    published_case(desk, revoked=None)  # published, never revoked
    hits = list(MODEL.evaluate(b.context(MODEL, DUE + dt.timedelta(days=1))))
    assert b.levels(hits) == {public.pk: Level.ALARM}
    assert hits[0].due == DUE and "被撤销" in hits[0].detail


def test_boundaries_across_the_holiday(desk):
    case = published_case(desk, outcome="confirmed_illegal")
    assert run(dt.date(2026, 10, 7)) == {}  # 1 October is not the third day: the holiday is not counted
    assert run(DUE) == {case.pk: Level.WARNING}  # the last day
    assert run(DUE + dt.timedelta(days=1)) == {case.pk: Level.ALARM}


def test_two_jurisdictions_and_narrowing(desk, tree):
    here = published_case(desk)
    there = published_case(desk, agency=tree.agency_b1, place=tree.b1)
    per_agency = {tree.agency_b1.pk: {"working_days": False}}  # natural days: ends 1 October
    assert run(dt.date(2026, 10, 2), per_agency=per_agency) == {there.pk: Level.ALARM}
    assert run(DUE + dt.timedelta(days=1), case_ids=[here.pk]) == {here.pk: Level.ALARM}
    assert run(DUE + dt.timedelta(days=1), agency_ids=[tree.agency_b1.pk]) == {there.pk: Level.ALARM}


def test_withdrawing_closes_it(desk):
    case = published_case(desk)
    Publication.objects.filter(case=case).update(state="withdrawn")
    assert run(DUE + dt.timedelta(days=10)) == {}


def test_queries_flat_in_cases(desk):
    today = DUE + dt.timedelta(days=1)
    for _ in range(2):
        published_case(desk)
    list(MODEL.evaluate(b.context(MODEL, today)))  # warm what a process caches (the working-day calendar)
    small = query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today))))
    for _ in range(18):
        published_case(desk)
    assert query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today)))) == small
    assert len(run(today)) == 20
