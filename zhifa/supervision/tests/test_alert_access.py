"""Who sees and who closes alerts (issue 20 §3; SUP-01, SUP-04): supervisors their jurisdiction's subtree, an agency's
staff their agency's; a supervisor closes with a reason; every refusal is logged; the queue reads in flat queries."""

import datetime as dt

import pytest
from django.urls import reverse

from zhifa.core.errors import PermissionDeniedError, WrongStateError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import Role
from zhifa.core.testing import query_count
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UnitFactory, UserFactory, grant
from zhifa.supervision import events, selectors, services, todo
from zhifa.supervision.models import Alert
from zhifa.supervision.registry import Hit, Level
from zhifa.supervision.services import run_models
from zhifa.supervision.tests.sup_world import make_case

DAY = dt.date(2026, 6, 1)


@pytest.fixture
def world(desk, tree, users, planted):
    """An alarm in 甲一县 (city A) and a warning in 乙一县 (city B)."""
    case_a1 = make_case(desk)
    case_b1 = make_case(desk, agency=tree.agency_b1, unit=UnitFactory(agency=tree.agency_b1, name="大队"))
    planted.hits = [Hit(agency_id=tree.agency_a1.pk, case_id=case_a1.pk, level=Level.ALARM, detail="超期 7 天"),
                    Hit(agency_id=tree.agency_b1.pk, case_id=case_b1.pk, level=Level.WARNING, detail="将到期")]
    run_models(DAY, codes=["M98"])
    sup_b = grant(UserFactory(username="sup_b"), Role.SUPERVISOR, jurisdiction=tree.city_b)
    return {"a1": Alert.objects.get(case=case_a1), "b1": Alert.objects.get(case=case_b1), "sup_b": sup_b}


def denials(user) -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count()


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_supervisors_see_their_subtree_and_agencies_their_own(world, users):
    a1, b1 = world["a1"], world["b1"]
    assert {a.pk for a in selectors.alerts_open(users.region_supervisor)} == {a1.pk, b1.pk}
    assert {a.pk for a in selectors.alerts_open(users.city_a_supervisor)} == {a1.pk}
    assert {a.pk for a in selectors.alerts_open(world["sup_b"])} == {b1.pk}
    assert {a.pk for a in selectors.alerts_open(users.head_a1)} == {a1.pk}
    assert {a.pk for a in selectors.alerts_open(users.officer_a1)} == {a1.pk}
    assert not selectors.alerts_open(users.nobody).exists()
    counts = selectors.alert_counts(users.region_supervisor)
    assert {(c["agency_id"], c["level"], c["count"]) for c in counts} == {
        (a1.agency_id, "alarm", 1), (b1.agency_id, "warning", 1)}
    assert [a.pk for a in selectors.alerts_for_case(a1.case)] == [a1.pk]


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_an_alert_outside_the_scope_is_the_same_404_and_logged(client, world, users):
    client.force_login(world["sup_b"])
    before = denials(world["sup_b"])
    assert client.get(reverse("supervision-alert", args=[world["a1"].pk])).status_code == 404
    assert client.get(reverse("supervision-alert", args=[999999])).status_code == 404
    assert denials(world["sup_b"]) == before + 2
    assert client.get(reverse("supervision-alert", args=[world["b1"].pk])).status_code == 200
    client.force_login(users.nobody)
    assert client.get(reverse("supervision-queue")).status_code == 403


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_supervisor_closes_an_alert_with_a_reason(world, users):
    alert = services.alert_close(alert=world["a1"].pk, actor=users.city_a_supervisor, reason="已核实，系统外已处理")
    assert (alert.state, alert.close_reason, alert.closed_by) == ("closed", "已核实，系统外已处理",
                                                                  users.city_a_supervisor)
    step = alert.steps.order_by("-id").first()
    assert (step.action, step.actor, step.note) == ("close", users.city_a_supervisor, "已核实，系统外已处理")
    entry = Entry.objects.get(pk=step.entry_id)
    assert (entry.kind, entry.subject) == (events.CLOSED, f"cases.case:{alert.case_id}")
    with pytest.raises(WrongStateError):
        services.alert_close(alert=alert.pk, actor=users.city_a_supervisor, reason="再次关闭")


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_reason_is_required(world, users):
    with pytest.raises(ZhifaError) as exc:
        services.alert_close(alert=world["a1"].pk, actor=users.city_a_supervisor, reason="  ")
    assert exc.value.code == "supervision_close_reason_required"
    assert Alert.objects.get(pk=world["a1"].pk).state == "open"


