"""Per-jurisdiction rules: versioned, effective from a date, inherited down the tree (SPEC RULES).

The three shipped sets: the national baseline (KY, 国办发〔2018〕118号), Inner Mongolia from 2020-04-01
(IM-M) and Anze county from 2022-07-06 (AZ).
"""

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps as django_apps

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.org.models import Level
from zhifa.org.tests.factories import jurisdiction
from zhifa.rules import catalogue
from zhifa.rules.models import RuleVersion
from zhifa.rules.selectors import rule_get, rules_effective
from zhifa.rules.services import RULESET_DIR, rule_version_create, ruleset_apply

D = dt.date


@pytest.fixture
def im_and_az(db):
    """Inner Mongolia (150000) with one banner; Shanxi (140000) → Linfen (141000) → Anze (141026) and a sibling."""
    im = jurisdiction("内蒙古自治区", Level.REGION, code="150000")
    tongliao = jurisdiction("通辽市", Level.CITY, im, code="150500")
    naiman = jurisdiction("奈曼旗", Level.COUNTY, tongliao, code="150525")
    shanxi = jurisdiction("山西省", Level.REGION, code="140000")
    linfen = jurisdiction("临汾市", Level.CITY, shanxi, code="141000")
    anze = jurisdiction("安泽县", Level.COUNTY, linfen, code="141026")
    fushan = jurisdiction("浮山县", Level.COUNTY, linfen, code="141027")
    ruleset_apply(name="im-m")
    ruleset_apply(name="az")
    return dict(im=im, naiman=naiman, anze=anze, fushan=fushan)


