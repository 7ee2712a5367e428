"""Review pages: thin doors to the services (STYLE habit 1)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.cases import selectors as case_selectors
from zhifa.cases.doctypes import FORMS
from zhifa.cases.errors import ConsultationRequired
from zhifa.cases.models import Case
from zhifa.cases.views import asks_consultation
from zhifa.cases.workflow import DECIDED_FROM
from zhifa.core import files
from zhifa.core.bounds import parse_id
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType, Adviser, Agency, Jurisdiction, Level, Person, UnitKind
from zhifa.rules.catalogue import REVIEW_EXCLUDED, REVIEW_ITEMS, REVIEW_MATERIALS
from zhifa.rules.models import RuleVersion
from zhifa.rules.selectors import rules_effective

from . import clock, selectors, services
from .flowchart import review_flowchart_svg
from .forms import ACTIONS, ITEM_ROWS, CatalogueForm
from .gate import decision_problems
from .models import Catalogue, Review
from .workflow import (
    CRITERIA,
    GROUNDS,
    MEASURES,
    MOVES,
    OUTCOME_MOVES,
    REVIEWED_ACTION_TYPES,
    Criterion,
    HeadChoice,
    OpinionKind,
    Outcome,
    State,
    findings_for,
)


def _countdown(review: Review, today: dt.date) -> str:
    if review.state == State.PAUSED:
        return f"中止计时（自 {review.paused_since:%Y-%m-%d}）"
    if review.state != State.SUBMITTED or review.due_on is None:
        return ""
    left = clock.working_days_left(review.due_on, today)
    mark = "（含未公布节假日安排的年份，期限为暂定）" if review.due_provisional else ""
    if left < 0:
        return f"已超期 {-left} 个工作日（{review.due_on:%Y-%m-%d} 届满）{mark}"
    return f"剩余 {left} 个工作日（{review.due_on:%Y-%m-%d} 届满）{mark}"


def case_panel(request, case: Case) -> str:
    """The review section of the case page: state, countdown, what the gate still needs, the timeline."""
    review = Review.objects.filter(case=case).first()
    determination = selectors.current_determination(case)
    if review is None and determination is None and case.stage != "decision":
        return ""
    return render_to_string("review/_case_panel.html", {
        "case": case, "review": review, "determination": determination,
        "countdown": _countdown(review, timezone.localdate()) if review else "",
        "problems": decision_problems(case) if case.stage in DECIDED_FROM else [],
        "steps": selectors.timeline(review) if review else [],
        "state_labels": dict(State.choices),
    }, request=request)


def _case_for(request, pk) -> tuple[Case, Review | None]:
    """The case, for its agency's staff; or, for a lent adviser or a joint agency, through the review. A refusal
    is recorded once: by the review's selector, or as the case's when it has no review."""
    pk = parse_id(pk)  # 2⁶⁴ is a missing case, not a database error (issue 13 §5)
    case = case_selectors.case_list_for(actor=request.user).filter(pk=pk).first() if pk else None
    if case is None:
        case = Case.objects.filter(pk=pk).select_related("agency").first() if pk else None
        if case is None:
            raise Http404
        try:
            return case, selectors.review_get_for(actor=request.user, case=case, request=request)
        except NotFoundError:
            if not Review.objects.filter(case=case).exists():
                org_perms.record_denial(request.user, "cases.view", request=request, detail=f"case {pk}")
            raise Http404 from None
    return case, Review.objects.filter(case=case).select_related("agency", "review_unit").first()


@asks_consultation
def _rule_sources(case, review, today) -> dict[str, str]:
    """What the rule pack in force for the case's jurisdiction cites for the review's steps ("materials" → the rule
    version's `source`), shown through `regulation_names`: never a fixed region's measure (tryout 18, defect 3). Once
    submitted, the versions the review was judged by (its rules snapshot); before, those in force today."""
    versions = (review.rules.get("versions") or {}) if review is not None else {}
    if versions:
        found = RuleVersion.objects.filter(pk__in=versions.values()).only("key", "source")
        return {version.key.split(".", 1)[1]: version.source for version in found}
    return {key.split(".", 1)[1]: rule.version.source for key, rule in rules_effective(
        jurisdiction=case.agency.jurisdiction, as_of=today, keys=["review.materials", "review.opinion_document"]).items()}


def workspace(request, pk, *, kept: dict | None = None, status: int = 200):
    """The review page. `kept`: a refused opinion's input, shown again with the refusal (as on the case page,
    cases.views._refused) so that a reviewer's checklist and text are not lost."""
    case, review = _case_for(request, pk)
    draft = (kept or {}).get("opinion") or {}
    # REC-15: the review shows the case's materials and opinions; the one check, with the review's duties.
    case_selectors.consultation_check(actor=request.user, case=case, what="review")
    user, today = request.user, timezone.localdate()
    determination = selectors.current_determination(case)
    kept = kept or {}
    ctx = {"case": case, "review": review, "determination": determination, "criteria": CRITERIA, "measures": MEASURES,
           "kept": kept, "det": _determination_values(determination, kept.get("determine")),
           "state_labels": dict(State.choices), "problems": decision_problems(case) if case.stage in DECIDED_FROM else [],
           "can_submit": org_perms.can(user, "review.submit", agency=case.agency),
           "can_respond": org_perms.can(user, "review.respond", agency=case.agency),
           "agencies": Agency.objects.filter(is_justice_bureau=False, status="confirmed").exclude(pk=case.agency_id)
           .order_by("name")[:200],
           "rule_sources": _rule_sources(case, review, today)}
    if review is not None:
        assignments = selectors.active_assignments(review)
        mine = next((a for a in assignments if a.person.user_id == user.pk), None)
        opinions = list(review.opinions.select_related("signed_by", "assignment__person", "case_document", "submission"))
        joint = list(review.joint_agencies.select_related("agency"))
        ctx.update({
            "countdown": _countdown(review, today), "steps": selectors.timeline(review), "assignments": assignments,
            "mine": mine, "opinions": opinions, "latest": opinions[-1] if opinions else None, "joint": joint,
            "submission": (submission := review.submissions.get(round=review.round)),
            "materials": [(REVIEW_MATERIALS[code], [f"《{FORMS[m['form']].title}》第 {m['version']} 版" if "form" in m
                                                   else f"案件法律依据：{m['text']}" for m in entries])
                          for code, entries in submission.materials.items()],
            "items": [(code, REVIEW_ITEMS[code], draft.get(f"finding_{code}", ""), draft.get(f"note_{code}", ""),
                       findings_for(code)) for code in review.rules["items"]],
            "draft": {"kind": draft.get("kind", ""), "grounds": draft.getlist("grounds") if draft else [],
                      "text": draft.get("text", "")},
            "kinds": OpinionKind.choices, "grounds": {k.value: v for k, v in GROUNDS.items()},
            "pause_kinds": [(k, REVIEW_EXCLUDED[k]) for k in review.rules["excluded_periods"]],
            "pending_extension": selectors.pending_extension(review),
            "outcomes": [(v, label) for v, label in Outcome.choices if services.may(review, OUTCOME_MOVES[v], user)],
            "head_choices": HeadChoice.choices,
            # The buttons are the table's (workflow.TRANSITIONS through services.REVIEW), never a second list.
            # `mine` is the assignment the review side's moves admit, already read: only the permission is left.
            "can_review": mine is not None or org_perms.can(user, MOVES["pause"].permission, agency=review.agency),
            "can_assign": services.may(review, "assign", user),
            "can_extend": services.may(review, "extend", user),
            "can_consult": any(services.may(review, a, user) for a in OUTCOME_MOVES.values()),
            "can_decide": services.may(review, "head_decide", user),
            "cosign_agencies": [j.agency for j in joint if services.may_cosign(review, j.agency, user)],
            "candidates": Person.objects.filter(agency=review.agency, is_reviewer=True, active=True,
                                                unit__kind=UnitKind.REVIEW).order_by("name")[:100],
            "advisers": Adviser.objects.filter(loans__agency=review.agency, loans__starts_on__lte=today,
                                               loans__ends_on__gte=today, active=True).distinct()[:100],
        })
    return render(request, "review/workspace.html", ctx, status=status)


