"""The pages: a bureau's supervisor opens an assessment, computes it, scores an agency with a reason and finalises it
from the pages; the outcomes page records an outcome; others are refused (issue 21 §6; SUP-02)."""

import pytest

from zhifa.assessment.models import Assessment, Outcome, QualitativeScore, State

from .conftest import YEAR

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-02")]


def test_a_bureau_runs_an_assessment_from_the_pages(world, client):
    client.force_login(world.sup)
    r = client.post("/assessment/", {"bureau": world.bureau_a.pk, "year": YEAR, "title": ""})
    a = Assessment.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/assessment/{a.pk}/"
    assert "计算考核指标" in client.get(f"/assessment/{a.pk}/").content.decode()
    client.post(f"/assessment/{a.pk}/act/compute/")
    client.post(f"/assessment/{a.pk}/act/score/", {"agency": world.tree.agency_a2.pk, "points": "3",
                                                   "reason": "创新执法方式，获省级表彰。"})
    q = QualitativeScore.objects.get()
    assert q.points == 3 and q.agency == world.tree.agency_a2
    page = client.get(f"/assessment/{a.pk}/").content.decode()
    # No records: 0 indicator points (docs/assessment.md, the exempt baseline), + 3.
    assert "甲二县市场监督管理局" in page and "<td>3.00</td></tr>" in page
    agency_page = client.get(f"/assessment/{a.pk}/agencies/{world.tree.agency_a2.pk}/").content.decode()
    assert "创新执法方式" in agency_page and "行政执法决定按时公示率" in agency_page
    r = client.post(f"/assessment/{a.pk}/act/score/", {"agency": world.tree.agency_a2.pk, "points": "99",
                                                       "reason": "过多"}, follow=True)
    assert "评议加减分应在" in r.content.decode() and QualitativeScore.objects.count() == 1
    client.post(f"/assessment/{a.pk}/act/finalise/", {"summary": "总体良好。"})
    a.refresh_from_db()
    assert a.state == State.FINALISED and client.get(f"/assessment/{a.pk}/report.pdf").status_code == 200


def test_a_bureau_cannot_be_chosen_outside_ones_grant(world, client):
    client.force_login(world.sup_b)
    assert client.post("/assessment/", {"bureau": world.bureau_a.pk, "year": YEAR}).status_code == 403
    assert not Assessment.objects.exists()


def test_the_outcomes_page(world, client):
    client.force_login(world.sup)
    r = client.post("/assessment/outcomes/", {"agency": world.tree.agency_a1.pk, "kind": "reconsideration",
                                              "result": "revoked", "decided_on": f"{YEAR}-03-01",
                                              "reference": "甲市复决〔2026〕8号", "reason": "撤销原决定。"})
    assert r.status_code == 302 and Outcome.objects.get().reference == "甲市复决〔2026〕8号"
    assert "甲市复决〔2026〕8号" in client.get("/assessment/outcomes/").content.decode()
    r = client.post("/assessment/outcomes/", {"agency": world.tree.agency_a1.pk, "kind": "reconsideration",
                                              "result": "revoked", "decided_on": "not a date", "reference": "x",
                                              "reason": "y"})
    assert r.status_code == 200 and Outcome.objects.count() == 1
    client.force_login(world.head)
    assert client.get("/assessment/outcomes/").status_code == 403


def test_the_list_shows_each_side_its_own(world, client):
    client.force_login(world.sup)
    client.post("/assessment/", {"bureau": world.bureau_a.pk, "year": YEAR})
    assert "组织评议考核" in client.get("/assessment/").content.decode()
    client.force_login(world.head)
    page = client.get("/assessment/").content.decode()
    assert "没有评议考核" in page  # not final yet
