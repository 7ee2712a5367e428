"""One workflow mechanism for every process (issue 17; STYLE habit 2).

A process is a table: a `Workflow` names its model, the field that holds the state and its `Move`s. A move says
from which states, into which, under which permission, what it logs and what its button reads. The table is the
only place a move exists: the services make it through `transition()`, the pages draw their buttons with
`available_moves()`, and the flowcharts are drawn from the same rows.

`transition()` always runs in this order (docs/architecture.md, "Permissions"):
1. who may: the permission, checked before any transaction opens, so the denial recorded in the security log is
   not rolled back with the refused write, and a refusal never depends on (so never reveals) the object's state;
2. the lock: the row is read again with SELECT … FOR UPDATE;
3. the table: the source state and the target state, a wrong one is `WrongStateError` (409) in every app;
4. the move's guards (the process's own conditions), then the caller's effect;
5. the step: the app's `record` writes the typed ledger event and the step row;
6. the save.

Core imports no domain app: the permission check goes through `core.permissions.can` (org registers its scoped
check), and the ledger is written by each workflow's `record`, which calls `zhifa.ledger.services.record_event`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from . import permissions
from .errors import PermissionDeniedError, WrongStateError
from .models import SecurityEventKind

# A guard refuses a move by raising ZhifaError: guard(obj, actor, data) with the locked object.
Guard = Callable[[Any, Any, dict], None]


@dataclass(frozen=True)
class Move:
    """One row of a workflow's table."""

    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]  # more than one: the service's effect picks by the opinion or the outcome
    # A key of core.permissions.PERMISSIONS; "" when only `admits` may make the move (review: the opinion is signed
    # by the reviewer assigned, never by a role alone).
    permission: str
    label: str  # the button's and the flowchart's Chinese label
    event: str = ""  # the ledger event kind the move writes (the app's events module)
    guards: tuple[Guard, ...] = ()
    # Who else may make the move, beyond the permission's holders: admits(obj, actor) -> bool (review: the
    # reviewer assigned to this review, who may be a lent adviser holding no role in the agency).
    admits: Callable[[Any, Any], bool] | None = None
    # Where the rules of the object's place decide which permission (review: IM-M §31 names the head in charge of
    # legal work, AZ-V §14 the agency's head): permission_of(obj) -> a key of PERMISSIONS; `permission` is then
    # the one shown where no object is at hand.
    permission_of: Callable[[Any], str] | None = None
    # Anything the app's pages or flowcharts need beside (review: which side of the review acts).
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def permission_for(self, obj) -> str:
        return self.permission_of(obj) if self.permission_of is not None else self.permission

    @property
    def target(self) -> str:
        """The one target of a move that has one."""
        if len(self.targets) != 1:
            raise ValueError(f"move {self.name!r} has {len(self.targets)} targets; the service picks one")
        return self.targets[0]


@dataclass(frozen=True)
class Workflow:
    """A process's table and what `transition()` needs to make its moves."""

    name: str  # "review", "publicity.item", … (the denial's detail names it)
    model: type[models.Model]
    state_field: str
    states: type[models.TextChoices]  # for the labels of wrong-state messages
    moves: tuple[Move, ...]
    agency_of: Callable[[Any], Any]  # the agency whose grants decide (org scope)
    # Writes the typed ledger event and the step row:
    # record(obj, move, *, actor, from_state, to_state, note, data, step) -> the step row.
    record: Callable[..., Any]
    noun: str  # what the object is called in messages: "审核", "公示信息"
    select_related: tuple[str, ...] = ()
    update_fields: tuple[str, ...] = ()  # saved with the state on every move

    def __post_init__(self):
        names = [m.name for m in self.moves]
        if len(names) != len(set(names)):
            raise ValueError(f"workflow {self.name!r} names a move twice")
        for move in self.moves:
            if move.permission or move.admits is None:
                permissions.roles_with(move.permission)  # an unknown permission is a programming error
            unknown = {*move.sources, *move.targets} - {"", *self.states.values}
            if unknown:
                raise ValueError(f"move {move.name!r} of {self.name!r} names unknown states {sorted(unknown)}")

    def move(self, name: str) -> Move:
        for move in self.moves:
            if move.name == name:
                return move
        raise KeyError(f"workflow {self.name!r} has no move {name!r}")

    def state_label(self, state: str) -> str:
        return self.states(state).label if state in self.states.values else "未开始"


def may(workflow: Workflow, move_name: str, obj, actor, *, agency=None) -> bool:
    """Whether `actor` may make the move on `obj` (buttons, alternatives); nothing is logged. `agency`: the agency
    whose grants decide, when not the object's own (a joint agency co-signs for itself)."""
    move = workflow.move(move_name)
    permission = move.permission_for(obj)
    # The grants are cached on the user; `admits` may read the database, so it is asked second.
    if permission and permissions.can(actor, permission, agency=agency if agency is not None else workflow.agency_of(obj)):
        return True
    return move.admits is not None and bool(move.admits(obj, actor))


