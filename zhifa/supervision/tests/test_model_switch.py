"""Switching a model and setting its thresholds per jurisdiction (issue 20 §1; SUP-04): a new, logged version of the
rule `supervision.models`; a switched-off model raises nothing there and its open alerts close, saying why; only the
jurisdiction's supervisors may switch it; the page shows every model's state. Never silently off."""

import datetime as dt

import pytest
from django.urls import reverse

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UnitFactory
from zhifa.rules.models import RuleVersion
from zhifa.supervision import events, selectors, services
from zhifa.supervision.models import Alert
from zhifa.supervision.registry import Hit, Level
from zhifa.supervision.services import RULE_KEY, run_models
from zhifa.supervision.tests.sup_world import make_case

DAY = dt.date(2026, 6, 1)


def switch(actor, node, *, enabled, **params):
    return services.model_configure(actor=actor, jurisdiction=node, code="M98", enabled=enabled, params=params,
                                    effective_from=DAY, source="某市司法局通知（2026）第3号")


@pytest.fixture
def two_cases(desk, tree, planted):
    a1 = make_case(desk)
    b1 = make_case(desk, agency=tree.agency_b1, unit=UnitFactory(agency=tree.agency_b1, name="大队"))
    planted.hits = [Hit(agency_id=c.agency_id, case_id=c.pk, level=Level.WARNING, detail="x") for c in (a1, b1)]
    return a1, b1


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_switched_off_model_raises_nothing_there_and_the_switch_is_versioned_and_logged(two_cases, tree, users):
    a1, b1 = two_cases
    run_models(DAY, codes=["M98"])
    version = switch(users.city_a_supervisor, tree.city_a, enabled=False)
    # A version of the rule at city A with the switch (what else it holds: test_model_params_inheritance).
    assert version.jurisdiction == tree.city_a and version.key == RULE_KEY
    assert version.value["M98"] == {"enabled": False}
    assert Entry.objects.filter(kind="rules.version_set", subject=f"rules.{RULE_KEY}").exists()
    logged = Entry.objects.get(kind=events.MODEL_CONFIGURED)
    assert logged.subject == "rules.supervision.models"
    assert '"enabled":false' in logged.payload and '"model":"M98"' in logged.payload
    summary = run_models(DAY, codes=["M98"])["M98"]
    assert summary["closed"] == 1 and summary["opened"] == 0
    closed = Alert.objects.get(case=a1)
    assert (closed.state, closed.close_reason) == ("closed", "该地区已停用此问题模型")
    assert Alert.objects.get(case=b1).state == "open"  # city B still runs it
    run_models(DAY, codes=["M98"])
    assert not Alert.objects.filter(case=a1, state="open").exists()
    # On again, from a later day: a new version, the old one kept.
    services.model_configure(actor=users.city_a_supervisor, jurisdiction=tree.city_a, code="M98", enabled=True,
                             params={}, effective_from=DAY + dt.timedelta(days=1), source="恢复启用")
    assert RuleVersion.objects.filter(key=RULE_KEY, jurisdiction=tree.city_a).count() == 2
    run_models(DAY + dt.timedelta(days=1), codes=["M98"])
    assert Alert.objects.filter(case=a1, state="open").exists()


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_thresholds_in_force_follow_the_jurisdiction(two_cases, tree, users, planted):
    switch(users.city_a_supervisor, tree.city_a, enabled=True, days=45, ratio=1)
    run_models(DAY, codes=["M98"])
    ctx = planted.contexts[-1]
    assert ctx.params(tree.agency_a1.pk) == {"days": 45, "ratio": 1, "strict": False, "enabled": True}
    assert ctx.params(tree.agency_b1.pk) == {"days": 30, "ratio": 0.5, "strict": False, "enabled": True}
    state = next(s for s in selectors.model_states(jurisdiction=tree.a1, on=DAY) if s["code"] == "M98")
    assert (state["params"]["days"], state["enabled"], state["inherited_from"]) == (45, True, tree.city_a)
    history = selectors.model_history(jurisdiction=tree.a1, code="M98")
    assert [(h["jurisdiction"], h["params"]["days"]) for h in history] == [(tree.city_a, 45)]


@pytest.mark.req("SUP-04")
@pytest.mark.parametrize("params, word", [({"hours": 3}, "没有这些参数"), ({"days": "30"}, "类型不对"),
                                          ({"strict": 1}, "类型不对"), ({"days": -1}, "不能为负数")])
@pytest.mark.django_db
def test_thresholds_are_checked_against_the_models_parameters(tree, users, planted, params, word):
    with pytest.raises(ZhifaError) as exc:
        switch(users.city_a_supervisor, tree.city_a, enabled=True, **params)
    assert exc.value.code == "supervision_params_invalid" and word in exc.value.message
    assert not RuleVersion.objects.filter(key=RULE_KEY, jurisdiction=tree.city_a).exists()


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_an_unknown_model_is_refused(tree, users):
    with pytest.raises(ZhifaError) as exc:
        services.model_configure(actor=users.city_a_supervisor, jurisdiction=tree.city_a, code="M77", enabled=False,
                                 effective_from=DAY, source="x")
    assert exc.value.code == "supervision_model_unknown"


@pytest.mark.req("SUP-04")
@pytest.mark.parametrize("who, where", [("head_a1", "city_a"), ("county_a1_supervisor", "city_a"),
                                        ("city_a_supervisor", "city_b"), ("city_a_supervisor", None)])
@pytest.mark.django_db
def test_only_the_jurisdictions_supervisors_switch_and_refusals_are_logged(tree, users, planted, who, where):
    user = getattr(users, who)
    node = getattr(tree, where) if where else None
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count()
    with pytest.raises(PermissionDeniedError):
        switch(user, node, enabled=False)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count() == before + 1
    assert not RuleVersion.objects.filter(key=RULE_KEY, value__M98__isnull=False).exists()


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_models_page_shows_every_models_state(client, tree, users, planted):
    switch(users.city_a_supervisor, tree.city_a, enabled=False)
    client.force_login(users.city_a_supervisor)
    page = client.get(reverse("supervision-models")).content.decode()
    assert "M98" in page and "M23" in page and "已停用" in page and "甲市" in page
    detail = client.get(reverse("supervision-model", args=["M98"]), {"jurisdiction": tree.city_a.pk}).content.decode()
    assert "某市司法局通知（2026）第3号" in detail and "设定启用状态和阈值" in detail
    response = client.post(reverse("supervision-model", args=["M98"]) + f"?jurisdiction={tree.city_a.pk}", {
        "jurisdiction": tree.city_a.pk, "enabled": "1", "param_days": "60", "effective_from": "2026-06-02",
        "source": "调整期限"})
    assert response.status_code == 302
    state = next(s for s in selectors.model_states(jurisdiction=tree.city_a, on=dt.date(2026, 6, 2))
                 if s["code"] == "M98")
    assert (state["enabled"], state["params"]["days"]) == (True, 60)
    # Another city's page is not theirs to read.
    assert client.get(reverse("supervision-models"), {"jurisdiction": tree.city_b.pk}).status_code == 404
    client.force_login(users.head_a1)
    page = client.get(reverse("supervision-model", args=["M98"])).content.decode()
    assert "设定启用状态和阈值" not in page  # staff read the state of their jurisdiction, never switch it
