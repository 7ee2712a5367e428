"""What waits on special inspections for whom (issue 18 §1; issue 20 §5). Read only, one query per side: the heads
of each agency a published notice was sent to acknowledge it (签收) until one of them does; the organising bureau's
supervisors finish an inspection under way (its findings, then the report)."""

import datetime as dt

from django.urls import reverse

from zhifa.core.todo import TodoItem, item, roles_label
from zhifa.org import permissions as org_perms

from .models import Campaign, NoticeDelivery, State
from .selectors import bureau_q
from .workflow import AGENCY_PERMISSION, BUREAU_PERMISSION


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    out = []
    if not org_perms.scope_for(user, BUREAU_PERMISSION).empty:
        out += [item(kind="campaigns.inspect", key=f"campaigns.inspect:{c.pk}", title="完成专项监督检查（记录检查结果、形成报告）",
                     label=c.title, url=reverse("campaigns-detail", args=[c.pk]) + "#sampled",
                     actor=roles_label(BUREAU_PERMISSION), on=on, agency=c.bureau.name, agency_id=c.bureau_id,
                     subject=f"campaigns.campaign:{c.pk}")
                for c in Campaign.objects.filter(bureau_q(user), state=State.INSPECTING).select_related("bureau")
                .order_by("created_at", "id")]
    scope = org_perms.scope_for(user, AGENCY_PERMISSION)
    if scope.empty:
        return out
    rows = (NoticeDelivery.objects.filter(scope.agency_q("agency__"), campaign__state=State.PUBLISHED,
                                          receipt__isnull=True)
            .select_related("campaign", "agency").order_by("campaign_id", "agency_id"))
    return out + [item(kind="campaigns.acknowledge", key=f"campaigns.acknowledge:{d.campaign_id}:{d.agency_id}",
                 title="签收专项监督检查通报", label=d.campaign.title,
                 url=reverse("campaigns-detail", args=[d.campaign_id]) + "#notice",
                 actor=roles_label(AGENCY_PERMISSION), on=on, agency=d.agency.name, agency_id=d.agency_id,
                 subject=f"campaigns.campaign:{d.campaign_id}") for d in rows]
