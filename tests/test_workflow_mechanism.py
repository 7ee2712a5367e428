"""The one workflow mechanism (issue 17, core.workflow): the order of a move — who may (logged, before the
transaction), the lock, the table's source and target, the guards, the step, the save — on a small table of its
own: an agency's status confirmed by the justice bureau (AZ-P §9)."""

import pytest

from zhifa.core import workflow as wf
from zhifa.core.errors import PermissionDeniedError, WrongStateError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.ledger.models import Entry
from zhifa.ledger.services import record_event
from zhifa.org.events import AGENCY_CONFIRMED
from zhifa.org.models import Agency, AgencyStatus

STEPS: list[tuple] = []


def _record(agency, move, *, actor, from_state, to_state, note, data, step):
    record_event(AGENCY_CONFIRMED, subject=f"org.agency:{agency.pk}", actor=actor,
                 payload={"move": move.name, "from": from_state, "to": to_state, "note": note})
    STEPS.append((move.name, from_state, to_state, dict(data)))


def _no_bureau_of_the_same_name(agency, actor, data):
    data["guarded"] = True
    if agency.name.endswith("（停用）"):
        raise ZhifaError("test_guard", "停用的机关不能确认。")


AGENCY_STATUS = wf.Workflow(
    name="test.agency_status", model=Agency, state_field="status", states=AgencyStatus, noun="执法主体",
    agency_of=lambda agency: agency, record=_record, select_related=("jurisdiction",),
    moves=(
        wf.Move("confirm", (AgencyStatus.PENDING,), (AgencyStatus.CONFIRMED,), "org.confirm_agency", "确认资格",
                guards=(_no_bureau_of_the_same_name,)),
        wf.Move("revoke", (AgencyStatus.PENDING, AgencyStatus.CONFIRMED), (AgencyStatus.REVOKED,),
                "org.confirm_agency", "撤销资格"),
        wf.Move("decide", (AgencyStatus.PENDING,), (AgencyStatus.CONFIRMED, AgencyStatus.REVOKED), "org.confirm_agency",
                "作出决定"),
    ),
)


def _denials() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


@pytest.fixture
def pending(tree):
    Agency.objects.filter(pk=tree.agency_a1.pk).update(status=AgencyStatus.PENDING)
    STEPS.clear()
    return Agency.objects.get(pk=tree.agency_a1.pk)


@pytest.mark.django_db
def test_a_move_writes_its_step_and_event_and_saves_the_state(pending, users):
    """The holder of the permission moves the agency; the step and the ledger entry are written with the state."""
    entries = Entry.objects.count()
    moved = wf.transition(AGENCY_STATUS, "confirm", pending.pk, users.city_a_supervisor, note="核实")
    assert moved.status == AgencyStatus.CONFIRMED
    assert Agency.objects.get(pk=pending.pk).status == AgencyStatus.CONFIRMED
    assert STEPS == [("confirm", AgencyStatus.PENDING, AgencyStatus.CONFIRMED, {"guarded": True})]
    assert Entry.objects.count() == entries + 1


@pytest.mark.django_db
def test_a_refusal_is_logged_before_the_transaction_and_survives_it(pending, users):
    """Someone without the permission is refused before the state is looked at (the move is also in the wrong
    state for them: they learn only that they may not), and the denial is not rolled back with the move."""
    Agency.objects.filter(pk=pending.pk).update(status=AgencyStatus.REVOKED)
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        wf.transition(AGENCY_STATUS, "revoke", pending.pk, users.officer_a1)
    assert _denials() == before + 1
    assert Agency.objects.get(pk=pending.pk).status == AgencyStatus.REVOKED


@pytest.mark.django_db
def test_a_wrong_source_state_is_409_wrong_state_and_logs_nothing(pending, users):
    wf.transition(AGENCY_STATUS, "confirm", pending, users.city_a_supervisor)
    before = _denials()
    with pytest.raises(WrongStateError) as exc:
        wf.transition(AGENCY_STATUS, "confirm", pending, users.city_a_supervisor)
    assert exc.value.code == "wrong_state" and exc.value.status == 409
    assert exc.value.message == "执法主体当前为“已确认”，不能确认资格。"
    assert _denials() == before


@pytest.mark.django_db
def test_the_target_is_checked_against_the_table(pending, users):
    """A service cannot drift: a target the move does not list is refused, and nothing is written."""
    with pytest.raises(WrongStateError) as exc:
        wf.transition(AGENCY_STATUS, "revoke", pending, users.city_a_supervisor, effect=lambda a: AgencyStatus.CONFIRMED)
    assert exc.value.message == "“撤销资格”不能使执法主体进入“已确认”。"
    assert Agency.objects.get(pk=pending.pk).status == AgencyStatus.PENDING and STEPS == []


@pytest.mark.django_db
def test_a_move_with_several_targets_needs_the_service_to_pick_one(pending, users):
    with pytest.raises(ValueError):
        wf.transition(AGENCY_STATUS, "decide", pending, users.city_a_supervisor)
    moved = wf.transition(AGENCY_STATUS, "decide", pending, users.city_a_supervisor, to=AgencyStatus.REVOKED)
    assert moved.status == AgencyStatus.REVOKED


@pytest.mark.django_db
def test_a_guard_refuses_inside_the_transaction(pending, users):
    Agency.objects.filter(pk=pending.pk).update(name="甲一县市场监督管理局（停用）")
    with pytest.raises(ZhifaError) as exc:
        wf.transition(AGENCY_STATUS, "confirm", pending, users.city_a_supervisor)
    assert exc.value.code == "test_guard" and STEPS == []


@pytest.mark.django_db
def test_available_moves_are_the_tables_for_the_state_and_the_user(pending, users):
    assert [m.name for m in wf.available_moves(AGENCY_STATUS, pending, users.city_a_supervisor)] == [
        "confirm", "revoke", "decide"]
    assert wf.available_moves(AGENCY_STATUS, pending, users.officer_a1) == []
    pending.status = AgencyStatus.CONFIRMED
    assert [m.name for m in wf.available_moves(AGENCY_STATUS, pending, users.city_a_supervisor)] == ["revoke"]


def test_a_table_naming_an_unknown_state_or_permission_is_refused_at_import():
    with pytest.raises(ValueError):
        wf.Workflow(name="bad", model=Agency, state_field="status", states=AgencyStatus, noun="x",
                    agency_of=lambda a: a, record=_record,
                    moves=(wf.Move("m", ("nowhere",), (AgencyStatus.CONFIRMED,), "org.confirm_agency", "m"),))
    with pytest.raises(KeyError):
        wf.Workflow(name="bad", model=Agency, state_field="status", states=AgencyStatus, noun="x",
                    agency_of=lambda a: a, record=_record,
                    moves=(wf.Move("m", (AgencyStatus.PENDING,), (AgencyStatus.CONFIRMED,), "org.nothing", "m"),))