def _determination_values(determination, posted) -> dict:
    """The determination form's values: what was typed (a refused save) or the current version's."""
    if posted is not None:
        return {"fine_amount": posted.get("fine_amount", ""), "property_value": posted.get("property_value", ""),
                "measures": posted.getlist("measures"), "criteria": posted.getlist("criteria"),
                "collective_discussion": posted.get("collective_discussion") == "on",
                "joint_agencies": [str(v) for v in posted.getlist("joint_agencies")]}
    d = determination
    return {"fine_amount": (d and d.fine_amount) or "0", "property_value": (d and d.property_value) or "0",
            "measures": list(d.measures) if d else [], "criteria": list(d.criteria) if d else [],
            "collective_discussion": bool(d and d.collective_discussion),
            "joint_agencies": [str(v) for v in (d.joint_agencies if d else [])]}


@require_POST
def act(request, pk, action):
    """One action of the review page: its form (forms.ACTIONS) reads the input, its service decides."""
    case, review = _case_for(request, pk)
    form_class = ACTIONS.get(action)
    if form_class is None or (review is None and form_class.needs_review):
        raise Http404
    form = form_class(request.POST, case=case, review=review)
    if not form.is_valid():  # the page again with everything typed, not a redirect that drops it
        messages.error(request, form.first_error())
        return workspace(request, case.pk, kept={action: request.POST}, status=400)
    try:
        form.perform(actor=request.user)
        messages.success(request, form.done)
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
        if form.kept_on_refusal or exc.status != 403:  # a denial has no input worth keeping (cases.views._refused)
            return workspace(request, case.pk, kept={action: request.POST}, status=exc.status)
    if not _reads_freely(request.user, case):
        # The action closed the review and with it the duty that let this person read the case (the reviewer who
        # has just signed): back to the queue, not to a page that now asks for a reason (tryout, issue 17).
        messages.info(request, "本案审核已办结；如需再次查阅本案，请说明调阅事由。")
        return redirect("review-queue" if org_perms.can(request.user, "review.view") else "/")
    return redirect("review-workspace", pk=case.pk)


