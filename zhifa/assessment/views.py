"""Pages of annual assessments (Chinese, server-rendered): the list and the form that opens one, the ranking with the
moves and the qualitative scores, one agency's result, the records behind a figure, the sealed report and the Excel
workbook, and the outcomes the bureau records."""

import datetime as dt

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core import workflow as wf
from zhifa.core.bounds import parse_id
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.files import XLSX, file_response, stored_file_response
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from . import rendering, selectors, services
from .errors import AssessmentErrorCode as E
from .indicators import REGISTRY, rule_text
from .models import AssessmentDocument, Outcome, OutcomeKind, OutcomeResult
from .workflow import ACTION_LABELS, BUREAU_PERMISSION, MOVES, VIEW_PERMISSION


def _bureaus(user):
    scope = org_perms.scope_for(user, BUREAU_PERMISSION)
    if scope.empty:
        return Agency.objects.none()
    return (Agency.objects.filter(scope.jurisdiction_q("jurisdiction__"), is_justice_bureau=True)
            .select_related("jurisdiction").order_by("jurisdiction__path"))


def require_reader(request):
    """Someone who may read some assessment: the bureaus' supervisors, the agencies' staff (their own results)."""
    if org_perms.scope_for(request.user, VIEW_PERMISSION).empty and \
            org_perms.scope_for(request.user, BUREAU_PERMISSION).empty:
        org_perms.deny(request.user, VIEW_PERMISSION, request=request)


def assessment_list(request):
    if request.method != "POST":
        require_reader(request)
    bureaus = list(_bureaus(request.user))
    if request.method == "POST":
        posted = parse_id(request.POST.get("bureau", ""))
        bureau = next((b for b in bureaus if b.pk == posted), None)
        if bureau is None:
            org_perms.deny(request.user, BUREAU_PERMISSION, request=request, detail=f"assessment create as agency:{posted}")
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = None
        try:
            a = services.assessment_create(actor=request.user, bureau=bureau, year=year,
                                           title=request.POST.get("title", ""))
            messages.success(request, f"已组织“{a.title}”。")
            return redirect("assessment-detail", a.pk)
        except ZhifaError as exc:
            messages.error(request, refusal_message(exc))
    items = list(selectors.assessments_for(request.user)[:200])
    return render(request, "assessment/list.html", {"items": items, "bureaus": bureaus,
                                                    "year": timezone.localdate().year - 1})


def assessment_detail(request, pk: int):
    assessment, visible = selectors.assessment_for(request.user, pk, request=request)
    rows = selectors.ranking(assessment)  # the ranking is 通报 to every agency assessed (docs/assessment.md)
    indicators = assessment.indicators.get("indicators", [])
    for row in rows:
        row.cells = [dict(row.figures.get(i["code"], {}), exempt=selectors.is_exempt(row.figures.get(i["code"], {}), i))
                     for i in indicators]
        row.linkable = visible is None or row.agency_id in visible
    moves = wf.available_moves(services.WORKFLOW, assessment, request.user) if visible is None else []
    document = AssessmentDocument.objects.filter(assessment=assessment).first()
    # 办理记录 as in campaigns' timeline: the person's name and the move's Chinese label, never a login or a code.
    steps = ([(s, ACTION_LABELS.get(s.action, s.action)) for s in
              assessment.steps.select_related("actor").order_by("at", "id")] if visible is None else [])
    return render(request, "assessment/detail.html", {
        "a": assessment, "rows": rows, "indicators": indicators, "moves": [m.name for m in moves],
        "bureau_side": visible is None, "document": document, "steps": steps,
        "any_rescaled": any(r.rescaled for r in rows), "total": assessment.indicators.get("total", 100),
        "formulas": {k: f.label for k, f in REGISTRY.items()},
        # How each figure becomes points, from the table the assessment was computed under (the tryout: the rule was
        # only in the rules' data, and a 47.50 average scoring 0 went unexplained).
        "scoring_lines": rule_text(assessment.indicators).splitlines()})


