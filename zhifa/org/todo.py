"""What waits in the registry for whom (issue 18 §1). Read only, in a fixed number of queries.

An enforcement certificate about to expire waits for those who keep the agency's people (org.manage: the registry
administrator and the agency head), who arrange its renewal with the issuing justice bureau (ORG-03), and for the
certificate's holder. An agency whose status awaits confirmation waits for the justice bureau (org.confirm_agency).
"""

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from zhifa.core.todo import TodoItem, item, roles_label

from . import permissions as perms
from .models import AgencyStatus, Certificate
from .selectors import agency_list_for, valid_certificate_q

# How far ahead an expiring certificate is announced: the horizon the home page has always shown (60 days).
NOTICE_DAYS = 60


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    manage = perms.scope_for(user, "org.manage")
    q = Q(person__user=user.pk)
    if not manage.empty:
        q |= manage.agency_q("person__agency__")
    rows = (Certificate.objects.filter(q, valid_certificate_q(on), valid_to__lte=on + dt.timedelta(days=NOTICE_DAYS))
            .select_related("person", "person__agency").order_by("valid_to", "id"))
    items = [item(kind="org.certificate_expiring", key=f"org.certificate_expiring:{c.pk}",
                  title="执法证即将到期，请办理换证", label=f"{c.person.name} 执法证 {c.number}",
                  url=reverse("person-detail", args=[c.person_id]), actor=f"{c.person.name}、{roles_label('org.manage')}",
                  agency=c.person.agency.name,
                  agency_id=c.person.agency_id, due=c.valid_to, on=on) for c in rows]
    if perms.can(user, "org.confirm_agency"):
        for agency in agency_list_for(actor=user, status=AgencyStatus.PENDING).select_related("jurisdiction"):
            if perms.can(user, "org.confirm_agency", agency=agency):
                items.append(item(kind="org.confirm_agency", key=f"org.confirm_agency:{agency.pk}",
                                  title="确认执法主体资格", label=agency.name, ref=agency.name,
                                  url=reverse("agency-detail", args=[agency.pk]), actor=roles_label("org.confirm_agency"),
                                  agency=agency.name, agency_id=agency.pk, on=on))
    return items
