"""Pages of case-file evaluation campaigns (Chinese, server-rendered, htmx-boosted forms): the list, the form that
opens one, the campaign (scope, draw record, evaluators, files, results, report), one file (the machine's items with
their evidence, the scoring sheet, recusal, reconciliation, the result and its rectification)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhifa.core import workflow as wf
from zhifa.core.bounds import parse_id
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import ZhifaError
from zhifa.core.files import XLSX, file_response, stored_file_response
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.org import permissions as org_perms
from zhifa.org.selectors import supervised_agencies

from . import rendering, selectors, services
from .forms import CampaignForm
from .models import Assigned, MarkSource, Phase, State
from .standards import GRADE_LABELS, SECTION_LABELS
from .workflow import ACTION_LABELS, AGENCY_PERMISSION, BUREAU_PERMISSION, VIEW_PERMISSION

FIELD_OF_ERROR = {"title", "basis", "agencies", "action_types", "period_from", "sample_size", "sample_ratio",
                  "evaluators"}


def require_view(request):
    user = request.user
    if (not org_perms.can(user, VIEW_PERMISSION) and org_perms.scope_for(user, BUREAU_PERMISSION).empty
            and org_perms.scope_for(user, AGENCY_PERMISSION).empty
            and not Assigned.objects.filter(evaluator_id=getattr(user, "pk", None)).exists()):
        org_perms.deny(user, VIEW_PERMISSION, request=request)


def campaign_list(request):
    require_view(request)
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    page = keyset_page(request, selectors.campaign_list_for(actor=request.user, state=state), 50)
    return render(request, "evaluation/list.html", {
        "page": page, "query": query_without_cursor(request), "states": State.choices, "state": state,
        "can_create": services.organisers_for(actor=request.user).exists()})


def _form_choices(organisers):
    """The agencies the form offers (every bureau's subtree and the agencies opening a self-check) in one query, and
    the evaluator candidates in two, whatever the number of bureaus."""
    bureaus = [o for o in organisers if o.is_justice_bureau]
    agencies = [o for o in organisers if not o.is_justice_bureau]
    if bureaus:
        seen = {a.pk for a in agencies}
        agencies += [a for a in supervised_agencies(bureaus) if a.pk not in seen]
    return agencies, selectors.evaluator_candidates(bureaus)


def campaign_new(request):
    organisers = list(services.organisers_for(actor=request.user))
    if not organisers:
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request)
    posted = request.POST.get("organiser", "")
    if request.method == "POST" and posted.isdigit() and int(posted) not in {o.pk for o in organisers}:
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request, detail=f"evaluation create as agency:{posted}")
    agencies, candidates = _form_choices(organisers)
    form = CampaignForm(request.POST or None, organisers=organisers, agencies=agencies,
                        evaluators=[(u.pk, label) for u, label in candidates])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            organiser = next(o for o in organisers if o.pk == d["organiser"])
            try:
                campaign = services.campaign_create(
                    actor=request.user, organiser=organiser, title=d["title"], basis=d["basis"],
                    agency_ids=d["agencies"], all_agencies=d["all_agencies"], action_types=d["action_types"],
                    period_from=d["period_from"], period_to=d["period_to"], sample_size=d["sample_size"],
                    sample_ratio=d["sample_ratio"], self_check=d["self_check"],
                    evaluators=[u for u, _ in candidates if u.pk in set(d["evaluators"])])
                messages.success(request, f"已组织案卷评查“{campaign.title}”。")
                return redirect("evaluation-detail", pk=campaign.pk)
            except ZhifaError as exc:
                field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
                form.add_error(field if field in FIELD_OF_ERROR else None, refusal_message(exc))
                status = exc.status
        else:
            status = 400
    return render(request, "evaluation/new.html", {"form": form}, status=status)


def campaign_edit(request, pk: int):
    """修改评查方案: the organiser changes a draft's plan (the move `amend`; the organiser, the lead and the evaluators
    stay: evaluators are added on the campaign's page). Once drawn the plan is fixed: the page says so and goes back."""
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c = view.campaign
    wf.authorise(services.WORKFLOW, "amend", c, request.user)
    if c.state != State.DRAFT:
        messages.error(request, "已抽取案卷或已结束的评查不能修改评查方案。")
        return redirect("evaluation-detail", pk=c.pk)
    agencies, _candidates = _form_choices([c.organiser])
    initial = {"organiser": c.organiser_id, "title": c.title, "basis": c.basis,
               "agencies": list(c.agencies.values_list("pk", flat=True)), "action_types": c.action_types,
               "period_from": c.period_from, "period_to": c.period_to, "sample_size": c.sample_size,
               "sample_ratio": c.sample_ratio, "self_check": c.self_check}
    form = CampaignForm(request.POST or None, initial=initial, organisers=[c.organiser], agencies=agencies)
    form.fields["organiser"].disabled = True  # another organiser's campaign is a new one
    del form.fields["evaluators"]  # added on the campaign's page (确定评查人员), not here
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.campaign_amend(
                    campaign=c, actor=request.user, title=d["title"], basis=d["basis"], agency_ids=d["agencies"],
                    all_agencies=d["all_agencies"], action_types=d["action_types"], period_from=d["period_from"],
                    period_to=d["period_to"], sample_size=d["sample_size"], sample_ratio=d["sample_ratio"],
                    self_check=d["self_check"])
                messages.success(request, "已修改评查方案。")
                return redirect("evaluation-detail", pk=c.pk)
            except ZhifaError as exc:
                field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
                form.add_error(field if field in FIELD_OF_ERROR else None, refusal_message(exc))
                status = exc.status
        else:
            status = 400
    return render(request, "evaluation/new.html", {"form": form, "editing": c}, status=status)


def _moves(c, user, side: str) -> set[str]:
    return {m.name for m in wf.available_moves(services.WORKFLOW, c, user) if m.extra.get("side") == side}


def campaign_detail(request, pk: int, *, status: int = 200, kept=None):
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c = view.campaign
    files = list(view.files())
    tables = None
    if c.state != State.DRAFT and (view.organiser or c.state == State.CLOSED):
        tables = selectors.campaign_tables(c, None if view.organiser else view.agency_ids)
    moves = _moves(c, request.user, "organiser") if view.organiser else set()
    waiting = services.unassigned(c) if "assign" in moves else []
    if not waiting:
        moves.discard("assign")  # every file has its evaluators: nothing left to assign
    return render(request, "evaluation/detail.html", {
        "view": view, "c": c, "moves": moves, "kept": kept or {}, "assign_rule": services.ASSIGN_RULE,
        "to_assign": [f for f in files if f.pk in set(waiting)],
        "pool": list(c.evaluators.all()) if waiting else [],
        "files": [{"f": f, "live": [a for a in f.assignments.all() if not hasattr(a, "recusal")],
                   "result": getattr(f, "result", None) if view.shows_results(f) else None} for f in files],
        "timeline": [(s, ACTION_LABELS.get(s.action, s.action)) for s in view.steps()],
        "scope": rendering.scope_line(c), "draw": getattr(c, "draw", None) if view.organiser else None,
        "tables": tables, "report": getattr(c, "report", None) if c.state == State.CLOSED and view.organiser else None,
        "extract": c.state == State.CLOSED and bool(view.agency_ids) and not view.organiser,
        "shows_evaluators": view.shows_evaluators(),
        "to_reconcile": services.to_reconcile(c) if view.lead and c.state == State.SCORING else [],
        "state_label": State(c.state).label, "grades": GRADE_LABELS}, status=status)


@require_POST
def campaign_act(request, pk: int, move: str):
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c, user, post = view.campaign, request.user, request.POST
    if move not in ("draw", "spot_check", "assign", "close", "cancel"):
        raise Http404()
    try:
        wf.authorise(services.WORKFLOW, move, c, user)  # who may, before anything about the input is said
        if move == "draw":
            services.campaign_draw(campaign=c, actor=user)
            messages.success(request, "已随机抽取案卷，系统已对案卷进行预评分。")
        elif move == "spot_check":
            services.spot_check(campaign=c, actor=user)
            messages.success(request, "自查已结束，开始评查。")
        elif move == "assign":
            pairs = [(int(k.removeprefix("evaluator_")), int(v)) for k, v in post.items()
                     if k.startswith("evaluator_") and k.removeprefix("evaluator_").isdigit() and v.isdigit()]
            if pairs:  # the organiser's own choice for these files; the others wait for the next assignment
                services.assign(campaign=c, actor=user, pairs=pairs)
                messages.success(request, f"已按您的选择分配 {len(pairs)} 件评查案卷。")
            else:
                services.assign(campaign=c, actor=user)
                messages.success(request, "已分配评查案卷。" + services.ASSIGN_RULE)
        elif move == "close":
            services.campaign_close(campaign=c, actor=user, summary=post.get("summary", ""))
            messages.success(request, "已完成评查，评查结果已反馈被评查机关，评查报告已签章。")
        elif move == "cancel":
            services.campaign_cancel(campaign=c, actor=user, reason=post.get("reason", ""))
            messages.success(request, "已撤销评查。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
        return campaign_detail(request, pk, status=exc.status, kept={move: post})
    return redirect("evaluation-detail", pk=pk)


def _items(c, f, machine, sheet_marks=None, posted=None):
    """The sheet's rows: each item of the pinned standard, the machine's outcome and evidence, and what the sheet
    shows chosen: the input just refused (`posted`, kept whole: choice, error count, reason), else the reader's own
    sheet already handed in (`sheet_marks` {code: [passed, errors]}), else the machine's outcome."""
    std = services.standard_of(c, f.case.action_type)
    rows = []
    for it in std.items:
        m = machine.get(it.code)
        mark = (sheet_marks or {}).get(it.code)
        decided = m is not None and m.passed is not None
        value = ("1" if m.passed else "0") if decided else ""
        errors = str(m.errors) if decided and m.errors else "1"
        reason = ""
        if posted is not None:
            value = posted.get(f"passed_{it.code}", value)
            errors = posted.get(f"errors_{it.code}", errors)
            reason = posted.get(f"reason_{it.code}", "")
        elif mark is not None:
            value, errors = ("1" if mark[0] else "0"), str(mark[1] or 1)
        rows.append({"it": it, "section": SECTION_LABELS.get(it.section, it.section), "machine": m, "decided": decided,
                     "mark": mark, "default": value, "errors": errors, "reason": reason})
    return std, rows


def _grade_gap(verdicts, result):
    """Where the agency's self-score and the evaluators' score differ in grade: (self verdict, the other's score,
    the other's grade label); else None."""
    own = next((v for v in verdicts if v.phase == Phase.SELF), None)
    if own is None:
        return None
    if result is not None:
        other = (result.score, result.grade_label, result.grade)
    else:
        spot = next((v for v in verdicts if v.phase != Phase.SELF), None)
        if spot is None:
            return None
        other = (spot.score, spot.grade_label, spot.grade)
    return (own, other[0], other[1]) if other[2] != own.grade else None


def file_detail(request, pk: int, file_id: int, *, status: int = 200, posted=None):
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c, user = view.campaign, request.user
    d = selectors.file_detail(view, file_id)
    f = d["file"]
    mine = next((a for a in f.assignments.all() if a.evaluator_id == user.pk and not hasattr(a, "recusal")), None)
    may_score = (mine is not None and c.state == State.SCORING and d["result"] is None
                 and wf.may(services.WORKFLOW, "score", c, user))
    may_self = (c.state == State.SELF_CHECK and org_perms.can(user, AGENCY_PERMISSION, agency=f.agency)
                and not hasattr(f, "result"))
    may_reconcile = (view.lead and c.state == State.SCORING and f.pk in services.to_reconcile(c)
                     and not any(a.evaluator_id == user.pk for a in f.assignments.all()))
    rect = d["rectification"]
    may_rectify = (rect is not None and not hasattr(rect, "report") and c.state == State.CLOSED
                   and org_perms.can(user, AGENCY_PERMISSION, agency=f.agency))
    own = next((v for v in d["verdicts"] if v.scorer_id == user.pk
                and v.phase == (Phase.SELF if may_self else Phase.SPOT)), None) if (may_self or may_score) else None
    std, rows = _items(c, f, d["machine"], sheet_marks=own.marks if own else None, posted=posted)
    texts = {it.code: it.text for it in std.items}
    deductions = [(code, texts.get(code, ""), points) for code, points in (d["result"].deductions if d["result"] else [])]
    vetoed = [(code, texts.get(code, "")) for code in (d["result"].vetoed_by if d["result"] else [])]
    return render(request, "evaluation/file.html", {
        "view": view, "c": c, "f": f, "std": std, "rows": rows, "verdicts": d["verdicts"], "result": d["result"],
        "rect": rect, "deductions": deductions, "vetoed": vetoed, "may_score": may_score, "may_self": may_self,
        "may_reconcile": may_reconcile,
        "may_recuse": may_score, "may_rectify": may_rectify, "posted": posted or {}, "grades": GRADE_LABELS,
        "own": own, "gap": _grade_gap(d["verdicts"], d["result"]),
        "sources": dict(MarkSource.choices), "phases": dict(Phase.choices),
        "machine_points": sum(r["it"].points for r in rows if r["decided"])}, status=status)


def _marks_from_post(post, std) -> list[dict]:
    """passed_<code> ("1"/"0", "" = the machine's), errors_<code>, reason_<code>."""
    out = []
    for it in std.items:
        passed = post.get(f"passed_{it.code}", "")
        if passed == "":
            continue
        out.append({"item": it.code, "passed": passed == "1", "errors": post.get(f"errors_{it.code}") or 1,
                    "reason": post.get(f"reason_{it.code}", "")})
    return out


@require_POST
def file_act(request, pk: int, file_id: int, move: str):
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c, user, post = view.campaign, request.user, request.POST
    if move not in ("score", "self_score", "reconcile", "recuse", "rectify"):
        raise Http404()
    f = selectors.file_detail(view, file_id)["file"]
    try:
        wf.authorise(services.WORKFLOW, move, c, user)
        std = services.standard_of(c, f.case.action_type)
        if move in ("score", "self_score", "reconcile"):
            marks = _marks_from_post(post, std)
            if move == "score":
                services.score(campaign=c, actor=user, file_id=f.pk, marks=marks)
            elif move == "self_score":
                services.self_score(campaign=c, actor=user, file_id=f.pk, marks=marks)
            else:
                services.reconcile(campaign=c, actor=user, file_id=f.pk, marks=marks, note=post.get("note", ""))
            messages.success(request, "已提交评分。")
        elif move == "recuse":
            services.recuse(campaign=c, actor=user, file_id=f.pk, reason=post.get("reason", ""))
            messages.success(request, "已回避，该案卷已改由其他评查人员评查。")
            return redirect("evaluation-detail", pk=pk)
        elif move == "rectify":
            result_id = parse_id(post.get("result"))
            services.rectify(campaign=c, actor=user, result_id=result_id or 0, text=post.get("text", ""))
            messages.success(request, "已报告整改情况。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
        return file_detail(request, pk, file_id, status=exc.status, posted=post)
    return redirect("evaluation-file", pk=pk, file_id=file_id)


def report_pdf(request, pk: int):
    """The sealed campaign report covers every agency evaluated: the organiser's side only. An agency reads its own
    results (the page, the workbook and `results_pdf`)."""
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    doc = getattr(view.campaign, "report", None)
    if doc is None:
        raise Http404()
    if not view.organiser:
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request, detail=f"evaluation.report:{pk}")
    return stored_file_response(request, storage_name=doc.blob.storage_name, filename=f"{doc.number}.pdf",
                                hint="application/pdf", size=doc.blob.size)


def results_pdf(request, pk: int):
    """An evaluated agency's extract of a closed campaign: its own files' results (unsealed; the sealed report is
    the organiser's)."""
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c = view.campaign
    if c.state != State.CLOSED or not view.agency_ids:
        raise Http404()
    data = rendering.agency_extract(c, selectors.campaign_tables(c, view.agency_ids))
    return file_response(request, data, filename=f"案卷评查结果-{c.pk}.pdf", content_type="application/pdf",
                         generated=True, download=True)


def results_xlsx(request, pk: int):
    view = selectors.campaign_get_for(actor=request.user, pk=pk, request=request)
    c = view.campaign
    if c.state != State.CLOSED and not view.organiser:
        raise Http404()
    data = rendering.results_xlsx(c, selectors.campaign_tables(c, None if view.organiser else view.agency_ids))
    return file_response(request, data, filename=f"案卷评查-{c.pk}.xlsx", content_type=XLSX, generated=True,
                         download=True)