def _reads_freely(user, case: Case) -> bool:
    """Whether the workspace opens for `user` without stating a reason (the one consultation check's rule)."""
    try:
        case_selectors.consultation_check(actor=user, case=case, what="review", log=False)
    except ConsultationRequired:
        return False
    return True


def queue(request):
    if not org_perms.can(request.user, "review.view"):
        org_perms.deny(request.user, "review.view", request=request)
    mine = request.GET.get("mine") == "1"
    page = keyset_page(request, selectors.queue_for(actor=request.user, mine=mine), 50)
    today = timezone.localdate()
    return render(request, "review/queue.html", {
        "page": page, "rows": [(r, _countdown(r, today)) for r in page], "mine": mine,
        "query": query_without_cursor(request),
        "can_overdue": org_perms.can(request.user, "review.view_overdue")})


def overdue(request):
    if not org_perms.can(request.user, "review.view_overdue"):
        org_perms.deny(request.user, "review.view_overdue", request=request)
    today = timezone.localdate()
    page = keyset_page(request, selectors.overdue_for(actor=request.user, on=today), 50)
    return render(request, "review/overdue.html", {"page": page, "rows": [(r, _countdown(r, today)) for r in page],
                                                   "query": query_without_cursor(request)})



def catalogues(request):
    user = request.user
    if not org_perms.can(user, "review.view"):
        org_perms.deny(user, "review.view", request=request)
    scope = org_perms.scope_for(user, "review.manage_catalogue")
    own = list(Agency.objects.filter(scope.agency_q(), is_justice_bureau=False).select_related("jurisdiction")[:100])
    posted, status = request.POST if request.method == "POST" else {}, 200
    if request.method == "POST":
        status = 400  # unless issued (a redirect): the page again with every row as typed
        form = CatalogueForm(request.POST)
        form.is_valid()  # cleans every field; the agency is answered first, then who may, then the rest
        if "agency" in form.errors:
            messages.error(request, form.errors["agency"][0])
        else:
            # Another agency's id is a refusal, logged (403), not the form shown again.
            org_perms.require(user, "review.manage_catalogue", agency=form.cleaned_data["agency"], request=request)
            if form.errors:
                messages.error(request, form.first_error())
            else:
                d = form.cleaned_data
                try:
                    c = services.catalogue_issue(agency=d["agency"], items=d["items"],
                                                 effective_from=d["effective_from"], actor=user,
                                                 review_all_ordinary=d["review_all_ordinary"], note=d["note"])
                    messages.success(request, f"已发布目录清单第 {c.version} 版，并报{c.filed_with.name}备案。")
                    return redirect("review-catalogues")
                except ZhifaError as exc:
                    messages.error(request, refusal_message(exc))
    listed = keyset_page(request, selectors.catalogue_list_for(actor=user), 100)
    ack = org_perms.scope_for(user, "review.acknowledge_catalogue")
    return render(request, "review/catalogues.html", {
        "page": listed, "query": query_without_cursor(request),
        "catalogues": [(c, not hasattr(c, "filing") and ack.covers_jurisdiction(c.filed_with.jurisdiction)) for c in listed],
        "own": own, "posted": posted, "rows": [
            {"i": i, **{f: posted.get(f"{f}_{i}", "") for f in ("action_type", "matter", "level", "criterion", "amount",
                                                               "measure", "basis")},
             "collective": posted.get(f"collective_{i}") == "on"} for i in range(ITEM_ROWS)], "action_types": [(v, label) for v, label in ActionType.choices if v in REVIEWED_ACTION_TYPES],
        "levels": Level.choices, "criteria": Criterion.choices, "measures": MEASURES,
        "today": timezone.localdate().isoformat()}, status=status)


