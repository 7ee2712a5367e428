"""The fine check at its boundaries (SUP-07; 行政处罚法 第三十二条、第三十四条; 国办发〔2022〕27号)."""

import datetime as dt

import pytest

from zhifa.core.errors import ZhifaError
from zhifa.core.permissions import Role
from zhifa.discretion import services
from zhifa.discretion.checks import fine_check
from zhifa.discretion.models import FineAssessment, Harm
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant

from .helpers import issue

pytestmark = [pytest.mark.req("SUP-07"), pytest.mark.django_db]
ON = dt.date(2026, 3, 1)


@pytest.fixture
def table(tree):
    return issue(tree.agency_a1, grant(UserFactory(username="legal_a1"), Role.LEGAL_HEAD, agency=tree.agency_a1))


def check(agency, amount, tier="general", code="SC-001", base=None, on=ON):
    return fine_check(agency=agency, item_code=code, tier=tier, amount=amount, on=on, base_amount=base)


def codes(findings):
    return [str(f.code) for f in findings]


@pytest.mark.parametrize("amount, tier, hard, warn", [
    ("5000.00", "lighter", [], []),                                  # exactly the statutory minimum
    ("4999.99", "lighter", ["discretion_fine_below_statutory_min"], ["discretion_fine_outside_tier"]),  # a cent below
    ("50000.00", "heavier", [], []),                                 # exactly the statutory maximum
    ("50000.01", "heavier", ["discretion_fine_above_statutory_max"], ["discretion_fine_outside_tier"]),
    ("15000.00", "general", [], []),                                 # the tier's exact minimum
    ("35000.00", "general", [], []),                                 # the tier's exact maximum
    ("14999.99", "general", [], ["discretion_fine_outside_tier"]),   # one cent under the tier: a warning
    ("35000.01", "general", [], ["discretion_fine_outside_tier"]),   # one cent over the tier
    ("3000", "mitigated", [], []),                                   # 减轻: below the statutory minimum is lawful
    ("999.99", "mitigated", [], ["discretion_fine_outside_tier"]),
    ("5000.01", "mitigated", [], ["discretion_fine_outside_tier"]),
    ("0", "no_penalty", [], []),
    ("0.01", "no_penalty", ["discretion_fine_in_no_penalty_tier"], ["discretion_fine_outside_tier"]),
])
def test_fixed_range_boundaries(tree, table, amount, tier, hard, warn):
    c = check(tree.agency_a1, amount, tier)
    assert (codes(c.hard_errors), codes(c.warnings)) == (hard, warn)
    assert c.ok == (not hard) and c.needs_reasons == bool(warn) and c.applicable
    assert c.statutory_range == (5000, 50000)


@pytest.mark.parametrize("amount, tier, hard, warn, tier_range", [
    # base 10 000 yuan of 违法所得: statutory 1–5 times = 10 000–50 000; 一般 2–4 times = 20 000–40 000
    ("10000", "lighter", [], [], (10000, 20000)),
    ("9999.99", "lighter", ["discretion_fine_below_statutory_min"], ["discretion_fine_outside_tier"], (10000, 20000)),
    ("50000", "heavier", [], [], (40000, 50000)),
    ("50000.01", "heavier", ["discretion_fine_above_statutory_max"], ["discretion_fine_outside_tier"], (40000, 50000)),
    ("40000.01", "general", [], ["discretion_fine_outside_tier"], (20000, 40000)),
    ("30000", "mitigated", [], ["discretion_fine_outside_tier"], None),  # the table sets no 减轻 tier for SC-002
])
def test_multiple_range_is_times_the_base_amount(tree, table, amount, tier, hard, warn, tier_range):
    c = check(tree.agency_a1, amount, tier, code="SC-002", base="10000")
    assert (codes(c.hard_errors), codes(c.warnings)) == (hard, warn)
    assert c.statutory_range == (10000, 50000) and c.tier_range == tier_range


def test_a_multiple_without_its_base_an_unknown_item_and_no_table(tree, table):
    assert codes(check(tree.agency_a1, "100", code="SC-002").hard_errors) == ["discretion_base_amount_required"]
    c = check(tree.agency_a1, "100", code="SC-999")
    assert codes(c.hard_errors) == ["discretion_item_unknown"] and "SC-999" in c.hard_errors[0].message
    before = check(tree.agency_a1, "100", on=dt.date(2025, 12, 31))  # before the table took effect
    assert before.applicable is False and before.ok and not before.needs_reasons
    assert check(tree.agency_a2, "100").applicable is False  # another agency: its own table, none
    with pytest.raises(ZhifaError) as exc:
        check(tree.agency_a1, "1.001")
    assert exc.value.code == "discretion_amount_invalid"
    with pytest.raises(ZhifaError):
        check(tree.agency_a1, "-1")


def test_the_gate_refuses_outside_the_statutory_range_and_a_departure_without_reasons(tree, table):
    with pytest.raises(ZhifaError) as exc:
        services.fine_proposal_validate(agency=tree.agency_a1, item_code="SC-001", tier="heavier", amount="50000.01",
                                        on=ON, reasons="情节严重")
    assert exc.value.code == "discretion_fine_above_statutory_max" and "法定上限" in exc.value.message
    assert exc.value.details[0]["code"] == "discretion_fine_above_statutory_max"
    with pytest.raises(ZhifaError) as exc:
        services.fine_proposal_validate(agency=tree.agency_a1, item_code="SC-001", tier="general", amount="40000",
                                        on=ON, reasons="  ")
    assert exc.value.code == "discretion_departure_reasons_required" and "理由" in exc.value.message
    ok = services.fine_proposal_validate(agency=tree.agency_a1, item_code="SC-001", tier="general", amount="40000",
                                         on=ON, reasons="违法所得数额较大，按一般阶次上限仍明显过轻。")
    assert ok.ok and ok.needs_reasons
    assert services.fine_proposal_validate(agency=tree.agency_a1, item_code="SC-001", tier="general", amount="20000",
                                           on=ON).ok


def test_an_assessment_is_versioned_logged_on_the_case_and_needs_the_case_permission(tree, users, table):
    a1 = services.fine_assessment_record(case_id=42, agency=tree.agency_a1, item_code="SC-001", tier="general",
                                         amount="20000", decided_on=ON, actor=users.officer_a1)
    a2 = services.fine_assessment_record(case_id=42, agency=tree.agency_a1, item_code="SC-001", tier="lighter",
                                         amount="6000", decided_on=ON, actor=users.officer_a1,
                                         first_violation=True, harm=Harm.MINOR, corrected_in_time=True)
    assert (a2.version, a2.supersedes, a2.table, a2.item.code) == (2, a1, table, "SC-001")
    assert list(FineAssessment.objects.filter(superseded_by__isnull=True)) == [a2]
    assert Entry.objects.get(pk=a2.entry_id).subject == "cases.case:42"
    with pytest.raises(ZhifaError) as exc:
        services.fine_assessment_record(case_id=43, agency=tree.agency_a1, item_code="SC-001", tier="general",
                                        amount="20000", decided_on=ON, actor=users.city_a_supervisor)
    assert exc.value.status == 403
    with pytest.raises(ZhifaError) as exc:
        services.fine_assessment_record(case_id=43, agency=tree.agency_a1, item_code="SC-001", tier="general",
                                        amount="20000", decided_on=dt.date(2025, 1, 1), actor=users.officer_a1)
    assert exc.value.code == "discretion_no_table_in_force"
