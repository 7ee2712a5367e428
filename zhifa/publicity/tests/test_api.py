"""The publicity API: the same rules, permissions and error codes as the pages (PUB-01, PUB-02, PUB-05,
PUB-06, PUB-08, PUB-10, PUB-11), and list endpoints whose query count does not grow with rows."""

import datetime as dt

import pytest

from zhifa.core.models import ApiToken
from zhifa.core.permissions import Role
from zhifa.core.testing import query_count
from zhifa.org.models import AgencyStatus, Field
from zhifa.org.tests.factories import AgencyFactory, UserFactory, grant
from zhifa.publicity import services
from zhifa.publicity.models import Publication

from .conftest import ADULT_ID, MINOR_ID, decided_case, xlsx


def headers(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=user, name='测试')[1]}"}


def post(client, url, data, user):
    return client.post(url, data, content_type="application/json", **headers(user))


@pytest.mark.req("PUB-01")
@pytest.mark.req("PUB-05")
@pytest.mark.req("PUB-08")
def test_a_decision_through_the_api_masked_approved_and_withdrawn(pubdesk, client):
    d = pubdesk
    pub = Publication.objects.get(case=decided_case(d))
    queue = client.get("/api/publicity/queue", **headers(d.editor)).json()["items"]
    assert [p["id"] for p in queue] == [pub.pk] and queue[0]["due_on"]
    full = post(client, f"/api/publicity/items/{pub.pk}/recollect", {"mode": "full"}, d.editor)
    assert full.status_code == 201
    pub_id = full.json()["id"]
    body = client.get(f"/api/publicity/items/{pub_id}", **headers(d.editor)).json()
    assert {m["kind"] for m in body["masks"]} >= {"id_number", "home_address", "phone"}
    assert ADULT_ID in body["original_text"] and ADULT_ID not in body["public_text"]
    # An officer may read the draft but not its unmasked original, nor change the masks.
    officer = client.get(f"/api/publicity/items/{pub_id}", **headers(d.users.officer_a1)).json()
    assert officer["original_text"] is None and all(m["text"] is None for m in officer["masks"])
    denied = post(client, f"/api/publicity/items/{pub_id}/masks", {"kind": "other", "reason": "x", "text": "过期"},
                  d.users.officer_a1)
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    bad = post(client, f"/api/publicity/items/{pub_id}/masks", {"kind": "nonsense", "reason": "x", "text": "过期"}, d.editor)
    assert bad.status_code == 400 and bad.json()["code"] == "publicity_mask_invalid"
    added = post(client, f"/api/publicity/items/{pub_id}/masks", {"kind": "other", "reason": "商业秘密", "text": "过期"},
                 d.editor)
    assert added.status_code == 201 and "过期" not in added.json()["public_text"]
    manual = next(m for m in added.json()["masks"] if m["origin"] == "manual")
    assert manual["added_by"] == "ed_a1" and manual["log_entry_id"]
    removed = post(client, f"/api/publicity/items/{pub_id}/masks/{manual['id']}/remove", {"reason": "不属于商业秘密"}, d.editor)
    assert "过期" in removed.json()["public_text"]
    assert post(client, f"/api/publicity/items/{pub_id}/masks/999999/remove", {"reason": "x"}, d.editor).status_code == 404
    assert post(client, f"/api/publicity/items/{pub_id}/submit", {}, d.editor).json()["state"] == "submitted"
    # The editor has no approval right; the approver publishes.
    assert post(client, f"/api/publicity/items/{pub_id}/approve", {}, d.editor).status_code == 403
    published = post(client, f"/api/publicity/items/{pub_id}/approve", {"note": "同意"}, d.approver).json()
    assert published["state"] == "published" and published["published_log_entry_id"]
    again = post(client, f"/api/publicity/items/{pub_id}/approve", {}, d.approver)
    assert again.status_code == 409 and again.json()["code"] == "wrong_state"  # issue 17: one code, 409
    wrong = post(client, f"/api/publicity/items/{pub_id}/withdraw", {"trigger": "whim", "basis": "x"}, d.approver)
    assert wrong.json()["code"] == "publicity_withdrawal_trigger_invalid"
    no_basis = post(client, f"/api/publicity/items/{pub_id}/withdraw", {"trigger": "judgment", "basis": " "}, d.approver)
    assert no_basis.json()["code"] == "publicity_reason_required"
    out = post(client, f"/api/publicity/items/{pub_id}/withdraw",
               {"trigger": "judgment", "basis": "（2026）内0102行初12号"}, d.approver).json()
    assert out["state"] == "withdrawn" and out["withdrawal_trigger"] == "judgment"
    assert [s["action"] for s in out["timeline"]][-3:] == ["submit", "approve", "withdraw"]


