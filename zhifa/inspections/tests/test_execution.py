"""Recording an inspection and publishing its result (issue 22 §5; INS-02): who may, what the record must hold, the
AV record where the rules require it, the case a violation opens, the result's due date in working days."""

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone

from zhifa.cases.models import Case, Party
from zhifa.core.errors import PermissionDeniedError, WrongStateError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import Role
from zhifa.inspections import directory, execution
from zhifa.inspections.models import Draw, DrawState, Finding, Inspection, InspectionState, Outcome
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.rules.models import RuleVersion

from .conftest import drawn_batch


def denials() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


def inspection_of(draw, user) -> Inspection:
    """An inspection of the draw that `user` was assigned to (the fixed seed assigns each inspector somewhere)."""
    found = Inspection.objects.filter(drawn__draw=draw, drawn__assignments__person__user=user).order_by("id").first()
    assert found is not None, f"{user} assigned nowhere"
    return found


def unassigned_to(draw, user) -> Inspection:
    return Inspection.objects.filter(drawn__draw=draw).exclude(drawn__assignments__person__user=user).order_by("id")[0]


def findings(inspection, outcome=Outcome.NO_PROBLEM, **per_item) -> list[dict]:
    items = execution.batch_items(inspection)
    return [{"item_id": i.pk, "outcome": per_item.get(i.number, outcome), "text": "经核查，未发现问题。"} for i in items]


HEAD_REASON = "选派的检查人员因公外出，由负责人代为检查"


def record(inspection, actor, *, on=None, rows=None, **kwargs):
    """Record (a head's substitution reason given by default; ignored when the actor is an assigned inspector)."""
    kwargs.setdefault("substitution_reason", HEAD_REASON)
    return execution.inspection_record(
        inspection=inspection, actor=actor, inspected_on=on or timezone.localdate(), place="甲一县测试路1号经营场所",
        record="检查人员出示执法证件，查阅年度报告及相关材料。", findings=rows if rows is not None else findings(inspection),
        **kwargs)


def wav() -> io.BytesIO:
    f = io.BytesIO(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64)
    f.name = "检查录像.wav"
    return f


# --- who may record -----------------------------------------------------------------------------------------------

@pytest.mark.req("INS-02")
def test_an_assigned_inspector_records_the_inspection(world):
    """The inspector the draw assigned records the inspection; the result's due date is set."""
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    ins = record(ins, world.insp1)
    assert ins.state == InspectionState.RECORDED
    assert ins.result_due is not None and ins.result_due > ins.inspected_on
    assert Finding.objects.filter(inspection=ins).count() == 2
    step = ins.steps.get()
    assert step.action == "record" and step.entry.kind == "inspections.inspection_recorded"


def test_an_officer_of_the_agency_not_assigned_is_refused_and_logged(world):
    """The draw decides who inspects: an officer of the lead agency holding inspections.inspect but not assigned to
    this target may not record it, and the refusal is in the security log."""
    draw = drawn_batch(world)
    ins = Inspection.objects.filter(drawn__draw=draw).order_by("id").first()
    before = denials()
    with pytest.raises(PermissionDeniedError) as exc:
        record(ins, world.officer)
    assert "选派的检查人员" in exc.value.message
    assert denials() == before + 1
    ins.refresh_from_db()
    assert ins.state == InspectionState.ASSIGNED and not ins.steps.exists()


def test_an_inspector_assigned_elsewhere_is_refused(world):
    draw = drawn_batch(world)
    ins = unassigned_to(draw, world.insp1)
    before = denials()
    with pytest.raises(PermissionDeniedError):
        record(ins, world.insp1)
    assert denials() == before + 1


def test_a_handling_head_of_the_lead_agency_records(world):
    draw = drawn_batch(world)
    ins = Inspection.objects.filter(drawn__draw=draw).order_by("id").first()
    assert record(ins, world.dz).state == InspectionState.RECORDED


def test_a_head_recording_in_place_of_the_inspectors_states_why(world):
    """Review M8: the draw chose the inspectors; a head recording in their place gives a reason, kept in the step's
    data. An assigned inspector gives none."""
    draw = drawn_batch(world)
    ins = unassigned_to(draw, world.insp1)
    for reason in ("", "外出"):
        with pytest.raises(ZhifaError, match="代为记录的理由") as exc:
            record(ins, world.dz, substitution_reason=reason)
        assert exc.value.code == "inspection_reason_too_short" and exc.value.details["field"] == "substitution_reason"
    rec = record(ins, world.dz)
    assert rec.steps.get().data["substitution"] == {"reason": HEAD_REASON}
    mine = record(inspection_of(draw, world.insp1), world.insp1, substitution_reason="")
    assert "substitution" not in mine.steps.get().data


