"""What waits on random inspections for whom (issue 18 §1; issue 22 §5). Read only, one query per side: an inspector
the draw assigned inspects the target and records it within the batch's dates; those who publish in the lead agency
publish each recorded result by its due date (result_due, from the rule inspections.result_days). For oversight, the
results overdue in the supervisor's scope."""

import datetime as dt

from django.urls import reverse

from zhifa.core.todo import TodoItem, item, roles_label
from zhifa.org import permissions as org_perms

from . import selectors_results as selectors
from .models import Inspection, InspectionState
from .workflow import PUBLISH_PERMISSION, VIEW_PERMISSION


def _label(i: Inspection) -> str:
    return f"{i.drawn.target.name}（{i.drawn.draw.batch.title}）"


def _url(i: Inspection, anchor: str) -> str:
    return reverse("inspections-inspection", args=[i.pk]) + anchor


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    out = [item(kind="inspections.record", key=f"inspections.record:{i.pk}", title="实施抽查检查并记录检查情况",
                label=_label(i), url=_url(i, "#record"), actor="随机选派的检查人员", on=on, agency=i.agency.name,
                agency_id=i.agency_id, due=i.drawn.draw.batch.ends_on, subject=f"inspections.inspection:{i.pk}",
                status="（待检查）")
           for i in selectors.assigned_to(user)]
    out += [item(kind="inspections.publish", key=f"inspections.publish:{i.pk}:{i.result_due}", title="公示抽查检查结果",
                 label=_label(i), url=_url(i, "#publish"), actor=roles_label(PUBLISH_PERMISSION), on=on,
                 agency=i.agency.name, agency_id=i.agency_id, due=i.result_due,
                 subject=f"inspections.inspection:{i.pk}", status="（检查结果待公示）")
             for i in selectors.awaiting_publication_for(user)]
    return out


def overdue_items_for(user, *, on: dt.date) -> list[TodoItem]:
    scope = org_perms.scope_for(user, VIEW_PERMISSION)
    if scope.empty:
        return []
    rows = (Inspection.objects.filter(scope.agency_q("agency__"), state=InspectionState.RECORDED, result_due__lt=on)
            .select_related("agency", "drawn__target", "drawn__draw__batch").order_by("result_due", "id"))
    return [item(kind="inspections.overdue", key=f"inspections.overdue:{i.pk}:{i.result_due}",
                 title="抽查检查结果逾期未公示", label=_label(i), url=_url(i, ""), actor=roles_label(PUBLISH_PERMISSION),
                 on=on, agency=i.agency.name, agency_id=i.agency_id, due=i.result_due,
                 subject=f"inspections.inspection:{i.pk}", status="逾期未公示检查结果") for i in rows]
