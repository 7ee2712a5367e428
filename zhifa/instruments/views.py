"""Pages of supervision instruments (Chinese, server-rendered): the bureau's list and issue form, the detail with
its documents, timeline and action forms, where the agency reports its correction or asks for re-examination."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.cases.models import Case
from zhifa.core import workflow as wf
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import ZhifaError
from zhifa.core.files import stored_file_response
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from . import selectors, services
from .forms import IssueForm, ReasonForm, ReportForm, ReviewDecideForm, ReviewRequestForm
from .models import Kind, State, StepFile
from .workflow import ACTION_LABELS, AWAITING_AGENCY, BUREAU_PERMISSION, MOVES, VIEW_PERMISSION


def _require_view(request):
    if not org_perms.can(request.user, VIEW_PERMISSION) and org_perms.scope_for(request.user, BUREAU_PERMISSION).empty:
        org_perms.deny(request.user, VIEW_PERMISSION, request=request)


def instrument_list(request):
    _require_view(request)
    today = timezone.localdate()
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.instrument_list_for(actor=request.user, state=state, overdue_on=today if overdue else None)
    page = keyset_page(request, rows, 50)
    return render(request, "instruments/list.html", {
        "page": page, "rows": [(i, i.state in AWAITING_AGENCY and i.due_on < today) for i in page],
        "query": query_without_cursor(request), "states": State.choices, "state": state, "overdue": overdue,
        "can_issue": selectors.bureaus_for(actor=request.user).exists()})


def instrument_new(request):
    """The issue form, from a case (?case=) or an alert (?agency=&model=&alert=&case=)."""
    bureaus = list(selectors.bureaus_for(actor=request.user))
    if not bureaus:
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request)
    source = request.POST if request.method == "POST" else request.GET
    case = None
    case_id = source.get("case") or source.get("cases") or ""
    if str(case_id).isdigit():
        case = Case.objects.filter(pk=int(case_id)).select_related("agency").first()
    agency_id = source.get("agency") or (case.agency_id if case else None)
    agency = Agency.objects.filter(pk=agency_id).select_related("jurisdiction").first() if str(agency_id or "").isdigit() \
        else None
    if agency is None:
        raise Http404("未找到被监督机关。")
    # Outside the actor's bureaus, or a case not the agency's (review: a case id of another county beside an agency of
    # one's own printed that case's number and title): the same 404 as a missing agency, the attempt in the log.
    if not any(agency.jurisdiction.path.startswith(b.jurisdiction.path) for b in bureaus) \
            or (case is not None and case.agency_id != agency.pk):
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request, not_found=True,
                       detail=f"instruments issue to agency:{agency.pk} case:{case.pk if case else ''}")
    initial = {"agency": agency.pk, "cases": str(case.pk) if case else "", "model_code": source.get("model", ""),
               "alert": source.get("alert") or None,
               "bureau": max((b for b in bureaus if agency.jurisdiction.path.startswith(b.jurisdiction.path)),
                             key=lambda b: len(b.jurisdiction.path)).pk}
    form = IssueForm(request.POST or None, bureaus=bureaus, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            bureau = next(b for b in bureaus if b.pk == d["bureau"])
            try:
                instrument = services.instrument_issue(
                    actor=request.user, bureau=bureau, agency=agency, kind=d["kind"], order=d["order"],
                    title=d["title"], findings=d["findings"], basis=d["basis"], requirement=d["requirement"],
                    talk={"at": d["talk_at"], "place": d["talk_place"], "attendees": d["talk_attendees"],
                          "record": d["talk_record"]} if d["kind"] == Kind.SUMMONS else None,
                    case_ids=form.case_ids(), model_code=d["model_code"], alert_id=d["alert"])
                messages.success(request, f"已制发 {instrument.number}。")
                return redirect("instruments-detail", pk=instrument.pk)
            except ZhifaError as exc:
                messages.error(request, refusal_message(exc))
                status = exc.status
        else:
            status = 400
    return render(request, "instruments/new.html", {"form": form, "agency": agency, "case": case}, status=status)


def instrument_detail(request, pk: int, *, status: int = 200, kept: dict | None = None):
    instrument = selectors.instrument_get_for(actor=request.user, pk=pk, request=request)
    moves = {m.name for m in wf.available_moves(services.WORKFLOW, instrument, request.user)}
    kept = kept or {}
    today = timezone.localdate()
    return render(request, "instruments/detail.html", {
        "i": instrument, "moves": moves,
        "timeline": [(s, ACTION_LABELS.get(s.action, s.action)) for s in instrument.steps.all()], "requirement": selectors.current_requirement(instrument),
        "overdue": instrument.state in AWAITING_AGENCY and instrument.due_on < today,
        "report_form": ReportForm(kept.get("report")), "reason_form": ReasonForm(kept.get("reason")),
        "review_request_form": ReviewRequestForm(kept.get("request_review")),
        "review_decide_form": ReviewDecideForm(kept.get("decide_review")),
        "state_label": State(instrument.state).label}, status=status)


@require_POST
def instrument_act(request, pk: int, move: str):
    instrument = selectors.instrument_get_for(actor=request.user, pk=pk, request=request)
    user = request.user
    if move not in MOVES:
        raise Http404()
    # Who may, before anything about the input is said (a refused report is refused, not told its file is missing).
    wf.authorise(services.WORKFLOW, move, instrument, user)
    try:
        if move == "report":
            form = ReportForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ZhifaError("invalid_input", "；".join(e for errs in form.errors.values() for e in errs))
            services.correction_report(instrument=instrument, actor=user, text=form.cleaned_data["text"],
                                       files=form.cleaned_data["files"])
            messages.success(request, "已报告整改情况。")
        elif move in ("accept", "return", "close"):
            service = {"accept": services.report_accept, "return": services.report_return,
                       "close": services.instrument_close}[move]
            service(instrument=instrument, actor=user, reason=request.POST.get("reason", ""))
            messages.success(request, {"accept": "已验收并办结。", "return": "已退回重新整改。", "close": "已办结。"}[move])
        elif move == "request_review":
            services.review_request(instrument=instrument, actor=user, reasons=request.POST.get("reasons", ""))
            messages.success(request, "已申请复查。")
        elif move == "decide_review":
            services.review_decide(instrument=instrument, actor=user, outcome=request.POST.get("outcome", ""),
                                   reasons=request.POST.get("reasons", ""),
                                   requirement=request.POST.get("requirement", ""))
            messages.success(request, "已作出复查决定。")
        else:
            raise Http404()
    except ZhifaError as exc:
        if exc.status == 403:
            raise  # the 403 page (core.middleware); the denial is already in the security log
        messages.error(request, refusal_message(exc))
        return instrument_detail(request, pk, status=exc.status, kept={move: request.POST})
    return redirect("instruments-detail", pk=pk)


def document_pdf(request, pk: int, doc: int):
    instrument = selectors.instrument_get_for(actor=request.user, pk=pk, request=request)
    document = next((d for d in instrument.documents.all() if d.pk == doc), None)
    if document is None:
        raise Http404()
    return stored_file_response(request, storage_name=document.blob.storage_name, filename=f"{document.number}.pdf",
                                hint="application/pdf", size=document.blob.size)


def step_file(request, pk: int, file: int):
    selectors.instrument_get_for(actor=request.user, pk=pk, request=request)
    row = StepFile.objects.filter(pk=file, step__instrument_id=pk).select_related("blob").first()
    if row is None:
        raise Http404()
    return stored_file_response(request, storage_name=row.blob.storage_name, filename=row.name,
                                hint=row.blob.content_type, size=row.blob.size)
