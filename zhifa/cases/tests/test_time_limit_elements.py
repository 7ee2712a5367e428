"""The facts supervision's time limits are computed from (issue 20 §1, SUP-04), recorded on the standard documents:
the day a lead was discovered (立案审批表, 市场监督管理行政处罚程序规定 第十八条), the days of the violation and its
gravity (处罚决定书, 行政处罚法 第三十六条), an approved extension of the time limit (延长办案期限审批表, 第六十条), and a
decision later changed or revoked (第四十八条第二款). Each is validated on entry, on the page and in the API alike."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases import rendering, services
from zhifa.cases.doctypes import FORMS
from zhifa.cases.tests.conftest import elements
from zhifa.core.errors import ZhifaError

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
APPROVAL = {"case_source": "投诉举报", "opinion": "同意立案", "approver": "张局长"}


@pytest.fixture
def case(desk):
    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="销售过期食品", action_type="penalty",
                              procedure="ordinary", place=desk.place, legal_basis="《食品安全法》", actor=desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    return case


def _approval(desk, case, **extra):
    return services.document_record(case=case, form="filing_approval", elements=elements(desk, **APPROVAL, **extra),
                                    actor=desk.officer)


def test_the_discovery_day_is_a_date_kept_in_iso_form_and_printed_in_chinese(desk, case):
    doc = _approval(desk, case, discovered_on="2026-03-05")
    assert doc.elements["discovered_on"] == "2026-03-05"
    element = next(e for e in FORMS["filing_approval"].elements if e.name == "discovered_on")
    assert rendering._display(element, doc.elements["discovered_on"], {}) == "2026年3月5日"


@pytest.mark.parametrize("value, message", [
    ("2026-02-30", "“发现违法行为线索（收到材料）日期”不是有效的日期。"),
    ("昨天", "“发现违法行为线索（收到材料）日期”不是有效的日期。"),
    ("0001-01-01", "“发现违法行为线索（收到材料）日期”不是有效的日期。"),
])
def test_a_discovery_day_that_is_not_a_date_is_refused(desk, case, value, message):
    with pytest.raises(ZhifaError) as err:
        _approval(desk, case, discovered_on=value)
    assert err.value.code == "case_element_invalid" and err.value.message == message


def test_a_discovery_day_in_the_future_is_refused_and_it_may_be_left_out(desk, case):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ZhifaError) as err:
        _approval(desk, case, discovered_on=tomorrow.isoformat())
    assert err.value.message == "“发现违法行为线索（收到材料）日期”不能晚于今天。"
    assert "discovered_on" not in _approval(desk, case).elements


def _to_decision(desk, case, head, assess):
    _approval(desk, case)
    case = services.case_advance(case=case, actor=head)
    services.document_record(case=case, form="inquiry_record", elements=elements(desk, inquired_person="王某"),
                             actor=desk.officer)
    return services.case_advance(case=case, actor=desk.officer)


DECISION = {"facts": "经查，当事人销售过期食品", "legal_basis": "《食品安全法》第一百二十四条", "penalty": "罚款人民币五万元",
            "remedies": "可在六十日内申请行政复议"}


def test_the_decision_records_the_violation_period_and_grave_harm(desk, case, users, assess):
    case = _to_decision(desk, case, desk.head, assess)
    doc = services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, **DECISION, violation_date="2025-01-01", violation_end="2025-03-31", grave_harm="true"))
    assert (doc.elements["violation_date"], doc.elements["violation_end"], doc.elements["grave_harm"]) == \
        ("2025-01-01", "2025-03-31", True)
    with pytest.raises(ZhifaError) as err:
        services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
            desk, **DECISION, violation_date="2025-03-31", violation_end="2025-01-01"))
    assert err.value.message == "“违法行为终了日期”不能早于违法行为发生日期。"


@pytest.mark.parametrize("days", ["0", "-5", "三十", "3651", "1.5", True])
def test_an_extension_is_a_whole_number_of_days(desk, case, days):
    _approval(desk, case)
    case = services.case_advance(case=case, actor=desk.head)
    with pytest.raises(ZhifaError) as err:
        services.document_record(case=case, form="extension_approval", actor=desk.officer, elements={
            "time": timezone.now().isoformat(), "reason": "案情复杂", "days": days, "approver": "张局长"})
    assert err.value.code == "case_element_invalid"
    assert err.value.message == "“延长期限（日）”应为 1 至 3650 之间的整数（日）。"


def test_an_extension_is_recorded_while_investigating_or_deciding_but_not_before_filing(desk, case, assess):
    extension = {"time": timezone.now().isoformat(), "reason": "案情复杂", "days": "30", "approver": "张局长"}
    with pytest.raises(ZhifaError) as err:
        services.document_record(case=case, form="extension_approval", actor=desk.officer, elements=extension)
    assert err.value.code == "case_form_wrong_stage"
    case = _to_decision(desk, case, desk.head, assess)
    doc = services.document_record(case=case, form="extension_approval", actor=desk.officer, elements=extension)
    assert doc.elements["days"] == 30
    assert rendering._display(FORMS["extension_approval"].elements[2], 30, {}) == "30日"


def test_the_change_of_a_decision_needs_a_known_outcome_and_its_effective_day(desk):
    form = FORMS["decision_change"]
    assert [e.name for e in form.elements] == ["time", "outcome", "effective_on", "authority", "instrument"]
    assert dict(next(e for e in form.elements if e.name == "outcome").choices)["revoked"] == "被撤销"
    assert form.allowed_in("service_enforcement") and not form.allowed_in("archive")


def test_the_api_takes_the_discovery_day_and_refuses_a_bad_one_with_the_stable_code(client, desk, case):
    from zhifa.cases.tests.test_api import headers

    officer = headers(desk.officer)
    url = f"/api/cases/{case.pk}/documents"
    bad = client.post(url, {"form": "filing_approval", "elements": elements(desk, **APPROVAL, discovered_on="2026-13-01")},
                      content_type="application/json", **officer)
    assert bad.status_code == 400 and bad.json()["code"] == "case_element_invalid"
    assert bad.json()["message"] == "“发现违法行为线索（收到材料）日期”不是有效的日期。"
    good = client.post(url, {"form": "filing_approval", "elements": elements(desk, **APPROVAL, discovered_on="2026-01-05")},
                       content_type="application/json", **officer)
    assert good.status_code == 201, good.content
    assert case.documents.get().elements["discovered_on"] == "2026-01-05"


def test_the_page_offers_a_date_input_for_the_discovery_day(client, desk, case):
    client.force_login(desk.officer)
    page = client.get(f"/cases/{case.pk}/", {"form": "filing_approval"})
    assert page.status_code == 200
    assert 'type="date" id="el-discovered_on" name="discovered_on"' in page.content.decode()