@require_POST
def catalogue_acknowledge(request, pk):
    catalogue = Catalogue.objects.filter(pk=pk).select_related("filed_with__jurisdiction").first()
    if catalogue is None:
        raise Http404
    try:
        services.catalogue_acknowledge(catalogue=catalogue, remarks=request.POST.get("remarks", ""), actor=request.user)
        messages.success(request, "已备案登记。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("review-catalogues")


def _flow_lines(jurisdiction: Jurisdiction, action_type: str) -> list[str]:
    rules = rules_effective(jurisdiction=jurisdiction, as_of=timezone.localdate(),
                            keys=["review.time_limit", "review.materials", "review.excluded_periods"])
    lines = []
    if "review.time_limit" in rules:
        limit = rules["review.time_limit"].value
        start = "收到完备的送审材料之日" if limit["starts"] == "complete_materials" else "收到送审材料之日"
        approver = "主管法制工作的负责人" if limit["extension_approver"] == "legal_head" else "本机关负责人"
        lines.append(f"审核期限：自{start}起 {limit['days']} 个工作日；情况复杂的，经{approver}批准可延长 "
                     f"{limit['extension_days']} 个工作日。")
    if "review.excluded_periods" in rules and rules["review.excluded_periods"].value:
        lines.append("不计入审核期限：" + "、".join(REVIEW_EXCLUDED[k] for k in rules["review.excluded_periods"].value) + "。")
    if "review.materials" in rules:
        materials = [REVIEW_MATERIALS[k] for k in rules["review.materials"].value
                     if not (k == "hearing_or_assessment" and action_type not in ("penalty", "licence", "levy"))]
        lines.append("送审材料：" + "；".join(materials) + "。")
    return lines


def _flow_svg(jurisdiction: Jurisdiction, action_type: str) -> str:
    label = dict(ActionType.choices)[action_type]
    return review_flowchart_svg(title=f"{jurisdiction.name} · {label}类重大执法决定法制审核流程图",
                                lines=_flow_lines(jurisdiction, action_type))


@login_not_required
def flowchart_svg(request, code, action_type):
    """Public (REV-13): the chart for a jurisdiction and a category, for the portal and for printing."""
    jurisdiction = Jurisdiction.objects.filter(code=code).first()
    if jurisdiction is None or action_type not in REVIEWED_ACTION_TYPES:
        raise Http404
    return files.file_response(request, _flow_svg(jurisdiction, action_type).encode(),
                               filename=f"review-flowchart-{action_type}.svg", content_type="image/svg+xml",
                               generated=True, cache="public, max-age=3600")


def flowcharts(request):
    if not org_perms.can(request.user, "review.view"):
        org_perms.deny(request.user, "review.view", request=request)
    scope = org_perms.scope_for(request.user, "review.view")
    agency = Agency.objects.filter(scope.agency_q()).select_related("jurisdiction").first()
    jurisdiction = agency.jurisdiction if agency else Jurisdiction.objects.filter(scope.jurisdiction_q()).first()
    if jurisdiction is None:
        raise Http404
    return render(request, "review/flowcharts.html", {
        "jurisdiction": jurisdiction,
        "charts": [(label, _flow_svg(jurisdiction, code), code) for code, label in ActionType.choices
                   if code in REVIEWED_ACTION_TYPES]})
