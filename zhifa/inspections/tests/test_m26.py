"""M26 (issue 22 §5; PUB-13): a recorded result not published by its due date warns at 4/5 of its period, alarms past
it, and closes once published; a result published in time raises nothing."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from zhifa.inspections import execution
from zhifa.inspections import problems as _problems  # noqa: F401  (registers M26, as InspectionsConfig.ready() does)
from zhifa.inspections.models import Inspection
from zhifa.supervision.registry import REGISTRY
from zhifa.supervision.testing import context_for

from .conftest import drawn_batch
from .test_execution import inspection_of, record

pytestmark = pytest.mark.req("PUB-13")


def _hits(today, **kwargs):
    return list(REGISTRY["M26"].evaluate(context_for(today, code="M26", **kwargs)))


def test_m26_warns_at_four_fifths_alarms_past_due_and_closes_on_publication(world, django_capture_on_commit_callbacks):
    from zhifa.supervision.models import Alert
    from zhifa.supervision.services import run_models

    draw = drawn_batch(world)
    late = record(inspection_of(draw, world.insp1), world.insp1)
    on, due = late.inspected_on, late.result_due
    total = (due - on).days
    assert _hits(on) == []
    assert _hits(on + dt.timedelta(days=int(total * 0.8) - 1)) == []  # before 4/5 of the period
    warn = _hits(on + dt.timedelta(days=-(-total * 4 // 5)))
    assert [(h.agency_id, h.level) for h in warn] == [(world.a1.pk, "warning")]
    assert "临近公示期限" in warn[0].detail
    alarm = _hits(due + dt.timedelta(days=1))
    assert [(h.agency_id, h.level) for h in alarm] == [(world.a1.pk, "alarm")]
    assert "1 户随机抽查检查结果逾期未公示" in alarm[0].detail and f"{due:%Y-%m-%d}" in alarm[0].detail
    assert alarm[0].evidence["inspections"][0]["id"] == late.pk and alarm[0].due == due
    assert _hits(due + dt.timedelta(days=1), agency_ids=frozenset({world.tree.agency_a2.pk})) == []

    run_models(today=due + dt.timedelta(days=1), codes=["M26"])
    assert Alert.objects.filter(model="M26", agency=world.a1, state="open", level="alarm").exists()
    assert list(REGISTRY["M26"].agencies_for_subject(f"inspections.inspection:{late.pk}")) == [world.a1.pk]
    with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            execution.inspection_publish(inspection=late, actor=world.pub)
    assert not Alert.objects.filter(model="M26", agency=world.a1, state="open").exists()
    assert _hits(due + dt.timedelta(days=1)) == []


def test_m26_leaves_a_result_published_in_time_and_an_unrecorded_inspection_alone(world):
    draw = drawn_batch(world)
    ins = record(inspection_of(draw, world.insp1), world.insp1)
    execution.inspection_publish(inspection=ins, actor=world.pub)
    far = timezone.localdate() + dt.timedelta(days=400)
    assert Inspection.objects.filter(drawn__draw=draw, state="assigned").exists()  # not recorded: no due date yet
    assert _hits(far) == []


def test_m26_counts_every_late_result_of_the_agency_in_one_hit(world):
    draw = drawn_batch(world)
    a = record(inspection_of(draw, world.insp1), world.insp1)
    b = record(Inspection.objects.filter(drawn__draw=draw).exclude(pk=a.pk).order_by("id")[0], world.dz)
    hits = _hits(max(a.result_due, b.result_due) + dt.timedelta(days=1))
    assert len(hits) == 1 and "2 户" in hits[0].detail
    assert {r["id"] for r in hits[0].evidence["inspections"]} == {a.pk, b.pk}


def _m27(today, **kwargs):
    return list(REGISTRY["M27"].evaluate(context_for(today, code="M27", **kwargs)))


def test_m27_warns_then_alarms_on_drawn_targets_never_inspected(world):
    """Targets drawn on a live draw and still not inspected: a warning at 4/5 of the batch period, an alarm past its
    end, the inspections named (review H4)."""
    draw = drawn_batch(world)
    batch = draw.batch
    total = (batch.ends_on - batch.starts_on).days
    assigned = set(Inspection.objects.filter(drawn__draw=draw).values_list("id", flat=True))
    assert _m27(batch.starts_on) == []
    assert _m27(batch.starts_on + dt.timedelta(days=int(total * 0.8) - 1)) == []
    warn = _m27(batch.starts_on + dt.timedelta(days=-(-total * 4 // 5)))
    assert [(h.agency_id, h.level) for h in warn] == [(world.a1.pk, "warning")]
    alarm = _m27(batch.ends_on + dt.timedelta(days=1))
    assert [(h.agency_id, h.level) for h in alarm] == [(world.a1.pk, "alarm")]
    assert {r["id"] for r in alarm[0].evidence["inspections"]} == assigned
    assert f"{len(assigned)} 户抽中的检查对象超过批次检查结束日期" in alarm[0].detail
    assert _m27(batch.ends_on + dt.timedelta(days=1), agency_ids=frozenset({world.tree.agency_a2.pk})) == []
    assert list(REGISTRY["M27"].agencies_for_subject(f"inspections.draw:{draw.pk}")) == [world.a1.pk]
    # Recording one drops it from the evidence; the others stay.
    done = record(inspection_of(draw, world.insp1), world.insp1)
    after = _m27(batch.ends_on + dt.timedelta(days=1))
    assert {r["id"] for r in after[0].evidence["inspections"]} == assigned - {done.pk}


def test_m27_clean_when_every_target_is_recorded_or_the_draw_superseded(world):
    draw = drawn_batch(world)
    late = draw.batch.ends_on + dt.timedelta(days=1)
    for ins in Inspection.objects.filter(drawn__draw=draw).order_by("id"):
        record(ins, world.dz)
    assert _m27(late) == []
    type(draw).objects.filter(pk=draw.pk).update(state="superseded")
    Inspection.objects.filter(drawn__draw=draw).update(state="assigned")
    assert _m27(late) == []  # a superseded draw's targets are not owed an inspection
