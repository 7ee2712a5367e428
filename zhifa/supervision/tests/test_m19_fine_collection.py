"""M19: a fine collected by the agency or its officers outside the on-the-spot exceptions (《行政处罚法》第六十七条至
第七十一条)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.supervision.problems.m19_fine_collection import FineCollectionNotSeparated
from zhifa.supervision.registry import REGISTRY, Level

from . import s3_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = FineCollectionNotSeparated()
DAY = dt.date(2026, 6, 10)
TODAY = DAY + dt.timedelta(days=2)
BANK = "罚款五千元。当事人应当自收到本决定书之日起十五日内，到中国工商银行甲一县支行缴纳罚款。"


def run(**kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, TODAY, **kw)))


def fined(desk, penalty, *, procedure="ordinary", decide=True, closing=None):
    case = w.case(desk, opened=DAY - dt.timedelta(days=30), procedure=procedure,
                  stage="service_enforcement" if decide else "decision")
    w.decision(desk, case, penalty, w.at(DAY, 9))
    if decide:
        w.decided(desk, case, w.at(DAY, 15))
    if closing:
        w.document(desk, case, "closing_report", w.on_site(desk, w.at(DAY + dt.timedelta(days=1), 9), result=closing),
                   w.at(DAY + dt.timedelta(days=1), 10))
    return case


def test_registered_with_its_basis():
    assert REGISTRY["M19"] is not None and "第六十七条" in FineCollectionNotSeparated.basis


def test_planted_fine_collected_by_the_officers_and_bank_control(desk):
    bad = fined(desk, "罚款五千元，由执法人员当场收缴。")
    good = fined(desk, BANK)
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {bad.pk: Level.ALARM}
    assert "当场收缴" in hits[0].detail and "5,000.00" in hits[0].detail
    assert good.pk not in w.levels(hits)


@pytest.mark.parametrize("words", ["罚款五千元，缴至本局财务科。", "罚款五千元，以现金方式缴纳。",
                                   "罚款五千元，交给执法人员。"])
def test_other_ways_of_saying_the_agency_collects(desk, words):
    case = fined(desk, words)
    assert run() == {case.pk: Level.ALARM}


def test_a_sentence_forbidding_it_is_not_collection(desk):
    fined(desk, BANK + "执法人员不得当场收缴罚款。")
    assert run() == {}


def test_boundary_on_the_spot_up_to_one_hundred_yuan_in_a_simplified_case(desk):
    """第六十八条第（一）项: 100 yuan and less on the spot in a simplified-procedure decision; 101 yuan is not."""
    ok = fined(desk, "罚款一百元，当场收缴。", procedure="simplified")
    over = fined(desk, "罚款101元，当场收缴。", procedure="simplified")
    ordinary = fined(desk, "罚款一百元，当场收缴。")
    assert run() == {over.pk: Level.ALARM, ordinary.pk: Level.ALARM}
    assert ok.pk not in run()
    assert over.pk not in run(overrides={"on_the_spot_limit": 200})


def test_hard_to_enforce_afterwards_or_a_remote_place(desk):
    fined(desk, "罚款一百五十元，当事人系外地流动摊贩，不当场收缴事后难以执行，当场收缴。", procedure="simplified")
    fined(desk, "罚款五千元，因在边远地区、交通不便，经当事人提出，当场收缴。")
    assert run() == {}


def test_the_closing_report_says_how_it_was_carried_out(desk):
    case = fined(desk, BANK, closing="罚款已由本局执法人员收缴罚款五千元。")
    assert run() == {case.pk: Level.ALARM}


def test_no_fine_no_collection(desk):
    fined(desk, "警告，当场交给当事人。")
    assert run() == {}


def test_not_yet_decided_is_not_judged(desk):
    fined(desk, "罚款五千元，由执法人员当场收缴。", decide=False)
    assert run() == {}


def test_narrowed_to_the_run(desk, tree):
    one, two = (fined(desk, "罚款五千元，由执法人员当场收缴。") for _ in range(2))
    assert run(case_ids={one.pk}) == {one.pk: Level.ALARM}
    assert run(agency_ids={tree.agency_b1.pk}) == {}
    assert set(run(agency_ids={desk.agency.pk})) == {one.pk, two.pk}


def test_bulk_queries_do_not_grow_with_cases(desk):
    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, TODAY))))

    fined(desk, "罚款五千元，由执法人员当场收缴。")
    fined(desk, BANK)
    two = count()
    for i in range(18):
        fined(desk, "罚款五千元，由执法人员当场收缴。" if i % 2 else BANK)
    assert len(run()) == 10
    assert count() == two
