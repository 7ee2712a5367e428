"""The discretion benchmark where a fine is decided (SUP-07; 行政处罚法 第三十四条; 国办发〔2022〕27号).

A penalty decision of an agency with a benchmark table in force names the item and the tier it applies; a fine
outside the statutory range is refused (nothing written), one outside the tier's range needs written reasons in
the decision, and every such decision — corrections and pushed decisions too — writes the case's fine assessment,
which supervision's M15–M18 read. The table is the discretion tests' one: item SC-001, 5 000–50 000 yuan, tiers
减轻 1 000–5 000, 从轻 5 000–15 000, 一般 15 000–35 000, 从重 35 000–50 000 (and 不予处罚); item SC-002, 1–5 times
违法所得, tiers 从轻 1–2, 一般 2–4, 从重 4–5."""

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import Document
from zhifa.cases.tests.conftest import elements
from zhifa.cases.tests.test_api import headers
from zhifa.cases.tests.test_push import machine, push_body  # noqa: F401 (machine is a fixture)
from zhifa.core.errors import ZhifaError
from zhifa.core.permissions import Role
from zhifa.discretion import selectors as discretion_selectors
from zhifa.discretion.models import FineAssessment
from zhifa.discretion.tests.helpers import issue
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-07")]
DECISION = {"facts": "经查，当事人未按规定建立进货查验记录制度", "legal_basis": "《食品安全法》第一百二十六条第一款",
            "remedies": "可在六十日内申请行政复议"}


def legal_head(agency):
    return grant(UserFactory(), Role.LEGAL_HEAD, agency=agency)


@pytest.fixture
def table(desk):
    return issue(desk.agency, legal_head(desk.agency))


@pytest.fixture
def case(desk):
    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="未建立进货查验记录",
                              action_type="penalty", procedure="ordinary", place=desk.place, legal_basis="《食品安全法》",
                              actor=desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    services.document_record(case=case, form="filing_approval", actor=desk.officer, elements=elements(
        desk, case_source="投诉举报", opinion="同意立案", approver="张局长"))
    case = services.case_advance(case=case, actor=desk.head)
    services.document_record(case=case, form="inquiry_record", elements=elements(desk, inquired_person="王某"),
                             actor=desk.officer)
    return services.case_advance(case=case, actor=desk.officer)


def decide(desk, case, penalty, supersedes=None, **discretion):
    return services.document_record(
        case=case, form="penalty_decision", actor=desk.officer, elements=elements(desk, **DECISION, penalty=penalty,
                                                                                  **discretion),
        supersedes=supersedes, correction_reason="罚款金额笔误" if supersedes else "")


def written(case):
    """What a refusal must leave untouched: the decisions, the assessments, the log."""
    return (Document.objects.filter(case=case, form="penalty_decision").count(),
            FineAssessment.objects.filter(case_id=case.pk).count(), Entry.objects.count())


@pytest.mark.parametrize("amount, tier", [("5000", "lighter"), ("50000.00", "heavier")])
def test_a_fine_exactly_at_the_statutory_minimum_or_maximum_is_decided_and_assessed(desk, case, table, amount, tier):
    doc = decide(desk, case, f"罚款人民币{amount}元", discretion_item="SC-001", discretion_tier=tier)
    assessment = discretion_selectors.assessment_for_case(case.pk)
    assert (assessment.item_code, assessment.tier, assessment.amount, assessment.table_id, assessment.reasons) == \
        ("SC-001", tier, Decimal(amount), table.pk, "")
    assert assessment.decided_on == timezone.localdate(dt.datetime.fromisoformat(doc.elements["time"]))
    assert doc.elements["discretion_item"] == "SC-001" and doc.elements["discretion_tier"] == tier
    assert Entry.objects.filter(kind="discretion.fine_assessed", subject=f"cases.case:{case.pk}").count() == 1