@pytest.mark.req("SUP-04")
@pytest.mark.parametrize("who", ["head_a1", "officer_a1", "sup_b", "nobody"])
@pytest.mark.django_db
def test_others_may_not_close_and_each_refusal_is_logged(world, users, who):
    """The agency's own head and officers may not close the alert raised about them; nor may a supervisor of
    another city. Refused before the reason is read (an empty one is refused the same way), and logged."""
    user = world["sup_b"] if who == "sup_b" else getattr(users, who)
    before = denials(user)
    with pytest.raises(PermissionDeniedError):
        services.alert_close(alert=world["a1"].pk, actor=user, reason="")
    assert denials(user) == before + 1
    assert Alert.objects.get(pk=world["a1"].pk).state == "open"


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_close_form_on_the_page(client, world, users):
    client.force_login(users.city_a_supervisor)
    page = client.get(reverse("supervision-alert", args=[world["a1"].pk])).content.decode()
    assert "关闭理由" in page and "超期 7 天" in page and "生成预警" in page
    response = client.post(reverse("supervision-alert-close", args=[world["a1"].pk]), {"reason": "已整改"})
    assert response.status_code == 302
    page = client.get(reverse("supervision-alert", args=[world["a1"].pk])).content.decode()
    assert "监督人员关闭" in page and "已整改" in page and "关闭理由" not in page
    client.force_login(users.head_a1)
    page = client.get(reverse("supervision-alert", args=[world["b1"].pk]))
    assert page.status_code == 404
    page = client.get(reverse("supervision-alert", args=[world["a1"].pk])).content.decode()
    assert "关闭理由" not in page  # no form for those who may not close


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_queue_filters_and_reads_in_flat_queries(client, desk, tree, users, planted):
    client.force_login(users.region_supervisor)

    def plant(n):
        cases = [make_case(desk) for _ in range(n)]
        planted.hits = planted.hits + [Hit(agency_id=c.agency_id, case_id=c.pk, level=Level.NOTICE, detail="x")
                                       for c in cases]
        run_models(DAY, codes=["M98"])
        return query_count(lambda: client.get(reverse("supervision-queue")))

    assert plant(3) == plant(20)
    page = client.get(reverse("supervision-queue"), {"level": "alarm"}).content.decode()
    assert "没有未关闭的预警" in page
    page = client.get(reverse("supervision-queue"), {"level": "notice", "model": "M98"}).content.decode()
    assert page.count("supervision/alerts/") == 23


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_agencys_alerts_are_on_its_heads_to_do_list(world, users):
    items = todo.todo_items_for(users.head_a1, on=DAY)
    assert [i.key for i in items] == [f"supervision.alert:{world['a1'].pk}:alarm"]
    assert items[0].url == reverse("supervision-alert", args=[world["a1"].pk])
    assert todo.todo_items_for(users.city_a_supervisor, on=DAY) == []  # their queue, not their home page
    assert todo.todo_items_for(users.officer_a1, on=DAY) == []
    assert query_count(lambda: todo.todo_items_for(users.head_a1, on=DAY)) <= 2


# --- the API ---------------------------------------------------------------------------------------------------------

@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_api_lists_details_and_closes(client, world, users):
    client.force_login(users.city_a_supervisor)
    body = client.get("/api/supervision/alerts").json()
    assert set(body) == {"items", "count", "count_capped", "next"}
    assert [r["id"] for r in body["items"]] == [world["a1"].pk]
    assert body["items"][0]["level_label"] == "报警"
    detail = client.get(f"/api/supervision/alerts/{world['a1'].pk}").json()
    assert detail["steps"][0]["action"] == "open" and detail["basis"] == "测试依据"
    # Each step carries the evaluation it recorded, as the page shows it (the alert's own is only the latest).
    step = world["a1"].steps.get(action="open")
    assert (detail["steps"][0]["due"], detail["steps"][0]["evidence"]) == (
        step.due.isoformat() if step.due else None, step.evidence)
    closed = client.post(f"/api/supervision/alerts/{world['a1'].pk}/close", {"reason": "已核实"},
                         content_type="application/json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    again = client.post(f"/api/supervision/alerts/{world['a1'].pk}/close", {"reason": "已核实"},
                        content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "wrong_state")
    models = client.get("/api/supervision/models").json()
    assert "M98" in {m["code"] for m in models}


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_api_errors_have_stable_codes(client, world, users):
    client.force_login(users.city_a_supervisor)
    blank = client.post(f"/api/supervision/alerts/{world['a1'].pk}/close", {"reason": ""},
                        content_type="application/json")
    assert (blank.status_code, blank.json()["code"]) == (400, "supervision_close_reason_required")
    outside = client.get(f"/api/supervision/alerts/{world['b1'].pk}")
    assert (outside.status_code, outside.json()["code"]) == (404, "not_found")
    cursor = client.get("/api/supervision/alerts", {"cursor": "garbage"})
    assert (cursor.status_code, cursor.json()["code"]) == (400, "invalid_cursor")
    bad_level = client.get("/api/supervision/alerts", {"level": "red"})
    assert bad_level.status_code == 422
    client.force_login(users.head_a1)
    refused = client.post(f"/api/supervision/alerts/{world['a1'].pk}/close", {"reason": "x"},
                          content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    client.force_login(users.nobody)
    assert client.get("/api/supervision/alerts").json()["code"] == "permission_denied"
