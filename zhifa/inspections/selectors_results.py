"""Every shared read of execution and results (STYLE habit 4): the inspections an actor may see, one inspection with
what its page shows, a draw's inspections (the draw page's panel), the actor's tasks, and the portal's published
results (structured facts only: outcome labels, item names, whether a case was opened — never the free texts or the
inspectors' names).

Who reads an inspection: the staff of the lead agency or of a partner agency of its batch (inspections.view, which
supervisors hold over their subtree), and the inspectors the draw assigned to it. Outside that, the same 404 as a
missing one, the attempt logged."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from .models import (
    Assignment,
    Batch,
    Draw,
    DrawState,
    Finding,
    Inspection,
    InspectionState,
    InspectionStep,
    Outcome,
)
from .workflow import PUBLISH_PERMISSION, VIEW_PERMISSION


def visible_q(actor) -> Q:
    """Inspections of an agency in the actor's view scope (lead or partner), and those the actor is assigned to."""
    q = Q(pk__in=[])
    scope = org_perms.scope_for(actor, VIEW_PERMISSION)
    if scope.everywhere:  # a system administrator: Q(pk__in=[]) | Q() would match nothing
        return Q()
    if not scope.empty:
        q |= Q(scope.agency_q("agency__"))
        q |= Q(drawn__draw__batch__in=Batch.objects.filter(
            partners__in=Agency.objects.filter(scope.agency_q())).values("pk"))
    if getattr(actor, "pk", None):
        q |= Q(drawn__assignments__person__user_id=actor.pk)
    return q


def may_view(actor) -> bool:
    """Whether the actor may open the inspection pages at all (a scope, or an assignment)."""
    return (org_perms.can(actor, VIEW_PERMISSION)
            or (bool(getattr(actor, "pk", None)) and Assignment.objects.filter(person__user_id=actor.pk).exists()))


def _base() -> QuerySet:
    return Inspection.objects.select_related("agency", "drawn__target", "drawn__draw__batch__plan")


def inspection_list_for(*, actor, state: str = "", agency_id: int | None = None, overdue: bool = False,
                        today: dt.date | None = None) -> QuerySet:
    """Newest first (keyset paginated by the callers). `overdue`: recorded, not published, past result_due. The
    inspections of a superseded draw are left out: nobody is to inspect them any more (they stay on the draw's page)."""
    ids = Inspection.objects.filter(visible_q(actor)).values("pk")
    qs = _base().filter(pk__in=ids).exclude(drawn__draw__state=DrawState.SUPERSEDED)
    if state:
        qs = qs.filter(state=state)
    if agency_id:
        qs = qs.filter(Q(agency_id=agency_id) | Q(drawn__draw__batch__partners__id=agency_id)).distinct()
    if overdue:
        qs = qs.filter(state=InspectionState.RECORDED, result_due__lt=today or timezone.localdate())
    return qs.order_by("-id")


def inspection_get_for(*, actor, pk: int, request=None) -> Inspection:
    found = _base().filter(pk=pk).filter(pk__in=Inspection.objects.filter(visible_q(actor)).values("pk")).first()
    if found is None:
        org_perms.deny(actor, VIEW_PERMISSION, request=request, not_found=True,
                       detail=f"inspections.inspection:{pk}")
    return found


@dataclass
class InspectionView:
    inspection: Inspection
    items: list
    findings: dict  # item id -> current Finding
    assignments: list
    steps: list

    @property
    def batch(self):
        return self.inspection.drawn.draw.batch

    @property
    def cases(self) -> list:
        return [f.case for f in self.findings.values() if f.case_id]

    @property
    def overdue(self) -> bool:
        i = self.inspection
        return i.state == InspectionState.RECORDED and i.result_due is not None and i.result_due < timezone.localdate()


def inspection_view(inspection: Inspection) -> InspectionView:
    from .execution import batch_items, current_findings

    return InspectionView(
        inspection=inspection, items=batch_items(inspection),
        findings={f.item_id: f for f in current_findings(inspection)},
        assignments=list(inspection.drawn.assignments.select_related("person", "agency").order_by("order")),
        steps=list(InspectionStep.objects.filter(inspection=inspection).select_related("actor").order_by("at", "id")))


def draw_inspections(draw: Draw) -> list[Inspection]:
    """The draw page's panel: each drawn target's inspection with its inspectors, in rank order (two queries)."""
    return list(Inspection.objects.filter(drawn__draw=draw).select_related("drawn__target", "agency")
                .prefetch_related(Prefetch("drawn__assignments",
                                           queryset=Assignment.objects.select_related("person", "agency")
                                           .order_by("order")))
                .order_by("drawn__rank"))


def assigned_to(actor) -> QuerySet:
    """The inspections the actor was assigned to by a live draw, not yet recorded."""
    if not getattr(actor, "pk", None):
        return Inspection.objects.none()
    return (_base().filter(state=InspectionState.ASSIGNED, drawn__draw__state=DrawState.DRAWN,
                           pk__in=Assignment.objects.filter(person__user_id=actor.pk).values("drawn__inspection"))
            .order_by("drawn__draw__batch__ends_on", "id"))


def awaiting_publication_for(actor) -> QuerySet:
    """Recorded results awaiting publication in the agencies where the actor publishes, the earliest due first."""
    scope = org_perms.scope_for(actor, PUBLISH_PERMISSION)
    if scope.empty:
        return Inspection.objects.none()
    return (_base().filter(scope.agency_q("agency__"), state=InspectionState.RECORDED)
            .exclude(drawn__draw__state=DrawState.SUPERSEDED).order_by("result_due", "id"))