@pytest.mark.parametrize("amount, tier, code, words", [
    ("4999.99", "lighter", "discretion_fine_below_statutory_min", "低于法定下限 5,000.00 元"),
    ("50000.01", "heavier", "discretion_fine_above_statutory_max", "超过法定上限 50,000.00 元"),
    ("100", "no_penalty", "discretion_fine_in_no_penalty_tier", "不得处以罚款"),
])
def test_a_fine_one_cent_outside_the_statutory_range_is_refused_and_nothing_is_written(
        desk, case, table, amount, tier, code, words):
    before = written(case)
    with pytest.raises(ZhifaError) as err:
        decide(desk, case, f"处以{amount}元罚款", discretion_item="SC-001", discretion_tier=tier,
               discretion_reasons="当事人情节特殊")  # reasons do not open the statutory range
    assert err.value.code == code and words in err.value.message
    assert written(case) == before


def test_a_fine_outside_its_tier_needs_written_reasons_which_the_assessment_keeps(desk, case, table):
    before = written(case)
    with pytest.raises(ZhifaError) as err:  # 一般 is 15 000–35 000: one cent above it
        decide(desk, case, "罚款人民币35000.01元", discretion_item="SC-001", discretion_tier="general")
    assert err.value.code == "discretion_departure_reasons_required"
    assert "不在“一般处罚”阶次的 15,000.00 元 至 35,000.00 元 之间" in err.value.message
    assert "请在决定书中写明偏离裁量基准的理由" in err.value.message
    assert written(case) == before
    with pytest.raises(ZhifaError) as blank:  # blanks are no reasons
        decide(desk, case, "罚款人民币35000.01元", discretion_item="SC-001", discretion_tier="general",
               discretion_reasons="   ")
    assert blank.value.code == "discretion_departure_reasons_required" and written(case) == before
    reasons = "当事人违法行为持续时间长、涉及面广，按一般阶次处罚明显偏轻"
    doc = decide(desk, case, "罚款人民币35000.01元", discretion_item="SC-001", discretion_tier="general",
                 discretion_reasons=reasons, first_violation="true", harm="minor")
    assert doc.elements["discretion_reasons"] == reasons
    assessment = discretion_selectors.assessment_for_case(case.pk)
    assert (assessment.reasons, str(assessment.amount), assessment.first_violation, assessment.harm,
            assessment.corrected_in_time) == (reasons, "35000.01", True, "minor", False)


def test_with_a_table_in_force_a_fine_names_an_item_of_the_table_and_a_tier_it_sets(desk, case, table):
    before = written(case)
    with pytest.raises(ZhifaError) as err:
        decide(desk, case, "罚款人民币20000元")
    assert err.value.code == "case_element_missing"
    assert err.value.details["missing"] == ["适用的裁量基准事项编码", "裁量阶次"]
    assert "应当载明适用的裁量基准事项编码、裁量阶次" in err.value.message
    with pytest.raises(ZhifaError) as err:
        decide(desk, case, "罚款人民币20000元", discretion_item="SC-001")
    assert err.value.details["missing"] == ["裁量阶次"]
    with pytest.raises(ZhifaError) as err:
        decide(desk, case, "罚款人民币20000元", discretion_item="SC-999", discretion_tier="general")
    assert err.value.code == "discretion_item_unknown" and "没有编码为“SC-999”的事项" in err.value.message
    with pytest.raises(ZhifaError) as err:  # SC-002 sets no 减轻 tier
        decide(desk, case, "罚款人民币8000元", discretion_item="SC-002", discretion_tier="mitigated",
               fine_base_amount="10000", discretion_reasons="主动减轻危害后果")
    assert err.value.code == "discretion_tier_unknown"
    assert err.value.message == ("本机关行政裁量权基准对事项“SC-002 经营超过保质期的食品”未设“减轻处罚”阶次，"
                                 "请选择：从轻处罚、一般处罚、从重处罚。")
    with pytest.raises(ZhifaError) as err:
        decide(desk, case, "罚款人民币20000元", discretion_item="SC-001", discretion_tier="harsh")
    assert err.value.code == "case_element_invalid"
    with pytest.raises(ZhifaError) as err:  # a fine is written, but no amount can be read from it
        decide(desk, case, "处以罚款", discretion_item="SC-001", discretion_tier="general")
    assert err.value.code == "discretion_amount_invalid"
    assert written(case) == before
    # A decision without a fine (a warning) needs none of it.
    decide(desk, case, "警告")
    assert FineAssessment.objects.filter(case_id=case.pk).count() == 0


