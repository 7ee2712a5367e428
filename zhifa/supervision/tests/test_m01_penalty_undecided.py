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


def hearing(desk, case, day: dt.date, *, days: int = 1):
    """A hearing held on `day` (for `days` calendar days, adjourned and resumed), as its record states it."""
    start, end = b.at(day, 9), b.at(day + dt.timedelta(days=days - 1), 17)
    b.document(desk, case, "hearing_record", {
        "time": start.isoformat(), "end_time": end.isoformat(), "place": "听证室", "officers": [],
        "target": "某某公司", "content": "听证", "process": "举行听证", "certificate_shown": True,
        "rights_told": True, "host": "李某", "participants": "当事人及其代理人"}, day + dt.timedelta(days=days - 1))


def test_the_days_of_a_hearing_are_not_counted(desk):
    """行政处罚法 第六十条 yields to the procedure rules (市场监督管理行政处罚程序规定 第六十四条): the time of a hearing
    is not counted in the ninety days. A hearing held over three days moves the limit by three days; the time before
    it (the request, the notice of the hearing) is not recorded, so it is counted (review #13)."""
    case = filed_case(desk, stage="decision")
    control = filed_case(desk, stage="decision")
    hearing(desk, case, FILED + dt.timedelta(days=70), days=3)
    today = FILED + dt.timedelta(days=92)
    hits = {h.case_id: h for h in MODEL.evaluate(b.context(MODEL, today))}
    assert hits[control.pk].level == Level.ALARM
    assert hits[case.pk].level == Level.WARNING and hits[case.pk].due == FILED + dt.timedelta(days=93)
    assert hits[case.pk].evidence["excluded_days"] == 3 and "不计入" in hits[case.pk].detail
    assert run(FILED + dt.timedelta(days=94)) == {case.pk: Level.ALARM, control.pk: Level.ALARM}


def test_a_hearing_after_the_day_of_the_run_or_before_filing_moves_nothing(desk):
    """Only days between filing and the day of the run are taken out (a replay as of an earlier day reads the
    limit of that day)."""
    case = filed_case(desk, stage="decision")
    hearing(desk, case, FILED + dt.timedelta(days=95))
    assert run(FILED + dt.timedelta(days=91)) == {case.pk: Level.ALARM}
