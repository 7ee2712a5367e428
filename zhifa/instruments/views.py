"""Pages of supervision instruments (Chinese, server-rendered): the bureau's list and issue form, the detail with
its documents, timeline and action forms, where the agency reports its correction or asks for re-examination."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.cases.models import Case
from zhifa.core import workflow as wf
from zhifa.core.bounds import parse_id
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import ZhifaError
from zhifa.core.files import stored_file_response
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.core.regulations import expand
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency
from zhifa.supervision import selectors as alert_selectors
from zhifa.supervision.permissions import VIEW as ALERT_VIEW
from zhifa.supervision.registry import REGISTRY

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


# A link may name the cases concerned (`?cases=1,2,3`: the campaign pages); more than this is not a link.
MAX_PREFILL_CASES = 200
# The first text of an instrument issued from an alert; the supervisor edits it before sealing.
ALERT_REQUIREMENT = "请核查上述问题并予以纠正，在整改期限内书面报告整改情况，并附相关证明材料。"


def _requested_case_ids(request, source) -> list[int]:
    """The case ids a link or the form names (`case`, `cases` as "1,2"), in order, without repeats. An id that is
    not one (`x`, `0`) names no case: the same 404 as a case outside the agency, the attempt logged."""
    raw = [source.get("case") or "", *str(source.get("cases") or "").split(",")]
    parts = [part.strip() for part in raw if part.strip()]
    if len(parts) > MAX_PREFILL_CASES:
        raise ZhifaError("invalid_input", f"一次最多涉及 {MAX_PREFILL_CASES} 件案件。")
    ids = [parse_id(part) for part in parts]
    if any(i is None for i in ids):
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request, not_found=True,
                       detail=f"instruments issue: malformed case ids {','.join(parts)[:200]}")
    return list(dict.fromkeys(ids))


def _issue_context(request, source, bureaus):
    """What the issue form is about — the agency, the cases, the alert — from the link or the form, every id checked
    against the actor's scope (never trusted): the agency under one of the actor's bureaus, the alert one the actor
    may see and the agency's, every case the agency's. Anything else is the same 404 as a missing agency, logged
    (review: an agency of one's own beside another county's case id printed that case's number and title)."""
    alert = None
    if source.get("alert"):
        # Out of the actor's sight: supervision's own 404, its denial logged there.
        alert = alert_selectors.alert_get_for(actor=request.user, pk=parse_id(source.get("alert")), request=request)
    case_ids = _requested_case_ids(request, source)
    cases = list(Case.objects.filter(pk__in=case_ids).select_related("agency")) if case_ids else []
    agency_id = parse_id(source.get("agency")) if source.get("agency") else None
    if agency_id is None:
        agency_id = alert.agency_id if alert is not None else (cases[0].agency_id if cases else None)
    agency = Agency.objects.filter(pk=agency_id).select_related("jurisdiction").first() if agency_id else None
    if agency is None and not source.get("agency") and not cases and alert is None:
        raise Http404("未找到被监督机关。")
    by_id = {c.pk: c for c in cases}
    if (agency is None or not any(agency.jurisdiction.path.startswith(b.jurisdiction.path) for b in bureaus)
            or len(by_id) != len(case_ids) or any(c.agency_id != agency.pk for c in cases)
            or (alert is not None and alert.agency_id != agency.pk)):
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request, not_found=True,
                       detail=f"instruments issue to agency:{agency_id or ''} cases:{','.join(map(str, case_ids))}"
                              f" alert:{alert.pk if alert else ''}"[:500])
    cases = [by_id[i] for i in case_ids]
    if alert is not None and alert.case_id and alert.case_id not in by_id:
        cases.append(alert.case)  # the alert's case is among the cases concerned (services.instrument_issue)
    return agency, cases, alert


