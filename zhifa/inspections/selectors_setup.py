"""Every read of the set-up part (item lists, directories, recusal links, plans and batches), scoped to the actor
(STYLE habit 4): an agency's staff read their agency's; a supervisor (inspections.view over a subtree) reads the
published lists and the filed plans of the subtree; a reviewer reads the lists submitted to them. Outside one's scope
the same 404 as a missing object, the attempt logged. The portal's reads (no login) are at the end: published lists
and filed plans only."""

from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, AgencyStatus
from zhifa.rules.selectors import rule_get

from . import flows
from .models import (
    Batch,
    Item,
    ItemList,
    ItemListStep,
    ListState,
    Plan,
    PlanState,
    PlanStep,
    RecusalLink,
    Target,
)
from .workflow import MANAGE_PERMISSION, REVIEW_PERMISSION, VIEW_PERMISSION

PUBLIC_LIST_STATES = (ListState.PUBLISHED, ListState.SUPERSEDED)


def _scope(actor, permission=VIEW_PERMISSION):
    return org_perms.scope_for(actor, permission)


def agencies_for(*, actor, permission: str = VIEW_PERMISSION):
    """The agencies (not justice bureaus, not revoked) where the actor holds `permission`."""
    scope = _scope(actor, permission)
    if scope.empty:
        return Agency.objects.none()
    return (Agency.objects.filter(scope.agency_q(), is_justice_bureau=False).exclude(status=AgencyStatus.REVOKED)
            .select_related("jurisdiction").order_by("jurisdiction__path", "name"))


def _own_or_published_q(actor, published_states, prefix="agency__") -> Q:
    """An agency grant reads everything of the agency; a subtree grant (a supervisor) only what is published/filed."""
    scope = _scope(actor)
    if scope.everywhere:
        return Q()
    q = Q(**{f"{prefix}id__in": scope.agency_ids}) if scope.agency_ids else Q(pk__in=[])
    for path in scope.paths:
        q |= Q(**{f"{prefix}jurisdiction__path__startswith": path}) & published_states
    return q


def reviewed_jurisdictions(actor) -> list[int]:
    """The jurisdictions whose item lists the actor reviews: where an agency they hold review_items for is of the
    field the rule inspections.item_list_reviewer names."""
    scope = _scope(actor, REVIEW_PERMISSION)
    if scope.empty or scope.everywhere:
        return []
    out, today = [], timezone.localdate()
    for a in Agency.objects.filter(scope.agency_q(), is_justice_bureau=False).exclude(
            status=AgencyStatus.REVOKED).select_related("jurisdiction")[:50]:
        if rule_get(flows.RULE_ITEM_LIST_REVIEWER, jurisdiction=a.jurisdiction, as_of=today).value == a.field:
            out.append(a.jurisdiction_id)
    return out


def item_lists_for(*, actor, state: str = ""):
    q = _own_or_published_q(actor, Q(state__in=PUBLIC_LIST_STATES))
    reviewed = reviewed_jurisdictions(actor)
    if reviewed:
        q |= Q(agency__jurisdiction_id__in=reviewed) & ~Q(state=ListState.DRAFT)
    qs = (ItemList.objects.filter(q).select_related("agency__jurisdiction").annotate(rows=Count("items"))
          .order_by("-created_at", "-id"))
    return qs.filter(state=state) if state else qs


def review_queue_for(*, actor):
    """The lists submitted to the actor for review."""
    reviewed = reviewed_jurisdictions(actor)
    if not reviewed:
        return ItemList.objects.none()
    return (ItemList.objects.filter(agency__jurisdiction_id__in=reviewed, state=ListState.SUBMITTED)
            .select_related("agency").annotate(rows=Count("items")).order_by("created_at", "id"))


def item_list_get_for(*, actor, pk: int, request=None) -> ItemList:
    row = (ItemList.objects.filter(pk=pk).select_related("agency__jurisdiction", "created_by", "supersedes")
           .prefetch_related("items", Prefetch("steps", queryset=ItemListStep.objects.select_related("actor")))
           .first())
    if row is None:
        raise NotFoundError()
    if item_lists_for(actor=actor).filter(pk=pk).exists():
        return row
    org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"inspections.item_list:{pk}", not_found=True)


def published_items_of(agencies):
    """Items of the currently published lists of `agencies` (a batch's choices)."""
    return (Item.objects.filter(item_list__state=ListState.PUBLISHED, item_list__agency__in=agencies)
            .select_related("item_list__agency").order_by("item_list__agency_id", "id"))


# --- directory -----------------------------------------------------------------------------------------------------

def directory_agency_for(*, actor, pk: int, request=None) -> Agency:
    """An agency whose directory the actor reads: its staff and the supervisors above it."""
    agency = Agency.objects.select_related("jurisdiction").filter(pk=pk).first()
    if agency is None:
        raise NotFoundError()
    if not org_perms.can(actor, VIEW_PERMISSION, agency=agency):
        org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"inspections.directory:{pk}", not_found=True)
    return agency


def targets_of(agency, *, target_type: str = "", risk_class: str = "", active: str = "", query: str = ""):
    qs = Target.objects.filter(agency=agency).select_related("place")
    if target_type:
        qs = qs.filter(target_type=target_type)
    if risk_class:
        qs = qs.filter(risk_class=risk_class)
    if active in ("1", "0"):
        qs = qs.filter(active=active == "1")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query.upper()))
    return qs.order_by("code", "id")


