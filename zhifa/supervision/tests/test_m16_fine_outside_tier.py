"""M16: a fine outside the benchmark tier of the recorded circumstances (SUP-04; 行政处罚法 第三十四条;
国办发〔2022〕27号)."""

import pytest

from zhifa.supervision.registry import REGISTRY, Level

from .s5_discretion import assess, benchmark, run

pytestmark = [pytest.mark.req("SUP-04"), pytest.mark.req("SUP-07"), pytest.mark.django_db]
M16 = REGISTRY["M16"]


def test_a_departure_without_reasons_warns_with_reasons_notices_and_inside_the_tier_is_clean(tree, users):
    benchmark(tree.agency_a1)
    off = users.officer_a1
    assess(tree.agency_a1, 1, actor=off, tier="general", amount="35000.01")   # planted: a cent above the tier
    assess(tree.agency_a1, 2, actor=off, tier="general", amount="40000", reasons="违法所得较大，一般阶次明显过轻。")
    assess(tree.agency_a1, 3, actor=off, tier="general", amount="35000")      # clean: the tier's exact maximum
    assess(tree.agency_a1, 4, actor=off, tier="general", amount="15000")      # clean: the tier's exact minimum
    assess(tree.agency_a1, 5, actor=off, tier="heavier", amount="60000")      # outside the law: M15's, not M16's
    assess(tree.agency_a1, 6, actor=off, code="SC-002", tier="mitigated", amount="5000", base_amount="10000")
    hits = {h.case_id: h for h in run(M16)}
    assert set(hits) == {1, 2, 6}
    assert hits[1].level == Level.WARNING and "决定未说明理由" in hits[1].detail
    assert hits[1].evidence["tier_max"] == "35000.00" and hits[1].evidence["has_reasons"] is False
    assert hits[2].level == Level.NOTICE and "违法所得较大" in hits[2].detail
    assert hits[6].level == Level.WARNING and "未设“减轻处罚”阶次" in hits[6].detail  # a tier the table lacks


def test_reasons_with_notices_switched_off_and_a_correction_into_the_tier(tree, users):
    benchmark(tree.agency_a1)
    assess(tree.agency_a1, 1, actor=users.officer_a1, tier="general", amount="40000", reasons="理由")
    assert run(M16, overrides={"M16": {"notice_with_reasons": False}}) == []
    assess(tree.agency_a1, 2, actor=users.officer_a1, tier="general", amount="40000")
    assert [h.case_id for h in run(M16, case_ids=[2])] == [2]
    assess(tree.agency_a1, 2, actor=users.officer_a1, tier="heavier", amount="40000")  # corrected: now 从重
    assert run(M16, case_ids=[2]) == []
