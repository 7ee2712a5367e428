"""Case-file evaluation standards as versioned data, and the arithmetic of a score (issue 21 §1; SUP-06)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.core.errors import ZhifaError
from zhifa.evaluation import prescore, standards
from zhifa.evaluation.standards import Grade, Item, ItemScore, Section, Standard, Veto, standard_for, total
from zhifa.rules import catalogue
from zhifa.rules.services import rule_entry_set, rule_version_create, ruleset_read

pytestmark = pytest.mark.req("SUP-06")
ON = dt.date(2026, 6, 1)


def small(veto=Veto.ZERO, *, excellent=90, passed=60) -> Standard:
    return Standard(action_type="penalty", title="测试标准", veto=veto, grades={"excellent": excellent, "pass": passed},
                    double=False, items=(
                        Item("B01", Section.BASIC, "执法主体合法"),
                        Item("B02", Section.BASIC, "执法人员不少于两人", check="two_officers"),
                        Item("F01", Section.FORM, "文书填写规范", points=4, deduct=1),
                        Item("F02", Section.FORM, "一案一卷", points=16),
                        Item("C01", Section.CONTENT, "调查取证合法", points=30, deduct=10),
                        Item("C02", Section.CONTENT, "按期公示", points=50)))


def ok(*codes):
    return {c: ItemScore(c, True) for c in codes}


ALL = ("B01", "B02", "F01", "F02", "C01", "C02")


# --- total(): veto semantics, deductions, grades ---------------------------------------------------------------------

def test_a_clean_file_scores_every_point_and_is_excellent():
    result = total(small(), ok(*ALL))
    assert (result.score, result.grade, result.vetoed_by, result.deductions, result.complete) == (
        100, Grade.EXCELLENT, (), (), True)


def test_veto_zero_a_failed_basic_item_makes_the_file_fail_with_zero():
    """Veto "zero" (测绘地理信息; Zhejiang's 扣100分): any failed basic item → 不合格, score 0."""
    scores = ok(*ALL) | {"B02": ItemScore("B02", False)}
    result = total(small(Veto.ZERO), scores)
    assert (result.score, result.grade, result.vetoed_by) == (0, Grade.FAIL, ("B02",))


def test_veto_bar_excellent_a_failed_basic_item_only_bars_excellent():
    """Veto "bar_excellent" (generic 评分细则): full points, but the grade is at most 合格."""
    scores = ok(*ALL) | {"B01": ItemScore("B01", False)}
    result = total(small(Veto.BAR_EXCELLENT), scores)
    assert (result.score, result.grade, result.vetoed_by) == (100, Grade.PASS, ("B01",))
    # Below the pass mark the file fails as it would without the veto.
    low = scores | {"C02": ItemScore("C02", False)}
    assert total(small(Veto.BAR_EXCELLENT), low).grade == Grade.FAIL


def test_deductions_per_error_stop_at_the_items_points():
    """F01: 4 points, −1 per error: six errors take 4, not 6 (扣完为止)."""
    result = total(small(), ok(*ALL) | {"F01": ItemScore("F01", False, errors=6)})
    assert result.score == 96 and result.deductions == (("F01", 4.0),)
    two = total(small(), ok(*ALL) | {"F01": ItemScore("F01", False, errors=2)})
    assert two.score == 98 and two.deductions == (("F01", 2.0),)


def test_an_item_without_a_deduction_per_error_loses_its_points():
    result = total(small(), ok(*ALL) | {"C02": ItemScore("C02", False, errors=3)})
    assert result.score == 50 and result.deductions == (("C02", 50.0),) and result.grade == Grade.FAIL


def test_a_failed_item_with_no_errors_counted_counts_one():
    assert total(small(), ok(*ALL) | {"C01": ItemScore("C01", False, errors=0)}).score == 90


def test_every_item_failing_scores_zero_never_below():
    scores = {c: ItemScore(c, c.startswith("B"), errors=99) for c in ALL}
    result = total(small(), scores)
    assert result.score == 0 and result.grade == Grade.FAIL
    assert dict(result.deductions) == {"F01": 4, "F02": 16, "C01": 30, "C02": 50}


def test_an_unscored_item_leaves_the_result_provisional():
    result = total(small(), ok("B01", "F01", "F02", "C01", "C02"))
    assert not result.complete and result.score == 100


def test_grade_thresholds_are_data():
    scores = ok(*ALL) | {"C01": ItemScore("C01", False, errors=1)}  # 90
    assert total(small(excellent=90), scores).grade == Grade.EXCELLENT
    assert total(small(excellent=95), scores).grade == Grade.PASS
    assert total(small(excellent=95, passed=91), scores).grade == Grade.FAIL


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=50)), min_size=6, max_size=6),
       st.sampled_from([Veto.ZERO, Veto.BAR_EXCELLENT]))
