"""The verifiable draw's services (INS-02, INS-03): the populations and the randomness source are committed before the
randomness exists; the draw is made only after the stated moment, from the first checkpoint signed after it; recusal
skips are logged; a re-draw keeps the first; only the handling side draws and only a head orders a re-draw."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from zhifa.core.errors import NotFoundError, PermissionDeniedError, WrongStateError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.inspections import draws, events, procedure, record
from zhifa.inspections.errors import InspectionErrorCode as E
from zhifa.inspections.models import (
    Assignment,
    Batch,
    Draw,
    DrawnTarget,
    DrawState,
    Inspection,
    InspectionState,
    RecusalLink,
    RecusalSkip,
    Target,
    TargetType,
)
from zhifa.inspections.selectors_draws import draw_get_for
from zhifa.inspections.tests.conftest import published_batch
from zhifa.ledger.models import Checkpoint
from zhifa.ledger.services import checkpoint_create, record_event

pytestmark = pytest.mark.django_db


def denials() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


def link(world, person, target):
    """A standing recusal link (row made directly; the directory service is tested with the set-up)."""
    entry = record_event(events.RECUSAL_DECLARED, subject=events.subject("directory", world.a1.pk), actor=world.dz,
                         payload={"person": person.pk, "target": target.pk})
    return RecusalLink.objects.create(agency=world.a1, person=person, target=target, reason="配偶在该企业任职",
                                      actor=world.dz, entry=entry)


@pytest.mark.req("INS-03")
def test_freezing_commits_the_populations_before_any_randomness(world):
    """Freezing logs the populations' digests, the counts and the future randomness source; no seed or checkpoint
    exists yet, and the population text kept in the ledger hashes to the frozen digests."""
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    assert draw.state == DrawState.FROZEN and draw.seed == "" and draw.checkpoint_id is None
    assert draw.result_sha256 == "" and not draw.drawn.exists()
    frozen = draw.frozen
    assert frozen["algorithm"] == procedure.NAME and frozen["targets"]["count"] == 40
    assert {s["class"]: s["count"] for s in frozen["strata"]} == {"high": 5, "low": 1, "ordinary": 1}
    assert draw.frozen_sha256 == procedure.digest_json(frozen)
    assert draw.freeze_entry.kind == events.DRAW_FROZEN
    assert draw.freeze_entry.subject == events.subject("draw", draw.pk)
    lines = record.population_lines(draw)
    for name in ("targets", "inspectors", "recusals"):
        assert procedure.lines_digest(lines[name]) == frozen[name]["sha256"]
    # The public lines are tokens in token order: no code appears; the agency's own section maps each token to its
    # code and salt, and the classes are the directory's (review H6).
    assert lines["targets"] == sorted(lines["targets"]) and len(lines["targets"]) == 40
    public = "\n".join(lines["targets"] + lines["recusals"])
    assert not any(t.code in public for t in world.targets)
    with record.open_population(draw) as fh:
        keys = [line.split("\t") for line in record.section_lines(fh, "keys")]
    classes = dict(line.split("\t") for line in lines["targets"])
    assert sorted((code, classes[token]) for token, code, _salt in keys) == sorted(
        (t.code, t.risk_class) for t in world.targets)
    assert all(procedure.target_token(code, salt) == token for token, code, salt in keys)


@pytest.mark.req("INS-02")
def test_make_draws_targets_and_inspectors_and_opens_inspections(world):
    draw = draws.draw_make(draw=draws.draw_freeze(batch=published_batch(world), actor=world.dz), actor=world.dz)
    assert draw.state == DrawState.DRAWN and draw.checkpoint_id and len(draw.seed) == 64
    rows = list(draw.drawn.order_by("rank"))
    assert [r.rank for r in rows] == list(range(1, 8))
    assert Assignment.objects.filter(drawn__draw=draw).count() == 14
    assert Inspection.objects.filter(drawn__draw=draw, state=InspectionState.ASSIGNED, agency=world.a1).count() == 7
    assert draw.result_sha256 == procedure.result_digest(_replay(draw))
    assert draw.steps.get().action == "make"


def _replay(draw):
    lines = record.population_lines(draw)
    seed = procedure.seed(draw.frozen_sha256, bytes(draw.checkpoint.root), draw.external_value)
    assert seed.hex() == draw.seed
    return procedure.run(seed, procedure.parse_targets(lines["targets"]),
                         {s["class"]: s["count"] for s in draw.frozen["strata"]},
                         procedure.parse_inspectors(lines["inspectors"]), procedure.parse_recusals(lines["recusals"]),
                         draw.frozen["per_agency"])


@pytest.mark.req("INS-03")
def test_make_refused_before_the_moment_and_a_checkpoint_before_it_is_never_used(world):
    """The randomness is the first checkpoint signed at or after the stated moment: one signed after freezing but
    before the moment (whose root the bureau could know) is passed over."""
    moment = timezone.now() + dt.timedelta(hours=2)
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz, beacon_after=moment)
    early = checkpoint_create()
    with pytest.raises(ZhifaError) as exc:
        draws.draw_make(draw=draw, actor=world.dz)
    assert exc.value.code == E.BEACON_NOT_YET and timezone.localtime(moment).strftime("%H:%M") in exc.value.message
    with time_machine.travel(moment + dt.timedelta(minutes=1)):
        draw = draws.draw_make(draw=draw, actor=world.dz)
    assert draw.checkpoint_id != early.pk and draw.checkpoint.created_at >= moment


@pytest.mark.req("INS-03")
def test_beacon_moment_is_now_to_thirty_days(world):
    batch = published_batch(world)
    for moment in (timezone.now() - dt.timedelta(hours=1), timezone.now() + dt.timedelta(days=31)):
        with pytest.raises(ZhifaError) as exc:
            draws.draw_freeze(batch=batch, actor=world.dz, beacon_after=moment)
        assert exc.value.code == E.BEACON_INVALID
    assert not Draw.objects.exists()


@pytest.mark.req("INS-03")
def test_external_value_required_when_named_and_part_of_the_seed(world):
    """The source and how many numbers it has are committed at freezing; the value is read as those numbers only, so
    a spelling cannot choose the outcome (review H1/H2); a wrong count is refused."""
    with pytest.raises(ZhifaError) as exc:  # a source without its count of numbers
        draws.draw_freeze(batch=published_batch(world), actor=world.dz, external_source="双色球开奖号码")
    assert exc.value.code == E.BEACON_INVALID
    draw = draws.draw_freeze(batch=Batch.objects.get(), actor=world.dz,
                             external_source="中国福利彩票双色球第2026140期开奖号码", external_numbers=7)
    assert draw.frozen["beacon"]["external"] == {"source": "中国福利彩票双色球第2026140期开奖号码", "numbers": 7}
    with pytest.raises(ZhifaError) as exc:
        draws.draw_make(draw=draw, actor=world.dz)
    assert exc.value.code == E.EXTERNAL_VALUE_REQUIRED
    with pytest.raises(ZhifaError) as exc:
        draws.draw_make(draw=draw, actor=world.dz, external_value="03 12 18 22 27 31")  # six numbers, not seven
    assert exc.value.code == E.EXTERNAL_VALUE_REQUIRED and "7 个数字" in exc.value.message
    draw = draws.draw_make(draw=draw, actor=world.dz, external_value="03 12 18 22 27 31 + 09")
    assert draw.external_value == "3 12 18 22 27 31 9"
    assert draw.seed == procedure.seed(draw.frozen_sha256, bytes(draw.checkpoint.root), draw.external_value).hex()
    for spelling in ("3,12,18,22,27,31,9", "03-12-18-22-27-31 09"):
        assert procedure.canonical_external(spelling, 7) == draw.external_value


@pytest.mark.req("INS-02")
def test_too_few_inspectors(world):
    batch = published_batch(world)
    Batch.objects.filter(pk=batch.pk).update(inspectors_per_agency=8)
    batch.refresh_from_db()
    with pytest.raises(ZhifaError) as exc:
        draws.draw_freeze(batch=batch, actor=world.dz)
    assert exc.value.code == E.INSPECTORS_TOO_FEW and "少于每户所需的 8 名" in exc.value.message


@pytest.mark.req("INS-02")
def test_a_target_of_an_unknown_class_is_named(world):
    Target.objects.create(agency=world.a1, code="91341101MA00009999", name="未分类公司", target_type=TargetType.ENTERPRISE,
                          risk_class="weird", place=world.tree.a1)
    with pytest.raises(ZhifaError) as exc:
        draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    assert exc.value.code == E.CLASS_UNKNOWN and "91341101MA00009999" in exc.value.message


@pytest.mark.req("INS-03")
def test_recusal_skips_are_logged_and_a_linked_inspector_is_never_assigned(world):
    """Five of the seven inspectors are linked to every high-risk target (all five are drawn): each gets the two free
    ones, and the linked ones passed over are recorded with the reason."""
    high = [t for t in world.targets if t.risk_class == "high"]
    barred = world.inspectors[:5]
    for t in high:
        for cert in barred:
            link(world, cert.person, t)
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    assert draw.frozen["recusals"]["count"] == 25
    draw = draws.draw_make(draw=draw, actor=world.dz)
    barred_numbers = {c.number for c in barred}
    for row in DrawnTarget.objects.filter(draw=draw, risk_class="high"):
        assigned = set(row.assignments.values_list("certificate", flat=True))
        assert len(assigned) == 2 and not assigned & barred_numbers
        for skip in row.skips.all():
            assert skip.certificate in barred_numbers and skip.reason == "linked"
    assert RecusalSkip.objects.filter(drawn__draw=draw).count() > 0


@pytest.mark.req("INS-03")
def test_an_ended_link_is_not_a_recusal(world):
    t = world.targets[-1]
    standing = link(world, world.inspectors[0].person, t)
    entry = record_event(events.RECUSAL_ENDED, subject=events.subject("directory", world.a1.pk), actor=world.dz,
                         payload={"ends": standing.pk})
    RecusalLink.objects.create(agency=world.a1, person=standing.person, target=t, reason="已离职", ends=standing,
                               actor=world.dz, entry=entry)
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    assert draw.frozen["recusals"]["count"] == 0


@pytest.mark.req("INS-03")
def test_the_last_inspectors_of_a_target_are_recused_next_time(world):
    batch = published_batch(world)
    first = draws.draw_make(draw=draws.draw_freeze(batch=batch, actor=world.dz), actor=world.dz)
    inspection = Inspection.objects.filter(drawn__draw=first).order_by("id").first()
    Inspection.objects.filter(pk=inspection.pk).update(state=InspectionState.RECORDED,
                                                       inspected_on=timezone.localdate())
    second = Batch.objects.create(plan=batch.plan, number=2, title="第二批", target_type=TargetType.ENTERPRISE,
                                  starts_on=batch.starts_on, ends_on=batch.ends_on, created_by=world.dz)
    second.items.set(batch.items.all())
    draw = draws.draw_freeze(batch=second, actor=world.dz)
    certs = set(inspection.drawn.assignments.values_list("certificate", flat=True))
    with record.open_population(draw) as fh:
        token = next(t for t, code, _s in (line.split("\t") for line in record.section_lines(fh, "keys"))
                     if code == inspection.drawn.code)
    assert set(record.population_lines(draw)["recusals"]) == {f"{c}\t{token}\tlast" for c in certs}


@pytest.mark.req("INS-03")
def test_one_live_draw_per_batch(world):
    batch = published_batch(world)
    draws.draw_freeze(batch=batch, actor=world.dz)
    with pytest.raises(WrongStateError):
        draws.draw_freeze(batch=batch, actor=world.dz)


@pytest.mark.req("INS-03")
def test_a_redraw_keeps_the_first_and_names_it_with_the_reason(world):
    batch = published_batch(world)
    first = draws.draw_make(draw=draws.draw_freeze(batch=batch, actor=world.dz), actor=world.dz)
    kept = list(DrawnTarget.objects.filter(draw=first).values_list("code", flat=True))
    with pytest.raises(ZhifaError) as exc:
        draws.draw_redraw(draw=first, actor=world.head, reason="短")
    assert exc.value.code == E.REASON_TOO_SHORT
    with pytest.raises(PermissionDeniedError):
        draws.draw_redraw(draw=first, actor=world.dz, reason="检查对象名录有误，需更正后重新抽取")  # not a head
    second = draws.draw_redraw(draw=first, actor=world.head, reason="检查对象名录有误，需更正后重新抽取")
    first.refresh_from_db()
    assert first.state == DrawState.SUPERSEDED and second.redraw_of == first and second.number == 2
    assert list(DrawnTarget.objects.filter(draw=first).values_list("code", flat=True)) == kept
    assert first.steps.filter(action="supersede").get().note == "检查对象名录有误，需更正后重新抽取"
    assert second.frozen["redraw_of"] == first.pk and second.frozen["reason"] == second.reason
    assert record.draw_record(second)["redraw_of"]["number"] == 1
    assert record.draw_record(first)["redrawn_by"]["number"] == 2
    assert Draw.objects.filter(batch=batch).count() == 2


@pytest.mark.req("INS-03")
def test_no_redraw_once_an_inspection_is_recorded(world):
    draw = draws.draw_make(draw=draws.draw_freeze(batch=published_batch(world), actor=world.dz), actor=world.dz)
    Inspection.objects.filter(drawn__draw=draw).order_by("id")[:1].get()
    Inspection.objects.filter(pk=Inspection.objects.filter(drawn__draw=draw).first().pk).update(
        state=InspectionState.RECORDED)
    with pytest.raises(WrongStateError):
        draws.draw_redraw(draw=draw, actor=world.head, reason="检查对象名录有误，需更正后重新抽取")
    draw.refresh_from_db()
    assert draw.state == DrawState.DRAWN


@pytest.mark.req("INS-03")
def test_two_makes_at_once_one_wins(world):
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    stale = Draw.objects.get(pk=draw.pk)
    draws.draw_make(draw=draw, actor=world.dz)
    with pytest.raises(WrongStateError):
        draws.draw_make(draw=stale, actor=world.dz)
    assert DrawnTarget.objects.filter(draw=draw).count() == 7


@pytest.mark.req("INS-02")
@pytest.mark.parametrize("who", ["officer", "env_head", "sup", "insp1"])
def test_only_the_handling_side_of_the_lead_agency_draws(world, who):
    """An officer, another agency's head and a supervisor may not freeze or make a draw; each refusal is logged."""
    batch = published_batch(world)
    user = getattr(world, who)
    before = denials()
    with pytest.raises(PermissionDeniedError):
        draws.draw_freeze(batch=batch, actor=user)
    draw = draws.draw_freeze(batch=batch, actor=world.dz)
    with pytest.raises(PermissionDeniedError):
        draws.draw_make(draw=draw, actor=user)
    assert denials() == before + 2
    assert Draw.objects.get().state == DrawState.FROZEN


