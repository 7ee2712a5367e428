"""修改评查方案 (issue 21's leftover: a draft evaluation could only be cancelled and typed again, as special inspections
before issue 20's tryout): while a draft, the organiser changes the plan, each change recorded before and after; a
standard already pinned stays, a new action type's is the one in force on the opening day; once drawn, the plan the
population was fixed from no longer changes."""

import json

import pytest

from zhifa.core.errors import ZhifaError
from zhifa.core.workflow import WrongStateError
from zhifa.evaluation import events, services
from zhifa.evaluation.models import EvalStep, State

from .conftest import archived, create, drawn

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-06")]


def _plan(c, **changes):
    plan = {"title": c.title, "basis": c.basis, "agency_ids": list(c.agencies.values_list("pk", flat=True)),
            "action_types": c.action_types, "period_from": c.period_from, "period_to": c.period_to,
            "sample_size": c.sample_size, "sample_ratio": c.sample_ratio, "self_check": c.self_check}
    return plan | changes


def test_a_draft_is_amended_with_each_change_logged_and_the_draw_uses_the_new_plan(ew):
    c = create(ew)  # A1 and A2, 2 files each
    archived(ew, ew.tree.agency_a1, 3)
    archived(ew, ew.tree.agency_a2, 3)
    amended = services.campaign_amend(campaign=c, actor=ew.sup, **_plan(c, agency_ids=[ew.tree.agency_a1.pk],
                                                                         sample_size=3))
    assert amended.state == State.DRAFT and amended.sample_size == 3
    step = EvalStep.objects.get(campaign=c, action="amend")
    changes = step.data["changes"]
    assert changes["sample_size"] == [2, 3] and changes["agencies"] == [
        sorted([ew.tree.agency_a1.pk, ew.tree.agency_a2.pk]), [ew.tree.agency_a1.pk]]
    assert "title" not in changes  # only what changed
    assert step.entry.kind == events.AMENDED and json.loads(step.entry.payload)["data"]["changes"] == changes
    done = services.campaign_draw(campaign=amended, actor=ew.sup)
    assert {f.case.agency_id for f in done.files.all()} == {ew.tree.agency_a1.pk} and done.files.count() == 3


def test_a_ratio_replaces_the_size_and_a_new_action_type_gets_its_standard_the_old_ones_stay(ew):
    c = create(ew)
    c.refresh_from_db()  # the pinned standard as stored (JSON)
    pinned = c.standards["penalty"]
    amended = services.campaign_amend(campaign=c, actor=ew.sup,
                                      **_plan(c, sample_size=None, sample_ratio="0.5",
                                              action_types=["penalty", "licence"]))
    amended.refresh_from_db()
    assert amended.sample_size is None and str(amended.sample_ratio) == "0.500"
    assert amended.standards["penalty"] == pinned and amended.standards["licence"]["title"] == "行政许可案卷评查标准"
    changes = EvalStep.objects.get(campaign=c, action="amend").data["changes"]
    assert changes["action_types"] == [["penalty"], ["penalty", "licence"]] and changes["sample_size"] == [2, None]


def test_nothing_changed_and_bad_input_are_refused_and_leave_the_plan(ew):
    c = create(ew)
    with pytest.raises(ZhifaError) as exc:
        services.campaign_amend(campaign=c, actor=ew.sup, **_plan(c))
    assert exc.value.code == "evaluation_plan_unchanged"
    for bad, code in [({"sample_size": 0}, "evaluation_sample_invalid"),
                      ({"sample_size": True}, "evaluation_sample_invalid"),
                      ({"sample_ratio": "0.5"}, "evaluation_sample_invalid"),  # both a size and a ratio
                      ({"agency_ids": [ew.tree.agency_b1.pk]}, "evaluation_agency_not_supervised"),
                      ({"period_to": c.period_from.replace(year=c.period_from.year - 1)}, "evaluation_period_invalid"),
                      ({"action_types": ["flying"]}, "evaluation_action_types_invalid"),
                      ({"title": " "}, "evaluation_text_required")]:
        with pytest.raises(ZhifaError) as exc:
            services.campaign_amend(campaign=c, actor=ew.sup, **_plan(c, **bad))
        assert exc.value.code == code, bad
    c.refresh_from_db()
    assert c.sample_size == 2 and not EvalStep.objects.filter(campaign=c, action="amend").exists()


