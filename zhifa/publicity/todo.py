"""What waits in publicity for whom (issue 18 §1), from the states of workflow.MOVES.

Read only, in a fixed number of queries. A collected item waits for its editor to submit it (publicity.edit), and
one sent back says so; a submitted item or an exemption request waits for the approver (publicity.approve); a
decision carries its publication deadline (PUB-07: the rules' `publicity.decision_days` of the agency's
jurisdiction, stored as `due_on` when it was collected). The public's requests wait for those who handle them,
by their reply deadline (`publicity.request_days`).
"""

import datetime as dt

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from zhifa.core.todo import TodoItem, item, roles_label
from zhifa.org import permissions as org_perms

from .models import Publication, Request, Step
from .selectors import overdue_for
from .workflow import REQUEST_OPEN, State

# (state) -> (what, title, permission of those who act)
BY_STATE = {
    State.COLLECTED: ("submit", "核对公开文本并提交审核", "publicity.edit"),
    State.SUBMITTED: ("approve", "审核并发布", "publicity.approve"),
    State.EXEMPTION_REQUESTED: ("exemption", "审批不予公开申请", "publicity.approve"),
}
ANCHOR = "#act-h"  # the item page's "办理" section


def _open_items(q: Q):
    last = Step.objects.filter(publication=OuterRef("pk")).order_by("-at", "-id")
    return (Publication.objects.filter(q, state__in=list(BY_STATE)).select_related("agency", "case")
            .annotate(last_action=Subquery(last.values("action")[:1]), last_step=Subquery(last.values("pk")[:1]))
            .defer("original_text", "public_text", "search_tokens", "rows").order_by("id"))


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    edit = org_perms.scope_for(user, "publicity.edit")
    approve = org_perms.scope_for(user, "publicity.approve")
    if edit.empty and approve.empty:
        return _request_items(user, on=on)
    q = Q(pk__in=[])
    if not edit.empty:
        q |= Q(edit.agency_q("agency__"), state=State.COLLECTED)
    if not approve.empty:
        q |= Q(approve.agency_q("agency__"), state__in=(State.SUBMITTED, State.EXEMPTION_REQUESTED))
    items = []
    for pub in _open_items(q):
        what, title, permission = BY_STATE[pub.state]
        key = f"publicity.{what}:{pub.pk}:{pub.last_step or 0}"
        kind = f"publicity.{what}"
        if pub.state == State.COLLECTED and pub.last_action == "return":
            kind, title = "publicity.returned", "被退回修改：按审核意见修改后重新提交审核"
        elif pub.state == State.COLLECTED and pub.last_action == "reject_exemption":
            kind, title = "publicity.exemption_rejected", "不予公开申请未获批准：核对公开文本并提交审核"
        items.append(item(kind=kind, key=key, title=title, label=pub.title, ref=pub.case.number if pub.case else "",
                          url=reverse("publicity-item", args=[pub.pk]) + ANCHOR, actor=roles_label(permission),
                          agency=pub.agency.name, due=pub.due_on, provisional=pub.due_provisional, on=on))
    return items + _request_items(user, on=on)


def _request_items(user, *, on: dt.date) -> list[TodoItem]:
    scope = org_perms.scope_for(user, "publicity.handle_requests")
    if scope.empty:
        return []
    rows = (Request.objects.filter(scope.agency_q("agency__"), state__in=REQUEST_OPEN).select_related("agency")
            .order_by("id"))
    return [item(kind="publicity.request", key=f"publicity.request:{r.pk}:{r.state}",
                 title=f"办理{r.get_kind_display()}", label=f"受理编号 {r.reference}", ref=f"受理编号 {r.reference}",
                 url=reverse("publicity-request", args=[r.pk]) + "#action",
                 actor=roles_label("publicity.handle_requests"), agency=r.agency.name, due=r.due_on,
                 provisional=r.due_provisional, on=on) for r in rows]


def overdue_items_for(user, *, on: dt.date) -> list[TodoItem]:
    """Decisions not published (or lawfully exempted) by their deadline (PUB-07; IM-M §12) in the user's scope."""
    out = []
    for pub in overdue_for(actor=user, on=on).select_related("case"):
        what, title, permission = BY_STATE[pub.state]
        out.append(item(kind=f"publicity.{what}", key=f"publicity.{what}:{pub.pk}", title=title, label=pub.title,
                        ref=pub.case.number if pub.case else "",
                        url=reverse("publicity-item", args=[pub.pk]) + ANCHOR, actor=roles_label(permission),
                        agency=pub.agency.name, due=pub.due_on, provisional=pub.due_provisional, on=on))
    return out
