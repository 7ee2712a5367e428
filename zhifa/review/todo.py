"""What waits in legal review for whom (issue 18 §1), read from the transition table's states (workflow.py).

Read only, in a fixed number of queries. Who acts in each state is the table's: the review unit's head assigns
(review.assign), the reviewer assigned gives the opinion by the review's due date (REV-06; IM-M §31), the officers
of the case hand in supplements and resubmit (review.submit), the handling unit's head answers the opinion
(review.respond), the units' heads record a consultation (review.consult), the agency head decides (review.decide),
and the justice bureau acknowledges a filed catalogue (review.acknowledge_catalogue).
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse

from zhifa.cases.models import Case, CaseOfficer, Document, Procedure, Stage
from zhifa.core.todo import TodoItem, item, roles_label
from zhifa.org import permissions as org_perms

from .models import Assignment, Catalogue, CatalogueFiling, Determination, Review, Step
from .selectors import overdue_for
from .workflow import CLOSED, DECISION_FORMS, MOVES, PAUSE_ENDED_BY, State

# (state) -> (what, title, permission of those who act, anchor of the review page's form)
BY_STATE = {
    State.RETURNED: ("resubmit", "材料被退回，补充后重新送审", "review.submit", "#rn"),
    State.TO_RESUBMIT: ("resubmit", "按审核意见处理后重新送审", "review.submit", "#rn"),
    State.OPINION_GIVEN: ("respond", "处理法制审核意见（采纳或提出异议）", "review.respond", "#rsn"),
    State.CONSULTING: ("consult", "记录协商结果", "review.consult", "#cm"),
    State.HEAD_DECIDING: ("head_decide", "报请负责人决定", "review.decide", "#hc"),
}
HANDLING_SIDE = {"review.submit"}  # work of the officers assigned to the case, not of every holder of the role


def _label(review: Review) -> str:
    return f"{review.case.number} {review.case.title}"


def _reviews(q: Q):
    active = Assignment.objects.filter(recusal__isnull=True).select_related("person")
    pauses = Step.objects.filter(action="pause").order_by("at", "id")
    extensions = Step.objects.filter(action__startswith="extension_").order_by("at", "id")
    return (Review.objects.filter(q).exclude(state__in=CLOSED).select_related("case", "agency")
            .prefetch_related(Prefetch("assignments", queryset=active, to_attr="active"),
                              Prefetch("steps", queryset=pauses, to_attr="pauses"),
                              Prefetch("steps", queryset=extensions, to_attr="extensions"),
                              Prefetch("case__officers", queryset=CaseOfficer.objects.select_related("person"),
                                       to_attr="desk"))
            .order_by("id"))


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    scopes = {p: org_perms.scope_for(user, p) for p in
              ("review.assign", "review.review", "review.submit", "review.respond", "review.consult", "review.decide")}
    q = Q(pk__in=[])
    for scope in scopes.values():
        if not scope.empty:
            q |= scope.agency_q("agency__")
    mine = Assignment.objects.filter(review=OuterRef("pk"), person__user=user.pk, recusal__isnull=True)
    q |= Q(Exists(mine))  # a lent adviser is assigned without a role in the agency
    extend = {p: org_perms.scope_for(user, p) for p in ("review.extension.legal_head", "review.extension.agency_head")}
    for scope in extend.values():
        if not scope.empty:
            q |= scope.agency_q("agency__")
    items = [*_catalogue_items(user, on=on), *_before_review_items(user, scopes["review.submit"], on=on)]
    for review in _reviews(q):
        items += _items_of(review, user, scopes, on)
        items += _extension_items(review, user, extend, on)
    return items


def _extension_items(review: Review, user, scopes, on: dt.date) -> list[TodoItem]:
    """A request to extend the time limit waits for the approver the review's rules name (IM-M §31: the head in
    charge of legal work; AZ-V §14: the agency's head), by the review's current due date."""
    steps = [s for s in review.extensions if s.round == review.round]
    if review.state not in (State.SUBMITTED, State.PAUSED) or not steps or steps[-1].action != "extension_requested":
        return []
    permission = MOVES["extend"].permission_for(review)
    if not scopes[permission].covers_agency(review.agency):
        return []
    return [item(kind="review.extension", key=f"review.extension:{review.pk}:{steps[-1].pk}",
                 title="审批延长法制审核期限的申请", label=_label(review), ref=review.case.number,
                 url=reverse("review-workspace", args=[review.case_id]) + "#en", actor=roles_label(permission),
                 agency=review.agency.name,
                 agency_id=review.agency_id, due=review.due_on, provisional=review.due_provisional, on=on)]


def _items_of(review: Review, user, scopes, on: dt.date) -> list[TodoItem]:
    url = reverse("review-workspace", args=[review.case_id])
    officers = [o.person for o in review.case.desk]
    officer_names = "、".join(p.name for p in officers) or "承办执法人员"
    is_officer = any(p.user_id == user.pk for p in officers) and scopes["review.submit"].covers_agency(review.agency)
    reviewers = [a.person for a in review.active]
    common = {"label": _label(review), "ref": review.case.number, "agency": review.agency.name,
              "agency_id": review.agency_id, "on": on}
    key = f"{review.pk}:{review.round}"
    if review.state == State.SUBMITTED:
        if not reviewers:
            if scopes["review.assign"].covers_agency(review.agency):
                return [item(kind="review.assign", key=f"review.assign:{key}", title="指派法制审核人员",
                             url=url + "#rp", actor=roles_label("review.assign"), due=review.due_on,
                             provisional=review.due_provisional, **common)]
            return []
        if any(p.user_id == user.pk for p in reviewers):
            return [item(kind="review.opinion", key=f"review.opinion:{key}", title="审核并出具法制审核意见",
                         url=url + "#kind", actor="、".join(p.name for p in reviewers), due=review.due_on,
                         provisional=review.due_provisional, **common)]
        return []
    if review.state == State.PAUSED:
        pause = next((s for s in reversed(review.pauses) if s.round == review.round), None)
        kind = pause.data.get("kind") if pause else "supplement"
        due = _date(pause.data.get("due_date")) if pause else None
        if PAUSE_ENDED_BY.get(kind) == "resume":
            if is_officer:
                return [item(kind="review.supplement", key=f"review.supplement:{key}:{pause.pk if pause else 0}",
                             title="按法制审核机构要求补充材料", url=url + "#rs", actor=officer_names, due=due, **common)]
        elif any(p.user_id == user.pk for p in reviewers):
            return [item(kind="review.resume", key=f"review.resume:{key}:{pause.pk if pause else 0}",
                         title="论证或解释完毕后恢复审核计时", url=url + "#rs",
                         actor="、".join(p.name for p in reviewers), due=due, **common)]
        return []
    if review.state not in BY_STATE:
        return []
    what, title, permission, anchor = BY_STATE[review.state]
    if permission in HANDLING_SIDE:
        if not is_officer:
            return []
        actor = officer_names
    elif scopes[permission].covers_agency(review.agency):
        actor = roles_label(permission)
    else:
        return []
    return [item(kind=f"review.{what}", key=f"review.{what}:{key}:{review.state}", title=title, url=url + anchor,
                 actor=actor, **common)]


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _catalogue_items(user, *, on: dt.date) -> list[TodoItem]:
    """Catalogues filed with a justice bureau whose jurisdiction the user acknowledges for (IM-M §26)."""
    scope = org_perms.scope_for(user, "review.acknowledge_catalogue")
    if scope.empty:
        return []
    filed = CatalogueFiling.objects.filter(catalogue=OuterRef("pk"))
    rows = (Catalogue.objects.filter(scope.jurisdiction_q("filed_with__jurisdiction__")).exclude(Exists(filed))
            .select_related("agency", "filed_with").order_by("issued_at", "id"))
    return [item(kind="review.catalogue_acknowledge", key=f"review.catalogue_acknowledge:{c.pk}",
                 title="重大执法决定法制审核目录清单备案登记", label=f"{c.agency.name} 目录清单第 {c.version} 版",
                 ref=f"{c.agency.name} 目录清单第 {c.version} 版",
                 url=reverse("review-catalogues") + f"#rm{c.pk}", actor=roles_label("review.acknowledge_catalogue"),
                 agency=c.agency.name, agency_id=c.agency_id, on=on) for c in rows]


def overdue_items_for(user, *, on: dt.date) -> list[TodoItem]:
    """Reviews past their time limit without an opinion (REV-06), in the user's scope, with who must act."""
    active = Assignment.objects.filter(recusal__isnull=True).select_related("person")
    rows = overdue_for(actor=user, on=on).prefetch_related(Prefetch("assignments", queryset=active, to_attr="active"))
    out = []
    for review in rows:
        names = "、".join(a.person.name for a in review.active)
        out.append(item(kind="review.opinion" if names else "review.assign",
                        key=f"review.{'opinion' if names else 'assign'}:{review.pk}:{review.round}",
                        title="出具法制审核意见" if names else "指派法制审核人员", label=_label(review), ref=review.case.number,
                        url=reverse("review-workspace", args=[review.case_id]),
                        actor=names or roles_label("review.assign"), agency=review.agency.name,
                        agency_id=review.agency_id, due=review.due_on,
                        provisional=review.due_provisional, on=on,
                        status="：法制审核意见尚未出具" if names else "：尚未指派法制审核人员"))
    return out