@pytest.mark.parametrize("path", sorted(RULESET_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_rule_value_is_valid(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["rules"], "a rule set must set something"
    for key, rule in data["rules"].items():
        catalogue.validate(key, rule["value"])
        assert rule["source"].strip(), f"{key} must cite its article"


@pytest.mark.req("PUB-07")
@pytest.mark.django_db
def test_national_baseline_is_present_after_migration():
    rule = rule_get("publicity.decision_days", jurisdiction=None, as_of=D(2026, 1, 1))
    assert rule.value == {"licence": 7, "penalty": 7, "default": 20}
    assert rule.inherited_from is None


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_review_deadlines_differ_between_inner_mongolia_and_anze(im_and_az):
    on = D(2026, 6, 1)
    im = rule_get("review.time_limit", jurisdiction=im_and_az["naiman"], as_of=on)
    az = rule_get("review.time_limit", jurisdiction=im_and_az["anze"], as_of=on)
    assert (im.value["days"], im.value["extension_days"], im.value["starts"], im.value["extension_approver"]) == (
        5, 5, "receipt", "legal_head")
    assert (az.value["days"], az.value["extension_days"], az.value["starts"], az.value["extension_approver"]) == (
        10, 10, "complete_materials", "agency_head")
    assert im.inherited_from == im_and_az["im"]  # set at the region, inherited by the banner
    assert rule_get("review.excluded_periods", jurisdiction=im_and_az["naiman"], as_of=on).value == ["supplement"]
    assert rule_get("review.excluded_periods", jurisdiction=im_and_az["anze"], as_of=on).value == [
        "supplement", "expert_consultation", "interpretation"]


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_upload_limit_is_24_hours_in_inner_mongolia_and_2_working_days_in_anze(im_and_az):
    on = D(2026, 6, 1)
    im = rule_get("recording.upload_limit", jurisdiction=im_and_az["naiman"], as_of=on).value
    az = rule_get("recording.upload_limit", jurisdiction=im_and_az["anze"], as_of=on).value
    assert (im["unit"], im["amount"], im["remote"]["rule"]) == ("hours", 24, "when_possible")
    assert (az["unit"], az["amount"], az["remote"]) == ("working_days", 2, {"rule": "after_return", "unit": "working_days", "amount": 2})


@pytest.mark.req("REC-03")
@pytest.mark.django_db
def test_mandatory_av_lists_differ(im_and_az):
    on = D(2026, 6, 1)
    im = set(rule_get("recording.mandatory_av", jurisdiction=im_and_az["naiman"], as_of=on).value)
    az = set(rule_get("recording.mandatory_av", jurisdiction=im_and_az["anze"], as_of=on).value)
    assert {"seal", "seize", "demolition"} <= im and {"seal", "seize", "demolition"} <= az
    assert az - im == {"substitute_performance", "restrict_freedom"}  # AZ-R §10 (四)(五)
    # IM-M §17 first sentence: 应当进行音像记录 — hearings, service by leaving or by notice, dispute-prone scenes;
    # AZ-R §11 records them only according to circumstances.
    assert {"hearing", "service_by_leaving", "service_by_public_notice", "dispute_prone_onsite"} <= im - az
    assert "evidence_taking" not in im


@pytest.mark.req("REC-04")
@pytest.mark.django_db
def test_circumstantial_av_lists(im_and_az):
    az = rule_get("recording.circumstantial_av", jurisdiction=im_and_az["anze"], as_of=D(2026, 6, 1)).value
    assert {"hearing", "service_by_leaving", "service_by_public_notice", "evidence_taking"} <= set(az)


@pytest.mark.req("PUB-04")
@pytest.mark.django_db
def test_decision_summary_fields_per_jurisdiction(im_and_az):
    on = D(2026, 6, 1)
    assert "facts" in rule_get("publicity.summary_fields", jurisdiction=im_and_az["naiman"], as_of=on).value  # IM-M §10
    az = rule_get("publicity.summary_fields", jurisdiction=im_and_az["anze"], as_of=on).value
    assert "decision_date" in az and "facts" not in az  # AZ-P §14


@pytest.mark.django_db
def test_rules_are_looked_up_as_of_a_date(im_and_az):
    """Before 2020-04-01 Inner Mongolia followed the national baseline, which sets no review time limit."""
    before = rules_effective(jurisdiction=im_and_az["naiman"], as_of=D(2020, 3, 31))
    assert "review.time_limit" not in before
    assert before["publicity.summary_fields"].inherited_from is None
    with pytest.raises(ZhifaError) as exc:
        rule_get("review.time_limit", jurisdiction=im_and_az["naiman"], as_of=D(2020, 3, 31))
    assert exc.value.code == "rule_not_set"
    assert rule_get("review.time_limit", jurisdiction=im_and_az["naiman"], as_of=D(2020, 4, 1)).value["days"] == 5
    # Anze's own measures start on 2022-07-06; before that the sibling-less county had nothing of its own.
    assert "review.time_limit" not in rules_effective(jurisdiction=im_and_az["anze"], as_of=D(2022, 7, 5))
    assert rule_get("review.time_limit", jurisdiction=im_and_az["anze"], as_of=D(2022, 7, 6)).value["days"] == 10


@pytest.mark.django_db
def test_a_county_override_does_not_leak_to_its_sibling(im_and_az):
    fushan = rules_effective(jurisdiction=im_and_az["fushan"], as_of=D(2026, 6, 1))
    assert "review.time_limit" not in fushan  # only Anze adopted the AZ measures


@pytest.mark.django_db
def test_a_later_version_takes_over_from_its_date_and_a_correction_supersedes(im_and_az, db):
    im = im_and_az["im"]
    later = rule_version_create(key="publicity.decision_days", value={"licence": 5, "penalty": 5, "default": 15},
                                effective_from=D(2027, 1, 1), source="假设的新办法", jurisdiction=im, actor=None)
    assert rule_get("publicity.decision_days", jurisdiction=im_and_az["naiman"], as_of=D(2026, 12, 31)).value["licence"] == 7
    assert rule_get("publicity.decision_days", jurisdiction=im_and_az["naiman"], as_of=D(2027, 1, 1)).value["licence"] == 5
    fixed = rule_version_create(key="publicity.decision_days", value={"licence": 6, "penalty": 6, "default": 15},
                                effective_from=D(2027, 1, 1), source="更正", jurisdiction=im, actor=None)
    assert fixed.supersedes == later
    assert rule_get("publicity.decision_days", jurisdiction=im, as_of=D(2027, 2, 1)).value["licence"] == 6
    assert RuleVersion.objects.filter(pk=later.pk).exists()  # kept, not edited
    with pytest.raises(ZhifaError):
        later.delete()


@pytest.mark.django_db
def test_applying_a_set_twice_creates_nothing_new(im_and_az):
    assert ruleset_apply(name="im-m") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("publicity.decision_days", {"licence": 7, "penalty": 7}),
        ("publicity.decision_days", {"licence": 0, "penalty": 7, "default": 20}),
        ("review.time_limit", {"days": 5, "extension_days": 5, "starts": "whenever", "extension_approver": "legal_head"}),
        ("recording.upload_limit", {"unit": "minutes", "amount": 5, "remote": {"rule": "when_possible"}}),
        ("recording.mandatory_av", ["seal", "teleport"]),
        ("recording.mandatory_av", []),
        ("no.such.key", 1),
    ],
)
def test_invalid_rule_values_are_refused(key, value):
    with pytest.raises(ZhifaError) as exc:
        rule_version_create(key=key, value=value, effective_from=D(2026, 1, 1), source="测试", jurisdiction=None, actor=None)
    assert exc.value.code == "rule_invalid"


@pytest.mark.django_db
def test_unknown_ruleset_and_missing_jurisdiction_are_clear_errors():
    with pytest.raises(ZhifaError) as exc:
        ruleset_apply(name="atlantis")
    assert exc.value.code == "ruleset_unknown"
    with pytest.raises(ZhifaError) as exc:
        ruleset_apply(name="az")  # Anze is not registered in this database
    assert exc.value.code == "ruleset_no_jurisdiction"


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_only_the_justice_bureau_of_the_subtree_sets_rules(users, tree):
    rule_version_create(key="publicity.decision_days", value={"licence": 5, "penalty": 5, "default": 15},
                        effective_from=D(2026, 1, 1), source="甲市规定", jurisdiction=tree.a1, actor=users.city_a_supervisor)
    for actor, node in [(users.city_a_supervisor, tree.b1), (users.head_a1, tree.a1), (users.region_supervisor, None)]:
        with pytest.raises(PermissionDeniedError):
            rule_version_create(key="publicity.decision_days", value={"licence": 5, "penalty": 5, "default": 15},
                                effective_from=D(2026, 1, 1), source="越权", jurisdiction=node, actor=actor)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, permission="rules.manage").count() == 3


