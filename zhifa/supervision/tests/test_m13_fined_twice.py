"""M13: the same party fined twice for one act (《行政处罚法》第二十九条)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.supervision.problems.m13_fined_twice import FinedTwice, provision_key
from zhifa.supervision.registry import Level

from . import s2_builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = FinedTwice()
TODAY = dt.date(2026, 11, 30)
CODE = "91150100MA0N1234X5"
OTHER_CODE = "91150100MA0N5678X1"
PROVISION = "《中华人民共和国食品安全法》第三十四条"


def run(**kw):
    return b.levels(MODEL.evaluate(b.context(MODEL, TODAY, **kw)))


def fined(desk, *, code=CODE, provision=PROVISION, began="2026-03-01", ended=None, penalty="罚款人民币五万元",
          stage="service_enforcement", action_type="penalty", **kw):
    case = b.case(desk, opened=dt.date(2026, 4, 1), stage=stage, action_type=action_type, **kw)
    b.party(case, code)
    elements = {"facts": "经查", "violated_provision": provision, "legal_basis": "《食品安全法》第一百二十四条",
                "penalty": penalty, "violation_date": began}
    if ended:
        elements["violation_end"] = ended
    b.document(desk, case, "penalty_decision", elements, dt.date(2026, 5, 1))
    return case


def test_planted_defect_two_fines_for_one_act_and_clean_control(desk, tree):
    """Two agencies fined the same company under the same provision for overlapping months: both cases alarm.
    The control: another company, and the same company for another provision."""
    first = fined(desk, began="2026-03-01", ended="2026-03-31")
    second = fined(desk, began="2026-03-15", agency=tree.agency_b1, place=tree.b1)
    fined(desk, code=OTHER_CODE)
    fined(desk, provision="《中华人民共和国食品安全法》第五十三条")
    hits = list(MODEL.evaluate(b.context(MODEL, TODAY)))
    assert b.levels(hits) == {first.pk: Level.ALARM, second.pk: Level.ALARM}
    by_case = {h.case_id: h for h in hits}
    assert by_case[first.pk].agency_id == desk.agency.pk
    # Another agency's case is counted, not named, to the alerted agency's staff; its id stays in the evidence.
    assert second.number not in by_case[first.pk].detail and "其他执法主体的 1 件案件" in by_case[first.pk].detail
    assert by_case[first.pk].evidence["other_cases"] == [second.pk]
    assert first.number not in by_case[second.pk].detail


def test_the_same_provision_in_another_spelling_is_the_same_act():
    assert provision_key({"violated_provision": "违反了《中华人民共和国食品安全法》第三十四条的规定"}) == \
        provision_key({"violated_provision": "中华人民共和国食品安全法 第三十四条"})


def test_periods_that_do_not_overlap_are_two_acts(desk):
    fined(desk, began="2026-01-01", ended="2026-01-31")
    fined(desk, began="2026-02-01")
    assert run() == {}


def test_a_decision_without_a_fine_is_not_a_second_fine(desk):
    fined(desk)
    fined(desk, penalty="警告")
    assert run() == {}


def test_a_draft_second_fine_warns(desk):
    done = fined(desk)
    draft = fined(desk, stage="decision")
    assert run() == {done.pk: Level.WARNING, draft.pk: Level.WARNING}


def test_a_corrected_decision_counts_in_its_current_version(desk):
    fined(desk)
    case = b.case(desk, opened=dt.date(2026, 4, 1), stage="service_enforcement")
    b.party(case, CODE)
    first = b.document(desk, case, "penalty_decision", {"violated_provision": PROVISION, "penalty": "罚款一万元",
                                                        "violation_date": "2026-03-01"}, dt.date(2026, 5, 1))
    assert len(run()) == 2
    b.document(desk, case, "penalty_decision", {"violated_provision": PROVISION, "penalty": "警告",
                                                "violation_date": "2026-03-01"}, dt.date(2026, 5, 2), supersedes=first)
    assert run() == {}


def test_narrowing_finds_the_other_case_outside_the_scope(desk, tree):
    """An event about one case (or one agency) still compares it with every case of the party; only the case in
    scope gets its hit."""
    here = fined(desk)
    fined(desk, agency=tree.agency_b1, place=tree.b1)
    assert run(case_ids=[here.pk]) == {here.pk: Level.ALARM}
    assert run(agency_ids=[desk.agency.pk]) == {here.pk: Level.ALARM}


def test_other_action_types_are_out(desk):
    fined(desk)
    fined(desk, action_type="coercion")
    assert run() == {}


def test_queries_flat_in_cases(desk):
    for _ in range(2):
        fined(desk)
    list(MODEL.evaluate(b.context(MODEL, TODAY)))  # warm what a process caches (the working-day calendar)
    small = query_count(lambda: list(MODEL.evaluate(b.context(MODEL, TODAY))))
    for _ in range(18):
        fined(desk)
    assert query_count(lambda: list(MODEL.evaluate(b.context(MODEL, TODAY)))) == small
    assert len(run()) == 20


def test_the_agencys_own_earlier_case_is_named(desk):
    first = fined(desk, began="2026-03-01", ended="2026-03-31")
    second = fined(desk, began="2026-03-15")
    by_case = {h.case_id: h for h in MODEL.evaluate(b.context(MODEL, TODAY))}
    assert f"本机关案件 {second.number}" in by_case[first.pk].detail and "其他执法主体" not in by_case[first.pk].detail


def test_a_confiscation_without_a_fine_is_not_a_second_fine(desk):
    """行政处罚法 第九条: confiscating illegal gains (没收违法所得) is a penalty of its own kind, not a fine; §29 forbids a
    second fine, so a fine and a decision that only confiscates are not two fines (review #11)."""
    fined(desk)
    fined(desk, penalty="没收违法所得人民币三万元")
    assert run() == {}