def deny(actor, permission: str, *, detail: str, message: str | None = None):
    """Record the refusal in the security log (the one mechanism every denial goes through: core.services.
    security_event_record, as org.permissions.deny), then raise PermissionDeniedError."""
    from .services import security_event_record

    security_event_record(kind=SecurityEventKind.DENIED, user=actor if getattr(actor, "is_authenticated", False)
                          else None, permission=permission, detail=detail)
    raise PermissionDeniedError(message) if message else PermissionDeniedError()


def authorise(workflow: Workflow, move_name: str | Iterable[str], obj, actor, *, agency=None,
              message: str | None = None) -> None:
    """Refuse (logged) unless `actor` may make the move, or any one of several alternative moves (a refusal names
    the first). Call it before any transaction opens; `transition()` does. No actor: the system acts."""
    names = (move_name,) if isinstance(move_name, str) else tuple(move_name)
    if actor is None or any(may(workflow, n, obj, actor, agency=agency) for n in names):
        return
    move = workflow.move(names[0])
    permission = move.permission_for(obj)
    if message is None:  # name the move and what it needs, in the words of the table and the role table
        label = permissions.PERMISSION_LABELS.get(permission or "")
        message = f"您没有“{label}”的权限，不能{move.label}。" if label else f"您不能{move.label}。"
    deny(actor, permission or f"{workflow.name}.{move.name}", message=message,
         detail=f"{workflow.name} {move.name} {workflow.model._meta.label_lower}:{obj.pk}")


def check_source(workflow: Workflow, move: Move, obj) -> None:
    state = getattr(obj, workflow.state_field)
    if state not in move.sources:
        raise WrongStateError(f"{workflow.noun}当前为“{workflow.state_label(state)}”，不能{move.label}。",
                              details={"state": state, "move": move.name})


def check_target(workflow: Workflow, move: Move, target: str) -> None:
    if target not in move.targets:
        raise WrongStateError(f"“{move.label}”不能使{workflow.noun}进入“{workflow.state_label(target)}”。",
                              details={"target": target, "move": move.name})


def available_moves(workflow: Workflow, obj, user) -> list[Move]:
    """The moves the table allows from `obj`'s state that `user` may make: what a page offers as buttons."""
    state = getattr(obj, workflow.state_field)
    return [m for m in workflow.moves if state in m.sources and may(workflow, m.name, obj, user)]


def lock(workflow: Workflow, obj_or_pk):
    """The row again, locked for the transaction (SELECT … FOR UPDATE on the row only)."""
    pk = getattr(obj_or_pk, "pk", obj_or_pk)
    return (workflow.model.objects.select_for_update(of=("self",)).select_related(*workflow.select_related)
            .get(pk=pk))


def apply(workflow: Workflow, move_name: str, obj, actor, *, to: str | None = None, note: str = "",
          data: dict | None = None, effect: Callable[[Any], str | None] | None = None,
          after: Callable[[Any], None] | None = None, step: str | None = None):
    """Steps 3 to 5 of a move, inside the caller's transaction, on the object it locked: the source state, the
    guards, the effect, the target, the step row and its event; then `after`. Returns the step row; the caller
    saves (`save`). For a service whose transaction locks something else first (a review is created under the
    case's lock); every other service calls `transition()`."""
    move = workflow.move(move_name)
    data = {} if data is None else data
    check_source(workflow, move, obj)
    for guard in move.guards:
        guard(obj, actor, data)
    chosen = effect(obj) if effect is not None else None
    target = chosen or to or move.target
    check_target(workflow, move, target)
    row = workflow.record(obj, move, actor=actor, from_state=getattr(obj, workflow.state_field), to_state=target,
                          note=note, data=data, step=step or move.name)
    setattr(obj, workflow.state_field, target)
    if after is not None:
        after(obj)
    return row


def save(workflow: Workflow, obj, update_fields: Iterable[str] = ()) -> None:
    obj.save(update_fields=list(dict.fromkeys([workflow.state_field, *workflow.update_fields, *update_fields])))


def transition(workflow: Workflow, move_name: str, obj_or_pk, actor, *, to: str | None = None, note: str = "",
               data: dict | None = None, effect: Callable[[Any], str | None] | None = None,
               after: Callable[[Any], None] | None = None, update_fields: Iterable[str] = (), agency=None,
               step: str | None = None):
    """Make one move of the table; returns the saved, locked object (see the module's docstring for the order).

    `to` picks the target of a move that has several; `effect(obj)` runs on the locked object after the guards and
    may return the target (an opinion's kind decides where it goes); `after(obj)` runs once the step is written
    (a clock recomputed from the steps). `data` is the step's data: guards and effects may add to it. `agency`:
    the agency whose grants decide, when not the object's. `step`: the name the step row and the event carry, when
    it says more than the move's (an extension approved or refused). A service that refuses before validating its
    input calls `authorise()` first; the check here then finds the grants cached on the user and logs nothing.
    """
    move = workflow.move(move_name)
    obj = obj_or_pk
    if not isinstance(obj, workflow.model):
        obj = workflow.model.objects.select_related(*workflow.select_related).get(pk=obj_or_pk)
    authorise(workflow, move.name, obj, actor, agency=agency)
    with transaction.atomic():
        obj = lock(workflow, obj)
        apply(workflow, move.name, obj, actor, to=to, note=note, data=data, effect=effect, after=after, step=step)
        save(workflow, obj, update_fields)
        return obj