def test_an_inspector_with_a_standing_recusal_link_may_not_record(world):
    """Review M9: a link declared after the freeze is checked at record time."""
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    link = directory.recusal_declare(actor=world.head, target=ins.drawn.target, person=world.inspectors[0].person,
                                     reason="近亲属在该企业任职")
    with pytest.raises(ZhifaError, match="回避关系") as exc:
        record(ins, world.insp1)
    assert exc.value.code == "inspection_recusal_invalid"
    ins.refresh_from_db()
    assert ins.state == InspectionState.ASSIGNED
    directory.recusal_end(actor=world.head, link=link, reason="亲属已离职，利害关系消除", today=draw.batch.ends_on
                          + dt.timedelta(days=1))
    assert record(ins, world.insp1).state == InspectionState.RECORDED


def test_recording_rechecks_the_draw_under_its_lock(world, monkeypatch):
    """Review M2: a re-draw landing between the first check and the write is seen under the draw's row lock."""
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    real = execution._case_plan

    def redrawn_meanwhile(*args, **kwargs):
        Draw.objects.filter(pk=draw.pk).update(state=DrawState.SUPERSEDED)
        return real(*args, **kwargs)

    monkeypatch.setattr(execution, "_case_plan", redrawn_meanwhile)
    with pytest.raises(WrongStateError, match="重新抽取"):
        record(ins, world.insp1)
    ins.refresh_from_db()
    assert ins.state == InspectionState.ASSIGNED and not ins.steps.exists()


def test_a_partner_agencys_assigned_inspector_records_a_joint_inspection(world):
    """Joint batch (国发〔2019〕5号): the partner's inspector assigned to the target records it."""
    draw = drawn_batch(world, joint=True)
    ins = inspection_of(draw, world.env_insp)
    ins = record(ins, world.env_insp)
    assert ins.state == InspectionState.RECORDED
    assert Finding.objects.filter(inspection=ins).count() == 4  # two items of each agency


def test_another_agencys_head_and_a_supervisor_are_refused(world):
    draw = drawn_batch(world)
    ins = Inspection.objects.filter(drawn__draw=draw).order_by("id").first()
    head_a2 = grant(UserFactory(username="head_a2_insp"), Role.AGENCY_HEAD, agency=world.tree.agency_a2)
    for who in (head_a2, world.sup, world.env_head):
        before = denials()
        with pytest.raises(PermissionDeniedError):
            record(ins, who)
        assert denials() == before + 1
    rec = record(ins, world.dz)
    with pytest.raises(PermissionDeniedError):
        execution.inspection_publish(inspection=rec, actor=world.sup)


def test_publishing_needs_inspections_publish_of_the_lead_agency(world):
    draw = drawn_batch(world)
    ins = record(inspection_of(draw, world.insp1), world.insp1)
    before = denials()
    with pytest.raises(PermissionDeniedError):
        execution.inspection_publish(inspection=ins, actor=world.insp1)
    assert denials() == before + 1
    ins = execution.inspection_publish(inspection=ins, actor=world.pub)
    assert ins.state == InspectionState.PUBLISHED and ins.published_at is not None
    with pytest.raises(WrongStateError):
        record(ins, world.insp1)


def test_an_unrecorded_inspection_cannot_be_published(world):
    draw = drawn_batch(world)
    ins = Inspection.objects.filter(drawn__draw=draw).first()
    with pytest.raises(WrongStateError):
        execution.inspection_publish(inspection=ins, actor=world.pub)


def test_only_the_live_draws_inspections_are_recorded(world):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    type(draw).objects.filter(pk=draw.pk).update(state=DrawState.SUPERSEDED)
    with pytest.raises(WrongStateError):
        record(ins, world.insp1)


# --- what the record must hold ------------------------------------------------------------------------------------

def _code(fn) -> str:
    with pytest.raises(ZhifaError) as exc:
        fn()
    return exc.value.code


def test_the_date_is_within_the_batch_and_not_in_the_future(world):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    today = timezone.localdate()
    assert _code(lambda: record(ins, world.insp1, on=today - dt.timedelta(days=1))) == "inspection_date_invalid"
    assert _code(lambda: record(ins, world.insp1, on=today + dt.timedelta(days=1))) == "inspection_date_invalid"
    later = today + dt.timedelta(days=40)  # past the batch's end too
    with time_machine.travel(later, tick=False):
        assert _code(lambda: record(ins, world.insp1, on=later)) == "inspection_date_invalid"


