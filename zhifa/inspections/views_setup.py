"""Staff pages of the set-up part (Chinese, server-rendered): the home of random inspections, item lists (INS-01),
the target directory and recusal links, plans and batches (INS-02). Thin: every write is a service of items.py,
directory.py or plans.py, every read a selector of selectors_setup.py."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core import workflow as wf
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import ZhifaError
from zhifa.core.files import XLSX, file_response
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, AgencyStatus, Certificate, Jurisdiction, Person

from . import directory, flows, items, plans
from . import selectors_setup as sel
from .forms_setup import (
    BatchForm,
    DirectoryFilterForm,
    DirectoryImportForm,
    ItemListForm,
    PlanForm,
    ReasonForm,
    RecusalForm,
)
from .models import ListState, TargetType
from .workflow import APPROVE_PERMISSION, MANAGE_PERMISSION, REVIEW_PERMISSION, VIEW_PERMISSION

LIST_FIELDS = {"agency", "title", "file", "rows"}
BATCH_FIELDS = {"title", "target_type", "items", "partners", "area", "starts_on", "ends_on", "inspectors_per_agency"}


def require_view(request):
    user = request.user
    if not org_perms.can(user, VIEW_PERMISSION) and not org_perms.can(user, REVIEW_PERMISSION):
        org_perms.deny(user, VIEW_PERMISSION, request=request)


def _form_error(form, exc: ZhifaError, fields) -> int:
    message = refusal_message(exc)
    field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
    form.add_error(field if field in fields else None, message)
    return exc.status


def _xlsx(request, data: bytes, name: str):
    return file_response(request, data, filename=name, content_type=XLSX, generated=True, download=True)


def _steps(workflow, steps) -> list[dict]:
    """Each step with the Chinese of its move and states."""
    labels = {m.name: m.label for m in workflow.moves}
    return [{"at": s.at, "actor": s.actor, "label": labels.get(s.action, s.action), "note": s.note, "data": s.data,
             "from": workflow.state_label(s.from_state) if s.from_state else "", "to": workflow.state_label(s.to_state)}
            for s in steps]


def home(request):
    require_view(request)
    user = request.user
    agencies = list(sel.agencies_for(actor=user)[:50])
    names = {}
    directories = []
    for a in agencies[:20]:
        try:
            classes = directory.class_ratios(a)
        except ZhifaError:
            classes = []
        names[a.pk] = {c["code"]: c["name"] for c in classes}
        summary = [dict(r, type_label=TargetType(r["target_type"]).label,
                        class_label=names[a.pk].get(r["risk_class"], r["risk_class"]))
                   for r in sel.directory_summary(a)]
        directories.append({"agency": a, "summary": summary, "total": sum(r["n"] for r in summary)})
    return render(request, "inspections/setup/home.html", {
        "lists": sel.item_lists_for(actor=user)[:20], "queue": sel.review_queue_for(actor=user),
        "plans": sel.plans_for(actor=user).prefetch_related("batches")[:20], "directories": directories,
        "can_manage": org_perms.can(user, MANAGE_PERMISSION)})


# --- item lists ----------------------------------------------------------------------------------------------------

def item_list_list(request):
    require_view(request)
    state = request.GET.get("state", "")
    state = state if state in ListState.values else ""
    page = keyset_page(request, sel.item_lists_for(actor=request.user, state=state), 50)
    return render(request, "inspections/setup/item_lists.html", {
        "page": page, "query": query_without_cursor(request), "states": ListState.choices, "state": state,
        "queue": sel.review_queue_for(actor=request.user), "can_manage": org_perms.can(request.user, MANAGE_PERMISSION)})


def item_list_new(request):
    agencies = list(sel.agencies_for(actor=request.user, permission=MANAGE_PERMISSION))
    if not agencies:
        org_perms.deny(request.user, MANAGE_PERMISSION, request=request)
    form = ItemListForm(request.POST or None, request.FILES or None, agencies=agencies)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            agency = next(a for a in agencies if a.pk == d["agency"])
            try:
                if d.get("file"):
                    rows, first = items.rows_from_workbook(d["file"]), 2
                else:
                    rows, first = items.rows_from_text(d["rows"]), 1
                lst = items.item_list_create(actor=request.user, agency=agency, title=d["title"], rows=rows,
                                             first_row=first)
                messages.success(request, f"已编制“{lst}”，共 {lst.items.count()} 项。请核对后报送审核。")
                return redirect("inspections-item-list", pk=lst.pk)
            except ZhifaError as exc:
                status = _form_error(form, exc, LIST_FIELDS)
        else:
            status = 400
    return render(request, "inspections/setup/item_list_new.html", {
        "form": form, "labels": [items.LABELS[f] for f in items.FIELDS]}, status=status)


def item_template(request):
    require_view(request)
    return _xlsx(request, items.template_workbook(), "随机抽查事项清单模板.xlsx")


def item_list_detail(request, pk: int, *, status: int = 200, form=None):
    lst = sel.item_list_get_for(actor=request.user, pk=pk, request=request)
    moves = {m.name for m in wf.available_moves(flows.LIST_WORKFLOW, lst, request.user) if m.name != "supersede"}
    rows = list(lst.items.all())
    for i in rows:
        i.percent = items.percent(i.ratio)
    return render(request, "inspections/setup/item_list.html", {
        "lst": lst, "items": rows, "steps": _steps(flows.LIST_WORKFLOW, lst.steps.all()), "moves": moves,
        "form": form or ReasonForm()},
        status=status)


@require_POST
def item_list_act(request, pk: int, move: str):
    lst = sel.item_list_get_for(actor=request.user, pk=pk, request=request)
    if move not in ("submit", "return", "approve"):
        raise Http404()
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if move == "submit":
            items.item_list_submit(item_list=lst, actor=request.user)
            messages.success(request, "已报送审核。")
        elif move == "return":
            items.item_list_return(item_list=lst, actor=request.user, reason=reason)
            messages.success(request, "已退回修改。")
        else:
            items.item_list_approve(item_list=lst, actor=request.user, note=reason)
            messages.success(request, "已审核通过并公示。")
    except ZhifaError as exc:
        form.add_error("reason" if (exc.details or {}).get("field") == "reason" else None, refusal_message(exc))
        return item_list_detail(request, pk, status=exc.status, form=form)
    return redirect("inspections-item-list", pk=pk)


def item_list_export(request, pk: int):
    lst = sel.item_list_get_for(actor=request.user, pk=pk, request=request)
    return _xlsx(request, items.export_workbook(lst), f"随机抽查事项清单-{lst.agency.name}-第{lst.version}版.xlsx")


# --- directory -----------------------------------------------------------------------------------------------------

def directory_page(request, agency: int):
    a = sel.directory_agency_for(actor=request.user, pk=agency, request=request)
    classes = directory.class_ratios(a)
    form = DirectoryFilterForm(request.GET or None, classes=classes)
    f = form.cleaned_data if form.is_valid() else {}
    qs = sel.targets_of(a, target_type=f.get("target_type", ""), risk_class=f.get("risk_class", ""),
                        active=f.get("active", ""), query=(f.get("q") or "").strip())
    page = keyset_page(request, qs, 50)
    return render(request, "inspections/setup/directory.html", {
        "agency": a, "page": page, "query": query_without_cursor(request), "form": form,
        "classes": sel.class_counts(a, classes), "class_names": {c["code"]: c["name"] for c in classes},
        "can_manage": sel.can_manage(request.user, a), "import_form": DirectoryImportForm()})


def inspector_directory(request, agency: int):
    """执法检查人员名录库: the agency's inspectors a draw over a period would take (draws.certificates_in_force over
    the agency's whole area): certified, active, not review staff, the certificate in force every day of the period."""
    from .draws import certificates_in_force
    from .forms_setup import InspectorPeriodForm

    a = sel.directory_agency_for(actor=request.user, pk=agency, request=request)
    today = timezone.localdate()
    form = InspectorPeriodForm(request.GET or {"starts_on": today, "ends_on": today})
    start, end = (form.cleaned_data["starts_on"], form.cleaned_data["ends_on"]) if form.is_valid() else (today, today)
    chosen = certificates_in_force(a, start=start, end=end, area=a.jurisdiction)
    people = Person.objects.filter(pk__in=chosen).select_related("unit").order_by("name", "pk")
    certificates = {c.number: c for c in Certificate.objects.filter(number__in=chosen.values()).select_related("area")}
    rows = [(p, certificates[chosen[p.pk]]) for p in people]
    return render(request, "inspections/setup/inspectors.html", {
        "agency": a, "form": form, "rows": rows, "start": start, "end": end},
        status=200 if form.is_valid() or not request.GET else 400)


