"""The random-inspection rules: validated, shipped in the national baseline, shown as sentences (issue 22)."""

import datetime as dt

import pytest

from zhifa.inspections import rules_text
from zhifa.org.models import Field
from zhifa.rules import catalogue
from zhifa.rules.catalogue import RuleValueError
from zhifa.rules.selectors import rule_get

KEYS = ["inspections.class_ratios", "inspections.result_days", "inspections.general_ratio_max",
        "inspections.item_list_reviewer"]


def test_the_catalogue_knows_every_enforcement_field():
    assert catalogue._FIELDS == set(Field.values)


@pytest.mark.django_db
@pytest.mark.req("INS-02")
def test_the_national_baseline_ships_each_rule(tree):
    def rule_value(key, where):
        return rule_get(key, jurisdiction=where, as_of=dt.date(2026, 12, 1)).value

    assert [r["code"] for r in rule_value("inspections.class_ratios", tree.a1)] == ["low", "ordinary", "high"]
    assert rule_value("inspections.result_days", tree.a1) == {"days": 20, "unit": "working_days"}
    assert rule_value("inspections.general_ratio_max", tree.a1) == "0.05"
    assert rule_value("inspections.item_list_reviewer", tree.a1) == "market"


@pytest.mark.parametrize(("key", "value"), [
    ("inspections.class_ratios", []),
    ("inspections.class_ratios", [{"code": "a", "name": "甲", "ratio": 0.05}]),  # a float, not a decimal string
    ("inspections.class_ratios", [{"code": "a", "name": "甲", "ratio": "0"}]),
    ("inspections.class_ratios", [{"code": "a", "name": "甲", "ratio": "1.01"}]),
    ("inspections.class_ratios", [{"code": "a", "name": "甲", "ratio": "NaN"}]),
    ("inspections.class_ratios", [{"code": "a", "name": "甲", "ratio": "0.1"}, {"code": "a", "name": "乙", "ratio": "1"}]),
    ("inspections.class_ratios", [{"code": "高", "name": "甲", "ratio": "0.1"}]),
    ("inspections.result_days", {"days": 0, "unit": "working_days"}),
    ("inspections.result_days", {"days": 20, "unit": "weeks"}),
    ("inspections.general_ratio_max", "2"),
    ("inspections.item_list_reviewer", "markets"),
])
def test_bad_values_are_refused(key, value):
    with pytest.raises(RuleValueError):
        catalogue.validate(key, value)


def test_the_rules_read_as_sentences():
    assert rules_text.class_ratios([{"code": "low", "name": "低风险", "ratio": "0.025"},
                                    {"code": "high", "name": "高风险", "ratio": "1"}]) == \
        "低风险抽查 2.5%；高风险抽查 100%"
    assert rules_text.result_days({"days": 20, "unit": "working_days"}) == "自检查之日起 20 个工作日内公示抽查结果"
    assert rules_text.result_days({"days": 20, "unit": "days"}) == "自检查之日起 20 日内公示抽查结果"
    assert rules_text.general_ratio_max("0.05").startswith("一般检查事项年度抽查比例不超过 5%")
    assert rules_text.item_list_reviewer("market") == "随机抽查事项清单经本级市场监管部门审核后公示"
