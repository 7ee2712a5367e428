"""Each model's thresholds are inherited on their own (review #9; SUP-04): a jurisdiction's version of
`supervision.models` holds the models it sets; for each model the nearest jurisdiction that sets it wins, then the
model's defaults. Setting one model at a county leaves the others following the city."""

import datetime as dt

import pytest

from zhifa.rules.models import RuleVersion
from zhifa.rules.selectors import rules_effective
from zhifa.rules.services import rule_entry_set, rule_version_create
from zhifa.supervision import selectors, services
from zhifa.supervision.registry import Hit, Level
from zhifa.supervision.services import RULE_KEY, run_models
from zhifa.supervision.tests.sup_world import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
DAY = dt.date(2026, 6, 1)


def set_at(node, value, on):
    """A version written as any path writes one (the rules page, a shipped rule set, an older model_configure)."""
    return rule_version_create(key=RULE_KEY, value=value, effective_from=on, source="测试通知", jurisdiction=node,
                               actor=None)


def params_in_force(planted, agency, on=DAY):
    run_models(on, codes=[planted.code])
    return planted.contexts[-1].params(agency.pk)


@pytest.fixture
def hit_in_a1(desk, planted):
    case = make_case(desk)
    planted.hits = [Hit(agency_id=case.agency_id, case_id=case.pk, level=Level.WARNING, detail="x")]
    return case


def test_a_model_the_county_does_not_set_follows_the_city(hit_in_a1, tree, planted, planted_agency):
    """The city sets M98's days; the county switches off only M97: the county's agency runs M98 with the city's
    days, and M97 off (before: the county's version was the whole value, and M98 fell back to its defaults)."""
    set_at(tree.city_a, {"M98": {"days": 45}}, DAY - dt.timedelta(days=10))
    set_at(tree.a1, {"M97": {"enabled": False}}, DAY - dt.timedelta(days=5))
    assert params_in_force(planted, tree.agency_a1) == {"days": 45, "ratio": 0.5, "strict": False, "enabled": True}
    states = {s["code"]: s for s in selectors.model_states(jurisdiction=tree.a1, on=DAY)}
    assert (states["M98"]["params"]["days"], states["M98"]["inherited_from"]) == (45, tree.city_a)
    assert (states["M97"]["enabled"], states["M97"]["inherited_from"]) == (False, tree.a1)
    assert states["M23"]["inherited_from"] is None and states["M23"]["set_here"]  # the national baseline's
    assert not states["M01"]["set_here"] and states["M01"]["source"] == ""  # nobody sets it: its defaults


def test_the_nearest_setting_of_each_model_wins_then_the_defaults(hit_in_a1, tree, planted):
    """A model's entry is taken whole from the nearest node that sets the model: what it leaves out is the default,
    not the city's value (a county's threshold set is read as the county set it)."""
    set_at(tree.city_a, {"M98": {"days": 45, "strict": True}}, DAY - dt.timedelta(days=10))
    set_at(tree.a1, {"M98": {"days": 20}}, DAY - dt.timedelta(days=5))
    assert params_in_force(planted, tree.agency_a1) == {"days": 20, "ratio": 0.5, "strict": False, "enabled": True}
    assert params_in_force(planted, tree.agency_a2)["strict"] is True


def test_versions_stored_whole_keep_their_meaning(hit_in_a1, tree, planted):
    """A version written before, carrying every model it inherited, reads as it did: each model it names is set
    there (a later change at the city does not reach those models, as before); models it does not name follow the
    city."""
    set_at(tree.city_a, {"M98": {"days": 45}}, DAY - dt.timedelta(days=10))
    set_at(tree.a1, {"M98": {"days": 45}, "M23": {"enabled": True}, "M01": {"enabled": False}},
           DAY - dt.timedelta(days=5))
    set_at(tree.city_a, {"M98": {"days": 60}, "M03": {"enabled": False}}, DAY - dt.timedelta(days=1))
    value = rules_effective(jurisdiction=tree.a1, as_of=DAY, keys=[RULE_KEY])[RULE_KEY].value
    assert value["M98"] == {"days": 45} and value["M01"] == {"enabled": False} and value["M03"] == {"enabled": False}
    assert params_in_force(planted, tree.agency_a1)["days"] == 45


