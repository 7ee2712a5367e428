"""Review pages and API: the same services, scoped reads, flat query counts."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/review/").status_code == 200
            api = client.get("/api/review/queue?mine=true")
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1] and len(api.json()) == 5
        assert api.json()[0]["working_days_left"] == 5


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
    detail = client.get(f"/api/review/cases/{review.case_id}").json()
    assert detail["state"] == "passed" and [s["action"] for s in detail["timeline"]] == ["submit", "opinion"]
    assert all(s["log_entry_id"] for s in detail["timeline"]) and detail["opinions"][0]["archive_sha256"]
    client.force_login(desk.officer)
    denied = client.post(f"/api/review/cases/{review.case_id}/extension", {"reason": "延长一下"},
                         content_type="application/json")
    assert denied.status_code in (403, 409)
