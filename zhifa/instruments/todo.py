"""What waits on supervision instruments for whom (issue 18 §1; issue 20 §4). Read only, in a fixed number of
queries: the agency's heads report corrections by the instrument's deadline; the issuing bureau's supervisors
accept or return a report and decide a re-examination by its deadline. For oversight, the instruments overdue in
the bureau's scope."""

import datetime as dt

from django.urls import reverse

from zhifa.core.todo import TodoItem, item, roles_label
from zhifa.org import permissions as org_perms

from .models import DOCUMENT_TITLE, Instrument, Kind, State
from .selectors import bureau_q
from .workflow import AGENCY_PERMISSION, AWAITING_AGENCY, BUREAU_PERMISSION


def _label(i: Instrument) -> str:
    return f"{i.number}《{DOCUMENT_TITLE[Kind(i.kind)]}》{i.title}"


def _url(i: Instrument, anchor: str) -> str:
    return reverse("instruments-detail", args=[i.pk]) + anchor


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    out = []
    agency_scope = org_perms.scope_for(user, AGENCY_PERMISSION)
    if not agency_scope.empty:
        for i in (Instrument.objects.filter(agency_scope.agency_q("agency__"), state__in=AWAITING_AGENCY)
                  .select_related("agency").order_by("due_on", "id")):
            out.append(item(kind="instruments.report", key=f"instruments.report:{i.pk}:{i.clock_from}",
                            title="报告监督文书整改情况", label=_label(i), url=_url(i, "#report"),
                            actor=roles_label(AGENCY_PERMISSION), on=on, agency=i.agency.name,
                            agency_id=i.agency_id, due=i.due_on,
                            provisional=i.provisional, subject=f"instruments.instrument:{i.pk}", ref=i.number,
                            status=f"（{State(i.state).label}）"))
    if not org_perms.scope_for(user, BUREAU_PERMISSION).empty:
        for i in (Instrument.objects.filter(bureau_q(user), state__in=(State.REPORTED, State.REVIEW_REQUESTED))
                  .select_related("agency").order_by("id")):
            reported = i.state == State.REPORTED
            out.append(item(kind="instruments.accept" if reported else "instruments.decide_review",
                            key=f"instruments.{i.state}:{i.pk}:{i.clock_from}",
                            title="验收整改情况" if reported else "作出复查决定", label=_label(i),
                            url=_url(i, "#bureau"), actor=roles_label(BUREAU_PERMISSION), on=on,
                            agency=i.agency.name,
                            agency_id=i.agency_id, due=None if reported else i.review_decision_due_on,
                            subject=f"instruments.instrument:{i.pk}", ref=i.number))
    return out


def overdue_items_for(user, *, on: dt.date) -> list[TodoItem]:
    if org_perms.scope_for(user, BUREAU_PERMISSION).empty:
        return []
    rows = (Instrument.objects.filter(bureau_q(user), state__in=AWAITING_AGENCY, due_on__lt=on)
            .select_related("agency").order_by("due_on", "id"))
    return [item(kind="instruments.overdue", key=f"instruments.overdue:{i.pk}:{i.clock_from}",
                 title="监督文书逾期未整改", label=_label(i), url=_url(i, ""), actor=roles_label(AGENCY_PERMISSION),
                 on=on, agency=i.agency.name, agency_id=i.agency_id, due=i.due_on, provisional=i.provisional,
                 subject=f"instruments.instrument:{i.pk}", ref=i.number, status="逾期未报告整改情况")
            for i in rows]