def directory_import(request, agency: int):
    a = sel.directory_agency_for(actor=request.user, pk=agency, request=request)
    org_perms.require(request.user, MANAGE_PERMISSION, agency=a, request=request)
    form = DirectoryImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                r = directory.targets_import(actor=request.user, agency=a, file=form.cleaned_data["file"])
                messages.success(request, f"已导入检查对象名录：新增 {r.created} 户，更新 {r.updated} 户，未变 {r.unchanged} 户。")
                return redirect("inspections-directory", agency=a.pk)
            except ZhifaError as exc:
                status = _form_error(form, exc, {"file"})
        else:
            status = 400
    return render(request, "inspections/setup/directory_import.html", {
        "agency": a, "form": form, "columns": [label for _, label in directory.COLUMNS],
        "classes": directory.class_ratios(a)}, status=status)


def directory_template(request, agency: int):
    sel.directory_agency_for(actor=request.user, pk=agency, request=request)
    return _xlsx(request, directory.template_workbook(), "检查对象名录模板.xlsx")


def directory_export(request, agency: int):
    a = sel.directory_agency_for(actor=request.user, pk=agency, request=request)
    data = directory.export_workbook(sel.targets_of(a), agency=a)
    return _xlsx(request, data, f"检查对象名录-{a.name}-{timezone.localdate():%Y%m%d}.xlsx")


