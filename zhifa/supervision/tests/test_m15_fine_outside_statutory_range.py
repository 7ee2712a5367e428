"""M15: a fine outside the statutory range (SUP-04; 行政处罚法 第三十二条、第三十四条)."""

import pytest

from zhifa.supervision.registry import REGISTRY, Level

from .s5_discretion import assess, benchmark, run

pytestmark = [pytest.mark.req("SUP-04"), pytest.mark.req("SUP-07"), pytest.mark.django_db]
M15 = REGISTRY["M15"]


def test_a_fine_above_the_maximum_or_below_the_minimum_alarms_and_a_lawful_one_does_not(tree, users):
    benchmark(tree.agency_a1)
    off = users.officer_a1
    assess(tree.agency_a1, 1, actor=off, tier="heavier", amount="50000.01")   # planted: a cent above the maximum
    assess(tree.agency_a1, 2, actor=off, tier="lighter", amount="4999.99")    # planted: below, not mitigated
    assess(tree.agency_a1, 3, actor=off, tier="no_penalty", amount="100")     # planted: fined in 不予处罚
    assess(tree.agency_a1, 4, actor=off, tier="heavier", amount="50000")      # clean: exactly the maximum
    assess(tree.agency_a1, 5, actor=off, tier="mitigated", amount="3000")     # clean: 减轻 goes below the minimum
    assess(tree.agency_a1, 6, actor=off, code="SC-002", tier="general", amount="30000", base_amount="10000")  # clean
    assess(tree.agency_a1, 7, actor=off, code="SC-002", tier="heavier", amount="50000.01", base_amount="10000")
    hits = {h.case_id: h for h in run(M15)}
    assert set(hits) == {1, 2, 3, 7}
    assert all(h.level == Level.ALARM for h in hits.values())
    assert "超过法定上限 50,000.00 元" in hits[1].detail and hits[1].evidence["statutory_max"] == "50000.00"
    assert "低于法定下限" in hits[2].detail and "不予处罚" in hits[3].detail
    assert hits[7].evidence["codes"] == ["discretion_fine_above_statutory_max"]


def test_a_corrected_assessment_closes_it_and_an_event_run_reads_only_its_case(tree, users):
    benchmark(tree.agency_a1)
    assess(tree.agency_a1, 1, actor=users.officer_a1, tier="heavier", amount="60000")
    assess(tree.agency_a1, 2, actor=users.officer_a1, tier="heavier", amount="60000")
    assert [h.case_id for h in run(M15, case_ids=[2])] == [2]
    assess(tree.agency_a1, 1, actor=users.officer_a1, tier="heavier", amount="45000")  # the correction: version 2
    assert [h.case_id for h in run(M15)] == [2]
    assert run(M15, agency_ids=[tree.agency_a2.pk]) == []


def test_a_multiple_without_its_base_is_a_notice(tree, users):
    benchmark(tree.agency_a1)
    assess(tree.agency_a1, 1, actor=users.officer_a1, code="SC-002", tier="general", amount="30000")
    [hit] = run(M15)
    assert hit.level == Level.NOTICE and "违法所得" in hit.detail


@pytest.mark.parametrize("code", ["M15", "M16", "M17", "M18"])
def test_the_discretion_models_read_in_a_fixed_number_of_queries(tree, users, code):
    """The nightly run over everything costs the same queries at two sizes (no query per assessment)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    benchmark(tree.agency_a1)
    model = REGISTRY[code]

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            run(model)
        return len(ctx)
    for i in range(2):
        assess(tree.agency_a1, 1 + i, actor=users.officer_a1, tier="general", amount="60000")
    few = queries()
    for i in range(8):
        assess(tree.agency_a1, 10 + i, actor=users.officer_a1, tier="lighter", amount=str(5000 + 100 * i),
               first_violation=True, harm="minor", corrected_in_time=True)
    assert queries() == few