def test_setting_one_entry_writes_only_what_the_node_sets(tree, users):
    """rules.services.rule_entry_set: the node's own entries with one replaced — never what it inherits — and
    None takes an entry out so that the node inherits it again."""
    set_at(tree.city_a, {"M98": {"days": 45}}, DAY - dt.timedelta(days=10))
    version = rule_entry_set(key=RULE_KEY, name="M97", entry={"enabled": False}, effective_from=DAY, source="通知",
                             jurisdiction=tree.a1, actor=users.county_a1_supervisor)
    assert version.value == {"M97": {"enabled": False}}
    version = rule_entry_set(key=RULE_KEY, name="M98", entry={"enabled": True, "days": 10}, effective_from=DAY,
                             source="通知", jurisdiction=tree.a1, actor=users.county_a1_supervisor)
    assert version.value == {"M97": {"enabled": False}, "M98": {"enabled": True, "days": 10}}
    assert RuleVersion.objects.get(pk=version.supersedes_id).value == {"M97": {"enabled": False}}
    version = rule_entry_set(key=RULE_KEY, name="M98", entry=None, effective_from=DAY, source="恢复沿用上级设定",
                             jurisdiction=tree.a1, actor=users.county_a1_supervisor)
    assert version.value == {"M97": {"enabled": False}}
    with pytest.raises(KeyError):
        rule_entry_set(key="review.time_limit", name="days", entry=5, effective_from=DAY, source="x",
                       jurisdiction=tree.a1, actor=None)


def test_configuring_one_model_leaves_the_others_inherited(hit_in_a1, tree, users, planted, planted_agency):
    """The models page sets M97 at the county: the county's version holds M97 alone, so a later change of M98 at the
    city reaches the county (before: the county's version copied the city's M98 and froze it there)."""
    set_at(tree.city_a, {"M98": {"days": 45}}, DAY - dt.timedelta(days=10))
    version = services.model_configure(actor=users.county_a1_supervisor, jurisdiction=tree.a1, code="M97",
                                       enabled=False, params={}, effective_from=DAY - dt.timedelta(days=5),
                                       source="某县司法局通知")
    assert version.value == {"M97": {"enabled": False}}
    set_at(tree.city_a, {"M98": {"days": 60}}, DAY - dt.timedelta(days=1))
    assert params_in_force(planted, tree.agency_a1)["days"] == 60


def test_a_fraction_in_the_rule_is_logged_as_its_decimal_text(tree):
    """The log's canonical JSON refuses floats, and a model's warning ratio is one (0.8): the version keeps the
    number, the log its text (before, every write of a ratio failed)."""
    from zhifa.ledger.models import Entry

    version = set_at(tree.city_a, {"M98": {"ratio": 0.75}}, DAY)
    assert RuleVersion.objects.get(pk=version.pk).value == {"M98": {"ratio": 0.75}}
    assert '"ratio":"0.75"' in Entry.objects.filter(kind="rules.version_set").latest("id").payload


def test_the_models_page_can_set_a_warning_ratio(tree, users):
    """The model's page posts every parameter, the ratio 0.8 among them: the write must not fail in the log."""
    version = services.model_configure(actor=users.city_a_supervisor, jurisdiction=tree.city_a, code="M01",
                                       enabled=True, params={"days": 60, "warning_ratio": 0.75},
                                       effective_from=DAY, source="某市司法局通知")
    assert version.value["M01"] == {"enabled": True, "days": 60, "warning_ratio": 0.75}


def test_an_entry_is_refused_where_a_later_version_of_the_node_is_scheduled(tree, users):
    """A version the node has already scheduled for a later day would take effect without the entry: refused with
    a message, not silently lost when that day comes (review M8)."""
    from zhifa.core.errors import ZhifaError

    set_at(tree.a1, {"M97": {"enabled": False}}, DAY + dt.timedelta(days=30))
    with pytest.raises(ZhifaError) as refused:
        rule_entry_set(key=RULE_KEY, name="M98", entry={"days": 10}, effective_from=DAY, source="通知",
                       jurisdiction=tree.a1, actor=users.county_a1_supervisor)
    assert refused.value.code == "rule_later_version"
    # On or after that day it is the node's latest version, and the entry joins it.
    version = rule_entry_set(key=RULE_KEY, name="M98", entry={"days": 10}, effective_from=DAY + dt.timedelta(days=30),
                             source="通知", jurisdiction=tree.a1, actor=users.county_a1_supervisor)
    assert version.value == {"M97": {"enabled": False}, "M98": {"days": 10}}


@pytest.mark.django_db(transaction=True)
def test_two_entries_set_at_once_at_a_node_without_a_version_both_stay(tree, users):
    """The first entries at a node that has no version yet, set by two requests at once: each waits for the other's
    commit and builds on it, so neither entry is lost (review M8: both had read {} and the later version won)."""
    import threading

    from django.db import connection

    errors, barrier = [], threading.Barrier(2)

    def set_entry(name):
        try:
            barrier.wait()
            rule_entry_set(key=RULE_KEY, name=name, entry={"enabled": False}, effective_from=DAY, source="通知",
                           jurisdiction=tree.a1, actor=users.county_a1_supervisor)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=set_entry, args=(name,)) for name in ("M97", "M98")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    in_force = (RuleVersion.objects.filter(jurisdiction=tree.a1, key=RULE_KEY, superseded_by__isnull=True)
                .order_by("-id").first())
    assert set(in_force.value) == {"M97", "M98"}