def _alert_initial(alert) -> dict:
    """A first text from the alert: its model's name as the subject, what it found (the case, the detail, the
    deadline concerned) as the findings, the model's basis, a requirement to correct and report."""
    model = REGISTRY.get(alert.model)
    found = alert.detail
    if alert.case_id:
        found = f"{alert.case.number} {alert.case.title}：{found}"
    if alert.due:
        found += f"（期限：{alert.due:%Y-%m-%d}）"
    title = model.name if model is not None else alert.detail
    return {"title": title[:200], "findings": f"{alert.get_level_display()}：{found}"[:5000],
            "basis": expand(model.basis)[:500] if model is not None else "", "requirement": ALERT_REQUIREMENT,
            "model_code": alert.model}


def instrument_new(request):
    """The issue form. Opened from an alert (`?alert=`: agency, case, model and a first text from the alert), from a
    case (`?case=`), or from a link naming an agency and its cases (`?agency=&cases=1,2`). Only the chosen kind's
    fields are shown (`?kind=`; htmx swaps them when the kind changes)."""
    bureaus = list(selectors.bureaus_for(actor=request.user))
    if not bureaus:
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request)
    source = request.POST if request.method == "POST" else request.GET
    agency, cases, alert = _issue_context(request, source, bureaus)
    # The bureau that issues: the one the link names (a special inspection's organiser, `?bureau=`) if it is one of
    # the actor's and above the agency; else the actor's own, the top-most of theirs above the agency (a city
    # supervisor acts for the city's bureau, not for the county's under it: the browser tryout).
    covering = [b for b in bureaus if agency.jurisdiction.path.startswith(b.jurisdiction.path)]
    named = next((b for b in covering if str(b.pk) == source.get("bureau", "")), None)
    initial = {"agency": agency.pk, "cases": ",".join(str(c.pk) for c in cases),
               "model_code": source.get("model", ""), "alert": alert.pk if alert else None,
               "bureau": (named or min(covering, key=lambda b: len(b.jurisdiction.path))).pk}
    if alert is not None:
        initial.update(_alert_initial(alert))
    form = IssueForm(request.POST or None, bureaus=bureaus, initial=initial, kind=request.GET.get("kind", ""),
                     kind_fields_url=reverse("instruments-kind-fields"))
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
                    case_ids=[c.pk for c in cases], model_code=d["model_code"], alert_id=alert.pk if alert else None)
                messages.success(request, f"已制发 {instrument.number}。")
                return redirect("instruments-detail", pk=instrument.pk)
            except ZhifaError as exc:
                messages.error(request, refusal_message(exc))
                status = exc.status
        else:
            status = 400
    # Without JavaScript the kind is changed by reloading the page with ?kind= (what the link named is kept).
    kept = {k: v for k, v in request.GET.items() if k in ("agency", "case", "cases", "model", "alert")}
    model_code = form["model_code"].value() or ""
    return render(request, "instruments/new.html", {
        "form": form, "agency": agency, "cases": cases, "alert": alert,
        "model_name": REGISTRY[model_code].name if model_code in REGISTRY else "",
        "kind_links": [(value, label, urlencode({**kept, "kind": value})) for value, label in Kind.choices]},
        status=status)


def instrument_kind_fields(request):
    """htmx partial of the issue form: the fields of one kind of instrument, with what the agency must do."""
    if not org_perms.can(request.user, BUREAU_PERMISSION):
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request)
    form = IssueForm(kind=request.GET.get("kind", ""))
    return render(request, "instruments/_kind_fields.html", {"form": form})


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
        "state_label": State(instrument.state).label,
        # Where it came from: the model's name, and the alert it answers, linked for those who may see the agency's
        # alerts (the alert is always the agency's: services.instrument_issue).
        "model_name": REGISTRY[instrument.model_code].name if instrument.model_code in REGISTRY else "",
        "alert_link": instrument.alert_id is not None and org_perms.can(request.user, ALERT_VIEW,
                                                                        agency=instrument.agency)}, status=status)


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
