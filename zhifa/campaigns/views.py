"""Pages of special inspections (Chinese, server-rendered): the list, the form that organises one, the detail with
its scope, draw record, sampled cases and findings forms, report, notice and timeline."""

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from zhifa.core import workflow as wf
from zhifa.core.bounds import parse_id
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import ZhifaError
from zhifa.core.files import stored_file_response
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency
from zhifa.org.selectors import supervised_agencies

from . import selectors, services
from .forms import CampaignForm, FindingsForm
from .models import DocumentKind, Result, State
from .rendering import scope_line
from .workflow import ACTION_LABELS, AGENCY_PERMISSION, BUREAU_PERMISSION, MOVES, VIEW_PERMISSION

FIELD_OF_ERROR = {"title", "basis", "agencies", "action_types", "period_from", "sample_size", "checklist"}


def require_view(request):
    if not org_perms.can(request.user, VIEW_PERMISSION) and org_perms.scope_for(request.user, BUREAU_PERMISSION).empty:
        org_perms.deny(request.user, VIEW_PERMISSION, request=request)


def campaign_list(request):
    require_view(request)
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    page = keyset_page(request, selectors.campaign_list_for(actor=request.user, state=state), 50)
    return render(request, "campaigns/list.html", {
        "page": page, "query": query_without_cursor(request), "states": State.choices, "state": state,
        "can_create": selectors.bureaus_for(actor=request.user).exists()})


def _subtree_agencies(bureaus) -> list:
    """The agencies the form offers: those of the actor's bureaus' subtrees (the service checks the chosen bureau's),
    in one query whatever the number of bureaus."""
    return list(supervised_agencies(bureaus)) if bureaus else []


def campaign_new(request):
    bureaus = list(selectors.bureaus_for(actor=request.user))
    if not bureaus:
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request)
    posted = request.POST.get("bureau", "")
    if request.method == "POST" and posted.isdigit() and int(posted) not in {b.pk for b in bureaus}:
        # Organising as a bureau outside one's grant: refused and logged, as the service would (not a form error).
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request, detail=f"campaigns create as agency:{posted}")
    form = CampaignForm(request.POST or None, bureaus=bureaus, agencies=_subtree_agencies(bureaus))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            bureau = next(b for b in bureaus if b.pk == d["bureau"])
            try:
                campaign = services.campaign_create(
                    actor=request.user, bureau=bureau, title=d["title"], basis=d["basis"], agency_ids=d["agencies"],
                    all_agencies=d["all_agencies"], action_types=d["action_types"], period_from=d["period_from"],
                    period_to=d["period_to"], sample_size=d["sample_size"], checklist=d["checklist"])
                messages.success(request, f"已组织专项监督检查“{campaign.title}”。")
                return redirect("campaigns-detail", pk=campaign.pk)
            except ZhifaError as exc:
                message = refusal_message(exc)
                field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
                form.add_error(field if field in FIELD_OF_ERROR else None, message)
                status = exc.status
        else:
            status = 400
    return render(request, "campaigns/new.html", {"form": form}, status=status)


def campaign_edit(request, pk: int):
    """修改检查方案: the organising bureau's supervisors change a draft's plan (the move `amend`; the organising
    bureau stays). Once drawn the plan is fixed: the page says so and goes back to the campaign."""
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c = view.campaign
    wf.authorise(services.WORKFLOW, "amend", c, request.user)
    if c.state != State.DRAFT:
        messages.error(request, "已抽取案件或已结束的检查不能修改检查方案。")
        return redirect("campaigns-detail", pk=c.pk)
    initial = {"bureau": c.bureau_id, "title": c.title, "basis": c.basis, "agencies": list(
        c.agencies.values_list("pk", flat=True)), "action_types": c.action_types, "period_from": c.period_from,
        "period_to": c.period_to, "sample_size": c.sample_size, "checklist": "\n".join(c.checklist)}
    form = CampaignForm(request.POST or None, initial=initial, bureaus=[c.bureau],
                        agencies=_subtree_agencies([c.bureau]))
    form.fields["bureau"].disabled = True  # another bureau's campaign is a new one
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.campaign_amend(
                    campaign=c, actor=request.user, title=d["title"], basis=d["basis"], agency_ids=d["agencies"],
                    all_agencies=d["all_agencies"], action_types=d["action_types"], period_from=d["period_from"],
                    period_to=d["period_to"], sample_size=d["sample_size"], checklist=d["checklist"])
                messages.success(request, "已修改检查方案。")
                return redirect("campaigns-detail", pk=c.pk)
            except ZhifaError as exc:
                message = refusal_message(exc)
                field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
                form.add_error(field if field in FIELD_OF_ERROR else None, message)
                status = exc.status
        else:
            status = 400
    return render(request, "campaigns/new.html", {"form": form, "editing": c}, status=status)


