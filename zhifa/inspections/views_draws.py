"""Staff pages of the draws (INS-02, INS-03): freeze from a batch's page, the draw's page (commitments, the 抽取 button
once due, the result, the re-draw chain, the record and how to replay it), make and re-draw. Thin: every write is a
service in draws.py; the panel on the batch page is inspections/draws/_batch_panel.html."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core import workflow as wf
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import ZhifaError
from zhifa.core.forms import ZhifaForm
from zhifa.org import permissions as org_perms

from . import draws, record, selectors_draws
from .errors import InspectionErrorCode as E
from .flows import DRAW_WORKFLOW
from .models import Batch
from .procedure import RECUSAL_REASONS
from .workflow import MANAGE_PERMISSION, VIEW_PERMISSION


def _moment(value: str):
    """A datetime-local field ("2026-12-05T10:00"), in local time; empty: None (now)."""
    field = forms.DateTimeField(required=False, input_formats=MOMENT_FORMATS)
    try:
        return field.clean((value or "").strip())
    except forms.ValidationError:
        raise ZhifaError(E.BEACON_INVALID, "随机源时点格式应为 2026-12-05 10:00。",
                         details={"field": "beacon_after"}) from None


MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
BEACON_HELP = ("抽取结果由此时刻之后系统签署的、包含本次固定记录的第一个日志检查点决定。默认为现在；也可以定在今后 30 日内的"
               "某一时刻（例如公开摇号的时间）。在这个检查点签署之前，任何人（包括本单位）都无法预知抽取结果；时点一过，结果"
               "即已确定，只能先抽取、公示，再决定是否重新抽取。")
EXTERNAL_HELP = ("如需再加入一个本单位无法控制的公开数值，请写明来源，包括期号或日期，例如“中国福利彩票双色球第2026140期开奖"
                 "号码”，并填写该数值包含的数字个数（双色球为 7 个）。抽取时按公布的号码录入，系统只读取其中的数字。")
EXTERNAL_NUMBERS_HELP = "外部公开随机值包含几个数字（如双色球开奖号码 7 个）；填写了来源的必填。"


class DrawFreezeForm(ZhifaForm):
    beacon_after = forms.DateTimeField(
        label="随机源时点", required=False, input_formats=MOMENT_FORMATS, help_text=BEACON_HELP,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "随机源时点格式应为 2026-12-05 10:00。"})
    external_source = forms.CharField(label="外部公开随机值来源（可不填）", required=False, max_length=draws.MAX_EXTERNAL,
                                      help_text=EXTERNAL_HELP)
    external_numbers = forms.IntegerField(label="外部公开随机值的数字个数", required=False, min_value=1,
                                          max_value=draws.MAX_EXTERNAL_NUMBERS, help_text=EXTERNAL_NUMBERS_HELP,
                                          error_messages={"invalid": "请填写整数。",
                                                          "min_value": "至少 1 个。",
                                                          "max_value": f"至多 {draws.MAX_EXTERNAL_NUMBERS} 个。"})


def _batch_for(request, pk) -> Batch:
    batch = get_object_or_404(Batch.objects.select_related("plan__agency__jurisdiction", "area"), pk=pk)
    if not org_perms.can(request.user, VIEW_PERMISSION, agency=batch.plan.agency):
        org_perms.deny(request.user, VIEW_PERMISSION, request=request, detail=f"inspections.batch:{pk}",
                       not_found=True)
    return batch


def draw_freeze(request, pk: int):
    """固定抽取范围和随机源. The batch page's panel posts here; a refusal is shown on this page, beside its field."""
    batch = _batch_for(request, pk)
    form = DrawFreezeForm(request.POST or None, initial={"beacon_after": timezone.localtime().replace(second=0,
                                                                                                      microsecond=0)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                draw = draws.draw_freeze(batch=batch, actor=request.user,
                                         beacon_after=form.cleaned_data["beacon_after"],
                                         external_source=form.cleaned_data["external_source"],
                                         external_numbers=form.cleaned_data["external_numbers"])
            except ZhifaError as exc:
                message = refusal_message(exc)
                field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
                form.add_error(field if field in form.fields else None, message)
                status = exc.status
            else:
                messages.success(request, f"已固定第 {draw.number} 次抽取的范围和随机源，随机源时点到达后即可抽取。")
                return redirect("inspections-draw", pk=draw.pk)
        else:
            status = 400
    return render(request, "inspections/draws/freeze.html", {"form": form, "batch": batch}, status=status)


def draw_detail(request, pk: int):
    draw = selectors_draws.draw_get_for(actor=request.user, pk=pk, request=request)
    now = timezone.now()
    made = draw.state == "drawn" or bool(draw.seed)
    return render(request, "inspections/draws/detail.html", {
        "draw": draw, "batch": draw.batch, "frozen": draw.frozen,
        "agencies": draws.agencies_of(draw.batch),
        "result": selectors_draws.draw_result(draw) if made else [],
        "redrawn_by": selectors_draws.redrawn_by(draw),
        "due": draws.is_due(draw, now), "waiting": draw.state == "frozen" and now < draw.beacon_after,
        "can_make": draw.state == "frozen" and wf.may(DRAW_WORKFLOW, "make", draw, request.user),
        "can_redraw": draw.state != "superseded" and wf.may(DRAW_WORKFLOW, "supersede", draw, request.user)
        and org_perms.can(request.user, MANAGE_PERMISSION, agency=draw.batch.plan.agency),
        "reasons": RECUSAL_REASONS, "record_name": f"draw-{draw.pk}.json",
        "strata": selectors_draws.strata_view(draw), "class_names": selectors_draws.class_names(draw),
    })


@require_POST
def draw_make(request, pk: int):
    draw = selectors_draws.draw_get_for(actor=request.user, pk=pk, request=request)
    try:
        draw = draws.draw_make(draw=draw, actor=request.user, external_value=request.POST.get("external_value", ""))
        messages.success(request, f"第 {draw.number} 次抽取已完成，共抽取 {draw.drawn.count()} 户检查对象。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("inspections-draw", pk=pk)


@require_POST
def draw_redraw(request, pk: int):
    draw = selectors_draws.draw_get_for(actor=request.user, pk=pk, request=request)
    try:
        numbers = request.POST.get("external_numbers", "").strip()
        new = draws.draw_redraw(draw=draw, actor=request.user, reason=request.POST.get("reason", ""),
                                beacon_after=_moment(request.POST.get("beacon_after")),
                                external_source=request.POST.get("external_source", ""),
                                external_numbers=int(numbers) if numbers.isdigit() else None)
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
        return redirect("inspections-draw", pk=pk)
    messages.success(request, f"已决定重新抽取：第 {new.number} 次抽取已固定范围和随机源，第 {draw.number} 次抽取保留备查。")
    return redirect("inspections-draw", pk=new.pk)


def draw_record(request, pk: int):
    """The record (record.json) of a draw the viewer may see: the portal's, with the drawn targets named at once."""
    draw = selectors_draws.draw_get_for(actor=request.user, pk=pk, request=request)
    response = HttpResponse(record.record_json(draw, public=False), content_type="application/json")
    return response
