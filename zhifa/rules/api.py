import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Router, Schema, Status

from zhifa.core.api import Day
from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.selectors import jurisdiction_get

from . import selectors, services
from .errors import RulesErrorCode

router = Router(tags=["区域规则"])


class RuleOut(Schema):
    key: str
    label: str
    value: Any
    effective_from: dt.date
    source: str
    set_at: str | None  # division code of the node that set it; null: national baseline
    version_id: int


class RuleIn(Schema):
    jurisdiction: str | None = None  # division code; null: national baseline (administrators only)
    key: str
    value: Any
    effective_from: Day
    source: str


def _out(rule) -> dict:
    return {"key": rule.key, "label": rule.label, "value": rule.value, "effective_from": rule.version.effective_from,
            "source": rule.version.source, "set_at": rule.inherited_from.code if rule.inherited_from else None,
            "version_id": rule.version.pk}


@router.get("/effective", response=list[RuleOut], summary="某行政区划在某日有效的全部规则（含继承）")
def effective(request, jurisdiction: str | None = None, as_of: Day | None = None):
    if not org_perms.can(request.user, "rules.view"):
        org_perms.deny(request.user, "rules.view", request=request)
    node = jurisdiction_get(code=jurisdiction) if jurisdiction else None
    rules = selectors.rules_effective(jurisdiction=node, as_of=as_of or timezone.localdate())
    return [_out(r) for r in rules.values()]


@router.get("/effective/{key}", response=RuleOut, summary="某一规则项")
def effective_one(request, key: str, jurisdiction: str | None = None, as_of: Day | None = None):
    if not org_perms.can(request.user, "rules.view"):
        org_perms.deny(request.user, "rules.view", request=request)
    node = jurisdiction_get(code=jurisdiction) if jurisdiction else None
    try:
        rule = selectors.rule_get(key, jurisdiction=node, as_of=as_of or timezone.localdate())
    except KeyError:
        raise ZhifaError(RulesErrorCode.RULE_INVALID, f"未知的规则项：{key}", status=404) from None
    return _out(rule)


@router.post("/versions", response={201: RuleOut}, summary="设定新的规则版本（司法行政部门）")
def version_create(request, payload: RuleIn):
    node = jurisdiction_get(code=payload.jurisdiction) if payload.jurisdiction else None
    version = services.rule_version_create(key=payload.key, value=payload.value, effective_from=payload.effective_from,
                                           source=payload.source, jurisdiction=node, actor=request.user)
    rule = selectors.EffectiveRule(version.key, version.value, version, version.jurisdiction)
    return Status(201, _out(rule))
