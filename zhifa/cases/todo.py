"""What waits in a case for whom (issue 18 §1): the next move of the stage table (workflow.TRANSITIONS).

Read only. A move under `cases.approve` (批准立案, 作出决定) waits for those who hold that permission for the case's
agency; a move under `cases.handle` (调查终结, 结案归档) and the text records a move still lacks wait for the
officers assigned to the case. No rule sets a time limit for a stage, so these items carry no due date.
"""

import datetime as dt

from django.db.models import Prefetch, Q
from django.urls import reverse

from zhifa.core.names import person_label
from zhifa.core.todo import TodoItem, item, roles_label
from zhifa.org import permissions as org_perms
from zhifa.org.selectors import permission_holders

from . import workflow
from .models import Case, CaseOfficer, Document
from .selectors import describe_group, missing_for_next_stage

# The anchors of the case page (cases/case_detail.html) where each kind of work is done.
ANCHOR_NEXT_STEP = "#next-step"
ANCHOR_DOCUMENTS = "#form"


def _label(case: Case) -> str:
    return f"{case.number} {case.title}"


def _waiting_cases(q: Q):
    current = Document.objects.filter(superseded_by__isnull=True).only("id", "case_id", "form")
    return (Case.objects.filter(q, stage__in=list(workflow.NEXT)).select_related("agency")
            .prefetch_related(Prefetch("documents", queryset=current, to_attr="current_docs"),
                              Prefetch("officers", queryset=CaseOfficer.objects.select_related("person"),
                                       to_attr="desk"))
            .order_by("opened_at", "id").distinct())


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    """The next moves of the cases `user` must make: approvals for the holders of `cases.approve`, the rest (and
    the missing text records) for the officers assigned. Three queries, whatever the number of cases."""
    approve = org_perms.scope_for(user, "cases.approve")
    handle = org_perms.scope_for(user, "cases.handle")
    if approve.empty and handle.empty:
        return []
    q = approve.agency_q("agency__") if not approve.empty else Q(pk__in=[])
    if not handle.empty:
        q |= handle.agency_q("agency__") & Q(officers__person__user=user.pk)
    items = []
    for case in _waiting_cases(q):
        move = workflow.NEXT[case.stage]
        assigned = [o.person for o in case.desk]
        mine = handle.covers_agency(case.agency) and any(p.user_id == user.pk for p in assigned)
        url = reverse("case-detail", args=[case.pk])
        missing = missing_for_next_stage(case, case.current_docs)
        officers = "、".join(p.name for p in assigned) or "承办执法人员"
        if missing:
            if mine:
                items.append(item(
                    kind="cases.missing_document", key=f"cases.missing_document:{case.pk}:{case.stage}",
                    title=f"制作{describe_group(missing[0])}，以便{move.label}", label=_label(case), ref=case.number,
                    url=url + ANCHOR_DOCUMENTS, actor=officers, agency=case.agency.name,
                    agency_id=case.agency_id, on=on,
                    subject=f"cases.case:{case.pk}"))
            continue
        if move.permission == "cases.approve":
            if approve.covers_agency(case.agency):
                items.append(item(
                    kind=f"cases.{move.name}", key=f"cases.{move.name}:{case.pk}", title=move.label,
                    label=_label(case), ref=case.number, url=url + ANCHOR_NEXT_STEP, actor=roles_label(move.permission),
                    agency=case.agency.name,
                    agency_id=case.agency_id, on=on, subject=f"cases.case:{case.pk}"))
        elif mine:
            items.append(item(
                kind=f"cases.{move.name}", key=f"cases.{move.name}:{case.pk}", title=move.label, label=_label(case),
                ref=case.number, url=url + ANCHOR_NEXT_STEP, actor=officers, agency=case.agency.name,
                agency_id=case.agency_id, on=on,
                subject=f"cases.case:{case.pk}"))
    return items


def next_step_actors(case: Case) -> list[str]:
    """Who can make the case's next move, by name and role ("王局长（执法机关负责人）"), for the case page's
    "下一步" hint. The officers assigned when a text record is still missing or the move is theirs (`cases.handle`);
    otherwise the people holding the move's permission for the case's agency (a grant for the agency, or for a
    jurisdiction above it). Empty once the case is archived."""
    move = workflow.NEXT.get(case.stage)
    if move is None:
        return []
    officers = [f"{o.person.name}（承办执法人员）"
                for o in case.officers.select_related("person").order_by("assigned_at", "id")]
    if move.permission != "cases.approve" or missing_for_next_stage(case):
        return officers
    return list(dict.fromkeys(f"{person_label(user)}（{role.label}）"
                              for user, role in permission_holders(move.permission, case.agency)))