# --- before the review: the officers assess the decision and submit it (IM-M §29; REV-02) ------------------------

def _held(case_ids) -> dict[int, str]:
    """{case id: what holds its decision back} for the cases whose draft decision needs the review's work first:
    no determination yet (REV-02), a major decision not yet submitted, or a review not passed (REV-01). The gate
    (gate.decision_problems) has the last word on the case page; this is what the lists can tell in two queries."""
    if not case_ids:
        return {}
    reviews = dict(Review.objects.filter(case_id__in=case_ids).values_list("case_id", "state"))
    latest: dict[int, bool] = {}
    for case_id, is_major in (Determination.objects.filter(case_id__in=case_ids).order_by("case_id", "version")
                              .values_list("case_id", "is_major")):
        latest[case_id] = is_major
    drafted = set(Document.objects.filter(case_id__in=case_ids, form__in=DECISION_FORMS, superseded_by__isnull=True)
                  .values_list("case_id", flat=True))
    simplified = set(Case.objects.filter(pk__in=case_ids, procedure=Procedure.SIMPLIFIED).values_list("pk", flat=True))
    held = {}
    for case_id in case_ids:
        if case_id in reviews:
            if reviews[case_id] != State.PASSED:
                held[case_id] = "review"
        elif latest.get(case_id):
            held[case_id] = "submit"
        elif case_id not in latest and case_id in drafted and case_id not in simplified:
            held[case_id] = "determine"
    return held


