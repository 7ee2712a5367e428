"""M18: a first violation with minor harm, corrected in time, on the 首违不罚 list, yet fined (SUP-04;
行政处罚法 第三十三条第一款)."""

import pytest

from zhifa.discretion.models import Harm
from zhifa.supervision.registry import REGISTRY, Level

from .s5_discretion import assess, benchmark, run

pytestmark = [pytest.mark.req("SUP-04"), pytest.mark.req("SUP-07"), pytest.mark.django_db]
M18 = REGISTRY["M18"]
FIRST = {"first_violation": True, "harm": Harm.MINOR, "corrected_in_time": True}


def test_fined_despite_the_first_violation_list_warns_and_each_missing_condition_is_clean(tree, users):
    benchmark(tree.agency_a1)
    off = users.officer_a1
    assess(tree.agency_a1, 1, actor=off, tier="lighter", amount="5000", **FIRST)                    # planted
    assess(tree.agency_a1, 2, actor=off, tier="no_penalty", amount="0", **FIRST)                    # clean: not fined
    assess(tree.agency_a1, 3, actor=off, tier="lighter", amount="5000", **(FIRST | {"first_violation": False}))
    assess(tree.agency_a1, 4, actor=off, tier="lighter", amount="5000", **(FIRST | {"corrected_in_time": False}))
    assess(tree.agency_a1, 5, actor=off, tier="lighter", amount="5000", **(FIRST | {"harm": Harm.OTHER}))
    assess(tree.agency_a1, 6, actor=off, code="SC-002", tier="lighter", amount="10000", base_amount="10000",
           **FIRST)  # clean: SC-002 is not on the 首违不罚 list
    hits = run(M18)
    assert [h.case_id for h in hits] == [1]
    assert hits[0].level == Level.WARNING and "首违不罚" in hits[0].detail and "5,000.00 元" in hits[0].detail


def test_a_correction_to_no_penalty_closes_it(tree, users):
    benchmark(tree.agency_a1)
    assess(tree.agency_a1, 1, actor=users.officer_a1, tier="lighter", amount="5000", **FIRST)
    assert len(run(M18, case_ids=[1])) == 1
    assess(tree.agency_a1, 1, actor=users.officer_a1, tier="no_penalty", amount="0", **FIRST)
    assert run(M18, case_ids=[1]) == []
