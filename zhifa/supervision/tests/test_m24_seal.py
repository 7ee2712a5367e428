"""M24: a decision made in the name of an internal unit, or not under the agency's own seal (《行政处罚法》第十八条、
第二十条、第五十九条)."""

import datetime as dt

import pytest

from zhifa.cases import signing
from zhifa.core.testing import query_count
from zhifa.org.models import UnitKind
from zhifa.org.tests.factories import AgencyFactory, UnitFactory
from zhifa.supervision.problems.m24_seal import DecisionNotInAgencyName, agency_seal, unit_as_decider
from zhifa.supervision.registry import REGISTRY, Level

from . import s3_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = DecisionNotInAgencyName()
DAY = dt.date(2026, 6, 10)
TODAY = DAY + dt.timedelta(days=2)
PLAIN = "罚款五千元。"


@pytest.fixture(autouse=True)
def _own_seals(settings, tmp_path):
    settings.ZHIFA_SIGNING_DIR = str(tmp_path / "signing")


def run(**kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, TODAY, **kw)))


def seal_of(agency) -> str:
    """The agency's seal, registered as cases.signing registers it on first issue."""
    return signing.fingerprint(signing.agency_paths(agency)[1])


def decided(desk, penalty=PLAIN, *, signer=None, issued=True, agency=None, unit=None, decide=True):
    case = w.case(desk, opened=DAY - dt.timedelta(days=30), agency=agency, unit=unit,
                  stage="service_enforcement" if decide else "decision")
    doc = w.decision(desk, case, penalty, w.at(DAY, 9))
    if issued:
        w.rendition(desk, doc, w.at(DAY, 14), signer=seal_of(case.agency) if signer is None else signer)
    if decide:
        w.decided(desk, case, w.at(DAY, 15))
    return case


def test_registered_with_its_basis():
    assert REGISTRY["M24"] is not None and "第二十条" in DecisionNotInAgencyName.basis
    assert "cases.document_issued" in DecisionNotInAgencyName.triggers


def test_the_registry_is_read_never_created(desk):
    assert agency_seal(desk.agency.pk) is None
    assert agency_seal(desk.agency.pk) is None  # reading did not issue a key
    registered = seal_of(desk.agency)
    assert agency_seal(desk.agency.pk) == registered


def test_planted_unsealed_decision_alarms_and_sealed_control_does_not(desk):
    bad = decided(desk, signer="")
    good = decided(desk)
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {bad.pk: Level.ALARM}
    assert "未加盖电子签章" in hits[0].detail
    assert good.pk not in w.levels(hits)


def test_a_correction_issued_again_under_the_seal_clears_it(desk):
    case = decided(desk, signer="")
    assert run() == {case.pk: Level.ALARM}
    first = case.documents.get()
    corrected = w.document(desk, case, "penalty_decision", first.elements, w.at(DAY + dt.timedelta(days=1), 9),
                           supersedes=first)
    w.rendition(desk, corrected, w.at(DAY + dt.timedelta(days=1), 10), signer=seal_of(desk.agency))
    assert run() == {}


def test_a_seal_not_the_agencys_own(desk, tree):
    case = decided(desk, signer=seal_of(tree.agency_b1))
    seal_of(desk.agency)
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {case.pk: Level.ALARM} and "不是甲一县市场监督管理局登记的签章" in hits[0].detail


def test_decided_but_never_issued_under_the_seal_warns(desk):
    case = decided(desk, issued=False)
    assert run() == {case.pk: Level.WARNING}
    assert run(overrides={"require_issued": False}) == {}


def test_a_unit_named_as_the_body_that_decides(desk):
    named = decided(desk, "经综合执法大队研究决定，罚款五千元。")
    squad = decided(desk, "本大队决定：罚款五千元。")
    agency = decided(desk, "本机关决定：罚款五千元。")
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {named.pk: Level.ALARM, squad.pk: Level.ALARM}
    assert agency.pk not in w.levels(hits)
    assert unit_as_decider("经综合执法大队研究决定", ["综合执法大队"]) == "综合执法大队研究决定"
    assert unit_as_decider("综合执法大队送达", ["综合执法大队"]) is None


def test_a_number_given_under_another_agency(desk, tree):
    case = decided(desk)
    w.number(desk, case.documents.get(), agency=tree.agency_b1, text="乙市监罚决〔2026〕3号", on=DAY)
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {case.pk: Level.ALARM} and "乙市监罚决〔2026〕3号" in hits[0].detail


def test_an_entrusted_organisation_deciding_a_penalty_in_its_own_name(desk, tree):
    entrusted = AgencyFactory(name="甲一县市场监管综合服务中心", jurisdiction=tree.a1, kind="entrusted",
                              entrusted_by=desk.agency)
    unit = UnitFactory(agency=entrusted, name="服务中心执法组", kind=UnitKind.HANDLING)
    case = decided(desk, agency=entrusted, unit=unit)
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {case.pk: Level.ALARM} and "受委托组织" in hits[0].detail


def test_not_yet_decided_is_not_judged(desk):
    decided(desk, signer="", decide=False, issued=False)
    assert run() == {}


def test_narrowed_to_the_run(desk, tree):
    one, two = decided(desk, signer=""), decided(desk, signer="")
    assert run(case_ids={one.pk}) == {one.pk: Level.ALARM}
    assert run(agency_ids={tree.agency_b1.pk}) == {}
    assert set(run(agency_ids={desk.agency.pk})) == {one.pk, two.pk}


def test_bulk_queries_do_not_grow_with_cases(desk):
    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, TODAY))))

    decided(desk, signer="")
    decided(desk)
    two = count()
    for i in range(18):
        decided(desk, signer="" if i % 2 else None)
    assert len(run()) == 10
    assert count() == two