@pytest.mark.req("INS-02")
def test_a_draw_outside_the_scope_is_the_same_404_logged(world, users):
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    before = denials()
    with pytest.raises(NotFoundError):
        draw_get_for(actor=users.nobody, pk=draw.pk)
    with pytest.raises(NotFoundError):
        draw_get_for(actor=users.nobody, pk=draw.pk + 100)
    assert denials() == before + 2
    assert draw_get_for(actor=world.sup, pk=draw.pk) == draw  # the supervisor sees, never draws


@pytest.mark.req("INS-02")
def test_a_joint_batch_assigns_inspectors_of_every_agency(world):
    draw = draws.draw_freeze(batch=published_batch(world, joint=True), actor=world.dz)
    assert draw.frozen["agencies"] == [world.a1.pk, world.env.pk]
    draw = draws.draw_make(draw=draw, actor=world.dz)
    for row in draw.drawn.all():
        agencies = list(row.assignments.values_list("agency_id", flat=True))
        assert agencies.count(world.a1.pk) == 2 and agencies.count(world.env.pk) == 2


@pytest.mark.req("INS-03")
def test_the_clock_makes_due_draws(world):
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    assert draws.draws_due_make() == [draw.pk]
    draw.refresh_from_db()
    assert draw.state == DrawState.DRAWN and draw.steps.get().actor is None