def _timeline(view) -> list[tuple]:
    """(step, label, note): an agency does not read the internal report's summary."""
    return [(s, ACTION_LABELS.get(s.action, s.action), s.note if view.bureau or s.action != "report" else "")
            for s in view.steps()]


def _instrument_link(agency_id: int, case_ids: list[int], bureau_id: int) -> str:
    """The instruments' issue form for a supervision opinion from the organising bureau to this agency about its
    problem cases (that form takes `?bureau=&agency=&cases=1,2&kind=`)."""
    params = {"bureau": bureau_id, "agency": agency_id, "kind": "opinion"}
    if case_ids:
        params["cases"] = ",".join(str(pk) for pk in sorted(case_ids))
    return reverse("instruments-new") + "?" + urlencode(params)


def _sampled_row(c, s, *, form_data=None, editable: bool) -> dict:
    """One sampled case's card: its current findings and, for the bureau while inspecting, the form."""
    current = {f.item: f for f in s.current}
    return {"s": s, "results": [(label, current.get(n)) for n, label in enumerate(c.checklist)],
            "form": FindingsForm(form_data, checklist=c.checklist, current=current) if editable else None,
            "problem": any(f.result != Result.OK for f in current.values()),
            "done": len(current) == len(c.checklist)}


def _card(request, view, sampled_id: int, *, form_data=None, status: int = 200, message: str = ""):
    """htmx: the card of one sampled case again, after its findings were recorded or refused. A refusal of the input
    is answered 200 with the card showing the message and the input as typed, as the calendar's partial does: htmx
    swaps only 2xx answers, and a 400 left the page unchanged, so the supervisor believed the finding was saved (the
    browser tryout). Without htmx the same refusal is the page again with its 400."""
    s = next((x for x in view.sampled().filter(pk=sampled_id)), None)
    if s is None:
        raise Http404()
    row = _sampled_row(view.campaign, s, form_data=form_data, editable=True)
    card = render(request, "campaigns/detail.html#sampled-card",
                  {"c": view.campaign, "row": row, "card_message": message, "card_ok": status == 200})
    # The heading's count of items still to record, swapped out of band: it went stale after each card (tryout).
    count = render(request, "campaigns/detail.html#missing-count",
                   {"oob": True, "missing": services.missing_findings(view.campaign)
                    if view.campaign.state == State.INSPECTING else 0})
    card.content += count.content
    return card


def campaign_detail(request, pk: int, *, status: int = 200, kept: dict | None = None):
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c = view.campaign
    moves = {m.name for m in wf.available_moves(services.WORKFLOW, c, request.user) if m.extra.get("side") == "bureau"}
    kept = kept or {}
    groups = {}
    for s in view.sampled():
        group = groups.setdefault(s.agency_id, {"agency": s.agency, "rows": [], "problem_cases": []})
        row = _sampled_row(c, s, form_data=kept.get(s.pk), editable="record_findings" in moves)
        if row["problem"]:
            group["problem_cases"].append(s.case_id)
        group["rows"].append(row)
    for group in groups.values():
        group["instrument_url"] = _instrument_link(group["agency"].pk, group["problem_cases"], c.bureau_id) if view.bureau else ""
    deliveries = list(view.deliveries()) if c.state == State.PUBLISHED else []
    to_acknowledge = [d for d in deliveries if not hasattr(d, "receipt")
                      and org_perms.can(request.user, AGENCY_PERMISSION, agency=d.agency)]
    documents = view.documents()
    return render(request, "campaigns/detail.html", {
        "view": view, "c": c, "moves": moves, "groups": list(groups.values()), "timeline": _timeline(view),
        "scope": scope_line(c), "draw": view.draw, "population_link": view.shows_population,
        "documents": documents,
        "notice": next((d for d in documents if d.kind == DocumentKind.NOTICE), None),
        "deliveries": deliveries, "to_acknowledge": to_acknowledge, "kept": kept,
        "missing": services.missing_findings(c) if c.state == State.INSPECTING and view.bureau else 0,
        "table": services.report_table(c) if view.bureau and c.state != State.DRAFT else [],
        "state_label": State(c.state).label}, status=status)


