"""What waits in publicity for whom (issue 18 §1), from the states of workflow.MOVES.

Read only, in a fixed number of queries. A collected item waits for its editor to submit it (publicity.edit), and
one sent back says so; a submitted item or an exemption request waits for the approver (publicity.approve); a
decision carries its publication deadline (PUB-07: the rules' `publicity.decision_days` of the agency's
jurisdiction, stored as `due_on` when it was collected). The public's requests wait for those who handle them,
by their reply deadline (`publicity.request_days`).

The four-eyes rule (whoever submitted cannot approve, services.publication_approve) decides who is offered what:
nobody is offered a step that makes the next one impossible for everyone. The submit step is not listed to the
agency's only approver (he would then be unable to approve his own submission), and 审核并发布 is never listed to
whoever submitted. Where nobody can move the item, it is listed without an action link to those concerned and on
the overdue page for those who can fix it (a grant of 公示信息审核人).
"""

import datetime as dt

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from zhifa.core.names import person_label
from zhifa.core.permissions import roles_with
from zhifa.core.todo import TodoItem, item, roles_label
from zhifa.org import permissions as org_perms
from zhifa.org.selectors import grants_covering

from .models import Publication, Request, Step
from .selectors import overdue_for
from .workflow import OPEN, REQUEST_OPEN, State

# (state) -> (what, title, permission of those who act)
BY_STATE = {
    State.COLLECTED: ("submit", "核对公开文本并提交审核", "publicity.edit"),
    State.SUBMITTED: ("approve", "审核并发布", "publicity.approve"),
    State.EXEMPTION_REQUESTED: ("exemption", "审批不予公开申请", "publicity.approve"),
}
ANCHOR = "#act-h"  # the item page's "办理" section
# The item's state as the overdue page names it after the item's title.
STATUS = {State.COLLECTED: "待核对提交审核", State.SUBMITTED: "待审核发布", State.EXEMPTION_REQUESTED: "不予公开申请待批准"}
NO_OTHER_APPROVER = "本机关没有其他公示审核人，请联系管理员授予"
NO_APPROVER = "本机关没有公示审核人，请联系管理员授予"


def _holders(agencies) -> dict[int, dict[str, dict[int, str]]]:
    """{agency id: {"edit"/"approve": {user id: name}}}: the active accounts (whose person, if any, is in post)
    holding publicity.edit / publicity.approve for each agency, by a grant for the agency or for a jurisdiction
    above it. One query, whatever the number of agencies."""
    edit, approve = roles_with("publicity.edit"), roles_with("publicity.approve")
    out: dict[int, dict[str, dict[int, str]]] = {}
    for pk, grants in grants_covering(edit | approve, agencies).items():
        out[pk] = {"edit": {}, "approve": {}}
        for grant in grants:
            person = getattr(grant.user, "person", None)
            if person is not None and not person.active:
                continue
            if grant.role in edit:
                out[pk]["edit"].setdefault(grant.user_id, person_label(grant.user))
            if grant.role in approve:
                out[pk]["approve"].setdefault(grant.user_id, person_label(grant.user))
    return out


def who_acts(pub, holders: dict[str, dict[int, str]]) -> tuple[dict[int, str], str]:
    """({user id: name} of those who may take the item's next step without making the step after it impossible,
    why nobody can when that is empty)."""
    approvers = holders["approve"]
    if pub.state == State.COLLECTED:
        # Submitting is for an editor who is not the only approver: the approval must remain someone else's.
        able = {uid: name for uid, name in holders["edit"].items() if set(approvers) - {uid}}
        if able or not approvers:
            return able, ""  # with no approver at all, submitting still prepares the item; 审核 waits for a grant
        return able, "提交人不能审核自己提交的公示信息，本机关没有其他公示编辑或审核人，请联系管理员授予"
    able = {uid: name for uid, name in approvers.items() if uid != pub.submitted_by_id}
    if able:
        return able, ""
    return able, NO_OTHER_APPROVER if approvers else NO_APPROVER