def test_score_arithmetic(outcomes, veto):
    """For any outcomes: 0 ≤ score ≤ 100; each deduction within its item's points; the score is 100 less them
    (or 0 under veto "zero" when a basic item failed); an excellent file has no failed basic item."""
    std = small(veto)
    scores = {code: ItemScore(code, passed, errors) for code, (passed, errors) in zip(ALL, outcomes, strict=True)}
    result = total(std, scores)
    assert 0 <= result.score <= 100
    for code, off in result.deductions:
        assert 0 < off <= std.item(code).points
    vetoed = any(not scores[c].passed for c in ("B01", "B02"))
    expected = 0 if (vetoed and veto == Veto.ZERO) else 100 - sum(off for _, off in result.deductions)
    assert result.score == expected
    if vetoed:
        assert result.grade != Grade.EXCELLENT


# --- the shipped baseline and the rule ---------------------------------------------------------------------------------

def test_the_national_baseline_ships_penalty_licence_coercion_and_a_default():
    value = ruleset_read("national")["rules"]["evaluation.standards"]["value"]
    assert {"penalty", "licence", "coercion", "*"} <= set(value)
    catalogue.validate("evaluation.standards", value)
    penalty = standards.standard_from_value("penalty", value["penalty"])
    basic = [it.text for it in penalty.items if it.section == Section.BASIC]
    assert len(basic) == 9 and any("两人" in t for t in basic) and any("移送" in t for t in basic)
    assert sum(it.points for it in penalty.items if it.section == Section.FORM) == 20
    assert sum(it.points for it in penalty.items if it.section == Section.CONTENT) == 80
    assert penalty.veto == Veto.ZERO and standards.standard_from_value("*", value["*"]).veto == Veto.BAR_EXCELLENT
    # Every machine check a standard names exists.
    assert {it.check for s in value.values() for it in standards.standard_from_value("x", s).items if it.check} <= set(
        prescore.CHECKS)


def test_round_trip_of_a_standard_to_its_rule_entry():
    value = ruleset_read("national")["rules"]["evaluation.standards"]["value"]["penalty"]
    std = standards.standard_from_value("penalty", value)
    assert standards.standard_from_value("penalty", standards.standard_to_value(std)) == std


@pytest.mark.django_db
def test_standard_for_takes_the_action_types_own_then_the_default(tree):
    penalty = standard_for(tree.a1, "penalty", ON)
    assert penalty.title == "行政处罚案卷评查标准" and penalty.rule_version_id and penalty.jurisdiction_id is None
    inspection = standard_for(tree.a1, "inspection", ON)
    assert inspection.action_type == "inspection" and inspection.veto == Veto.BAR_EXCELLENT


@pytest.mark.django_db
def test_a_jurisdictions_own_entry_wins_for_its_subtree_only(tree, users):
    own = standards.standard_to_value(standard_for(None, "penalty", ON)) | {"title": "甲市行政处罚案卷评查标准",
                                                                            "veto": "bar_excellent"}
    rule_entry_set(key="evaluation.standards", name="penalty", entry=own, effective_from=ON, source="甲市评查办法",
                   jurisdiction=tree.city_a, actor=users.su)
    assert standard_for(tree.a1, "penalty", ON).title == "甲市行政处罚案卷评查标准"
    assert standard_for(tree.a1, "penalty", ON).jurisdiction_id == tree.city_a.pk
    assert standard_for(tree.b1, "penalty", ON).title == "行政处罚案卷评查标准"
    # The other entries still follow the national baseline; the day before, the baseline too.
    assert standard_for(tree.a1, "licence", ON).title == "行政许可案卷评查标准"
    assert standard_for(tree.a1, "penalty", ON - dt.timedelta(days=1)).title == "行政处罚案卷评查标准"


@pytest.mark.django_db
def test_a_score_names_its_version_and_reads_it_back_after_a_change(tree, users):
    before = standard_for(tree.a1, "penalty", ON)
    changed = standards.standard_to_value(before) | {"title": "新版"}
    rule_entry_set(key="evaluation.standards", name="penalty", entry=changed, effective_from=ON, source="新版",
                   jurisdiction=tree.a1, actor=users.su)
    assert standard_for(tree.a1, "penalty", ON).title == "新版"
    assert standards.standard_of_version(before.rule_version_id, "penalty") == before


