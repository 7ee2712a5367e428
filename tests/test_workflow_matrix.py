"""Every move of every workflow × every role (issue 17, "Done when"): who may make it is the role table's answer
for the move's permission (core.permissions.PERMISSIONS, read by tests.authz_world.Principal.holds), or the
assignment the move admits (the reviewer assigned to the review); and every refusal leaves exactly one denial in
the security log, written outside any transaction so that nothing can roll it back.

The objects are the authorisation matrix's world (tests/authz_world.py): agency A's case, review, public item,
public request and annual report, its open supervision alert and the supervision opinion issued to it (issue 20);
the principals are every role for agency A, the writing roles of agency B, a
supervisor of the other city, a user with no grant, the system administrator and the anonymous public.
"""

import importlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import override_settings

from tests.authz_world import PRINCIPALS, Principal, build_world
from zhifa.core import workflow as wf
from zhifa.core.errors import PermissionDeniedError
from zhifa.core.models import SecurityEvent, SecurityEventKind


# Every module of the product that binds a table to its model, found by walking the package (tests and migrations
# aside): a workflow defined anywhere fails test_every_workflow_is_enumerated until the matrix names its object (issue
# 21: the list of modules used to be written out, so a new app's workflow was silently left out).
def _product_modules():
    import pkgutil

    import zhifa

    for info in pkgutil.walk_packages(zhifa.__path__, "zhifa."):
        parts = info.name.split(".")
        if {"tests", "migrations", "management", "testing"} & set(parts) or parts[-1] == "__main__":
            continue
        yield importlib.import_module(info.name)


def _workflows() -> dict[str, wf.Workflow]:
    found = {}
    for module in _product_modules():
        for value in vars(module).values():
            if isinstance(value, wf.Workflow):
                found[value.name] = value
    return found


# workflow name -> the world's object it acts on (agency A's).
OBJECT_OF = {"cases.case": "case", "review": "review", "publicity.item": "publication",
             "publicity.request": "public_request", "publicity.annual_report": "report",
             "supervision.alert": "alert", "instruments.instrument": "instrument",
             "campaigns.campaign": "campaign_published", "evaluation.campaign": "eval_scoring",
             "assessment.assessment": "assessment_computed",
             # Random inspections (issue 22): agency A's item list awaiting review, its filed plan, the draw made
             # on its third batch, and that draw's recorded inspection.
             "inspections.item_list": "ins_list_submitted", "inspections.plan": "ins_plan",
             "inspections.draw": "ins_draw", "inspections.inspection": "ins_recorded"}
# The moves only the system makes (the problem-model engine opens, raises, lowers and closes alerts as the data
# warrants: supervision.workflow): no principal may make them, each refusal is logged, and the system (no actor)
# passes. Named here, not inferred, so that a move losing its permission by mistake cannot pass as a system move.
# The system's own moves (the supervision engine's), admitted only with no actor: every move whose `admits` is a
# workflow's `_system_only`, found by name, so a new system move needs no edit here.
SYSTEM_MOVES = {(name, move.name) for name, workflow in _workflows().items() for move in workflow.moves
                if getattr(move.admits, "__name__", "") == "_system_only"}