def _people(agency):
    return Person.objects.filter(agency=agency, active=True).order_by("name")


def target_detail(request, pk: int, *, status: int = 200, form=None):
    t = sel.target_get_for(actor=request.user, pk=pk, request=request)
    # Recusal links are declared and ended by a head (directory.recusal_declare: inspections.approve).
    manage = org_perms.can(request.user, APPROVE_PERMISSION, agency=t.agency)
    names = {c["code"]: c["name"] for c in directory.class_ratios(t.agency)}
    return render(request, "inspections/setup/target.html", {
        "t": t, "class_label": names.get(t.risk_class, t.risk_class), "links": directory.active_links(t),
        "history": sel.recusal_history(t), "can_manage": manage,
        "form": form or (RecusalForm(people=_people(t.agency)) if manage else None), "end_form": ReasonForm()},
        status=status)


@require_POST
def recusal_declare(request, pk: int):
    t = sel.target_get_for(actor=request.user, pk=pk, request=request)
    org_perms.require(request.user, APPROVE_PERMISSION, agency=t.agency, request=request)
    people = _people(t.agency)
    form = RecusalForm(request.POST, people=people)
    if not form.is_valid():
        return target_detail(request, pk, status=400, form=form)
    try:
        directory.recusal_declare(actor=request.user, target=t, person=people.get(pk=form.cleaned_data["person"]),
                                  reason=form.cleaned_data["reason"])
    except ZhifaError as exc:
        return target_detail(request, pk, status=_form_error(form, exc, {"person", "reason"}), form=form)
    messages.success(request, "已登记回避关系。")
    return redirect("inspections-target", pk=pk)