@pytest.mark.django_db
def test_no_standard_is_a_clear_error(tree, users):
    rule_version_create(key="evaluation.standards", value={}, effective_from=ON, source="清空",
                        jurisdiction=tree.a1, actor=users.su)
    # Entries inherit one by one: an empty node's version leaves the baseline's in force.
    assert standard_for(tree.a1, "penalty", ON).title == "行政处罚案卷评查标准"


def _value(**over):
    base = standards.standard_to_value(small())
    return {"penalty": base | over}


@pytest.mark.parametrize("bad,words", [
    (_value(veto="half"), "否决方式"),
    (_value(grades={"excellent": 50, "pass": 60}), "分数线"),
    (_value(grades={"excellent": 90}), "分数线"),
    (_value(total=90), "合计 100 分"),
    ({"penalty": standards.standard_to_value(small()) | {"items": [
        {"code": "B01", "section": "basic", "text": "a"}, {"code": "B01", "section": "form", "text": "b", "points": 100}]}},
     "重复"),
    ({"penalty": standards.standard_to_value(small()) | {"items": [
        {"code": "B01", "section": "basic", "text": "a", "points": 5},
        {"code": "F01", "section": "form", "text": "b", "points": 100}]}}, "不设分值"),
    ({"penalty": standards.standard_to_value(small()) | {"items": [
        {"code": "F01", "section": "form", "text": "b", "points": 100, "deduct": 101}]}}, "每处扣分"),
    ({"fines": standards.standard_to_value(small())}, "只能按"),
])
def test_the_rule_refuses_a_malformed_standard(bad, words):
    with pytest.raises(catalogue.RuleValueError, match=words):
        catalogue.validate("evaluation.standards", bad)


def test_a_stated_total_other_than_100_is_accepted():
    value = standards.standard_to_value(small()) | {"total": 100}
    catalogue.validate("evaluation.standards", {"penalty": value})
    items = [{"code": "F01", "section": "form", "text": "b", "points": 50}]
    catalogue.validate("evaluation.standards", {"penalty": value | {"items": items, "total": 50,
                                                                   "grades": {"excellent": 45, "pass": 30}}})


def test_a_machine_check_that_does_not_exist_is_refused():
    value = standards.standard_to_value(small())
    value["items"][1]["check"] = "telepathy"
    with pytest.raises(catalogue.RuleValueError, match="telepathy"):
        catalogue.validate("evaluation.standards", {"penalty": value})


@pytest.mark.django_db
def test_a_malformed_standard_is_refused_on_the_rules_service(tree, users):
    with pytest.raises(ZhifaError, match="否决方式"):
        rule_entry_set(key="evaluation.standards", name="penalty", entry=_value(veto="x")["penalty"],
                       effective_from=ON, source="x", jurisdiction=tree.a1, actor=users.su)


def test_the_rules_page_reads_the_standards_as_sentences():
    value = ruleset_read("national")["rules"]["evaluation.standards"]["value"]
    text = catalogue.TEXT["evaluation.standards"](value)
    assert "行政处罚：《行政处罚案卷评查标准》" in text and "形式 20 分、内容 80 分" in text and "不得评为优秀" in text


# --- one check per item; the documents a file must hold as data (review findings 7 and 8) -----------------------------

def test_no_two_items_of_a_shipped_standard_share_a_machine_check():
    """One defect is deducted once: F03 (封存归档) and F05 (卷内目录和页码) no longer both read casefile_sealed."""
    value = ruleset_read("national")["rules"]["evaluation.standards"]["value"]
    for name, entry in value.items():
        checks = [it["check"] for it in entry["items"] if it["check"]]
        assert len(checks) == len(set(checks)), name


def test_items_decided_by_a_check_name_only_what_it_reads():
    """F08 is the seal (M24 reads the seal only): 文号、签名、日期 are F10, for a person; C12 is 罚缴分离 (M19): 执行到位
    is C14, for a person. Codes are kept, points unchanged in sum."""
    value = ruleset_read("national")["rules"]["evaluation.standards"]["value"]
    for name, entry in value.items():
        s = standards.standard_from_value(name, entry)
        f08, f10 = s.item("F08"), s.item("F10")
        assert f08.check == "sealed_by_agency" and "印章" in f08.text
        assert not any(word in f08.text for word in ("文号", "签名", "日期"))
        assert f10.check is None and all(word in f10.text for word in ("文号", "签名", "日期"))
        assert f08.points + f10.points == 3
        assert s.item("F05").check == "casefile_paged" and s.item("F03").check == "casefile_sealed"
    penalty = standards.standard_from_value("penalty", value["penalty"])
    c12, c14 = penalty.item("C12"), penalty.item("C14")
    assert c12.check == "fine_collection" and "执行到位" not in c12.text
    assert c14.check is None and "执行到位" in c14.text and c12.points + c14.points == 4