def test_a_checkpoint_with_a_bad_signature_is_not_the_randomness(world):
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    good = checkpoint_create()
    forged = Checkpoint.objects.create(size=good.size, root=b"\x00" * 32, note=good.note, key=good.key)
    draw = draws.draw_make(draw=draw, actor=world.dz)
    assert draw.checkpoint_id != forged.pk


@pytest.mark.req("INS-03")
def test_a_population_changed_in_storage_after_freezing_is_never_drawn_from(world):
    """The population text is read back at make time and checked against the frozen digests: bytes changed in the
    store (a target line swapped) stop the draw with a clear code, and nothing is drawn."""
    import io

    from django.core.files.storage import default_storage

    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    name = draw.population.storage_name
    with default_storage.open(name, "rb") as fh:
        text = fh.read().decode()
    first = text.split("\n")[1]  # the first target line
    code, cls = first.split("\t")
    default_storage.delete(name)
    changed = text.replace(first, f"{code}\t{'low' if cls != 'low' else 'high'}", 1)
    default_storage.save(name, io.BytesIO(changed.encode()))
    with pytest.raises(ZhifaError) as exc:
        draws.draw_make(draw=draw, actor=world.dz)
    assert exc.value.code == E.POPULATION_MISMATCH and "检查对象" in exc.value.message
    draw.refresh_from_db()
    assert draw.state == DrawState.FROZEN and not draw.drawn.exists()


