"""An evaluation world on the shared tree: 甲市司法局 (city A) evaluates the market agencies of counties A1 and A2,
with archived penalty cases; its evaluators are two city supervisors and a pooled public lawyer; one more pooled
lawyer works at A1 (so never evaluates A1's files). The machine's pre-scores are a fixed fake (`machine`), so that the
workflow's tests do not depend on the record checks (those are test_prescore*'s)."""

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from zhifa.cases.models import Case, Stage, StageChange
from zhifa.core.permissions import Role
from zhifa.evaluation import prescore
from zhifa.org.tests.factories import (
    AdviserFactory,
    AgencyFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
    grant,
)

_numbers = itertools.count(1)


@pytest.fixture
def machine(monkeypatch):
    """The machine decides every check it is asked, passed, unless `fail` names the check (then one error)."""
    state = SimpleNamespace(fail=set(), calls=0)

    def fake(case_ids, codes, **kw):
        state.calls += 1
        return {c: {code: prescore.Outcome(passed=code not in state.fail, errors=int(code in state.fail),
                                           evidence=(f"系统核查（{code}）：{'不符合' if code in state.fail else '符合'}",),
                                           refs=(("case", c),)) for code in codes} for c in case_ids}

    monkeypatch.setattr(prescore, "prescore", fake)
    return state


@pytest.fixture
def ew(tree, users, machine):
    bureau = AgencyFactory(name="甲市司法局", jurisdiction=tree.city_a, is_justice_bureau=True, abbreviation="甲司",
                           field="justice")
    sup2 = grant(UserFactory(username="sup_a_2"), Role.SUPERVISOR, jurisdiction=tree.city_a)
    PersonFactory(name="评查员二", agency=bureau, user=sup2)
    lawyer = UserFactory(username="lawyer")
    AdviserFactory(name="公职律师甲", person=PersonFactory(name="公职律师甲", agency=bureau, user=lawyer),
                   pool_jurisdiction=tree.city_a)
    lawyer_a1 = UserFactory(username="lawyer_a1")
    AdviserFactory(name="公职律师乙", person=PersonFactory(name="公职律师乙", agency=tree.agency_a1, user=lawyer_a1),
                   pool_jurisdiction=tree.city_a, home_agency=tree.agency_a1)
    head_a2 = grant(UserFactory(username="head_a2"), Role.AGENCY_HEAD, agency=tree.agency_a2)
    units = {a.pk: UnitFactory(agency=a) for a in (tree.agency_a1, tree.agency_a2, tree.agency_b1)}
    return SimpleNamespace(tree=tree, users=users, bureau=bureau, sup=users.city_a_supervisor, sup2=sup2,
                           sup_r=users.region_supervisor, sup_a1=users.county_a1_supervisor, lawyer=lawyer,
                           lawyer_a1=lawyer_a1, head=users.head_a1, head_a2=head_a2, officer=users.officer_a1,
                           nobody=users.nobody, units=units, machine=machine)


def archived_case(ew, agency, *, days_ago=10, action_type="penalty"):
    case = Case.objects.create(agency=agency, handling_unit=ew.units[agency.pk], number=f"E-{next(_numbers):05d}",
                               title="测试案件", action_type=action_type, procedure="ordinary", place=agency.jurisdiction,
                               legal_basis="《行政处罚法》", opened_by=ew.officer, stage=Stage.ARCHIVE)
    with time_machine.travel(timezone.now() - dt.timedelta(days=days_ago), tick=False):
        StageChange.objects.create(case=case, from_stage=Stage.SERVICE_ENFORCEMENT, to_stage=Stage.ARCHIVE,
                                   actor=ew.officer)
    return case


def archived(ew, agency, n, **kw):
    return [archived_case(ew, agency, **kw) for _ in range(n)]


def create(ew, *, actor=None, organiser=None, agencies=None, sample_size=2, evaluators=None, **extra):
    from zhifa.evaluation import services

    today = timezone.localdate()
    fields = {"title": "2026年行政处罚案卷评查", "basis": "《行政处罚法》第七十五条。", "action_types": ["penalty"],
              "period_from": today - dt.timedelta(days=60), "period_to": today}
    fields.update(extra)
    if "sample_ratio" in fields:
        sample_size = None
    return services.campaign_create(
        actor=actor or ew.sup, organiser=organiser or ew.bureau,
        agency_ids=[a.pk for a in (agencies or [ew.tree.agency_a1, ew.tree.agency_a2])], sample_size=sample_size,
        evaluators=[ew.sup, ew.sup2, ew.lawyer] if evaluators is None else evaluators, **fields)


def drawn(ew, **kw):
    """3 archived files in A1 and 3 in A2, 2 drawn from each."""
    from zhifa.evaluation import services

    archived(ew, ew.tree.agency_a1, 3)
    archived(ew, ew.tree.agency_a2, 3)
    return services.campaign_draw(campaign=create(ew, **kw), actor=ew.sup)


def person_items(campaign, action_type="penalty"):
    from zhifa.evaluation.services import standard_of

    return [it.code for it in standard_of(campaign, action_type).items if not it.check]


def all_pass(campaign, **extra):
    """Marks passing every item only a person can judge (the machine's are confirmed by leaving them out)."""
    marks = [{"item": c, "passed": True} for c in person_items(campaign)]
    by = {m["item"]: m for m in marks}
    for m in extra.get("also", []):
        by[m["item"]] = m
    return list(by.values())


def double_standard(ew):
    """City A's own penalty standard: the national one with two evaluators per file (a rule version, as a bureau would
    set it), in force from yesterday."""
    from zhifa.evaluation import standards
    from zhifa.rules.services import rule_entry_set

    on = timezone.localdate() - dt.timedelta(days=1)
    value = standards.standard_to_value(standards.standard_for(ew.tree.city_a, "penalty", on))
    rule_entry_set(key=standards.RULE_KEY, name="penalty", entry=value | {"double": True}, effective_from=on,
                   source="甲市案卷评查办法（每件案卷两名评查人员）", jurisdiction=ew.tree.city_a, actor=ew.users.su)
