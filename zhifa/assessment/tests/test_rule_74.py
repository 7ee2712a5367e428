"""《行政处罚法》第七十四条: fines and confiscations are never an assessment indicator. Every path that writes the rule
`assessment.indicators` refuses such an indicator with the code assessment_indicator_fine_forbidden and a Chinese
message citing the article (issue 21 §6; SUP-02): the rules service, the rules API, a shipped rule set — whether the
name, the formula, an extra input or the registered formula's declared inputs name the money."""

import copy
import datetime as dt

import pytest

from zhifa.assessment import indicators
from zhifa.core.errors import ZhifaError
from zhifa.rules.models import RuleVersion
from zhifa.rules.selectors import rule_get
from zhifa.rules.services import rule_version_create, ruleset_read

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-02")]

KEY = "assessment.indicators"


def baseline() -> dict:
    return copy.deepcopy(ruleset_read("national")["rules"][KEY]["value"])


def _with(**changes) -> dict:
    table = baseline()
    table["indicators"][0].update(changes)
    return table


def _write(actor, value, jurisdiction=None):
    return rule_version_create(key=KEY, value=value, effective_from=dt.date(2026, 1, 1), source="本市考评办法",
                               jurisdiction=jurisdiction, actor=actor)


def test_the_baseline_is_seeded_and_passes_every_check(tree):
    rule = rule_get(KEY, jurisdiction=tree.a1, as_of=dt.date(2026, 12, 31))
    assert rule.value == baseline() and rule.inherited_from is None
    indicators.check_rule(rule.value)
    assert sum(i["weight"] for i in rule.value["indicators"]) == rule.value["total"] == 100


@pytest.mark.parametrize("changes", [
    {"name": "罚没收入完成率"},
    {"name": "罚款数额"},
    {"name": "没收违法所得金额"},
    {"code": "fine_total"},
    {"formula": "confiscation_total"},
    {"input": "review.Determination.fine_amount"},
    {"inputs": ["罚没款入库金额"]},
])
def test_a_fine_or_confiscation_indicator_is_refused_citing_article_74(tree, users, changes):
    before = RuleVersion.objects.filter(key=KEY).count()
    with pytest.raises(ZhifaError) as exc:
        _write(users.su, _with(**changes), jurisdiction=tree.city_a)
    assert exc.value.code == "assessment_indicator_fine_forbidden"
    assert "《中华人民共和国行政处罚法》第七十四条" in exc.value.message
    assert exc.value.details["basis"] == "《中华人民共和国行政处罚法》第七十四条"
    assert RuleVersion.objects.filter(key=KEY).count() == before  # nothing written


def test_a_registered_formula_reading_a_fine_is_refused(tree, users, monkeypatch):
    """The check reads the formula's declared inputs, not only the rule's words: a computation over the decisions'
    fine amounts (review.Determination.fine_amount) cannot be named by any indicator."""
    sneaky = indicators.Formula("decision_weight", "决定的分量", "count", "review.determination",
                                ("review.Determination.fine_amount",), lambda ids, period: {})
    monkeypatch.setitem(indicators.REGISTRY, sneaky.name, sneaky)
    with pytest.raises(ZhifaError) as exc:
        _write(users.su, _with(name="决定分量", formula="decision_weight"), jurisdiction=tree.city_a)
    assert exc.value.code == "assessment_indicator_fine_forbidden" and "第七十四条" in exc.value.message


def test_the_rules_api_refuses_it_too(tree, users, client):
    client.force_login(users.su)
    r = client.post("/api/rules/versions", {"jurisdiction": tree.city_a.code, "key": KEY,
                                            "value": _with(name="罚没收入"), "effective_from": "2026-01-01",
                                            "source": "本市考评办法"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "assessment_indicator_fine_forbidden"
    assert "第七十四条" in r.json()["message"]


def test_an_unknown_formula_is_refused(tree, users):
    with pytest.raises(ZhifaError) as exc:
        _write(users.su, _with(formula="mystery"), jurisdiction=tree.city_a)
    assert exc.value.code == "assessment_indicator_formula_unknown"


@pytest.mark.parametrize("mutate,words", [
    (lambda t: t["indicators"][0].update(weight=20), "分值之和"),
    (lambda t: t["indicators"][0].update(scoring={"method": "linear", "zero_at": 1, "full_at": 1}), "zero_at"),
    (lambda t: t["indicators"][0].update(scoring={"method": "guess"}), "计分方法"),
    (lambda t: t["indicators"].append(dict(t["indicators"][0])), "重复"),
    (lambda t: t.update(qualitative={"min": 5, "max": 10}), "qualitative"),
    (lambda t: t.update(indicators=[]), "非空"),
])
def test_a_malformed_table_is_refused_with_what_is_wrong(tree, users, mutate, words):
    table = baseline()
    mutate(table)
    with pytest.raises(ZhifaError) as exc:
        _write(users.su, table, jurisdiction=tree.city_a)
    assert exc.value.code == "rule_invalid" and words in exc.value.message


def test_a_jurisdictions_own_table_is_written_and_read(tree, users):
    table = baseline()
    table["indicators"][0]["weight"], table["indicators"][1]["weight"] = 20, 10
    _write(users.su, table, jurisdiction=tree.city_a)
    assert rule_get(KEY, jurisdiction=tree.a1, as_of=dt.date(2026, 12, 31)).value == table
    assert rule_get(KEY, jurisdiction=tree.b1, as_of=dt.date(2026, 12, 31)).value == baseline()