def test_only_the_organiser_amends_and_a_refusal_is_logged(ew):
    from zhifa.core.models import SecurityEvent

    c = create(ew)
    for outsider in (ew.head, ew.sup_a1, ew.nobody):  # an agency evaluated, a county supervisor below, nobody
        before = SecurityEvent.objects.count()
        with pytest.raises(ZhifaError) as exc:
            services.campaign_amend(campaign=c, actor=outsider, **_plan(c, sample_size=3))
        assert exc.value.status in (403, 404) and SecurityEvent.objects.count() == before + 1
    assert services.campaign_amend(campaign=c, actor=ew.sup2, **_plan(c, sample_size=3)).sample_size == 3


def test_once_drawn_the_plan_is_fixed(ew, client):
    c = drawn(ew)
    with pytest.raises(WrongStateError):
        services.campaign_amend(campaign=c, actor=ew.sup, **_plan(c, sample_size=3))
    client.force_login(ew.sup)
    response = client.get(f"/evaluation/{c.pk}/edit/")
    assert response.status_code == 302 and response.url == f"/evaluation/{c.pk}/"
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert "不能修改评查方案" in page and f"/evaluation/{c.pk}/edit/" not in page  # the message, no link
    assert client.post(f"/evaluation/{c.pk}/act/amend/").status_code == 404  # changed on its own page only


def test_the_edit_page_is_prefilled_saves_and_shows_errors(ew, client):
    c = create(ew)
    client.force_login(ew.sup)
    detail = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert f"/evaluation/{c.pk}/edit/" in detail
    page = client.get(f"/evaluation/{c.pk}/edit/").content.decode()
    assert c.title in page and "保存修改" in page and "disabled" in page and "评查人员（" not in page
    form = {"title": "改名后的评查", "basis": c.basis, "agencies": [ew.tree.agency_a1.pk], "action_types": ["penalty"],
            "period_from": c.period_from.isoformat(), "period_to": c.period_to.isoformat(), "sample_size": "4"}
    bad = client.post(f"/evaluation/{c.pk}/edit/", form | {"sample_size": "", "title": ""})
    body = bad.content.decode()
    assert bad.status_code == 400 and 'role="alert"' in body and "评查名称：" in body
    saved = client.post(f"/evaluation/{c.pk}/edit/", form)
    assert saved.status_code == 302
    c.refresh_from_db()
    assert (c.title, c.sample_size) == ("改名后的评查", 4)
    assert list(c.agencies.values_list("pk", flat=True)) == [ew.tree.agency_a1.pk]
    assert c.evaluators.count() == 3  # the evaluators stay


def test_the_api_amends_the_plan(ew, client):
    c = create(ew)
    client.force_login(ew.sup)
    body = {"title": "接口修改的评查", "basis": c.basis, "agency_ids": [ew.tree.agency_a1.pk],
            "action_types": ["penalty"], "period_from": c.period_from.isoformat(),
            "period_to": c.period_to.isoformat(), "sample_size": 2}
    ok = client.put(f"/api/evaluation/{c.pk}/plan", body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["title"] == "接口修改的评查"
    again = client.put(f"/api/evaluation/{c.pk}/plan", body, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (400, "evaluation_plan_unchanged")
    client.force_login(ew.head)
    denied = client.put(f"/api/evaluation/{c.pk}/plan", body | {"title": "机关改的"}, content_type="application/json")
    assert denied.status_code in (403, 404)