def test_a_multiple_range_is_checked_against_its_base_and_confiscation_is_no_fine(desk, case, table):
    # SC-002: 1–5 times 违法所得; base 10 000 → 10 000–50 000 yuan, 一般 20 000–40 000. The 没收 is not the fine.
    with pytest.raises(ZhifaError) as err:
        decide(desk, case, "没收违法所得10000元，并处罚款30000元", discretion_item="SC-002", discretion_tier="general")
    assert err.value.code == "discretion_base_amount_required"
    with pytest.raises(ZhifaError) as err:
        decide(desk, case, "没收违法所得10000元，并处罚款30000元", discretion_item="SC-002", discretion_tier="general",
               fine_base_amount="1万")
    assert err.value.code == "case_element_invalid" and "最多两位小数" in err.value.message
    with pytest.raises(ZhifaError) as err:
        decide(desk, case, "没收违法所得10000元，并处罚款50000.01元", discretion_item="SC-002",
               discretion_tier="heavier", fine_base_amount="10,000")
    assert err.value.code == "discretion_fine_above_statutory_max"
    doc = decide(desk, case, "没收违法所得10000元，并处罚款30000元", discretion_item="SC-002", discretion_tier="general",
                 fine_base_amount="10,000")
    assessment = discretion_selectors.assessment_for_case(case.pk)
    assert doc.elements["fine_base_amount"] == "10000.00"
    assert (str(assessment.amount), str(assessment.base_amount)) == ("30000.00", "10000.00")


def test_without_a_table_in_force_nothing_is_required_or_assessed(desk, case):
    # A table issued today to take effect next month is not in force on the day of the decision.
    issue(desk.agency, legal_head(desk.agency), effective_from=timezone.localdate() + dt.timedelta(days=30))
    doc = decide(desk, case, "罚款人民币90000元")
    assert doc.pk and FineAssessment.objects.filter(case_id=case.pk).count() == 0
    doc = decide(desk, case, "罚款人民币90000元", supersedes=doc, discretion_item="SC-001", discretion_tier="general")
    assert doc.version == 2 and FineAssessment.objects.filter(case_id=case.pk).count() == 0


def test_a_correction_is_checked_again_and_writes_a_new_assessment_version(desk, case, table):
    first = decide(desk, case, "罚款人民币20000元", discretion_item="SC-001", discretion_tier="general")
    v1 = discretion_selectors.assessment_for_case(case.pk)
    before = written(case)
    with pytest.raises(ZhifaError) as err:
        decide(desk, case, "罚款人民币50000.01元", supersedes=first, discretion_item="SC-001", discretion_tier="heavier")
    assert err.value.code == "discretion_fine_above_statutory_max" and written(case) == before
    second = decide(desk, case, "罚款人民币40000元", supersedes=first, discretion_item="SC-001",
                    discretion_tier="heavier", corrected_in_time="true")
    current = discretion_selectors.assessment_for_case(case.pk)
    assert second.version == 2 and (current.version, current.supersedes_id) == (2, v1.pk)
    assert (current.tier, str(current.amount), current.corrected_in_time) == ("heavier", "40000.00", True)
    assert FineAssessment.objects.filter(case_id=case.pk).count() == 2


def test_the_document_and_its_assessment_are_written_together_or_not_at_all(desk, case, table, monkeypatch):
    from zhifa.discretion import services as discretion_services

    def broken(**kwargs):
        raise ZhifaError("discretion_table_invalid", "记录罚款裁量情况失败。")

    monkeypatch.setattr(discretion_services, "fine_assessment_record", broken)
    before = written(case)
    with pytest.raises(ZhifaError):
        decide(desk, case, "罚款人民币20000元", discretion_item="SC-001", discretion_tier="general")
    assert written(case) == before


