"""The hostile review's findings on case-file evaluation campaigns (SUP-06), each pinned: the lead's eligibility and
reach (1), the sealed report the organiser's only with an agency's own extract (4), a score or recusal on a file not
assigned a logged denial (5), the new-campaign form flat in bureaus (12), a recused evaluator's reading (13), what the
agency's side sees before closing (14), item codes with their text (15), M25's wording (17)."""

import pytest

from zhifa.core.errors import NotFoundError, PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent
from zhifa.core.permissions import Role
from zhifa.evaluation import selectors, services
from zhifa.evaluation.models import Assigned, EvalFile, FileResult
from zhifa.org.tests.factories import AgencyFactory, UserFactory, grant

from .conftest import all_pass, archived, create, double_standard, drawn, person_items
from .test_campaign_workflow import closed

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-06")]


def _differing(ew, **kw):
    """A double-scored campaign where the first file's two evaluators differ: (campaign, file)."""
    double_standard(ew)
    archived(ew, ew.tree.agency_a1, 3)
    archived(ew, ew.tree.agency_a2, 3)
    c = services.campaign_draw(campaign=create(ew, **kw), actor=ew.sup)
    services.assign(campaign=c, actor=ew.sup)
    f = EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a1).order_by("id").first()
    pair = list(Assigned.objects.filter(file=f).order_by("id"))
    code = person_items(c)[1]
    services.score(campaign=c, actor=pair[0].evaluator, file_id=f.pk, marks=all_pass(c))
    services.score(campaign=c, actor=pair[1].evaluator, file_id=f.pk,
                   marks=all_pass(c, also=[{"item": code, "passed": False, "errors": 1}]))
    assert services.to_reconcile(c) == [f.pk]
    return c, f


# --- 1: the lead ----------------------------------------------------------------------------------------------------

def test_a_lead_outside_the_organisers_evaluators_or_of_an_evaluated_agency_is_refused(ew):
    archived(ew, ew.tree.agency_a1, 1)
    with pytest.raises(ZhifaError) as exc:  # A1's head: neither a supervisor of the bureau nor a pooled adviser
        create(ew, lead=ew.head)
    assert exc.value.code == "evaluation_lead_not_eligible"
    with pytest.raises(ZhifaError) as exc:  # a pooled lawyer whose home agency is evaluated
        create(ew, lead=ew.lawyer_a1)
    assert exc.value.code == "evaluation_lead_not_eligible" and exc.value.status == 409
    c = create(ew, lead=ew.lawyer)  # a pooled lawyer from elsewhere: eligible
    assert c.lead_id == ew.lawyer.pk


def test_the_api_refuses_an_ineligible_or_unknown_lead_with_a_stable_code(ew, client):
    import datetime as dt
    import json

    from django.utils import timezone

    from zhifa.evaluation.models import EvalCampaign

    today = timezone.localdate()
    body = {"organiser_id": ew.bureau.pk, "title": "接口评查", "agency_ids": [ew.tree.agency_a1.pk],
            "action_types": ["penalty"], "period_from": (today - dt.timedelta(days=30)).isoformat(),
            "period_to": today.isoformat(), "sample_size": 1, "evaluator_ids": [ew.sup.pk]}
    client.force_login(ew.sup)
    for lead_id in (ew.head.pk, 987654):
        response = client.post("/api/evaluation/", json.dumps(body | {"lead_id": lead_id}),
                               content_type="application/json")
        assert response.status_code in (400, 409) and response.json()["code"] == "evaluation_lead_not_eligible"
    assert not EvalCampaign.objects.exists()
    client.force_login(ew.head)  # who may comes first: an outsider learns nothing about the lead named
    response = client.post("/api/evaluation/", json.dumps(body | {"lead_id": 987654}), content_type="application/json")
    assert response.status_code == 403


def test_the_lead_is_not_the_organiser_and_reads_only_the_files_to_reconcile(ew):
    c, f = _differing(ew, evaluators=[ew.sup, ew.sup2], lead=ew.lawyer)
    view = selectors.campaign_get_for(actor=ew.lawyer, pk=c.pk)
    assert not view.organiser and view.lead
    assert [x.pk for x in view.files()] == [f.pk]
    assert len(selectors.file_detail(view, f.pk)["verdicts"]) == 2  # both sheets, to decide between them
    other = EvalFile.objects.filter(campaign=c).exclude(pk=f.pk).first()
    with pytest.raises(NotFoundError):
        selectors.file_detail(view, other.pk)
    assert view.steps() and all(s.action != "assign" for s in view.steps())
    result = services.reconcile(campaign=c, actor=ew.lawyer, file_id=f.pk, marks=all_pass(c))
    assert result.verdict.phase == "reconciled"
    view = selectors.campaign_get_for(actor=ew.lawyer, pk=c.pk)
    assert [x.pk for x in view.files()] == [f.pk]  # what they decided stays theirs to read