@require_POST
def campaign_act(request, pk: int, move: str):
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c, user, post = view.campaign, request.user, request.POST
    if move not in MOVES or move == "amend":  # the plan is changed on its own page (campaign_edit)
        raise Http404()
    kept = {move: post}
    card = None  # the sampled case whose card an htmx findings post answers with
    if move == "record_findings":
        card = parse_id(post.get("sampled"))
        kept = {card: post} if card is not None else {}
    try:
        if move == "acknowledge":
            # An agency the notice was sent to; whether the actor signs for it is the service's check (logged).
            agency = Agency.objects.filter(pk=post.get("agency") if str(post.get("agency", "")).isdigit() else None,
                                           campaign_notices__campaign=c).select_related("jurisdiction").first()
            if agency is None:
                raise Http404()
            services.notice_acknowledge(campaign=c, actor=user, agency=agency, note=post.get("note", ""))
            messages.success(request, "已签收通报。")
        else:
            # Who may, before anything about the input is said.
            wf.authorise(services.WORKFLOW, move, c, user)
            if move == "draw":
                services.campaign_draw(campaign=c, actor=user)
                messages.success(request, "已随机抽取案件。")
            elif move == "record_findings":
                form = FindingsForm(post, checklist=c.checklist)
                if not form.is_valid():
                    raise ZhifaError("invalid_input", "；".join(e for errs in form.errors.values() for e in errs))
                services.findings_record(campaign=c, actor=user, sampled_id=card or 0, results=form.results())
                if request.headers.get("HX-Request") and card is not None:
                    return _card(request, view, card, message="已记录检查结果。")
                messages.success(request, "已记录检查结果。")
            elif move == "report":
                services.campaign_report(campaign=c, actor=user, summary=post.get("summary", ""))
                messages.success(request, "已形成检查报告并签章。")
            elif move == "publish":
                services.campaign_publish(campaign=c, actor=user, text=post.get("text", ""))
                messages.success(request, "已发布通报。")
            elif move == "cancel":
                services.campaign_cancel(campaign=c, actor=user, reason=post.get("reason", ""))
                messages.success(request, "已撤销检查。")
    except ZhifaError as exc:
        message = refusal_message(exc)
        if (move == "record_findings" and request.headers.get("HX-Request") and isinstance(card, int)
                and exc.status not in (403, 404, 409)):
            return _card(request, view, card, form_data=post, status=exc.status, message=message)
        messages.error(request, message)
        if request.headers.get("HX-Request"):
            # htmx swaps only 2xx: any other refusal of a card's post (a state that moved on, a denial) reloads the
            # page, which shows the message, instead of leaving the card as if it had been saved.
            response = HttpResponse(status=exc.status)
            response["HX-Redirect"] = reverse("campaigns-detail", args=[pk])
            return response
        return campaign_detail(request, pk, status=exc.status, kept=kept)
    return redirect("campaigns-detail", pk=pk)


def document_pdf(request, pk: int, doc: int):
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    document = next((d for d in view.documents() if d.pk == doc), None)
    if document is None:
        raise Http404()
    return stored_file_response(request, storage_name=document.blob.storage_name, filename=f"{document.number}.pdf",
                                hint="application/pdf", size=document.blob.size)



def draw_population(request, pk: int):
    """The draw's population as JSON (a download): the page shows its size and digest, not one row per case. The
    bureau side's until the notice is published, then every reader's (it is public on the portal too)."""
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    draw = getattr(view.campaign, "draw", None)
    if draw is None:
        raise Http404()
    population = selectors.draw_population(view)
    if population is None:  # an agency before publication: the same 404, the attempt logged
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request, not_found=True,
                       detail=f"campaigns.campaign:{pk} population")
    # JSON like the API's (the page's link downloads it); not a stored file, so no file response of its own.
    return JsonResponse({"campaign": view.campaign.pk, "population_size": draw.population_size,
                         "population_sha256": draw.population_digest, "seed": draw.seed, "rule": draw.rule,
                         "population": population})