def test_every_item_needs_a_finding_named_when_missing(world):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    rows = findings(ins)[:1]
    with pytest.raises(ZhifaError) as exc:
        record(ins, world.insp1, rows=rows)
    assert exc.value.code == "inspection_findings_incomplete"
    assert "产品质量监督抽查" in exc.value.message


def test_an_unknown_outcome_an_unknown_item_and_a_long_text_are_refused(world):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    bad = findings(ins)
    bad[0]["outcome"] = "fine"
    assert _code(lambda: record(ins, world.insp1, rows=bad)) == "inspection_finding_invalid"
    bad = findings(ins) + [{"item_id": 999999, "outcome": Outcome.NO_PROBLEM, "text": ""}]
    assert _code(lambda: record(ins, world.insp1, rows=bad)) == "inspection_finding_invalid"
    long = findings(ins)
    long[0]["text"] = "长" * 2001
    assert _code(lambda: record(ins, world.insp1, rows=long)) == "inspection_text_too_long"
    assert _code(lambda: execution.inspection_record(
        inspection=ins, actor=world.insp1, inspected_on=timezone.localdate(), place="", record="记录",
        findings=findings(ins))) == "inspection_text_required"
    ins.refresh_from_db()
    assert ins.state == InspectionState.ASSIGNED and not Finding.objects.filter(inspection=ins).exists()


# --- AV -----------------------------------------------------------------------------------------------------------

def _mandatory_av(world, items):
    RuleVersion.objects.create(jurisdiction=world.tree.a1, key="recording.mandatory_av", value=items,
                               effective_from=dt.date(2020, 1, 1), source="测试")


def test_av_is_required_where_the_rules_list_evidence_taking(world):
    """Where recording.mandatory_av of the agency's jurisdiction lists 调查取证, the record needs an AV file."""
    _mandatory_av(world, ["seal", "evidence_taking"])
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    assert _code(lambda: record(ins, world.insp1)) == "inspection_av_required"
    not_av = io.BytesIO(b"%PDF-1.4 not a recording")
    assert _code(lambda: record(ins, world.insp1, av=not_av)) == "inspection_av_invalid"
    ins = record(ins, world.insp1, av=wav())
    assert ins.av.content_type == "audio/wav"
    assert ins.steps.get().data["av_sha256"] == ins.av.sha256
    record(ins, world.insp1)  # a correction keeps the recording


@pytest.mark.parametrize("item", ["dispute_prone_onsite", "other_dispute_prone"])
def test_av_is_required_where_dispute_prone_processes_must_be_recorded(world, item):
    """国办发〔2018〕118号 names 随机抽查 among the dispute-prone processes: a jurisdiction whose mandatory list holds
    them (the Inner Mongolia pack lists dispute_prone_onsite) requires the inspection's AV record."""
    _mandatory_av(world, ["seal", item])
    ins = inspection_of(drawn_batch(world), world.insp1)
    assert _code(lambda: record(ins, world.insp1)) == "inspection_av_required"
    assert record(ins, world.insp1, av=wav()).av is not None


def test_av_is_optional_elsewhere(world):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    assert record(ins, world.insp1).av is None


# --- cases opened -------------------------------------------------------------------------------------------------

def test_a_violation_opens_a_case_with_the_target_as_party(world):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    ins = record(ins, world.insp1, rows=findings(ins, **{"1": Outcome.CASE_OPENED}))
    f = Finding.objects.get(inspection=ins, item__number="1")
    case = f.case
    assert case is not None and case.agency == world.a1 and case.handling_unit == world.unit
    assert case.external_system == "inspections" and case.external_id == f"{ins.pk}:{f.item_id}"
    assert case.action_type == "penalty" and case.procedure == "ordinary"
    assert ins.drawn.target.name in case.title
    party = Party.objects.get(case=case)
    assert party.kind == "organisation" and party.id_number == ins.drawn.target.code
    assert Finding.objects.get(inspection=ins, item__number="2").case is None


def test_a_correction_does_not_open_a_second_case(world):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    rows = findings(ins, **{"1": Outcome.CASE_OPENED})
    ins = record(ins, world.insp1, rows=rows)
    first = Finding.objects.get(inspection=ins, item__number="1")
    rows[0]["text"] = "更正：补充违法事实。"
    record(ins, world.insp1, rows=rows)
    assert Case.objects.filter(external_system="inspections").count() == 1
    latest = execution.current_findings(ins).get(item__number="1")
    assert latest.supersedes == first and latest.case == first.case
    back = findings(ins)  # a case once opened stays: the outcome cannot be turned back
    assert _code(lambda: record(ins, world.insp1, rows=back)) == "inspection_finding_invalid"


