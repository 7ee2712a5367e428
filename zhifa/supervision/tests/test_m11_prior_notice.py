"""M11: a penalty decided without first telling the party the facts, reasons, basis and their rights to state and
defend (《行政处罚法》第四十四条、第四十五条、第六十二条)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.supervision.problems.m11_prior_notice import NoPriorNotice
from zhifa.supervision.registry import REGISTRY, Level

from . import s3_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = NoPriorNotice()
DAY = dt.date(2026, 6, 10)
DECIDED = w.at(DAY, 15)
TODAY = DAY + dt.timedelta(days=2)
RIGHTS = "当事人可在收到本告知书之日起五个工作日内提出陈述、申辩，并有要求听证的权利。"


def run(**kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, TODAY, **kw)))


def notice(desk, case, moment, rights=RIGHTS, **extra):
    return w.document(desk, case, "penalty_notice", {
        "time": moment.isoformat(), "place": "局机关", "officers": [p.pk for p in desk.officers], "target": "某某商店",
        "content": "告知拟作出的行政处罚", "process": "直接送达", "facts": "经查，当事人销售过期食品。",
        "legal_basis": "《食品安全法》第一百二十四条", "proposed_penalty": "罚款五千元", "rights": rights} | extra, moment)


def penalty(desk, *, notice_at=None, procedure="ordinary", action_type="penalty", form="penalty_decision", **kw):
    case = w.case(desk, opened=DAY - dt.timedelta(days=30), procedure=procedure, action_type=action_type,
                  stage="service_enforcement")
    if notice_at is not None:
        notice(desk, case, notice_at, **kw)
    w.decision(desk, case, "罚款五千元", w.at(DAY, 9), form=form)
    w.decided(desk, case, DECIDED)
    return case


def test_registered_with_its_basis():
    assert REGISTRY["M11"] is not None and "第四十四条" in NoPriorNotice.basis
    assert "cases.decided" in NoPriorNotice.triggers


def test_planted_decision_without_notice_alarms_and_notified_control_does_not(desk):
    bad = penalty(desk)
    good = penalty(desk, notice_at=w.at(DAY - dt.timedelta(days=10), 10))
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {bad.pk: Level.ALARM}
    assert "此前没有《行政处罚事先告知书》" in hits[0].detail
    assert good.pk not in w.levels(hits)


def test_boundary_notice_at_the_moment_of_decision_counts_a_minute_after_does_not(desk):
    at_moment = penalty(desk, notice_at=DECIDED)
    after = penalty(desk, notice_at=DECIDED + dt.timedelta(minutes=1))
    assert run() == {after.pk: Level.ALARM}
    assert at_moment.pk not in run()


def test_a_notice_without_the_rights_to_state_and_defend_warns(desk):
    case = penalty(desk, notice_at=w.at(DAY - dt.timedelta(days=10), 10), rights="当事人有要求听证的权利。")
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {case.pk: Level.WARNING} and "陈述、申辩的权利" in hits[0].detail


def test_simplified_procedure_is_told_on_the_spot_unless_the_rule_says_otherwise(desk):
    case = penalty(desk, procedure="simplified")
    assert run() == {}
    assert run(overrides={"procedures": ["ordinary", "simplified"]}) == {case.pk: Level.ALARM}


def test_a_decision_that_is_no_penalty_needs_no_notice(desk):
    """A licence case's 行政执法决定书 is no penalty: 第四十四条 does not apply."""
    penalty(desk, action_type="licence", form="enforcement_decision")
    assert run() == {}


def test_not_yet_decided_is_not_judged(desk):
    case = w.case(desk, opened=DAY - dt.timedelta(days=30))
    w.decision(desk, case, "罚款五千元", w.at(DAY, 9))
    assert run() == {}


def test_narrowed_to_the_run(desk, tree):
    one, two = penalty(desk), penalty(desk)
    assert run(case_ids={one.pk}) == {one.pk: Level.ALARM}
    assert run(agency_ids={tree.agency_b1.pk}) == {}
    assert set(run(agency_ids={desk.agency.pk})) == {one.pk, two.pk}


def test_bulk_queries_do_not_grow_with_cases(desk):
    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, TODAY))))

    penalty(desk)
    penalty(desk, notice_at=w.at(DAY - dt.timedelta(days=10), 10), rights="有要求听证的权利")
    two = count()
    for i in range(18):
        penalty(desk, notice_at=w.at(DAY - dt.timedelta(days=10), 10), rights="有要求听证的权利") if i % 2 else penalty(desk)
    assert len(run()) == 20
    assert count() == two