def directory_summary(agency) -> list[dict]:
    """Counts of targets in the register by type and class."""
    rows = (Target.objects.filter(agency=agency, active=True).values("target_type", "risk_class")
            .annotate(n=Count("id")).order_by("target_type", "risk_class"))
    return list(rows)


def class_counts(agency, classes: list[dict]) -> list[dict]:
    """Per class of the rule: its name, ratio and how many targets in the register hold it."""
    counts = dict(Target.objects.filter(agency=agency, active=True).values_list("risk_class").annotate(n=Count("id")))
    from .items import percent

    return [{"code": c["code"], "name": c["name"], "ratio": percent(Decimal(str(c["ratio"]))),
             "count": counts.get(c["code"], 0)} for c in classes]


def target_get_for(*, actor, pk: int, request=None) -> Target:
    t = Target.objects.filter(pk=pk).select_related("agency__jurisdiction", "place").first()
    if t is None:
        raise NotFoundError()
    if not org_perms.can(actor, VIEW_PERMISSION, agency=t.agency):
        org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"inspections.target:{pk}", not_found=True)
    return t


def recusal_history(target):
    return (RecusalLink.objects.filter(target=target).select_related("person", "actor", "ends")
            .order_by("-id"))


def recusal_get_for(*, actor, pk: int, request=None) -> RecusalLink:
    link = RecusalLink.objects.filter(pk=pk).select_related("agency__jurisdiction", "target").first()
    if link is None:
        raise NotFoundError()
    if not org_perms.can(actor, VIEW_PERMISSION, agency=link.agency):
        org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"inspections.recusal:{pk}", not_found=True)
    return link


# --- plans ---------------------------------------------------------------------------------------------------------

def plans_for(*, actor, year: int | None = None):
    """The plans of the actor's agencies, and the filed plans of a supervisor's subtree (filed with the level
    above)."""
    qs = (Plan.objects.filter(_own_or_published_q(actor, Q(state=PlanState.FILED)))
          .select_related("agency__jurisdiction").annotate(batch_count=Count("batches")).order_by("-year", "-id"))
    return qs.filter(year=year) if year else qs


def _batches():
    return Batch.objects.select_related("area").prefetch_related("partners", "items__item_list__agency")


def plan_get_for(*, actor, pk: int, request=None) -> Plan:
    row = (Plan.objects.filter(pk=pk).select_related("agency__jurisdiction", "created_by")
           .prefetch_related(Prefetch("batches", queryset=_batches()),
                             Prefetch("steps", queryset=PlanStep.objects.select_related("actor"))).first())
    if row is None:
        raise NotFoundError()
    if plans_for(actor=actor).filter(pk=pk).exists():
        return row
    org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"inspections.plan:{pk}", not_found=True)


def batch_get_for(*, actor, pk: int, request=None) -> Batch:
    row = (_batches().select_related("plan__agency__jurisdiction", "created_by").filter(pk=pk).first())
    if row is None:
        raise NotFoundError()
    if plans_for(actor=actor).filter(pk=row.plan_id).exists() or (
            row.partners.filter(pk__in=agencies_for(actor=actor).values("pk")).exists()):
        return row
    org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"inspections.batch:{pk}", not_found=True)


def can_manage(actor, agency) -> bool:
    return org_perms.can(actor, MANAGE_PERMISSION, agency=agency)


# --- the portal (no login): published lists, filed plans --------------------------------------------------------

def portal_item_lists(jurisdiction):
    """The lists published now by the subtree's confirmed agencies (one per agency)."""
    return (ItemList.objects.filter(state=ListState.PUBLISHED, agency__status=AgencyStatus.CONFIRMED,
                                    agency__jurisdiction__path__startswith=jurisdiction.path)
            .select_related("agency__jurisdiction").annotate(rows=Count("items"))
            .order_by("agency__jurisdiction__path", "agency__name", "-version"))


def portal_item_list(jurisdiction, pk: int) -> ItemList:
    """A version published now or once (a superseded one stays readable, marked so)."""
    row = (ItemList.objects.filter(pk=pk, state__in=PUBLIC_LIST_STATES, agency__status=AgencyStatus.CONFIRMED,
                                   agency__jurisdiction__path__startswith=jurisdiction.path)
           .select_related("agency", "superseded_by").prefetch_related("items").first())
    if row is None:
        raise NotFoundError("未找到该随机抽查事项清单。")
    return row


def portal_plans(jurisdiction):
    return (Plan.objects.filter(state=PlanState.FILED, agency__status=AgencyStatus.CONFIRMED,
                                agency__jurisdiction__path__startswith=jurisdiction.path)
            .select_related("agency__jurisdiction").annotate(batch_count=Count("batches"))
            .order_by("-year", "agency__jurisdiction__path", "-id"))


def portal_plan(jurisdiction, pk: int) -> Plan:
    row = (portal_plans(jurisdiction).filter(pk=pk)
           .prefetch_related(Prefetch("batches", queryset=_batches())).first())
    if row is None:
        raise NotFoundError("未找到该随机抽查计划。")
    return row
