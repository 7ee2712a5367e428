"""Case-file evaluation campaigns: the draw, evaluators, scoring, reconciliation, results and rectification (SUP-06)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.core.errors import PermissionDeniedError, WrongStateError, ZhifaError
from zhifa.core.models import SecurityEvent
from zhifa.core.sampling import per_agency_count, pick, population_digest
from zhifa.evaluation import selectors, services
from zhifa.evaluation.models import (
    Assigned,
    EvalFile,
    EvalPopulation,
    EvalStep,
    FileResult,
    MachineScore,
    Mark,
    Rectification,
    State,
    Verdict,
)
from zhifa.ledger.models import Entry

from .conftest import all_pass, archived, create, double_standard, drawn, person_items

pytestmark = pytest.mark.req("SUP-06")


def _denied(fn, *args, **kw):
    before = SecurityEvent.objects.count()
    with pytest.raises(PermissionDeniedError):
        fn(*args, **kw)
    assert SecurityEvent.objects.count() == before + 1  # the denial is logged


# --- the draw -----------------------------------------------------------------------------------------------------

def test_the_draw_fixes_and_commits_the_population_before_the_seed_and_replays(ew):
    c = drawn(ew)
    assert c.state == State.SCORING
    population = EvalPopulation.objects.get(campaign=c)
    assert population.size == 6 and population.digest == population_digest(population.cases)
    draw_step = EvalStep.objects.get(campaign=c, action="draw")
    # The population's ledger entry comes before the draw's (which holds the seed).
    assert population.entry_id < draw_step.entry_id
    assert Entry.objects.get(pk=population.entry_id).kind == "evaluation.population_fixed"
    files = {f.agency_id: [] for f in EvalFile.objects.filter(campaign=c)}
    for f in EvalFile.objects.filter(campaign=c).order_by("agency_id", "order"):
        files[f.agency_id].append(f.case_id)
    assert services.replay(c) == files
    assert all(len(v) == 2 for v in files.values())
    # The machine's pre-scores are stored per item with their evidence.
    assert MachineScore.objects.filter(file__campaign=c).exists()
    assert all(m.evidence for m in MachineScore.objects.filter(file__campaign=c))


def test_only_archived_files_of_the_period_are_drawn(ew):
    from zhifa.cases.models import Case

    archived(ew, ew.tree.agency_a1, 1, days_ago=200)  # archived before the period
    Case.objects.create(agency=ew.tree.agency_a1, handling_unit=ew.units[ew.tree.agency_a1.pk], number="OPEN-1",
                        title="未归档", action_type="penalty", procedure="ordinary", place=ew.tree.a1,
                        legal_basis="x", opened_by=ew.officer)
    c = create(ew)
    with pytest.raises(ZhifaError) as exc:
        services.campaign_draw(campaign=c, actor=ew.sup)
    assert exc.value.code == "evaluation_population_empty"


def test_a_ratio_draws_ceil_and_at_least_one(ew):
    archived(ew, ew.tree.agency_a1, 5)
    archived(ew, ew.tree.agency_a2, 1)
    c = services.campaign_draw(campaign=create(ew, sample_ratio="0.3"), actor=ew.sup)
    counts = {a: EvalFile.objects.filter(campaign=c, agency=a).count() for a in (ew.tree.agency_a1, ew.tree.agency_a2)}
    assert counts == {ew.tree.agency_a1: 2, ew.tree.agency_a2: 1}
    assert per_agency_count(10, ratio="0.1") == 1 and per_agency_count(11, ratio="0.1") == 2
    assert per_agency_count(3, size=5) == 3 and per_agency_count(0, size=5) == 0


def test_pick_is_a_pure_function_of_seed_and_population():
    population = [(i, 1 + i % 2) for i in range(1, 21)]
    assert pick(b"x" * 32, population, 3) == pick(b"x" * 32, list(reversed(population)), 3)
    assert pick(b"x" * 32, population, 3) != pick(b"y" * 32, population, 3)


# --- evaluators ---------------------------------------------------------------------------------------------------

def test_evaluators_are_the_bureaus_supervisors_and_pooled_advisers(ew):
    c = create(ew, evaluators=[ew.sup, ew.sup_r, ew.lawyer])
    assert {e.user_id: e.source for e in c.evaluators.all()} == {ew.sup.pk: "supervisor", ew.sup_r.pk: "supervisor",
                                                                  ew.lawyer.pk: "adviser"}
    for outsider in (ew.sup_a1, ew.head, ew.nobody):  # a county supervisor does not cover the city's jurisdiction
        with pytest.raises(ZhifaError) as exc:
            create(ew, evaluators=[outsider])
        assert exc.value.code == "evaluation_evaluator_not_eligible"


def test_an_evaluator_from_the_evaluated_agency_is_refused(ew):
    c = drawn(ew, evaluators=[ew.sup, ew.lawyer_a1])
    a1_file = EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a1).first()
    with pytest.raises(ZhifaError) as exc:
        services.assign(campaign=c, actor=ew.sup, pairs=[(a1_file.pk, ew.lawyer_a1.pk)])
    assert exc.value.code == "evaluation_evaluator_from_evaluated_agency"
    assert not Assigned.objects.filter(file=a1_file).exists()  # nothing half-written
    # The automatic assignment never gives A1's files to A1's lawyer.
    services.assign(campaign=c, actor=ew.sup)
    assert not Assigned.objects.filter(file__agency=ew.tree.agency_a1, evaluator=ew.lawyer_a1).exists()
    assert Assigned.objects.filter(file__campaign=c).count() == 4


def test_recusal_with_a_reason_reassigns_the_file(ew):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    mine = Assigned.objects.filter(file__campaign=c, evaluator=ew.sup2).first()
    with pytest.raises(ZhifaError) as exc:
        services.recuse(campaign=c, actor=ew.sup2, file_id=mine.file_id, reason="")
    assert exc.value.code == "evaluation_reason_required"
    new = services.recuse(campaign=c, actor=ew.sup2, file_id=mine.file_id, reason="与当事人有亲属关系，申请回避。")
    assert new is not None and new.evaluator_id != ew.sup2.pk and new.replaces_id == mine.pk
    step = EvalStep.objects.get(campaign=c, action="recuse")
    assert step.note.startswith("与当事人") and step.data["reassigned_to"] == new.evaluator_id
    with pytest.raises(ZhifaError) as exc:  # recused: may not score it any more
        services.score(campaign=c, actor=ew.sup2, file_id=mine.file_id, marks=all_pass(c))
    assert exc.value.code in ("evaluation_not_assigned", "permission_denied")


# --- scoring ------------------------------------------------------------------------------------------------------

def _assigned_file(ew, c, user):
    return Assigned.objects.filter(file__campaign=c, evaluator=user, recusal__isnull=True).first().file


def test_an_evaluator_confirms_machine_items_and_overrides_one_only_with_a_reason(ew):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    f = _assigned_file(ew, c, ew.sup)
    machine_item = MachineScore.objects.filter(file=f, item__startswith="C").first()
    override = {"item": machine_item.item, "passed": False, "errors": 1, "reason": ""}
    with pytest.raises(ZhifaError) as exc:
        services.score(campaign=c, actor=ew.sup, file_id=f.pk, marks=all_pass(c, also=[override]))
    assert exc.value.code == "evaluation_override_reason_required"
    assert not Mark.objects.filter(file=f).exists()  # nothing half-written
    with pytest.raises(ZhifaError) as exc:  # a person-only item missing
        services.score(campaign=c, actor=ew.sup, file_id=f.pk, marks=[])
    assert exc.value.code == "evaluation_marks_incomplete"
    override["reason"] = "案卷中音像记录缺失关键环节。"
    verdict = services.score(campaign=c, actor=ew.sup, file_id=f.pk, marks=all_pass(c, also=[override]))
    marks = {m.item: m for m in Mark.objects.filter(file=f)}
    assert marks[machine_item.item].source == "overridden" and marks[machine_item.item].reason
    assert {m.source for m in marks.values()} == {"confirmed", "overridden", "person"}
    assert (machine_item.item, verdict.deductions[0][1]) == tuple(verdict.deductions[0])
    # The machine decided the confirmed items' points; the overridden item is not the machine's.
    std = services.standard_of(c, "penalty")
    confirmed = sum(std.item(code).points for code, m in marks.items() if m.source == "confirmed")
    assert verdict.machine_points == confirmed > 0
    result = FileResult.objects.get(file=f)  # one evaluator: the sheet is the result
    assert result.verdict_id == verdict.pk and result.machine_points == confirmed


def test_a_sheet_handed_in_again_supersedes_append_only(ew):
    double_standard(ew)
    c = drawn(ew)
    assert c.standards["penalty"]["double"] is True
    services.assign(campaign=c, actor=ew.sup)
    f = _assigned_file(ew, c, ew.sup)
    code = person_items(c)[0]
    services.score(campaign=c, actor=ew.sup, file_id=f.pk, marks=all_pass(c))
    services.score(campaign=c, actor=ew.sup, file_id=f.pk, marks=all_pass(c, also=[{"item": code, "passed": False}]))
    rows = Mark.objects.filter(file=f, item=code).order_by("id")
    assert len(rows) == 2 and rows[1].supersedes_id == rows[0].pk
    assert Verdict.objects.filter(file=f, scorer=ew.sup).count() == 2
    assert Verdict.objects.filter(file=f, scorer=ew.sup, superseded_by__isnull=True).count() == 1


def test_two_evaluators_score_independently_then_the_lead_reconciles_both_kept(ew):
    double_standard(ew)
    c = drawn(ew, evaluators=[ew.sup2, ew.lawyer])  # the lead (ew.sup, the opener) is neither of the file's pair
    assert c.standards["penalty"]["double"] is True
    services.assign(campaign=c, actor=ew.sup)
    f = EvalFile.objects.filter(campaign=c).first()
    pair = list(Assigned.objects.filter(file=f).order_by("id"))
    assert len(pair) == 2 and len({a.evaluator_id for a in pair}) == 2
    code = person_items(c)[1]
    first, second = pair[0].evaluator, pair[1].evaluator
    services.score(campaign=c, actor=first, file_id=f.pk, marks=all_pass(c))
    assert not FileResult.objects.filter(file=f).exists()  # waiting for the second
    services.score(campaign=c, actor=second, file_id=f.pk,
                   marks=all_pass(c, also=[{"item": code, "passed": False, "errors": 1}]))
    assert not FileResult.objects.filter(file=f).exists()
    assert services.to_reconcile(c) == [f.pk]
    # Only the lead reconciles.
    if ew.sup2.pk != c.lead_id:
        _denied(services.reconcile, campaign=c, actor=ew.sup2, file_id=f.pk, marks=all_pass(c))
    result = services.reconcile(campaign=c, actor=ew.sup, file_id=f.pk, marks=all_pass(c), note="经复核，该项符合。")
    assert result.verdict.phase == "reconciled"
    assert Verdict.objects.filter(file=f, phase="spot").count() == 2  # both evaluators' sheets kept
    with pytest.raises(ZhifaError) as exc:
        services.reconcile(campaign=c, actor=ew.sup, file_id=f.pk, marks=all_pass(c))
    assert exc.value.code == "evaluation_nothing_to_reconcile"


def test_two_agreeing_sheets_decide_the_file(ew):
    double_standard(ew)
    c = drawn(ew)
    assert c.standards["penalty"]["double"] is True
    services.assign(campaign=c, actor=ew.sup)
    f = EvalFile.objects.filter(campaign=c).first()
    for a in Assigned.objects.filter(file=f):
        services.score(campaign=c, actor=a.evaluator, file_id=f.pk, marks=all_pass(c))
    assert FileResult.objects.filter(file=f).exists() and services.to_reconcile(c) == []


# --- results and rectification ------------------------------------------------------------------------------------

def _score_all(ew, c, *, fail_case=None):
    from zhifa.evaluation.services import standard_of

    std = standard_of(c, "penalty")
    basic = next(it.code for it in std.items if it.section == "basic" and not it.check)
    for a in Assigned.objects.filter(file__campaign=c, recusal__isnull=True).select_related("evaluator", "file"):
        extra = [{"item": basic, "passed": False}] if a.file_id == fail_case else []
        services.score(campaign=c, actor=a.evaluator, file_id=a.file_id, marks=all_pass(c, also=extra))


def closed(ew, **kw):
    c = drawn(ew, **kw)
    services.assign(campaign=c, actor=ew.sup)
    failing = EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a1).first()
    _score_all(ew, c, fail_case=failing.pk)
    return services.campaign_close(campaign=c, actor=ew.sup, summary="总体规范，个别案卷事实认定存在问题。"), failing


def test_closing_gives_results_and_rectifications_due_by_the_rule(ew):
    c, failing = closed(ew)
    assert c.state == State.CLOSED and c.report.number.startswith("甲司评查〔")
    result = FileResult.objects.get(file=failing)
    assert result.grade == "fail" and result.vetoed_by
    rect = Rectification.objects.get(result=result)
    assert rect.due_on == timezone.localdate() + dt.timedelta(days=30) and rect.rule_version_id
    tables = selectors.campaign_tables(c)
    assert tables["totals"]["files"] == 4 and tables["totals"]["fail"] == 1
    res = selectors.agency_results([ew.tree.agency_a1.pk, ew.tree.agency_a2.pk, ew.tree.agency_b1.pk],
                                   timezone.localdate() - dt.timedelta(days=1), timezone.localdate())
    assert set(res) == {ew.tree.agency_a1.pk, ew.tree.agency_a2.pk}
    a1 = res[ew.tree.agency_a1.pk]
    assert a1.files == 2 and a1.failed == 1 and a1.excellent + a1.passed == 1 and len(a1.file_ids) == 2
    assert set(a1.file_ids) <= set(FileResult.objects.values_list("pk", flat=True))
    # Rectification: the head of A1 (not A2's head, not the bureau) records it, once.
    _denied(services.rectify, campaign=c, actor=ew.head_a2, result_id=result.pk, text="已整改。")
    report = services.rectify(campaign=c, actor=ew.head, result_id=result.pk, text="已补正调查询问笔录并组织学习。")
    assert report.rectification == rect
    with pytest.raises(ZhifaError) as exc:
        services.rectify(campaign=c, actor=ew.head, result_id=result.pk, text="再次报告。")
    assert exc.value.code == "evaluation_already_rectified"


def test_closing_needs_every_result(ew):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    with pytest.raises(ZhifaError) as exc:
        services.campaign_close(campaign=c, actor=ew.sup, summary="总体规范。")
    assert exc.value.code == "evaluation_results_incomplete"
    assert EvalCampaign_state(c) == State.SCORING


def EvalCampaign_state(c):
    c.refresh_from_db()
    return c.state


def test_m25_alarms_on_a_rectification_past_its_deadline(ew):
    from zhifa.supervision.registry import REGISTRY
    from zhifa.supervision.testing import context_for

    c, failing = closed(ew)
    model = REGISTRY["M25"]
    assert list(model.evaluate(context_for(timezone.localdate(), code="M25"))) == []
    late = timezone.localdate() + dt.timedelta(days=31)
    hits = list(model.evaluate(context_for(late, code="M25")))
    assert [(h.agency_id, h.level) for h in hits] == [(ew.tree.agency_a1.pk, "alarm")]
    result = FileResult.objects.get(file=failing)
    services.rectify(campaign=c, actor=ew.head, result_id=result.pk, text="已整改完毕。")
    assert list(model.evaluate(context_for(late, code="M25"))) == []


# --- self-check then spot check -----------------------------------------------------------------------------------

def test_a_bureau_campaign_with_self_check_first(ew):
    c = drawn(ew, self_check=True)
    assert c.state == State.SELF_CHECK
    f = EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a1).first()
    _denied(services.self_score, campaign=c, actor=ew.head_a2, file_id=f.pk, marks=all_pass(c))  # not A2's file
    v = services.self_score(campaign=c, actor=ew.head, file_id=f.pk, marks=all_pass(c))
    assert v.phase == "self" and not FileResult.objects.filter(file=f).exists()
    with pytest.raises(WrongStateError):
        services.campaign_close(campaign=c, actor=ew.sup, summary="总体规范。")
    _denied(services.spot_check, campaign=c, actor=ew.head)
    c = services.spot_check(campaign=c, actor=ew.sup)
    assert c.state == State.SCORING and EvalStep.objects.get(campaign=c, action="spot_check").data["not_self_scored"] == 3


def test_an_agency_self_check(ew):
    archived(ew, ew.tree.agency_a1, 2)
    c = create(ew, actor=ew.head, organiser=ew.tree.agency_a1, agencies=[ew.tree.agency_a1], evaluators=[])
    assert c.self_check and c.is_self_check
    c = services.campaign_draw(campaign=c, actor=ew.head)
    for f in EvalFile.objects.filter(campaign=c):
        services.self_score(campaign=c, actor=ew.head, file_id=f.pk, marks=all_pass(c))
    c = services.campaign_close(campaign=c, actor=ew.head, summary="自查案卷两件，均合格。")
    assert c.state == State.CLOSED and FileResult.objects.filter(campaign=c).count() == 2


# --- every move × role --------------------------------------------------------------------------------------------

def test_creating_is_the_organisers(ew):
    _denied(create, ew, actor=ew.sup_a1)  # a county supervisor does not act for the city's bureau
    _denied(create, ew, actor=ew.head)  # an agency head acts for the agency's self-check only
    _denied(create, ew, actor=ew.head_a2, organiser=ew.tree.agency_a1, agencies=[ew.tree.agency_a1], evaluators=[])
    assert create(ew, actor=ew.sup_r).organiser == ew.bureau  # the region's supervisor covers the city


@pytest.mark.parametrize("who", ["sup_a1", "head", "officer", "lawyer", "nobody"])
def test_the_organisers_moves_are_refused_to_others(ew, who):
    c = drawn(ew)
    actor = getattr(ew, who)
    _denied(services.assign, campaign=c, actor=actor)
    _denied(services.campaign_close, campaign=c, actor=actor)
    _denied(services.campaign_cancel, campaign=c, actor=actor, reason="不再进行。")
    _denied(services.evaluators_add, campaign=c, actor=actor, users=[ew.sup_r])
    c2 = create(ew)
    _denied(services.campaign_draw, campaign=c2, actor=actor)


def test_evaluator_moves_are_the_assigned_evaluators(ew):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    f = _assigned_file(ew, c, ew.sup)
    for outsider in (ew.head, ew.sup_a1, ew.nobody):
        _denied(services.score, campaign=c, actor=outsider, file_id=f.pk, marks=all_pass(c))
        _denied(services.recuse, campaign=c, actor=outsider, file_id=f.pk, reason="回避理由。")
    other = Assigned.objects.filter(file__campaign=c).exclude(evaluator=ew.sup).exclude(file=f).first()
    if other and not Assigned.objects.filter(file=other.file, evaluator=ew.sup).exists():
        before = SecurityEvent.objects.count()
        with pytest.raises(PermissionDeniedError):  # an evaluator, but not of this file: a denial, logged
            services.score(campaign=c, actor=ew.sup, file_id=other.file_id, marks=all_pass(c))
        assert SecurityEvent.objects.count() == before + 1


def test_wrong_states_are_refused(ew):
    c = create(ew)
    archived(ew, ew.tree.agency_a1, 1)
    with pytest.raises(WrongStateError):
        services.assign(campaign=c, actor=ew.sup)
    c = services.campaign_cancel(campaign=c, actor=ew.sup, reason="范围有误，重新组织。")
    assert c.state == State.CANCELLED
    with pytest.raises(WrongStateError):
        services.campaign_draw(campaign=c, actor=ew.sup)


def test_bad_input_loses_nothing(ew):
    from zhifa.evaluation.models import EvalCampaign

    n = EvalCampaign.objects.count()
    for bad, code in [({"title": ""}, "evaluation_text_required"),
                      ({"action_types": ["nonsense"]}, "evaluation_action_types_invalid"),
                      ({"sample_size": 0}, "evaluation_sample_invalid"),
                      ({"sample_ratio": "1.5"}, "evaluation_sample_invalid"),
                      ({"agencies": [ew.tree.agency_b1]}, "evaluation_agency_not_supervised"),
                      ({"period_from": timezone.localdate(), "period_to": timezone.localdate() - dt.timedelta(days=1)},
                       "evaluation_period_invalid")]:
        with pytest.raises(ZhifaError) as exc:
            create(ew, **bad)
        assert exc.value.code == code
    assert EvalCampaign.objects.count() == n


def test_agency_results_is_one_query_whatever_the_agencies(ew, django_assert_num_queries):
    c, failing = closed(ew)
    today = timezone.localdate()
    with django_assert_num_queries(1):
        res = selectors.agency_results([ew.tree.agency_a1.pk, ew.tree.agency_a2.pk], today, today)
    assert sum(r.files for r in res.values()) == 4
    assert all(r.files == r.excellent + r.passed + r.failed for r in res.values())
    # Outside the period, or a campaign not closed: nothing.
    assert selectors.agency_results([ew.tree.agency_a1.pk], today + dt.timedelta(days=1), today + dt.timedelta(days=9)) == {}


def test_every_move_of_the_table_by_role(ew):
    """Each move of workflow.MOVES × each role: who the table admits (grants) and who it refuses (denials)."""
    from zhifa.core import workflow as wf
    from zhifa.evaluation.workflow import MOVES

    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    evaluator = ew.lawyer  # a pooled lawyer: an evaluator, not the organiser
    assert Assigned.objects.filter(file__campaign=c, evaluator=evaluator).exists()
    may = {  # move -> the roles admitted (the rest refused)
        "amend": {"sup", "sup_r"}, "draw": {"sup", "sup_r"}, "add_evaluators": {"sup", "sup_r"},
        "spot_check": {"sup", "sup_r"},
        "assign": {"sup", "sup_r"}, "close": {"sup", "sup_r"}, "cancel": {"sup", "sup_r"},
        "recuse": {"sup", "evaluator"}, "score": {"sup", "evaluator"}, "reconcile": {"sup"},
        "self_score": {"head", "head_a2"}, "rectify": {"head", "head_a2"},
    }
    assert set(may) == set(MOVES)
    roles = {"sup": ew.sup, "sup_r": ew.sup_r, "evaluator": evaluator, "head": ew.head, "head_a2": ew.head_a2,
             "sup_a1": ew.sup_a1, "officer": ew.officer, "lawyer_a1": ew.lawyer_a1, "nobody": ew.nobody}
    for move, admitted in may.items():
        for role, user in roles.items():
            assert wf.may(services.WORKFLOW, move, c, user) == (role in admitted), (move, role)
    before = SecurityEvent.objects.count()
    for move in MOVES:
        with pytest.raises(PermissionDeniedError):
            wf.authorise(services.WORKFLOW, move, c, ew.nobody)
    assert SecurityEvent.objects.count() == before + len(MOVES)


def test_the_population_is_committed_before_the_seed_and_reused_after_a_failed_draw(ew, monkeypatch):
    """The population and its log entry are fixed in their own transaction: when the seed's transaction fails they
    stay, and the next draw reuses them (one population_fixed entry), never fixing a new one."""
    from zhifa.core import sampling
    from zhifa.evaluation.models import EvalDraw

    archived(ew, ew.tree.agency_a1, 3)
    c = create(ew)

    def boom(*args, **kw):
        raise RuntimeError("seed transaction failed")

    with monkeypatch.context() as m:
        m.setattr(sampling, "pick", boom)
        with pytest.raises(RuntimeError):
            services.campaign_draw(campaign=c, actor=ew.sup)
    fixed = EvalPopulation.objects.get(campaign=c)
    assert not EvalDraw.objects.filter(campaign=c).exists()
    c.refresh_from_db()
    assert c.state == State.DRAFT
    archived(ew, ew.tree.agency_a1, 1)  # archived after the population was fixed: not in it
    c = services.campaign_draw(campaign=c, actor=ew.sup)
    assert EvalDraw.objects.get(campaign=c).population_id == fixed.pk and fixed.size == 3
    assert Entry.objects.filter(kind="evaluation.population_fixed", subject=f"evaluation.campaign:{c.pk}").count() == 1