def test_the_lead_reading_the_page_sees_no_draw_and_no_other_file(ew, client):
    c, f = _differing(ew, evaluators=[ew.sup, ew.sup2], lead=ew.lawyer)
    client.force_login(ew.lawyer)
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert "随机种子" not in page and f.case.number in page
    others = EvalFile.objects.filter(campaign=c).exclude(pk=f.pk).select_related("case")
    assert not any(o.case.number in page for o in others)
    assert client.get(f"/api/evaluation/{c.pk}").json()["side"] == "reader"


def test_reconcile_refuses_a_lead_of_the_files_agency_or_one_of_its_evaluators(ew):
    c, f = _differing(ew, evaluators=[ew.sup, ew.sup2], lead=ew.lawyer)
    grant(ew.lawyer, Role.OFFICER, agency=f.agency)  # joined A1 after the campaign opened
    with pytest.raises(ZhifaError) as exc:
        services.reconcile(campaign=c, actor=ew.lawyer, file_id=f.pk, marks=all_pass(c))
    assert exc.value.code == "evaluation_evaluator_from_evaluated_agency"
    assert not FileResult.objects.filter(file=f).exists()


def test_reconcile_refuses_a_lead_who_scored_the_file(ew):
    c, f = _differing(ew, evaluators=[ew.sup, ew.sup2])  # the lead is the opener, ew.sup: one of the pair
    assert Assigned.objects.filter(file=f, evaluator=ew.sup).exists() and c.lead_id == ew.sup.pk
    with pytest.raises(ZhifaError) as exc:
        services.reconcile(campaign=c, actor=ew.sup, file_id=f.pk, marks=all_pass(c))
    assert exc.value.code == "evaluation_lead_is_file_evaluator"
    assert not FileResult.objects.filter(file=f).exists()


# --- 4: the sealed report and the agency's extract --------------------------------------------------------------------

def test_the_sealed_report_is_the_organisers_and_the_agency_gets_its_own_extract(ew, client, monkeypatch):
    from zhifa.evaluation import rendering

    c, failing = closed(ew)
    client.force_login(ew.sup)
    assert client.get(f"/evaluation/{c.pk}/report.pdf").status_code == 200
    client.force_login(ew.head)
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert "report.pdf" not in page and "results.pdf" in page
    before = SecurityEvent.objects.count()
    assert client.get(f"/evaluation/{c.pk}/report.pdf").status_code == 403
    assert SecurityEvent.objects.filter(detail=f"evaluation.report:{c.pk}").count() == 1
    assert SecurityEvent.objects.count() == before + 1
    seen = {}
    real = rendering.agency_extract

    def spy(campaign, tables):
        seen["tables"] = tables
        return real(campaign, tables)

    monkeypatch.setattr(rendering, "agency_extract", spy)
    response = client.get(f"/evaluation/{c.pk}/results.pdf")
    assert response.status_code == 200 and response.content[:4] == b"%PDF"
    assert {f["agency_id"] for f in seen["tables"]["files"]} == {ew.tree.agency_a1.pk}
    assert [a["agency_id"] for a in seen["tables"]["agencies"]] == [ew.tree.agency_a1.pk]


def test_the_agency_extract_waits_for_closing(ew, client):
    c = drawn(ew)
    client.force_login(ew.head)
    assert client.get(f"/evaluation/{c.pk}/results.pdf").status_code == 404


# --- 5: a score or a recusal on a file not assigned -------------------------------------------------------------------

@pytest.mark.parametrize("move", ["score", "recuse"])
def test_acting_on_a_file_not_assigned_is_a_logged_denial(ew, move):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    mine = set(Assigned.objects.filter(file__campaign=c, evaluator=ew.lawyer).values_list("file_id", flat=True))
    other = EvalFile.objects.filter(campaign=c).exclude(pk__in=mine).first()
    before = SecurityEvent.objects.count()
    with pytest.raises(PermissionDeniedError):
        if move == "score":
            services.score(campaign=c, actor=ew.lawyer, file_id=other.pk, marks=all_pass(c))
        else:
            services.recuse(campaign=c, actor=ew.lawyer, file_id=other.pk, reason="与当事人有利害关系。")
    assert SecurityEvent.objects.count() == before + 1
    event = SecurityEvent.objects.latest("id")
    assert event.user_id == ew.lawyer.pk and event.detail == f"evaluation {move} file:{other.pk}"
    assert event.permission == f"evaluation.campaign.{move}"


# --- 12: the new-campaign form flat in bureaus ------------------------------------------------------------------------