def decisions_held_back(items: list[TodoItem]) -> list[TodoItem]:
    """core.todo filter: 作出决定 is not on anyone's list while the review holds the decision back."""
    ids = {int(i.subject.partition(":")[2]) for i in items if i.kind == "cases.decide" and i.subject}
    held = _held(ids)
    return [i for i in items if not (i.kind == "cases.decide" and int(i.subject.partition(":")[2]) in held)]


def _before_review_items(user, submit, *, on: dt.date) -> list[TodoItem]:
    if submit.empty:
        return []
    cases = list(Case.objects.filter(submit.agency_q("agency__"), stage=Stage.DECISION, officers__person__user=user.pk)
                 .select_related("agency").distinct().order_by("id"))
    held = _held([c.pk for c in cases])
    out = []
    for case in cases:
        why = held.get(case.pk)
        if why == "determine":
            title, anchor = "进行重大执法决定认定（是否应当法制审核）", "#fine"
        elif why == "submit":
            title, anchor = "重大执法决定送法制审核", "#sn"
        else:
            continue
        out.append(item(kind=f"review.{why}", key=f"review.{why}:{case.pk}", title=title,
                        label=f"{case.number} {case.title}", ref=case.number, url=reverse("review-workspace", args=[case.pk]) + anchor,
                        actor=roles_label("review.submit"), agency=case.agency.name,
                        agency_id=case.agency_id, on=on,
                        subject=f"cases.case:{case.pk}"))
    return out
