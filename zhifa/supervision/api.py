"""Supervision API (issue 20 §3): the same selectors and services as the pages. Errors: {code, message}.

Runs are server-side only (nightly and event-driven): there is no endpoint that runs the models."""

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from zhifa.core.api import Day, Id, Pagination, RowOut
from zhifa.org import permissions as org_perms
from zhifa.org.models import Jurisdiction

from . import selectors, services
from .models import Alert
from .permissions import VIEW
from .registry import REGISTRY

router = Router(tags=["执法监督"])

LevelIn = Literal["notice", "warning", "alarm"]


class AlertRowOut(RowOut):
    id: int
    model: str
    model_name: str
    level: str
    level_label: str
    state: str
    agency_id: int
    agency: str
    case_id: int | None
    case_number: str | None
    detail: str
    due: dt.date | None
    opened_at: dt.datetime


class AlertStepOut(RowOut):
    action: str
    from_level: str
    to_level: str
    from_state: str
    to_state: str
    detail: str
    # The evaluation this step recorded (the alert's own due and evidence are only the latest one).
    due: dt.date | None
    evidence: dict[str, Any]
    note: str
    actor: str | None
    at: dt.datetime
    entry_id: int


class AlertOut(AlertRowOut):
    basis: str
    evidence: dict[str, Any]
    closed_at: dt.datetime | None
    close_reason: str
    steps: list[AlertStepOut]


class CloseIn(Schema):
    reason: str = Field(..., max_length=500, description="关闭理由")


class ModelStateOut(RowOut):
    code: str
    name: str
    basis: str
    description: str
    scope: str
    triggers: list[str]
    enabled: bool
    params: dict[str, Any]
    defaults: dict[str, Any]
    set_by: str | None  # the jurisdiction whose rule version sets it; None: the national baseline or the defaults
    source: str


def _name(code: str) -> str:
    model = REGISTRY.get(code)
    return model.name if model is not None else code


def _row(a: Alert) -> dict:
    return {"id": a.pk, "model": a.model, "model_name": _name(a.model), "level": a.level,
            "level_label": selectors.level_label(a.level), "state": a.state, "agency_id": a.agency_id,
            "agency": a.agency.name, "case_id": a.case_id, "case_number": a.case.number if a.case_id else None,
            "detail": a.detail, "due": a.due, "opened_at": a.opened_at}


def _rows(alerts, request) -> list[dict]:
    return [_row(a) for a in alerts]


def _require_view(request):
    org_perms.require(request.user, VIEW, request=request)


@router.get("/alerts", response=list[AlertRowOut], summary="未关闭的监督预警（按生成时间倒序）")
@paginate(Pagination, rows=_rows)
def alerts(request, model: str | None = None, agency_id: Id | None = None, level: LevelIn | None = None):
    _require_view(request)
    return selectors.alerts_open(request.user, agency=agency_id, model=model, level=level)


@router.get("/alerts/{alert_id}", response=AlertOut, summary="监督预警详情（依据数据与处理记录）")
def alert_detail(request, alert_id: Id):
    alert = selectors.alert_get_for(actor=request.user, pk=alert_id, request=request)
    return _detail(alert)


def _detail(alert: Alert) -> dict:
    model = REGISTRY.get(alert.model)
    steps = [{"action": s.action, "from_level": s.from_level, "to_level": s.to_level, "from_state": s.from_state,
              "to_state": s.to_state, "detail": s.detail, "due": s.due, "evidence": s.evidence or {}, "note": s.note,
              "actor": (s.actor.get_full_name() or s.actor.get_username()) if s.actor else None, "at": s.at,
              "entry_id": s.entry_id} for s in selectors.alert_steps(alert)]
    return _row(alert) | {"basis": model.basis if model else "", "evidence": alert.evidence or {},
                          "closed_at": alert.closed_at, "close_reason": alert.close_reason, "steps": steps}


@router.post("/alerts/{alert_id}/close", response=AlertOut, summary="监督人员关闭预警（须写明理由）")
def alert_close(request, alert_id: Id, payload: CloseIn):
    alert = selectors.alert_get_for(actor=request.user, pk=alert_id, request=request)
    services.alert_close(alert=alert, actor=request.user, reason=payload.reason)
    return _detail(selectors.alert_get_for(actor=request.user, pk=alert_id, request=request))


@router.get("/models", response=list[ModelStateOut], summary="问题模型及其在某地区的启用状态和阈值")
def models(request, jurisdiction_id: Id | None = None, on: Day | None = None):
    _require_view(request)
    if jurisdiction_id is not None:
        node = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
        home = selectors.home_jurisdiction(request.user)
        if node is None or not (org_perms.can(request.user, VIEW, jurisdiction=node) or (home and home.pk == node.pk)):
            org_perms.deny(request.user, VIEW, request=request, detail=f"supervision.models jurisdiction:{jurisdiction_id}",
                           not_found=True)
    else:
        node = selectors.home_jurisdiction(request.user)
    states = selectors.model_states(jurisdiction=node, on=on or timezone.localdate())
    return [{"code": s["code"], "name": s["name"], "basis": s["basis"], "description": s["description"],
             "scope": s["scope"], "triggers": s["triggers"], "enabled": s["enabled"], "params": s["params"],
             "defaults": s["defaults"], "set_by": (s["inherited_from"].name if s["inherited_from"] else None)
             if s["set_here"] else None, "source": s["source"]} for s in states]