def test_the_api_refuses_with_the_stable_code_and_http_400(client, desk, case, table):
    officer = headers(desk.officer)
    url = f"/api/cases/{case.pk}/documents"

    def post(penalty, **discretion):
        body = {"form": "penalty_decision", "elements": elements(desk, **DECISION, penalty=penalty, **discretion)}
        return client.post(url, body, content_type="application/json", **officer)

    before = written(case)
    over = post("罚款人民币50000.01元", discretion_item="SC-001", discretion_tier="heavier")
    assert over.status_code == 400 and over.json()["code"] == "discretion_fine_above_statutory_max"
    assert "超过法定上限" in over.json()["message"]
    assert over.json()["details"][0]["code"] == "discretion_fine_above_statutory_max"
    departs = post("罚款人民币36000元", discretion_item="SC-001", discretion_tier="general")
    assert departs.status_code == 400 and departs.json()["code"] == "discretion_departure_reasons_required"
    assert written(case) == before
    ok = post("罚款人民币36000元", discretion_item="SC-001", discretion_tier="general", discretion_reasons="情节较重")
    assert ok.status_code == 201, ok.content
    assert discretion_selectors.assessment_for_case(case.pk).reasons == "情节较重"


def test_the_entry_form_offers_the_elements_unselected_and_the_page_says_a_refusal(client, desk, case, table):
    client.force_login(desk.officer)
    fields = client.get(f"/cases/{case.pk}/fields/", {"form": "penalty_decision"})
    html = fields.content.decode()
    assert fields.status_code == 200
    assert '<select id="el-discretion_tier" name="discretion_tier"><option value="">（未选择）</option>' in html
    assert 'name="fine_base_amount"' in html and 'inputmode="decimal"' in html
    assert f'/discretion/public/agencies/{desk.agency.pk}/' in html
    post = {k: v for k, v in elements(desk, **DECISION, penalty="罚款人民币50000.01元").items() if k != "officers"}
    post |= {"form": "penalty_decision", "officers": [p.pk for p in desk.officers], "discretion_item": "SC-001",
             "discretion_tier": "heavier", "harm": ""}
    before = written(case)
    refused = client.post(f"/cases/{case.pk}/documents/", post)
    assert refused.status_code == 400 and "超过法定上限" in refused.content.decode()
    assert written(case) == before


def test_a_pushed_decision_is_assessed_as_decided_without_the_gate(client, desk, table, machine):  # noqa: F811
    body = push_body(desk)
    body["documents"] = [d for d in body["documents"] if d["form"] not in ("service_receipt", "closing_report")]
    body["stage"] = "decision"
    decision = next(d for d in body["documents"] if d["form"] == "penalty_decision")
    decision["elements"] |= {"penalty": "罚款人民币60000元"}  # above SC-001's statutory 50 000
    refused = copy.deepcopy(body)
    answer = client.post("/api/cases/push", refused, content_type="application/json", **machine)
    assert answer.status_code == 400 and answer.json()["code"] == "case_element_missing"  # the item is still asked
    decision["elements"] |= {"discretion_item": "SC-001", "discretion_tier": "heavier"}
    pushed = client.post("/api/cases/push", body, content_type="application/json", **machine)
    assert pushed.status_code == 201, pushed.content
    assessment = discretion_selectors.assessment_for_case(pushed.json()["id"])
    assert (assessment.item_code, assessment.tier, str(assessment.amount), assessment.reasons) == \
        ("SC-001", "heavier", "60000.00", "")


def test_the_portal_agency_page_links_to_the_benchmark_in_force(client, desk, table):
    page = client.get(f"/portal/agencies/{desk.agency.pk}/")
    link = f'href="/discretion/public/agencies/{desk.agency.pk}/"'
    assert page.status_code == 200 and "行政裁量权基准" in page.content.decode() and link in page.content.decode()
    published = client.get(f"/discretion/public/agencies/{desk.agency.pk}/").content.decode()
    assert "第 1 版" in published and "SC-001" in published