def test_the_shipped_standards_list_the_documents_by_procedure_and_decision():
    value = ruleset_read("national")["rules"]["evaluation.standards"]["value"]
    penalty = standards.standard_from_value("penalty", value["penalty"]).item("F09")
    assert {(f.procedure, f.outcome) for f in penalty.forms} == {("ordinary", "penalty_decision"),
                                                                 ("simplified", "penalty_decision")}
    for name, entry in value.items():
        item = next(it for it in standards.standard_from_value(name, entry).items if it.check == "documents_present")
        assert item.forms and all(f.outcome in f.required for f in item.forms)


def _with_forms(forms):
    std = small()
    items = list(standards.standard_to_value(std)["items"])
    items[2] = items[2] | {"check": "documents_present", **({"forms": forms} if forms is not None else {})}
    return {"penalty": standards.standard_to_value(std) | {"items": items}}


@pytest.mark.parametrize("forms,words", [
    (None, "应列明应有文书"),
    ([], "应列明应有文书"),
    ([{"required": ["no_such_form"]}], "no_such_form"),
    ([{"procedure": "summary", "required": ["penalty_decision"]}], "程序"),
    ([{"outcome": "penalty_decision", "required": ["service_receipt"]}], "结案文书"),
    ([{"required": []}], "非空列表"),
    ([{"required": ["penalty_decision", "penalty_decision"]}], "不重复"),
    ([{"required": ["penalty_decision"], "when": "x"}], "未知字段"),
    ("penalty_decision", "应为列表"),
])
def test_the_rule_refuses_malformed_required_documents(forms, words):
    with pytest.raises(catalogue.RuleValueError, match=words):
        catalogue.validate("evaluation.standards", _with_forms(forms))


def test_well_formed_required_documents_are_accepted_and_round_trip():
    value = _with_forms([{"procedure": "ordinary", "outcome": "penalty_decision",
                          "required": ["penalty_decision", "service_receipt"]}])
    catalogue.validate("evaluation.standards", value)
    std = standards.standard_from_value("penalty", value["penalty"])
    assert std.item("F01").forms[0].required == ("penalty_decision", "service_receipt")
    assert standards.standard_to_value(std)["items"][2]["forms"] == value["penalty"]["items"][2]["forms"]


@pytest.mark.django_db
def test_the_rules_migration_brings_an_older_database_to_the_corrected_standards(tree):
    """A database that loaded the first shipped value (0014) gets the corrected one from 0015, as a new version
    superseding it (nothing edited); run again, it changes nothing."""
    import importlib

    from django.apps import apps

    from zhifa.rules.models import RuleVersion

    migration = importlib.import_module("zhifa.rules.migrations.0015_evaluation_standards_one_check_per_item")
    data = ruleset_read("national")
    current = RuleVersion.objects.get(jurisdiction=None, key="evaluation.standards", superseded_by__isnull=True)
    old = {name: entry | {"items": [it for it in entry["items"] if it["code"] not in ("F10", "C14")]}
           for name, entry in current.value.items()}
    stale = RuleVersion.objects.create(jurisdiction=None, key="evaluation.standards", value=old,
                                       effective_from=current.effective_from, source=current.source,
                                       ruleset=current.ruleset, supersedes=current)
    migration.supersede(apps, None)
    now = RuleVersion.objects.get(jurisdiction=None, key="evaluation.standards", superseded_by__isnull=True)
    assert now.supersedes_id == stale.pk and now.value == data["rules"]["evaluation.standards"]["value"]
    assert standard_for(tree.a1, "penalty", ON).item("F10").check is None
    migration.supersede(apps, None)
    assert RuleVersion.objects.filter(key="evaluation.standards").count() == 3


def test_an_items_required_documents_survive_the_campaigns_pinned_copy():
    """A campaign pins its standard as JSON (dataclasses.asdict) and reads it back with Item(**row)."""
    import dataclasses
    import json

    value = ruleset_read("national")["rules"]["evaluation.standards"]["value"]
    std = standards.standard_from_value("penalty", value["penalty"])
    rows = json.loads(json.dumps(dataclasses.asdict(std)))["items"]
    assert tuple(standards.Item(**row) for row in rows) == std.items