@require_POST
def assessment_act(request, pk: int, move: str):
    assessment, visible = selectors.assessment_for(request.user, pk, request=request)
    if move not in MOVES:
        return redirect("assessment-detail", pk)
    try:
        if move == "compute":
            services.assessment_compute(assessment=assessment, actor=request.user)
        elif move == "score":
            agency = Agency.objects.filter(pk=parse_id(request.POST.get("agency", ""))).first()
            if agency is None:
                raise ZhifaError(E.AGENCY_NOT_ASSESSED, "请选择被考核的执法机关。")
            services.qualitative_score(assessment=assessment, actor=request.user, agency=agency,
                                       points=request.POST.get("points", ""), reason=request.POST.get("reason", ""))
        elif move == "finalise":
            services.assessment_finalise(assessment=assessment, actor=request.user,
                                         summary=request.POST.get("summary", ""))
        elif move == "cancel":
            services.assessment_cancel(assessment=assessment, actor=request.user,
                                       reason=request.POST.get("reason", ""))
        messages.success(request, f"已{MOVES[move].label}。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("assessment-detail", pk)


def agency_result(request, pk: int, agency_id: int):
    assessment, visible = selectors.assessment_for(request.user, pk, request=request)
    if visible is not None and agency_id not in visible:
        org_perms.deny(request.user, VIEW_PERMISSION, request=request, not_found=True,
                       detail=f"assessment:{pk} agency:{agency_id}")
    rows = selectors.ranking(assessment, only={agency_id})
    if not rows:
        raise NotFoundError("该机关没有考核结果。")
    row = rows[0]
    indicators = []
    for i in assessment.indicators["indicators"]:
        figure = row.figures.get(i["code"], {})
        formula = REGISTRY.get(i["formula"])
        indicators.append(dict(i, figure=figure, exempt=selectors.is_exempt(figure, i),
                               shown=selectors.show_value(figure.get("value"), formula.kind if formula else ""),
                               formula_label=formula.label if formula else i["formula"]))
    history = (assessment.qualitative.filter(agency_id=agency_id).select_related("step__actor").order_by("id")
               if visible is None else [])
    # Ranked among the agencies that take part (those with records): "1 / 1", not "1 / 5" beside four unranked.
    ranked = sum(1 for r in selectors.ranking(assessment) if r.rank is not None)
    return render(request, "assessment/agency.html", {"a": assessment, "row": row, "indicators": indicators,
                                                      "history": history, "rank_of": ranked,
                                                      "scoring_lines": rule_text(assessment.indicators).splitlines()})


def figure_trace(request, pk: int, agency_id: int, indicator: str):
    assessment, visible = selectors.assessment_for(request.user, pk, request=request)
    if visible is not None and agency_id not in visible:
        org_perms.deny(request.user, VIEW_PERMISSION, request=request, not_found=True,
                       detail=f"assessment:{pk} agency:{agency_id}")
    figure = selectors.figure_for(assessment, agency_id, indicator)
    hits = set(figure.hits)
    records = selectors.describe(figure.source, figure.records[:selectors.TRACE_LIMIT])
    for r in records:
        r["hit"] = r["id"] in hits
        if figure.source == "evaluation.fileresult" and not r["hit"]:
            r["detail"] += "；该案卷后来再次评查，以最新一次结果计入，本次不计入"
    item = next((i for i in assessment.indicators["indicators"] if i["code"] == indicator), {"name": indicator})
    formula = REGISTRY.get(item.get("formula"))
    row = next(iter(selectors.ranking(assessment, only={agency_id})), None)
    pending = selectors.describe(figure.source, figure.pending[:selectors.TRACE_LIMIT])
    return render(request, "assessment/trace.html", {"a": assessment, "figure": figure, "item": item,
                                                     "shown": selectors.show_value(figure.value, formula.kind
                                                                                   if formula else ""),
                                                     "mean": bool(formula and formula.kind == "mean"),
                                                     "no_records": bool(row and row.no_records),
                                                     "pending": pending, "exempt": figure.value is None and
                                                     item.get("if_empty") == "exempt",
                                                     "records": records, "agency": Agency.objects.get(pk=agency_id),
                                                     "more": max(0, len(figure.records) - selectors.TRACE_LIMIT)})


def report_pdf(request, pk: int):
    assessment, visible = selectors.assessment_for(request.user, pk, request=request)
    document = AssessmentDocument.objects.select_related("blob").filter(assessment=assessment).first()
    if document is None:
        raise NotFoundError("考核结果报告尚未形成。")
    return stored_file_response(request, storage_name=document.blob.storage_name, filename=f"{document.number}.pdf",
                                hint="application/pdf")


def results_xlsx(request, pk: int):
    assessment, visible = selectors.assessment_for(request.user, pk, request=request)
    data = rendering.workbook(assessment, selectors.ranking(assessment))  # as the page and the sealed report
    return file_response(request, data, filename=f"评议考核-{assessment.year}-{assessment.pk}.xlsx", content_type=XLSX,
                         generated=True, download=True)


OUTCOMES_PAGE = 100


def outcomes(request):
    """The outcomes the bureau records about the agencies of its subtree, and the form to record one."""
    scope = org_perms.scope_for(request.user, BUREAU_PERMISSION)
    if scope.empty:
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request)
    if request.method == "POST":
        agency = Agency.objects.select_related("jurisdiction").filter(
            pk=parse_id(request.POST.get("agency", ""))).first()
        try:
            if agency is None:
                raise ZhifaError(E.OUTCOME_INVALID, "请选择执法机关。")
            try:
                decided_on = dt.date.fromisoformat(request.POST.get("decided_on", ""))
            except ValueError:
                decided_on = None
            services.outcome_record(actor=request.user, agency=agency, kind=request.POST.get("kind", ""),
                                    result=request.POST.get("result", ""), decided_on=decided_on,
                                    reference=request.POST.get("reference", ""), reason=request.POST.get("reason", ""))
            messages.success(request, "已登记。")
            return redirect("assessment-outcomes")
        except ZhifaError as exc:
            messages.error(request, refusal_message(exc))
    # The registrations in force (a corrected one is replaced by its correction, which names it), newest first,
    # paged by keyset on (decided_on, id): `?after=<date>:<id>` continues after the last row shown.
    rows = (Outcome.objects.filter(scope.agency_q("agency__"), superseded_by__isnull=True)
            .select_related("agency", "supersedes").order_by("-decided_on", "-id"))
    after = request.GET.get("after", "")
    day, _, last = after.partition(":")
    try:
        rows = rows.filter(Q(decided_on__lt=dt.date.fromisoformat(day)) |
                           Q(decided_on=dt.date.fromisoformat(day), id__lt=int(last))) if after else rows
    except ValueError:
        pass
    rows = list(rows[:OUTCOMES_PAGE + 1])
    more = rows[OUTCOMES_PAGE] if len(rows) > OUTCOMES_PAGE else None
    rows = rows[:OUTCOMES_PAGE]
    next_after = f"{rows[-1].decided_on.isoformat()}:{rows[-1].pk}" if more is not None else ""
    agencies = Agency.objects.filter(scope.agency_q(), is_justice_bureau=False).order_by("jurisdiction__path", "name")[:2000]
    return render(request, "assessment/outcomes.html", {"rows": rows, "agencies": agencies, "next_after": next_after,
                                                        "kinds": OutcomeKind.choices, "results": OutcomeResult.choices})