def _open_items(q: Q):
    last = Step.objects.filter(publication=OuterRef("pk")).order_by("-at", "-id")
    return (Publication.objects.filter(q, state__in=list(BY_STATE)).select_related("agency__jurisdiction", "case")
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
        # What the user submitted: listed to him only when nobody else can approve it (blocked, below).
        q |= Q(edit.agency_q("agency__"), submitted_by=user.pk,
               state__in=(State.SUBMITTED, State.EXEMPTION_REQUESTED))
    if not approve.empty:
        q |= Q(approve.agency_q("agency__"), state__in=(State.SUBMITTED, State.EXEMPTION_REQUESTED))
    pubs = list(_open_items(q))
    holders = _holders({p.agency for p in pubs})
    items = []
    for pub in pubs:
        what, title, permission = BY_STATE[pub.state]
        able, blocked = who_acts(pub, holders[pub.agency_id])
        key = f"publicity.{what}:{pub.pk}:{pub.last_step or 0}"
        kind = f"publicity.{what}"
        url = reverse("publicity-item", args=[pub.pk]) + ANCHOR
        if blocked:
            # Listed, without an action link, to those the block concerns: whoever submitted (he waits for another
            # approver), or the only editor who is also the only approver.
            concerned = (pub.submitted_by_id == user.pk if pub.state != State.COLLECTED
                         else user.pk in holders[pub.agency_id]["edit"])
            if not concerned:
                continue
            waiting = "等待其他审核人" if pub.state != State.COLLECTED else "等待其他人员提交审核"
            items.append(item(kind=f"publicity.blocked_{what}", key=key + ":blocked", title=f"{waiting}（{blocked}）",
                              brief=waiting, label=pub.title, ref=pub.case.number if pub.case else "",
                              url=reverse("publicity-item", args=[pub.pk]), actor="无（须另行授予公示信息审核人）",
                              agency=pub.agency.name,
                              agency_id=pub.agency_id, due=pub.due_on, provisional=pub.due_provisional, on=on,
                              status=STATUS[pub.state], blocked=blocked))
            continue
        if user.pk not in able:
            continue
        if pub.state == State.COLLECTED and pub.last_action == "return":
            kind, title = "publicity.returned", "被退回修改：按审核意见修改后重新提交审核"
        elif pub.state == State.COLLECTED and pub.last_action == "reject_exemption":
            kind, title = "publicity.exemption_rejected", "不予公开申请未获批准：核对公开文本并提交审核"
        items.append(item(kind=kind, key=key, title=title, label=pub.title, ref=pub.case.number if pub.case else "",
                          url=url, actor=_names(able, permission), agency=pub.agency.name,
                          agency_id=pub.agency_id, due=pub.due_on,
                          provisional=pub.due_provisional, on=on, status=STATUS[pub.state]))
    return items + _request_items(user, on=on)


def _names(able: dict[int, str], permission: str) -> str:
    return "、".join(able.values()) or roles_label(permission)


def _request_items(user, *, on: dt.date) -> list[TodoItem]:
    scope = org_perms.scope_for(user, "publicity.handle_requests")
    if scope.empty:
        return []
    rows = (Request.objects.filter(scope.agency_q("agency__"), state__in=REQUEST_OPEN).select_related("agency")
            .order_by("id"))
    return [item(kind="publicity.request", key=f"publicity.request:{r.pk}:{r.state}",
                 title=f"办理{r.get_kind_display()}", label=f"受理编号 {r.reference}", ref=f"受理编号 {r.reference}",
                 url=reverse("publicity-request", args=[r.pk]) + "#action",
                 actor=roles_label("publicity.handle_requests"), agency=r.agency.name,
                 agency_id=r.agency_id, due=r.due_on,
                 provisional=r.due_provisional, on=on) for r in rows]


def overdue_items_for(user, *, on: dt.date) -> list[TodoItem]:
    """Decisions not published (or lawfully exempted) by their deadline (PUB-07; IM-M §12) in the user's scope,
    and every open item nobody can move (the four-eyes rule with one approver), overdue or not: the head or the
    supervisor who sees it can have a second approver granted. Three queries, whatever the number of items."""
    late = list(overdue_for(actor=user, on=on).select_related("case", "agency__jurisdiction"))
    scope = org_perms.scope_for(user, "publicity.view_overdue")
    stuck = [] if scope.empty else list(
        Publication.objects.filter(scope.agency_q("agency__"), state__in=OPEN)
        .exclude(pk__in=[p.pk for p in late]).select_related("agency__jurisdiction", "case")
        .defer("original_text", "public_text", "search_tokens", "rows").order_by("id"))
    holders = _holders({p.agency for p in late + stuck})
    stuck_ids = {p.pk for p in stuck}
    out = []
    for pub in late + stuck:
        what, title, permission = BY_STATE[pub.state]
        able, blocked = who_acts(pub, holders[pub.agency_id])
        if pub.pk in stuck_ids and not blocked:
            continue
        out.append(item(kind=f"publicity.{what}", key=f"publicity.{what}:{pub.pk}", title=title,
                        label=f"《{pub.title}》", ref=pub.case.number if pub.case else "",
                        url=reverse("publicity-item", args=[pub.pk]) + ANCHOR,
                        actor=_names(able, permission) if not blocked else "无人可以办理",
                        agency=pub.agency.name,
                        agency_id=pub.agency_id, due=pub.due_on, provisional=pub.due_provisional, on=on,
                        status=STATUS[pub.state], blocked=blocked))
    return out