# --- the portal ---------------------------------------------------------------------------------------------------

def _subtree_agencies(j) -> QuerySet:
    return Agency.objects.filter(jurisdiction__path__startswith=j.path)


def portal_results(j, *, agency_id: int | None = None) -> QuerySet:
    """The published results of the subtree's agencies (the lead's, or a partner's in a joint batch), newest first."""
    agencies = _subtree_agencies(j)
    partner = Batch.partners.through.objects.filter(batch_id=OuterRef("drawn__draw__batch_id"),
                                                    agency__in=agencies)
    qs = (Inspection.objects.filter(state=InspectionState.PUBLISHED, published_at__isnull=False)
          .filter(Q(agency__in=agencies) | Q(Exists(partner)))
          .annotate(substituted=Exists(substituted_steps())))
    if agency_id:
        mine = Batch.partners.through.objects.filter(batch_id=OuterRef("drawn__draw__batch_id"), agency_id=agency_id)
        qs = qs.filter(Q(agency_id=agency_id) | Q(Exists(mine)))
    return (qs.select_related("agency", "drawn__target", "drawn__draw__batch")
            .prefetch_related("drawn__draw__batch__partners",
                              Prefetch("findings", to_attr="current",
                                       queryset=Finding.objects.filter(superseded_by__isnull=True)
                                       .select_related("item__item_list__agency")
                                       .order_by("item__item_list__agency_id", "item_id")))
            .order_by("-published_at", "-id"))


def substituted_steps() -> QuerySet:
    """The record steps of an inspection (OuterRef "pk") made by someone not assigned (execution.substitution_check)."""
    return InspectionStep.objects.filter(inspection=OuterRef("pk"), action="record", data__has_key="substitution")


def portal_result(j, pk: int) -> Inspection:
    found = portal_results(j).filter(pk=pk).first()
    if found is None:
        raise NotFoundError("没有该抽查结果，或尚未公示。")
    return found


def public_facts(inspection: Inspection) -> dict:
    """What the portal publishes of one result: structured facts only (PUB-13)."""
    batch = inspection.drawn.draw.batch
    agencies = [inspection.agency.name] + [a.name for a in batch.partners.all() if a.pk != inspection.agency_id]
    findings = getattr(inspection, "current", None)
    if findings is None:
        findings = list(Finding.objects.filter(inspection=inspection, superseded_by__isnull=True)
                        .select_related("item__item_list__agency").order_by("item__item_list__agency_id", "item_id"))
    items = [{"item": f.item.name, "number": f.item.number, "agency": f.item.item_list.agency.name,
              "outcome": f.outcome, "outcome_label": Outcome(f.outcome).label, "case_opened": f.case_id is not None}
             for f in findings]
    problems = [i for i in items if i["outcome"] != Outcome.NO_PROBLEM]
    substituted = getattr(inspection, "substituted", None)
    if substituted is None:
        substituted = InspectionStep.objects.filter(inspection=inspection, action="record",
                                                    data__has_key="substitution").exists()
    return {"id": inspection.pk, "target": inspection.drawn.target.name, "code": inspection.drawn.target.code,
            "agencies": agencies, "batch": batch.title, "draw_id": inspection.drawn.draw_id,
            "inspected_on": inspection.inspected_on, "published_at": inspection.published_at, "items": items,
            "summary": "未发现问题" if not problems else "；".join(f"{i['item']}：{i['outcome_label']}" for i in problems),
            "cases_opened": sum(1 for i in items if i["case_opened"]),
            # Review M8: whether someone other than the drawn inspectors recorded it (no names published).
            "substituted": bool(substituted)}


RECORD_TITLE = "双随机抽查检查记录"


def record_context(inspection: Inspection) -> dict:
    """What the standard document prints: the latest record step, the findings in force, the drawn inspectors."""
    from django.utils import timezone

    from zhifa.cases import rendering

    from .execution import current_findings

    step = inspection.steps.filter(action="record").order_by("-at", "-id").first()
    if step is None:
        raise ValueError("not recorded")
    agency, drawn = inspection.agency, inspection.drawn
    title = RECORD_TITLE
    return {
        "bureau": agency.name, "title": title, "number": f"抽查记录第 {inspection.pk} 号", "agency": agency,
        "target": drawn.target, "inspected_on": rendering.chinese_date(inspection.inspected_on),
        "place": inspection.place, "batch": drawn.draw.batch, "draw": drawn.draw,
        "assignments": list(drawn.assignments.select_related("person", "agency").order_by("order")),
        "record": [line for line in inspection.record.splitlines() if line.strip()],
        "findings": list(current_findings(inspection).select_related("item", "case")),
        "av": inspection.av.sha256 if inspection.av_id else "",
        "substitution": (step.data.get("substitution") or {}).get("reason", ""), "entry": step.entry_id,
        "date": rendering.chinese_date(timezone.localdate()), "seal": rendering._seal_data_uri(agency)}


def record_document(inspection: Inspection) -> tuple[bytes, str]:
    """The inspection's record as the standard document (双随机抽查检查记录), rendered from its latest record step and
    findings and sealed with the lead agency's signature: (PDF, file name). Made on demand from what the log holds,
    so a correction gives a new document and nothing is stored twice."""
    from django.template.loader import render_to_string

    from zhifa.cases import rendering, signing

    agency = inspection.agency
    pdf = rendering.html_to_pdf(render_to_string("inspections/print/record.html", record_context(inspection)))
    data, _signer = signing.sign_pdf(pdf, agency=agency, reason=RECORD_TITLE, location=agency.jurisdiction.name)
    return data, f"{RECORD_TITLE}-{inspection.pk}.pdf"
