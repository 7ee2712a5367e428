"""Review pages and API: the same services, scoped reads, flat query counts."""

import datetime as dt

import pytest
import time_machine

from zhifa.core.testing import query_count
from zhifa.review.models import Review

from .conftest import assigned, submitted


@pytest.mark.req("REV-04")
@pytest.mark.django_db
def test_the_handling_unit_determines_and_submits_on_the_page(client, desk, office):
    from .conftest import decision_case
    case = decision_case(desk)
    client.force_login(desk.officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "尚未进行重大执法决定认定" in page
    client.post(f"/review/cases/{case.pk}/determine/", {"fine_amount": "200,000", "criteria": ["major_rights"]})
    page = client.post(f"/review/cases/{case.pk}/submit/", {"note": "请审核"}, follow=True).content.decode()
    assert "已送法制审核" in page and Review.objects.get(case=case).state == "submitted"
    assert "调查（审查）终结报告：《调查终结报告》第 1 版" in page


@pytest.mark.req("REV-04")
@pytest.mark.django_db
def test_incomplete_materials_are_refused_with_what_is_missing(client, desk, office, tree, users):
    from zhifa.rules.services import ruleset_apply

    from .conftest import decision_case, determine
    ruleset_apply(name="az", jurisdiction=tree.a1, actor=users.su)
    case = decision_case(desk)  # AZ-V §10(1) asks for the proposal and its explanation too
    determine(case, desk)
    client.force_login(desk.officer)
    response = client.post(f"/api/review/cases/{case.pk}/submit", {}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "review_materials_incomplete" and "重大执法决定建议及其情况说明" in body["message"]
    assert not Review.objects.exists()


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_the_queue_costs_the_same_queries_for_one_review_or_many(client, desk, office):
    with time_machine.travel(dt.datetime(2026, 9, 29, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        assigned(submitted(desk, office), office)
        client.force_login(office.reviewer_user)
        counts = []
        for extra in (0, 4):
            for _ in range(extra):
                assigned(submitted(desk, office), office)
            counts.append(query_count(lambda: client.get("/review/")))
            api = client.get("/api/review/queue?mine=true")
        assert counts[0] == counts[1] and len(api.json()["items"]) == 5
        assert api.json()["items"][0]["working_days_left"] == 5


@pytest.mark.req("REV-12")
@pytest.mark.django_db
def test_the_review_api_walks_a_case_and_shows_its_timeline(client, desk, office):
    review = submitted(desk, office)
    client.force_login(office.review_head)
    r = client.post(f"/api/review/cases/{review.case_id}/assignments", {"person_id": office.reviewer.pk},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    client.force_login(office.reviewer_user)
    checklist = {c: {"finding": "ok"} for c in review.rules["items"]}
    bad = client.post(f"/api/review/cases/{review.case_id}/opinion", {"kind": "agree", "checklist": {}, "text": "同意"},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "review_opinion_invalid"
    r = client.post(f"/api/review/cases/{review.case_id}/opinion", {"kind": "agree", "checklist": checklist, "text": "同意"},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    # The review has passed: the reviewer's duty to read it ended with it (review.selectors.consultation_duty),
    # the handling officer reads it.
    assert client.get(f"/api/review/cases/{review.case_id}").status_code == 403
    client.force_login(desk.officer)
    detail = client.get(f"/api/review/cases/{review.case_id}").json()
    assert detail["state"] == "passed" and [s["action"] for s in detail["timeline"]] == ["submit", "opinion"]
    assert all(s["log_entry_id"] for s in detail["timeline"]) and detail["opinions"][0]["archive_sha256"]
    denied = client.post(f"/api/review/cases/{review.case_id}/extension", {"reason": "延长一下"},
                         content_type="application/json")
    assert denied.status_code in (403, 409)


@pytest.mark.req("REV-02")
@pytest.mark.django_db
def test_a_catalogue_is_issued_and_registered_on_the_page(client, desk, office, users):
    client.force_login(office.head)
    form = {"agency": desk.agency.pk, "effective_from": "2026-01-01", "matter_0": "较大数额罚款",
            "action_type_0": "penalty", "criterion_0": "fine_at_least", "amount_0": "50000", "collective_0": "on"}
    page = client.post("/review/catalogues/", form | {"amount_0": ""}, follow=True).content.decode()
    assert "金额标准应大于零" in page and not desk.agency.review_catalogues.exists()
    page = client.post("/review/catalogues/", form, follow=True).content.decode()
    assert "已发布目录清单第 1 版" in page and "待登记" in page
    catalogue = desk.agency.review_catalogues.get()
    denied = client.post(f"/review/catalogues/{catalogue.pk}/acknowledge/")  # issue 17: a denial is the 403 page
    assert denied.status_code == 403 and "无权访问" in denied.content.decode()
    assert not hasattr(catalogue, "filing")
    client.force_login(users.county_a1_supervisor)
    page = client.post(f"/review/catalogues/{catalogue.pk}/acknowledge/", {"remarks": "准予备案"}, follow=True)
    assert "已备案登记" in page.content.decode()


@pytest.mark.req("REV-08")
@pytest.mark.django_db
def test_the_workspace_buttons_walk_a_review_through_its_steps(client, desk, office):
    review = assigned(submitted(desk, office), office)
    url = f"/review/cases/{review.case_id}"

    def post(user, action, data=None):
        client.force_login(user)
        return client.post(f"{url}/{action}/", data or {}, follow=True).content.decode()

    assert "已中止计时" in post(office.reviewer_user, "pause", {"kind": "supplement", "reason": "缺少营业执照复印件",
                                                                  "due_date": "2099-01-01"})
    assert "已恢复计时" in post(desk.officer, "resume", {"note": "已补充"})
    assert "已提交延长申请" in post(office.reviewer_user, "extension", {"reason": "案情复杂需要延长"})
    assert "已处理延长申请" in post(office.legal_head, "extension_decision", {"approve": "yes"})
    form = {f"finding_{c}": "ok" for c in review.rules["items"]} | {
        "finding_law_applied": "problem", "note_law_applied": "应适用第七十八条", "kind": "refuse",
        "grounds": ["basis_inaccurate"], "text": "依据不准确"}
    assert "已出具审核意见" in post(office.reviewer_user, "opinion", form)
    assert "请写明异议理由" in post(desk.head, "response", {"adopt": "no"})
    assert "已记录承办机构意见" in post(desk.head, "response", {"adopt": "no", "reasons": "第七十七条适用本案"})
    assert "已记录协商情况" in post(office.review_head, "consult", {"participants": "两机构负责人", "minutes": "未能达成一致",
                                                              "outcome": "no_agreement"})
    client.force_login(desk.head)  # issue 17: a denied move is the 403 page, as the API's 403, not a flash message
    denied = client.post(f"{url}/head/", {"choice": "proceed", "reasons": "按承办机构意见"})
    assert denied.status_code == 403 and "无权访问" in denied.content.decode()
    assert "已记录负责人决定" in post(office.head, "head", {"choice": "proceed", "reasons": "经研究按承办机构意见"})
    review.refresh_from_db()
    assert review.state == "passed" and review.extended
    assert "日期应为" in post(office.reviewer_user, "pause", {"kind": "supplement", "reason": "再补充", "due_date": "明天"})


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_a_jurisdiction_without_a_review_time_limit_gets_a_clear_error(desk):
    """The national baseline sets no time limit (国办发〔2018〕118号 sets none): submission says so."""
    from zhifa.core.errors import ZhifaError
    from zhifa.org.models import UnitKind
    from zhifa.org.tests.factories import UnitFactory
    from zhifa.review import services

    from .conftest import decision_case, determine
    UnitFactory(agency=desk.agency, name="法制审核科", kind=UnitKind.REVIEW)
    case = decision_case(desk)
    determine(case, desk)
    with pytest.raises(ZhifaError) as exc:
        services.review_submit(case=case, actor=desk.officer)
    assert exc.value.code == "rule_not_set" and "法制审核期限" in exc.value.message
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_a_reviewer_whose_opinion_closes_the_review_goes_back_to_the_queue(client, desk, office):
    """Signing 同意 passes the review and ends the reviewer's duty to read the case (issue 14, review #11): the page
    after the opinion is the queue with a word on why, not the workspace asking for a reason with a 403 (tryout)."""
    review = assigned(submitted(desk, office), office)
    client.force_login(office.reviewer_user)
    form = {f"finding_{c}": "ok" for c in review.rules["items"]} | {"kind": "agree", "text": "同意作出决定"}
    response = client.post(f"/review/cases/{review.case_id}/opinion/", form, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "已出具审核意见" in page and "本案审核已办结" in page
    assert response.redirect_chain[-1][0] in ("/review/", "/")
    review.refresh_from_db()
    assert review.state == "passed"
