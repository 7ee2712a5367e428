"""M05: a major decision made without a legal review that passed before it (《行政处罚法》第五十八条; IM-M §25, §33)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.supervision.problems.m05_review import MajorDecisionUnreviewed
from zhifa.supervision.registry import REGISTRY, Level

from . import s3_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = MajorDecisionUnreviewed()
DAY = dt.date(2026, 6, 10)
DECIDED = w.at(DAY, 15)
TODAY = DAY + dt.timedelta(days=3)


def run(**kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, TODAY, **kw)))


def major_case(desk, *, is_major=True, penalty="罚款六万元", procedure="ordinary", decide=True):
    case = w.case(desk, opened=DAY - dt.timedelta(days=20), procedure=procedure,
                  stage="service_enforcement" if decide else "decision")
    w.decision(desk, case, penalty, w.at(DAY, 9))
    if is_major is not None:
        w.determination(desk, case, is_major=is_major)
    if decide:
        w.decided(desk, case, DECIDED)
    return case


@pytest.fixture
def catalogue(desk):
    return w.catalogue(desk, [
        {"action_type": "penalty", "matter": "较大数额罚款", "criterion": "fine_at_least", "amount": 50000,
         "level": "county"},
        {"action_type": "penalty", "matter": "吊销许可证件", "criterion": "measure", "measure": "revoke_licence"}],
        effective_from=DAY - dt.timedelta(days=100))


def test_registered_with_its_basis():
    assert REGISTRY["M05"] is not None and "第五十八条" in MajorDecisionUnreviewed.basis
    assert "cases.decided" in MajorDecisionUnreviewed.triggers and "review.opinion_given" in MajorDecisionUnreviewed.triggers


def test_planted_major_decision_without_review_alarms_and_reviewed_control_does_not(desk):
    bad = major_case(desk)
    good = major_case(desk)
    w.review(desk, good, state="passed", passed=DECIDED - dt.timedelta(hours=2))
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {bad.pk: Level.ALARM}
    assert "未经法制审核" in hits[0].detail and "认定为重大执法决定" in hits[0].detail


def test_boundary_passed_at_the_moment_of_decision_counts_a_minute_later_does_not(desk):
    on_time, late = major_case(desk), major_case(desk)
    w.review(desk, on_time, state="passed", passed=DECIDED)
    w.review(desk, late, state="passed", passed=DECIDED + dt.timedelta(minutes=1))
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {late.pk: Level.ALARM}
    assert "才通过，晚于决定" in hits[0].detail


def test_a_review_still_open_is_no_pass(desk):
    case = major_case(desk)
    w.review(desk, case, state="submitted")
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {case.pk: Level.ALARM} and "审核中" in hits[0].detail


def test_a_non_major_decision_needs_no_review(desk, catalogue):
    major_case(desk, is_major=False, penalty="罚款四万元")
    assert run() == {}


def test_undetermined_draft_over_the_catalogues_amount_is_major(desk, catalogue):
    """No determination recorded (a pushed case): the draft decides 50 000 yuan, the catalogue's line is 50 000 and
    up — major; 49 999 yuan is not."""
    at_line = major_case(desk, is_major=None, penalty="罚款50000元")
    under = major_case(desk, is_major=None, penalty="罚款49999元")
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {at_line.pk: Level.ALARM}
    assert "目录清单：较大数额罚款" in hits[0].detail
    assert under.pk not in w.levels(hits)


def test_a_determination_saying_not_major_does_not_lower_what_the_draft_decides(desk, catalogue):
    case = major_case(desk, is_major=False, penalty="吊销食品经营许可证")
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {case.pk: Level.ALARM} and "吊销许可证件" in hits[0].detail


def test_a_decision_after_a_hearing_is_major(desk):
    case = major_case(desk, is_major=None, penalty="警告")
    w.document(desk, case, "hearing_record", w.on_site(desk, w.at(DAY, 8), host="张某", participants="当事人"),
               w.at(DAY, 11))
    assert run() == {case.pk: Level.ALARM}


def test_simplified_procedure_is_not_judged_by_the_catalogue(desk, catalogue):
    """A simplified case deciding too much is refused by 第五十一条 (cases.decisions), not by this model."""
    major_case(desk, is_major=None, penalty="罚款六万元", procedure="simplified")
    assert run() == {}


def test_nothing_before_the_decision_and_the_sealed_issue_is_the_decision(desk):
    case = major_case(desk, decide=False)
    assert run() == {}
    draft = case.documents.get(form="penalty_decision")
    w.rendition(desk, draft, w.at(DAY, 16), signer="a" * 64)
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {case.pk: Level.ALARM}
    assert hits[0].evidence["decided_at"].startswith("2026-06-10T08:00")  # 16:00 Beijing time, stored in UTC


def test_a_run_as_of_a_day_before_the_decision_sees_nothing(desk):
    major_case(desk)
    assert w.levels(MODEL.evaluate(w.context(MODEL, DAY - dt.timedelta(days=1)))) == {}


def test_narrowed_to_the_run(desk, tree):
    one, two = major_case(desk), major_case(desk)
    assert run(case_ids={two.pk}) == {two.pk: Level.ALARM}
    assert run(agency_ids={tree.agency_b1.pk}) == {}
    assert set(run(agency_ids={desk.agency.pk})) == {one.pk, two.pk}


def test_bulk_queries_do_not_grow_with_cases(desk, catalogue):
    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, TODAY))))

    for _ in range(2):
        w.review(desk, major_case(desk), state="submitted")
    two = count()
    for i in range(18):
        case = major_case(desk, is_major=None if i % 2 else True)
        if i % 3 == 0:
            w.review(desk, case, state="passed", passed=DECIDED + dt.timedelta(hours=1))
    assert len(run()) == 20
    assert count() == two
