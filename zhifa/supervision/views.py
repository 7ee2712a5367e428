"""Pages of the supervision app (issue 20 §3, §1): the supervisor's alert queue, an alert with its evidence, history
and close form, and the problem models with their state in the viewer's jurisdiction. Thin: reads through selectors,
writes through services (STYLE habit 1)."""

import datetime as dt
import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core import workflow as wf
from zhifa.core.bounds import parse_id
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, Jurisdiction

from . import selectors, services
from .panels import alert_panels_for
from .params import param_label, value_text
from .permissions import CONFIGURE, VIEW
from .registry import REGISTRY, Level, models_in_order


def _require_view(request):
    if not org_perms.can(request.user, VIEW):
        org_perms.deny(request.user, VIEW, request=request)


def queue(request):
    """Open alerts in the viewer's scope, newest first; filters: model, agency, level (keyset pages)."""
    _require_view(request)
    code = request.GET.get("model") or None
    level = request.GET.get("level") or None
    code = code if code in REGISTRY else None
    level = level if level in Level.values else None
    agency_id = parse_id(request.GET.get("agency")) if request.GET.get("agency") else None
    scope = org_perms.scope_for(request.user, VIEW)
    agencies = list(Agency.objects.filter(scope.agency_q(), is_justice_bureau=False).order_by("jurisdiction__path", "name")
                    .only("id", "name")[:500])
    rows = selectors.alerts_open(request.user, agency=agency_id, model=code, level=level)
    page = keyset_page(request, rows, 50)
    return render(request, "supervision/queue.html", {
        "page": page, "query": query_without_cursor(request), "models": models_in_order(), "levels": Level.choices,
        "agencies": agencies, "selected": {"model": code, "level": level, "agency": agency_id},
        "names": {m.code: m.name for m in models_in_order()}})


def alert(request, pk: int):
    found = selectors.alert_get_for(actor=request.user, pk=pk, request=request)
    model = REGISTRY.get(found.model)
    return render(request, "supervision/alert.html", {
        "alert": found, "model": model, "steps": selectors.alert_steps(found),
        "evidence": json.dumps(found.evidence, ensure_ascii=False, indent=2, sort_keys=True) if found.evidence else "",
        "can_close": found.is_open and wf.may(services.ALERT, "close", found, request.user),
        # The instruments app (above this one) issues the 监督意见书 … that follow an alert up: a link by URL name.
        "can_issue": found.is_open and org_perms.can(request.user, "instruments.issue", agency=found.agency),
        # Upper apps' sections (panels.register_alert_panel): the instruments issued for the alert.
        "panels": alert_panels_for(request, found)})


@require_POST
def alert_close(request, pk: int):
    found = selectors.alert_get_for(actor=request.user, pk=pk, request=request)
    try:
        services.alert_close(alert=found, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "预警已关闭。")
    except ZhifaError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("supervision-alert", pk=found.pk)


def _jurisdiction_for(request) -> Jurisdiction | None:
    raw = request.GET.get("jurisdiction") or request.POST.get("jurisdiction")
    if raw:
        node = Jurisdiction.objects.filter(pk=parse_id(raw)).first()
        if node is None or not org_perms.can(request.user, VIEW, jurisdiction=node) and not _agency_home(request, node):
            org_perms.deny(request.user, VIEW, request=request, detail=f"supervision.models jurisdiction:{raw}",
                           not_found=True)
        return node
    return selectors.home_jurisdiction(request.user)


def _agency_home(request, node) -> bool:
    """Staff of an agency read the models of their agency's jurisdiction."""
    home = selectors.home_jurisdiction(request.user)
    return home is not None and home.pk == node.pk


def models(request):
    """Every model: code, name, basis, description, thresholds in force and on/off state for the viewer's
    jurisdiction, each with a link to its history."""
    _require_view(request)
    node = _jurisdiction_for(request)
    on = timezone.localdate()
    return render(request, "supervision/models.html", {
        "jurisdiction": node, "on": on, "states": selectors.model_states(jurisdiction=node, on=on)})


def model_detail(request, code: str):
    _require_view(request)
    if code not in REGISTRY:
        raise NotFoundError()
    node = _jurisdiction_for(request)
    on = timezone.localdate()
    status = 200
    if request.method == "POST":
        try:
            _configure(request, node, code)
            messages.success(request, "已设定，自施行日期起生效；设定已记入规则版本和日志。")
            return redirect(f"{request.path}?jurisdiction={node.pk}" if node else request.path)
        except ZhifaError as exc:
            messages.error(request, refusal_message(exc))
            status = exc.status
    state = next(s for s in selectors.model_states(jurisdiction=node, on=on) if s["code"] == code)
    can_configure = node is not None and org_perms.can(request.user, CONFIGURE, jurisdiction=node)
    return render(request, "supervision/model.html", {
        "jurisdiction": node, "on": on, "state": state, "model": REGISTRY[code],
        "history": selectors.model_history(jurisdiction=node, code=code), "can_configure": can_configure,
        "param_rows": [(k, json.dumps(v, ensure_ascii=False), json.dumps(REGISTRY[code].defaults[k], ensure_ascii=False),
                        param_label(k), value_text(k, v), value_text(k, REGISTRY[code].defaults[k]))
                       for k, v in state["params"].items()]}, status=status)


def _configure(request, node, code):
    # Who may, before what was typed is read: a refusal never depends on the input, and is logged (review).
    allowed = org_perms.can(request.user, CONFIGURE, jurisdiction=node) if node is not None else request.user.is_superuser
    if not allowed:
        org_perms.deny(request.user, CONFIGURE, request=request, detail=f"supervision.models {code}")
    model = REGISTRY[code]
    params = {}
    for key in model.defaults:
        raw = request.POST.get(f"param_{key}", "").strip()
        if raw == "":
            continue
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw  # a word: a string parameter (the service checks its type)
    try:
        effective_from = dt.date.fromisoformat(request.POST.get("effective_from", ""))
    except ValueError:
        from .errors import SupervisionErrorCode

        raise ZhifaError(SupervisionErrorCode.PARAMS_INVALID, "请填写施行日期（年-月-日）。") from None
    services.model_configure(actor=request.user, jurisdiction=node, code=code,
                             enabled=request.POST.get("enabled") == "1", params=params,
                             effective_from=effective_from, source=request.POST.get("source", ""))
