"""Reads of the draws (INS-02, INS-03), scoped (STYLE habit 4): staff see the draws of the agencies their
inspections.view grant covers (the lead agency's, or a partner's in a joint batch); the portal shows every draw of a
jurisdiction's subtree, frozen ones included (the announcement before the randomness exists)."""

from django.db.models import Q, QuerySet

from zhifa.org import permissions as org_perms
from zhifa.org.models import AgencyStatus

from .models import Assignment, Draw, DrawnTarget, DrawState, RecusalSkip
from .procedure import RECUSAL_REASONS
from .workflow import VIEW_PERMISSION

_RELATED = ("batch__plan__agency__jurisdiction", "checkpoint", "redraw_of", "population", "freeze_entry")


def _visible(actor, draw: Draw) -> bool:
    scope = org_perms.scope_for(actor, VIEW_PERMISSION)
    agencies = [draw.batch.plan.agency, *draw.batch.partners.select_related("jurisdiction")]
    return any(scope.covers_agency(a) for a in agencies)


def draw_get_for(*, actor, pk, request=None) -> Draw:
    """One draw, or the same 404 for a missing one and one outside the actor's scope (the denial logged)."""
    draw = Draw.objects.select_related(*_RELATED).filter(pk=pk).first()
    if draw is None or not _visible(actor, draw):
        org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"inspections.draw:{pk}", not_found=True)
    return draw


def draws_of_batch(batch) -> QuerySet[Draw]:
    return batch.draws.select_related("redraw_of", "checkpoint").order_by("number")


def live_draw(batch) -> Draw | None:
    return batch.draws.exclude(state=DrawState.SUPERSEDED).first()


def redrawn_by(draw: Draw) -> Draw | None:
    return Draw.objects.filter(redraw_of=draw).first()


def draw_result(draw: Draw) -> list[dict]:
    """The drawn targets in assignment order, each with its target, its inspectors (names and certificates) and the
    recusal skips with the reason's label. Three queries whatever the size."""
    rows = list(DrawnTarget.objects.filter(draw=draw).select_related("target").order_by("rank"))
    by_id = {r.pk: {"row": r, "inspectors": [], "skips": []} for r in rows}
    for a in Assignment.objects.filter(drawn__draw=draw).select_related("person", "agency").order_by("drawn_id",
                                                                                                      "order"):
        by_id[a.drawn_id]["inspectors"].append(a)
    for s in RecusalSkip.objects.filter(drawn__draw=draw).order_by("drawn_id", "id"):
        by_id[s.drawn_id]["skips"].append({"certificate": s.certificate, "reason": s.reason,
                                           "label": RECUSAL_REASONS.get(s.reason, s.reason)})
    return [by_id[r.pk] for r in rows]


def portal_draws(jurisdiction) -> QuerySet[Draw]:
    """Every draw of the subtree's confirmed agencies (lead; as the portal's other lists), newest first: frozen ones
    announced, superseded ones kept."""
    return (Draw.objects.select_related("batch__plan__agency__jurisdiction", "redraw_of")
            .filter(Q(batch__plan__agency__jurisdiction__path__startswith=jurisdiction.path),
                    batch__plan__agency__status=AgencyStatus.CONFIRMED)
            .order_by("-created_at", "-id"))


def portal_draw(jurisdiction, pk) -> Draw:
    from zhifa.core.errors import NotFoundError

    draw = portal_draws(jurisdiction).select_related(*_RELATED).filter(pk=pk).first()
    if draw is None:
        raise NotFoundError("未找到该抽取记录。")
    return draw


def strata_view(draw: Draw) -> list[dict]:
    """The frozen strata for people: each class by its name (the rule of the lead agency's jurisdiction) and its ratio
    as a percentage, never the class code."""
    from .directory import class_names
    from .rules_text import percent

    names = class_names(draw.batch.plan.agency)
    return [{"name": names.get(s["class"], "未命名分类"), "percent": percent(s["ratio"]), "available": s["available"],
             "count": s["count"]} for s in draw.frozen.get("strata", [])]


def class_names(draw: Draw) -> dict[str, str]:
    from .directory import class_names as names

    return names(draw.batch.plan.agency)
