"""Pages of execution and results (Chinese, server-rendered): one inspection (target, batch, items, inspectors, the
record form with a finding per item, the AV upload, the publish button, the timeline, the cases opened) and
"我的抽查任务". Every page checks permission (selectors_results: inspections.view scope, or an assignment)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core import workflow as wf
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms

from . import execution, flows
from . import selectors_results as selectors
from .forms_results import RecordForm
from .models import InspectionState
from .workflow import VIEW_PERMISSION

FORM_FIELDS = {"inspected_on", "place", "record", "av", "substitution_reason"}


def require_view(request):
    if not selectors.may_view(request.user):
        org_perms.deny(request.user, VIEW_PERMISSION, request=request)


def _page(request, inspection, *, form=None, status=200):
    view = selectors.inspection_view(inspection)
    user = request.user
    may_record = (inspection.state in (InspectionState.ASSIGNED, InspectionState.RECORDED)
                  and inspection.drawn.draw.state == "drawn" and execution.may_record(inspection, user))
    if may_record and form is None:
        form = RecordForm(items=view.items, current=view.findings, inspection=inspection,
                          substitute=not execution.is_assigned(inspection, user))
    may_publish = (inspection.state == InspectionState.RECORDED
                   and wf.may(flows.INSPECTION_WORKFLOW, "publish", inspection, user))
    av_required = False
    if may_record:
        try:
            av_required = execution.av_required(inspection, inspection.inspected_on or timezone.localdate())
        except ZhifaError:
            av_required = False
    return render(request, "inspections/results/inspection.html", {
        "i": inspection, "view": view, "form": form if may_record else None, "may_publish": may_publish,
        "av_required": av_required, "state_label": InspectionState(inspection.state).label,
        "rows": [(item, view.findings.get(item.pk)) for item in view.items],
        "substitutions": [s for s in view.steps if (s.data or {}).get("substitution")],
        "timeline": [(s, flows.INSPECTION_WORKFLOW.move(s.action).label
                      if s.action in {m.name for m in flows.INSPECTION_WORKFLOW.moves} else s.action)
                     for s in view.steps]}, status=status)


def inspection_detail(request, pk: int):
    inspection = selectors.inspection_get_for(actor=request.user, pk=pk, request=request)
    return _page(request, inspection)


def inspection_document(request, pk: int):
    """The recorded inspection as its standard document (双随机抽查检查记录), sealed by the lead agency, for printing and
    the party's signature; none before the record."""
    from django.http import Http404

    from zhifa.core.files import file_response

    inspection = selectors.inspection_get_for(actor=request.user, pk=pk, request=request)
    if inspection.state == InspectionState.ASSIGNED:
        raise Http404("尚未记录检查情况。")
    data, filename = selectors.record_document(inspection)
    return file_response(request, data, filename=filename, content_type="application/pdf", generated=True)


@require_POST
def inspection_record(request, pk: int):
    inspection = selectors.inspection_get_for(actor=request.user, pk=pk, request=request)
    execution.record_authorise(inspection, request.user)  # who may, before anything about the input is said
    view = selectors.inspection_view(inspection)
    form = RecordForm(request.POST, request.FILES, items=view.items, current=view.findings, inspection=inspection,
                      substitute=not execution.is_assigned(inspection, request.user))
    if not form.is_valid():
        return _page(request, inspection, form=form, status=400)
    d = form.cleaned_data
    try:
        execution.inspection_record(inspection=inspection, actor=request.user, inspected_on=d["inspected_on"],
                                    place=d["place"], record=d["record"], findings=form.findings(), av=d.get("av"),
                                    substitution_reason=d.get("substitution_reason", ""))
    except ZhifaError as exc:
        message = refusal_message(exc)
        if exc.status == 409:  # the state moved on (published, re-drawn): the page says so, without the form
            messages.error(request, message)
            return redirect("inspections-inspection", pk=pk)
        field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
        form.add_error(field if field in form.fields else None, message)
        return _page(request, inspection, form=form, status=exc.status)
    messages.success(request, "已记录检查情况。" if inspection.state == InspectionState.ASSIGNED else "已更正检查情况。")
    return redirect("inspections-inspection", pk=pk)


@require_POST
def inspection_publish(request, pk: int):
    inspection = selectors.inspection_get_for(actor=request.user, pk=pk, request=request)
    try:
        execution.inspection_publish(inspection=inspection, actor=request.user)
        messages.success(request, "已公示检查结果，公示平台即时可见。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("inspections-inspection", pk=pk)


def tasks(request):
    """我的抽查任务: the inspections assigned to me, and the results awaiting publication in my agencies."""
    require_view(request)
    today = timezone.localdate()
    # A work queue, not a list to browse: each section shows its first TASKS_SHOWN, earliest due first, and says how
    # many there are in all (the full lists page by cursor: /api/inspections/inspections).
    assigned_qs = selectors.assigned_to(request.user)
    awaiting_qs = selectors.awaiting_publication_for(request.user)
    mine_qs = (selectors.inspection_list_for(actor=request.user, state=InspectionState.RECORDED)
               .filter(drawn__assignments__person__user_id=request.user.pk).distinct())
    sections = {name: (list(qs[:TASKS_SHOWN]), qs.count()) for name, qs in
                (("assigned", assigned_qs), ("awaiting", awaiting_qs), ("recorded_mine", mine_qs))}
    return render(request, "inspections/results/tasks.html", {
        **{name: rows for name, (rows, _n) in sections.items()},
        "totals": {name: n for name, (_rows, n) in sections.items()}, "shown": TASKS_SHOWN, "today": today})


TASKS_SHOWN = 200