def test_a_partner_item_opens_its_case_in_the_partner_agency(world):
    draw = drawn_batch(world, joint=True)
    ins = inspection_of(draw, world.env_insp)
    items = execution.batch_items(ins)
    rows = [{"item_id": i.pk, "outcome": Outcome.CASE_OPENED if i.item_list.agency == world.env and i.number == "1"
             else Outcome.NO_PROBLEM, "text": ""} for i in items]
    ins = record(ins, world.env_insp, rows=rows)
    case = Finding.objects.get(inspection=ins, case__isnull=False).case
    assert case.agency == world.env and case.handling_unit == world.env_unit


def test_an_inspector_cannot_open_a_case_in_another_agency(world):
    """A joint batch's a1 item found a violation, recorded by env's inspector: only a1's officers open a1's cases;
    refused (logged), nothing written."""
    draw = drawn_batch(world, joint=True)
    ins = inspection_of(draw, world.env_insp)
    items = execution.batch_items(ins)
    rows = [{"item_id": i.pk, "outcome": Outcome.CASE_OPENED if i.item_list.agency == world.a1 and i.number == "1"
             else Outcome.NO_PROBLEM, "text": ""} for i in items]
    before = denials()
    with pytest.raises(PermissionDeniedError) as exc:
        record(ins, world.env_insp, rows=rows)
    assert world.a1.name in exc.value.message and denials() == before + 1
    assert not Finding.objects.filter(inspection=ins).exists() and not Case.objects.exists()


def test_a_failing_case_leaves_nothing_half_written(world):
    """The case's own refusal (here: the agency's subject status not confirmed) surfaces; no finding, no step, no
    case, no party."""
    draw = drawn_batch(world, joint=True)
    ins = inspection_of(draw, world.env_insp)
    type(world.env).objects.filter(pk=world.env.pk).update(status="pending")
    items = execution.batch_items(ins)
    rows = [{"item_id": i.pk, "outcome": Outcome.CASE_OPENED if i.item_list.agency == world.env else Outcome.NO_PROBLEM,
             "text": ""} for i in items]
    with pytest.raises(ZhifaError) as exc:
        record(ins, world.env_insp, rows=rows)
    assert exc.value.message
    ins.refresh_from_db()
    assert ins.state == InspectionState.ASSIGNED and not ins.steps.exists()
    assert not Finding.objects.exists() and not Case.objects.exists() and not Party.objects.exists()


# --- the result's due date ----------------------------------------------------------------------------------------

def test_result_due_counts_working_days(world):
    """The national rule: 20 working days from the inspection (the day itself not counted); a Friday inspection
    before the National Day holiday runs past it."""
    from zhifa.core import workdays

    with time_machine.travel(dt.datetime(2026, 9, 25, 10, tzinfo=dt.UTC), tick=False):
        draw = drawn_batch(world)
        ins = inspection_of(draw, world.insp1)
        ins = record(ins, world.insp1, on=dt.date(2026, 9, 25))
    assert ins.result_due == workdays.add_working_days(dt.date(2026, 9, 25), 20).due
    assert (ins.result_due - dt.date(2026, 9, 25)).days > 28  # weekends and the Golden Week are not counted


def test_result_due_in_calendar_days_where_the_rule_says_days(world):
    RuleVersion.objects.create(jurisdiction=world.tree.a1, key="inspections.result_days",
                               value={"days": 20, "unit": "days"}, effective_from=dt.date(2020, 1, 1), source="测试")
    draw = drawn_batch(world)
    ins = record(inspection_of(draw, world.insp1), world.insp1)
    assert ins.result_due == ins.inspected_on + dt.timedelta(days=20)


def test_a_correction_never_moves_the_result_due_later(world):
    """Review M7: result_due is fixed by the first record; a later date typed in a correction does not reset it, an
    earlier one brings it earlier."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        draw = drawn_batch(world)
    with time_machine.travel(dt.datetime(2026, 3, 13, 10, tzinfo=dt.UTC), tick=False):
        ins = inspection_of(draw, world.insp1)
        first = record(ins, world.insp1, on=dt.date(2026, 3, 6)).result_due
        later = record(ins, world.insp1, on=dt.date(2026, 3, 13))
        assert later.inspected_on == dt.date(2026, 3, 13) and later.result_due == first
        assert later.steps.order_by("-id").first().data["result_due"] == first.isoformat()
        earlier = record(ins, world.insp1, on=dt.date(2026, 3, 2))
        assert earlier.result_due < first
        assert earlier.result_due == execution.result_due_for(earlier, dt.date(2026, 3, 2))[0]