assert ("supervision.alert", "open") in SYSTEM_MOVES
CASES = [(name, move.name) for name, workflow in sorted(_workflows().items()) for move in workflow.moves]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once, in a transaction rolled back after the module (as test_authz_matrix's world)."""
    media = tmp_path_factory.mktemp("workflow-matrix-media")
    with override_settings(MEDIA_ROOT=str(media)), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _user(p: Principal, world):
    return AnonymousUser() if p.anonymous else world.users[p.key]


def _admitted(workflow: wf.Workflow, obj, world, move: wf.Move | None = None) -> set[str]:
    """The principals a move admits beside the role table: the reviewer assigned to the review (read from the
    assignments, not through the move's own `admits`); for a supervision instrument, the supervisors of the issuing
    justice bureau, i.e. whoever holds the bureau's permission over the bureau's jurisdiction (agency A's county,
    inside city A: the same scope as agency A's in the role table)."""
    if workflow.name == "instruments.instrument":
        from zhifa.instruments.workflow import BUREAU_PERMISSION

        assert obj.bureau.jurisdiction_id == obj.agency.jurisdiction_id  # the scope argument above
        return {p.key for p in PRINCIPALS if p.holds(BUREAU_PERMISSION)}
    if workflow.name == "campaigns.campaign":
        # A special inspection (SUP-05) by agency A's county bureau whose notice went to agency A: the bureau's moves
        # are its supervisors' (as an instrument's); the acknowledgement is agency A's heads'.
        from zhifa.campaigns.workflow import AGENCY_PERMISSION, BUREAU_PERMISSION

        assert obj.bureau.jurisdiction_id == obj.deliveries.get().agency.jurisdiction_id
        permission = AGENCY_PERMISSION if move is not None and move.name == "acknowledge" else BUREAU_PERMISSION
        return {p.key for p in PRINCIPALS if p.holds(permission)}
    if workflow.name == "assessment.assessment":
        # An annual assessment (SUP-02) by agency A's county bureau: every move is its supervisors' (as a campaign's).
        from zhifa.assessment.workflow import BUREAU_PERMISSION

        assert obj.bureau.jurisdiction_id == world_agency_a_jurisdiction(world)
        return {p.key for p in PRINCIPALS if p.holds(BUREAU_PERMISSION)}
    if workflow.name == "evaluation.campaign":
        # A case-file evaluation (SUP-06) by agency A's county bureau over agency A's archived files, in scoring: the
        # organiser's moves are the bureau's supervisors'; the agency's (self-score, rectify) agency A's heads'; an
        # evaluator's (score, recuse) those holding a live assignment; reconcile the campaign's lead.
        from zhifa.evaluation.models import Assigned
        from zhifa.evaluation.workflow import AGENCY_PERMISSION, BUREAU_PERMISSION

        assert obj.organiser.jurisdiction_id == world_agency_a_jurisdiction(world)
        side = move.extra.get("side") if move is not None else ""
        if side == "organiser":
            return {p.key for p in PRINCIPALS if p.holds(BUREAU_PERMISSION)}
        if side == "agency":
            return {p.key for p in PRINCIPALS if p.holds(AGENCY_PERMISSION)}
        ids = (set(Assigned.objects.filter(file__campaign=obj, recusal__isnull=True).values_list("evaluator_id", flat=True))
               if side == "evaluator" else {obj.lead_id})
        return {p.key for p in PRINCIPALS if not p.anonymous and world.users[p.key].pk in ids}
    if workflow.name == "inspections.item_list":
        # Reviewed by the market-regulation department of the list agency's own jurisdiction: agency A is one (a
        # market agency), so its holders of inspections.review_items review its lists.
        from zhifa.inspections.workflow import REVIEW_PERMISSION

        assert obj.agency.field == "market"
        return {p.key for p in PRINCIPALS if p.holds(REVIEW_PERMISSION)}
    if workflow.name == "inspections.inspection":
        # The inspectors the draw assigned to the inspection's target (officer@A: the world's draw assigns both of
        # agency A's eligible inspectors to every target).
        assigned = set(obj.drawn.assignments.values_list("person__user_id", flat=True))
        return {p.key for p in PRINCIPALS if not p.anonymous and world.users[p.key].pk in assigned}
    if workflow.name != "review":
        return set()
    assigned = {a.person.user_id for a in obj.assignments.filter(recusal__isnull=True).select_related("person")}
    return {p.key for p in PRINCIPALS if not p.anonymous and world.users[p.key].pk in assigned}


def world_agency_a_jurisdiction(world) -> int:
    from zhifa.org.models import Agency

    return Agency.objects.get(pk=world["agency"]).jurisdiction_id


def _denials() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
@pytest.mark.parametrize(("workflow_name", "move_name"), CASES, ids=[f"{w}:{m}" for w, m in CASES])
def test_every_move_by_every_role(world, workflow_name, move_name):
    """The move is allowed exactly to the holders of its permission over agency A (and those it admits), and
    refused, with one denial logged, to everyone else."""
    workflow = _workflows()[workflow_name]
    move = workflow.move(move_name)
    obj = workflow.model.objects.select_related(*workflow.select_related).get(pk=world[OBJECT_OF[workflow_name]])
    admitted = _admitted(workflow, obj, world, move) if move.admits is not None else set()
    wrong, outcomes = [], set()
    for p in PRINCIPALS:
        user = _user(p, world)
        permission = move.permission_for(obj)
        expected = (bool(permission) and p.holds(permission)) or p.key in admitted
        before = _denials()
        try:
            wf.authorise(workflow, move.name, obj, user)
            allowed = True
        except PermissionDeniedError:
            allowed = False
        logged = _denials() - before
        outcomes.add(allowed)
        if allowed != expected or logged != (0 if allowed else 1) or wf.may(workflow, move.name, obj, user) != allowed:
            wrong.append(f"{p.key}: expected {'allowed' if expected else 'refused'}, got "
                         f"{'allowed' if allowed else 'refused'} with {logged} denial(s) logged")
    assert not wrong, f"{workflow_name}.{move_name}:\n" + "\n".join(wrong)
    if (workflow_name, move_name) in SYSTEM_MOVES:
        assert outcomes == {False}, "a system move is no principal's"
        wf.authorise(workflow, move.name, obj, None)  # the system acts: no refusal
        assert not move.permission
    else:
        assert outcomes == {True, False}, "every move is someone's, and not everyone's"


def test_every_workflow_is_enumerated():
    """Each table bound to a model is in the matrix, and the matrix names an object for it."""
    assert set(_workflows()) == set(OBJECT_OF)
    assert SYSTEM_MOVES <= set(CASES)
    assert len(CASES) == sum(len(w.moves) for w in _workflows().values())


@pytest.mark.django_db
def test_a_refusal_survives_the_moves_own_transaction(world):
    """Through transition(), not only authorise(): a refused move (here also in a state it cannot leave) leaves
    its denial in the log and nothing else."""
    from zhifa.review.services import REVIEW

    review = REVIEW.model.objects.select_related("case", "agency").get(pk=world["review"])
    officer = world.users["officer@A"]
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        wf.transition(REVIEW, "head_decide", review, officer)
    assert _denials() == before + 1