@pytest.mark.req("PUB-06")
def test_minor_blocked_and_exemption_through_the_api(pubdesk, client):
    d = pubdesk
    pub = Publication.objects.get(case=decided_case(d, id_number=MINOR_ID, name="小明"))
    blocked = post(client, f"/api/publicity/items/{pub.pk}/submit", {}, d.editor)
    assert blocked.status_code == 400 and blocked.json()["code"] == "publicity_party_is_minor"
    bad = post(client, f"/api/publicity/items/{pub.pk}/exemption", {"ground": "bored", "explanation": "x"}, d.editor)
    assert bad.json()["code"] == "publicity_exemption_ground_invalid"
    asked = post(client, f"/api/publicity/items/{pub.pk}/exemption", {"ground": "minor", "explanation": "当事人未满十八周岁"},
                 d.editor).json()
    assert asked["state"] == "exemption_requested"
    assert post(client, f"/api/publicity/items/{pub.pk}/exemption/decision", {"approve": True}, d.editor).status_code == 403
    done = post(client, f"/api/publicity/items/{pub.pk}/exemption/decision", {"approve": True, "note": "同意"}, d.approver)
    assert done.json()["state"] == "exempted" and done.json()["exemption_ground"] == "minor"


def test_other_agencies_see_nothing_and_get_404(pubdesk, client):
    d = pubdesk
    pub = Publication.objects.get(case=decided_case(d))
    stranger = grant(UserFactory(username="ed_b1"), Role.PUBLICITY_EDITOR, agency=d.tree.agency_b1)
    assert client.get("/api/publicity/items", **headers(stranger)).json()["items"] == []
    response = client.get(f"/api/publicity/items/{pub.pk}", **headers(stranger))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert post(client, f"/api/publicity/items/{pub.pk}/submit", {}, stranger).status_code == 404
    assert client.get("/api/publicity/items").status_code == 401  # no token, no session
    # The city supervisor sees the overdue list of the subtree, not the drafts' editing.
    assert client.get("/api/publicity/items?overdue=true", **headers(d.users.city_a_supervisor)).status_code == 200


