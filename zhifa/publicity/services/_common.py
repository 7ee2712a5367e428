"""What every publicity service shares: the permission-first and move-first decorators, the three workflow
tables bound to their models and the step writers (core.workflow)."""

import functools
from collections.abc import Callable

from zhifa.cases.doctypes import FORMS
from zhifa.core import workflow as wf
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from .. import events
from ..models import AnnualReport, Publication, Request, RequestStep, Step
from ..workflow import MOVES, REPORT_MOVES, REQUEST_MOVES, ReportState, RequestState, State

DECISION_FORMS = tuple(code for code, form in FORMS.items() if form.decision)


def _require(actor, permission: str, agency: Agency) -> None:
    org_perms.require(actor, permission, agency=agency)


def _permission_first(permission: str | tuple[str, ...] | Callable[[dict], str], agency_of: Callable[[dict], Agency]):
    """Decorate a service so that who may act is checked before its transaction opens (docs/architecture.md
    "Permissions": permission, denial logged → lock → state move → event). A denial recorded inside the
    transaction would be rolled back with the refused write, and a refusal on the item's state would tell someone
    without the permission what state it is in. `permission`: one, alternatives (any will do; a refusal names
    the first), or a function of the service's keyword arguments. No actor: the system acts."""

    def decorate(service):
        @functools.wraps(service)
        def checked(**kwargs):
            actor = kwargs.get("actor")
            if actor is not None:
                wanted = permission(kwargs) if callable(permission) else permission
                alternatives = (wanted,) if isinstance(wanted, str) else wanted
                agency = agency_of(kwargs)
                if not any(org_perms.can(actor, p, agency=agency) for p in alternatives):
                    _require(actor, alternatives[0], agency)
            return service(**kwargs)
        return checked
    return decorate


def _publication_agency(kwargs: dict) -> Agency:
    return kwargs["publication"].agency


def _record(pub: Publication, move, *, actor, from_state: str, to_state: str, note: str, data: dict,
            step: str) -> Step:
    """A public item's step: the ledger event and the step row (core.workflow.Workflow.record)."""
    entry = events.item_moved(pub, move, actor=actor, action=step, from_state=from_state, to_state=to_state,
                              note=note, data=data)
    return Step.objects.create(publication=pub, action=step, from_state=from_state, to_state=to_state,
                               actor=actor, note=note, data=data, entry=entry)


def _request_record(req: Request, move, *, actor, from_state: str, to_state: str, note: str, data: dict,
                    step: str) -> RequestStep:
    """A public request's step: the ledger event and the step row."""
    entry = events.request_moved(req, move, actor=actor, action=step, to_state=to_state, note=note)
    return RequestStep.objects.create(request=req, action=step, to_state=to_state, actor=actor, note=note,
                                      entry=entry)


def _report_record(report: AnnualReport, move, *, actor, from_state: str, to_state: str, note: str, data: dict,
                   step: str) -> None:
    """An annual report's step: its ledger event, with the figures as they stand (the report has no step rows)."""
    events.report_moved(report, move, actor=actor, action=step, data=data)


# The three tables of workflow.py bound to their models: every move below is made through core.workflow (issue 17).
PUBLICATION = wf.Workflow(
    name="publicity.item", model=Publication, state_field="state", states=State, moves=tuple(MOVES.values()),
    noun="公示信息", agency_of=lambda pub: pub.agency, record=_record, select_related=("agency", "case"))
REQUEST = wf.Workflow(
    name="publicity.request", model=Request, state_field="state", states=RequestState,
    moves=tuple(REQUEST_MOVES.values()), noun="该申请", agency_of=lambda req: req.agency, record=_request_record,
    select_related=("agency",), update_fields=("forwarded_to", "answer", "closed_at"))
REPORT = wf.Workflow(
    name="publicity.annual_report", model=AnnualReport, state_field="state", states=ReportState,
    moves=tuple(REPORT_MOVES.values()), noun="年报", agency_of=lambda report: report.agency, record=_report_record,
    select_related=("agency",))


def _move_first(move: str | Callable[[dict], str]):
    """Decorate a service making a move of the item's table so that who may make it is checked, and a refusal
    logged, before its transaction opens (core.workflow.authorise). `move`: a name, or a function of the
    service's keyword arguments. No actor: the system acts."""

    def decorate(service):
        @functools.wraps(service)
        def checked(**kwargs):
            wf.authorise(PUBLICATION, move(kwargs) if callable(move) else move, kwargs["publication"],
                         kwargs.get("actor"))
            return service(**kwargs)
        return checked
    return decorate


def _move(pub: Publication, action: str) -> None:
    """The table's source state for the move, on the locked item, before the service checks its input (who may
    was checked before the transaction by _move_first)."""
    wf.check_source(PUBLICATION, MOVES[action], pub)


def _locked(pub: Publication) -> Publication:
    return wf.lock(PUBLICATION, pub)


def _save(pub: Publication, *fields: str) -> None:
    wf.save(PUBLICATION, pub, fields)