@pytest.mark.django_db
def test_all_rules_for_a_node_cost_one_query(im_and_az, django_assert_num_queries):
    with django_assert_num_queries(1):
        rules = rules_effective(jurisdiction=im_and_az["anze"], as_of=D(2026, 6, 1))
    assert len(rules) == len(catalogue.CATALOGUE)


@pytest.mark.django_db
def test_rules_api(client, users, tree):
    client.force_login(users.city_a_supervisor)
    body = client.get(f"/api/rules/effective?jurisdiction={tree.a1.code}&as_of=2026-06-01").json()
    assert {r["key"] for r in body} >= {"publicity.decision_days", "recording.mandatory_av"}
    assert client.get("/api/rules/effective/no.such?jurisdiction=T10101").json()["code"] == "rule_invalid"
    created = client.post("/api/rules/versions", data={"jurisdiction": tree.a1.code, "key": "publicity.decision_days",
                          "value": {"licence": 5, "penalty": 5, "default": 15}, "effective_from": "2026-01-01",
                          "source": "甲市规定"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["set_at"] == tree.a1.code
    refused = client.post("/api/rules/versions", data={"jurisdiction": tree.b1.code, "key": "publicity.decision_days",
                          "value": {"licence": 5, "penalty": 5, "default": 15}, "effective_from": "2026-01-01",
                          "source": "越权"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert client.get(f"/rules/?jurisdiction={tree.a1.pk}").status_code == 200


migration_0009 = importlib.import_module("zhifa.rules.migrations.0009_mask_other_persons_names")
OLD_MASK_KINDS = ["id_number", "phone", "bank_account", "property_certificate", "home_address", "property_status"]


@pytest.mark.req("PUB-07")
@pytest.mark.django_db
def test_migration_0009_supersedes_the_old_shipped_mask_kinds_at_every_node_but_keeps_customised_ones():
    """A database that ran `rules_apply im-m` / `az` before "person_name" was shipped: the old rows are superseded
    with the sets' current value and source; a node's own choice stays."""
    im = jurisdiction("内蒙古自治区", Level.REGION, code="150000")
    naiman = jurisdiction("奈曼旗", Level.COUNTY, jurisdiction("通辽市", Level.CITY, im, code="150500"), code="150525")
    anze = jurisdiction("安泽县", Level.COUNTY, jurisdiction("临汾市", Level.CITY,
                                                          jurisdiction("山西省", Level.REGION, code="140000"),
                                                          code="141000"), code="141026")
    key = "publicity.mask_kinds"
    old_im = RuleVersion.objects.create(jurisdiction=im, key=key, value=OLD_MASK_KINDS, effective_from=D(2020, 4, 1),
                                        source="IM-M 第十条第二款", ruleset="im-m")
    old_az = RuleVersion.objects.create(jurisdiction=anze, key=key, value=OLD_MASK_KINDS, effective_from=D(2022, 7, 6),
                                        source="AZ-P 第十五条", ruleset="az")
    customised = RuleVersion.objects.create(jurisdiction=naiman, key=key, value=OLD_MASK_KINDS + ["licence_plate"],
                                            effective_from=D(2020, 4, 1), source="奈曼旗规定", ruleset="im-m")
    by_hand = RuleVersion.objects.create(jurisdiction=naiman, key=key, value=OLD_MASK_KINDS,
                                         effective_from=D(2021, 1, 1), source="奈曼旗规定", ruleset="")
    national = RuleVersion.objects.get(jurisdiction=None, key=key, superseded_by__isnull=True)
    old_national = RuleVersion.objects.create(jurisdiction=None, key=key, value=OLD_MASK_KINDS,
                                              effective_from=national.effective_from, source=national.source,
                                              ruleset=national.ruleset, supersedes=national)

    migration_0009.supersede(django_apps, None)

    for old, name in ((old_im, "im-m"), (old_az, "az"), (old_national, "national")):
        new = RuleVersion.objects.get(supersedes=old)
        shipped = json.loads((RULESET_DIR / f"{name}.json").read_text(encoding="utf-8"))["rules"][key]
        assert (new.value, new.source, new.jurisdiction_id, new.effective_from) == (
            shipped["value"], shipped["source"], old.jurisdiction_id, old.effective_from)
        assert "person_name" in new.value
    for kept in (customised, by_hand):
        assert not RuleVersion.objects.filter(supersedes=kept).exists()
    on = D(2026, 6, 1)
    assert "person_name" in rule_get(key, jurisdiction=im, as_of=on).value
    assert "person_name" in rule_get(key, jurisdiction=anze, as_of=on).value
    assert rule_get(key, jurisdiction=naiman, as_of=on).value == OLD_MASK_KINDS  # its own rule of 2021
    count = RuleVersion.objects.count()
    migration_0009.supersede(django_apps, None)  # running it again changes nothing
    assert RuleVersion.objects.count() == count