def test_the_new_form_is_flat_in_the_number_of_bureaus(ew, client, django_assert_max_num_queries):
    client.force_login(ew.sup_r)  # the region's supervisor: every bureau of the region
    AgencyFactory(name="测试自治区司法厅", jurisdiction=ew.tree.region, is_justice_bureau=True, field="justice")
    with django_assert_max_num_queries(60) as one:
        assert client.get("/evaluation/new/").status_code == 200
    for j in (ew.tree.city_b, ew.tree.a1, ew.tree.a2, ew.tree.b1):
        AgencyFactory(name=f"{j.name}司法局", jurisdiction=j, is_justice_bureau=True, field="justice")
        grant(UserFactory(), Role.SUPERVISOR, jurisdiction=j)
    with django_assert_max_num_queries(60) as many:
        page = client.get("/evaluation/new/").content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)
    assert "乙一县市场监督管理局" in page and "甲一县市场监督管理局" in page


def test_evaluator_candidates_take_only_the_grants_over_the_bureaus(ew):
    far = grant(UserFactory(username="sup_b"), Role.SUPERVISOR, jurisdiction=ew.tree.city_b)
    ids = {u.pk for u, _ in selectors.evaluator_candidates([ew.bureau])}
    assert {ew.sup.pk, ew.sup2.pk, ew.sup_r.pk, ew.lawyer.pk} <= ids
    assert far.pk not in ids and ew.sup_a1.pk not in ids


# --- 13: a recused evaluator --------------------------------------------------------------------------------------

def test_a_recused_evaluator_no_longer_reads_the_file(ew):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    a = Assigned.objects.filter(file__campaign=c, evaluator=ew.lawyer).first()
    services.recuse(campaign=c, actor=ew.lawyer, file_id=a.file_id, reason="与当事人有利害关系。")
    live = Assigned.objects.filter(file__campaign=c, evaluator=ew.lawyer, recusal__isnull=True).exists()
    if live:
        view = selectors.campaign_get_for(actor=ew.lawyer, pk=c.pk)
        assert a.file_id not in {f.pk for f in view.files()}
        with pytest.raises(NotFoundError):
            selectors.file_detail(view, a.file_id)
    else:
        with pytest.raises(NotFoundError):
            selectors.campaign_get_for(actor=ew.lawyer, pk=c.pk)


# --- 14: the agency's side before closing ---------------------------------------------------------------------------

def test_the_agency_sees_no_evaluator_before_closing_and_never_the_close_summary(ew, client):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    client.force_login(ew.sup)
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert "公职律师甲" in page and "评查员二" in page
    client.force_login(ew.head)
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert "公职律师甲" not in page and "评查员二" not in page and "分配评查案卷" not in page
    body = client.get(f"/api/evaluation/{c.pk}").json()
    assert body["evaluator_ids"] == [] and all(f["evaluator_ids"] == [] for f in body["files"])
    c, _ = closed(ew)
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert "个别案卷事实认定存在问题" not in page and "完成评查并反馈结果" in page
    assert "个别案卷事实认定存在问题" not in json_text(client.get(f"/api/evaluation/{c.pk}"))
    client.force_login(ew.sup)
    assert "个别案卷事实认定存在问题" in client.get(f"/evaluation/{c.pk}/").content.decode()


def json_text(response) -> str:
    return response.content.decode()


# --- 15: item codes with their text ---------------------------------------------------------------------------------

def test_results_name_each_item_with_its_text_and_no_rule_version_id(ew, client):
    import io

    import openpyxl

    c, failing = closed(ew)
    texts = selectors.item_texts(c)["penalty"]
    row = next(f for f in selectors.campaign_tables(c)["files"] if f["grade_code"] == "fail")
    code = row["vetoed_by"][0]
    assert row["veto_lines"][0].startswith(f"{code} {texts[code][:10]}")
    client.force_login(ew.sup)
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/evaluation/{c.pk}/results.xlsx").content))
    cells = [str(v) for r in wb["各案卷"].iter_rows(values_only=True) for v in r if v]
    assert any(cell.startswith(f"{code} {texts[code][:10]}") for cell in cells)
    from zhifa.evaluation import rendering

    context = rendering.report_context(c, number="x", issued_on=c.closed_on, summary="", tables=selectors.campaign_tables(c))
    from django.template.loader import render_to_string

    html = render_to_string("evaluation/print/report.html", context)
    assert texts[code][:10] in html
    for path in (f"/evaluation/{c.pk}/", f"/evaluation/{c.pk}/files/{failing.pk}/"):
        assert "规则版本" not in client.get(path).content.decode()


# --- 17 -------------------------------------------------------------------------------------------------------------

def test_m25_describes_the_warning_share_as_a_rule_not_a_constant():
    from zhifa.evaluation.problems import M25EvaluationNotRectified

    assert "五分之四" not in M25EvaluationNotRectified.description
    assert "预警比例" in M25EvaluationNotRectified.description