@pytest.mark.req("PUB-02")
def test_lists_entered_as_json_or_imported_from_excel_and_versioned(pubdesk, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    d = pubdesk
    rows = [{"name": "对销售过期食品的处罚", "category": "行政处罚", "basis": "《食品安全法》第一百二十四条"}]
    created = post(client, "/api/publicity/lists", {"agency_id": d.agency.pk, "kind": "power_list", "title": "权责清单",
                                                    "rows": rows}, d.editor)
    assert created.status_code == 201 and created.json()["rows"][0]["basis"].startswith("《食品安全法》")
    v1 = created.json()["id"]
    bad = post(client, "/api/publicity/lists", {"agency_id": d.agency.pk, "kind": "power_list", "title": "t",
                                                "rows": [{"name": "x"}]}, d.editor)
    assert bad.status_code == 400 and bad.json()["code"] == "publicity_item_invalid"
    other = post(client, "/api/publicity/lists", {"agency_id": d.tree.agency_b1.pk, "kind": "power_list", "title": "t",
                                                  "rows": rows}, d.editor)
    assert other.status_code == 404
    post(client, f"/api/publicity/items/{v1}/submit", {}, d.editor)
    post(client, f"/api/publicity/items/{v1}/approve", {}, d.approver)
    sheet = SimpleUploadedFile("powers.xlsx", xlsx(["事项名称", "权力类别", "设定依据"], ["对无照经营的处罚", "行政处罚", "条例"]))
    no_reason = client.post("/api/publicity/lists/import", {"agency_id": d.agency.pk, "kind": "power_list",
                                                            "title": "权责清单（修订）", "sheet": sheet,
                                                            "supersedes_id": v1}, **headers(d.editor))
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "publicity_reason_required"
    sheet.seek(0)
    v2 = client.post("/api/publicity/lists/import", {"agency_id": d.agency.pk, "kind": "power_list",
                                                     "title": "权责清单（修订）", "sheet": sheet, "supersedes_id": v1,
                                                     "update_reason": "law_changed"}, **headers(d.editor))
    assert v2.status_code == 201 and v2.json()["version"] == 2 and v2.json()["supersedes_id"] == v1
    junk = client.post("/api/publicity/lists/import", {"agency_id": d.agency.pk, "kind": "power_list", "title": "x",
                                                       "sheet": SimpleUploadedFile("x.xlsx", b"nope")}, **headers(d.editor))
    assert junk.status_code == 400 and junk.json()["code"] == "publicity_import_invalid"
    assert Publication.objects.filter(kind="power_list").count() == 2


@pytest.mark.req("PUB-10")
def test_requests_handled_and_forwarded_through_the_api(pubdesk, client):
    d = pubdesk
    req, _ = services.request_submit(kind="disclosure", agency=d.agency, requester_name="赵六",
                                     requester_contact="13800000000", content="公示的处罚决定没有写明救济途径。")
    listed = client.get("/api/publicity/requests?open_only=true", **headers(d.editor)).json()["items"]
    assert [r["reference"] for r in listed] == [req.reference]
    assert client.get(f"/api/publicity/requests/{req.pk}", **headers(d.users.officer_a1)).status_code == 404
    detail = client.get(f"/api/publicity/requests/{req.pk}", **headers(d.editor)).json()
    assert detail["requester_contact"] == "13800000000" and detail["steps"][0]["action"] == "receive"
    nowhere = post(client, f"/api/publicity/requests/{req.pk}/act", {"action": "forward", "note": "x",
                                                                    "forward_to_id": 999999}, d.editor)
    assert nowhere.json()["code"] == "publicity_forward_target_invalid"
    done = post(client, f"/api/publicity/requests/{req.pk}/act", {"action": "forward", "note": "由市局办理",
                                                                 "forward_to_id": d.tree.agency_city_a.pk}, d.editor).json()
    assert done["state"] == "forwarded" and done["forwarded_to_id"] == d.tree.agency_city_a.pk
    late = post(client, f"/api/publicity/requests/{req.pk}/act", {"action": "answer", "note": "x"}, d.editor)
    assert late.status_code == 409 and late.json()["code"] == "wrong_state"


@pytest.mark.req("PUB-11")
def test_annual_report_through_the_api(pubdesk, client):
    d = pubdesk
    head = d.users.head_a1
    year = dt.date.today().year
    assert post(client, "/api/publicity/reports", {"agency_id": d.agency.pk, "year": 1999}, head).json()["code"] == \
        "publicity_report_invalid"
    assert post(client, "/api/publicity/reports", {"agency_id": d.agency.pk, "year": year}, d.users.officer_a1).status_code == 404
    report = post(client, "/api/publicity/reports", {"agency_id": d.agency.pk, "year": year}, head)
    assert report.status_code == 201
    rid = report.json()["id"]
    unexplained = post(client, f"/api/publicity/reports/{rid}/edit", {"figures": {"cases_opened": 9}}, head)
    assert unexplained.status_code == 400
    edited = post(client, f"/api/publicity/reports/{rid}/edit", {"figures": {"cases_opened": 9},
                                                                "reasons": {"cases_opened": "补录纸质案件"}}, head).json()
    assert edited["figures"]["cases_opened"] == 9 and edited["adjustments"]["cases_opened"] == "补录纸质案件"
    assert post(client, f"/api/publicity/reports/{rid}/submit", {}, head).json()["state"] == "submitted"
    late = post(client, f"/api/publicity/reports/{rid}/edit", {"figures": {}}, head)
    assert late.status_code == 409 and late.json()["code"] == "wrong_state"
    bureau = AgencyFactory(name="甲一县司法局", jurisdiction=d.tree.a1, is_justice_bureau=True, field=Field.JUSTICE,
                           status=AgencyStatus.CONFIRMED)
    sup = d.users.county_a1_supervisor
    summed = post(client, "/api/publicity/reports", {"agency_id": bureau.pk, "year": year}, sup).json()
    assert summed["figures"]["cases_opened"] == 9 and summed["sources"]
    assert client.get(f"/api/publicity/reports/{summed['id']}", **headers(sup)).json()["missing"] == []


def test_api_lists_do_not_grow_queries_with_rows(pubdesk, client):
    d = pubdesk
    auth = headers(d.editor)

    def add(n):
        for i in range(n):
            services.list_collect(agency=d.agency, kind="remedies", title=f"救济渠道{i}",
                                  rows=[{"channel": "行政复议", "body": "县政府", "time_limit": "六十日", "contact": "12345"}],
                                  actor=d.editor)
    add(2)
    client.get("/api/publicity/items", **auth)  # the token's first use records when it was used
    small = [query_count(lambda u=u: client.get(u, **auth)) for u in ("/api/publicity/items", "/api/publicity/queue")]
    add(20)
    large = [query_count(lambda u=u: client.get(u, **auth)) for u in ("/api/publicity/items", "/api/publicity/queue")]
    assert small == large
    assert len(client.get("/api/publicity/items", **auth).json()["items"]) == 22


@pytest.mark.req("PUB-05")
def test_the_unmasked_decision_is_only_for_those_who_edit_or_approve_it(pubdesk, client):
    """The API gives the parties' names and credit code and the summary's fields (names, facts) only to those the
    page shows the original to (selectors.may_see_original), not to every staff member or supervisor with
    publicity.view (issue 14, review #2), nor to the system administrator (review #1)."""
    d = pubdesk
    pub = Publication.objects.get(case=decided_case(d))  # the facts hold the party's phone number, masked
    reviewer = grant(UserFactory(username="rev_pub"), Role.REVIEWER, agency=d.agency)
    for user in (d.users.officer_a1, d.users.city_a_supervisor, reviewer, d.users.su):
        body = client.get(f"/api/publicity/items/{pub.pk}", **headers(user)).json()
        assert body["id"] == pub.pk and body["public_text"], user
        assert body["target_name"] is None and body["target_code"] is None and body["fields"] is None, user
        assert body["original_text"] is None and "13912345678" not in str(body), user
    for user in (d.editor, d.approver):
        body = client.get(f"/api/publicity/items/{pub.pk}", **headers(user)).json()
        assert body["target_name"] == "张三" and "13912345678" in body["fields"]["facts"], user
