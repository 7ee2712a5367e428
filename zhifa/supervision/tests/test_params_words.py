"""Every threshold a supervisor reads or sets is named in Chinese, and the rules page reads the models' rule as
sentences (issue 20 §1: the switch is visible; no page shows a code, tests/test_no_raw_codes.py)."""

import datetime as dt

import pytest

from zhifa.rules.models import RuleVersion
from zhifa.rules.templatetags.rules_tags import rule_text
from zhifa.supervision.params import PARAM_LABELS, params_text
from zhifa.supervision.registry import REGISTRY


@pytest.mark.req("SUP-04")
def test_every_parameter_of_every_model_has_a_chinese_label():
    missing = {f"{code}.{key}" for code, model in REGISTRY.items() for key in model.defaults if key not in PARAM_LABELS}
    assert not missing


def test_values_read_as_words():
    text = params_text({"days": 90, "warning_ratio": 0.8, "working_days": True, "action_types": ["penalty"],
                        "procedures": ["ordinary"], "enabled": False})
    assert text == "期限（日） 90；达到期限的该比例时预警 80%；按工作日计算 是；适用的执法行为类别 行政处罚；适用的程序 普通程序"


@pytest.mark.django_db
def test_the_rules_page_reads_the_models_rule_by_the_models_names():
    rule = RuleVersion(key="supervision.models", value={"M01": {"enabled": False, "days": 60}, "M03": {}},
                       effective_from=dt.date(2026, 1, 1))
    text = rule_text(rule)
    assert text.startswith(f"M01 {REGISTRY['M01'].name}：停用，期限（日） 60；M03 {REGISTRY['M03'].name}：启用")
    assert "{" not in text and "enabled" not in text


@pytest.mark.req("SUP-04")
def test_a_wrong_typed_threshold_is_refused_on_every_path_that_writes_the_rule():
    """Review #15: written through the generic rules page, a threshold of the wrong type made the model fail every run
    while its page read 启用. The rules' own validation now checks each model's parameters."""
    from zhifa.rules.catalogue import RuleValueError, validate

    validate("supervision.models", {"M01": {"enabled": True, "days": 60}})
    with pytest.raises(RuleValueError, match="M01"):
        validate("supervision.models", {"M01": {"days": "六十"}})
    with pytest.raises(RuleValueError, match="M01"):
        validate("supervision.models", {"M01": {"weeks": 3}})
