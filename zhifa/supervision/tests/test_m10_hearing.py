"""M10: a heavy penalty decided without telling the party of their right to a hearing (《行政处罚法》第六十三条、
第六十四条)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.supervision.problems.m10_hearing import HeavyPenaltyWithoutHearingNotice
from zhifa.supervision.registry import REGISTRY, Level

from . import s3_world as w
from .test_m11_prior_notice import notice

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = HeavyPenaltyWithoutHearingNotice()
NOTICE_DAY = dt.date(2026, 6, 1)  # a Monday: the fifth working day after it is Monday 8 June
DAY = dt.date(2026, 6, 10)
TODAY = DAY + dt.timedelta(days=2)
NO_HEARING = "当事人可在收到本告知书之日起五个工作日内提出陈述、申辩。"


def run(**kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, TODAY, **kw)))


def heavy(desk, penalty="罚款十万元", *, kind="organisation", rights=None, decided=None, hearing=False):
    case = w.case(desk, opened=NOTICE_DAY - dt.timedelta(days=20), stage="service_enforcement")
    if kind:
        w.party(case, kind=kind, **({} if kind == "organisation" else {"name": "张某", "id_number": "110101199003078515"}))
    if rights is not None:
        notice(desk, case, w.at(NOTICE_DAY, 10), rights=rights)
    if hearing:
        w.document(desk, case, "hearing_record", w.on_site(desk, w.at(NOTICE_DAY + dt.timedelta(days=3), 9),
                                                           host="张某", participants="当事人"),
                   w.at(NOTICE_DAY + dt.timedelta(days=3), 12))
    w.decision(desk, case, penalty, w.at(NOTICE_DAY + dt.timedelta(days=1), 9))
    w.decided(desk, case, decided or w.at(DAY, 15))
    return case


def test_registered_with_its_basis():
    assert REGISTRY["M10"] is not None and "第六十三条" in HeavyPenaltyWithoutHearingNotice.basis
    assert "cases.decided" in HeavyPenaltyWithoutHearingNotice.triggers


def test_planted_large_fine_without_hearing_notice_and_clean_control(desk):
    bad = heavy(desk, rights=NO_HEARING)
    good = heavy(desk, rights=NO_HEARING + "并有要求听证的权利。")
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {bad.pk: Level.ALARM}
    assert "未告知当事人有要求听证的权利" in hits[0].detail and "100,000.00" in hits[0].detail
    assert good.pk not in w.levels(hits)


def test_boundary_the_large_amount_by_party_kind(desk):
    """Shipped figures (市场监督管理行政处罚听证办法 第五条): 100 000 yuan for an organisation, 10 000 for a person."""
    org_at = heavy(desk, "罚款100000元")
    org_under = heavy(desk, "罚款99999元")
    person_at = heavy(desk, "罚款10000元", kind="natural")
    person_under = heavy(desk, "罚款9999元", kind="natural")
    nobody_recorded = heavy(desk, "罚款10000元", kind=None)  # the lower figure applies
    assert run() == {org_at.pk: Level.ALARM, person_at.pk: Level.ALARM, nobody_recorded.pk: Level.ALARM}
    assert not {org_under.pk, person_under.pk} & set(run())


def test_the_figures_are_the_jurisdictions_parameters(desk):
    case = heavy(desk, "罚款六万元")
    assert run() == {}
    assert run(overrides={"large_fine_organisation": 50000}) == {case.pk: Level.ALARM}


def test_revoking_a_licence_or_closing_down_is_heavy_whatever_the_amount(desk):
    revoked = heavy(desk, "吊销食品经营许可证")
    closed = heavy(desk, "责令停产停业整顿")
    warning = heavy(desk, "警告")
    assert run() == {revoked.pk: Level.ALARM, closed.pk: Level.ALARM}
    assert warning.pk not in run()


def test_a_hearing_held_is_the_right_exercised(desk):
    heavy(desk, hearing=True)
    assert run() == {}


def test_boundary_decided_before_the_five_working_days_to_ask_for_a_hearing(desk):
    """Told on Monday 1 June: the party may ask through Monday 8 June (第六十四条第（一）项; 第八十五条 working days).
    Decided on the 8th: a warning; on the 9th: in order."""
    rights = NO_HEARING + "并有要求听证的权利。"
    early = heavy(desk, rights=rights, decided=w.at(dt.date(2026, 6, 8), 16))
    in_order = heavy(desk, rights=rights, decided=w.at(dt.date(2026, 6, 9), 9))
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {early.pk: Level.WARNING}
    assert hits[0].due == dt.date(2026, 6, 8)
    assert in_order.pk not in w.levels(hits)


def test_narrowed_to_the_run(desk, tree):
    one, two = heavy(desk), heavy(desk)
    assert run(case_ids={one.pk}) == {one.pk: Level.ALARM}
    assert run(agency_ids={tree.agency_b1.pk}) == {}
    assert set(run(agency_ids={desk.agency.pk})) == {one.pk, two.pk}


def test_bulk_queries_do_not_grow_with_cases(desk):
    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, TODAY))))

    heavy(desk)
    heavy(desk, rights=NO_HEARING)
    two = count()
    for i in range(18):
        heavy(desk, rights=NO_HEARING if i % 2 else None, kind="natural" if i % 3 else "organisation")
    assert len(run()) == 20
    assert count() == two


def test_the_large_fine_is_the_fine_alone_not_fine_and_confiscation_together(desk):
    """第六十三条 names 较大数额罚款 and 没收较大数额违法所得 as two items, and 行政处罚法 第九条 lists a fine and a
    confiscation as two kinds of penalty: a 6 000 yuan fine and 5 000 yuan of confiscated gains are neither a large
    fine nor a large confiscation for a person (10 000 each), though they add up to 11 000 (review #11)."""
    mixed = heavy(desk, "罚款6000元，没收违法所得5000元", kind="natural")
    fine_alone = heavy(desk, "罚款10000元，没收违法所得500元", kind="natural")
    assert run() == {fine_alone.pk: Level.ALARM}
    assert mixed.pk not in run()


def test_a_large_confiscation_is_heavy_by_itself(desk):
    """没收较大数额违法所得 (第六十三条第一款第（二）项), at the shipped figure of 听证办法 第五条, with a small fine."""
    case = heavy(desk, "罚款2000元，没收违法所得人民币12000元", kind="natural")
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {case.pk: Level.ALARM}
    assert "没收违法所得、非法财物 12,000.00 元" in hits[0].detail
