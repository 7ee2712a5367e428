"""修改检查方案 (the browser tryout of issue 20: a draft could not be edited, only cancelled and typed again): while a
draft, the organising bureau's supervisors change the plan, each change recorded before and after; once drawn, the
plan the population was fixed from no longer changes."""

import json

import pytest

from zhifa.campaigns import events, services
from zhifa.campaigns.models import CampaignStep, State
from zhifa.core.errors import ZhifaError
from zhifa.core.workflow import WrongStateError

from .conftest import cases, create, drawn

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-05")]


def _plan(c, **changes):
    plan = {"title": c.title, "basis": c.basis, "agency_ids": list(c.agencies.values_list("pk", flat=True)),
            "action_types": c.action_types, "period_from": c.period_from, "period_to": c.period_to,
            "sample_size": c.sample_size, "checklist": c.checklist}
    return plan | changes


def test_a_draft_is_amended_with_each_change_logged_and_the_draw_uses_the_new_plan(world):
    c = create(world)  # A1 and A2, sample 2
    cases(world, world.tree.agency_a1, 3)
    cases(world, world.tree.agency_a2, 3)
    amended = services.campaign_amend(campaign=c, actor=world.sup,
                                      **_plan(c, agency_ids=[world.tree.agency_a1.pk], sample_size=3,
                                              checklist=["公示是否及时准确"]))
    assert amended.state == State.DRAFT and amended.sample_size == 3 and amended.checklist == ["公示是否及时准确"]
    step = CampaignStep.objects.get(campaign=c, action="amend")
    changes = step.data["changes"]
    assert changes["sample_size"] == [2, 3] and changes["agencies"] == [
        sorted([world.tree.agency_a1.pk, world.tree.agency_a2.pk]), [world.tree.agency_a1.pk]]
    assert "title" not in changes  # only what changed
    assert step.entry.kind == events.AMENDED and json.loads(step.entry.payload)["data"]["changes"] == changes
    done = services.campaign_draw(campaign=amended, actor=world.sup)
    assert {s.agency_id for s in done.sampled.all()} == {world.tree.agency_a1.pk} and done.sampled.count() == 3


def test_nothing_changed_and_bad_input_are_refused_and_leave_the_plan(world):
    c = create(world)
    with pytest.raises(ZhifaError) as exc:
        services.campaign_amend(campaign=c, actor=world.sup, **_plan(c))
    assert exc.value.code == "campaign_plan_unchanged"
    for bad, code in [({"sample_size": 0}, "campaign_sample_size_invalid"),
                      ({"sample_size": True}, "campaign_sample_size_invalid"),
                      ({"agency_ids": [world.tree.agency_b1.pk]}, "campaign_agency_not_supervised"),
                      ({"period_to": c.period_from.replace(year=c.period_from.year - 1)}, "campaign_period_invalid"),
                      ({"title": " "}, "campaign_text_required")]:
        with pytest.raises(ZhifaError) as exc:
            services.campaign_amend(campaign=c, actor=world.sup, **_plan(c, **bad))
        assert exc.value.code == code
    c.refresh_from_db()
    assert c.sample_size == 2 and not CampaignStep.objects.filter(campaign=c, action="amend").exists()


def test_once_drawn_the_plan_is_fixed(world, client):
    c = drawn(world)
    with pytest.raises(WrongStateError):
        services.campaign_amend(campaign=c, actor=world.sup, **_plan(c, sample_size=3))
    client.force_login(world.sup)
    response = client.get(f"/campaigns/{c.pk}/edit/")
    assert response.status_code == 302 and response.url == f"/campaigns/{c.pk}/"
    page = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert "不能修改检查方案" in page and f"/campaigns/{c.pk}/edit/" not in page  # the message, no link
    # The page's act route does not take the move: the plan is changed on its own page.
    assert client.post(f"/campaigns/{c.pk}/act/amend/").status_code == 404


def test_the_edit_page_is_prefilled_saves_and_shows_every_error_at_the_top(world, client):
    c = create(world)
    client.force_login(world.sup)
    detail = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert f"/campaigns/{c.pk}/edit/" in detail
    page = client.get(f"/campaigns/{c.pk}/edit/").content.decode()
    assert c.title in page and "保存修改" in page and "disabled" in page  # the organising bureau stays
    form = {"title": "改名后的检查", "basis": c.basis, "agencies": [world.tree.agency_a1.pk],
            "action_types": ["penalty"], "period_from": c.period_from.isoformat(),
            "period_to": c.period_to.isoformat(), "sample_size": "4", "checklist": "公示是否及时准确\n文书是否规范"}
    bad = client.post(f"/campaigns/{c.pk}/edit/", form | {"sample_size": "x", "title": ""})
    body = bad.content.decode()
    assert bad.status_code == 400 and 'role="alert"' in body
    main = body[body.index("<h1>"):]
    assert main.index('role="alert"') < main.index("<form")  # above the form, every field's error in one list
    assert "检查名称：" in body and "抽取案件数应为整数。" in body
    saved = client.post(f"/campaigns/{c.pk}/edit/", form)
    assert saved.status_code == 302
    c.refresh_from_db()
    assert (c.title, c.sample_size, c.checklist) == ("改名后的检查", 4, ["公示是否及时准确", "文书是否规范"])
    assert list(c.agencies.values_list("pk", flat=True)) == [world.tree.agency_a1.pk]


def test_the_api_amends_the_plan(world, client):
    c = create(world)
    client.force_login(world.sup)
    body = {"title": "接口修改的检查", "basis": c.basis, "agency_ids": [world.tree.agency_a1.pk],
            "action_types": ["penalty"], "period_from": c.period_from.isoformat(),
            "period_to": c.period_to.isoformat(), "sample_size": 2, "checklist": ["公示是否及时准确"]}
    ok = client.put(f"/api/campaigns/{c.pk}/plan", body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["title"] == "接口修改的检查"
    again = client.put(f"/api/campaigns/{c.pk}/plan", body, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (400, "campaign_plan_unchanged")
    client.force_login(world.head)
    denied = client.put(f"/api/campaigns/{c.pk}/plan", body | {"title": "机关改的"}, content_type="application/json")
    assert denied.status_code in (403, 404)
