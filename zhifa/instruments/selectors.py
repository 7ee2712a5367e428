"""Every shared read of supervision instruments, scoped to the actor (STYLE habit 4)."""

import datetime as dt

from django.db.models import Prefetch, Q

from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from .models import Instrument, SealedDocument, Step, StepFile
from .workflow import AWAITING_AGENCY, BUREAU_PERMISSION, VIEW_PERMISSION


def visible_q(actor) -> Q:
    """What an actor may read: instruments to the agencies in their scope (the agency's staff; the supervisors of
    its subtree), and those their bureau issued."""
    q = org_perms.scope_for(actor, VIEW_PERMISSION).agency_q("agency__")
    bureau = org_perms.scope_for(actor, BUREAU_PERMISSION)
    if not bureau.empty:
        q |= bureau.jurisdiction_q("bureau__jurisdiction__")
    return q


def bureau_q(actor) -> Q:
    """The instruments an actor acts on for the issuing bureau."""
    scope = org_perms.scope_for(actor, BUREAU_PERMISSION)
    return scope.jurisdiction_q("bureau__jurisdiction__") if not scope.empty else Q(pk__in=[])


def instrument_list_for(*, actor, state: str = "", kind: str = "", overdue_on: dt.date | None = None,
                        agency_id: int | None = None):
    """Newest first; one query per page whatever the number of rows (keyset paginated by the callers)."""
    qs = Instrument.objects.filter(visible_q(actor)).select_related("bureau", "agency")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if overdue_on is not None:
        qs = qs.filter(state__in=AWAITING_AGENCY, due_on__lt=overdue_on)
    return qs.order_by("-issued_at", "-id")


def instrument_get_for(*, actor, pk: int, request=None) -> Instrument:
    """One instrument with its timeline, files and documents; outside the actor's scope the same 404 as a missing
    one, the attempt logged."""
    row = (Instrument.objects.filter(pk=pk).select_related("bureau__jurisdiction", "agency__jurisdiction", "issued_by")
           .prefetch_related("cases", Prefetch("steps", queryset=Step.objects.select_related("actor").prefetch_related(
               Prefetch("files", queryset=StepFile.objects.select_related("blob")))),
               Prefetch("documents", queryset=SealedDocument.objects.select_related("blob"))).first())
    if row is None:
        raise NotFoundError()
    if not Instrument.objects.filter(visible_q(actor), pk=pk).exists():
        org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"instruments.instrument:{pk}", not_found=True)
    return row


def bureaus_for(*, actor):
    """The justice bureaus the actor may issue for (their grant covers the bureau's jurisdiction)."""
    scope = org_perms.scope_for(actor, BUREAU_PERMISSION)
    if scope.empty:
        return Agency.objects.none()
    return (Agency.objects.filter(scope.jurisdiction_q("jurisdiction__"), is_justice_bureau=True)
            .select_related("jurisdiction").order_by("jurisdiction__path"))


def current_requirement(instrument: Instrument) -> str:
    """The requirement in force: the issued one, or the one a re-examination changed it to (steps prefetched)."""
    requirement = instrument.requirement
    for step in instrument.steps.all():
        if step.action == "decide_review" and step.data.get("outcome") == "changed":
            requirement = step.data.get("requirement") or requirement
    return requirement