@require_POST
def recusal_end(request, pk: int):
    link = sel.recusal_get_for(actor=request.user, pk=pk, request=request)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        directory.recusal_end(actor=request.user, link=link, reason=form.cleaned_data.get("reason", ""))
        messages.success(request, "已解除回避关系。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("inspections-target", pk=link.target_id)


# --- plans and batches ---------------------------------------------------------------------------------------------

def plan_list(request):
    require_view(request)
    page = keyset_page(request, sel.plans_for(actor=request.user), 50)
    return render(request, "inspections/setup/plans.html", {
        "page": page, "query": query_without_cursor(request),
        "can_manage": org_perms.can(request.user, MANAGE_PERMISSION)})


def plan_new(request):
    agencies = list(sel.agencies_for(actor=request.user, permission=MANAGE_PERMISSION))
    if not agencies:
        org_perms.deny(request.user, MANAGE_PERMISSION, request=request)
    form = PlanForm(request.POST or None, agencies=agencies, initial={"year": timezone.localdate().year})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = plans.plan_create(actor=request.user, agency=next(a for a in agencies if a.pk == d["agency"]),
                                         year=d["year"], title=d["title"])
                messages.success(request, "已编制年度计划，请增加抽查批次。")
                return redirect("inspections-plan", pk=plan.pk)
            except ZhifaError as exc:
                status = _form_error(form, exc, {"agency", "year", "title"})
        else:
            status = 400
    return render(request, "inspections/setup/plan_new.html", {"form": form}, status=status)


def plan_detail(request, pk: int):
    plan = sel.plan_get_for(actor=request.user, pk=pk, request=request)
    moves = {m.name for m in wf.available_moves(flows.PLAN_WORKFLOW, plan, request.user)}
    return render(request, "inspections/setup/plan.html", {
        "plan": plan, "batches": plan.batches.all(), "steps": _steps(flows.PLAN_WORKFLOW, plan.steps.all()),
        "moves": moves})


def _batch_form(plan, data=None):
    lead = plan.agency
    partners = list(Agency.objects.filter(jurisdiction_id=lead.jurisdiction_id, is_justice_bureau=False,
                                          status=AgencyStatus.CONFIRMED).exclude(pk=lead.pk).order_by("name"))
    choices = sel.published_items_of([lead, *partners])
    areas = Jurisdiction.objects.filter(path__startswith=lead.jurisdiction.path).order_by("path")[:500]
    return BatchForm(data, items=choices, partners=partners, areas=areas)


def batch_new(request, pk: int):
    plan = sel.plan_get_for(actor=request.user, pk=pk, request=request)
    wf.authorise(flows.PLAN_WORKFLOW, "add_batch", plan, request.user)
    form = _batch_form(plan, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            area = Jurisdiction.objects.filter(pk=d["area"]).first() if d.get("area") else None
            try:
                batch = plans.batch_add(actor=request.user, plan=plan, title=d["title"], item_ids=d["items"],
                                        partner_ids=d["partners"], target_type=d["target_type"], area=area,
                                        starts_on=d["starts_on"], ends_on=d["ends_on"],
                                        inspectors_per_agency=d["inspectors_per_agency"])
                messages.success(request, f"已增加第 {batch.number} 批次。")
                return redirect("inspections-batch", pk=batch.pk)
            except ZhifaError as exc:
                status = _form_error(form, exc, BATCH_FIELDS)
        else:
            status = 400
    return render(request, "inspections/setup/batch_new.html", {"form": form, "plan": plan}, status=status)


@require_POST
def plan_file(request, pk: int):
    plan = sel.plan_get_for(actor=request.user, pk=pk, request=request)
    try:
        plans.plan_file(actor=request.user, plan=plan, note=request.POST.get("note", ""))
        messages.success(request, "已报备年度计划。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("inspections-plan", pk=pk)


def batch_detail(request, pk: int):
    batch = sel.batch_get_for(actor=request.user, pk=pk, request=request)
    rows = list(batch.items.all())
    for i in rows:
        i.percent = items.percent(i.ratio)
    return render(request, "inspections/setup/batch.html", {
        "batch": batch, "plan": batch.plan, "items": rows, "partners": batch.partners.all()})