@pytest.mark.req("INS-03")
def test_a_frozen_draw_past_its_moment_is_made_before_any_redraw(world):
    """Review H3: once the moment has passed the outcome is computable from the public record and checkpoint; a
    re-draw of the unmade draw would hide it. It is refused until the draw is made (its result then published)."""
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    checkpoint_create()
    with pytest.raises(WrongStateError) as exc:
        draws.draw_redraw(draw=draw, actor=world.head, reason="抽取范围有误，需要重新抽取")
    assert "请先完成抽取" in exc.value.message
    made = draws.draw_make(draw=draw, actor=world.dz)
    again = draws.draw_redraw(draw=made, actor=world.head, reason="抽取范围有误，需要重新抽取")
    assert again.redraw_of == made and Draw.objects.get(pk=made.pk).state == DrawState.SUPERSEDED
    assert Draw.objects.get(pk=made.pk).drawn.exists()  # the first result stays, published


@pytest.mark.req("INS-03")
def test_the_person_who_froze_or_made_a_draw_does_not_order_its_redraw(world):
    """Review M10: a re-draw is another head's decision; the refusal is logged."""
    future = timezone.now() + dt.timedelta(hours=1)
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.head, beacon_after=future)
    before = denials()
    with pytest.raises(PermissionDeniedError):
        draws.draw_redraw(draw=draw, actor=world.head, reason="抽取范围有误，需要重新抽取")
    assert denials() == before + 1 and Draw.objects.get(pk=draw.pk).state == DrawState.FROZEN
