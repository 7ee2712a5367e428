"""The draws panel of a batch's page (inspections/draws/_batch_panel.html, included by the set-up pages with `batch`):
what the viewer may do is asked here, where the user is known."""

from django import template
from django.utils import timezone

from zhifa.core import workflow as wf
from zhifa.org import permissions as org_perms

from ..flows import DRAW_WORKFLOW
from ..models import PlanState
from ..selectors_draws import draws_of_batch
from ..workflow import MANAGE_PERMISSION

register = template.Library()


@register.simple_tag(takes_context=True)
def draw_panel(context, batch) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    draws = list(draws_of_batch(batch))
    live = next((d for d in draws if d.state != "superseded"), None)
    manage = user is not None and org_perms.can(user, MANAGE_PERMISSION, agency=batch.plan.agency)
    return {
        "draws": draws, "live": live,
        "can_freeze": manage and live is None and batch.plan.state == PlanState.FILED,
        "can_redraw": live is not None and user is not None and manage and wf.may(DRAW_WORKFLOW, "supersede", live,
                                                                                 user),
        "filed": batch.plan.state == PlanState.FILED,
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
