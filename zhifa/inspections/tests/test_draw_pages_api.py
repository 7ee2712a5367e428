"""The draws' pages, API and portal (INS-02, INS-03): the batch panel offers freezing to the handling side, the draw's
page shows the commitments, the 抽取 button when due and the replay command, the API is the same services, the portal
announces frozen draws and serves the record; the benchmark runs."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from zhifa.inspections import draws
from zhifa.inspections.models import Draw, DrawState
from zhifa.inspections.tests.conftest import published_batch

pytestmark = [pytest.mark.django_db, pytest.mark.req("INS-02")]


def panel(batch, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("inspections/draws/_batch_panel.html", {"batch": batch, "request": request},
                            request=request)


def test_the_batch_panel_offers_freezing_to_the_handling_side_only(world):
    batch = published_batch(world)
    html = panel(batch, world.dz)
    assert "固定抽取范围" in html and "随机源时点" in html and "外部公开随机值来源" in html
    assert "本批次尚未抽取" in html
    assert "固定抽取范围</button>" not in panel(batch, world.insp1)
    draw = draws.draw_freeze(batch=batch, actor=world.dz)
    html = panel(batch, world.head)
    assert f"/inspections/draws/{draw.pk}/" in html and "重新抽取（负责人）" in html
    assert "重新抽取（负责人）" not in panel(batch, world.dz)


@pytest.mark.req("INS-03")
def test_freeze_and_make_from_the_pages(world, client):
    batch = published_batch(world)
    client.force_login(world.dz)
    response = client.post(f"/inspections/batches/{batch.pk}/draws/freeze/", {"beacon_after": "", "external_source": ""})
    assert response.status_code == 302
    draw = Draw.objects.get()
    page = client.get(f"/inspections/draws/{draw.pk}/").content.decode()
    assert draw.frozen_sha256 in page and draw.frozen["targets"]["sha256"] in page
    assert f"python -m zhifa.verify draw draw-{draw.pk}.json --key" in page
    assert "<button type=\"submit\">抽取</button>" in page
    client.post(f"/inspections/draws/{draw.pk}/make/")
    draw.refresh_from_db()
    assert draw.state == DrawState.DRAWN
    page = client.get(f"/inspections/draws/{draw.pk}/").content.decode()
    row = draw.drawn.order_by("rank").first()
    assert row.target.name in page and row.assignments.first().certificate in page
    assert row.assignments.first().person.name in page
    record = client.get(f"/inspections/draws/{draw.pk}/record.json").json()
    assert record["format"] == "zhifa-draw-record/1" and record["seed"] == draw.seed


def test_a_refusal_is_shown_in_chinese_on_the_page(world, client):
    batch = published_batch(world)
    client.force_login(world.dz)
    later = (timezone.localtime() + dt.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/inspections/batches/{batch.pk}/draws/freeze/", {"beacon_after": later})
    assert response.status_code == 400
    assert "随机源时点：随机源时点应为现在或之后 30 日内的时刻" in response.content.decode()
    response = client.post(f"/inspections/batches/{batch.pk}/draws/freeze/", {"beacon_after": "明天"})
    assert response.status_code == 400 and "随机源时点格式应为 2026-12-05 10:00" in response.content.decode()
    assert not Draw.objects.exists()
    assert "外部公开随机值来源" in client.get(f"/inspections/batches/{batch.pk}/draws/freeze/").content.decode()


def test_the_portal_list_is_flat_in_queries(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhifa.inspections.models import Batch, TargetType

    batch = published_batch(world)
    draws.draw_freeze(batch=batch, actor=world.dz)
    url = f"/portal/{world.tree.a1.code}/inspections/draws/"
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(2, 5):
        more = Batch.objects.create(plan=batch.plan, number=n, title=f"第{n}批", target_type=TargetType.ENTERPRISE,
                                    starts_on=batch.starts_on, ends_on=batch.ends_on, created_by=world.dz)
        draws.draw_freeze(batch=more, actor=world.dz)
    with CaptureQueriesContext(connection) as four:
        assert client.get(url).status_code == 200
    assert len(four.captured_queries) == len(one.captured_queries)


def test_the_draw_page_says_how_long_to_wait(world, client):
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz,
                             beacon_after=timezone.now() + dt.timedelta(hours=3))
    client.force_login(world.dz)
    page = client.get(f"/inspections/draws/{draw.pk}/").content.decode()
    assert "尚未到达" in page and "<button type=\"submit\">抽取</button>" not in page


def test_a_draw_outside_the_scope_is_404(world, client, users):
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    client.force_login(users.nobody)
    assert client.get(f"/inspections/draws/{draw.pk}/").status_code == 404
    assert client.get(f"/api/inspections/draws/{draw.pk}").status_code == 404


@pytest.mark.req("INS-03")
def test_the_api_is_the_same_services(world, client):
    batch = published_batch(world)
    client.force_login(world.dz)
    bad = client.post(f"/api/inspections/batches/{batch.pk}/draws",
                      {"beacon_after": (timezone.now() - dt.timedelta(days=1)).isoformat()},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "inspection_beacon_invalid"
    made = client.post(f"/api/inspections/batches/{batch.pk}/draws", {}, content_type="application/json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["state"] == "frozen" and made.json()["result"] == []
    again = client.post(f"/api/inspections/batches/{batch.pk}/draws", {}, content_type="application/json")
    assert again.status_code == 409
    out = client.post(f"/api/inspections/draws/{pk}/make", {}, content_type="application/json").json()
    assert out["state"] == "drawn" and len(out["result"]) == 7
    assert all(len(r["inspectors"]) == 2 and r["inspection_id"] for r in out["result"])
    assert client.get(f"/api/inspections/draws/{pk}/record").json()["result_sha256"] == out["result_sha256"]
    refused = client.post(f"/api/inspections/draws/{pk}/redraw", {"reason": "名录有误需要重新抽取"},
                          content_type="application/json")
    assert refused.status_code == 403  # the handling head may draw, not order a re-draw
    client.force_login(world.head)
    new = client.post(f"/api/inspections/draws/{pk}/redraw", {"reason": "名录有误需要重新抽取"},
                      content_type="application/json")
    assert new.status_code == 201 and new.json()["redraw_of_id"] == pk
    assert client.get(f"/api/inspections/draws/{pk}").json()["redrawn_by_id"] == new.json()["id"]


@pytest.mark.req("INS-03")
def test_the_portal_announces_frozen_draws_and_serves_the_record(world, client):
    first = draws.draw_make(draw=draws.draw_freeze(batch=published_batch(world), actor=world.dz), actor=world.dz)
    second = draws.draw_redraw(draw=first, actor=world.head, reason="检查对象名录有误，更正后重新抽取")
    code = world.tree.a1.code
    listing = client.get(f"/portal/{code}/inspections/draws/").content.decode()
    assert f"/portal/{code}/inspections/draws/{first.pk}/" in listing
    assert f"/portal/{code}/inspections/draws/{second.pk}/" in listing
    page = client.get(f"/portal/{code}/inspections/draws/{second.pk}/").content.decode()
    assert second.frozen_sha256 in page and "检查对象名录有误，更正后重新抽取" in page and "尚未进行" in page
    assert f"python -m zhifa.verify draw draw-{second.pk}.json" in page
    old = client.get(f"/portal/{code}/inspections/draws/{first.pk}/").content.decode()
    assert "已被" in old and first.seed in old
    assert client.get(f"/portal/{code}/inspections/draws/{second.pk}/record.json").json()["seed"] is None
    other = world.tree.b1.code if hasattr(world.tree, "b1") else "T10301"
    assert client.get(f"/portal/{other}/inspections/draws/{first.pk}/").status_code == 404


def test_the_portal_shows_no_declared_recusal_reason(world, client):
    from zhifa.inspections.tests.test_draws import link

    high = [t for t in world.targets if t.risk_class == "high"]
    for t in high:
        for cert in world.inspectors[:5]:
            link(world, cert.person, t)
    draw = draws.draw_make(draw=draws.draw_freeze(batch=published_batch(world), actor=world.dz), actor=world.dz)
    page = client.get(f"/portal/{world.tree.a1.code}/inspections/draws/{draw.pk}/").content.decode()
    assert "与检查对象存在利害关系" in page and "配偶在该企业任职" not in page


@pytest.mark.req("INS-02")
def test_the_draw_announcements_have_a_feed_from_the_freezing_on(client, world):
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    url = f"/portal/{world.tree.a1.code}/inspections/draws.atom"
    feed = client.get(url)
    body = feed.content.decode()
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    assert "已固定抽取范围" in body and f"/draws/{draw.pk}/record.json" in body
    draws.draw_make(draw=draw, actor=world.dz)
    assert "已抽取" in client.get(url).content.decode()


def test_the_portal_lists_only_the_draws_of_confirmed_agencies(world, client):
    """Low: as the portal's other lists, a draw of an agency whose status is not confirmed is not shown."""
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    code = world.tree.a1.code
    assert f"/draws/{draw.pk}/" in client.get(f"/portal/{code}/inspections/draws/").content.decode()
    type(world.a1).objects.filter(pk=world.a1.pk).update(status="pending")
    assert f"/draws/{draw.pk}/" not in client.get(f"/portal/{code}/inspections/draws/").content.decode()
    assert client.get(f"/portal/{code}/inspections/draws/{draw.pk}/").status_code == 404


@pytest.mark.req("INS-03")
def test_the_api_record_is_typed_and_the_same_json_as_the_record(world, client):
    """Low: GET …/record has a typed response schema; its JSON is the record itself, key for key."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from zhifa.inspections import record

    draw = draws.draw_make(draw=draws.draw_freeze(batch=published_batch(world), actor=world.dz), actor=world.dz)
    client.force_login(world.dz)
    got = client.get(f"/api/inspections/draws/{draw.pk}/record")
    assert got.status_code == 200
    want = json.loads(json.dumps(record.draw_record(Draw.objects.get(pk=draw.pk), public=False), cls=DjangoJSONEncoder))
    assert got.json() == want and list(got.json()) == list(want)
    from config.api import api

    schema = json.loads(json.dumps(api.get_openapi_schema()))  # as served (status keys as text)
    op = schema["paths"]["/api/inspections/draws/{draw_id}/record"]["get"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/DrawRecordOut")
    assert schema["components"]["schemas"]["DrawRecordOut"]["properties"]["result"]["anyOf"][0]["type"] == "array"
