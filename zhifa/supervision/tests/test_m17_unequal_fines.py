"""M17: 同案不同罚 — a fine far from its peers of the same item and tier (SUP-04; 行政处罚法 第五条、第三十四条)."""

import datetime as dt

import pytest

from zhifa.core.permissions import Role
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.supervision.registry import REGISTRY, Level

from .s5_discretion import TODAY, assess, benchmark, run

pytestmark = [pytest.mark.req("SUP-04"), pytest.mark.req("SUP-07"), pytest.mark.django_db]
M17 = REGISTRY["M17"]


def peers(agency, actor, amounts, *, start=100, tier="general", code="SC-001", decided_on=TODAY, **kw):
    for i, amount in enumerate(amounts):
        assess(agency, start + i, actor=actor, tier=tier, code=code, amount=amount, decided_on=decided_on, **kw)


def test_a_fine_beyond_factor_times_the_median_of_its_peers_warns(tree, users):
    benchmark(tree.agency_a1)
    off = users.officer_a1
    peers(tree.agency_a1, off, ["20000"] * 5)  # median 20 000: the band is 6 666.67–60 000 with factor 3
    assess(tree.agency_a1, 1, actor=off, tier="general", amount="6666.66")    # planted: just below the band
    assess(tree.agency_a1, 2, actor=off, tier="general", amount="6666.67")    # clean: inside (20 000 / 3 = 6 666.666…)
    assess(tree.agency_a1, 3, actor=off, tier="heavier", amount="45000")      # another tier: no peers, clean
    hits = {h.case_id: h for h in run(M17)}
    assert set(hits) == {1}
    assert hits[1].level == Level.WARNING and hits[1].evidence["peers"] >= 5 and "低于本机关" in hits[1].detail
    assert "（一般处罚）" in hits[1].detail and "general" not in hits[1].detail


def test_too_few_peers_old_peers_and_other_agencies_do_not_count(tree, users):
    benchmark(tree.agency_a1, effective_from=dt.date(2024, 1, 1))
    benchmark(tree.agency_a2)
    off = users.officer_a1
    peers(tree.agency_a1, off, ["20000"] * 3)
    peers(tree.agency_a1, off, ["20000"] * 5, start=200, decided_on=TODAY - dt.timedelta(days=400))  # outside 12 months
    off_a2 = grant(UserFactory(), Role.OFFICER, agency=tree.agency_a2)
    peers(tree.agency_a2, off_a2, ["20000"] * 5, start=300)
    assess(tree.agency_a1, 1, actor=off, tier="general", amount="1000")
    assert run(M17, case_ids=[1]) == []  # 3 peers of its own agency within the window: fewer than min_peers
    assert [h.case_id for h in run(M17, case_ids=[1], overrides={"M17": {"min_peers": 3}})] == [1]
    # Jurisdiction scope: 甲二县's five peers are in another county's jurisdiction, so they still do not count.
    assert run(M17, case_ids=[1], overrides={"M17": {"peer_scope": "jurisdiction"}}) == []


def test_multiples_compare_the_multiple_applied(tree, users):
    benchmark(tree.agency_a1)
    off = users.officer_a1
    for i, base in enumerate(["10000", "20000", "50000", "100000", "5000"]):
        assess(tree.agency_a1, 100 + i, actor=off, code="SC-002", tier="general", amount=str(3 * int(base)),
               base_amount=base)  # each 3 times its base: the same multiple, very different yuan
    assess(tree.agency_a1, 1, actor=off, code="SC-002", tier="general", amount="3000000", base_amount="1000000")
    assess(tree.agency_a1, 2, actor=off, code="SC-002", tier="general", amount="5000", base_amount="5000")  # 1 time
    assert run(M17, case_ids=[1]) == []  # 3 times like its peers, though 3 000 000 yuan
    [hit] = run(M17, case_ids=[2], overrides={"M17": {"factor": 2}})  # 1 time against a median of 3, factor 2
    assert hit.case_id == 2 and "倍" in hit.detail


def test_jurisdiction_scope_counts_the_other_agencies_of_the_same_jurisdiction(tree, users):
    from zhifa.org.tests.factories import AgencyFactory

    neighbour = AgencyFactory(name="甲一县农业农村局", jurisdiction=tree.a1)  # same county, another agency
    benchmark(tree.agency_a1)
    benchmark(neighbour)
    peers(neighbour, grant(UserFactory(), Role.OFFICER, agency=neighbour), ["20000"] * 5, start=100)
    by_jurisdiction = {"M17": {"peer_scope": "jurisdiction", "factor": 2}}
    assess(tree.agency_a1, 1, actor=users.officer_a1, tier="general", amount="40000.01")  # planted: above 2 × median
    assert run(M17, case_ids=[1], overrides={"M17": {"factor": 2}}) == []  # its own agency has no peers
    [hit] = run(M17, case_ids=[1], overrides=by_jurisdiction)
    assert hit.case_id == 1 and "高于同一行政区划" in hit.detail and hit.evidence["median"] == "20000.00"
    assess(tree.agency_a1, 2, actor=users.officer_a1, tier="general", amount="40000")  # clean: exactly 2 × median
    assert run(M17, case_ids=[2], overrides=by_jurisdiction) == []
