"""What waits in supervision for whom (issue 20 §3): an agency's open alerts on its heads' to-do list.

Read only, one query whatever the number of alerts. The heads hold the agency grant of permissions.TODO; supervisors
(jurisdiction grants) work from the alert queue instead, so their home page is not every agency's list."""

import datetime as dt

from django.urls import reverse

from zhifa.core.todo import TodoItem, item, roles_label
from zhifa.org import permissions as org_perms

from .models import Alert
from .permissions import TODO
from .registry import REGISTRY, Level
from .workflow import AlertState


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    scope = org_perms.scope_for(user, TODO)
    if scope.everywhere or not scope.agency_ids:
        return []
    alerts = (Alert.objects.filter(state=AlertState.OPEN, agency_id__in=scope.agency_ids)
              .select_related("agency", "case").order_by("-opened_at", "-id"))
    who = roles_label(TODO)
    items = []
    for alert in alerts:
        model = REGISTRY.get(alert.model)
        name = model.name if model is not None else alert.model
        level = Level(alert.level).label if alert.level in Level.values else alert.level
        label = f"{alert.case.number} {alert.case.title}" if alert.case_id else alert.agency.name
        subject = f"cases.case:{alert.case_id}" if alert.case_id else f"org.agency:{alert.agency_id}"
        items.append(item(
            kind="supervision.alert", key=f"supervision.alert:{alert.pk}:{alert.level}",
            title=f"处理监督{level}：{name}", brief="处理监督预警", label=label,
            url=reverse("supervision-alert", args=[alert.pk]), actor=who, agency=alert.agency.name,
            agency_id=alert.agency_id, due=alert.due,
            on=on, subject=subject, ref=alert.case.number if alert.case_id else alert.agency.name,
            hint=alert.detail, status=f"（{alert.model} {level}）"))
    return items
